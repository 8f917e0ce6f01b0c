/*
 * dispatch.c - one request in, one reply and one log line out.
 */
#include "dispatch.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "decide.h"
#include "events.h"
#include "link.h"
#include "log.h"
#include "redaction.h"
#include "report.h"
#include "sockio.h"

/* Replies are small; a client that cannot take one in this long is gone. */
#define REPLY_TIMEOUT_MS 1000
#define MAX_DEADLINE_MS 60000

static void
send_reply(const struct request *rq, struct proto_buf *b)
{
	char err[SOCKIO_ERRLEN];

	if (proto_finish(b) != PE_OK) {
		log_warnx("reply to peer uid %d does not fit a frame: %s", (int)rq->uid,
			  proto_strerror(b->err));
		return;
	}
	if (sockio_write_all(rq->fd, b->data, b->len, sockio_now_ms() + REPLY_TIMEOUT_MS, err,
			     sizeof(err)) < 0)
		log_debug("reply to peer uid %d not delivered: %s", (int)rq->uid, err);
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
	uint16_t type = (uint16_t)(rq->frame[6] << 8 | rq->frame[7]);

	reply_status(rq, type, PS_BUSY, "ecflinkd request queue is full");
	event_drop(rq, "busy", "request queue full");
}

/* The gid of group, or -1 (logged) when it cannot be had. */
static gid_t
group_gid(const char *group)
{
	struct group gr, *res = NULL;
	size_t len = 4096;
	gid_t gid = (gid_t)-1;
	char *buf = NULL;
	int rc;

	/* A big group's member list can exceed any fixed buffer. */
	do {
		char *nbuf = realloc(buf, len);

		if (nbuf == NULL) {
			rc = ENOMEM;
			break;
		}
		buf = nbuf;
		rc = getgrnam_r(group, &gr, buf, len, &res);
		len *= 2;
	} while (rc == ERANGE && len <= (1u << 24));
	if (rc == 0 && res != NULL)
		gid = gr.gr_gid;
	else
		log_warnx("group %s: %s", group, rc ? strerror(rc) : "no such group");
	free(buf);
	return gid;
}

bool
dispatch_peer_in_group(const struct request *rq, const char *group)
{
	gid_t gid;
	int i;

	if (rq->uid == 0)
		return true;
	if (group == NULL || (gid = group_gid(group)) == (gid_t)-1)
		return false;
	if (rq->gid == gid)
		return true;
	for (i = 0; i < rq->ngroups; i++)
		if (rq->groups[i] == gid)
			return true;
	return false;
}

static void
handle_ping(const struct config *cfg, const struct request *rq, struct proto_buf *b)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_str(b, PT_VERSION_STR, ECFLINK_VERSION);
	proto_put_str(b, PT_COURT, cfg->court_name);
	proto_put_u64(b, PT_GOLIVE, cfg->golive_set ? (uint64_t)cfg->golive : 0);
	proto_put_u32(b, PT_LIVE, decide_live(cfg, time(NULL)));
	event_ping(rq);
}

static void
put_account(struct proto_buf *b, const struct account *a)
{
	proto_put_u32(b, PT_REALM, a->realm);
	proto_put_str(b, PT_LOGIN, a->login);
	proto_put_str(b, PT_NAME, a->name);
	if (a->linked[0] != '\0') {
		proto_put_str(b, PT_LINKED, a->linked);
		proto_put_str(b, PT_NAME2, a->linked_name[0] ? a->linked_name : NULL);
		proto_put_u64(b, PT_LINK_TIME, (uint64_t)a->link_time);
		proto_put_u64(b, PT_TXN, a->txn);
	}
	proto_put_str(b, PT_ROLE, a->role[0] ? a->role : NULL);
	proto_put_str(b, PT_MAIL, a->mail[0] ? a->mail : NULL);
	proto_put_str(b, PT_ACCOUNT_NO, a->account_no[0] ? a->account_no : NULL);
}

static void
handle_lookup(struct worker *w, const struct config *cfg, unsigned int gen,
	      const struct request *rq, const struct proto_msg *m, int64_t deadline,
	      struct proto_buf *b)
{
	const char *user = proto_str(m, PT_USER);
	struct ldap_pool_err err = { "" };
	uint32_t realm = PR_REALM_ANY;
	struct account a;
	enum dir_rc rc;

