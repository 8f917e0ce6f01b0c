/*
 * directory.c - CM/ECF and PACER account lookups (see directory.h).
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"

void
dir_conns_init(struct dir_conns *dc)
{
	ldconn_init(&dc->read, LDCONN_READ);
	ldconn_init(&dc->bind, LDCONN_BIND);
	ldconn_init(&dc->write, LDCONN_WRITE);
	ldconn_init(&dc->wbind, LDCONN_WBIND);
}

void
dir_conns_close(struct dir_conns *dc)
{
	ldconn_drop(&dc->read);
	ldconn_drop(&dc->bind);
	ldconn_drop(&dc->write);
	ldconn_drop(&dc->wbind);
}

bool
dir_valid_login(const char *user)
{
	size_t n;

	/* LDAP matches uid after Unicode normalisation, case folding and
	 * space squeezing (RFC 4518): "\xef\xbd\x92smith" (fullwidth r),
	 * "rsmith\xe3\x80\x80" and " rsmith" all find rsmith.  Only the
	 * plain ASCII spellings lint accepts go to LDAP, so that the cache and
	 * the throttle never see two names for one entry. */
	for (n = 0; user[n] != '\0'; n++) {
		unsigned char ch = (unsigned char)user[n];

		if (n >= DIR_LOGIN_MAX ||
		    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '@' || ch == '-'))
			return false;
	}
	return n > 0;
}

int
dir_parse_gentime(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	char *end;

	end = strptime(s, "%Y%m%d%H%M%S", &tm);
	if (end == NULL || strcmp(end, "Z") != 0)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* Copies the first value of attr into out; an absent attribute leaves ""
 * and a value too long for out is bad data (-1). */
static int
get_attr(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t outlen)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	int rc = 0;

	out[0] = '\0';
	if (v == NULL || v[0] == NULL)
		goto out;
	if (v[0]->bv_len >= outlen || memchr(v[0]->bv_val, '\0', v[0]->bv_len) != NULL) {
		rc = -1;
		goto out;
	}
	memcpy(out, v[0]->bv_val, v[0]->bv_len);
	out[v[0]->bv_len] = '\0';
out:
	ldap_value_free_len(v);
	return rc;
}

/* True when the entry has a userPassword that can still be used: present,
 * and not a locked crypt value ("{CRYPT}!..." or "!..."). The values are
 * wiped before they are freed. */
bool
dir_usable_password(LDAP *ld, LDAPMessage *e)
{
	struct berval **v = ldap_get_values_len(ld, e, "userPassword");
	bool usable = false;
	int i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		const char *p = v[i]->bv_val;
		size_t n = v[i]->bv_len;

		if (n >= 7 && strncasecmp(p, "{CRYPT}", 7) == 0) {
			p += 7;
			n -= 7;
		}
		if (n > 0 && p[0] != '!' && p[0] != '*')
			usable = true;
		explicit_bzero(v[i]->bv_val, v[i]->bv_len);
	}
	ldap_value_free_len(v);
	return usable;
}

/* Runs filter under base; DIR_OK with exactly one entry in *res. */
static enum dir_rc
search_one(struct ldconn *src, const struct ldop *op, const char *base, const char *filter,
	   char **attrs, LDAPMessage **res)
{
	struct ldsearch q = { base, filter, attrs, 2 };
	struct ldconn_err *err = op->err;
	enum dir_rc rc;
	int n;

	rc = ldconn_search(src, op, &q, res);
	if (rc == DIR_NOT_FOUND) {
		snprintf(err->msg, sizeof(err->msg), "search base %s does not exist", base);
		return DIR_ERROR;
	}
	if (rc != DIR_OK)
		return rc;
	n = ldap_count_entries(src->ld, *res);
	if (n == 1)
		return DIR_OK;
	if (n > 1)
		snprintf(err->msg, sizeof(err->msg), "%s matches %d entries under %s", filter, n,
			 base);
	ldap_msgfree(*res);
	*res = NULL;
	return n == 0 ? DIR_NOT_FOUND : DIR_ERROR;
}

/* Fills the link fields of a CM/ECF entry; -1 on malformed data. */
static int
read_link(LDAP *ld, LDAPMessage *e, struct account *a)
{
	char buf[64];

	if (get_attr(ld, e, "ecfLinkTime", buf, sizeof(buf)) < 0)
		return -1;
	if (buf[0] != '\0' && dir_parse_gentime(buf, &a->link_time) < 0)
		return -1;
	if (get_attr(ld, e, "ecfLinkTransaction", buf, sizeof(buf)) < 0)
		return -1;
	if (buf[0] != '\0') {
		char *end;

		a->txn = strtoull(buf, &end, 10);
		if (*end != '\0')
			return -1;
	}
	return 0;
}

