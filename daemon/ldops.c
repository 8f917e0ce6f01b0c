/*
 * ldops.c - LDAP operations on a worker's connections: searches (one, two
 * at once, paged), user binds and Modify, each bounded by its deadline and
 * tried again on the next server when its own fails (see ldops.h).
 */
#include "ldops.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "ldhealth.h"

/*
 * Waits for the whole result of search msgid (sent on c) until tv runs out
 * and returns its LDAP result code (LDAP_SUCCESS with *res set), or
 * LDAP_TIMEOUT / the connection's error, with *res NULL.
 */
static int
await_search(struct ldconn *c, int msgid, struct timeval *tv, LDAPMessage **res)
{
	int rc, code = LDAP_OTHER;

	*res = NULL;
	rc = ldap_result(c->ld, msgid, LDAP_MSG_ALL, tv, res);
	if (rc == 0)
		return LDAP_TIMEOUT;
	if (rc < 0) {
		ldap_get_option(c->ld, LDAP_OPT_RESULT_CODE, &code);
		return code == LDAP_SUCCESS ? LDAP_SERVER_DOWN : code;
	}
	rc = ldap_parse_result(c->ld, *res, &code, NULL, NULL, NULL, NULL, 0);
	if (rc != LDAP_SUCCESS)
		code = rc;
	if (code != LDAP_SUCCESS) {
		ldap_msgfree(*res);
		*res = NULL;
	}
	return code;
}

/* Sends the n searches q, then waits for their answers into res.  The LDAP
 * code of the first failure, with *failed saying which search it was. */
static int
send_and_wait(struct ldconn *c, const struct ldsearch *const *q, size_t n, struct timeval *tv,
	      LDAPMessage **const *res, const struct ldsearch **failed)
{
	int id[2] = { -1, -1 }, rc = LDAP_SUCCESS;
	size_t i;

	for (i = 0; i < n && rc == LDAP_SUCCESS; i++) {
		*failed = q[i];
		rc = ldap_search_ext(c->ld, q[i]->base, LDAP_SCOPE_SUBTREE, q[i]->filter,
				     q[i]->attrs, 0, NULL, NULL, tv, q[i]->limit, &id[i]);
	}
	for (i = 0; i < n && rc == LDAP_SUCCESS; i++) {
		*failed = q[i];
		rc = await_search(c, id[i], tv, res[i]);
	}
	if (rc != LDAP_SUCCESS && !ldconn_is_down(rc)) {
		/* The connection stays: leave no answer queued on it. */
		for (i = 0; i < n; i++)
			if (id[i] >= 0)
				ldap_abandon_ext(c->ld, id[i], NULL, NULL);
	}
	return rc;
}

/*
 * One or two searches (n) sent together on c, then both answers awaited;
 * the whole tried again on another server while one fails as a server.
 */
static enum dir_rc
searches(struct ldconn *c, const struct ldop *op, const struct ldsearch *const *q, size_t n,
	 LDAPMessage **const *res)
{
	const struct ldsearch *failed = q[0];
	char what[1024];
	size_t i;
	int attempt;

	for (i = 0; i < n; i++)
		*res[i] = NULL;
	for (attempt = 0; attempt <= LDCONN_MAX_ATTEMPTS; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;
		enum dir_rc d;
		int rc;

		d = ldconn_connect(c, op);
		if (d != DIR_OK)
			return d;
		if (ldconn_attempt_budget(c, op, &tv) < 0) {
			ldconn_seterr(op->err, "request deadline passed before the LDAP search");
			return DIR_UNAVAILABLE;
		}
		rc = send_and_wait(c, q, n, &tv, res, &failed);
		if (rc == LDAP_SUCCESS)
			return DIR_OK;
		for (i = 0; i < n; i++) {
			ldap_msgfree(*res[i]);
			*res[i] = NULL;
		}
		/* A kept connection may have died while idle (slapd restart):
		 * one fresh attempt before calling the server down. */
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		if (rc == LDAP_SIZELIMIT_EXCEEDED) {
			ldconn_seterr(op->err, "search %s under %s matched more than %d entries",
				      failed->filter, failed->base, failed->limit);
			return DIR_ERROR;
		}
		if (rc == LDAP_NO_SUCH_OBJECT) {
			ldconn_seterr(op->err, "search base %s does not exist", failed->base);
			return DIR_NOT_FOUND;
		}
		if (ldconn_fail_over(c, op, rc, "search"))
			continue;
		snprintf(what, sizeof(what), "LDAP search %s under %s", failed->filter,
			 failed->base);
		return ldconn_failed(c, rc, what, op->err);
	}
	ldconn_seterr(op->err, "LDAP search: no server answered");
	return DIR_UNAVAILABLE;
}

