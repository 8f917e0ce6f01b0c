/*
 * events.c - the log line of every attempt (see events.h).
 */
#include "events.h"

#include "clock.h"
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

static void
begin(struct kv *kv, const char *event)
{
	kv_init(kv);
	kv_str(kv, "event", event);
}

static void
uid_field(struct kv *kv, const char *key, uid_t uid)
{
	if (uid == (uid_t)-1)
		kv_str(kv, key, NULL);
	else
		kv_int(kv, key, (long long)uid);
}

/*
 * The shared tail: result= reason= (reason left out when NULL), detail=
 * when there is one, ms= since rq arrived when there is a request, and
 * the line goes out.
 */
static void
finish(struct kv *kv, const struct request *rq, const char *result, const char *reason,
       const char *detail)
{
	kv_str(kv, "result", result);
	if (reason != NULL)
		kv_str(kv, "reason", reason);
	if (detail != NULL && *detail != '\0')
		kv_quoted(kv, "detail", detail);
	if (rq != NULL)
		kv_fmt(kv, "ms", "%.2f", (double)(clock_now_ns() - rq->received_ns) / 1e6);
	log_event(kv);
}

/* service= realm= user=: which login a PAM caller asked about. */
static void
pam_subject(struct kv *kv, const char *service, enum proto_realm realm, const char *user)
{
	kv_str(kv, "service", service);
	kv_str(kv, "realm", event_realm_name(realm));
	kv_quoted(kv, "user", user);
}

/* rhost= tty= ruser=: where the PAM caller says the login comes from. */
static void
pam_origin(struct kv *kv, const char *rhost, const char *tty, const char *ruser)
{
	kv_str(kv, "rhost", rhost);
	kv_str(kv, "tty", tty);
	kv_str(kv, "ruser", ruser);
}

void
event_pam(const struct request *rq, const struct pam_req *p, const struct decision *d)
{
	struct kv kv;

	begin(&kv, p->type == PT_AUTH ? "auth" : "account");
	pam_subject(&kv, p->service, p->realm, p->user);
	pam_origin(&kv, p->rhost, p->tty, p->ruser);
	uid_field(&kv, "peer_uid", rq->peer.uid);
	if (d->acct.state == PST_LEGACY_LINKED)
		kv_quoted(&kv, "linked_pacer", d->acct.linked);
	if (d->acct.state == PST_PACER_LINKED)
		kv_quoted(&kv, "linked_cmecf", d->acct.linked);
	finish(&kv, rq, d->log_result, d->reason, d->detail);
}

void
event_redaction(const struct redaction_pending *p, bool accepted, const char *reason)
{
	struct kv kv;

	begin(&kv, "redaction");
	pam_subject(&kv, p->service, p->realm, p->user);
	pam_origin(&kv, p->rhost, p->tty, p->ruser);
	uid_field(&kv, "peer_uid", p->peer_uid);
	kv_str(&kv, "notice", p->version);
	finish(&kv, NULL, accepted ? "accepted" : "declined", reason, NULL);
}

void
event_redaction_unanswered(const void *pending, int expired)
{
	event_redaction(pending, false, expired ? "no_answer" : "daemon_stopped");
}

void
event_lookup(const struct request *rq, enum proto_realm realm, const char *user,
	     const char *result, const struct account *a, const char *detail)
{
	struct kv kv;

	begin(&kv, "lookup");
	kv_str(&kv, "realm", event_realm_name(realm));
	kv_quoted(&kv, "user", user);
	uid_field(&kv, "peer_uid", rq->peer.uid);
	kv_str(&kv, "state", a ? event_state_name(a->state) : NULL);
	finish(&kv, rq, result, NULL, detail);
}

void
event_ping(const struct request *rq)
{
	struct kv kv;

	begin(&kv, "ping");
	uid_field(&kv, "peer_uid", rq->peer.uid);
	finish(&kv, rq, "ok", NULL, NULL);
}

void
event_drop(const struct request *rq, const char *reason, const char *detail)
{
	struct kv kv;

	begin(&kv, "request");
	uid_field(&kv, "peer_uid", rq->peer.uid);
	finish(&kv, NULL, "error", reason, detail);
}

void
event_denied(const struct request *rq, const char *action)
{
	struct kv kv;

	begin(&kv, action);
	uid_field(&kv, "admin_uid", rq->peer.uid);
	finish(&kv, rq, "denied", "not_admin", NULL);
}

void
event_reload(uid_t sender, const char *result, const char *reason, const char *detail)
{
	struct kv kv;

	begin(&kv, "reload");
	uid_field(&kv, "admin_uid", sender);
	finish(&kv, NULL, result, reason, detail);
}

void
event_link(const struct request *rq, const struct link_event *e)
{
	struct kv kv;

	begin(&kv, "link");
	kv_str(&kv, "phase", e->phase);
	kv_quoted(&kv, "pacer", e->pacer);
	kv_quoted(&kv, "cmecf", e->cmecf);
	if (rq != NULL)
		uid_field(&kv, "peer_uid", rq->peer.uid);
	if (e->names != NULL)
		kv_str(&kv, "names", e->names);
	if (e->txn != 0)
		kv_fmt(&kv, "txn", "%llu", (unsigned long long)e->txn);
	finish(&kv, rq, e->result, e->reason, e->detail);
}

void
event_clerk(const struct request *rq, const struct clerk_event *e)
{
	struct kv kv;

	begin(&kv, e->action);
	uid_field(&kv, "admin_uid", rq->peer.uid);
	kv_quoted(&kv, "cmecf", e->cmecf);
	if (e->pacer != NULL)
		kv_quoted(&kv, "pacer", e->pacer);
	if (e->txn != 0)
		kv_fmt(&kv, "txn", "%llu", (unsigned long long)e->txn);
	if (e->expires != 0)
		kv_int(&kv, "expires", (long long)e->expires);
	if (e->note != NULL)
		kv_quoted(&kv, "note", e->note);
	finish(&kv, rq, e->result, e->reason, e->detail);
}

void
event_run(const struct request *rq, const struct run_event *e)
{
	struct kv kv;

	begin(&kv, e->action);
	uid_field(&kv, "admin_uid", rq->peer.uid);
	if (e->counted) {
		kv_int(&kv, "cmecf", (long long)e->cmecf);
		kv_int(&kv, "pacer", (long long)e->pacer);
	}
	if (e->findings >= 0)
		kv_int(&kv, "findings", e->findings);
	finish(&kv, rq, e->result, e->reason, e->detail);
}

void
event_mail(const struct mail_event *e)
{
	struct kv kv;

	begin(&kv, "mail");
	kv_fmt(&kv, "txn", "%llu", (unsigned long long)e->txn);
	kv_quoted(&kv, "to", e->to);
	if (e->tries > 0)
		kv_int(&kv, "tries", e->tries);
	if (e->tries > 0 && e->retry_in_s >= 0)
		kv_int(&kv, "retry_in_s", e->retry_in_s);
	finish(&kv, NULL, e->result, e->reason, e->detail);
}

void
event_mail_queue(const struct request *rq, const char *action, long waiting, const char *result,
		 const char *reason, const char *detail)
{
	struct kv kv;

	begin(&kv, "mail_queue");
	kv_str(&kv, "action", action);
	uid_field(&kv, "admin_uid", rq->peer.uid);
	if (waiting >= 0)
		kv_int(&kv, "waiting", waiting);
	finish(&kv, rq, result, reason, detail);
}
