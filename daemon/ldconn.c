/*
 * ldconn.c - per-worker persistent LDAP connections (see ldconn.h).
 */
#include "ldconn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"
#include "ldhealth.h"
#include "log.h"

/* An operation's time is split so that a retry on another URI still fits. */
#define RETRY_SHARE 2
/* Tries of one operation beyond the first: a stale kept connection, then
 * the other servers. */
#define MAX_ATTEMPTS (CONFIG_MAX_URIS + 1)

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
	c->idx = -1;
}

void
ldconn_drop(struct ldconn *c)
{
	if (c->ld != NULL)
		ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
	c->gen = 0;	/* generations start at 1: never "ready" */
	c->idx = -1;
}

/* The URIs connections of kind k use: reads fail over, writes don't. */
static size_t
uri_set(const struct config *cfg, enum ldconn_kind k, char *const **uris)
{
	if (k == LDCONN_WRITE || k == LDCONN_WBIND) {
		*uris = &cfg->write_uri;
		return 1;
	}
	*uris = cfg->uris;
	return cfg->n_uris;
}

bool
ldconn_any_up(const struct config *cfg, enum ldconn_kind k)
{
	char *const *uris;
	size_t n = uri_set(cfg, k, &uris);

	return ldhealth_any_up(uris, n);
}

static void
to_timeval(int64_t ms, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

int
ldconn_budget(const struct ldop *op, struct timeval *tv)
{
	int64_t left = op->deadline - clock_now_ms();

	if (left <= 0)
		return -1;
	if (left > op->cfg->timeout_ms)
		left = op->cfg->timeout_ms;
	to_timeval(left, tv);
	return 0;
}

/*
 * The time one attempt on c may take: ldconn_budget, but no more than
 * half of what is left while another URI is up to take a retry.
 */
static int
attempt_budget(const struct ldconn *c, const struct ldop *op, struct timeval *tv)
{
	int64_t left = op->deadline - clock_now_ms(), t;
	char *const *uris;
	size_t n = uri_set(op->cfg, c->kind, &uris), i;
	bool spare = false;

	if (left <= 0)
		return -1;
	for (i = 0; i < n && !spare; i++)
		spare = (int)i != c->idx && !ldhealth_is_down(uris[i]);
	t = left < op->cfg->timeout_ms ? left : op->cfg->timeout_ms;
	if (spare && t > left / RETRY_SHARE)
		t = left / RETRY_SHARE > 0 ? left / RETRY_SHARE : 1;
	to_timeval(t, tv);
	return 0;
}

/* Sets the operation and connect timeouts on c from one attempt's budget. */
static int
set_timeouts(struct ldconn *c, const struct ldop *op, struct timeval *tv)
{
	const struct config *cfg = op->cfg;
	struct timeval ntv;

	if (attempt_budget(c, op, tv) < 0)
		return -1;
	to_timeval(cfg->network_timeout_ms, &ntv);
	if (timercmp(tv, &ntv, <))
		ntv = *tv;
	ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, tv);
	ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &ntv);
	return 0;
}

static bool
is_down(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
	       rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY || rc == LDAP_TIMELIMIT_EXCEEDED;
}

