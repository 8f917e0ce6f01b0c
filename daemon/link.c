/*
 * link.c - LINK_PREPARE and LINK_COMMIT (see link.h).
 */
#include "link.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "clock.h"
#include "decide.h"
#include "events.h"
#include "live_config.h"
#include "locks.h"
#include "log.h"
#include "namecmp.h"
#include "resetcode.h"
#include "spool.h"
#include "throttle.h"
#include "tokens.h"
#include "txn.h"
#include "trust.h"

/* A preparation lives this long; the user reads two names and answers. */
#define PREPARE_TTL_S 300
#define MAX_PREPARED 4096

/* What LINK_PREPARE found, filed under the token LINK_COMMIT redeems. */
struct prepared {
	struct account pacer;
	struct account cmecf;
	enum proto_grade grade;
	bool reset_code;		/* the CM/ECF side proved with a reset code */
	char throttle_peer[80];
};

/* One attempt's facts for its log line and reply. */
struct attempt {
	const char *phase;		/* prepare or commit */
	const char *pacer, *cmecf;	/* as given */
	const char *result;		/* ok, deny, error */
	const char *reason;
	enum proto_link_result code;
	enum proto_grade grade;
	bool have_grade;
	uint64_t txn;
	char detail[2048];
	char message[1024];
};

static struct token_store prepared_store;
static pthread_once_t prepared_once = PTHREAD_ONCE_INIT;

static void
prepared_init(void)
{
	tokens_init(&prepared_store, sizeof(struct prepared), MAX_PREPARED);
}

static void
log_attempt(const struct request *rq, const struct attempt *a)
{
	struct link_event e = { .phase = a->phase, .pacer = a->pacer, .cmecf = a->cmecf,
				.names = a->have_grade ? namecmp_grade_name(a->grade) : NULL,
				.txn = a->txn, .result = a->result, .reason = a->reason,
				.detail = a->detail };

	event_link(rq, &e);
}

static void
refuse(struct attempt *a, enum proto_link_result code, const char *result, const char *reason,
       const char *message)
{
	a->code = code;
	a->result = result;
	a->reason = reason;
	snprintf(a->message, sizeof(a->message), "%s", message);
}

static const char bad_credentials[] =
	"The login or password (or reset code) is not correct, or there were too many "
	"attempts; wait and try again, or ask the court for a link reset code.";

/* Counts a failed credential check against the peer and, when not "",
 * the entry key. */
static void
count_failure(const struct req_ctx *c, const char *entry_key, const char *peer_key)
{
	struct throttle_policy ep = trust_entry_throttle(c->cfg);
	struct throttle_policy pp = trust_peer_throttle(c->cfg, c->pol);
	int64_t now = clock_now_ms();

	if (entry_key[0] != '\0')
		throttle_fail(entry_key, now, &ep);
	if (peer_key[0] != '\0')
		throttle_fail(peer_key, now, &pp);
}

static bool
locked(const char *key)
{
	int64_t retry;

	return key[0] != '\0' && throttle_locked(key, clock_now_ms(), &retry);
}

static void
fail_directory(struct attempt *a, enum dir_rc rc, const struct ldconn_err *err)
{
	refuse(a, PLR_UNAVAIL, "error", rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error",
	       "The court's directory is not answering; nothing was changed. Try again later.");
	snprintf(a->detail, sizeof(a->detail), "%s", err->msg);
}

