/*
 * ctl.c - one exchange with ecflinkd for ecflinkctl (see ctl.h).
 */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockio.h"
#include "textout.h"

void
ctl_begin(struct ctl *c, struct proto_buf *b, uint16_t type)
{
	proto_begin(b, c->req, sizeof(c->req), type);
	proto_put_u32(b, PT_DEADLINE_MS, (uint32_t)c->timeout_ms);
}

/*
 * Shows dates in the court's zone from now on (the daemon's
 * court.timezone), wherever ecflinkctl runs; without one, the local zone,
 * which is then the daemon's too.
 */
static void
use_court_zone(const char *zone)
{
	if (zone == NULL || setenv("TZ", zone, 1) < 0)
		return;
	tzset();
}

int
ctl_call(struct ctl *c, struct proto_buf *b)
{
	char err[SOCKIO_ERRLEN];
	const char *why;
	uint32_t st;
	int rc;

	if (proto_finish(b) != PE_OK) {
		explicit_bzero(c->req, sizeof(c->req));
		fprintf(stderr, "ecflinkctl: request too large: %s\n", proto_strerror(b->err));
		return EX_USAGE;
	}
	rc = sockio_call(c->socket, b, c->rep, &c->reply, clock_now_ms() + c->timeout_ms, err,
			 sizeof(err));
	explicit_bzero(c->req, sizeof(c->req));
	if (rc < 0) {
		fprintf(stderr, "ecflinkctl: cannot get an answer from ecflinkd at %s: %s\n",
			c->socket, err);
		if (strstr(err, "No such file") || strstr(err, "Connection refused"))
			fprintf(stderr, "ecflinkctl: is ecflinkd running? "
					"(systemctl status ecflinkd)\n");
		return EX_UNREACHABLE;
	}
	use_court_zone(proto_str(&c->reply, PT_TIMEZONE));
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

const char *
ctl_when(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(buf, len, "%m/%d/%Y %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

const char *
ctl_esc(const char *str)
{
	static char bufs[8][4 * PROTO_MAX_STR / 8];
	static unsigned int next;
	struct sbuf sb;

	if (str == NULL)
		return NULL;
	sb_init(&sb, bufs[next], sizeof(bufs[next]));
	next = (next + 1) % 8;
	sb_escaped(&sb, str);
	return sb.p;
}

const char *
ctl_message(const struct ctl *c, const char *fallback)
{
	const char *m = proto_str(&c->reply, PT_MESSAGE);

	return m ? ctl_esc(m) : fallback;
}

/* The exit code for a PT_RESULT of enum proto_link_result. */
static int
link_result_exit(uint32_t r)
{
	switch (r) {
	case PLR_OK: return EX_DONE;
	case PLR_CONFIRM_REQUIRED: return EX_CONFIRM;
	case PLR_NOT_FOUND: return EX_NOT_FOUND;
	case PLR_UNAVAIL: return EX_UNREACHABLE;
	default: return EX_FAILED;
	}
}

/*
 * Sends the request in b and checks the daemon's PT_RESULT; on a refusal
 * prints its message (or fallback) and returns the matching exit code.
 */
int
ctl_call_result(struct ctl *c, struct proto_buf *b, const char *fallback)
{
	uint32_t result = PLR_UNAVAIL;
	int rc;

	rc = ctl_call(c, b);
	if (rc != EX_DONE)
		return rc;
	proto_u32(&c->reply, PT_RESULT, &result);
	if (result == PLR_OK)
		return EX_DONE;
	fprintf(stderr, "ecflinkctl: %s\n", ctl_message(c, fallback));
	return link_result_exit(result);
}
