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
#include "tlsdiag.h"

/* An operation's time is split so that a retry on another URI still fits. */
#define RETRY_SHARE 2

void
ldconn_seterr(struct ldconn_err *err, const char *fmt, ...)
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
int
ldconn_attempt_budget(const struct ldconn *c, const struct ldop *op, struct timeval *tv)
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
int
ldconn_set_timeouts(struct ldconn *c, const struct ldop *op, struct timeval *tv)
{
	const struct config *cfg = op->cfg;
	struct timeval ntv;

	if (ldconn_attempt_budget(c, op, tv) < 0)
		return -1;
	to_timeval(cfg->network_timeout_ms, &ntv);
	if (timercmp(tv, &ntv, <))
		ntv = *tv;
	ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, tv);
	ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &ntv);
	return 0;
}

bool
ldconn_is_down(int rc)
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
	{
		/* Certificates are always verified, whatever ldap.conf says
		 * (TLS_REQCERT never there must not reach the daemon). */
		int demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;

		ldap_set_option(*ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		if (cfg->ca_file != NULL)
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
		*step = "StartTLS with";
		rc = ldap_start_tls_s(c->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS)
			return rc;
	}
	if (c->kind == LDCONN_BIND || c->kind == LDCONN_WBIND)
		return LDAP_SUCCESS;
	*step = "bind as the service DN to";
	cred.bv_val = cfg->bind_password;
	cred.bv_len = strlen(cfg->bind_password);
	return ldap_sasl_bind_s(c->ld, cfg->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Connects c to uris[idx]; on failure marks that URI down when it is the
 * server's fault. */
static enum dir_rc
connect_to(struct ldconn *c, const struct ldop *op, char *const *uris, int idx)
{
	const char *step = "connect to";
	char cause[1100], tls[480], down[1700];
	struct timeval tv;
	int rc;

	c->idx = idx;
	snprintf(c->uri, sizeof(c->uri), "%s", uris[idx]);
	rc = new_handle(op->cfg, uris[idx], &c->ld);
	if (rc != LDAP_SUCCESS) {
		ldconn_seterr(op->err, "ldap_initialize(%s): %s", uris[idx], ldap_err2string(rc));
		ldconn_drop(c);
		return DIR_ERROR;
	}
	/* A handle counts as ready (gen set) only once it is bound: a half-made
	 * one must never serve a later request anonymously. */
	if (ldconn_set_timeouts(c, op, &tv) < 0) {
		ldconn_seterr(op->err, "request deadline passed before connecting to LDAP");
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	rc = open_session(c, op->cfg, &step);
	if (rc == LDAP_SUCCESS) {
		c->gen = op->cfg->generation;
		ldhealth_mark_up(c->uri);
		return DIR_OK;
	}
	/* libldap says only "Can't contact LDAP server" for a bad
	 * certificate: tlsdiag looks at the server's and says why. */
	if (ldconn_is_down(rc) && rc != LDAP_TIMEOUT &&
	    tlsdiag_explain(c->uri, op->cfg->starttls, op->cfg->ca_file,
			    op->cfg->network_timeout_ms, tls, sizeof(tls)) == 0)
		snprintf(cause, sizeof(cause), "TLS to %s: %s", c->uri, tls);
	else
		snprintf(cause, sizeof(cause), "%s", ldap_err2string(rc));
	/* The cause first: a log value is cut at 256 bytes. */
	if (c->kind == LDCONN_WRITE || c->kind == LDCONN_READ)
		ldconn_seterr(op->err, "%s %s: %s (bound as %s)", step, c->uri, cause,
			      op->cfg->bind_dn);
	else
		ldconn_seterr(op->err, "%s %s: %s", step, c->uri, cause);
	if (ldconn_is_down(rc)) {
		snprintf(down, sizeof(down), "%s %s: %s", step, c->uri, cause);
		ldhealth_mark_down(c->uri, down, rc != LDAP_TIMEOUT);
	}
	ldconn_drop(c);
	return ldconn_is_down(rc) ? DIR_UNAVAILABLE : DIR_ERROR;
}

/*
 * Makes c usable: kept when it talks to the URI that should be used now
 * (the first one up) for the configuration in force; otherwise connected
 * there, moving on through the list while URIs fail and time is left.
 */
enum dir_rc
ldconn_connect(struct ldconn *c, const struct ldop *op)
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
	if (idx < 0 && tries == 0) {
		char cause[600];

		/* What the last attempt found, first: the log cuts long values. */
		ldhealth_cause(uris[0], cause, sizeof(cause));
		ldconn_seterr(op->err, "%s%sLDAP server%s %s%s unreachable; next attempt in %lld ms",
			      cause, cause[0] ? "; " : "", n > 1 ? "s" : "", uris[0],
			      n > 1 ? " and the others" : "", (long long)wait);
	}
	return d;
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
bool
ldconn_fail_over(struct ldconn *c, const struct ldop *op, int rc, const char *what)
{
	char cause[300];
	char *const *uris;
	size_t n = uri_set(op->cfg, c->kind, &uris);

	if (!ldconn_is_down(rc))
		return false;
	snprintf(cause, sizeof(cause), "%s: %s", what, ldap_err2string(rc));
	ldhealth_mark_down(c->uri, cause, rc != LDAP_TIMEOUT && rc != LDAP_TIMELIMIT_EXCEEDED);
	ldconn_drop(c);
	return n > 1 && ldhealth_any_up(uris, n) && clock_now_ms() < op->deadline;
}

/* Maps a failed operation's code, dropping the connection when its state
 * is unknown (timeout) or gone (server down). */
enum dir_rc
ldconn_failed(struct ldconn *c, int rc, const char *what, struct ldconn_err *err)
{
	ldconn_seterr(err, "%s on %s: %s", what, c->uri[0] ? c->uri : "LDAP", ldap_err2string(rc));
	if (ldconn_is_down(rc)) {
		ldconn_drop(c);
		return DIR_UNAVAILABLE;
	}
	if (rc == LDAP_NO_SUCH_OBJECT)
		return DIR_NOT_FOUND;
	if (rc == LDAP_ASSERTION_FAILED || rc == LDAP_CONSTRAINT_VIOLATION)
		return DIR_CONFLICT;
	return DIR_ERROR;
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
	return !ldconn_is_down(rc);
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