	proto_u32(m, PT_REALM, &realm);
	if (user == NULL || realm > PR_REALM_PACER) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "LOOKUP needs PT_USER and a valid PT_REALM");
		event_lookup(rq, PR_REALM_ANY, user, "error", NULL, "bad request");
		return;
	}
	if (!dispatch_peer_in_group(rq, cfg->admin_group)) {
		proto_put_u32(b, PT_STATUS, PS_DENIED);
		proto_put_str(b, PT_ERROR, "looking up accounts needs root or socket.admin_group");
		event_lookup(rq, realm, user, "denied", NULL, "not an admin");
		return;
	}
	rc = dir_find(&w->dc, cfg, gen, realm, user, deadline, &a, &err);
	if (rc != DIR_OK && rc != DIR_NOT_FOUND) {
		proto_put_u32(b, PT_STATUS, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL);
		proto_put_str(b, PT_ERROR, err.msg);
		event_lookup(rq, realm, user, "error", NULL, err.msg);
		return;
	}
	if (rc == DIR_NOT_FOUND)
		a.state = PST_UNKNOWN;
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_STATE, a.state);
	if (rc == DIR_OK)
		put_account(b, &a);
	proto_put_str(b, PT_COURT, cfg->court_name);
	proto_put_u64(b, PT_GOLIVE, cfg->golive_set ? (uint64_t)cfg->golive : 0);
	proto_put_u32(b, PT_LIVE, decide_live(cfg, time(NULL)));
	event_lookup(rq, realm, user, "ok", &a, NULL);
}

static void put_env(struct proto_buf *b, const struct decision *d);

/* Fills the decision part of an AUTH/ACCOUNT/ACK reply. */
static void
put_decision(struct proto_buf *b, uint16_t type, const struct decision *d)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, d->result);
	proto_put_str(b, PT_REASON, d->reason);
	if (d->message[0] != '\0') {
		proto_put_str(b, PT_MESSAGE, d->message);
		proto_put_u32(b, PT_MSG_STYLE, d->style);
	}
	if (type != PT_AUTH)
		put_env(b, d);
}

/* ECF_LOGIN and ECF_ROLE of an allowed account phase. */
static void
put_env(struct proto_buf *b, const struct decision *d)
{
	const struct account *a = &d->acct;

	if (d->result != PRS_SUCCESS || !d->have_account)
		return;
	proto_put_str(b, PT_ENV_LOGIN, a->state == PST_PACER_LINKED ? a->linked : a->login);
	proto_put_str(b, PT_ENV_ROLE, a->role[0] ? a->role : NULL);
}

/* Appends the account phase answered with an AUTH (PT_ACCT_* fields). */
static void
put_account_answer(struct proto_buf *b, const struct decision *d)
{
	proto_put_u32(b, PT_ACCT_RESULT, d->result);
	proto_put_str(b, PT_ACCT_REASON, d->reason);
	if (d->message[0] != '\0') {
		proto_put_str(b, PT_ACCT_MESSAGE, d->message);
		proto_put_u32(b, PT_ACCT_MSG_STYLE, d->style);
	}
	put_env(b, d);
}

