/*
 * retalert.c - the retired-login alert (see retalert.h).
 *
 * Order: read the entry at ldap.write_uri (ecfRetiredAlert, ecfLinkedPacer),
 * stop if the last alert is recent; read the PACER owner's mail; take a
 * Transaction ID; claim the alert with one Modify of ecfRetiredAlert; only
 * then spool the mail.
 *
 * Claim first, spool second, because that order can never send two mails:
 * the Modify is "add" when the attribute is absent (a second add fails,
 * the attribute being SINGLE-VALUE) and "delete the exact old value, add
 * the new one" when present (fails with noSuchAttribute for whoever comes
 * second), so exactly one daemon's claim succeeds, and only that daemon
 * spools.  The value is the time to the microsecond, so a claim whose
 * answer was lost is settled by reading it back.  Spooling first would leave a message that a crash before the
 * claim could send beside another daemon's.  The price is that a spool
 * failure after a successful claim (or a claim whose answer was lost)
 * loses the alert for this interval; that is logged (alert=failed) and the
 * attempt itself is always on its warning line.
 */
#include "retalert.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ldops.h"
#include "spool.h"
#include "txn.h"

bool
retalert_wanted(const struct decision *d)
{
	return d->reason != NULL && strcmp(d->reason, "retired_credential") == 0 &&
	       d->acct.state == PST_LEGACY_LINKED;
}

/* The first value of attr into out ("" when absent); -1 when it does not fit. */
static int
value_of(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t len)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	int rc = 0;

	out[0] = '\0';
	if (v != NULL && v[0] != NULL) {
		if (v[0]->bv_len >= len || memchr(v[0]->bv_val, '\0', v[0]->bv_len) != NULL) {
			rc = -1;
		} else {
			memcpy(out, v[0]->bv_val, v[0]->bv_len);
			out[v[0]->bv_len] = '\0';
		}
	}
	ldap_value_free_len(v);
	return rc;
}

static void __attribute__((format(printf, 2, 3)))
failed(struct alert_event *e, const char *fmt, ...)
{
	va_list ap;

	e->result = "failed";
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

/*
 * Reads the CM/ECF entry dn at the write URI: its ecfLinkedPacer into
 * pacer and its ecfRetiredAlert into last (both "" when absent).
 */
static enum dir_rc
read_entry(struct worker *w, const struct ldop *op, const char *dn, char *pacer, size_t plen,
	   char *last, size_t llen)
{
	static char *attrs[] = { "ecfLinkedPacer", "ecfRetiredAlert", NULL };
	LDAPMessage *res = NULL, *e;
	enum dir_rc rc;

	rc = ldconn_search(&w->dc.write, op,
			   &(struct ldsearch){ dn, "(objectClass=ecfAccount)", attrs, 1 }, &res);
	if (rc != DIR_OK)
		return rc;
	e = ldap_first_entry(w->dc.write.ld, res);
	if (e == NULL) {
		rc = DIR_NOT_FOUND;
	} else if (value_of(w->dc.write.ld, e, "ecfLinkedPacer", pacer, plen) < 0 ||
		   value_of(w->dc.write.ld, e, "ecfRetiredAlert", last, llen) < 0) {
		ldconn_seterr(op->err, "%s holds an ecfLinkedPacer or ecfRetiredAlert too long",
			      dn);
		rc = DIR_ERROR;
	}
	ldap_msgfree(res);
	return rc;
}

/*
 * Parses an ecfRetiredAlert value, YYYYMMDDHHMMSS[.fraction]Z (the
 * fraction is ignored).  -1 when it is not one.
 */
static int
parse_last(const char *s, time_t *t)
{
	char whole[16];
	size_t n = strspn(s, "0123456789");

	if (n != 14)
		return -1;
	if (s[n] == '.') {
		size_t f = strspn(s + n + 1, "0123456789");

		if (f == 0 || strcmp(s + n + 1 + f, "Z") != 0)
			return -1;
	} else if (strcmp(s + n, "Z") != 0) {
		return -1;
	}
	memcpy(whole, s, 14);
	whole[14] = 'Z';
	whole[15] = '\0';
	return dir_parse_gentime(whole, t);
}

/* The claim's value: now in UTC to the microsecond, so that it names this
 * claim (a lost answer is settled by reading it back).  -1 on failure. */
static int
claim_value(char *out, size_t len, time_t *now)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(out, len, "%Y%m%d%H%M%S", &tm)) == 0 ||
	    (size_t)snprintf(out + n, len - n, ".%06ldZ", ts.tv_nsec / 1000) >= len - n)
		return -1;
	*now = ts.tv_sec;
	return 0;
}

/*
 * The claim: ecfRetiredAlert from last ("" = absent) to mine, in one
 * Modify at the write URI.  DIR_OK when this daemon holds the alert,
 * DIR_CONFLICT when another changed the value first, or a failure.  A
 * Modify whose answer was lost is settled by reading the value back: it
 * is ours only if it is exactly mine.
 */