/* A new handle for uri with the options every connection gets. */
static int
new_handle(const struct config *cfg, const char *uri, LDAP **ld)
{
	int rc, v3 = LDAP_VERSION3;

	rc = ldap_initialize(ld, uri);
	if (rc != LDAP_SUCCESS) {
		*ld = NULL;
		return rc;
	}
	ldap_set_option(*ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(*ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(*ld, LDAP_OPT_RESTART, LDAP_OPT_ON);
	if (cfg->ca_file != NULL) {
		int zero = 0;

		ldap_set_option(*ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ca_file);
		ldap_set_option(*ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	return LDAP_SUCCESS;
}

/* StartTLS if configured, then the service bind for service connections. */
static int
open_session(struct ldconn *c, const struct config *cfg, const char **step)
{
	struct berval cred;
	int rc;

	if (cfg->starttls) {
		*step = "StartTLS";
		rc = ldap_start_tls_s(c->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS)
			return rc;
	}
	if (c->kind == LDCONN_BIND || c->kind == LDCONN_WBIND)
		return LDAP_SUCCESS;
	*step = "bind as the service DN";
	cred.bv_val = cfg->bind_password;
	cred.bv_len = strlen(cfg->bind_password);
	return ldap_sasl_bind_s(c->ld, cfg->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Connects c to uris[idx]; on failure marks that URI down when it is the
 * server's fault. */
static enum dir_rc
connect_to(struct ldconn *c, const struct ldop *op, char *const *uris, int idx)
{
	const char *step = "connect";
	struct timeval tv;
	char cause[600];
	int rc;

	c->idx = idx;
	snprintf(c->uri, sizeof(c->uri), "%s", uris[idx]);
	rc = new_handle(op->cfg, uris[idx], &c->ld);
	if (rc != LDAP_SUCCESS) {
		seterr(op->err, "ldap_initialize(%s): %s", uris[idx], ldap_err2string(rc));
		ldconn_drop(c);
		return DIR_ERROR;
	}
	/* A handle counts as ready (gen set) only once it is bound: a half-made
	 * one must never serve a later request anonymously. */
	if (set_timeouts(c, op, &tv) < 0) {
		seterr(op->err, "request deadline passed before connecting to LDAP");
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	rc = open_session(c, op->cfg, &step);
	if (rc == LDAP_SUCCESS) {
		c->gen = op->cfg->generation;
		ldhealth_mark_up(c->uri);
		return DIR_OK;
	}
	if (c->kind == LDCONN_WRITE || c->kind == LDCONN_READ)
		seterr(op->err, "%s to %s (as %s): %s", step, c->uri, op->cfg->bind_dn,
		       ldap_err2string(rc));
	else
		seterr(op->err, "%s to %s: %s", step, c->uri, ldap_err2string(rc));
	if (is_down(rc)) {
		snprintf(cause, sizeof(cause), "%s: %s", step, ldap_err2string(rc));
		ldhealth_mark_down(c->uri, cause);
	}
	ldconn_drop(c);
	return is_down(rc) ? DIR_UNAVAILABLE : DIR_ERROR;
}

/*
 * Makes c usable: kept when it talks to the URI that should be used now
 * (the first one up) for the configuration in force; otherwise connected
 * there, moving on through the list while URIs fail and time is left.
 */
static enum dir_rc
ensure(struct ldconn *c, const struct ldop *op)
{
	char *const *uris;
	size_t n = uri_set(op->cfg, c->kind, &uris), tries;
	int64_t wait;
	int idx = ldhealth_pick(uris, n, -1, &wait);
	enum dir_rc d = DIR_UNAVAILABLE;

	if (c->ld != NULL && c->gen == op->cfg->generation && c->idx == idx)
		return DIR_OK;
	ldconn_drop(c);
	for (tries = 0; idx >= 0 && tries < n; tries++) {
		d = connect_to(c, op, uris, idx);
		if (d != DIR_UNAVAILABLE || clock_now_ms() >= op->deadline)
			return d;
		idx = ldhealth_pick(uris, n, idx, &wait);
	}
	if (idx < 0 && tries == 0)
		seterr(op->err, "LDAP server%s %s%s unreachable; next attempt in %lld ms",
		       n > 1 ? "s" : "", uris[0], n > 1 ? " and the others" : "",
		       (long long)wait);
	return d;
}

enum dir_rc
ldconn_connect(struct ldconn *c, const struct ldop *op)
{
	return ensure(c, op);
}

bool
ldconn_would_move(const struct ldconn *c, const struct config *cfg)
{
	char *const *uris;
	size_t n = uri_set(cfg, c->kind, &uris);
	int64_t wait;

	return ldhealth_pick(uris, n, -1, &wait) != c->idx;
}

/*
 * After a failed operation on c: true when it is worth trying again on
 * another URI (the server is down, another URI is up, time is left).
 * Marks the URI down, with cause, and drops the connection.
 */
static bool
fail_over(struct ldconn *c, const struct ldop *op, int rc, const char *what)
{
	char cause[300];
	char *const *uris;
	size_t n = uri_set(op->cfg, c->kind, &uris);

	if (!is_down(rc))
		return false;
	snprintf(cause, sizeof(cause), "%s: %s", what, ldap_err2string(rc));
	ldhealth_mark_down(c->uri, cause);
	ldconn_drop(c);
	return n > 1 && ldhealth_any_up(uris, n) && clock_now_ms() < op->deadline;
}

/* Maps a failed operation's code, dropping the connection when its state
 * is unknown (timeout) or gone (server down). */
static enum dir_rc
classify(struct ldconn *c, int rc, const char *what, struct ldconn_err *err)
{
	seterr(err, "%s on %s: %s", what, c->uri[0] ? c->uri : "LDAP", ldap_err2string(rc));
	if (is_down(rc)) {
		ldconn_drop(c);
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
	for (attempt = 0; attempt <= MAX_ATTEMPTS; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;
		enum dir_rc d;
		int rc;

		d = ensure(c, op);
		if (d != DIR_OK)
			return d;
		if (attempt_budget(c, op, &tv) < 0) {
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
		if (fail_over(c, op, rc, "search"))
			continue;
		return classify(c, rc, "LDAP search", op->err);
	}
	seterr(op->err, "LDAP search: no server answered");
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
		if (attempt_budget(c, op, &tv) < 0) {
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
			/* Another server, but only before any entry was handed out. */
			if (fail_over(c, op, rc, "paged search") && pages == 0 && !retried) {
				retried = true;
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
	for (attempt = 0; attempt <= MAX_ATTEMPTS; attempt++) {
		bool fresh = c->ld == NULL || c->gen != op->cfg->generation;
		struct timeval tv;
		enum dir_rc d;
		int rc;

		d = ensure(c, op);
		if (d != DIR_OK)
			return d;
		if (set_timeouts(c, op, &tv) < 0) {
			seterr(err, "request deadline passed before the user bind");
			return DIR_UNAVAILABLE;
		}
		rc = ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
		if (rc == LDAP_SUCCESS)
			return DIR_OK;
		if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
		    rc == LDAP_UNWILLING_TO_PERFORM) {
			seterr(err, "bind as %s: %s", dn, ldap_err2string(rc));
			return DIR_BAD_CREDENTIALS;
		}
		if (rc == LDAP_SERVER_DOWN && !fresh) {
			ldconn_drop(c);
			continue;
		}
		if (fail_over(c, op, rc, "user bind"))
			continue;
		return classify(c, rc, "LDAP user bind", err);
	}
	seterr(err, "LDAP user bind: no server answered");
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
			fail_over(c, op, rc, "modify");
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
		seterr(err, "LDAP modify of %s on %s: %s", w->dn, c->uri,
		       rc == 0 ? "no answer in time" : "connection lost");
		if (rc == 0)
			ldap_abandon_ext(c->ld, msgid, NULL, NULL);
		ldhealth_mark_down(c->uri, rc == 0 ? "modify: no answer in time"
						   : "modify: connection lost");
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	prc = ldap_parse_result(c->ld, res, &rc, NULL, &diag, NULL,
				w->want_resctrls ? &w->resctrls : NULL, 1);
	if (prc != LDAP_SUCCESS) {
		w->uncertain = true;
		seterr(err, "LDAP modify of %s on %s: unreadable result: %s", w->dn, c->uri,
		       ldap_err2string(prc));
		ldhealth_mark_down(c->uri, "modify: unreadable result");
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
	d = classify(c, rc, "LDAP modify", err);
	if (diag != NULL && *diag != '\0') {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", diag);
	}
	ldap_memfree(diag);
	return d;
}

/* Probes one URI: connect and bind as the service DN.  True when the
 * server answered, whatever it said. */
static bool
probe_one(const struct config *cfg, const char *uri)
{
	struct ldconn c;
	struct timeval tv;
	const char *step = "connect";
	int rc;

	ldconn_init(&c, LDCONN_READ);
	snprintf(c.uri, sizeof(c.uri), "%s", uri);
	if (new_handle(cfg, uri, &c.ld) != LDAP_SUCCESS)
		return false;
	to_timeval(cfg->network_timeout_ms, &tv);
	ldap_set_option(c.ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(c.ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	rc = open_session(&c, cfg, &step);
	ldconn_drop(&c);
	log_debug("probe of %s: %s: %s", uri, step, ldap_err2string(rc));
	return !is_down(rc);
}

void
ldconn_probe(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_uris; i++)
		if (ldhealth_is_down(cfg->uris[i]) && probe_one(cfg, cfg->uris[i]))
			ldhealth_mark_up(cfg->uris[i]);
	if (cfg->write_uri != NULL && ldhealth_is_down(cfg->write_uri) &&
	    probe_one(cfg, cfg->write_uri))
		ldhealth_mark_up(cfg->write_uri);
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
