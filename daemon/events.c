/*
 * events.c - the log line of every attempt (see events.h).
 */
#include "events.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
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

/*
 * Writes t as ISO 8601 with its UTC offset in the court's zone (the
 * daemon's TZ), e.g. 2026-12-07T14:03:00-06:00: readable, and sortable
 * in one zone.
 */
static const char *
iso_time(time_t t, char buf[32])
{
	struct tm tm;
	size_t n;

	if (localtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S%z", &tm)) < 5) {
		snprintf(buf, 32, "%lld", (long long)t);
		return buf;
	}
	/* +hhmm -> +hh:mm */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return buf;
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
finish_at(struct kv *kv, const struct request *rq, const char *result, const char *reason,
	  const char *detail, bool warning)
{
	kv_str(kv, "result", result);
	if (reason != NULL)
		kv_str(kv, "reason", reason);
	if (detail != NULL && *detail != '\0')
		kv_quoted(kv, "detail", detail);
	if (rq != NULL)
		kv_fmt(kv, "ms", "%.2f", (double)(clock_now_ns() - rq->received_ns) / 1e6);
	if (warning)
		log_event_warning(kv);
	else
		log_event(kv);
}

static void
finish(struct kv *kv, const struct request *rq, const char *result, const char *reason,
       const char *detail)
{
	finish_at(kv, rq, result, reason, detail, false);
}

/*
 * service= realm= user=: which login a PAM caller asked about.  From a
 * caller whose word is not trusted (an "other" local user) the service is
 * written claimed_service=, so that no log reader takes it for a fact.
 */
static void
pam_subject(struct kv *kv, const char *service, bool claimed, enum proto_realm realm,
	    const char *user)
{
	if (claimed)
		kv_str(kv, "claimed_service", service);
	else
		kv_str(kv, "service", service);
	kv_str(kv, "realm", event_realm_name(realm));
	kv_quoted(kv, "user", user);
}

/* rhost= tty= ruser=: where the PAM caller says the login comes from
 * (claimed_rhost= and so on from an untrusted caller). */
static void
pam_origin(struct kv *kv, const char *rhost, const char *tty, const char *ruser, bool claimed)
{
	if (claimed) {
		kv_str(kv, "claimed_rhost", rhost);
		kv_str(kv, "claimed_tty", tty);
		kv_str(kv, "claimed_ruser", ruser);
		return;
	}
	kv_str(kv, "rhost", rhost);
	kv_str(kv, "tty", tty);
	kv_str(kv, "ruser", ruser);
}

void
event_pam(const struct request *rq, const struct pam_req *p, const struct decision *d,
	  const struct decision *acct, const struct alert_event *alert)
{
	bool claimed = !p->pol->origin_trusted;
	struct kv kv;

	begin(&kv, p->type == PT_AUTH ? "auth" : "account");
	pam_subject(&kv, p->service, claimed, p->realm, p->user);
	pam_origin(&kv, p->rhost, p->tty, p->ruser, claimed);
	uid_field(&kv, "peer_uid", rq->peer.uid);
	kv_str(&kv, "peer_class", p->pol->name);
	if (d->acct.state == PST_LEGACY_LINKED)
		kv_quoted(&kv, "linked_pacer", d->acct.linked);
	if (d->acct.state == PST_PACER_LINKED)
		kv_quoted(&kv, "linked_cmecf", d->acct.linked);
	if (acct != NULL) {
		kv_str(&kv, "account", acct->result == PRS_REDACTION ? "redaction"
								    : acct->log_result);
		kv_str(&kv, "account_reason", acct->reason);
		if (acct->detail[0] != '\0')
			kv_quoted(&kv, "account_detail", acct->detail);
	}
	if (alert != NULL && alert->result != NULL) {
		kv_str(&kv, "alert", alert->result);
		if (alert->txn != 0)
			kv_fmt(&kv, "alert_txn", "%llu", (unsigned long long)alert->txn);
		if (alert->detail[0] != '\0')
			kv_quoted(&kv, "alert_detail", alert->detail);
	}
	/* Someone tried a login that was retired: worth a warning. */
	finish_at(&kv, rq, d->log_result, d->reason, d->detail,
		  d->reason != NULL && strcmp(d->reason, "retired_credential") == 0);
	if (d->acct.state == PST_LEGACY_LINKED && audit_enabled()) {
		struct audit_rec r;

		audit_begin(&r, "retired_credential");
		audit_str(&r, "cmecf", p->user);
		audit_str(&r, "linked_pacer", d->acct.linked);
		audit_str(&r, claimed ? "claimed_service" : "service", p->service);
		audit_str(&r, claimed ? "claimed_rhost" : "rhost", p->rhost);
		audit_num(&r, "peer_uid", (long long)rq->peer.uid);
		if (alert != NULL && alert->result != NULL)
			audit_str(&r, "alert", alert->result);
		audit_commit(&r);
	}
}

void
event_redaction(const struct redaction_pending *p, const char *result, const char *reason)
{
	struct kv kv;

	begin(&kv, "redaction");
	pam_subject(&kv, p->service, p->origin_claimed, p->realm, p->user);
	pam_origin(&kv, p->rhost, p->tty, p->ruser, p->origin_claimed);
	uid_field(&kv, "peer_uid", p->peer_uid);
	kv_str(&kv, "notice", p->version);
	finish(&kv, NULL, result, reason, NULL);
	if (audit_enabled()) {
		struct audit_rec r;

		audit_begin(&r, "redaction");
		audit_str(&r, "user", p->user);
		audit_str(&r, "realm", event_realm_name(p->realm));
		audit_str(&r, "service", p->service);
		audit_str(&r, "notice", p->version);
		audit_str(&r, "result", result);
		audit_str(&r, "reason", reason);
		audit_commit(&r);
	}
}

void
event_redaction_unanswered(const void *pending, int expired)
{
	event_redaction(pending, "declined", expired ? "no_answer" : "daemon_stopped");
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
event_drop_summary(uid_t uid, unsigned long count, const char *reason)
{
	struct kv kv;

	begin(&kv, "drop");
	uid_field(&kv, "peer_uid", uid);
	kv_int(&kv, "count", (long long)count);
	finish(&kv, NULL, "error", reason, NULL);
}

void
event_frontend_hint(uid_t uid, const char *peer_class, unsigned int count, unsigned int window_s,
		    const char *group)
{
	char todo[160], detail[400];
	struct kv kv;

	if (group != NULL)
		snprintf(todo, sizeof(todo), "add its user to group %s (socket.frontend_group)",
			 group);
	else
		snprintf(todo, sizeof(todo), "set socket.frontend_group and add its user to that "
			 "group");
	snprintf(detail, sizeof(detail), "uid %u sends PAM requests with a client address (RHOST) "
		 "as a login front end does; if it is one (Apache mod_authnz_pam, a web SSO), %s, "
		 "or all its users share one failure budget", (unsigned int)uid, todo);
	begin(&kv, "frontend_hint");
	uid_field(&kv, "peer_uid", uid);
	kv_str(&kv, "peer_class", peer_class);
	kv_int(&kv, "count", (long long)count);
	kv_int(&kv, "window_s", (long long)window_s);
	finish_at(&kv, NULL, "warning", "not_in_frontend_group", detail, true);
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
	if (strcmp(e->result, "ok") == 0 && e->txn != 0 && audit_enabled()) {
		struct audit_rec r;

		audit_begin(&r, "link");
		audit_str(&r, "pacer", e->pacer);
		audit_str(&r, "cmecf", e->cmecf);
		audit_num(&r, "txn", (long long)e->txn);
		if (rq != NULL)
			audit_num(&r, "peer_uid", (long long)rq->peer.uid);
		audit_commit(&r);
	}
}

void
event_clerk(const struct request *rq, const struct clerk_event *e)
{
	char when[32] = "";
	struct kv kv;

	begin(&kv, e->action);
	uid_field(&kv, "admin_uid", rq->peer.uid);
	kv_quoted(&kv, "cmecf", e->cmecf);
	if (e->pacer != NULL)
		kv_quoted(&kv, "pacer", e->pacer);
	if (e->txn != 0)
		kv_fmt(&kv, "txn", "%llu", (unsigned long long)e->txn);
	if (e->expires != 0)
		kv_str(&kv, "expires", iso_time(e->expires, when));
	if (e->note != NULL)
		kv_quoted(&kv, "note", e->note);
	finish(&kv, rq, e->result, e->reason, e->detail);
	if (strcmp(e->result, "ok") == 0 && audit_enabled()) {
		struct audit_rec r;

		audit_begin(&r, e->action);
		audit_str(&r, "cmecf", e->cmecf);
		if (e->pacer != NULL)
			audit_str(&r, "pacer", e->pacer);
		if (e->txn != 0)
			audit_num(&r, "txn", (long long)e->txn);
		if (e->expires != 0)
			audit_str(&r, "expires", when);
		if (e->note != NULL)
			audit_str(&r, "note", e->note);
		audit_num(&r, "admin_uid", (long long)rq->peer.uid);
		audit_commit(&r);
	}
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
event_announce(const struct request *rq, const struct announce_event *e)
{
	struct kv kv;

	begin(&kv, "announce");
	uid_field(&kv, "admin_uid", rq->peer.uid);
	kv_str(&kv, "again", e->again ? "yes" : "no");
	kv_int(&kv, "told", (long long)e->told);
	kv_int(&kv, "already", (long long)e->already);
	kv_int(&kv, "no_address", (long long)e->no_address);
	kv_int(&kv, "raced", (long long)e->raced);
	kv_str(&kv, "more", e->more ? "yes" : "no");
	if (e->first_txn != 0)
		kv_fmt(&kv, "txns", "%llu-%llu", (unsigned long long)e->first_txn,
		       (unsigned long long)e->last_txn);
	finish(&kv, rq, e->result, e->reason, e->detail);
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
