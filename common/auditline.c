/*
 * auditline.c - one audit record's layout (see auditline.h).
 */
#include "auditline.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREV_TAIL ",\"prev\":\""	/* then AUDIT_HASH_HEX digits and "}" */

void
auditline_hash(const char *line, size_t len, char out[AUDIT_HASH_HEX + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	size_t i;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)line);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int
auditline_parse(const char *line, size_t len, unsigned long long *seq, const char **prev)
{
	size_t tail = strlen(PREV_TAIL) + AUDIT_HASH_HEX + 2;
	char *end;

	if (len < tail + 8 || strncmp(line, "{\"seq\":", 7) != 0 ||
	    strncmp(line + len - tail, PREV_TAIL, strlen(PREV_TAIL)) != 0 ||
	    strncmp(line + len - 2, "\"}", 2) != 0)
		return -1;
	errno = 0;
	*seq = strtoull(line + 7, &end, 10);
	if (errno != 0 || end == line + 7 || *end != ',')
		return -1;
	*prev = line + len - AUDIT_HASH_HEX - 2;
	return 0;
}
