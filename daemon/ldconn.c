/*
 * ldconn.c - per-worker persistent LDAP connections (see ldconn.h).
 */
#include "ldconn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "tlsdiag.h"

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 10000

static void __attribute__((format(printf, 2, 3)))
seterr(struct ldconn_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
ldconn_init(struct ldconn *c, enum ldconn_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
}

void
ldconn_drop(struct ldconn *c)
{
	if (c->ld != NULL)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
	c->gen = 0;	/* generations start at 1: never "ready" */
}

int
ldconn_budget(const struct ldop *op, struct timeval *tv)
{
	int64_t left = op->deadline - clock_now_ms();

	if (left <= 0)
		return -1;
	if (left > op->cfg->timeout_ms)
		left = op->cfg->timeout_ms;
	tv->tv_sec = (time_t)(left / 1000);
	tv->tv_usec = (suseconds_t)(left % 1000) * 1000;
	return 0;
}

/* Sets the per-operation and connect timeouts on c from the budget left. */
static int
set_timeouts(struct ldconn *c, const struct ldop *op)
{
	const struct config *cfg = op->cfg;
	struct timeval tv, ntv;

	if (ldconn_budget(op, &tv) < 0)
		return -1;
	ntv.tv_sec = cfg->network_timeout_ms / 1000;
	ntv.tv_usec = (suseconds_t)(cfg->network_timeout_ms % 1000) * 1000;
	if (timercmp(&tv, &ntv, <))
		ntv = tv;
	ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &ntv);
	return 0;
}

