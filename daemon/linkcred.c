/*
 * linkcred.c - the CM/ECF credential of a link (see linkcred.h).
 */
#include "linkcred.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "resetcode.h"
#include "trust.h"

/* Reads the CM/ECF entry's reset code hash and expiry (service DN only). */
static enum dir_rc
read_secret(struct req_ctx *c, const char *dn, char *hash, size_t hlen, time_t *expires)
{
	struct ldconn *rd = &c->w->dc.write;	/* the hash is retired there first */
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

enum dir_rc
cmecf_credential(struct req_ctx *c, const struct account *cmecf, const char *password,
		 const char *code, const char **why)
{
	char hash[512];
	time_t expires;
	enum dir_rc rc;

	*why = NULL;
	if (code == NULL) {
		rc = ldconn_user_bind(&c->w->dc.wbind, &c->op, cmecf->dn, password);
		if (rc == DIR_BAD_CREDENTIALS)
			*why = cmecf->state == PST_LEGACY_LOCKED ? "cmecf_locked"
								  : "bad_cmecf_password";
		return rc;
	}
	rc = read_secret(c, cmecf->dn, hash, sizeof(hash), &expires);
	if (rc != DIR_OK)
		return rc;
	if (hash[0] == '\0' || !resetcode_verify(code, hash)) {
		*why = hash[0] ? "bad_reset_code" : "no_reset_code";
		rc = DIR_BAD_CREDENTIALS;
	} else if (expires <= time(NULL)) {
		*why = "expired_reset_code";
		rc = DIR_BAD_CREDENTIALS;
	}
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

enum dir_rc
cmecf_shared_lock(struct req_ctx *c, const struct account *cmecf, struct linkfail *fails)
{
	struct throttle_policy ep = trust_entry_throttle(c->cfg);
	int64_t until, now = linkfail_now_us();
	enum dir_rc rc;

	rc = linkfail_read(&c->w->dc.write, &c->op, cmecf->dn, fails);
	if (rc == DIR_NOT_FOUND) {
		/* Found a moment ago, gone at the provider now. */
		ldconn_seterr(c->op.err, "%s is not at ldap.write_uri", cmecf->dn);
		return DIR_ERROR;
	}
	if (rc != DIR_OK || !linkfail_locked(fails, &ep, now, &until))
		return rc;
	ldconn_seterr(c->op.err, "%zu failed link-credential checks at ldap.write_uri lock it "
		      "for another %lld s", fails->n, (long long)((until - now + 999999) / 1000000));
	return DIR_BAD_CREDENTIALS;
}

void
cmecf_shared_failure(struct req_ctx *c, const struct account *cmecf,
		     const struct linkfail *fails, char *detail, size_t len)
{
	struct throttle_policy ep = trust_entry_throttle(c->cfg);

	if (linkfail_add(&c->w->dc.write, &c->op, cmecf->dn, fails, &ep, linkfail_now_us()) !=
	    DIR_OK)
		snprintf(detail, len, "the failure is not recorded at ldap.write_uri: %s",
			 c->err.msg);
}