/* Reads the CM/ECF entry's reset code hash and expiry (service DN only). */
static enum dir_rc
read_secret(struct req_ctx *c, const char *dn, char *hash, size_t hlen, time_t *expires)
{
	struct ldconn *rd = &c->w->dc.read;
	static char *attrs[] = { "ecfLinkSecret", "ecfLinkSecretExpires", NULL };
	struct berval **v;
	LDAPMessage *res, *e;
	enum dir_rc rc;

	hash[0] = '\0';
	*expires = 0;
	rc = ldconn_search(rd, &c->op, &(struct ldsearch){ dn, "(objectClass=ecfAccount)", attrs, 1 },
			   &res);
	if (rc != DIR_OK)
		return rc;
	e = ldap_first_entry(rd->ld, res);
	if (e != NULL) {
		v = ldap_get_values_len(rd->ld, e, "ecfLinkSecret");
		if (v != NULL && v[0] != NULL && v[0]->bv_len < hlen) {
			memcpy(hash, v[0]->bv_val, v[0]->bv_len);
			hash[v[0]->bv_len] = '\0';
		}
		if (v != NULL && v[0] != NULL)
			explicit_bzero(v[0]->bv_val, v[0]->bv_len);
		ldap_value_free_len(v);
		v = ldap_get_values_len(rd->ld, e, "ecfLinkSecretExpires");
		if (v != NULL && v[0] != NULL && v[0]->bv_len < 32) {
			char buf[32];

			memcpy(buf, v[0]->bv_val, v[0]->bv_len);
			buf[v[0]->bv_len] = '\0';
			if (dir_parse_gentime(buf, expires) < 0)
				*expires = 0;
		}
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	return DIR_OK;
}

/* Checks the CM/ECF side's password or reset code; 0 when it is good. */
static int
check_cmecf_credential(struct req_ctx *c, const struct account *cmecf, const char *password,
		       const char *code, struct attempt *a)
{
	char hash[512];
	time_t expires;
	enum dir_rc rc;

	if (code == NULL) {
		rc = ldconn_user_bind(&c->w->dc.bind, &c->op, cmecf->dn, password);
		if (rc == DIR_OK)
			return 0;
		if (rc != DIR_BAD_CREDENTIALS) {
			fail_directory(a, rc, &c->err);
			return -1;
		}
		refuse(a, PLR_BAD_CREDENTIALS, "deny",
		       cmecf->state == PST_LEGACY_LOCKED ? "cmecf_locked" : "bad_cmecf_password",
		       bad_credentials);
		return -1;
	}
	rc = read_secret(c, cmecf->dn, hash, sizeof(hash), &expires);
	if (rc != DIR_OK) {
		fail_directory(a, rc, &c->err);
		return -1;
	}
	if (hash[0] == '\0' || !resetcode_verify(code, hash)) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", hash[0] ? "bad_reset_code" : "no_reset_code",
		       bad_credentials);
		explicit_bzero(hash, sizeof(hash));
		return -1;
	}
	explicit_bzero(hash, sizeof(hash));
	if (expires <= time(NULL)) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", "expired_reset_code", bad_credentials);
		return -1;
	}
	return 0;
}

static bool
role_eligible(const struct config *cfg, const char *role)
{
	size_t i;

	if (cfg->n_eligible_roles == 0)
		return true;
	for (i = 0; i < cfg->n_eligible_roles; i++)
		if (strcasecmp(cfg->eligible_roles[i], role) == 0)
			return true;
	return false;
}

static void
refuse_cmecf_linked(struct attempt *a, const char *login)
{
	snprintf(a->message, sizeof(a->message),
		 "CM/ECF account %s is already linked to a PACER account. Only the court can "
		 "undo a link.", login);
	a->code = PLR_CMECF_LINKED;
	a->result = "deny";
	a->reason = "cmecf_already_linked";
}

/*
 * The checks of LINK_PREPARE, in the order that tells the user the most
 * without telling a stranger anything: go-live, throttle, PACER identity,
 * CM/ECF login, link states, eligibility, CM/ECF credential.  0 when all
 * pass and p is filled.
 */
static int
prepare_checks(struct req_ctx *c, const struct proto_msg *m, bool trusted, struct prepared *p,
	       struct attempt *a)
{
	const struct config *cfg = c->cfg;
	struct dir_conns *dc = &c->w->dc;
	const char *pacer_pw = proto_str(m, PT_PASSWORD);
	const char *cmecf_pw = proto_str(m, PT_CMECF_PASSWORD);
	const char *code = proto_str(m, PT_RESET_CODE), *addr = proto_str(m, PT_RHOST);
	char cmecf_key[DIR_DN_MAX + 8], pacer_key[DIR_DN_MAX + 8], when[128];
	enum dir_rc rc;