/* The URI list this kind of connection uses: reads fail over, writes don't. */
static int
uri_list(const struct config *cfg, enum ldconn_kind kind, char *out, size_t len)
{
	size_t i, off = 0;

	if (kind == LDCONN_WRITE)
		return snprintf(out, len, "%s", cfg->write_uri) < (int)len ? 0 : -1;
	out[0] = '\0';
	for (i = 0; i < cfg->n_uris; i++) {
		int n = snprintf(out + off, len - off, "%s%s", i ? " " : "", cfg->uris[i]);

		if (n < 0 || (size_t)n >= len - off)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static bool
is_down(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED;
}

static void
note_failure(struct ldconn *c)
{
	ldconn_drop(c);
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	c->retry_at = clock_now_ms() + c->backoff_ms;
}

/*
 * After a connection failed: when a URI of c's kind uses TLS, the cause
 * of the TLS failure as " (TLS to URI: cause)", else "".  libldap says
 * only "Can't contact LDAP server" for a bad certificate; tlsdiag looks.
 */
static const char *
tls_cause(const struct config *cfg, const struct ldop *op, enum ldconn_kind kind, char *buf,
	  size_t len)
{
	int64_t left = op->deadline - clock_now_ms();
	char why[480];
	size_t i, n = kind == LDCONN_WRITE ? 1 : cfg->n_uris;

	buf[0] = '\0';
	for (i = 0; i < n && left > 0; i++) {
		const char *uri = kind == LDCONN_WRITE ? cfg->write_uri : cfg->uris[i];

		if (tlsdiag_explain(uri, cfg->starttls, cfg->ca_file,
				    left > 1000 ? 1000 : (int)left, why, sizeof(why)) == 0) {
			snprintf(buf, len, " (TLS to %s: %s)", uri, why);
			break;
		}
		left = op->deadline - clock_now_ms();
	}
	return buf;
}

/* Opens c if needed: initialize, options, StartTLS, and for service
 * connections a bind as ldap.bind_dn.  0 when usable. */
static enum dir_rc
ensure(struct ldconn *c, const struct ldop *op)
{
	const struct config *cfg = op->cfg;
	struct ldconn_err *err = op->err;
	char uris[4096], diag[1024];
	int rc, v3 = LDAP_VERSION3;
	struct berval cred;

	if (c->ld != NULL && c->gen == cfg->generation)
		return DIR_OK;
	ldconn_drop(c);
	if (clock_now_ms() < c->retry_at) {
		seterr(err, "LDAP server unreachable; next attempt in %lld ms",
		       (long long)(c->retry_at - clock_now_ms()));
		return DIR_UNAVAILABLE;
	}
	if (uri_list(cfg, c->kind, uris, sizeof(uris)) < 0) {
		seterr(err, "LDAP URI list too long");
		return DIR_ERROR;
	}
	rc = ldap_initialize(&c->ld, uris);
	if (rc != LDAP_SUCCESS) {
		seterr(err, "ldap_initialize(%s): %s", uris, ldap_err2string(rc));
		c->ld = NULL;
		return DIR_ERROR;
	}
	ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(c->ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
	{
		/* Certificates are always verified, whatever ldap.conf says
		 * (TLS_REQCERT never there must not reach the daemon). */
		int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

		ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		if (cfg->ca_file != NULL)
			ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ca_file);
		ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	/* A handle counts as ready (gen set) only once it is bound: a half-made
	 * one must never serve a later request anonymously. */
	if (set_timeouts(c, op) < 0) {
		seterr(err, "request deadline passed before connecting to LDAP");
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	if (cfg->starttls) {
		rc = ldap_start_tls_s(c->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			seterr(err, "StartTLS with %s: %s%s", uris, ldap_err2string(rc),
			       tls_cause(cfg, op, c->kind, diag, sizeof(diag)));
			note_failure(c);
			return is_down(rc) ? DIR_UNAVAILABLE : DIR_ERROR;
		}
	}
	if (c->kind == LDCONN_BIND) {
		c->gen = cfg->generation;
		return DIR_OK;
	}
	cred.bv_val = cfg->bind_password;
	cred.bv_len = strlen(cfg->bind_password);
	rc = ldap_sasl_bind_s(c->ld, cfg->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		seterr(err, "bind as %s to %s: %s%s", cfg->bind_dn, uris, ldap_err2string(rc),
		       is_down(rc) ? tls_cause(cfg, op, c->kind, diag, sizeof(diag)) : "");
		note_failure(c);
		return is_down(rc) ? DIR_UNAVAILABLE : DIR_ERROR;
	}
	c->gen = cfg->generation;
	c->backoff_ms = 0;
	c->retry_at = 0;
	return DIR_OK;
}

/* Maps a failed operation's code, dropping the connection when its state
 * is unknown (timeout) or gone (server down). */
static enum dir_rc
classify(struct ldconn *c, int rc, const char *what, struct ldconn_err *err)
{
	seterr(err, "%s: %s", what, ldap_err2string(rc));
	if (is_down(rc)) {
		if (rc == LDAP_TIMEOUT)
			ldconn_drop(c);
		else
			note_failure(c);
		return DIR_UNAVAILABLE;
	}
	if (rc == LDAP_NO_SUCH_OBJECT)
		return DIR_NOT_FOUND;
	if (rc == LDAP_ASSERTION_FAILED || rc == LDAP_CONSTRAINT_VIOLATION)
		return DIR_CONFLICT;
	return DIR_ERROR;
}

enum dir_rc
ldconn_search(struct ldconn *c, const struct ldop *op, const struct ldsearch *q,
	      LDAPMessage **res)
{
	int attempt;

	*res = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;
		enum dir_rc d;
		int rc;

		d = ensure(c, op);
		if (d != DIR_OK)
			return d;
		if (ldconn_budget(op, &tv) < 0) {
			seterr(op->err, "request deadline passed before the LDAP search");
			return DIR_UNAVAILABLE;
		}
		rc = ldap_search_ext_s(c->ld, q->base, LDAP_SCOPE_SUBTREE, q->filter, q->attrs, 0,
				       NULL, NULL, &tv, q->limit, res);
		if (rc == LDAP_SUCCESS)
			return DIR_OK;
		if (*res != NULL) {
			ldap_msgfree(*res);
			*res = NULL;
		}
		if (rc == LDAP_SIZELIMIT_EXCEEDED) {
			seterr(op->err, "search %s under %s matched more than %d entries",
			       q->filter, q->base, q->limit);
			return DIR_ERROR;
		}
		/* A kept connection may have died while idle (slapd restart):
		 * one fresh attempt before calling the server down. */
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		return classify(c, rc, "LDAP search", op->err);
	}
	return DIR_UNAVAILABLE;
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
		seterr(err, "paged search under %s: unreadable result: %s", base,
		       ldap_err2string(prc));
		return -1;
	}
	pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
	prc = pc == NULL ? LDAP_CONTROL_NOT_FOUND
			 : ldap_parse_pageresponse_control(ld, pc, &estimate, cookie);
	ldap_controls_free(rctrls);
	if (prc != LDAP_SUCCESS) {
		seterr(err, "paged search under %s: the server sent no usable paged-results "
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

		d = ensure(c, op);
		if (d != DIR_OK)
			goto out;
		if (ldconn_budget(op, &tv) < 0) {
			seterr(err, "request deadline passed after %zu entries of the %s", seen,
			       what);
			d = DIR_UNAVAILABLE;
			goto out;
		}
		rc = ldap_create_page_control(c->ld, q->limit, pages ? &cookie : NULL, 1, &pctrl);
		if (rc != LDAP_SUCCESS) {
			seterr(err, "%s: cannot encode the paged-results control: %s", what,
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
			if (rc == LDAP_SIZELIMIT_EXCEEDED || rc == LDAP_ADMINLIMIT_EXCEEDED) {
				seterr(err, "%s stopped after %zu entries: %s; lift the "
					    "size limits of the service DN (olcLimits, "
					    "see schema/slapd-sample.ldif)", what, seen,
				       ldap_err2string(rc));
				d = DIR_ERROR;
			} else {
				d = classify(c, rc, what, err);
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
		seterr(err, "empty password");
		return DIR_BAD_CREDENTIALS;
	}
	cred.bv_val = (char *)password;
	cred.bv_len = strlen(password);
	for (attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		enum dir_rc d;
		int rc;

		d = ensure(c, op);
		if (d != DIR_OK)
			return d;
		if (set_timeouts(c, op) < 0) {
			seterr(err, "request deadline passed before the user bind");
			return DIR_UNAVAILABLE;
		}
		rc = ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		if (rc == LDAP_SUCCESS) {
			c->backoff_ms = 0;
			return DIR_OK;
		}
		if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
		    rc == LDAP_UNWILLING_TO_PERFORM) {
			seterr(err, "bind as %s: %s", dn, ldap_err2string(rc));
			return DIR_BAD_CREDENTIALS;
		}
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		return classify(c, rc, "LDAP user bind", err);
	}
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
		seterr(err, "cannot encode the assertion %s", w->assertion);
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

		d = ensure(c, op);
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
			d = classify(c, rc, "LDAP modify", op->err);
		}
		break;
	}
	ldap_control_free(actrl);
	if (attempt == 2) {
		seterr(op->err, "LDAP modify of %s: server down", w->dn);
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
		seterr(err, "LDAP modify of %s: %s", w->dn,
		       rc == 0 ? "no answer in time" : "connection lost");
		if (rc == 0)
			ldap_abandon_ext(c->ld, msgid, NULL, NULL);
		note_failure(c);
		return DIR_UNAVAILABLE;
	}
	prc = ldap_parse_result(c->ld, res, &rc, NULL, &diag, NULL,
				w->want_resctrls ? &w->resctrls : NULL, 1);
	if (prc != LDAP_SUCCESS) {
		w->uncertain = true;
		seterr(err, "LDAP modify of %s: unreadable result: %s", w->dn,
		       ldap_err2string(prc));
		note_failure(c);
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
	d = classify(c, rc, "LDAP modify", err);
	if (diag != NULL && *diag != '\0') {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", diag);
	}
	ldap_memfree(diag);
	return d;
}

int
ldap_filter_escape(const char *value, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *value != '\0'; value++) {
		unsigned char ch = (unsigned char)*value;

		if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
			if (outlen - o < 4)
				return -1;
			snprintf(out + o, 4, "\\%02x", ch);
			o += 3;
		} else {
			if (outlen - o < 2)
				return -1;
			out[o++] = (char)ch;
		}
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}