static void
copy_field(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/*
 * Turns an allowed account phase into a redaction question: files a token
 * and puts the notice into the reply (as the PT_ACCT_* answer of an AUTH
 * reply when p->with_auth).  -1 (and d set to an error) when the notice or
 * a token cannot be had: fail closed.
 */
static int
ask_redaction(const struct config *cfg, const struct request *rq, const struct pam_req *p,
	      struct decision *d, struct proto_buf *b)
{
	bool acct = p->with_auth;

	static _Thread_local char text[PROTO_MAX_STR];
	struct redaction_pending pend;

	memset(&pend, 0, sizeof(pend));
	if (redaction_notice(text, sizeof(text), pend.version) < 0) {
		d->result = PRS_UNAVAIL;
		d->log_result = "error";
		d->reason = "notice_unavailable";
		snprintf(d->detail, sizeof(d->detail), "no redaction notice loaded from %s",
			 cfg->notice_file);
		return -1;
	}
	pend.peer_uid = rq->uid;
	pend.realm = p->realm;
	copy_field(pend.user, sizeof(pend.user), p->user);
	copy_field(pend.service, sizeof(pend.service), p->service);
	copy_field(pend.rhost, sizeof(pend.rhost), p->rhost);
	copy_field(pend.tty, sizeof(pend.tty), p->tty);
	copy_field(pend.ruser, sizeof(pend.ruser), p->ruser);
	copy_field(pend.env_login, sizeof(pend.env_login),
		   d->acct.state == PST_PACER_LINKED ? d->acct.linked : d->acct.login);
	copy_field(pend.env_role, sizeof(pend.env_role), d->acct.role);
	if (redaction_issue(&pend, cfg->token_ttl_s) < 0) {
		d->result = PRS_UNAVAIL;
		d->log_result = "error";
		d->reason = "token_unavailable";
		return -1;
	}
	if (!acct)
		proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, acct ? PT_ACCT_RESULT : PT_RESULT, PRS_REDACTION);
	proto_put_str(b, PT_NOTICE, text);
	proto_put_str(b, PT_NOTICE_VER, pend.version);
	proto_put_str(b, PT_TOKEN, pend.token);
	proto_put_str(b, acct ? PT_ACCT_MESSAGE : PT_MESSAGE, cfg->msg.redaction_prompt);
	proto_put_u32(b, acct ? PT_ACCT_MSG_STYLE : PT_MSG_STYLE, PMS_INFO);
	return 0;
}

/*
 * One round trip per login: an AUTH that passed (or left the password to
 * another module) also carries the account phase for the same user, from
 * the account it read, so the module needs no ACCOUNT request.  Only for
 * root and front ends: an "other" peer gets no more than it gets today.
 * The account answer is logged on the AUTH's own line (account=,
 * account_reason=): one request, one line, and no line for an account
 * phase the caller may never run.  A redaction question (account=redaction)
 * is logged, as always, when its answer comes or its token expires.
 * Returns true when d was filled and put into the reply.
 */
static bool
answer_account(const struct config *cfg, const struct request *rq, const struct pam_req *auth,
	       const struct decision *ad, struct decision *d, struct proto_buf *b)
{
	struct pam_req p = *auth;

	if (!(p.flags & PF_WITH_ACCOUNT) || !p.peer_trusted || !ad->have_account ||
	    (ad->result != PRS_SUCCESS && ad->result != PRS_IGNORE))
		return false;
	p.type = PT_ACCOUNT;
	p.password = NULL;
	p.with_auth = true;
	decide_account_after_auth(cfg, &p, ad, d);
	if (d->result == PRS_SUCCESS && (p.flags & PF_REDACTION) &&
	    ask_redaction(cfg, rq, &p, d, b) == 0) {
		d->result = PRS_REDACTION;
		return true;
	}
	put_account_answer(b, d);
	return true;
}

static void
handle_pam(struct worker *w, const struct config *cfg, unsigned int gen,
	   const struct request *rq, const struct proto_msg *m, int64_t deadline,
	   struct proto_buf *b)
{
	struct pam_req p = { .type = m->type, .peer_uid = rq->uid, .deadline = deadline,
			     .peer_trusted = dispatch_peer_in_group(rq, cfg->frontend_group) };
	uint32_t realm = 0;
	struct decision d, ad;

	p.user = proto_str(m, PT_USER);
	p.service = proto_str(m, PT_SERVICE);
	p.rhost = proto_str(m, PT_RHOST);
	p.tty = proto_str(m, PT_TTY);
	p.ruser = proto_str(m, PT_RUSER);
	proto_u32(m, PT_FLAGS, &p.flags);
	if (p.flags & PF_AUTHENTICATE)
		p.password = proto_str(m, PT_PASSWORD);
	if (proto_u32(m, PT_REALM, &realm) < 0 || p.user == NULL ||
	    (realm != PR_REALM_CMECF && realm != PR_REALM_PACER)) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "AUTH and ACCOUNT need PT_USER and PT_REALM 1 or 2");
		event_drop(rq, "bad_request", "AUTH/ACCOUNT without user or realm");
		return;
	}
	p.realm = realm;
	decide_pam(w, cfg, gen, &p, &d);
	if (p.type == PT_ACCOUNT && d.result == PRS_SUCCESS && (p.flags & PF_REDACTION)) {
		if (ask_redaction(cfg, rq, &p, &d, b) == 0)
			return;	/* logged when the answer comes or the token expires */
	}
	put_decision(b, p.type, &d);
	if (p.type == PT_AUTH && answer_account(cfg, rq, &p, &d, &ad, b))
		event_pam(rq, &p, &d, &ad);
	else
		event_pam(rq, &p, &d, NULL);
}