	if (!decide_live(cfg, time(NULL))) {
		if (config_format_golive(cfg, when, sizeof(when)) < 0)
			snprintf(when, sizeof(when), "a date the court will announce");
		snprintf(a->message, sizeof(a->message),
			 "Linking opens when the court goes live on %s.", when);
		a->code = PLR_BEFORE_GOLIVE;
		a->result = "deny";
		a->reason = "before_golive";
		return -1;
	}
	/* Keys name entries, found first; the CM/ECF entry is charged only
	 * once the PACER identity is proven, so made-up PACER logins cannot
	 * lock a stranger out of linking.  Root has no peer key: it links on
	 * attorneys' behalf and is throttled per entry only. */
	trust_peer_key(c->pol, c->rq->peer.uid, addr, p->throttle_peer, sizeof(p->throttle_peer));
	if (locked(p->throttle_peer)) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", "throttled", bad_credentials);
		return -1;
	}
	rc = dir_find(dc, &c->op, PR_REALM_PACER, a->pacer, &p->pacer);
	if (rc == DIR_NOT_FOUND) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", "unknown_pacer", bad_credentials);
		count_failure(c, "", p->throttle_peer);
		return -1;
	}
	if (rc != DIR_OK) {
		fail_directory(a, rc, &c->err);
		return -1;
	}
	if (!trusted || pacer_pw != NULL) {
		trust_entry_key("pacer", p->pacer.dn, pacer_key, sizeof(pacer_key));
		if (locked(pacer_key)) {
			refuse(a, PLR_BAD_CREDENTIALS, "deny", "throttled", bad_credentials);
			return -1;
		}
		rc = ldconn_user_bind(&dc->bind, &c->op, p->pacer.dn, pacer_pw);
		if (rc == DIR_BAD_CREDENTIALS) {
			refuse(a, PLR_BAD_CREDENTIALS, "deny", "bad_pacer_password",
			       bad_credentials);
			count_failure(c, pacer_key, p->throttle_peer);
			return -1;
		}
		if (rc != DIR_OK) {
			fail_directory(a, rc, &c->err);
			return -1;
		}
	}
	rc = dir_find(dc, &c->op, PR_REALM_CMECF, a->cmecf, &p->cmecf);
	if (rc == DIR_NOT_FOUND) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", "unknown_cmecf", bad_credentials);
		count_failure(c, "", p->throttle_peer);
		return -1;
	}
	if (rc != DIR_OK) {
		fail_directory(a, rc, &c->err);
		return -1;
	}
	trust_entry_key("cmecf", p->cmecf.dn, cmecf_key, sizeof(cmecf_key));
	if (locked(cmecf_key)) {
		refuse(a, PLR_BAD_CREDENTIALS, "deny", "throttled", bad_credentials);
		return -1;
	}
	if (p->cmecf.state == PST_LEGACY_LINKED) {
		refuse_cmecf_linked(a, p->cmecf.login);
		return -1;
	}
	if (p->pacer.state == PST_PACER_LINKED) {
		snprintf(a->message, sizeof(a->message),
			 "Your PACER account is already linked to CM/ECF account %s in this "
			 "court. Only the court can undo a link.", p->pacer.linked);
		a->code = PLR_PACER_LINKED;
		a->result = "deny";
		a->reason = "pacer_already_linked";
		return -1;
	}
	if (!role_eligible(cfg, p->cmecf.role)) {
		refuse(a, PLR_NOT_ELIGIBLE, "deny", "not_eligible",
		       "This CM/ECF account does not have an e-filing role that can be linked; "
		       "contact the court.");
		snprintf(a->detail, sizeof(a->detail), "ecfRole %s", p->cmecf.role);
		return -1;
	}
	p->reset_code = code != NULL;
	if (check_cmecf_credential(c, &p->cmecf, cmecf_pw, code, a) < 0) {
		struct account again;

		if (a->code != PLR_BAD_CREDENTIALS)
			return -1;
		/* A racing link may have retired the password just now: say
		 * so, rather than "wrong password", and count no failure. */
		if (dir_find(dc, &c->op, PR_REALM_CMECF, a->cmecf, &again) == DIR_OK &&
		    again.state == PST_LEGACY_LINKED) {
			refuse_cmecf_linked(a, again.login);
			return -1;
		}
		count_failure(c, cmecf_key, p->throttle_peer);
		return -1;
	}
	/* The notice goes to the PACER account's mail: without one, refuse
	 * before a Transaction ID is taken. */
	if (p->pacer.mail[0] == '\0') {
		refuse(a, PLR_NOT_ELIGIBLE, "deny", "no_pacer_mail",
		       "Your PACER account has no email address, so the court cannot send the "
		       "link notice. Update your PACER account's email address at PACER, then "
		       "link.");
		return -1;
	}
	return 0;
}

/*
 * The reply.  A caller that may not be told reasons reads every failed
 * credential check (unknown login, wrong password or reset code,
 * throttled) as "refused"; the log keeps the true reason.
 */
static void
put_reply(struct proto_buf *b, const struct req_ctx *c, const struct attempt *a)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, a->code);
	proto_put_str(b, PT_REASON, !c->pol->tell_reasons && a->code == PLR_BAD_CREDENTIALS
					    ? "refused"
					    : a->reason);
	if (a->message[0] != '\0')
		proto_put_str(b, PT_MESSAGE, a->message);
}

