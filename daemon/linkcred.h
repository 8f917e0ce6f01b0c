/*
 * linkcred.h - proving the CM/ECF side of a link: the account's current
 * password, checked by a bind at ldap.write_uri (where a link retires it
 * first), or a clerk's link-only reset code, checked against the hash and
 * expiry on the entry; and the failures of such checks, counted at the
 * provider so that several daemons share one throttle.
 */
#ifndef ECFLINK_LINKCRED_H
#define ECFLINK_LINKCRED_H

#include "linkfail.h"
#include "request.h"

/*
 * DIR_OK when password (code NULL) or code proves cmecf; DIR_BAD_CREDENTIALS
 * with *why the log's reason (bad_cmecf_password, cmecf_locked,
 * bad_reset_code, no_reset_code, expired_reset_code); any other code: the
 * directory failed, c->err says how.
 */
enum dir_rc cmecf_credential(struct req_ctx *c, const struct account *cmecf,
			     const char *password, const char *code, const char **why);

/*
 * The entry's failed link-credential checks as every daemon recorded them
 * at ldap.write_uri (linkfail.h), read into fails.  DIR_OK when they do
 * not lock it; DIR_BAD_CREDENTIALS while they do, with c->err saying how
 * many and for how long; otherwise the directory failed.
 */
enum dir_rc cmecf_shared_lock(struct req_ctx *c, const struct account *cmecf,
			      struct linkfail *fails);
/*
 * Records one failed check of cmecf at ldap.write_uri for every daemon to
 * count; when it cannot, says why in detail (the attempt is refused
 * anyway, and this daemon's own throttle counted it).
 */
void cmecf_shared_failure(struct req_ctx *c, const struct account *cmecf,
			  const struct linkfail *fails, char *detail, size_t len);
#endif