static enum dir_rc
bad_data(struct ldconn_err *err, const char *dn, const char *what)
{
	snprintf(err->msg, sizeof(err->msg), "LDAP data: %s has a malformed %s", dn, what);
	return DIR_ERROR;
}

/* Which entry to find: the one under base matching
 * "(&(objectClass=objclass)(attr=value))", value escaped. */
struct finder {
	const char *base;
	const char *objclass;
	const char *attr;
	const char *value;
	char **attrs;
};

/* One entry found: the result (the caller frees it) and the entry in it. */
struct found {
	LDAPMessage *res;
	LDAPMessage *e;
};

/*
 * Finds f's entry.  DIR_OK with *h filled and the entry's DN in dn
 * (DIR_DN_MAX bytes); DIR_NOT_FOUND when none matches.
 */
#define FILTER_MAX (3 * DIR_LOGIN_MAX + 96)

/* Writes "(&(objectClass=CLASS)(ATTR=value))" with value escaped; -1 when
 * it cannot be written (no entry can match it). */
static int
make_filter(char *filter, const char *objclass, const char *attr, const char *value)
{
	char esc[3 * DIR_LOGIN_MAX + 1];

	if (ldap_filter_escape(value, esc, sizeof(esc)) < 0)
		return -1;
	snprintf(filter, FILTER_MAX, "(&(objectClass=%s)(%s=%s))", objclass, attr, esc);
	return 0;
}

static enum dir_rc
find_entry(struct ldconn *src, const struct ldop *op, const struct finder *f,
	   struct found *h, char dn[DIR_DN_MAX])
{
	char filter[FILTER_MAX];
	enum dir_rc rc;
	char *d;

	if (make_filter(filter, f->objclass, f->attr, f->value) < 0)
		return DIR_NOT_FOUND;
	rc = search_one(src, op, f->base, filter, f->attrs, &h->res);
	if (rc != DIR_OK)
		return rc;
	h->e = ldap_first_entry(src->ld, h->res);
	d = ldap_get_dn(src->ld, h->e);
	snprintf(dn, DIR_DN_MAX, "%s", d ? d : "");
	ldap_memfree(d);
	return DIR_OK;
}

static enum dir_rc
read_cmecf(struct ldconn *src, const struct ldop *op, const char *user, struct account *a)
{
	static char *attrs[] = { "uid", "cn", "mail", "ecfRole", "ecfLinkedPacer", "ecfLinkTime",
				 "ecfLinkTransaction", "userPassword", NULL };
	struct finder f = { op->cfg->cmecf_base, "ecfAccount", "uid", user, attrs };
	struct ldconn_err *err = op->err;
	struct found h;
	LDAPMessage *e;
	LDAP *ld;
	enum dir_rc rc;

	rc = find_entry(src, op, &f, &h, a->dn);
	if (rc != DIR_OK)
		return rc;
	ld = src->ld;
	e = h.e;
	a->realm = PR_REALM_CMECF;
	if (get_attr(ld, e, "uid", a->login, sizeof(a->login)) < 0 || a->login[0] == '\0')
		rc = bad_data(err, a->dn, "uid");
	else if (get_attr(ld, e, "cn", a->name, sizeof(a->name)) < 0)
		rc = bad_data(err, a->dn, "cn");
	else if (get_attr(ld, e, "mail", a->mail, sizeof(a->mail)) < 0)
		rc = bad_data(err, a->dn, "mail");
	else if (get_attr(ld, e, "ecfRole", a->role, sizeof(a->role)) < 0)
		rc = bad_data(err, a->dn, "ecfRole");
	else if (get_attr(ld, e, "ecfLinkedPacer", a->linked, sizeof(a->linked)) < 0)
		rc = bad_data(err, a->dn, "ecfLinkedPacer");
	else if (read_link(ld, e, a) < 0)
		rc = bad_data(err, a->dn, "ecfLinkTime or ecfLinkTransaction");
	if (rc == DIR_OK) {
		if (a->linked[0] != '\0')
			a->state = PST_LEGACY_LINKED;
		else if (dir_usable_password(ld, e))
			a->state = PST_LEGACY_UNLINKED;
		else
			a->state = PST_LEGACY_LOCKED;
	} else {
		dir_usable_password(ld, e); /* wipes the values */
	}
	ldap_msgfree(h.res);
	return rc;
}

