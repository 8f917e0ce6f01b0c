/*
 * admin.c - the clerk's operations on one account: issue a link-only reset
 * code, undo a link.  Root or socket.admin_group only; each one is logged
 * with the admin's uid, and never with a code.
 */
#include "admin.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "events.h"
#include "resetcode.h"

#define TTL_DEFAULT_S (72 * 3600)
#define TTL_MIN_S 300
#define TTL_MAX_S (30 * 24 * 3600)

struct admin_event {
	const char *action;
	const char *login;
	const char *pacer;
	const char *result;
	const char *reason;
	const char *note;
	uint64_t txn;
	time_t expires;
	char detail[2048];
};

static void
log_admin(const struct request *rq, const struct admin_event *e)
{
	struct clerk_event ce = { .action = e->action, .cmecf = e->login, .pacer = e->pacer,
				  .txn = e->txn, .expires = e->expires, .note = e->note,
				  .result = e->result, .reason = e->reason, .detail = e->detail };

	event_clerk(rq, &ce);
}

static void
reply(struct proto_buf *b, enum proto_link_result r, const char *reason, const char *msg)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, r);
	proto_put_str(b, PT_REASON, reason);
	proto_put_str(b, PT_MESSAGE, msg);
}

/*
 * The common start of a clerk request (the caller's class was checked by
 * dispatch.c): the login and its CM/ECF entry.  0 with *a filled;
 * otherwise the reply and the log line are written.
 */
static int
admin_begin(struct req_ctx *c, const struct proto_msg *m, struct admin_event *e,
	    struct account *a, struct proto_buf *b)
{
	const struct request *rq = c->rq;
	struct ldconn_err *err = &c->err;
	char msg[1024];
	enum dir_rc rc;

	e->login = proto_str(m, PT_LOGIN);
	if (e->login == NULL || !dir_valid_login(e->login)) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "a valid CM/ECF login is needed");
		e->result = "error";
		e->reason = "bad_request";
		log_admin(rq, e);
		return -1;
	}
	rc = dir_find(&c->w->dc, &c->op, PR_REALM_CMECF, e->login, a);
	if (rc == DIR_OK)
		return 0;
	if (rc == DIR_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "There is no CM/ECF login %s.", e->login);
		reply(b, PLR_NOT_FOUND, "unknown_cmecf", msg);
		e->result = "deny";
		e->reason = "unknown_cmecf";
	} else {
		proto_put_u32(b, PT_STATUS, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL);
		proto_put_str(b, PT_ERROR, err->msg);
		e->result = "error";
		e->reason = rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error";
		snprintf(e->detail, sizeof(e->detail), "%s", err->msg);
	}
	log_admin(rq, e);
	return -1;
}

/* Writes mods to dn under an assertion; DIR_CONFLICT when it failed. */
static enum dir_rc
modify_asserting(struct req_ctx *c, const char *dn, LDAPMod **mods, const char *assertion)
{
	struct ldwrite w = { .dn = dn, .mods = mods, .assertion = assertion };

	return ldconn_modify(&c->w->dc.write, &c->op, &w);
}

static void
fail_write(const struct request *rq, struct admin_event *e, enum dir_rc rc,
	   const struct ldconn_err *err, struct proto_buf *b)
{
	proto_put_u32(b, PT_STATUS, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL);
	proto_put_str(b, PT_ERROR, err->msg);
	e->result = "error";
	e->reason = rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error";
	snprintf(e->detail, sizeof(e->detail), "%s", err->msg);
	log_admin(rq, e);
}

