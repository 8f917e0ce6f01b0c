/*
 * flow.h - the linking procedure's forms, as ecflink-web acts on them:
 * the PACER login, the link form and the confirmation.  Each is checked,
 * sent to ecflinkd (backend.h) and answered with the next screen or a
 * redirect to it (reply.h); the session (session.h) remembers where the
 * user is.  Every outcome that matters is one syslog line (flow_log).
 */
#ifndef ECFLINK_FLOW_H
#define ECFLINK_FLOW_H

#include <stdbool.h>

#include "backend.h"
#include "form.h"
#include "reply.h"
#include "session.h"
#include "webconf.h"

/* A client address as text (IPv6 with room to spare). */
#define FLOW_ADDR_MAX 64

/* Keeps cfg: ecflinkd's socket and time-out, the login throttle. */
void flow_init(const struct webconf *cfg);

/* Logins are ASCII [A-Za-z0-9._@-], as ecflinkd accepts them. */
bool flow_valid_login(const char *s);

/* One escaped key=value line: event, user, rhost, result, reason, detail. */
void flow_log(const char *event, const char *user, const char *rhost, const char *result,
	      const char *reason, const char *detail);

/* Sets s's state from an ACCOUNT reply; false (and rp answered) when the
 * account cannot use these pages. */
bool flow_take_account(struct reply *rp, struct session *s, const struct backend_reply *r);

/* The court's SSO vouched for login: asks ecflinkd for its account state. */
bool flow_sso_account(struct reply *rp, struct session *s, const char *login, const char *rhost);

void flow_post_login(struct reply *rp, struct session *s, const struct form *f, const char *rhost);
void flow_post_link(struct reply *rp, struct session *s, const struct form *f, const char *rhost);
void flow_post_confirm(struct reply *rp, struct session *s, const struct form *f,
		       const char *rhost);

#endif
