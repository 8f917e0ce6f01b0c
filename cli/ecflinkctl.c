/*
 * ecflinkctl - talk to ecflinkd over its socket.
 *
 *   ecflinkctl [-s SOCKET] [-T TIMEOUT_MS] ping
 *   ecflinkctl [-s SOCKET] [-T TIMEOUT_MS] [-r cmecf|pacer] show LOGIN
 *
 * Exit codes: 0 done; 1 refused or failed (the reason is printed);
 * 2 usage; 4 no such login; 5 ecflinkd could not be reached.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "sockio.h"

#define DEFAULT_SOCKET "/run/ecflink/ecflinkd.sock"

enum { EX_DONE = 0, EX_FAILED = 1, EX_USAGE = 2, EX_NOT_FOUND = 4, EX_UNREACHABLE = 5 };

struct ctl {
	const char *socket;
	int timeout_ms;
	uint32_t realm;
	uint8_t req[PROTO_MAX_FRAME];
	uint8_t rep[PROTO_MAX_FRAME];
	struct proto_msg reply;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: ecflinkctl [-s socket] [-T timeout-ms] ping\n"
		"       ecflinkctl [-s socket] [-T timeout-ms] [-r cmecf|pacer] show LOGIN\n"
		"\n"
		"  ping         check that ecflinkd answers, and show the court and go-live\n"
		"  show LOGIN   show a CM/ECF or PACER login and its link\n"
		"\n"
		"  -s socket    ecflinkd's socket (default " DEFAULT_SOCKET ")\n"
		"  -T ms        how long to wait for ecflinkd (default 5000)\n"
		"  -r realm     look LOGIN up only as a CM/ECF (cmecf) or PACER (pacer) login\n");
	exit(EX_USAGE);
}

/* Sends the request in b and checks the reply status; returns an exit code. */
static int
call(struct ctl *c, struct proto_buf *b)
{
	char err[SOCKIO_ERRLEN];
	const char *why;
	uint32_t st;

	if (proto_finish(b) != PE_OK) {
		fprintf(stderr, "ecflinkctl: request too large: %s\n", proto_strerror(b->err));
		return EX_USAGE;
	}
	if (sockio_call(c->socket, b, c->rep, &c->reply, sockio_now_ms() + c->timeout_ms, err,
			sizeof(err)) < 0) {
		fprintf(stderr, "ecflinkctl: cannot get an answer from ecflinkd at %s: %s\n",
			c->socket, err);
		if (strstr(err, "No such file") || strstr(err, "Connection refused"))
			fprintf(stderr, "ecflinkctl: is ecflinkd running? "
					"(systemctl status ecflinkd)\n");
		return EX_UNREACHABLE;
	}
	if (proto_u32(&c->reply, PT_STATUS, &st) < 0) {
		fprintf(stderr, "ecflinkctl: ecflinkd's reply has no status\n");
		return EX_FAILED;
	}
	if (st != PS_OK) {
		why = proto_str(&c->reply, PT_ERROR);
		fprintf(stderr, "ecflinkctl: ecflinkd refused: %s%s%s\n",
			proto_status_str((enum proto_status)st), why ? ": " : "", why ? why : "");
		return EX_FAILED;
	}
	return EX_DONE;
}

static const char *
when(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%m/%d/%Y %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
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

	proto_begin(&b, c->req, sizeof(c->req), PT_PING);
	proto_put_u32(&b, PT_DEADLINE_MS, (uint32_t)c->timeout_ms);
	rc = call(c, &b);
	if (rc != EX_DONE)
		return rc;
	ver = proto_str(&c->reply, PT_VERSION_STR);
	court = proto_str(&c->reply, PT_COURT);
	proto_u64(&c->reply, PT_GOLIVE, &golive);
	proto_u32(&c->reply, PT_LIVE, &live);
	printf("ecflinkd %s answers at %s\n", ver ? ver : "(unknown version)", c->socket);
	printf("court:   %s\n", court ? court : "(not named)");
	if (golive == 0)
		printf("go-live: not set; legacy CM/ECF logins work as before\n");
	else if (live)
		printf("go-live: %s (live: linking open)\n", when(golive, tbuf, sizeof(tbuf)));
	else
		printf("go-live: %s (not yet)\n", when(golive, tbuf, sizeof(tbuf)));
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
	const char *login = proto_str(m, PT_LOGIN), *name = proto_str(m, PT_NAME);
	const char *linked = proto_str(m, PT_LINKED), *name2 = proto_str(m, PT_NAME2);
	const char *role = proto_str(m, PT_ROLE), *mail = proto_str(m, PT_MAIL);
	const char *acct = proto_str(m, PT_ACCOUNT_NO);
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
		printf("  linked on:      %s\n", when(t, tbuf, sizeof(tbuf)));
	if (proto_u64(m, PT_TXN, &txn) == 0 && txn != 0)
		printf("  transaction:    %llu\n", (unsigned long long)txn);
}

static int
cmd_show(struct ctl *c, const char *login)
{
	struct proto_buf b;
	uint32_t state = PST_UNKNOWN;
	int rc;

	proto_begin(&b, c->req, sizeof(c->req), PT_LOOKUP);
	proto_put_u32(&b, PT_DEADLINE_MS, (uint32_t)c->timeout_ms);
	proto_put_u32(&b, PT_REALM, c->realm);
	proto_put_str(&b, PT_USER, login);
	rc = call(c, &b);
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
	static struct ctl c = { .socket = DEFAULT_SOCKET, .timeout_ms = 5000 };
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "s:T:r:h")) != -1) {
		switch (ch) {
		case 's':
			c.socket = optarg;
			break;
		case 'T':
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
	if (argc == 1 && strcmp(argv[0], "ping") == 0)
		return cmd_ping(&c);
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return cmd_show(&c, argv[1]);
	usage();
}
