/*
 * report_cmd.c - ecflinkctl report and lint (see report_cmd.h).
 */
#include "report_cmd.h"

#include <stdio.h>
#include <string.h>

/* Reading whole bases of 100k entries takes seconds, not milliseconds. */
#define WHOLE_BASE_TIMEOUT_MS 60000

/* Asks for type and prints the reply's text or JSON; an exit code. */
static int
fetch_and_print(struct ctl *c, uint16_t type, const char *what, bool json)
{
	struct proto_buf b;
	const char *out;
	size_t n;
	int rc;

	if (!c->timeout_set)
		c->timeout_ms = WHOLE_BASE_TIMEOUT_MS;
	ctl_begin(c, &b, type);
	rc = ctl_call(c, &b);
	if (rc != EX_DONE)
		return rc;
	out = proto_str(&c->reply, json ? PT_JSON : PT_TEXT);
	if (out == NULL) {
		fprintf(stderr, "ecflinkctl: ecflinkd's %s reply has no %s\n", what,
			json ? "JSON" : "text");
		return EX_FAILED;
	}
	n = strlen(out);
	if (fwrite(out, 1, n, stdout) != n || (n > 0 && out[n - 1] != '\n' && putchar('\n') < 0) ||
	    fflush(stdout) != 0) {
		perror("ecflinkctl: writing the result to standard output");
		return EX_FAILED;
	}
	return EX_DONE;
}

int
cmd_report(struct ctl *c, bool json)
{
	return fetch_and_print(c, PT_ADMIN_REPORT, "report", json);
}

int
cmd_lint(struct ctl *c, bool json)
{
	uint32_t findings = 0;
	int rc;

	rc = fetch_and_print(c, PT_ADMIN_LINT, "lint", json);
	if (rc != EX_DONE)
		return rc;
	if (proto_u32(&c->reply, PT_RESULT, &findings) < 0) {
		fprintf(stderr, "ecflinkctl: ecflinkd's lint reply does not say whether there "
				"are findings\n");
		return EX_FAILED;
	}
	return findings ? EX_FINDINGS : EX_DONE;
}
