/*
 * ldconn.h - the persistent LDAP connections a worker thread owns.
 *
 * Each worker owns one struct ldconn per purpose (service searches and
 * user binds on the read URIs; service operations and user binds on
 * ldap.write_uri); nothing here is shared between threads except the
 * servers' up/down state (ldhealth.h).  A connection is opened lazily to
 * one URI, the first that is up, and kept across requests.  An operation
 * that finds its server refusing, silent or stopped mid-way marks that URI
 * down and is tried again on the next URI within the same deadline; when
 * a probe (ldconn_probe) finds the preferred URI answering again, the
 * connections go back to it.
 *
 * Every operation is bounded by min(ldap.timeout_ms, time left before the
 * request's deadline), halved while another URI could still take a retry;
 * connects by ldap.network_timeout_ms as well.
 */
#ifndef ECFLINK_LDCONN_H
#define ECFLINK_LDCONN_H

#include <stdbool.h>
#include <stdint.h>

#include <ldap.h>

#include "config.h"

enum dir_rc {
	DIR_OK = 0,
	DIR_NOT_FOUND,		/* no such entry */
	DIR_BAD_CREDENTIALS,	/* a user bind was refused */
	DIR_UNAVAILABLE,	/* server down, timed out, or deadline spent */
	DIR_ERROR,		/* anything else: bad data, bad base, ACL ... */
	DIR_CONFLICT,		/* assertion failed or constraint violated */
};

/*
 * READ: service-bound, ldap.uris.  BIND: user binds, ldap.uris.  WRITE:
 * service-bound, ldap.write_uri.  WBIND: user binds, ldap.write_uri (the
 * legacy password checks, DESIGN.md "Many servers" invariant 1).
 */
enum ldconn_kind { LDCONN_READ, LDCONN_BIND, LDCONN_WRITE, LDCONN_WBIND };

struct ldconn {
	LDAP *ld;
	enum ldconn_kind kind;
	unsigned int gen;	/* config generation the handle was made for */
	int idx;		/* which URI of its list it talks to */
	char uri[512];
};

struct ldconn_err {
	char msg[2048];
};

/*
 * One operation's frame: the configuration in force, the monotonic time by
 * which it must be done (ms), and where a failure is described.
 */
struct ldop {
	const struct config *cfg;
	int64_t deadline;
	struct ldconn_err *err;
};

/* A subtree search: at most limit entries (a page's size when paged). */
struct ldsearch {
	const char *base;
	const char *filter;
	char **attrs;
	int limit;
};

/*
 * A Modify of dn.  With assertion set, it applies only if the entry
 * matches that filter (assertion control, RFC 4528).  With want_resctrls,
 * resctrls gets the response controls on success, for the caller to
 * ldap_controls_free().  After the call, ldrc holds the LDAP result code
 * (-1 when none arrived) and uncertain says the request was sent but no
 * answer came in time: it may have been applied.
 */
struct ldwrite {
	const char *dn;
	LDAPMod **mods;
	LDAPControl **ctrls;
	const char *assertion;
	bool want_resctrls;
	LDAPControl **resctrls;
	int ldrc;
	bool uncertain;
};

void ldconn_init(struct ldconn *c, enum ldconn_kind kind);
void ldconn_drop(struct ldconn *c);

/*
 * Searches on c, which is connected and bound as the service DN first if
 * needed.  On DIR_OK *res holds the result for the caller to
 * ldap_msgfree().  A connection found stale is reopened once within the
 * deadline.
 */
enum dir_rc ldconn_search(struct ldconn *c, const struct ldop *op, const struct ldsearch *q,
			  LDAPMessage **res);

/* Called by ldconn_search_paged for each entry; -1 (with err set) stops. */
typedef int (*ldconn_entry_fn)(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err);

/*
 * Reads every entry q matches with the paged-results control (RFC 2696,
 * critical), q->limit entries per round trip, and calls fn on each; no
 * result is kept, so a base of any size costs one page of memory.  Each
 * page is bounded like ldconn_search; a kept connection found dead before
 * the first page is reopened once, one lost midway fails the read (fn has
 * seen entries that cannot be taken back, so the caller must discard what
 * it gathered).
 */
enum dir_rc ldconn_search_paged(struct ldconn *c, const struct ldop *op,
				const struct ldsearch *q, ldconn_entry_fn fn, void *ctx);

/* Opens c now (connect, StartTLS, service bind) on the first URI up. */
enum dir_rc ldconn_connect(struct ldconn *c, const struct ldop *op);

/* True when c talks to another URI than the one it would pick now (the
 * first one up came back). */
bool ldconn_would_move(const struct ldconn *c, const struct config *cfg);

/* Simple bind as dn with password on c (an LDCONN_BIND connection). */
enum dir_rc ldconn_user_bind(struct ldconn *c, const struct ldop *op, const char *dn,
			     const char *password);

/*
 * Writes w on c (an LDCONN_WRITE connection).  DIR_CONFLICT: the
 * assertion failed (w->ldrc LDAP_ASSERTION_FAILED) or a constraint
 * (slapo-unique) refused it.
 */
enum dir_rc ldconn_modify(struct ldconn *c, const struct ldop *op, struct ldwrite *w);

/*
 * Tries each read URI and ldap.write_uri that is marked down: a connect
 * and a bind as the service DN, each within ldap.network_timeout_ms; an
 * answer (even a refusal) marks it up again.  Called by a timer every
 * ldap.probe_interval_s.
 */
void ldconn_probe(const struct config *cfg);

/* True when any URI kind k may use is up (not marked down). */
bool ldconn_any_up(const struct config *cfg, enum ldconn_kind k);

/* Writes the budget left for one operation into tv; -1 when none is left. */
int ldconn_budget(const struct ldop *op, struct timeval *tv);

/* Escapes value for use inside an LDAP filter (RFC 4515) into out. */
int ldap_filter_escape(const char *value, char *out, size_t outlen);

#endif