static void log_unused(const void *payload, int expired);

void
link_prepare(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct attempt a = { .phase = "prepare" };
	struct prepared p;
	char token[TOKEN_LEN + 1];
	bool trusted = c->pol->vouch_pacer;

	pthread_once(&prepared_once, prepared_init);
	memset(&p, 0, sizeof(p));
	a.pacer = proto_str(m, PT_USER);
	a.cmecf = proto_str(m, PT_CMECF_LOGIN);
	if (a.pacer == NULL || a.cmecf == NULL ||
	    (proto_str(m, PT_CMECF_PASSWORD) == NULL) == (proto_str(m, PT_RESET_CODE) == NULL) ||
	    (proto_str(m, PT_PASSWORD) == NULL && !trusted)) {
		proto_put_u32(b, PT_STATUS, proto_str(m, PT_PASSWORD) == NULL && !trusted &&
						    a.pacer && a.cmecf ? PS_DENIED : PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR,
			      "LINK_PREPARE needs the PACER login and password (only a trusted "
			      "front end may leave the password out), the CM/ECF login, and "
			      "either its password or a reset code");
		refuse(&a, PLR_UNAVAIL, "error", "bad_request", "");
		log_attempt(c->rq, &a);
		return;
	}
	if (!dir_valid_login(a.pacer) || !dir_valid_login(a.cmecf)) {
		refuse(&a, PLR_BAD_CREDENTIALS, "deny", "invalid_login", bad_credentials);
		put_reply(b, c, &a);
		log_attempt(c->rq, &a);
		return;
	}
	if (prepare_checks(c, m, trusted, &p, &a) < 0) {
		put_reply(b, c, &a);
		log_attempt(c->rq, &a);
		return;
	}
	p.grade = namecmp_grade(p.cmecf.name, p.pacer.name);
	if (tokens_issue(&prepared_store, &p, c->rq->peer.uid, PREPARE_TTL_S, token, log_unused) <
	    0) {
		refuse(&a, PLR_UNAVAIL, "error", "token_unavailable",
		       "ecflinkd cannot take more link requests right now; try again shortly.");
		put_reply(b, c, &a);
		log_attempt(c->rq, &a);
		return;
	}
	/* Logged when committed or when the token expires: one line per attempt. */
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, PLR_OK);
	proto_put_str(b, PT_LOGIN, p.cmecf.login);
	proto_put_str(b, PT_NAME, p.cmecf.name);
	proto_put_str(b, PT_LINKED, p.pacer.login);
	proto_put_str(b, PT_NAME2, p.pacer.name);
	proto_put_u32(b, PT_GRADE, p.grade);
	proto_put_str(b, PT_TOKEN, token);
	explicit_bzero(&p, sizeof(p));
}

static void
log_unused(const void *payload, int expired)
{
	const struct prepared *p = payload;
	struct attempt a = { .phase = "prepare", .pacer = p->pacer.login,
			     .cmecf = p->cmecf.login, .result = "deny",
			     .reason = expired ? "not_committed" : "daemon_stopped",
			     .grade = p->grade, .have_grade = true };

	log_attempt(NULL, &a);
}

void
link_sweep(int all)
{
	pthread_once(&prepared_once, prepared_init);
	tokens_sweep(&prepared_store, all, log_unused);
}

/* Searches the write URI for a CM/ECF entry matching filter (one value). */
static enum dir_rc
write_side_count(struct worker *w, const struct ldop *op, const char *filter, int *count)
{
	static char *attrs[] = { "1.1", NULL };
	struct ldsearch q = { op->cfg->cmecf_base, filter, attrs, 0 };
	LDAPMessage *res;
	enum dir_rc rc;

	rc = ldconn_search(&w->dc.write, op, &q, &res);
	if (rc != DIR_OK)
		return rc;
	*count = ldap_count_entries(w->dc.write.ld, res);
	ldap_msgfree(res);
	return DIR_OK;
}

