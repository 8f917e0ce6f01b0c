/*
 * pamreq.c - AUTH, ACCOUNT and ACK (see pamreq.h).
 */
#include "pamreq.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "decide.h"
#include "events.h"
#include "fehint.h"
#include "redaction.h"
#include "retalert.h"

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

/*
 * What a caller that may not be told reasons learns of a decision: allow,
 * deny or unavailable, nothing that tells an unknown login from a wrong
 * password or a retired one.
 */
static enum proto_result
plain_result(uint16_t type, enum proto_result r)
{
	if (r == PRS_SUCCESS || r == PRS_UNAVAIL || r == PRS_REDACTION)
		return r;
	return type == PT_AUTH ? PRS_AUTH_ERR : PRS_PERM_DENIED;
}

/* Fills the decision part of an AUTH/ACCOUNT/ACK reply, as much of it as
 * the caller's class may see. */
static void
put_decision(struct proto_buf *b, uint16_t type, const struct decision *d,
	     const struct class_policy *pol)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	if (!pol->tell_reasons) {
		proto_put_u32(b, PT_RESULT, plain_result(type, d->result));
		/* The court's texts tell a state; only its owner may read them. */
		if (d->message[0] != '\0' && d->password_proven) {
			proto_put_str(b, PT_MESSAGE, d->message);
			proto_put_u32(b, PT_MSG_STYLE, d->style);
		}
		return;
	}
	proto_put_u32(b, PT_RESULT, d->result);
	proto_put_str(b, PT_REASON, d->reason);
	if (d->message[0] != '\0') {
		proto_put_str(b, PT_MESSAGE, d->message);
		proto_put_u32(b, PT_MSG_STYLE, d->style);
	}
	if (type != PT_AUTH)
		put_env(b, d);
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
ask_redaction(const struct req_ctx *c, const struct pam_req *p, struct decision *d,
	      struct proto_buf *b)
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
			 c->cfg->notice_file);
		return -1;
	}
	pend.peer_uid = c->rq->peer.uid;
	pend.origin_claimed = !c->pol->origin_trusted;
	pend.realm = p->realm;
	copy_field(pend.user, sizeof(pend.user), p->user);
	copy_field(pend.service, sizeof(pend.service), p->service);
	copy_field(pend.rhost, sizeof(pend.rhost), p->rhost);
	copy_field(pend.tty, sizeof(pend.tty), p->tty);
	copy_field(pend.ruser, sizeof(pend.ruser), p->ruser);
	copy_field(pend.env_login, sizeof(pend.env_login),
		   d->acct.state == PST_PACER_LINKED ? d->acct.linked : d->acct.login);
	copy_field(pend.env_role, sizeof(pend.env_role), d->acct.role);
	if (redaction_issue(&pend, c->cfg->token_ttl_s, event_redaction_unanswered) < 0) {
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
	proto_put_str(b, acct ? PT_ACCT_MESSAGE : PT_MESSAGE, c->cfg->msg.redaction_prompt);
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
answer_account(const struct req_ctx *c, const struct pam_req *auth, const struct decision *ad,
	       struct decision *d, struct proto_buf *b)
{
	struct pam_req p = *auth;

	if (!(p.flags & PF_WITH_ACCOUNT) || !p.pol->tell_reasons || !ad->have_account ||
	    (ad->result != PRS_SUCCESS && ad->result != PRS_IGNORE))
		return false;
	p.type = PT_ACCOUNT;
	p.password = NULL;
	p.with_auth = true;
	decide_account_after_auth(c->cfg, &p, ad, d);
	if (d->result == PRS_SUCCESS && (p.flags & PF_REDACTION) &&
	    ask_redaction(c, &p, d, b) == 0) {
		d->result = PRS_REDACTION;
		return true;
	}
	put_account_answer(b, d);
	return true;
}

void
pamreq_decide(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct pam_req p = { .type = m->type, .peer_uid = c->rq->peer.uid,
			     .deadline = c->deadline, .pol = c->pol };
	uint32_t realm = 0;
	struct decision d, ad;
	struct alert_event alert = { NULL, 0, "" };
	bool with_acct;

	p.user = proto_str(m, PT_USER);
	p.service = proto_str(m, PT_SERVICE);
	p.rhost = proto_str(m, PT_RHOST);
	p.tty = proto_str(m, PT_TTY);
	p.ruser = proto_str(m, PT_RUSER);
	proto_u32(m, PT_FLAGS, &p.flags);
	/* An account phase's password counts only from a caller that must
	 * prove every decision with one. */
	if (m->type == PT_AUTH ? (p.flags & PF_AUTHENTICATE) != 0 : c->pol->password_always)
		p.password = proto_str(m, PT_PASSWORD);
	if (proto_u32(m, PT_REALM, &realm) < 0 || p.user == NULL ||
	    (realm != PR_REALM_CMECF && realm != PR_REALM_PACER)) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "AUTH and ACCOUNT need PT_USER and PT_REALM 1 or 2");
		event_drop(c->rq, "bad_request", "AUTH/ACCOUNT without user or realm");
		return;
	}
	p.realm = realm;
	if (c->pol->count == TPC_UID && p.rhost != NULL && p.rhost[0] != '\0' &&
	    fehint_note(p.peer_uid, clock_now_ms()))
		event_frontend_hint(p.peer_uid, c->pol->name, FEHINT_REQUESTS,
				    FEHINT_WINDOW_MS / 1000, c->cfg->frontend_group);
	decide_pam(c->w, c->cfg, &p, &d);
	if (p.type == PT_ACCOUNT && d.result == PRS_SUCCESS && (p.flags & PF_REDACTION)) {
		if (ask_redaction(c, &p, &d, b) == 0)
			return;	/* logged when the answer comes or the token expires */
	}
	put_decision(b, p.type, &d, c->pol);
	with_acct = p.type == PT_AUTH && answer_account(c, &p, &d, &ad, b);
	if (retalert_wanted(&d)) {
		/* The caller has its answer (deny) first; the alert is done
		 * within the same deadline and never changes it. */
		c->reply_now(c, b);
		retalert_run(c->w, c->cfg, &p, &d, &alert);
	}
	event_pam(c->rq, &p, &d, with_acct ? &ad : NULL, &alert);
}

