/*
 * clerk_cmd.c - the clerk's commands on one account: ecflinkctl
 * reset-link-code and unlink.  The daemon checks that the caller is root
 * or in socket.admin_group; a code is printed once and wiped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "proto.h"

/* Parses 72h, 30m, 3d or plain seconds. */
static int
parse_ttl(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'm')
		v *= 60;
	else if (*end == 'h')
		v *= 3600;
	else if (*end == 'd')
		v *= 86400;
	else if (*end != '\0' && *end != 's')
		return -1;
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
cmd_reset_code(struct ctl *c, int argc, char **argv)
{
	const char *login = NULL, *code;
	struct proto_buf b;
	uint32_t ttl = 72 * 3600;
	uint64_t expires = 0;
	char tbuf[64];
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc) {
			if (parse_ttl(argv[++i], &ttl) < 0) {
				fprintf(stderr, "ecflinkctl: --ttl takes 30m, 72h, 3d or seconds\n");
				return EX_USAGE;
			}
		} else if (argv[i][0] != '-' && login == NULL) {
			login = argv[i];
		} else {
			login = NULL;
			break;
		}
	}
	if (login == NULL) {
		fprintf(stderr, "usage: ecflinkctl reset-link-code [--ttl 72h] CMECF_LOGIN\n");
		return EX_USAGE;
	}
	ctl_begin(c, &b, PT_ADMIN_RESET_CODE);
	proto_put_str(&b, PT_LOGIN, login);
	proto_put_u32(&b, PT_TTL_S, ttl);
	rc = ctl_call_result(c, &b, "no code was issued");
	if (rc != EX_DONE)
		return rc;
	code = proto_str(&c->reply, PT_CODE);
	if (code == NULL) {
		fprintf(stderr, "ecflinkctl: ecflinkd's reply carries no code\n");
		return EX_FAILED;
	}
	proto_u64(&c->reply, PT_EXPIRES, &expires);
	printf("Link reset code for CM/ECF login %s, for linking only, valid until %s.\n", login,
	       ctl_when(expires, tbuf, sizeof(tbuf)));
	printf("%s\n", ctl_message(c, "Give this code to the attorney; it is shown only once."));
	printf("%s\n", code);
	explicit_bzero(c->rep, sizeof(c->rep));
	return EX_DONE;
}

int
cmd_unlink(struct ctl *c, int argc, char **argv)
{
	const char *login = NULL, *reason = NULL;
	struct proto_buf b;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			reason = argv[++i];
		else if (argv[i][0] != '-' && login == NULL)
			login = argv[i];
		else
			login = reason = NULL;
	}
	if (login == NULL || reason == NULL || reason[0] == '\0') {
		fprintf(stderr, "usage: ecflinkctl unlink --reason TEXT CMECF_LOGIN\n");
		return EX_USAGE;
	}
	ctl_begin(c, &b, PT_ADMIN_UNLINK);
	proto_put_str(&b, PT_LOGIN, login);
	proto_put_str(&b, PT_NOTE, reason);
	rc = ctl_call_result(c, &b, "nothing was unlinked");
	if (rc != EX_DONE)
		return rc;
	printf("%s\n", ctl_message(c, "Unlinked."));
	return EX_DONE;
}
