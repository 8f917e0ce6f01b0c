/*
 * census.c - every CM/ECF and PACER entry, read in pages (see census.h).
 */
#include "census.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directory.h"

#define PAGE_SIZE 500		/* entries per paged-results round trip */

void
census_free(struct census *cs)
{
	size_t i;

	for (i = 0; i < cs->n_cm; i++) {
		free(cs->cm[i].login);
		free(cs->cm[i].name);
		free(cs->cm[i].mail);
		free(cs->cm[i].linked);
		free(cs->cm[i].name_key);
		free(cs->cm[i].mail_key);
	}
	for (i = 0; i < cs->n_pa; i++) {
		free(cs->pa[i].login);
		free(cs->pa[i].name);
	}
	free(cs->cm);
	free(cs->pa);
	memset(cs, 0, sizeof(*cs));
}

/* Grows *arr (of *cap elements of size sz) to hold one more than n. */
static int
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	p = reallocarray(*arr, ncap, sz);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A copy of attr's first value ("" when absent), or NULL when out of
 * memory.  A value with a NUL byte is cut there. */
static char *
dup_first(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s;

	if (v == NULL || v[0] == NULL)
		s = strdup("");
	else
		s = strndup(v[0]->bv_val, v[0]->bv_len);
	ldap_value_free_len(v);
	return s;
}

/* attr's first value as a GeneralizedTime; 0 when absent or malformed. */
static time_t
first_time(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char buf[64];
	time_t t = 0;

	if (v != NULL && v[0] != NULL && v[0]->bv_len < sizeof(buf)) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
		if (dir_parse_gentime(buf, &t) < 0)
			t = 0;
	}
	ldap_value_free_len(v);
	return t;
}

/*
 * A comparison key: ASCII letters lower-cased, runs of blanks made one
 * space, leading and trailing blanks dropped ("Dana  DUP " = "dana dup").
 * NULL when out of memory.
 */
static char *
fold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	bool blank = false;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t') {
			blank = o != out;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = false;
		*o++ = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	*o = '\0';
	return out;
}

static int
oom(struct ldconn_err *err, const char *what)
{
	snprintf(err->msg, sizeof(err->msg), "out of memory while reading %s", what);
	return -1;
}

/* ldconn_entry_fn for the CM/ECF base. */
static int
take_cmecf(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err)
{
	struct census *cs = ctx;
	struct cmecf_rec *r;
	bool usable = dir_usable_password(ld, e);	/* always: it wipes the values */

	if (grow((void **)&cs->cm, &cs->cap_cm, cs->n_cm, sizeof(*cs->cm)) < 0)
		return oom(err, "the CM/ECF base");
	r = &cs->cm[cs->n_cm];
	memset(r, 0, sizeof(*r));
	r->usable = usable;
	r->login = dup_first(ld, e, "uid");
	r->name = dup_first(ld, e, "cn");
	r->mail = dup_first(ld, e, "mail");
	r->linked = dup_first(ld, e, "ecfLinkedPacer");
	r->name_key = r->name ? fold(r->name) : NULL;
	r->mail_key = r->mail ? fold(r->mail) : NULL;
	r->link_time = first_time(ld, e, "ecfLinkTime");
	r->secret_expires = first_time(ld, e, "ecfLinkSecretExpires");
	cs->n_cm++;	/* counted first, so that census_free frees what was copied */
	if (r->login == NULL || r->name == NULL || r->mail == NULL || r->linked == NULL ||
	    r->name_key == NULL || r->mail_key == NULL)
		return oom(err, "the CM/ECF base");
	return 0;
}

/* ldconn_entry_fn for the PACER base. */
static int
take_pacer(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err)
{
	struct census *cs = ctx;
	struct pacer_rec *r;
	char *mail, *upgraded;

	if (grow((void **)&cs->pa, &cs->cap_pa, cs->n_pa, sizeof(*cs->pa)) < 0)
		return oom(err, "the PACER base");
	r = &cs->pa[cs->n_pa];
	memset(r, 0, sizeof(*r));
	r->login = dup_first(ld, e, "uid");
	r->name = dup_first(ld, e, "cn");
	mail = dup_first(ld, e, "mail");
	upgraded = dup_first(ld, e, "pacerUpgraded");
	cs->n_pa++;
	if (r->login == NULL || r->name == NULL || mail == NULL || upgraded == NULL) {
		free(mail);
		free(upgraded);
		return oom(err, "the PACER base");
	}
	r->has_mail = mail[strspn(mail, " \t")] != '\0';
	r->not_upgraded = strcmp(upgraded, "FALSE") == 0;
	free(mail);
	free(upgraded);
	return 0;
}

static int
cmp_cmecf_login(const void *a, const void *b)
{
	return strcmp(((const struct cmecf_rec *)a)->login, ((const struct cmecf_rec *)b)->login);
}

/* PACER logins compare without case, as uid's caseIgnoreMatch does. */
static int
cmp_pacer_login(const void *a, const void *b)
{
	return strcasecmp(((const struct pacer_rec *)a)->login,
			  ((const struct pacer_rec *)b)->login);
}

/* Marks every PACER account some CM/ECF entry links to, and every CM/ECF
 * link whose PACER login is missing. */
static void
match_links(struct census *cs)
{
	struct pacer_rec key, *p;
	size_t i;

	qsort(cs->cm, cs->n_cm, sizeof(*cs->cm), cmp_cmecf_login);
	qsort(cs->pa, cs->n_pa, sizeof(*cs->pa), cmp_pacer_login);
	for (i = 0; i < cs->n_cm; i++) {
		if (cs->cm[i].linked[0] == '\0')
			continue;
		key.login = cs->cm[i].linked;
		p = bsearch(&key, cs->pa, cs->n_pa, sizeof(*cs->pa), cmp_pacer_login);
		if (p != NULL)
			p->linked = true;
		else
			cs->cm[i].dangling = true;
	}
}

enum dir_rc
census_read(struct ldconn *c, const struct ldop *op, struct census *cs)
{
	static char *cm_attrs[] = { "uid", "cn", "mail", "ecfLinkedPacer", "ecfLinkTime",
				    "ecfLinkSecretExpires", "userPassword", NULL };
	static char *pa_attrs[] = { "uid", "cn", "mail", "pacerUpgraded", NULL };
	const struct config *cfg = op->cfg;
	struct ldsearch cm = { cfg->cmecf_base, "(objectClass=ecfAccount)", cm_attrs, PAGE_SIZE };
	struct ldsearch pa = { cfg->pacer_base, "(objectClass=pacerAccount)", pa_attrs,
			       PAGE_SIZE };
	struct ldconn_err *err = op->err;
	enum dir_rc rc;

	rc = ldconn_search_paged(c, op, &cm, take_cmecf, cs);
	if (rc == DIR_NOT_FOUND)
		snprintf(err->msg, sizeof(err->msg), "CM/ECF base %s does not exist",
			 cfg->cmecf_base);
	if (rc != DIR_OK)
		return rc == DIR_NOT_FOUND ? DIR_ERROR : rc;
	rc = ldconn_search_paged(c, op, &pa, take_pacer, cs);
	if (rc == DIR_NOT_FOUND)
		snprintf(err->msg, sizeof(err->msg), "PACER base %s does not exist",
			 cfg->pacer_base);
	if (rc != DIR_OK)
		return rc == DIR_NOT_FOUND ? DIR_ERROR : rc;
	match_links(cs);
	return DIR_OK;
}