void
pamreq_ack(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	const char *token = proto_str(m, PT_TOKEN);
	struct redaction_pending pend;
	struct decision d;
	uint32_t answer = 0;

	memset(&d, 0, sizeof(d));
	proto_u32(m, PT_ANSWER, &answer);
	if (token == NULL || redaction_redeem(token, c->rq->peer.uid, &pend) < 0) {
		d.result = PRS_PERM_DENIED;
		d.reason = "unknown_token";
		put_decision(b, PT_ACK, &d, c->pol);
		event_drop(c->rq, "redaction_token_unknown",
			   "acknowledgement with an unknown, spent or expired token");
		return;
	}
	/* Any local user can answer its own notice; only root's and front
	 * ends' answers are the court's record of who acknowledged. */
	if (answer != 1)
		event_redaction(&pend, "declined", "declined_by_user");
	else if (c->pol->record_ack)
		event_redaction(&pend, "accepted", "acknowledged");
	else
		event_redaction(&pend, "not_recorded", "untrusted_peer");
	if (answer != 1) {
		d.result = PRS_PERM_DENIED;
		d.reason = "redaction_declined";
		put_decision(b, PT_ACK, &d, c->pol);
		return;
	}
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, PRS_SUCCESS);
	if (!c->pol->tell_reasons)
		return;
	proto_put_str(b, PT_REASON, "redaction_accepted");
	proto_put_str(b, PT_ENV_LOGIN, pend.env_login[0] ? pend.env_login : NULL);
	proto_put_str(b, PT_ENV_ROLE, pend.env_role[0] ? pend.env_role : NULL);
}