/*
 * A CM/ECF account is read at ldap.write_uri: a consumer may still show a
 * link's retired password (DESIGN.md "Many servers", invariant 1).  When
 * the provider does not answer, a consumer's answer is taken with
 * a->replica_only set: good enough to refuse a login it shows linked, and
 * no more.
 */
static enum dir_rc
find_cmecf(struct dir_conns *dc, const struct ldop *op, const char *user, struct account *a)
{
	char why[sizeof(op->err->msg)];
	struct ldop first = *op;
	int64_t left = op->deadline - clock_now_ms();
	enum dir_rc rc;

	/* Half the time for the provider while a consumer could answer. */
	if (ldconn_any_up(op->cfg, LDCONN_READ) && left > 1)
		first.deadline = op->deadline - left / 2;
	rc = read_cmecf(&dc->write, &first, user, a);
	if (rc != DIR_UNAVAILABLE)
		return rc;
	snprintf(why, sizeof(why), "%s", op->err->msg);
	memset(a, 0, sizeof(*a));
	rc = read_cmecf(&dc->read, op, user, a);
	a->replica_only = true;
	if (rc != DIR_OK)
		snprintf(op->err->msg, sizeof(op->err->msg), "%s", why);
	return rc;
}

static char *linked_attrs[] = { "uid", "cn", "ecfRole", "ecfLinkTime", "ecfLinkTransaction",
				NULL };

/* Reads the linked CM/ECF entry e (DN already in a->linked_dn) into a. */
static enum dir_rc
read_linked(LDAP *ld, LDAPMessage *e, struct account *a, struct ldconn_err *err)
{
	if (get_attr(ld, e, "uid", a->linked, sizeof(a->linked)) < 0 || a->linked[0] == '\0')
		return bad_data(err, a->linked_dn, "uid");
	if (get_attr(ld, e, "cn", a->linked_name, sizeof(a->linked_name)) < 0)
		return bad_data(err, a->linked_dn, "cn");
	if (get_attr(ld, e, "ecfRole", a->role, sizeof(a->role)) < 0)
		return bad_data(err, a->linked_dn, "ecfRole");
	if (read_link(ld, e, a) < 0)
		return bad_data(err, a->linked_dn, "ecfLinkTime or ecfLinkTransaction");
	a->state = PST_PACER_LINKED;
	return DIR_OK;
}

/* Finds the CM/ECF entry linked to PACER login a->login, if any. */
static enum dir_rc
find_linked_cmecf(struct dir_conns *dc, const struct ldop *op, struct account *a)
{
	struct finder f = { op->cfg->cmecf_base, "ecfAccount", "ecfLinkedPacer", a->login,
			    linked_attrs };
	struct found h;
	enum dir_rc rc;

	rc = find_entry(&dc->read, op, &f, &h, a->linked_dn);
	if (rc == DIR_NOT_FOUND) {
		a->state = PST_PACER_UNLINKED;
		return DIR_OK;
	}
	if (rc != DIR_OK)
		return rc;
	rc = read_linked(dc->read.ld, h.e, a, op->err);
	ldap_msgfree(h.res);
	return rc;
}

/* Reads PACER entry e (DN already in a->dn) into a. */
static enum dir_rc
read_pacer(LDAP *ld, LDAPMessage *e, struct account *a, struct ldconn_err *err)
{
	char upgraded[8];

	a->realm = PR_REALM_PACER;
	if (get_attr(ld, e, "uid", a->login, sizeof(a->login)) < 0 || a->login[0] == '\0')
		return bad_data(err, a->dn, "uid");
	if (get_attr(ld, e, "cn", a->name, sizeof(a->name)) < 0)
		return bad_data(err, a->dn, "cn");
	if (get_attr(ld, e, "mail", a->mail, sizeof(a->mail)) < 0)
		return bad_data(err, a->dn, "mail");
	if (get_attr(ld, e, "pacerAccountNumber", a->account_no, sizeof(a->account_no)) < 0)
		return bad_data(err, a->dn, "pacerAccountNumber");
	if (get_attr(ld, e, "pacerUpgraded", upgraded, sizeof(upgraded)) < 0)
		return bad_data(err, a->dn, "pacerUpgraded");
	a->not_upgraded = strcmp(upgraded, "FALSE") == 0;	/* absent: upgraded */
	return DIR_OK;
}

