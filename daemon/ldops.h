/*
 * ldops.h - LDAP operations on a worker's connections (ldconn.h).
 *
 * Each is bounded by the operation's deadline; one that finds its server
 * gone marks it down and is tried again on the next URI while time is
 * left (a kept connection found dead while idle is simply reopened).
 */
#ifndef ECFLINK_LDOPS_H
#define ECFLINK_LDOPS_H

#include "ldconn.h"

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

/*
 * Searches on c, which is connected and bound as the service DN first if
 * needed.  On DIR_OK *res holds the result for the caller to
 * ldap_msgfree().  A connection found stale is reopened once within the
 * deadline.
 */
enum dir_rc ldconn_search(struct ldconn *c, const struct ldop *op, const struct ldsearch *q,
			  LDAPMessage **res);

/*
 * Two searches sent together on c (asynchronous libldap: both requests go
 * out before either answer is awaited), each as ldconn_search would run
 * it, within one deadline.  On DIR_OK both *res1 and *res2 hold results
 * for the caller to ldap_msgfree(); otherwise both are NULL and op->err
 * says which search failed.
 */
enum dir_rc ldconn_search2(struct ldconn *c, const struct ldop *op, const struct ldsearch *q1,
			   const struct ldsearch *q2, LDAPMessage **res1, LDAPMessage **res2);

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

/* Simple bind as dn with password on c (an LDCONN_BIND connection). */
enum dir_rc ldconn_user_bind(struct ldconn *c, const struct ldop *op, const char *dn,
			     const char *password);

/*
 * Writes w on c (an LDCONN_WRITE connection).  DIR_CONFLICT: the
 * assertion failed (w->ldrc LDAP_ASSERTION_FAILED) or a constraint
 * (slapo-unique) refused it.
 */
enum dir_rc ldconn_modify(struct ldconn *c, const struct ldop *op, struct ldwrite *w);

#endif
