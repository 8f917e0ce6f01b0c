/*
 * events.h - the one syslog line per attempt.  Every decision, drop,
 * redaction answer and admin action goes through here, so the log format
 * lives in one place (DESIGN.md "Logging").
 */
#ifndef ECFLINK_EVENTS_H
#define ECFLINK_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"
#include "redaction.h"
#include "server.h"

const char *event_realm_name(enum proto_realm realm);
const char *event_state_name(enum proto_state state);
/* Milliseconds since the request arrived, for the ms= field. */
double event_elapsed_ms(const struct request *rq);

/* acct: the account phase answered with an AUTH (account=, account_reason=
 * on the same line), or NULL. */
void event_pam(const struct request *rq, const struct pam_req *p, const struct decision *d,
	       const struct decision *acct);
void event_redaction(const struct redaction_pending *p, bool accepted, const char *reason);
void event_lookup(const struct request *rq, enum proto_realm realm, const char *user,
		  const char *result, const struct account *a, const char *detail);
void event_ping(const struct request *rq);
/* A request that never reached a decision (bad frame, timeout, busy). */
void event_drop(const struct request *rq, const char *reason, const char *detail);
void event_admin(const char *action, uid_t uid, const char *result, const char *reason);

#endif
