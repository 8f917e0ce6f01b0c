/*
 * link_cmd.c - ecflinkctl link: an attorney links a PACER account to a
 * CM/ECF account.
 *
 * Secrets are read without echo from a terminal, or as lines from
 * standard input when it is not one (scripts, the web front end); never
 * from argv or the environment.  Every buffer that held one is wiped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "proto.h"

#define SECRET_MAX 1024

/*
 * Reads one line into buf (without its newline).  On a terminal the
 * prompt goes to stderr and echo is off.  0, or -1 at end of input.
 */
static int
read_secret(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t n;
	int rc = 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) < 0)
			return -1;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		rc = -1;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (rc == 0) {
		n = strcspn(buf, "\r\n");
		buf[n] = '\0';
	}
	return rc;
}

/* Asks a yes/no question on the terminal; true only for y or yes. */
static bool
ask_yes(const char *question)
{
	char answer[16];
	size_t n;

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return false;
	n = strcspn(answer, "\r\n");
	answer[n] = '\0';
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

static const char *
grade_words(uint32_t g)
{
	switch (g) {
	case PG_EXACT: return "the same";
	case PG_EQUIVALENT: return "written differently (the same once spacing, case and "
				   "numbers are set aside)";
	case PG_SIMILAR: return "similar but not the same";
	default: return "different";
	}
}

/*
 * Sends LINK_COMMIT for token; prints the outcome; returns an exit code.
 * An unconfirmed commit is sent too, so the daemon logs the attempt now
 * and forgets the preparation, rather than when it expires.
 */
static int
commit(struct ctl *c, const char *token, bool confirmed)
{
	struct proto_buf b;
	uint64_t txn = 0;
	int rc;

	ctl_begin(c, &b, PT_LINK_COMMIT);
	proto_put_str(&b, PT_TOKEN, token);
	proto_put_u32(&b, PT_CONFIRM, confirmed ? 1 : 0);
	rc = ctl_call_result(c, &b, "the link was refused");
	if (rc != EX_DONE)
		return rc;
	proto_u64(&c->reply, PT_TXN, &txn);
	printf("%s\n", ctl_message(c, "Your PACER account has been linked to your CM/ECF account."));
	printf("Transaction ID: %llu\n", (unsigned long long)txn);
	return EX_DONE;
}

static void
link_usage(void)
{
	fprintf(stderr, "usage: ecflinkctl link [--confirm] [--reset-code] PACER_LOGIN CMECF_LOGIN\n"
			"  Reads the PACER password, then the CM/ECF password (or with\n"
			"  --reset-code the court's link reset code), from the terminal, or as\n"
			"  two lines from standard input.\n");
}

int
cmd_link(struct ctl *c, int argc, char **argv)
{
	char pacer_pw[SECRET_MAX], cmecf_secret[SECRET_MAX], token[64], prompt[600], q[1200];
	const char *pacer = NULL, *cmecf = NULL, *n1, *n2, *l1, *l2, *tok;
	bool confirm = false, code = false;
	struct proto_buf b;
	uint32_t grade = PG_DIFFERENT;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--confirm") == 0)
			confirm = true;
		else if (strcmp(argv[i], "--reset-code") == 0)
			code = true;
		else if (argv[i][0] == '-' || (pacer != NULL && cmecf != NULL))
			return link_usage(), EX_USAGE;
		else if (pacer == NULL)
			pacer = argv[i];
		else
			cmecf = argv[i];
	}
	if (pacer == NULL || cmecf == NULL)
		return link_usage(), EX_USAGE;
	snprintf(prompt, sizeof(prompt), "PACER password for %s: ", pacer);
	if (read_secret(prompt, pacer_pw, sizeof(pacer_pw)) < 0) {
		fprintf(stderr, "ecflinkctl: no PACER password given\n");
		return EX_USAGE;
	}
	if (code)
		snprintf(prompt, sizeof(prompt), "Link reset code for %s: ", cmecf);
	else
		snprintf(prompt, sizeof(prompt), "CM/ECF password for %s: ", cmecf);
	if (read_secret(prompt, cmecf_secret, sizeof(cmecf_secret)) < 0) {
		explicit_bzero(pacer_pw, sizeof(pacer_pw));
		fprintf(stderr, "ecflinkctl: no CM/ECF %s given\n", code ? "reset code" : "password");
		return EX_USAGE;
	}
	ctl_begin(c, &b, PT_LINK_PREPARE);
	proto_put_str(&b, PT_USER, pacer);
	proto_put_str(&b, PT_PASSWORD, pacer_pw);
	proto_put_str(&b, PT_CMECF_LOGIN, cmecf);
	proto_put_str(&b, code ? PT_RESET_CODE : PT_CMECF_PASSWORD, cmecf_secret);
	explicit_bzero(pacer_pw, sizeof(pacer_pw));
	explicit_bzero(cmecf_secret, sizeof(cmecf_secret));
	rc = ctl_call_result(c, &b, "the link was refused");
	if (rc != EX_DONE)
		return rc;
	proto_u32(&c->reply, PT_GRADE, &grade);
	/* From the directory: escaped for the terminal. */
	l1 = ctl_esc(proto_str(&c->reply, PT_LOGIN));
	n1 = ctl_esc(proto_str(&c->reply, PT_NAME));
	l2 = ctl_esc(proto_str(&c->reply, PT_LINKED));
	n2 = ctl_esc(proto_str(&c->reply, PT_NAME2));
	tok = proto_str(&c->reply, PT_TOKEN);
	if (tok == NULL || strlen(tok) >= sizeof(token)) {
		fprintf(stderr, "ecflinkctl: ecflinkd's reply has no usable token\n");
		return EX_FAILED;
	}
	snprintf(token, sizeof(token), "%s", tok);
	printf("CM/ECF account: %s (%s)\n", l1 ? l1 : cmecf, n1 ? n1 : "no name");
	printf("PACER account:  %s (%s)\n", l2 ? l2 : pacer, n2 ? n2 : "no name");
	if (grade != PG_EXACT) {
		printf("The names on the two accounts are %s.\n", grade_words(grade));
		snprintf(q, sizeof(q), "Do you want to link these accounts? CM/ECF %s / PACER %s",
			 n1 ? n1 : "-", n2 ? n2 : "-");
		if (!confirm && !isatty(STDIN_FILENO)) {
			printf("%s\nNot linked: run again with --confirm to link them.\n", q);
			commit(c, token, false);
			return EX_CONFIRM;
		}
		if (!confirm && !ask_yes(q)) {
			printf("Not linked.\n");
			commit(c, token, false);
			return EX_CONFIRM;
		}
	}
	return commit(c, token, true);
}
