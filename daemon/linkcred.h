/*
 * linkcred.h - proving the CM/ECF side of a link: the account's current
 * password, checked by a bind at ldap.write_uri (where a link retires it
 * first), or a clerk's link-only reset code, checked against the hash and
 * expiry on the entry.
 */
#ifndef ECFLINK_LINKCRED_H
#define ECFLINK_LINKCRED_H

#include "request.h"

/*
 * DIR_OK when password (code NULL) or code proves cmecf; DIR_BAD_CREDENTIALS
 * with *why the log's reason (bad_cmecf_password, cmecf_locked,
 * bad_reset_code, no_reset_code, expired_reset_code); any other code: the
 * directory failed, c->err says how.
 */
enum dir_rc cmecf_credential(struct req_ctx *c, const struct account *cmecf,
			     const char *password, const char *code, const char **why);

#endif
