/*
 * decide.c - PAM decisions (see decide.h and DESIGN.md's decision table).
 */
#include "decide.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "cachesync.h"
#include "clock.h"
#include "throttle.h"

bool
decide_live(const struct config *cfg, time_t now)
{
	return cfg->golive_set && now >= cfg->golive;
}

/*
 * Finds user in realm through the cache; *cached says where the answer
 * came from.  DIR_NOT_FOUND for an unknown user.
 */
static enum dir_rc
lookup(struct worker *w, const struct ldop *op, enum proto_realm realm, const char *user,
       struct account *a, bool *cached)
{
	const struct config *cfg = op->cfg;
	unsigned long cgen = cache_generation();
	bool use_cache;
	enum dir_rc rc;

	*cached = false;
	use_cache = cfg->cache_ttl_s > 0 && cachesync_current();
	if (use_cache && cache_get(realm, user, a)) {
		*cached = true;
		return a->state == PST_UNKNOWN ? DIR_NOT_FOUND : DIR_OK;
	}
	rc = dir_find(&w->dc, op, realm, user, a);
	if (rc == DIR_NOT_FOUND) {
		memset(a, 0, sizeof(*a));
		a->state = PST_UNKNOWN;
	}
	if ((rc == DIR_OK || rc == DIR_NOT_FOUND) && use_cache && dir_valid_login(user) &&
	    !a->replica_only)
		cache_put(realm, user, a, cfg->cache_ttl_s, cgen);
	return rc;
}

static void
set(struct decision *d, enum proto_result r, const char *log_result, const char *reason)
{
	d->result = r;
	d->log_result = log_result;
	d->reason = reason;
}

/*
 * Copies a configured message into d, replacing each "%s" with arg (the
 * template is the court's text, never used as a printf format).
 */
static void
say(struct decision *d, enum proto_msg_style style, const char *tmpl, const char *arg)
{
	size_t o = 0;

	d->style = style;
	for (; *tmpl != '\0' && o + 1 < sizeof(d->message); tmpl++) {
		if (tmpl[0] == '%' && tmpl[1] == 's' && arg != NULL) {
			o += (size_t)snprintf(d->message + o, sizeof(d->message) - o, "%s", arg);
			if (o >= sizeof(d->message))
				o = sizeof(d->message) - 1;
			tmpl++;
			continue;
		}
		d->message[o++] = *tmpl;
	}
	d->message[o] = '\0';
}