int
link_txn_exists(uint64_t txn, void *ctx)
{
	struct worker *w = ctx;
	struct ldconn_err err = { "" };
	const struct config *cfg;
	char filter[96];
	enum dir_rc rc;
	int n = 0;

	snprintf(filter, sizeof(filter), "(&(objectClass=ecfAccount)(ecfLinkTransaction=%llu))",
		 (unsigned long long)txn);
	cfg = live_config_get();
	rc = write_side_count(w, &(struct ldop){ cfg, clock_now_ms() + cfg->timeout_ms, &err },
			      filter, &n);
	live_config_put(cfg);
	if (rc != DIR_OK) {
		log_warnx("cannot tell whether transaction %llu was linked: %s",
			  (unsigned long long)txn, err.msg);
		return -1;
	}
	return n > 0;
}

#define STALE_PENDING_S 600

void
link_reconcile_stale(struct worker *w)
{
	const struct config *cfg;
	struct stat st;

	cfg = live_config_get();
	if (cfg != NULL && stat(cfg->spool_dir, &st) == 0)
		spool_reconcile_stale(cfg, STALE_PENDING_S, link_txn_exists, w);
	live_config_put(cfg);
}

/* The link Modify; DIR_OK when this transaction's link is in place. */
static enum dir_rc
write_link(struct req_ctx *c, const struct prepared *p, uint64_t txn, time_t now, int *ldrc)
{
	char tbuf[32], nbuf[24], *v_pacer[] = { (char *)p->pacer.login, NULL };
	char *v_time[] = { tbuf, NULL }, *v_txn[] = { nbuf, NULL };
	LDAPMod m_pacer = { .mod_op = LDAP_MOD_ADD, .mod_type = "ecfLinkedPacer",
			    .mod_vals.modv_strvals = v_pacer };
	LDAPMod m_time = { .mod_op = LDAP_MOD_ADD, .mod_type = "ecfLinkTime",
			   .mod_vals.modv_strvals = v_time };
	LDAPMod m_txn = { .mod_op = LDAP_MOD_ADD, .mod_type = "ecfLinkTransaction",
			  .mod_vals.modv_strvals = v_txn };
	/* REPLACE with no values removes an attribute whether or not it is
	 * there (a DELETE of an absent one would fail). */
	LDAPMod m_pw = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "userPassword" };
	LDAPMod m_sec = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkSecret" };
	LDAPMod m_exp = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfLinkSecretExpires" };
	LDAPMod *mods[] = { &m_pacer, &m_time, &m_txn, &m_pw, &m_sec, &m_exp, NULL };
	struct ldwrite wr = { .dn = p->cmecf.dn, .mods = mods,
			      .assertion = "(!(ecfLinkedPacer=*))" };
	struct tm tm;
	enum dir_rc rc;

	gmtime_r(&now, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y%m%d%H%M%SZ", &tm);
	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)txn);
	rc = ldconn_modify(&c->w->dc.write, &c->op, &wr);
	*ldrc = wr.ldrc;
	if (rc == DIR_OK)
		return DIR_OK;
	/* A lost race, or our own Modify applied before its answer was lost:
	 * the entry tells which. */
	if (rc == DIR_CONFLICT || wr.uncertain) {
		int ours = link_txn_exists(txn, c->w);

		if (ours == 1)
			return DIR_OK;
		if (ours < 0 && wr.uncertain)
			return DIR_UNAVAILABLE;
	}
	return rc;
}

