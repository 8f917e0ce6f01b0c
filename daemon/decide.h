/*
 * decide.h - the PAM decision table of DESIGN.md ("PAM module behaviour").
 *
 * decide_pam() answers one PAM phase for one user from the cache or the
 * directory; it never logs (the dispatcher writes the one line per
 * attempt from the struct decision).
 */
#ifndef ECFLINK_DECIDE_H
#define ECFLINK_DECIDE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "directory.h"
#include "proto.h"
#include "request.h"

struct pam_req {
	uint16_t type;			/* PT_AUTH or PT_ACCOUNT */
	enum proto_realm realm;
	const char *user;
	const char *password;		/* NULL: none sent (or not to be checked) */
	uint32_t flags;
	const char *service, *rhost, *tty, *ruser;
	uid_t peer_uid;
	const struct class_policy *pol;	/* the caller's class (trust.h) */
	bool with_auth;			/* an account phase answered with its AUTH */
	int64_t deadline;		/* monotonic ms by which to answer */
};

struct decision {
	enum proto_result result;
	const char *log_result;		/* allow, deny or error */
	const char *reason;		/* one word for the log */
	char detail[2048];		/* why, for the log only (LDAP error...) */
	char message[1024];		/* for the user; "" = none */
	enum proto_msg_style style;
	bool have_account;
	struct account acct;
	bool cached;
	bool password_proven;		/* the caller's password for the account bound */
};

/* True when the court has gone live at time now. */
bool decide_live(const struct config *cfg, time_t now);

/*
 * Decides one PAM phase.  A caller whose class has password_always (an
 * "other" local user) gets no decision that allows without its password
 * for the account having bound: reason password_required when none came.
 */
void decide_pam(struct worker *w, const struct config *cfg,
		const struct pam_req *rq, struct decision *d);

/*
 * The account phase of acct (a PT_ACCOUNT request, with_auth set) decided
 * from the account the AUTH decision auth already read: what an ACCOUNT
 * request sent right after would be answered, without reading the
 * directory again.
 */
void decide_account_after_auth(const struct config *cfg, const struct pam_req *acct,
			       const struct decision *auth, struct decision *d);

#endif