static void
fail_dir(struct decision *d, enum dir_rc rc, const struct ldconn_err *err)
{
	set(d, PRS_UNAVAIL, "error", rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error");
	snprintf(d->detail, sizeof(d->detail), "%s", err->msg);
}

static void decide_account(struct worker *w, const struct config *cfg,
			   const struct pam_req *rq, struct decision *d);

/*
 * Binds as the account with the caller's password.  0 when it bound;
 * otherwise -1 with d set to a deny (bad_password, throttled) or an error,
 * or 1 when d was decided afresh (the cached entry was stale).
 *
 * The socket is open to every local user: one that is not root or a
 * login front end gets link_max_failures guesses per account per window,
 * and policy.peer_max_failures across all accounts, so it cannot use
 * ecflinkd as a fast password oracle or spray passwords.  Front ends
 * (sshd as root, socket.frontend_group) keep their own counting, as with
 * pam_faillock.  The keys name the entry's DN, never the string typed.
 */
static int
verify_password(struct worker *w, const struct config *cfg, const struct pam_req *rq,
		struct decision *d)
{
	struct ldconn_err err = { "" };
	struct ldop op = { cfg, rq->deadline, &err };
	char key[DIR_DN_MAX + 48], peer[64];
	int64_t retry, now = clock_now_ms();
	enum dir_rc rc;

	key[0] = peer[0] = '\0';
	if (rq->pol->count == TPC_UID) {
		char who[32];

		snprintf(who, sizeof(who), "auth:%u", (unsigned)rq->peer_uid);
		trust_entry_key(who, d->acct.dn, key, sizeof(key));
		trust_peer_key(rq->pol, rq->peer_uid, NULL, peer, sizeof(peer));
		if (throttle_locked(key, now, &retry) || throttle_locked(peer, now, &retry)) {
			set(d, PRS_AUTH_ERR, "deny", "throttled");
			return -1;
		}
	}
	/* CM/ECF passwords are checked at the provider, where a link has
	 * already retired them; PACER ones on the consumers. */
	rc = ldconn_user_bind(d->acct.realm == PR_REALM_CMECF ? &w->dc.wbind : &w->dc.bind, &op,
			      d->acct.dn, rq->password);
	if (rc == DIR_BAD_CREDENTIALS && d->cached) {
		/* The cached DN may be stale (entry renamed or moved): ask the
		 * directory again and decide afresh if anything changed. */
		struct account fresh;
		struct ldconn_err ferr = { "" };
		struct ldop fop = { cfg, rq->deadline, &ferr };
		unsigned long cgen = cache_generation();
		enum dir_rc frc;

		frc = dir_find(&w->dc, &fop, rq->realm, rq->user, &fresh);
		if (frc == DIR_OK || frc == DIR_NOT_FOUND) {
			if (frc == DIR_NOT_FOUND)
				fresh.state = PST_UNKNOWN;
			cache_put(rq->realm, rq->user, &fresh, cfg->cache_ttl_s, cgen);
		}
		if (frc != DIR_OK || strcmp(fresh.dn, d->acct.dn) != 0 ||
		    fresh.state != d->acct.state) {
			if (frc != DIR_OK && frc != DIR_NOT_FOUND) {
				fail_dir(d, frc, &ferr);
				return -1;
			}
			d->cached = false;
			d->acct = fresh;
			decide_account(w, cfg, rq, d);
			return 1;
		}
	}
	switch (rc) {
	case DIR_OK:
		d->password_proven = true;
		return 0;
	case DIR_BAD_CREDENTIALS:
		set(d, PRS_AUTH_ERR, "deny", "bad_password");
		snprintf(d->detail, sizeof(d->detail), "%s", err.msg);
		if (key[0] != '\0') {
			struct throttle_policy ep = trust_entry_throttle(cfg);
			struct throttle_policy pp = trust_peer_throttle(cfg, rq->pol);

			throttle_fail(key, now, &ep);
			throttle_fail(peer, now, &pp);
		}
		return -1;
	default:
		fail_dir(d, rc, &err);
		return -1;
	}
}

/* The auth phase of a login that may log in: verify or leave it to others. */
static void
auth_phase(struct worker *w, const struct config *cfg,
	   const struct pam_req *rq, struct decision *d)
{
	if (!(rq->flags & PF_AUTHENTICATE) || rq->password == NULL) {
		if (rq->pol->password_always)
			set(d, PRS_AUTH_ERR, "deny", "password_required");
		else
			set(d, PRS_IGNORE, "allow", "not_verified");
		return;
	}
	if (verify_password(w, cfg, rq, d) == 0)
		set(d, PRS_SUCCESS, "allow", "password_ok");
}

/* Decides from d->acct (already looked up). */
static void
decide_account(struct worker *w, const struct config *cfg,
	       const struct pam_req *rq, struct decision *d)
{
	bool live = decide_live(cfg, time(NULL));
	bool auth = rq->type == PT_AUTH;
	char when[128];

	/* From a consumer, only a link is news enough to decide on. */
	if (d->acct.replica_only && d->acct.state != PST_LEGACY_LINKED) {
		set(d, PRS_UNAVAIL, "error", "provider_unavailable");
		snprintf(d->detail, sizeof(d->detail),
			 "ldap.write_uri %s does not answer; a consumer cannot vouch for an "
			 "unlinked CM/ECF login", cfg->write_uri);
		return;
	}
	switch (d->acct.state) {
	case PST_UNKNOWN:
		set(d, PRS_USER_UNKNOWN, "deny", "unknown_user");
		return;
	case PST_LEGACY_LINKED:
		set(d, auth ? PRS_AUTH_ERR : PRS_PERM_DENIED, "deny", "retired_credential");
		say(d, PMS_ERROR, cfg->msg.retired, NULL);
		return;
	case PST_LEGACY_LOCKED:
		set(d, PRS_AUTH_ERR, "deny", "locked");
		return;
	case PST_LEGACY_UNLINKED:
		if (live && cfg->unlinked_legacy == UNLINKED_LEGACY_DENY) {
			set(d, auth ? PRS_AUTH_ERR : PRS_PERM_DENIED, "deny",
			    "unlinked_legacy_denied");
			say(d, PMS_ERROR, cfg->msg.legacy_denied, NULL);
			return;
		}
		if (auth) {
			auth_phase(w, cfg, rq, d);
			return;
		}
		set(d, PRS_SUCCESS, "allow", live ? "unlinked_legacy_allowed" : "before_golive");
		return;
	case PST_PACER_UNLINKED:
	case PST_PACER_LINKED:
		if (auth) {
			auth_phase(w, cfg, rq, d);
			return;
		}
		if (!live) {
			set(d, PRS_PERM_DENIED, "deny", "before_golive");
			if (config_format_golive(cfg, when, sizeof(when)) < 0)
				snprintf(when, sizeof(when), "a date the court will announce");
			say(d, PMS_ERROR, cfg->msg.golive_pending, when);
		} else if (d->acct.state == PST_PACER_UNLINKED) {
			set(d, PRS_PERM_DENIED, "deny", "not_linked");
			say(d, PMS_ERROR, cfg->msg.pacer_search_only, NULL);
		} else {
			set(d, PRS_SUCCESS, "allow", "linked");
		}
		return;
	}
	set(d, PRS_UNAVAIL, "error", "internal");
	snprintf(d->detail, sizeof(d->detail), "account in unknown state %d", d->acct.state);
}

void
decide_account_after_auth(const struct config *cfg, const struct pam_req *acct,
			  const struct decision *auth, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->acct = auth->acct;
	d->cached = auth->cached;
	d->have_account = auth->have_account;
	/* An account phase never reaches auth_phase, the only user of w. */
	decide_account(NULL, cfg, acct, d);
}

void
decide_pam(struct worker *w, const struct config *cfg,
	   const struct pam_req *rq, struct decision *d)
{
	struct ldconn_err err = { "" };
	struct ldop op = { cfg, rq->deadline, &err };
	enum dir_rc rc;

	memset(d, 0, sizeof(*d));
	if (!dir_valid_login(rq->user)) {
		set(d, PRS_USER_UNKNOWN, "deny", "invalid_user");
		return;
	}
	rc = lookup(w, &op, rq->realm, rq->user, &d->acct, &d->cached);
	if (rc != DIR_OK && rc != DIR_NOT_FOUND) {
		fail_dir(d, rc, &err);
		return;
	}
	d->have_account = rc == DIR_OK;
	decide_account(w, cfg, rq, d);
	if (rq->type != PT_ACCOUNT || d->result != PRS_SUCCESS || !rq->pol->password_always ||
	    d->password_proven)
		return;
	/* An account phase that would allow: only for the account's password. */
	if (rq->password == NULL) {
		set(d, PRS_PERM_DENIED, "deny", "password_required");
		return;
	}
	switch (verify_password(w, cfg, rq, d)) {
	case 1:
		/* Decided afresh from a stale cache entry, without the password. */
		if (d->result == PRS_SUCCESS && !d->password_proven)
			set(d, PRS_PERM_DENIED, "deny", "bad_password");
		break;
	case -1:
		if (d->result == PRS_AUTH_ERR)
			d->result = PRS_PERM_DENIED;
		break;
	}
}
