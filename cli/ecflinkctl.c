/*
 * ecflinkctl - talk to ecflinkd over its socket.
 *
 *   ecflinkctl [-s SOCKET] [-T TIMEOUT_MS] COMMAND ...
 *
 * Commands for everyone: ping, link.  For clerks (root or
 * socket.admin_group): show, reset-link-code, unlink, report, lint, announce.  Exit codes are in
 * ctl.h and ecflinkctl(8).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "proto.h"
#include "mail_cmd.h"
#include "report_cmd.h"

static void
usage(void)
{
	fprintf(stderr,
		"usage: ecflinkctl [-s socket] [-T timeout-ms] [-r cmecf|pacer] command ...\n"
		"\n"
		"  ping                          check that ecflinkd answers; court and go-live\n"
		"  link [--confirm] [--reset-code] PACER_LOGIN CMECF_LOGIN\n"
		"                                link your PACER account to your CM/ECF account\n"
		"clerks (root or socket.admin_group):\n"
		"  show LOGIN                    show a CM/ECF or PACER login and its link\n"
		"  reset-link-code [--ttl 72h] CMECF_LOGIN\n"
		"                                issue a single-use code for linking only\n"
		"  unlink --reason TEXT CMECF_LOGIN\n"
		"                                undo a link (the CM/ECF login stays locked)\n"
		"  report [--json]               migration progress: accounts, links per day\n"
		"  lint [--json]                 pre-go-live check of the bases (exit 6: findings)\n"
		"  audit-verify FILE             check an audit file's hash chain (no daemon needed)\n"
		"  announce [--again]            after go-live: mail every unlinked CM/ECF account\n"
		"                                that linking is open (once; --again: once more)\n"
		"  mail [--retry]                link notices waiting to be sent; --retry: try them now\n"
		"\n"
		"  -s socket    ecflinkd's socket (default " CTL_DEFAULT_SOCKET ")\n"
		"  -T ms        how long to wait for ecflinkd (default 5000; 60000 for report, lint)\n"
		"  -r realm     look LOGIN up only as a CM/ECF (cmecf) or PACER (pacer) login\n");
	exit(EX_USAGE);
}

static int
cmd_ping(struct ctl *c)
{
	struct proto_buf b;
	const char *ver, *court;
	uint64_t golive = 0;
	uint32_t live = 0;
	char tbuf[64];
	int rc;

	ctl_begin(c, &b, PT_PING);
	rc = ctl_call(c, &b);
	if (rc != EX_DONE)
		return rc;
	ver = proto_str(&c->reply, PT_VERSION_STR);
	court = proto_str(&c->reply, PT_COURT);
	proto_u64(&c->reply, PT_GOLIVE, &golive);
	proto_u32(&c->reply, PT_LIVE, &live);
	printf("ecflinkd %s answers at %s\n", ver ? ver : "(unknown version)", c->socket);
	printf("court:   %s\n", court ? ctl_esc(court) : "(not named)");
	if (golive == 0)
		printf("go-live: not set; legacy CM/ECF logins work as before\n");
	else if (live)
		printf("go-live: %s (live: linking open)\n", ctl_when(golive, tbuf, sizeof(tbuf)));
	else
		printf("go-live: %s (not yet)\n", ctl_when(golive, tbuf, sizeof(tbuf)));
	return EX_DONE;
}

static const char *
or_dash(const char *s)
{
	return s ? s : "-";
}

static void
print_account(const struct proto_msg *m, uint32_t state)
{
	/* Every value comes from the directory: escaped for the terminal. */
	const char *login = ctl_esc(proto_str(m, PT_LOGIN)), *name = ctl_esc(proto_str(m, PT_NAME));
	const char *linked = ctl_esc(proto_str(m, PT_LINKED));
	const char *name2 = ctl_esc(proto_str(m, PT_NAME2));
	const char *role = ctl_esc(proto_str(m, PT_ROLE)), *mail = ctl_esc(proto_str(m, PT_MAIL));
	const char *acct = ctl_esc(proto_str(m, PT_ACCOUNT_NO));
	uint64_t t = 0, txn = 0;
	char tbuf[64];
	bool pacer = state == PST_PACER_LINKED || state == PST_PACER_UNLINKED;

	printf("%s %s (%s): ", pacer ? "pacer" : "cmecf", or_dash(login), or_dash(name));
	switch (state) {
	case PST_LEGACY_LINKED:
		printf("linked to PACER %s\n", or_dash(linked));
		break;
	case PST_LEGACY_UNLINKED:
		printf("not linked; the CM/ECF password still works\n");
		break;
	case PST_LEGACY_LOCKED:
		printf("not linked; no usable CM/ECF password (locked)\n");
		break;
	case PST_PACER_LINKED:
		printf("linked to CM/ECF %s", or_dash(linked));
		if (name2 != NULL)
			printf(" (%s)", name2);
		printf("\n");
		break;
	case PST_PACER_UNLINKED:
		printf("not linked to a CM/ECF account (PACER Search only)\n");
		break;
	default:
		printf("in a state this ecflinkctl does not know (%u)\n", state);
		break;
	}
	if (role != NULL)
		printf("  e-filing role:  %s\n", role);
	if (mail != NULL)
		printf("  mail:           %s\n", mail);
	if (acct != NULL)
		printf("  PACER account:  %s\n", acct);
	if (proto_u64(m, PT_LINK_TIME, &t) == 0 && t != 0)
		printf("  linked on:      %s\n", ctl_when(t, tbuf, sizeof(tbuf)));
	if (proto_u64(m, PT_TXN, &txn) == 0 && txn != 0)
		printf("  transaction:    %llu\n", (unsigned long long)txn);
}