static void
handle_ack(const struct request *rq, const struct proto_msg *m, struct proto_buf *b)
{
	const char *token = proto_str(m, PT_TOKEN);
	struct redaction_pending pend;
	struct decision d;
	uint32_t answer = 0;

	memset(&d, 0, sizeof(d));
	proto_u32(m, PT_ANSWER, &answer);
	if (token == NULL || redaction_redeem(token, rq->uid, &pend) < 0) {
		d.result = PRS_PERM_DENIED;
		d.reason = "unknown_token";
		put_decision(b, PT_ACK, &d);
		event_drop(rq, "redaction_token_unknown",
			   "acknowledgement with an unknown, spent or expired token");
		return;
	}
	event_redaction(&pend, answer == 1, answer == 1 ? "acknowledged" : "declined_by_user");
	if (answer != 1) {
		d.result = PRS_PERM_DENIED;
		d.reason = "redaction_declined";
		put_decision(b, PT_ACK, &d);
		return;
	}
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, PRS_SUCCESS);
	proto_put_str(b, PT_REASON, "redaction_accepted");
	proto_put_str(b, PT_ENV_LOGIN, pend.env_login[0] ? pend.env_login : NULL);
	proto_put_str(b, PT_ENV_ROLE, pend.env_role[0] ? pend.env_role : NULL);
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

void
dispatch_request(struct worker *w, struct request *rq)
{
	const struct config *cfg;
	struct proto_msg m;
	struct proto_buf b;
	enum proto_err e;
	unsigned int gen;
	int64_t deadline;
	uint32_t ms;

	e = proto_decode(rq->frame, rq->len, &m);
	if (e != PE_OK) {
		dispatch_reject_header(rq, e, 0, (uint16_t)(rq->frame[6] << 8 | rq->frame[7]));
		return;
	}
	proto_begin(&b, w->reply, sizeof(w->reply), (uint16_t)(m.type | PROTO_REPLY));
	if (proto_u32(&m, PT_DEADLINE_MS, &ms) < 0) {
		reply_status(rq, m.type, PS_BAD_REQUEST, "request without PT_DEADLINE_MS");
		event_drop(rq, "bad_request", "no deadline");
		return;
	}
	deadline = work_deadline(rq, ms);
	if (sockio_now_ms() >= deadline) {
		reply_status(rq, m.type, PS_BUSY, "deadline passed while queued");
		event_drop(rq, "deadline_passed", "request waited in the queue past its deadline");
		return;
	}
	cfg = server_config(&gen);
	switch (m.type) {
	case PT_PING:
		handle_ping(cfg, rq, &b);
		break;
	case PT_LOOKUP:
		handle_lookup(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_AUTH:
	case PT_ACCOUNT:
		handle_pam(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_ACK:
		handle_ack(rq, &m, &b);
		break;
	case PT_LINK_PREPARE:
		link_prepare(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_LINK_COMMIT:
		link_commit(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_ADMIN_RESET_CODE:
		admin_reset_code(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_ADMIN_UNLINK:
		admin_unlink(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_ADMIN_REPORT:
		report_run(w, cfg, gen, rq, &m, deadline, &b);
		break;
	case PT_ADMIN_LINT:
		lint_run(w, cfg, gen, rq, &m, deadline, &b);
		break;
	default:
		server_config_release(cfg);
		reply_status(rq, m.type, PS_UNKNOWN_TYPE, "unknown request type");
		event_drop(rq, "unknown_type", NULL);
		return;
	}
	server_config_release(cfg);
	send_reply(rq, &b);
	explicit_bzero(w->reply, b.len);
}
