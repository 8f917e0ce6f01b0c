/*
 * events.c - decision log lines (see events.h).
 */
#include "events.h"

#include <time.h>

#include "kv.h"
#include "log.h"

const char *
event_realm_name(enum proto_realm realm)
{
	switch (realm) {
	case PR_REALM_CMECF: return "cmecf";
	case PR_REALM_PACER: return "pacer";
	case PR_REALM_ANY: break;
	}
	return "any";
}

const char *
event_state_name(enum proto_state state)
{
	switch (state) {
	case PST_UNKNOWN: return "unknown";
	case PST_LEGACY_UNLINKED: return "legacy_unlinked";
	case PST_LEGACY_LINKED: return "legacy_linked";
	case PST_LEGACY_LOCKED: return "legacy_locked";
	case PST_PACER_UNLINKED: return "pacer_unlinked";
	case PST_PACER_LINKED: return "pacer_linked";
	}
	return "invalid";
}

double
event_elapsed_ms(const struct request *rq)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return (double)(now - rq->received_ns) / 1e6;
}

static void
peer(struct kv *kv, const struct request *rq)
{
	if (rq->uid == (uid_t)-1)
		kv_str(kv, "peer_uid", NULL);
	else
		kv_int(kv, "peer_uid", (long long)rq->uid);
}

void
event_pam(const struct request *rq, const struct pam_req *p, const struct decision *d,
	  const struct decision *acct)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", p->type == PT_AUTH ? "auth" : "account");
	kv_str(&kv, "service", p->service);
	kv_str(&kv, "realm", event_realm_name(p->realm));
	kv_quoted(&kv, "user", p->user);
	kv_str(&kv, "rhost", p->rhost);
	kv_str(&kv, "tty", p->tty);
	kv_str(&kv, "ruser", p->ruser);
	peer(&kv, rq);
	kv_str(&kv, "result", d->log_result);
	kv_str(&kv, "reason", d->reason);
	if (acct != NULL) {
		kv_str(&kv, "account", acct->result == PRS_REDACTION ? "redaction"
								    : acct->log_result);
		kv_str(&kv, "account_reason", acct->reason);
		if (acct->detail[0] != '\0')
			kv_quoted(&kv, "account_detail", acct->detail);
	}
	if (d->acct.state == PST_LEGACY_LINKED)
		kv_quoted(&kv, "linked_pacer", d->acct.linked);
	if (d->acct.state == PST_PACER_LINKED)
		kv_quoted(&kv, "linked_cmecf", d->acct.linked);
	if (d->detail[0] != '\0')
		kv_quoted(&kv, "detail", d->detail);
	kv_fmt(&kv, "ms", "%.2f", event_elapsed_ms(rq));
	log_event(&kv);
}

void
event_redaction(const struct redaction_pending *p, bool accepted, const char *reason)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", "redaction");
	kv_str(&kv, "service", p->service);
	kv_str(&kv, "realm", event_realm_name(p->realm));
	kv_quoted(&kv, "user", p->user);
	kv_str(&kv, "rhost", p->rhost);
	kv_str(&kv, "tty", p->tty);
	kv_str(&kv, "ruser", p->ruser);
	kv_int(&kv, "peer_uid", (long long)p->peer_uid);
	kv_str(&kv, "result", accepted ? "accepted" : "declined");
	kv_str(&kv, "reason", reason);
	kv_str(&kv, "notice", p->version);
	log_event(&kv);
}

void
event_lookup(const struct request *rq, enum proto_realm realm, const char *user,
	     const char *result, const struct account *a, const char *detail)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", "lookup");
	kv_str(&kv, "realm", event_realm_name(realm));
	kv_quoted(&kv, "user", user);
	peer(&kv, rq);
	kv_str(&kv, "result", result);
	kv_str(&kv, "state", a ? event_state_name(a->state) : NULL);
	if (detail != NULL && *detail != '\0')
		kv_quoted(&kv, "detail", detail);
	kv_fmt(&kv, "ms", "%.2f", event_elapsed_ms(rq));
	log_event(&kv);
}

void
event_ping(const struct request *rq)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", "ping");
	peer(&kv, rq);
	kv_str(&kv, "result", "ok");
	kv_fmt(&kv, "ms", "%.2f", event_elapsed_ms(rq));
	log_event(&kv);
}

void
event_drop(const struct request *rq, const char *reason, const char *detail)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", "request");
	peer(&kv, rq);
	kv_str(&kv, "result", "error");
	kv_str(&kv, "reason", reason);
	if (detail != NULL && *detail != '\0')
		kv_quoted(&kv, "detail", detail);
	log_event(&kv);
}

void
event_admin(const char *action, uid_t uid, const char *result, const char *reason)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", action);
	if (uid == (uid_t)-1)
		kv_str(&kv, "admin_uid", NULL);
	else
		kv_int(&kv, "admin_uid", (long long)uid);
	kv_str(&kv, "result", result);
	kv_str(&kv, "reason", reason);
	log_event(&kv);
}