static int
cmd_show(struct ctl *c, const char *login)
{
	struct proto_buf b;
	uint32_t state = PST_UNKNOWN;
	int rc;

	ctl_begin(c, &b, PT_LOOKUP);
	proto_put_u32(&b, PT_REALM, c->realm);
	proto_put_str(&b, PT_USER, login);
	rc = ctl_call(c, &b);
	if (rc != EX_DONE)
		return rc;
	proto_u32(&c->reply, PT_STATE, &state);
	if (state == PST_UNKNOWN) {
		printf("%s: no such %s login\n", login,
		       c->realm == PR_REALM_CMECF   ? "CM/ECF"
		       : c->realm == PR_REALM_PACER ? "PACER"
						    : "CM/ECF or PACER");
		return EX_NOT_FOUND;
	}
	print_account(&c->reply, state);
	return EX_DONE;
}

int
main(int argc, char **argv)
{
	static struct ctl c = { .socket = CTL_DEFAULT_SOCKET, .timeout_ms = 5000 };
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "+s:T:r:h")) != -1) {
		switch (ch) {
		case 's':
			c.socket = optarg;
			break;
		case 'T':
			c.timeout_set = true;
			errno = 0;
			c.timeout_ms = (int)strtol(optarg, &end, 10);
			if (errno || *end || c.timeout_ms < 1 || c.timeout_ms > 600000) {
				fprintf(stderr, "ecflinkctl: -T must be 1..600000 ms\n");
				return EX_USAGE;
			}
			break;
		case 'r':
			if (strcmp(optarg, "cmecf") == 0)
				c.realm = PR_REALM_CMECF;
			else if (strcmp(optarg, "pacer") == 0)
				c.realm = PR_REALM_PACER;
			else {
				fprintf(stderr, "ecflinkctl: -r must be cmecf or pacer\n");
				return EX_USAGE;
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 1 && strcmp(argv[0], "audit-verify") == 0)
		return cmd_audit_verify(argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "ping") == 0)
		return cmd_ping(&c);
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return cmd_show(&c, argv[1]);
	if (argc >= 1 && strcmp(argv[0], "link") == 0)
		return cmd_link(&c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "reset-link-code") == 0)
		return cmd_reset_code(&c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "unlink") == 0)
		return cmd_unlink(&c, argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "announce") == 0)
		return cmd_announce(&c, argc - 1, argv + 1);
	if ((argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0)) &&
	    strcmp(argv[0], "report") == 0)
		return cmd_report(&c, argc == 2);
	if ((argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0)) &&
	    strcmp(argv[0], "lint") == 0)
		return cmd_lint(&c, argc == 2);
	if (argc >= 1 && strcmp(argv[0], "mail") == 0)
		return cmd_mail(&c, argc - 1, argv + 1);
	usage();
}