void
admin_reset_code(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct admin_event e = { .action = "reset_link_code" };
	const struct request *rq = c->rq;
	struct ldconn_err *err = &c->err;
	char code[RESETCODE_LEN], hash[512], tbuf[32], msg[1024];
	char *v_hash[] = { hash, NULL }, *v_exp[] = { tbuf, NULL };
	LDAPMod m_hash = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkSecret",
			   .mod_vals.modv_strvals = v_hash };
	LDAPMod m_exp = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkSecretExpires",
			  .mod_vals.modv_strvals = v_exp };
	LDAPMod *mods[] = { &m_hash, &m_exp, NULL };
	uint32_t ttl = TTL_DEFAULT_S;
	struct account a;
	enum dir_rc rc;
	struct tm tm;

	if (admin_begin(c, m, &e, &a, b) < 0)
		return;
	proto_u32(m, PT_TTL_S, &ttl);
	if (ttl < TTL_MIN_S || ttl > TTL_MAX_S) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "a reset code lives 5 minutes to 30 days");
		e.result = "error";
		e.reason = "bad_ttl";
		log_admin(rq, &e);
		return;
	}
	if (a.state == PST_LEGACY_LINKED) {
		snprintf(msg, sizeof(msg),
			 "CM/ECF login %s is already linked to PACER %s; a reset code cannot be "
			 "used. Unlink it first if the link is wrong.", a.login, a.linked);
		reply(b, PLR_CMECF_LINKED, "cmecf_already_linked", msg);
		e.result = "deny";
		e.reason = "cmecf_already_linked";
		e.pacer = a.linked;
		log_admin(rq, &e);
		return;
	}
	if (resetcode_new(code, err->msg, sizeof(err->msg)) < 0 ||
	    resetcode_hash(code, hash, sizeof(hash), err->msg, sizeof(err->msg)) < 0) {
		explicit_bzero(code, sizeof(code));
		fail_write(rq, &e, DIR_ERROR, err, b);
		return;
	}
	e.expires = time(NULL) + (time_t)ttl;
	gmtime_r(&e.expires, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y%m%d%H%M%SZ", &tm);
	rc = modify_asserting(c, a.dn, mods, "(!(ecfLinkedPacer=*))");
	explicit_bzero(hash, sizeof(hash));
	if (rc == DIR_CONFLICT) {
		reply(b, PLR_CMECF_LINKED, "cmecf_already_linked",
		      "The account was linked a moment ago; no code was issued.");
		e.result = "deny";
		e.reason = "cmecf_already_linked";
		log_admin(rq, &e);
	} else if (rc != DIR_OK) {
		fail_write(rq, &e, rc, err, b);
	} else {
		reply(b, PLR_OK, "issued", "Give this code to the attorney; it is shown only once.");
		proto_put_str(b, PT_LOGIN, a.login);
		proto_put_str(b, PT_CODE, code);
		proto_put_u64(b, PT_EXPIRES, (uint64_t)e.expires);
		e.result = "ok";
		e.reason = "issued";
		log_admin(rq, &e);
	}
	explicit_bzero(code, sizeof(code));
}

void
admin_unlink(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct admin_event e = { .action = "unlink" };
	const struct request *rq = c->rq;
	struct ldconn_err *err = &c->err;
	LDAPMod m_p = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkedPacer" };
	LDAPMod m_t = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkTime" };
	LDAPMod m_x = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkTransaction" };
	LDAPMod *mods[] = { &m_p, &m_t, &m_x, NULL };
	char esc[3 * DIR_LOGIN_MAX + 1], assertion[3 * DIR_LOGIN_MAX + 32], msg[1024];
	struct account a;
	enum dir_rc rc;

	e.note = proto_str(m, PT_NOTE);
	if (admin_begin(c, m, &e, &a, b) < 0)
		return;
	if (e.note == NULL || e.note[0] == '\0') {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "an unlink needs a reason for the record");
		e.result = "error";
		e.reason = "no_reason_given";
		log_admin(rq, &e);
		return;
	}
	if (a.state != PST_LEGACY_LINKED) {
		snprintf(msg, sizeof(msg), "CM/ECF login %s is not linked; nothing to undo.",
			 a.login);
		reply(b, PLR_NOT_FOUND, "not_linked", msg);
		e.result = "deny";
		e.reason = "not_linked";
		log_admin(rq, &e);
		return;
	}
	e.pacer = a.linked;
	e.txn = a.txn;
	if (ldap_filter_escape(a.linked, esc, sizeof(esc)) < 0) {
		snprintf(err->msg, sizeof(err->msg), "linked PACER login too long");
		fail_write(rq, &e, DIR_ERROR, err, b);
		return;
	}
	snprintf(assertion, sizeof(assertion), "(ecfLinkedPacer=%s)", esc);
	rc = modify_asserting(c, a.dn, mods, assertion);
	if (rc != DIR_OK && rc != DIR_CONFLICT) {
		fail_write(rq, &e, rc, err, b);
		return;
	}
	cache_invalidate(a.login);
	cache_invalidate(a.linked);
	if (rc == DIR_CONFLICT) {
		reply(b, PLR_NOT_FOUND, "changed_meanwhile",
		      "The link changed while unlinking; look at the account again.");
		e.result = "deny";
		e.reason = "changed_meanwhile";
		log_admin(rq, &e);
		return;
	}
	snprintf(msg, sizeof(msg),
		 "CM/ECF login %s is no longer linked to PACER %s. It has no usable password "
		 "until the court resets it.", a.login, a.linked);
	reply(b, PLR_OK, "unlinked", msg);
	proto_put_str(b, PT_LOGIN, a.login);
	proto_put_str(b, PT_LINKED, a.linked);
	e.result = "ok";
	e.reason = "unlinked";
	log_admin(rq, &e);
}