/* The write half of a link, under the per-login locks. */
static void
commit_locked(struct req_ctx *c, const struct prepared *p, struct attempt *a, time_t *when)
{
	const struct config *cfg = c->cfg;
	struct link_notice n;
	char esc[3 * DIR_LOGIN_MAX + 1], filter[3 * DIR_LOGIN_MAX + 64];
	enum dir_rc rc;
	int count = 0, ldrc = 0;

	/* The check on the write URI: a replica may lag behind a link. */
	if (ldap_filter_escape(p->pacer.login, esc, sizeof(esc)) < 0) {
		refuse(a, PLR_UNAVAIL, "error", "internal", "Internal error; nothing was changed.");
		return;
	}
	snprintf(filter, sizeof(filter), "(&(objectClass=ecfAccount)(ecfLinkedPacer=%s))", esc);
	rc = write_side_count(c->w, &c->op, filter, &count);
	if (rc != DIR_OK) {
		fail_directory(a, rc, &c->err);
		return;
	}
	if (count > 0) {
		refuse(a, PLR_PACER_LINKED, "deny", "pacer_already_linked",
		       "Your PACER account is already linked to a CM/ECF account in this court.");
		return;
	}
	rc = txn_next(&c->w->dc, &c->op, &a->txn);
	if (rc != DIR_OK) {
		fail_directory(a, rc, &c->err);
		return;
	}
	memset(&n, 0, sizeof(n));
	n.txn = a->txn;
	n.submitted = *when = time(NULL);
	snprintf(n.account_no, sizeof(n.account_no), "%s", p->pacer.account_no);
	snprintf(n.to, sizeof(n.to), "%s", p->pacer.mail);
	snprintf(n.pacer_login, sizeof(n.pacer_login), "%s", p->pacer.login);
	snprintf(n.cmecf_login, sizeof(n.cmecf_login), "%s", p->cmecf.login);
	if (spool_write_pending(cfg, &n) < 0) {
		refuse(a, PLR_UNAVAIL, "error", "spool_unavailable",
		       "The court cannot record the link notice right now; nothing was changed. "
		       "Try again later.");
		return;
	}
	rc = write_link(c, p, a->txn, *when, &ldrc);
	if (rc == DIR_OK) {
		if (spool_mark_ready(cfg, a->txn) < 0)
			log_warnx("transaction %llu linked, but its notice stays pending until "
				  "the next start", (unsigned long long)a->txn);
		refuse(a, PLR_OK, "ok", "linked",
		       "Your PACER account has been linked to your CM/ECF account.");
		return;
	}
	if (rc == DIR_UNAVAILABLE) {
		/* Maybe applied: the pending notice stays for reconciliation. */
		fail_directory(a, rc, &c->err);
		refuse(a, PLR_UNAVAIL, "error", "link_uncertain",
		       "The court's directory did not confirm the link in time; it may have been "
		       "made. Check again in a few minutes before trying again.");
		return;
	}
	spool_drop(cfg, a->txn);
	if (rc == DIR_CONFLICT && ldrc == LDAP_ASSERTION_FAILED) {
		refuse(a, PLR_CMECF_LINKED, "deny", "cmecf_already_linked",
		       "This CM/ECF account was linked by another request a moment ago.");
	} else if (rc == DIR_CONFLICT) {
		refuse(a, PLR_PACER_LINKED, "deny", "pacer_already_linked",
		       "Your PACER account was linked by another request a moment ago.");
	} else {
		fail_directory(a, rc, &c->err);
	}
	snprintf(a->detail, sizeof(a->detail), "%s", c->err.msg);
}

void
link_commit(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	const char *token = proto_str(m, PT_TOKEN);
	struct attempt a = { .phase = "commit", .result = "error" };
	struct prepared p;
	uint32_t confirm = 0;
	time_t when = 0;

	pthread_once(&prepared_once, prepared_init);
	proto_u32(m, PT_CONFIRM, &confirm);
	if (token == NULL || tokens_redeem(&prepared_store, token, c->rq->peer.uid, &p) < 0) {
		refuse(&a, PLR_EXPIRED, "deny", "token_unknown",
		       "This link request has expired or was already used; start again.");
		put_reply(b, c, &a);
		log_attempt(c->rq, &a);
		return;
	}
	a.pacer = p.pacer.login;
	a.cmecf = p.cmecf.login;
	a.grade = p.grade;
	a.have_grade = true;
	if (p.grade != PG_EXACT && confirm != 1) {
		refuse(&a, PLR_CONFIRM_REQUIRED, "deny", "not_confirmed",
		       "The names differ, and the link was not confirmed; nothing was changed.");
	} else if (locks_acquire(p.pacer.login, p.cmecf.login, c->deadline) < 0) {
		refuse(&a, PLR_UNAVAIL, "error", "busy",
		       "Another request for one of these accounts is running; try again.");
	} else {
		commit_locked(c, &p, &a, &when);
		locks_release(p.pacer.login, p.cmecf.login);
	}
	if (a.code == PLR_OK) {
		char key[DIR_DN_MAX + 8];

		cache_invalidate(p.cmecf.login);
		cache_invalidate(p.pacer.login);
		/* Only the account's count: a peer key may be a shared front
		 * end's client address, which one success must not clear. */
		trust_entry_key("cmecf", p.cmecf.dn, key, sizeof(key));
		throttle_clear(key);
	}
	put_reply(b, c, &a);
	if (a.txn != 0 && a.code == PLR_OK) {
		proto_put_u64(b, PT_TXN, a.txn);
		proto_put_u64(b, PT_LINK_TIME, (uint64_t)when);
		proto_put_str(b, PT_LOGIN, p.cmecf.login);
		proto_put_str(b, PT_LINKED, p.pacer.login);
	}
	log_attempt(c->rq, &a);
	explicit_bzero(&p, sizeof(p));
}
