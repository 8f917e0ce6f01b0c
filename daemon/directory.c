/*
 * directory.c - CM/ECF and PACER account lookups (see directory.h).
 */
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
search_one(struct dir_conns *dc, const struct ldop *op, const char *base, const char *filter,
	   char **attrs, LDAPMessage **res)
{
	struct ldsearch q = { base, filter, attrs, 2 };
	struct ldconn_err *err = op->err;
	enum dir_rc rc;
	int n;

	rc = ldconn_search(&dc->read, op, &q, res);
	if (rc == DIR_NOT_FOUND) {
		snprintf(err->msg, sizeof(err->msg), "search base %s does not exist", base);
		return DIR_ERROR;
	}
	if (rc != DIR_OK)
		return rc;
	n = ldap_count_entries(dc->read.ld, *res);
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
static enum dir_rc
find_entry(struct dir_conns *dc, const struct ldop *op, const struct finder *f,
	   struct found *h, char dn[DIR_DN_MAX])
{
	char esc[3 * DIR_LOGIN_MAX + 1], filter[3 * DIR_LOGIN_MAX + 96];
	enum dir_rc rc;
	char *d;

	if (ldap_filter_escape(f->value, esc, sizeof(esc)) < 0)
		return DIR_NOT_FOUND;
	snprintf(filter, sizeof(filter), "(&(objectClass=%s)(%s=%s))", f->objclass, f->attr,
		 esc);
	rc = search_one(dc, op, f->base, filter, f->attrs, &h->res);
	if (rc != DIR_OK)
		return rc;
	h->e = ldap_first_entry(dc->read.ld, h->res);
	d = ldap_get_dn(dc->read.ld, h->e);
	snprintf(dn, DIR_DN_MAX, "%s", d ? d : "");
	ldap_memfree(d);
	return DIR_OK;
}

static enum dir_rc
find_cmecf(struct dir_conns *dc, const struct ldop *op, const char *user, struct account *a)
{
	static char *attrs[] = { "uid", "cn", "ecfRole", "ecfLinkedPacer", "ecfLinkTime",
				 "ecfLinkTransaction", "userPassword", NULL };
	struct finder f = { op->cfg->cmecf_base, "ecfAccount", "uid", user, attrs };
	struct ldconn_err *err = op->err;
	struct found h;
	LDAPMessage *e;
	LDAP *ld;
	enum dir_rc rc;

	rc = find_entry(dc, op, &f, &h, a->dn);
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	e = h.e;
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
	ldap_msgfree(h.res);
	return rc;
}

/* Finds the CM/ECF entry linked to PACER login a->login, if any. */
static enum dir_rc
find_linked_cmecf(struct dir_conns *dc, const struct ldop *op, struct account *a)
{
	static char *attrs[] = { "uid", "cn", "ecfRole", "ecfLinkTime", "ecfLinkTransaction",
				 NULL };
	struct finder f = { op->cfg->cmecf_base, "ecfAccount", "ecfLinkedPacer", a->login, attrs };
	struct ldconn_err *err = op->err;
	struct found h;
	LDAPMessage *e;
	LDAP *ld;
	enum dir_rc rc;

	rc = find_entry(dc, op, &f, &h, a->linked_dn);
	if (rc == DIR_NOT_FOUND) {
		a->state = PST_PACER_UNLINKED;
		return DIR_OK;
	}
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	e = h.e;
	if (get_attr(ld, e, "uid", a->linked, sizeof(a->linked)) < 0 || a->linked[0] == '\0')
		rc = bad_data(err, a->linked_dn, "uid");
	else if (get_attr(ld, e, "cn", a->linked_name, sizeof(a->linked_name)) < 0)
		rc = bad_data(err, a->linked_dn, "cn");
	else if (get_attr(ld, e, "ecfRole", a->role, sizeof(a->role)) < 0)
		rc = bad_data(err, a->linked_dn, "ecfRole");
	else if (read_link(ld, e, a) < 0)
		rc = bad_data(err, a->linked_dn, "ecfLinkTime or ecfLinkTransaction");
	else
		a->state = PST_PACER_LINKED;
	ldap_msgfree(h.res);
	return rc;
}

static enum dir_rc
find_pacer(struct dir_conns *dc, const struct ldop *op, const char *user, struct account *a)
{
	static char *attrs[] = { "uid", "cn", "mail", "pacerAccountNumber", NULL };
	struct finder f = { op->cfg->pacer_base, "pacerAccount", "uid", user, attrs };
	struct ldconn_err *err = op->err;
	struct found h;
	LDAPMessage *e;
	LDAP *ld;
	enum dir_rc rc;

	rc = find_entry(dc, op, &f, &h, a->dn);
	if (rc != DIR_OK)
		return rc;
	ld = dc->read.ld;
	e = h.e;
	a->realm = PR_REALM_PACER;
	if (get_attr(ld, e, "uid", a->login, sizeof(a->login)) < 0 || a->login[0] == '\0')
		rc = bad_data(err, a->dn, "uid");
	else if (get_attr(ld, e, "cn", a->name, sizeof(a->name)) < 0)
		rc = bad_data(err, a->dn, "cn");
	else if (get_attr(ld, e, "mail", a->mail, sizeof(a->mail)) < 0)
		rc = bad_data(err, a->dn, "mail");
	else if (get_attr(ld, e, "pacerAccountNumber", a->account_no, sizeof(a->account_no)) < 0)
		rc = bad_data(err, a->dn, "pacerAccountNumber");
	ldap_msgfree(h.res);
	if (rc != DIR_OK)
		return rc;
	return find_linked_cmecf(dc, op, a);
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
