/*
 * events.h - every syslog line about an attempt: PAM decisions, redaction
 * answers, lookups, links, clerk commands, report and lint, mail, reloads
 * and requests that never reached a decision.  Nothing else in the daemon
 * builds a key=value line, so the whole log format is in events.c, and
 * ecflinkd(8)'s LOGGING section is checked against it (tests/check_events.sh).
 *
 * Each line reads: event=WHAT, the fields naming who and what, then the
 * facts, then the shared tail result= reason= detail= ms= (a field without
 * a value is left out or written "-", as kv.h says).
 */
#ifndef ECFLINK_EVENTS_H
#define ECFLINK_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "decide.h"
#include "redaction.h"
#include "request.h"

/* One link attempt (link.c). */
struct link_event {
	const char *phase;		/* prepare | commit */
	const char *pacer, *cmecf;	/* logins as given */
	const char *names;		/* how alike the names are, or NULL */
	uint64_t txn;			/* 0: none taken */
	const char *result, *reason, *detail;
};

/* A retired login's alert (retalert.c), logged on the attempt's line. */
struct alert_event {
	const char *result;		/* NULL: not a retired login; off, mailed,
					 * skipped_recent, no_address, failed */
	uint64_t txn;			/* the mail's Transaction ID; 0: none */
	char detail[1024];
};

/* One clerk command on one account (admin.c). */
struct clerk_event {
	const char *action;		/* reset_link_code | unlink */
	const char *cmecf, *pacer;
	uint64_t txn;
	time_t expires;			/* a reset code's; 0: none */
	const char *note;
	const char *result, *reason, *detail;
};

/* One link notice's delivery attempt, or its removal (mailer.c, spool.c). */
struct mail_event {
	uint64_t txn;
	const char *to;
	int tries;			/* 0: not counted */
	long retry_in_s;		/* < 0: no retry planned */
	const char *result, *reason, *detail;
};

/* One whole-directory run (report.c, lint.c). */
struct run_event {
	const char *action;		/* report | lint */
	bool counted;			/* the bases were read: cmecf= pacer= */
	size_t cmecf, pacer;
	long long findings;		/* lint only; -1: none to tell */
	const char *result, *reason, *detail;
};

/* One `ecflinkctl announce` request (announce.c). */
struct announce_event {
	bool again;			/* accounts told before were told again */
	size_t told, already, no_address, raced;
	bool more;			/* stopped for time; the CLI asks again */
	uint64_t first_txn, last_txn;	/* 0: none taken */
	const char *result, *reason, *detail;
};

const char *event_realm_name(enum proto_realm realm);
const char *event_state_name(enum proto_state state);

/* acct: the account phase answered with an AUTH (account=, account_reason=
 * on the same line), or NULL; alert: a retired login's alert (alert=...),
 * or NULL.  A refused retired login's line is written at LOG_WARNING. */
void event_pam(const struct request *rq, const struct pam_req *p, const struct decision *d,
	       const struct decision *acct, const struct alert_event *alert);
/* result: accepted, declined, or not_recorded (an answer from a caller
 * whose acknowledgement is not the court's record). */
void event_redaction(const struct redaction_pending *p, const char *result, const char *reason);
/* A token_expired_fn for redaction tokens: logs the notice as unanswered. */
void event_redaction_unanswered(const void *pending, int expired);
void event_lookup(const struct request *rq, enum proto_realm realm, const char *user,
		  const char *result, const struct account *a, const char *detail);
void event_ping(const struct request *rq);
/* A request that never reached a decision (bad frame, timeout, busy). */
void event_drop(const struct request *rq, const char *reason, const char *detail);
/* count connections of uid refused (fair share, full queue) since the last
 * summary, the last for reason: one line for many (share.c). */
void event_drop_summary(uid_t uid, unsigned long count, const char *reason);
/* uid, a peer counted by its uid (class peer_class: admin or other), sent
 * count PAM requests with an RHOST within window_s, as a login front end
 * does (fehint.c); group is socket.frontend_group or NULL.  Once per uid,
 * at LOG_WARNING. */
void event_frontend_hint(uid_t uid, const char *peer_class, unsigned int count,
			 unsigned int window_s, const char *group);
/* A request of a type the sender's peer class may not make. */
void event_denied(const struct request *rq, const char *action);
/* detail: for a file that fails to load, its first fault. */
void event_reload(uid_t sender, const char *result, const char *reason, const char *detail);
/* rq is NULL for a preparation logged when its token lapses. */
void event_link(const struct request *rq, const struct link_event *e);
void event_clerk(const struct request *rq, const struct clerk_event *e);
void event_run(const struct request *rq, const struct run_event *e);
void event_mail(const struct mail_event *e);
void event_announce(const struct request *rq, const struct announce_event *e);
/* `ecflinkctl mail`: action list | retry, with the number of waiting notices. */
void event_mail_queue(const struct request *rq, const char *action, long waiting,
		      const char *result, const char *reason, const char *detail);

#endif
