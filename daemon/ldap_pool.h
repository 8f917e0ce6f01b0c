/*
 * ldap_pool.h - the persistent LDAP connections a worker thread owns.
 *
 * Each worker owns one struct ldconn per purpose (service searches, user
 * binds, writes); nothing here is shared between threads, so no locking.
 * A connection is opened lazily, kept across requests, dropped on a
 * timeout or a lost server, and reopened with backoff: while the server is
 * down, requests fail fast instead of each waiting out a connect timeout.
 *
 * Every operation is bounded by min(ldap.timeout_ms, time left before the
 * request's deadline); connects by ldap.network_timeout_ms as well.
 */
#ifndef ECFLINK_LDAP_POOL_H
#define ECFLINK_LDAP_POOL_H

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

enum ldconn_kind { LDCONN_READ, LDCONN_BIND, LDCONN_WRITE };

struct ldconn {
	LDAP *ld;
	enum ldconn_kind kind;
	unsigned int gen;	/* config generation the handle was made for */
	int64_t retry_at;	/* no new connect before this (monotonic ms) */
	int backoff_ms;
};

struct ldap_pool_err {
	char msg[2048];
};

void ldconn_init(struct ldconn *c, enum ldconn_kind kind);
void ldconn_drop(struct ldconn *c);

/*
 * Searches base (subtree) on c, which is connected and bound as the service
 * DN first if needed.  At most sizelimit entries.  On DIR_OK *res holds the
 * result for the caller to ldap_msgfree().  A connection found stale is
 * reopened once within the deadline.
 */
enum dir_rc ldconn_search(struct ldconn *c, const struct config *cfg, unsigned int gen,
			  const char *base, const char *filter, char **attrs, int sizelimit,
			  int64_t deadline, LDAPMessage **res, struct ldap_pool_err *err);

/*
 * Two subtree searches sent together on c (asynchronous libldap: both
 * requests go out before either answer is awaited), each as
 * ldconn_search would run it, within one deadline.  On DIR_OK both *res1
 * and *res2 hold results for the caller to ldap_msgfree(); otherwise both
 * are NULL and err says which search failed.  A kept connection found
 * dead is reopened once, as in ldconn_search.
 */
enum dir_rc ldconn_search2(struct ldconn *c, const struct config *cfg, unsigned int gen,
			   const char *base1, const char *filter1, char **attrs1,
			   const char *base2, const char *filter2, char **attrs2, int sizelimit,
			   int64_t deadline, LDAPMessage **res1, LDAPMessage **res2,
			   struct ldap_pool_err *err);

/* Called by ldconn_search_paged for each entry; -1 (with err set) stops. */
typedef int (*ldconn_entry_fn)(LDAP *ld, LDAPMessage *e, void *ctx, struct ldap_pool_err *err);

/*
 * Reads every entry matching filter under base (subtree) with the
 * paged-results control (RFC 2696, critical), page_size entries per round
 * trip, and calls fn on each; no result is kept, so a base of any size
 * costs one page of memory.  Each page is bounded like ldconn_search; a
 * kept connection found dead before the first page is reopened once, one
 * lost midway fails the read (fn has seen entries that cannot be taken
 * back, so the caller must discard what it gathered).
 */
enum dir_rc ldconn_search_paged(struct ldconn *c, const struct config *cfg, unsigned int gen,
				const char *base, const char *filter, char **attrs,
				int page_size, int64_t deadline, ldconn_entry_fn fn, void *ctx,
				struct ldap_pool_err *err);

/* Simple bind as dn with password on c (an LDCONN_BIND connection). */
enum dir_rc ldconn_user_bind(struct ldconn *c, const struct config *cfg, unsigned int gen,
			     const char *dn, const char *password, int64_t deadline,
			     struct ldap_pool_err *err);

/*
 * Modifies dn on c (an LDCONN_WRITE connection) with the request controls
 * ctrls.  *ldrc gets the LDAP result code (or -1 when none arrived).  On
 * DIR_OK with resctrls non-NULL, *resctrls holds the response controls for
 * the caller to ldap_controls_free().  DIR_CONFLICT: the assertion failed
 * or a constraint (slapo-unique) refused it.  *uncertain is set when the
 * request was sent but no answer came in time: it may have been applied.
 */
enum dir_rc ldconn_modify(struct ldconn *c, const struct config *cfg, unsigned int gen,
			  const char *dn, LDAPMod **mods, LDAPControl **ctrls, int64_t deadline,
			  LDAPControl ***resctrls, int *ldrc, bool *uncertain,
			  struct ldap_pool_err *err);

/*
 * ldconn_modify under the assertion control with filter assertion: the
 * Modify applies only if the entry matches it, else DIR_CONFLICT with
 * *ldrc LDAP_ASSERTION_FAILED.
 */
enum dir_rc ldconn_modify_asserting(struct ldconn *c, const struct config *cfg,
				    unsigned int gen, const char *dn, LDAPMod **mods,
				    const char *assertion, int64_t deadline, int *ldrc,
				    bool *uncertain, struct ldap_pool_err *err);

/* Writes the budget left for one operation into tv; -1 when none is left. */
int ldconn_budget(const struct config *cfg, int64_t deadline, struct timeval *tv);

/* Escapes value for use inside an LDAP filter (RFC 4515) into out. */
int ldap_filter_escape(const char *value, char *out, size_t outlen);

#endif