/* Keeps *res (a search result of filter under base) if it holds exactly
 * one entry: DIR_OK; otherwise frees it, NULLs it and says why. */
static enum dir_rc
just_one(LDAP *ld, const struct ldsearch *q, LDAPMessage **res, struct ldconn_err *err)
{
	int n = ldap_count_entries(ld, *res);

	if (n == 1)
		return DIR_OK;
	if (n > 1)
		snprintf(err->msg, sizeof(err->msg), "%s matches %d entries under %s", q->filter, n,
			 q->base);
	ldap_msgfree(*res);
	*res = NULL;
	return n == 0 ? DIR_NOT_FOUND : DIR_ERROR;
}

/* The first entry of res, its DN into dn (DIR_DN_MAX bytes). */
static LDAPMessage *
first_entry(LDAP *ld, LDAPMessage *res, char dn[DIR_DN_MAX])
{
	LDAPMessage *e = ldap_first_entry(ld, res);
	char *d = ldap_get_dn(ld, e);

	snprintf(dn, DIR_DN_MAX, "%s", d ? d : "");
	ldap_memfree(d);
	return e;
}

/*
 * Finds PACER login user and the CM/ECF entry linked to it.  Both searches
 * go out together on one connection (ldconn_search2): the link is searched
 * under the login as typed, which finds what a search under the stored uid
 * would, since ecfLinkedPacer matches as uid does (caseIgnoreMatch).  An
 * entry whose uid differs beyond ASCII case (another of several uid
 * values) gets the link searched again under its stored uid.
 */
static enum dir_rc
find_pacer(struct dir_conns *dc, const struct ldop *op, const char *user, struct account *a)
{
	static char *attrs[] = { "uid", "cn", "mail", "pacerAccountNumber", "pacerUpgraded",
				 NULL };
	char pfilter[FILTER_MAX], lfilter[FILTER_MAX];
	struct ldsearch pq = { op->cfg->pacer_base, pfilter, attrs, 2 };
	struct ldsearch lq = { op->cfg->cmecf_base, lfilter, linked_attrs, 2 };
	LDAPMessage *pres = NULL, *lres = NULL;
	enum dir_rc rc, lrc;
	LDAP *ld;

	if (make_filter(pfilter, "pacerAccount", "uid", user) < 0 ||
	    make_filter(lfilter, "ecfAccount", "ecfLinkedPacer", user) < 0)
		return DIR_NOT_FOUND;
	rc = ldconn_search2(&dc->read, op, &pq, &lq, &pres, &lres);
	if (rc == DIR_NOT_FOUND)
		rc = DIR_ERROR;	/* a search base does not exist; err says which */
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	rc = just_one(ld, &pq, &pres, op->err);
	if (rc == DIR_OK)
		rc = read_pacer(ld, first_entry(ld, pres, a->dn), a, op->err);
	if (rc != DIR_OK)
		goto out;
	if (strcasecmp(a->login, user) != 0) {
		rc = find_linked_cmecf(dc, op, a);
		goto out;
	}
	lrc = just_one(ld, &lq, &lres, op->err);
	if (lrc == DIR_NOT_FOUND)
		a->state = PST_PACER_UNLINKED;
	else if (lrc != DIR_OK)
		rc = lrc;
	else
		rc = read_linked(ld, first_entry(ld, lres, a->linked_dn), a, op->err);
out:
	ldap_msgfree(pres);
	ldap_msgfree(lres);
	return rc;
}

enum dir_rc
dir_find(struct dir_conns *dc, const struct ldop *op, enum proto_realm realm, const char *user,
	 struct account *a)
{
	enum dir_rc rc = DIR_NOT_FOUND;

	memset(a, 0, sizeof(*a));
	op->err->msg[0] = '\0';
	if (!dir_valid_login(user))
		return DIR_NOT_FOUND;
	if (realm == PR_REALM_CMECF || realm == PR_REALM_ANY)
		rc = find_cmecf(dc, op, user, a);
	if (rc == DIR_NOT_FOUND && (realm == PR_REALM_PACER || realm == PR_REALM_ANY)) {
		memset(a, 0, sizeof(*a));
		rc = find_pacer(dc, op, user, a);
	}
	return rc;
}