enum dir_rc
ldconn_search(struct ldconn *c, const struct ldop *op, const struct ldsearch *q,
	      LDAPMessage **res)
{
	return searches(c, op, (const struct ldsearch *const[]){ q }, 1,
			(LDAPMessage **const[]){ res });
}

enum dir_rc
ldconn_search2(struct ldconn *c, const struct ldop *op, const struct ldsearch *q1,
	       const struct ldsearch *q2, LDAPMessage **res1, LDAPMessage **res2)
{
	return searches(c, op, (const struct ldsearch *const[]){ q1, q2 }, 2,
			(LDAPMessage **const[]){ res1, res2 });
}

/* Calls fn on each entry of one page and counts them into *n; -1 when fn
 * stopped the read. */
static int
page_entries(LDAP *ld, LDAPMessage *res, ldconn_entry_fn fn, void *ctx, size_t *n,
	     struct ldconn_err *err)
{
	LDAPMessage *e;

	for (e = ldap_first_entry(ld, res); e != NULL; e = ldap_next_entry(ld, e)) {
		if (fn(ld, e, ctx, err) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* Puts the paged-results cookie of a page's result into *cookie (for the
 * caller to ber_memfree; empty after the last page).  -1 with err set when
 * the result carries no paged-results response. */
static int
page_cookie(LDAP *ld, LDAPMessage *res, const char *base, struct berval *cookie,
	    struct ldconn_err *err)
{
	LDAPControl **rctrls = NULL, *pc;
	ber_int_t estimate = 0;
	int rc = 0, prc;

	prc = ldap_parse_result(ld, res, &rc, NULL, NULL, NULL, &rctrls, 0);
	if (prc != LDAP_SUCCESS) {
		ldconn_seterr(err, "paged search under %s: unreadable result: %s", base,
		       ldap_err2string(prc));
		return -1;
	}
	pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
	prc = pc == NULL ? LDAP_CONTROL_NOT_FOUND
			 : ldap_parse_pageresponse_control(ld, pc, &estimate, cookie);
	ldap_controls_free(rctrls);
	if (prc != LDAP_SUCCESS) {
		ldconn_seterr(err, "paged search under %s: the server sent no usable paged-results "
			    "response: %s", base, ldap_err2string(prc));
		return -1;
	}
	return 0;
}

enum dir_rc
ldconn_search_paged(struct ldconn *c, const struct ldop *op, const struct ldsearch *q,
		    ldconn_entry_fn fn, void *ctx)
{
	struct ldconn_err *err = op->err;
	struct berval cookie = { 0, NULL };
	LDAPControl *pctrl = NULL, *ctrls[2] = { NULL, NULL };
	LDAPMessage *res = NULL;
	unsigned long pages = 0;
	bool retried = false;
	size_t seen = 0;
	char what[512];
	enum dir_rc d;
	int rc;

	snprintf(what, sizeof(what), "LDAP paged search %s under %s", q->filter, q->base);
	for (;;) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;

		d = ldconn_connect(c, op);
		if (d != DIR_OK)
			goto out;
		if (ldconn_attempt_budget(c, op, &tv) < 0) {
			ldconn_seterr(err, "request deadline passed after %zu entries of the %s", seen,
			       what);
			d = DIR_UNAVAILABLE;
			goto out;
		}
		rc = ldap_create_page_control(c->ld, q->limit, pages ? &cookie : NULL, 1, &pctrl);
		if (rc != LDAP_SUCCESS) {
			ldconn_seterr(err, "%s: cannot encode the paged-results control: %s", what,
			       ldap_err2string(rc));
			d = DIR_ERROR;
			goto out;
		}
		ctrls[0] = pctrl;
		rc = ldap_search_ext_s(c->ld, q->base, LDAP_SCOPE_SUBTREE, q->filter, q->attrs, 0,
				       ctrls, NULL, &tv, LDAP_NO_LIMIT, &res);
		ldap_control_free(pctrl);
		pctrl = NULL;
		if (rc != LDAP_SUCCESS) {
			ldap_msgfree(res);
			res = NULL;
			/* A kept connection may have died while idle: one fresh
			 * attempt, but only before any entry was handed out. */
			if (rc == LDAP_SERVER_DOWN && !fresh && pages == 0 && !retried) {
				retried = true;
				ldconn_drop(c);
				continue;
			}
			/* Another server, but only before any entry was handed out. */
			if (ldconn_fail_over(c, op, rc, "paged search") && pages == 0 && !retried) {
				retried = true;
				continue;
			}
			if (rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_ADMINLIMIT_EXCEEDED) {
				ldconn_seterr(err, "%s stopped after %zu entries: %s; lift the "
					    "size limits of the service DN (olcLimits, "
					    "see schema/slapd-sample.ldif)", what, seen,
				       ldap_err2string(rc));
				d = DIR_ERROR;
			} else {
				d = ldconn_failed(c, rc, what, err);
			}
			goto out;
		}
		if (page_entries(c->ld, res, fn, ctx, &seen, err) < 0) {
			d = DIR_ERROR;
			goto out;
		}
		pages++;
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if (page_cookie(c->ld, res, q->base, &cookie, err) < 0) {
			d = DIR_ERROR;
			goto out;
		}
		ldap_msgfree(res);
		res = NULL;
		if (cookie.bv_len == 0)
			break;
	}
	d = DIR_OK;
out:
	ldap_msgfree(res);
	ber_memfree(cookie.bv_val);
	return d;
}

enum dir_rc
ldconn_user_bind(struct ldconn *c, const struct ldop *op, const char *dn, const char *password)
{
	struct ldconn_err *err = op->err;
	struct berval cred;
	int attempt;

	/* An empty password would be an unauthenticated bind, which succeeds. */
	if (password == NULL || *password == '\0') {
		ldconn_seterr(err, "empty password");
		return DIR_BAD_CREDENTIALS;
	}
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	for (attempt = 0; attempt <= LDCONN_MAX_ATTEMPTS; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;
		enum dir_rc d;
		int rc;

		d = ldconn_connect(c, op);
		if (d != DIR_OK)
			return d;
		if (ldconn_set_timeouts(c, op, &tv) < 0) {
			ldconn_seterr(err, "request deadline passed before the user bind");
			return DIR_UNAVAILABLE;
		}
		rc = ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		if (rc == LDAP_SUCCESS)
			return DIR_OK;
		if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
		    rc == LDAP_UNWILLING_TO_PERFORM) {
			ldconn_seterr(err, "bind as %s: %s", dn, ldap_err2string(rc));
			return DIR_BAD_CREDENTIALS;
		}
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		if (ldconn_fail_over(c, op, rc, "user bind"))
			continue;
		return ldconn_failed(c, rc, "LDAP user bind", err);
	}
	ldconn_seterr(err, "LDAP user bind: no server answered");
	return DIR_UNAVAILABLE;
}

