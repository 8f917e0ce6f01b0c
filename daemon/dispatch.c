/*
 * dispatch.c - one request in, one reply and one log line out.
 */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "announce.h"
#include "clock.h"
#include "events.h"
#include "link.h"
#include "lint.h"
#include "live_config.h"
#include "log.h"
#include "lookup.h"
#include "mailcmd.h"
#include "pamreq.h"
#include "report.h"
#include "sockio.h"

/* Replies are small; a client that cannot take one in this long is gone. */
#define REPLY_TIMEOUT_MS 1000
#define MAX_DEADLINE_MS 60000

#define PC_ADMINS (PC_ROOT | PC_ADMIN)

/*
 * Who may send what.  A type not listed is answered PS_UNKNOWN_TYPE; a
 * sender outside .allowed gets PS_DENIED with .denied and one log line
 * event=<.event> result=denied.  Handlers may narrow further by field (a
 * link without the PACER password needs a front end).
 */
static const struct route {
	uint16_t type;
	unsigned int allowed;
	const char *event;
	const char *denied;
	req_handler handle;
} routes[] = {
	{ PT_PING, PC_ANY, "ping", NULL, lookup_ping },
	{ PT_LOOKUP, PC_ADMINS, "lookup", "looking up accounts needs root or socket.admin_group",
	  lookup_account },
	{ PT_AUTH, PC_ANY, "auth", NULL, pamreq_decide },
	{ PT_ACCOUNT, PC_ANY, "account", NULL, pamreq_decide },
	{ PT_ACK, PC_ANY, "redaction", NULL, pamreq_ack },
	{ PT_LINK_PREPARE, PC_ANY, "link", NULL, link_prepare },
	{ PT_LINK_COMMIT, PC_ANY, "link", NULL, link_commit },
	{ PT_ADMIN_RESET_CODE, PC_ADMINS, "reset_link_code",
	  "clerk operations need root or socket.admin_group", admin_reset_code },
	{ PT_ADMIN_UNLINK, PC_ADMINS, "unlink", "clerk operations need root or socket.admin_group",
	  admin_unlink },
	{ PT_ADMIN_REPORT, PC_ADMINS, "report", "the report needs root or socket.admin_group",
	  report_run },
	{ PT_ADMIN_LINT, PC_ADMINS, "lint", "the lint needs root or socket.admin_group",
	  lint_run },
	{ PT_ADMIN_ANNOUNCE, PC_ADMINS, "announce",
	  "the go-live announcement needs root or socket.admin_group", announce_run },
	{ PT_ADMIN_MAIL, PC_ADMINS, "mail_queue", "the mail queue needs root or socket.admin_group",
	  mailcmd_run },
};

static void
send_reply(const struct request *rq, struct proto_buf *b)
{
	char err[SOCKIO_ERRLEN];

	if (proto_finish(b) != PE_OK) {
		log_warnx("reply to peer uid %d does not fit a frame: %s", (int)rq->peer.uid,
			  proto_strerror(b->err));
		return;
	}
	if (sockio_write_all(rq->fd, b->data, b->len, clock_now_ms() + REPLY_TIMEOUT_MS, err,
			     sizeof(err)) < 0)
		log_debug("reply to peer uid %d not delivered: %s", (int)rq->peer.uid, err);
}

/* Sends a reply carrying only a failure status. */
static void
reply_status(const struct request *rq, uint16_t type, enum proto_status st, const char *why)
{
	uint8_t buf[1024];
	struct proto_buf b;

	proto_begin(&b, buf, sizeof(buf), (uint16_t)(type | PROTO_REPLY));
	proto_put_u32(&b, PT_STATUS, st);
	proto_put_str(&b, PT_ERROR, why);
	send_reply(rq, &b);
}

static uint16_t
frame_type(const struct request *rq)
{
	return (uint16_t)(rq->frame[6] << 8 | rq->frame[7]);
}