static enum dir_rc
claim(struct worker *w, const struct ldop *op, const char *dn, const char *last,
      const char *mine)
{
	char oldbuf[64], newbuf[64], *newv[] = { newbuf, NULL }, *oldv[] = { oldbuf, NULL };
	char pacer[DIR_LOGIN_MAX + 1], now[64];
	LDAPMod del = { .mod_op = LDAP_MOD_DELETE, .mod_type = "ecfRetiredAlert",
			.mod_vals.modv_strvals = oldv };
	LDAPMod add = { .mod_op = LDAP_MOD_ADD, .mod_type = "ecfRetiredAlert",
			.mod_vals.modv_strvals = newv };
	LDAPMod *replace[] = { &del, &add, NULL }, *first[] = { &add, NULL };
	struct ldwrite wr = { .dn = dn, .mods = last[0] != '\0' ? replace : first };
	enum dir_rc rc;

	snprintf(oldbuf, sizeof(oldbuf), "%s", last);
	snprintf(newbuf, sizeof(newbuf), "%s", mine);
	rc = ldconn_modify(&w->dc.write, op, &wr);
	if (rc == DIR_OK)
		return DIR_OK;
	if (wr.ldrc == LDAP_TYPE_OR_VALUE_EXISTS || wr.ldrc == LDAP_NO_SUCH_ATTRIBUTE ||
	    wr.ldrc == LDAP_CONSTRAINT_VIOLATION)
		return DIR_CONFLICT;
	if (wr.uncertain) {
		struct ldconn_err rerr = { "" };
		struct ldop rop = { op->cfg, op->deadline, &rerr };

		if (read_entry(w, &rop, dn, pacer, sizeof(pacer), now, sizeof(now)) == DIR_OK)
			return strcmp(now, mine) == 0 ? DIR_OK : DIR_CONFLICT;
		ldconn_seterr(op->err, "the claim may have been applied, so no mail, and none for "
				       "this account within policy.alert_interval_s: %s", rerr.msg);
	}
	return rc;
}

void
retalert_run(struct worker *w, const struct config *cfg, const struct pam_req *p,
	     const struct decision *d, struct alert_event *e)
{
	struct ldconn_err err = { "" };
	struct ldop op = { cfg, p->deadline, &err };
	char pacer[DIR_LOGIN_MAX + 1], last[64], mine[64];
	struct alert_notice a;
	struct account owner;
	time_t now, then;
	enum dir_rc rc;

	memset(e, 0, sizeof(*e));
	if (!cfg->alert_retired) {
		e->result = "off";
		return;
	}
	if (claim_value(mine, sizeof(mine), &now) < 0) {
		failed(e, "the time cannot be written");
		return;
	}
	rc = read_entry(w, &op, d->acct.dn, pacer, sizeof(pacer), last, sizeof(last));
	if (rc == DIR_NOT_FOUND)
		snprintf(err.msg, sizeof(err.msg), "%s is gone at ldap.write_uri", d->acct.dn);
	if (rc != DIR_OK) {
		failed(e, "%s", err.msg);
		return;
	}
	if (pacer[0] == '\0') {
		failed(e, "%s is no longer linked at ldap.write_uri", d->acct.dn);
		return;
	}
	/* A value from the future (a clock ahead somewhere) counts as recent;
	 * one that is not a time is replaced. */
	if (last[0] != '\0' && parse_last(last, &then) == 0 &&
	    now - then < (time_t)cfg->alert_interval_s) {
		e->result = "skipped_recent";
		return;
	}
	rc = dir_valid_login(pacer) ? dir_find(&w->dc, &op, PR_REALM_PACER, pacer, &owner)
				    : DIR_NOT_FOUND;
	if (rc == DIR_NOT_FOUND || (rc == DIR_OK && (owner.state == PST_UNKNOWN ||
			!mailtext_plain_address(owner.mail, sizeof(owner.mail))))) {
		e->result = "no_address";
		snprintf(e->detail, sizeof(e->detail), "PACER account %s has no usable mail",
			 pacer);
		return;
	}
	if (rc != DIR_OK) {
		failed(e, "%s", err.msg);
		return;
	}
	memset(&a, 0, sizeof(a));
	rc = txn_next(&w->dc.write, &op, &a.txn);
	if (rc != DIR_OK) {
		failed(e, "no Transaction ID: %s", err.msg);
		return;
	}
	rc = claim(w, &op, d->acct.dn, last, mine);
	if (rc == DIR_CONFLICT) {
		e->result = "skipped_recent";
		snprintf(e->detail, sizeof(e->detail), "another ecflinkd claimed this alert");
		return;
	}
	if (rc != DIR_OK) {
		failed(e, "the claim failed: %s", err.msg);
		return;
	}
	snprintf(a.to, sizeof(a.to), "%s", owner.mail);
	snprintf(a.cmecf_login, sizeof(a.cmecf_login), "%s", d->acct.login);
	/* Where the attempt came from is told only on a trusted caller's word. */
	if (p->pol->origin_trusted && p->rhost != NULL)
		snprintf(a.rhost, sizeof(a.rhost), "%s", p->rhost);
	a.tried = now;
	if (spool_write_alert(cfg, &a) < 0) {
		failed(e, "claimed but not spooled (see the line before); no alert for this "
			  "account until policy.alert_interval_s has passed");
		return;
	}
	e->result = "mailed";
	e->txn = a.txn;
}