/* Encodes the assertion control for w->assertion into *ctrl (c is open). */
static enum dir_rc
assertion_control(struct ldconn *c, const struct ldwrite *w, LDAPControl **ctrl,
		  struct ldconn_err *err)
{
	struct berval av = { 0, NULL };

	if (ldap_create_assertion_control_value(c->ld, (char *)w->assertion, &av) !=
		    LDAP_SUCCESS ||
	    ldap_control_create(LDAP_CONTROL_ASSERT, 1, &av, 1, ctrl) != LDAP_SUCCESS) {
		ber_memfree(av.bv_val);
		ldconn_seterr(err, "cannot encode the assertion %s", w->assertion);
		return DIR_ERROR;
	}
	ber_memfree(av.bv_val);
	return DIR_OK;
}

/* Sends w's Modify on c, reopening a kept connection found dead once
 * (nothing was sent then).  DIR_OK with *msgid. */
static enum dir_rc
send_modify(struct ldconn *c, const struct ldop *op, struct ldwrite *w, int *msgid)
{
	LDAPControl *actrl = NULL, *ctrls[8] = { NULL };
	enum dir_rc d = DIR_UNAVAILABLE;
	int attempt, rc, n = 0;

	for (attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;

		d = ldconn_connect(c, op);
		if (d != DIR_OK)
			return d;
		/* The encoder wants a handle, so the control is made once open. */
		if (w->assertion != NULL && actrl == NULL &&
		    (d = assertion_control(c, w, &actrl, op->err)) != DIR_OK)
			return d;
		for (n = 0; w->ctrls != NULL && w->ctrls[n] != NULL && n < 6; n++)
			ctrls[n] = w->ctrls[n];
		ctrls[n++] = actrl;
		ctrls[n] = NULL;
		rc = ldap_modify_ext(c->ld, w->dn, w->mods, ctrls[0] ? ctrls : NULL, NULL, msgid);
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		if (rc != LDAP_SUCCESS) {
			w->ldrc = rc;
			ldconn_fail_over(c, op, rc, "modify");
			d = ldconn_failed(c, rc, "LDAP modify", op->err);
		}
		break;
	}
	ldap_control_free(actrl);
	if (attempt == 2) {
		ldconn_seterr(op->err, "LDAP modify of %s: server down", w->dn);
		return DIR_UNAVAILABLE;
	}
	return d;
}

