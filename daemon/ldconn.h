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

void ldconn_init(struct ldconn *c, enum ldconn_kind kind);
void ldconn_drop(struct ldconn *c);

/* Opens c now (connect, StartTLS, service bind) on the first URI up. */
enum dir_rc ldconn_connect(struct ldconn *c, const struct ldop *op);

/* True when c talks to another URI than the one it would pick now (the
 * first one up came back). */
bool ldconn_would_move(const struct ldconn *c, const struct config *cfg);

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

/*
 * For ldops.c, the operations on a connection: how long one attempt may
 * take (ldconn_budget, halved while another URI could take a retry),
 * those timeouts set on c, whether an LDAP code means the server is gone,
 * and, after a failure, ldconn_fail_over (marks the URI down and says
 * whether another may take a retry) and ldconn_failed (the dir_rc, with
 * err set).  An operation is tried at most LDCONN_MAX_ATTEMPTS times.
 */
#define LDCONN_MAX_ATTEMPTS (CONFIG_MAX_URIS + 1)
int ldconn_attempt_budget(const struct ldconn *c, const struct ldop *op, struct timeval *tv);
int ldconn_set_timeouts(struct ldconn *c, const struct ldop *op, struct timeval *tv);
bool ldconn_is_down(int rc);
bool ldconn_fail_over(struct ldconn *c, const struct ldop *op, int rc, const char *what);
enum dir_rc ldconn_failed(struct ldconn *c, int rc, const char *what, struct ldconn_err *err);
void ldconn_seterr(struct ldconn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Escapes value for use inside an LDAP filter (RFC 4515) into out. */
int ldap_filter_escape(const char *value, char *out, size_t outlen);

#endif
