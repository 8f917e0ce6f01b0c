/*
 * fuzz_proto.c - libFuzzer target for proto_decode() (make fuzz).
 *
 * Decodes each input and, when the decoder accepts it, reads every field
 * through the accessors and checks what PE_OK promises: known unique tags,
 * right sizes, NUL-terminated strings, fields that tile the body.  Any
 * broken promise aborts, so the fuzzer reports it like a sanitizer error.
 *
 * Built with -DFUZZ_PROTO_SEEDS instead, it is a plain program that writes
 * a few valid frames into the directory given as its argument, the seed
 * corpus.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#ifndef FUZZ_PROTO_SEEDS

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless cond holds; the fuzzer saves the input that did it. */
static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_proto: accepted frame breaks a promise: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg m;
	size_t i, j, off = PROTO_HDR_LEN;
	volatile unsigned int sink = 0;

	if (proto_decode(data, size, &m) != PE_OK)
		return 0;
	check(m.version == PROTO_VERSION, "version");
	check(m.nfields <= PROTO_MAX_FIELDS, "field count");
	for (i = 0; i < m.nfields; i++) {
		const struct proto_field *f = &m.f[i];
		const char *s;
		uint32_t u32;
		uint64_t u64;

		check(f->val == data + off + 6, "fields tile the body");
		off += 6 + (size_t)f->len;
		check(off <= size, "field inside the frame");
		for (j = 0; j < i; j++)
			check(m.f[j].tag != f->tag, "unique tags");
		switch (proto_tag_kind(f->tag)) {
		case PK_U32:
			check(f->len == 4, "u32 size");
			check(proto_u32(&m, f->tag, &u32) == 0, "u32 accessor");
			sink += u32;
			break;
		case PK_U64:
			check(f->len == 8, "u64 size");
			check(proto_u64(&m, f->tag, &u64) == 0, "u64 accessor");
			sink += (unsigned int)u64;
			break;
		case PK_STR:
			s = proto_str(&m, f->tag);
			check(s == (const char *)f->val, "str accessor");
			check(f->len >= 1 && f->len <= PROTO_MAX_STR, "str size");
			check(strlen(s) == f->len - 1, "str NUL-terminated, no inner NUL");
			break;
		case PK_NONE:
			check(0, "known tag");
		}
	}
	check(off == size, "no trailing bytes");
	/* Every accessor on every tag, present or not, of every kind. */
	for (i = 0; i <= PT_TAG_MAX; i++) {
		const char *s = proto_str(&m, (uint16_t)i);
		uint32_t u32;
		uint64_t u64;

		if (s != NULL)
			sink += (unsigned int)strlen(s);
		if (proto_u32(&m, (uint16_t)i, &u32) == 0)
			sink += u32;
		if (proto_u64(&m, (uint16_t)i, &u64) == 0)
			sink += (unsigned int)u64;
	}
	(void)sink;
	return 0;
}

#else

/* Writes the n bytes of frame to dir/name; 0 or -1 with a message. */
static int
write_seed(const char *dir, const char *name, const uint8_t *frame, size_t n)
{
	char path[4096];
	FILE *f;
	int rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
		fprintf(stderr, "fuzz_proto_seeds: path %s/%s too long\n", dir, name);
		return -1;
	}
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (fwrite(frame, 1, n, f) != n) {
		perror(path);
		goto out;
	}
	rc = 0;
out:
	if (fclose(f) != 0) {
		perror(path);
		rc = -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	static char notice[2000];
	struct proto_buf b;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_proto_seeds DIR\n");
		return 2;
	}
	memset(notice, 'N', sizeof(notice) - 1);

	proto_begin(&b, buf, sizeof(buf), PT_PING);
	proto_put_u32(&b, PT_DEADLINE_MS, 2000);
	rc |= proto_finish(&b) != PE_OK || write_seed(argv[1], "ping", buf, b.len);

	proto_begin(&b, buf, sizeof(buf), PT_AUTH);
	proto_put_u32(&b, PT_DEADLINE_MS, 1500);
	proto_put_u32(&b, PT_REALM, PR_REALM_CMECF);
	proto_put_str(&b, PT_USER, "jsmith");
	proto_put_str(&b, PT_PASSWORD, "hunter2");
	proto_put_str(&b, PT_SERVICE, "sshd");
	proto_put_str(&b, PT_RHOST, "");
	proto_put_u32(&b, PT_FLAGS, PF_AUTHENTICATE | PF_REDACTION);
	rc |= proto_finish(&b) != PE_OK || write_seed(argv[1], "auth", buf, b.len);

	proto_begin(&b, buf, sizeof(buf), PT_LOOKUP | PROTO_REPLY);
	proto_put_u32(&b, PT_STATUS, PS_OK);
	proto_put_u32(&b, PT_STATE, PST_LEGACY_LINKED);
	proto_put_str(&b, PT_LOGIN, "jsmith");
	proto_put_str(&b, PT_LINKED, "pacer123");
	proto_put_u64(&b, PT_GOLIVE, 1700000000);
	proto_put_u64(&b, PT_TXN, UINT64_MAX);
	rc |= proto_finish(&b) != PE_OK || write_seed(argv[1], "lookup-reply", buf, b.len);

	proto_begin(&b, buf, sizeof(buf), PT_ACCOUNT | PROTO_REPLY);
	proto_put_u32(&b, PT_STATUS, PS_UNAVAILABLE);
	proto_put_str(&b, PT_ERROR, "directory down");
	proto_put_u32(&b, PT_RESULT, PRS_REDACTION);
	proto_put_str(&b, PT_NOTICE, notice);
	proto_put_str(&b, PT_NOTICE_VER, "sha256:00");
	proto_put_str(&b, PT_TOKEN, "tok");
	rc |= proto_finish(&b) != PE_OK || write_seed(argv[1], "account-reply", buf, b.len);

	proto_begin(&b, buf, sizeof(buf), PT_PING);
	rc |= proto_finish(&b) != PE_OK || write_seed(argv[1], "empty", buf, b.len);
	return rc ? 1 : 0;
}

#endif
