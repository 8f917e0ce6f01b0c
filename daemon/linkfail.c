/*
 * linkfail.c - failed link-credential checks kept on the CM/ECF entry at
 * the provider (see linkfail.h).
 *
 * Why an attribute and not slapo-ppolicy's lockout: the CM/ECF side of a
 * link may be proven with a court-issued reset code, which is no bind;
 * ppolicy would lock the attorney's legacy e-filing login itself, not
 * only linking; and a court's directory need not load ppolicy.  A Modify
 * "add" of a new value never overwrites another daemon's, so concurrent
 * failures are all counted without a read-modify-write race.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkfail.h"

#define ATTR "ecfLinkFailure"

int64_t
linkfail_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
linkfail_parse(const char *val, int64_t *us)
{
	struct tm tm = { 0 };
	long frac = 0;
	int n = 0, digits;
	const char *p;
	time_t t;

	if (sscanf(val, "%4d%2d%2d%2d%2d%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 14)
		return -1;
	p = val + 14;
	if (*p == '.' || *p == ',') {
		for (p++, digits = 0; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 6)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (strcmp(p, "Z") != 0 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*us = (int64_t)t * 1000000 + frac;
	return 0;
}

static void
format_us(int64_t us, char *out, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	char secs[20];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(secs, sizeof(secs), "%Y%m%d%H%M%S", &tm);
	snprintf(out, len, "%.14s.%06uZ", secs, (unsigned)(us % 1000000));
}

/* Inserts one value, keeping lf sorted by time. */
static void
insert(struct linkfail *lf, int64_t us, const char *val)
{
	size_t i = lf->n;

	while (i > 0 && lf->us[i - 1] > us) {
		lf->us[i] = lf->us[i - 1];
		memcpy(lf->val[i], lf->val[i - 1], LINKFAIL_VALLEN);
		i--;
	}
	lf->us[i] = us;
	snprintf(lf->val[i], LINKFAIL_VALLEN, "%s", val);
	lf->n++;
}

enum dir_rc
linkfail_read(struct ldconn *c, const struct ldop *op, const char *dn, struct linkfail *lf)
{
	static char *attrs[] = { ATTR, NULL };
	struct ldsearch q = { dn, "(objectClass=ecfAccount)", attrs, 1 };
	LDAPMessage *res = NULL, *e;
	struct berval **vals;
	enum dir_rc rc;
	int64_t us;
	size_t i;

	lf->n = 0;
	rc = ldconn_search(c, op, &q, &res);
	if (rc != DIR_OK)
		return rc;
	e = ldap_first_entry(c->ld, res);
	vals = e != NULL ? ldap_get_values_len(c->ld, e, ATTR) : NULL;
	for (i = 0; vals != NULL && vals[i] != NULL && lf->n < LINKFAIL_MAX; i++) {
		char v[LINKFAIL_VALLEN];

		/* Anything else (a hand-edited value) is not ours to count. */
		if (vals[i]->bv_len >= sizeof(v))
			continue;
		memcpy(v, vals[i]->bv_val, vals[i]->bv_len);
		v[vals[i]->bv_len] = '\0';
		if (linkfail_parse(v, &us) == 0)
			insert(lf, us, v);
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return e != NULL ? DIR_OK : DIR_NOT_FOUND;
}

bool
linkfail_locked(const struct linkfail *lf, const struct throttle_policy *p, int64_t now_us,
		int64_t *until_us)
{
	int64_t window = (int64_t)p->window_s * 1000000, lockout = (int64_t)p->lockout_s * 1000000;
	int64_t until = 0;
	int max = p->max_failures < 1 ? 1 : p->max_failures;
	size_t i, start = 0;

	for (i = 0; i < lf->n; i++) {
		if (lf->us[i] < until) {
			/* Made during a lockout (a race): not counted. */
			start = i + 1;
			continue;
		}
		while (start < i && lf->us[i] - lf->us[start] >= window)
			start++;
		if (i - start + 1 >= (size_t)max) {
			until = lf->us[i] + lockout;
			start = i + 1;
		}
	}
	if (until_us != NULL)
		*until_us = until;
	return now_us < until;
}

enum dir_rc
linkfail_add(struct ldconn *c, const struct ldop *op, const char *dn, const struct linkfail *lf,
	     const struct throttle_policy *p, int64_t now_us)
{
	int64_t keep = now_us - ((int64_t)p->window_s + p->lockout_s) * 1000000;
	char now[LINKFAIL_VALLEN], *add[] = { now, NULL }, *old[LINKFAIL_MAX + 1];
	LDAPMod madd = { .mod_op = LDAP_MOD_ADD, .mod_type = ATTR,
			 .mod_vals.modv_strvals = add };
	LDAPMod mdel = { .mod_op = LDAP_MOD_DELETE, .mod_type = ATTR,
			 .mod_vals.modv_strvals = old };
	LDAPMod *mods[3] = { NULL };
	struct ldwrite w = { .dn = dn, .mods = mods };
	size_t i, n = 0;
	enum dir_rc rc;
	int tries;

	for (i = 0; i < lf->n && lf->us[i] < keep; i++)
		old[n++] = (char *)lf->val[i];
	old[n] = NULL;
	for (tries = 0; tries < 3; tries++) {
		format_us(now_us + tries, now, sizeof(now));
		mods[0] = &madd;
		mods[1] = n > 0 ? &mdel : NULL;
		rc = ldconn_modify(c, op, &w);
		if (rc == DIR_OK || w.uncertain)
			return rc;
		if (w.ldrc == LDAP_NO_SUCH_ATTRIBUTE && n > 0)
			n = 0;	/* another daemon pruned them first */
		else if (w.ldrc != LDAP_TYPE_OR_VALUE_EXISTS)
			return rc;	/* else: the same microsecond; the next one */
	}
	return rc;
}
