/*
 * mail_cmd.c - ecflinkctl mail (see mail_cmd.h).
 */
#include "mail_cmd.h"

#include <stdio.h>
#include <string.h>

int
cmd_mail(struct ctl *c, int argc, char **argv)
{
	struct proto_buf b;
	const char *out;
	bool retry = false;
	size_t n;
	int rc;

	if (argc == 1 && strcmp(argv[0], "--retry") == 0) {
		retry = true;
	} else if (argc != 0) {
		fprintf(stderr, "usage: ecflinkctl mail [--retry]\n");
		return EX_USAGE;
	}
	ctl_begin(c, &b, PT_ADMIN_MAIL);
	if (retry)
		proto_put_u32(&b, PT_RETRY, 1);
	rc = ctl_call(c, &b);
	if (rc != EX_DONE)
		return rc;
	out = proto_str(&c->reply, PT_TEXT);
	if (out == NULL) {
		fprintf(stderr, "ecflinkctl: ecflinkd's mail reply has no text\n");
		return EX_FAILED;
	}
	n = strlen(out);
	if (fwrite(out, 1, n, stdout) != n || (n > 0 && out[n - 1] != '\n' && putchar('\n') < 0) ||
	    fflush(stdout) != 0) {
		perror("ecflinkctl: writing the list to standard output");
		return EX_FAILED;
	}
	return EX_DONE;
}