enum dir_rc
ldconn_modify(struct ldconn *c, const struct ldop *op, struct ldwrite *w)
{
	struct ldconn_err *err = op->err;
	LDAPMessage *res = NULL;
	struct timeval tv;
	char *diag = NULL;
	enum dir_rc d;
	int msgid, rc, prc;

	w->ldrc = -1;
	w->uncertain = false;
	w->resctrls = NULL;
	d = send_modify(c, op, w, &msgid);
	if (d != DIR_OK)
		return d;
	if (ldconn_budget(op, &tv) < 0) {
		tv.tv_sec = 0;
		tv.tv_usec = 1000;
	}
	rc = ldap_result(c->ld, msgid, LDAP_MSG_ALL, &tv, &res);
	if (rc <= 0) {
		/* Sent, but no answer: the server may have applied it. */
		w->uncertain = true;
		ldconn_seterr(err, "LDAP modify of %s on %s: %s", w->dn, c->uri,
		       rc == 0 ? "no answer in time" : "connection lost");
		if (rc == 0)
			ldap_abandon_ext(c->ld, msgid, NULL, NULL);
		ldhealth_mark_down(c->uri, rc == 0 ? "modify: no answer in time"
						   : "modify: connection lost", rc != 0);
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	prc = ldap_parse_result(c->ld, res, &rc, NULL, &diag, NULL,
				w->want_resctrls ? &w->resctrls : NULL, 1);
	if (prc != LDAP_SUCCESS) {
		w->uncertain = true;
		ldconn_seterr(err, "LDAP modify of %s on %s: unreadable result: %s", w->dn, c->uri,
		       ldap_err2string(prc));
		ldhealth_mark_down(c->uri, "modify: unreadable result", true);
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	w->ldrc = rc;
	if (rc == LDAP_SUCCESS) {
		ldap_memfree(diag);
		return DIR_OK;
	}
	if (w->resctrls != NULL) {
		ldap_controls_free(w->resctrls);
		w->resctrls = NULL;
	}
	d = ldconn_failed(c, rc, "LDAP modify", err);
	if (diag != NULL && *diag != '\0') {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", diag);
	}
	ldap_memfree(diag);
	return d;
}
