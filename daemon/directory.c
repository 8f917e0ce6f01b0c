/*
 * directory.c - CM/ECF and PACER account lookups (see directory.h).
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
dir_conns_init(struct dir_conns *dc)
{
	ldconn_init(&dc->read, LDCONN_READ);
	ldconn_init(&dc->bind, LDCONN_BIND);
	ldconn_init(&dc->write, LDCONN_WRITE);
}

void
dir_conns_close(struct dir_conns *dc)
{
	ldconn_drop(&dc->read);
	ldconn_drop(&dc->bind);
	ldconn_drop(&dc->write);
}

/* Length of the space at s (an ASCII space or a UTF-8 no-break space), or 0. */
static size_t
space_at(const char *s)
{
	if (s[0] == ' ')
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	return 0;
}

bool
dir_valid_login(const char *user)
{
	size_t n = 0, sp;
	bool after_space = true;	/* no leading space */

	/* LDAP matches uid ignoring leading, trailing and repeated spaces
	 * (RFC 4518), so " jdoe" would find jdoe: such spellings are refused
	 * rather than treated as other names by the cache and the throttle. */
	while (user[n] != '\0') {
		if ((unsigned char)user[n] < 0x20 || user[n] == 0x7f || n >= DIR_LOGIN_MAX)
			return false;
		sp = space_at(user + n);
		if (sp > 0 && after_space)
			return false;
		after_space = sp > 0;
		n += sp > 0 ? sp : 1;
	}
	return n > 0 && !after_space;
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

/* Keeps *res (a search result of filter under base) if it holds exactly
 * one entry: DIR_OK; otherwise frees it, NULLs it and says why. */
static enum dir_rc
just_one(LDAP *ld, const char *base, const char *filter, LDAPMessage **res,
	 struct ldap_pool_err *err)
{
	int n = ldap_count_entries(ld, *res);

	if (n == 1)
		return DIR_OK;
	if (n > 1)
		snprintf(err->msg, sizeof(err->msg), "%s matches %d entries under %s", filter, n,
			 base);
	ldap_msgfree(*res);
	*res = NULL;
	return n == 0 ? DIR_NOT_FOUND : DIR_ERROR;
}

/* Runs filter under base; DIR_OK with exactly one entry in *res. */
static enum dir_rc
search_one(struct dir_conns *dc, const struct config *cfg, unsigned int gen, const char *base,
	   const char *filter, char **attrs, int64_t deadline, LDAPMessage **res,
	   struct ldap_pool_err *err)
{
	enum dir_rc rc;

	rc = ldconn_search(&dc->read, cfg, gen, base, filter, attrs, 2, deadline, res, err);
	if (rc == DIR_NOT_FOUND) {
		snprintf(err->msg, sizeof(err->msg), "search base %s does not exist", base);
		return DIR_ERROR;
	}
	if (rc != DIR_OK)
		return rc;
	return just_one(dc->read.ld, base, filter, res, err);
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
bad_data(struct ldap_pool_err *err, const char *dn, const char *what)
{
	snprintf(err->msg, sizeof(err->msg), "LDAP data: %s has a malformed %s", dn, what);
	return DIR_ERROR;
}

/*
 * Finds the one entry under base matching "(&(objectClass=CLASS)(ATTR=value))"
 * with value escaped.  DIR_OK with *res (the caller frees it), *e and the
 * entry's DN in dn; DIR_NOT_FOUND when none matches.
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

/* The first entry of res and its DN in dn. */
static LDAPMessage *
first_entry(LDAP *ld, LDAPMessage *res, char *dn, size_t dnlen)
{
	LDAPMessage *e = ldap_first_entry(ld, res);
	char *d = ldap_get_dn(ld, e);

	snprintf(dn, dnlen, "%s", d ? d : "");
	ldap_memfree(d);
	return e;
}

static enum dir_rc
find_entry(struct dir_conns *dc, const struct config *cfg, unsigned int gen, const char *base,
	   const char *objclass, const char *attr, const char *value, char **attrs,
	   int64_t deadline, LDAPMessage **res, LDAPMessage **e, char *dn, size_t dnlen,
	   struct ldap_pool_err *err)
{
	char filter[FILTER_MAX];
	enum dir_rc rc;

	if (make_filter(filter, objclass, attr, value) < 0)
		return DIR_NOT_FOUND;
	rc = search_one(dc, cfg, gen, base, filter, attrs, deadline, res, err);
	if (rc != DIR_OK)
		return rc;
	*e = first_entry(dc->read.ld, *res, dn, dnlen);
	return DIR_OK;
}

static enum dir_rc
find_cmecf(struct dir_conns *dc, const struct config *cfg, unsigned int gen, const char *user,
	   int64_t deadline, struct account *a, struct ldap_pool_err *err)
{
	static char *attrs[] = { "uid", "cn", "ecfRole", "ecfLinkedPacer", "ecfLinkTime",
				 "ecfLinkTransaction", "userPassword", NULL };
	LDAPMessage *res, *e;
	LDAP *ld;
	enum dir_rc rc;

	rc = find_entry(dc, cfg, gen, cfg->cmecf_base, "ecfAccount", "uid", user, attrs, deadline,
			&res, &e, a->dn, sizeof(a->dn), err);
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	a->realm = PR_REALM_CMECF;
	if (get_attr(ld, e, "uid", a->login, sizeof(a->login)) < 0 || a->login[0] == '\0')
		rc = bad_data(err, a->dn, "uid");
	else if (get_attr(ld, e, "cn", a->name, sizeof(a->name)) < 0)
		rc = bad_data(err, a->dn, "cn");
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
	ldap_msgfree(res);
	return rc;
}

static char *linked_attrs[] = { "uid", "cn", "ecfRole", "ecfLinkTime", "ecfLinkTransaction",
				NULL };

/* Reads the linked CM/ECF entry e (DN already in a->linked_dn) into a. */
static enum dir_rc
read_linked(LDAP *ld, LDAPMessage *e, struct account *a, struct ldap_pool_err *err)
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
find_linked_cmecf(struct dir_conns *dc, const struct config *cfg, unsigned int gen,
		  int64_t deadline, struct account *a, struct ldap_pool_err *err)
{
	LDAPMessage *res, *e;
	enum dir_rc rc;

	rc = find_entry(dc, cfg, gen, cfg->cmecf_base, "ecfAccount", "ecfLinkedPacer", a->login,
			linked_attrs, deadline, &res, &e, a->linked_dn, sizeof(a->linked_dn), err);
	if (rc == DIR_NOT_FOUND) {
		a->state = PST_PACER_UNLINKED;
		return DIR_OK;
	}
	if (rc != DIR_OK)
		return rc;
	rc = read_linked(dc->read.ld, e, a, err);
	ldap_msgfree(res);
	return rc;
}

/* Reads PACER entry e (DN already in a->dn) into a. */
static enum dir_rc
read_pacer(LDAP *ld, LDAPMessage *e, struct account *a, struct ldap_pool_err *err)
{
	a->realm = PR_REALM_PACER;
	if (get_attr(ld, e, "uid", a->login, sizeof(a->login)) < 0 || a->login[0] == '\0')
		return bad_data(err, a->dn, "uid");
	if (get_attr(ld, e, "cn", a->name, sizeof(a->name)) < 0)
		return bad_data(err, a->dn, "cn");
	if (get_attr(ld, e, "mail", a->mail, sizeof(a->mail)) < 0)
		return bad_data(err, a->dn, "mail");
	if (get_attr(ld, e, "pacerAccountNumber", a->account_no, sizeof(a->account_no)) < 0)
		return bad_data(err, a->dn, "pacerAccountNumber");
	return DIR_OK;
}

/*
 * Finds PACER login user and the CM/ECF entry linked to it.  Both searches
 * go out together on one connection: the link is searched under the login
 * as typed, which finds what a search under the stored uid would, since
 * ecfLinkedPacer matches as uid does (caseIgnoreMatch).  An entry whose
 * uid differs beyond ASCII case (another of several uid values) gets the
 * link searched again under its stored uid.
 */
static enum dir_rc
find_pacer(struct dir_conns *dc, const struct config *cfg, unsigned int gen, const char *user,
	   int64_t deadline, struct account *a, struct ldap_pool_err *err)
{
	static char *attrs[] = { "uid", "cn", "mail", "pacerAccountNumber", NULL };
	char pfilter[FILTER_MAX], lfilter[FILTER_MAX];
	LDAPMessage *pres = NULL, *lres = NULL, *e;
	enum dir_rc rc, lrc;
	LDAP *ld;

	if (make_filter(pfilter, "pacerAccount", "uid", user) < 0 ||
	    make_filter(lfilter, "ecfAccount", "ecfLinkedPacer", user) < 0)
		return DIR_NOT_FOUND;
	rc = ldconn_search2(&dc->read, cfg, gen, cfg->pacer_base, pfilter, attrs, cfg->cmecf_base,
			    lfilter, linked_attrs, 2, deadline, &pres, &lres, err);
	if (rc == DIR_NOT_FOUND)
		rc = DIR_ERROR;	/* a search base does not exist; err says which */
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	rc = just_one(ld, cfg->pacer_base, pfilter, &pres, err);
	if (rc != DIR_OK)
		goto out;
	e = first_entry(ld, pres, a->dn, sizeof(a->dn));
	rc = read_pacer(ld, e, a, err);
	if (rc != DIR_OK)
		goto out;
	if (strcasecmp(a->login, user) != 0) {
		rc = find_linked_cmecf(dc, cfg, gen, deadline, a, err);
		goto out;
	}
	lrc = just_one(ld, cfg->cmecf_base, lfilter, &lres, err);
	if (lrc == DIR_NOT_FOUND) {
		a->state = PST_PACER_UNLINKED;
	} else if (lrc != DIR_OK) {
		rc = lrc;
	} else {
		e = first_entry(ld, lres, a->linked_dn, sizeof(a->linked_dn));
		rc = read_linked(ld, e, a, err);
	}
out:
	ldap_msgfree(pres);
	ldap_msgfree(lres);
	return rc;
}

enum dir_rc
dir_find(struct dir_conns *dc, const struct config *cfg, unsigned int gen,
	 enum proto_realm realm, const char *user, int64_t deadline, struct account *a,
	 struct ldap_pool_err *err)
{
	enum dir_rc rc = DIR_NOT_FOUND;

	memset(a, 0, sizeof(*a));
	err->msg[0] = '\0';
	if (!dir_valid_login(user))
		return DIR_NOT_FOUND;
	if (realm == PR_REALM_CMECF || realm == PR_REALM_ANY)
		rc = find_cmecf(dc, cfg, gen, user, deadline, a, err);
	if (rc == DIR_NOT_FOUND && (realm == PR_REALM_PACER || realm == PR_REALM_ANY)) {
		memset(a, 0, sizeof(*a));
		rc = find_pacer(dc, cfg, gen, user, deadline, a, err);
	}
	return rc;
}