void
dispatch_reject_header(struct request *rq, enum proto_err e, uint16_t version, uint16_t type)
{
	char why[160];

	if (e == PE_VERSION) {
		snprintf(why, sizeof(why), "protocol version %u not supported; ecflinkd speaks %u",
			 version, PROTO_VERSION);
		reply_status(rq, type, PS_BAD_VERSION, why);
		event_drop(rq, "bad_version", why);
		return;
	}
	snprintf(why, sizeof(why), "bad frame header: %s", proto_strerror(e));
	if (e != PE_MAGIC)
		reply_status(rq, type, PS_BAD_REQUEST, why);
	event_drop(rq, "bad_frame", why);
}

void
dispatch_reply_busy(struct request *rq)
{
	/* Not logged here: the caller counts it for a summary line. */
	reply_status(rq, frame_type(rq), PS_BUSY, "ecflinkd request queue is full");
}

/* The time to answer by: the caller's deadline less a margin for the reply. */
static int64_t
work_deadline(const struct request *rq, uint32_t ms)
{
	int64_t margin;

	if (ms > MAX_DEADLINE_MS)
		ms = MAX_DEADLINE_MS;
	margin = ms / 10 < 100 ? ms / 10 : 100;
	return rq->received + ms - margin;
}

/* req_ctx.reply_now: the reply goes out before the handler's last work. */
static void
reply_now(struct req_ctx *c, struct proto_buf *b)
{
	if (c->replied)
		return;
	send_reply(c->rq, b);
	explicit_bzero(b->data, b->len);
	c->replied = true;
}

static const struct route *
route_of(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].type == type)
			return &routes[i];
	return NULL;
}

void
dispatch_request(struct worker *w, struct request *rq)
{
	struct req_ctx c = { .w = w, .rq = rq, .reply_now = reply_now };
	const struct route *r;
	struct proto_msg m;
	struct proto_buf b;
	enum proto_err e;
	uint32_t ms;

	e = proto_decode(rq->frame, rq->len, &m);
	if (e != PE_OK) {
		dispatch_reject_header(rq, e, m.version, m.type);
		return;
	}
	if (proto_u32(&m, PT_DEADLINE_MS, &ms) < 0) {
		reply_status(rq, m.type, PS_BAD_REQUEST, "request without PT_DEADLINE_MS");
		event_drop(rq, "bad_request", "no deadline");
		return;
	}
	c.deadline = work_deadline(rq, ms);
	if (clock_now_ms() >= c.deadline) {
		reply_status(rq, m.type, PS_BUSY, "deadline passed while queued");
		event_drop(rq, "deadline_passed", "request waited in the queue past its deadline");
		return;
	}
	if ((r = route_of(m.type)) == NULL) {
		reply_status(rq, m.type, PS_UNKNOWN_TYPE, "unknown request type");
		event_drop(rq, "unknown_type", NULL);
		return;
	}
	c.cfg = live_config_get();
	c.op = (struct ldop){ c.cfg, c.deadline, &c.err };
	c.peer = peer_classify(&rq->peer, c.cfg);
	c.pol = trust_policy(c.peer);
	if ((c.peer & r->allowed) == 0) {
		live_config_put(c.cfg);
		reply_status(rq, m.type, PS_DENIED, r->denied);
		event_denied(rq, r->event);
		return;
	}
	proto_begin(&b, w->reply, sizeof(w->reply), (uint16_t)(m.type | PROTO_REPLY));
	r->handle(&c, &m, &b);
	if (c.replied) {
		live_config_put(c.cfg);
		return;
	}
	/* Dates a person reads are shown in the court's zone, wherever the
	 * command runs (the PAM module shows none). */
	if (c.cfg->timezone != NULL && m.type != PT_AUTH && m.type != PT_ACCOUNT &&
	    m.type != PT_ACK)
		proto_put_str(&b, PT_TIMEZONE, c.cfg->timezone);
	live_config_put(c.cfg);
	send_reply(rq, &b);
	explicit_bzero(w->reply, b.len);
}
