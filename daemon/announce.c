/*
 * announce.c - ADMIN_ANNOUNCE, the go-live announcement (see announce.h).
 */
#include "announce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "decide.h"
#include "events.h"
#include "log.h"
#include "spool.h"
#include "txn.h"

#define PAGE_SIZE 200
/* One account costs two LDAP writes and three fsyncs: stop taking new
 * ones when less than this is left before the deadline. */
#define MARGIN_MS 1500
#define FILTER_MAX 8192

/* One request's progress. */
struct run {
	struct req_ctx *c;
	bool again;
	uint64_t floor;			/* with again: told at or after this = told by this run */
	struct announce_event e;
	bool stopped;			/* the callback stopped the search on purpose */
	enum proto_status st;		/* when failed: the reply's status */
	char detail[sizeof(((struct ldconn_err *)0)->msg)];
};

/* attr's first value copied into out; -1 when absent or too long. */
static int
first_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t len)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	int rc = -1;

	if (v != NULL && v[0] != NULL && v[0]->bv_len < len &&
	    memchr(v[0]->bv_val, '\0', v[0]->bv_len) == NULL) {
		memcpy(out, v[0]->bv_val, v[0]->bv_len);
		out[v[0]->bv_len] = '\0';
		rc = 0;
	}
	ldap_value_free_len(v);
	return rc;
}

/* The entry's ecfAnnounced; 0 when absent or not a number. */
static uint64_t
told_txn(LDAP *ld, LDAPMessage *e)
{
	char buf[24], *end;
	unsigned long long v;

	if (first_value(ld, e, "ecfAnnounced", buf, sizeof(buf)) < 0 || buf[0] < '0' ||
	    buf[0] > '9')
		return 0;
	v = strtoull(buf, &end, 10);
	return *end == '\0' ? (uint64_t)v : 0;
}

/* Stops the run with an error; the reply and log line say why. */
static int
fail(struct run *r, enum proto_status st, const char *reason, const char *why)
{
	r->stopped = true;
	r->st = st;
	r->e.result = "error";
	r->e.reason = reason;
	snprintf(r->detail, sizeof(r->detail), "%s", why);
	return -1;
}

static int
fail_dir(struct run *r, enum dir_rc rc)
{
	return fail(r, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL,
		    rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error", r->c->err.msg);
}

/*
 * Records on dn that announcement a->txn was spooled: ecfAnnounced = txn,
 * only while the entry is not linked and not told (by this run, with
 * again).  DIR_OK, DIR_CONFLICT (linked or told meanwhile), or a failure;
 * *uncertain when it may have been applied without an answer.
 */
static enum dir_rc
mark_told(struct run *r, const char *dn, uint64_t txn, bool *uncertain)
{
	char nbuf[24], assertion[128], *vals[] = { nbuf, NULL };
	LDAPMod m = { .mod_op = LDAP_MOD_REPLACE, .mod_type = "ecfAnnounced",
		      .mod_vals.modv_strvals = vals };
	LDAPMod *mods[] = { &m, NULL };
	struct ldwrite wr = { .dn = dn, .mods = mods, .assertion = assertion };
	enum dir_rc rc;

	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)txn);
	if (r->again)
		snprintf(assertion, sizeof(assertion),
			 "(&(!(ecfLinkedPacer=*))(!(ecfAnnounced>=%llu)))",
			 (unsigned long long)r->floor);
	else
		snprintf(assertion, sizeof(assertion), "(&(!(ecfLinkedPacer=*))(!(ecfAnnounced=*)))");
	rc = ldconn_modify(&r->c->w->dc.write, &r->c->op, &wr);
	*uncertain = rc != DIR_OK && wr.uncertain;
	return rc;
}

/* Spools and records one announcement; 0, or -1 when the run must stop. */
static int
tell(struct run *r, const char *dn, struct announce_notice *a)
{
	struct req_ctx *c = r->c;
	bool uncertain = false;
	enum dir_rc rc;
	int holder;

	rc = txn_next(&c->w->dc.write, &c->op, &a->txn);
	if (rc != DIR_OK)
		return fail_dir(r, rc);
	if (r->floor == 0)
		r->floor = a->txn;
	if (r->e.first_txn == 0)
		r->e.first_txn = a->txn;
	r->e.last_txn = a->txn;
	a->written = time(NULL);
	if (spool_write_pending_announce(c->cfg, a) < 0)
		return fail(r, PS_INTERNAL, "spool_unavailable",
			    "the announcement cannot be spooled (see the daemon's log)");
	rc = mark_told(r, dn, a->txn, &uncertain);
	if (rc != DIR_OK && uncertain) {
		/* Our own Modify may have been applied before its answer was lost. */
		holder = txn_holder(&c->w->dc.write, &c->op, a->txn);
		if (holder < 0)
			return fail(r, PS_UNAVAILABLE, "announce_uncertain",
				    "the directory did not confirm an announcement in time; it "
				    "stays pending and is settled at the next reconciliation");
		rc = holder == 2 ? DIR_OK : DIR_CONFLICT;
	}
	if (rc == DIR_OK) {
		if (spool_mark_announce(c->cfg, a->txn) < 0)
			log_warnx("announcement %llu to %s recorded, but it stays pending until the "
				  "next start", (unsigned long long)a->txn, a->to);
		r->e.told++;
		return 0;
	}
	spool_drop(c->cfg, a->txn);
	if (rc == DIR_CONFLICT) {
		/* Linked, or told by a run beside this one, a moment ago. */
		r->e.raced++;
		return 0;
	}
	return fail_dir(r, rc);
}

/* ldconn_entry_fn: one not-linked CM/ECF entry. */
static int
take(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err)
{
	struct run *r = ctx;
	struct announce_notice a;
	uint64_t told;
	char *dn;
	int rc;

	(void)err;
	if (clock_now_ms() > r->c->deadline - MARGIN_MS) {
		r->stopped = true;
		r->e.more = true;
		return -1;
	}
	told = told_txn(ld, e);
	if (told != 0 && (!r->again || (r->floor != 0 && told >= r->floor))) {
		r->e.already++;
		return 0;
	}
	memset(&a, 0, sizeof(a));
	if (first_value(ld, e, "uid", a.cmecf_login, sizeof(a.cmecf_login)) < 0 ||
	    first_value(ld, e, "mail", a.to, sizeof(a.to)) < 0 ||
	    !mailtext_plain_address(a.to, sizeof(a.to))) {
		r->e.no_address++;
		return 0;
	}
	dn = ldap_get_dn(ld, e);
	if (dn == NULL)
		return fail(r, PS_INTERNAL, "ldap_error", "an entry without a DN");
	rc = tell(r, dn, &a);
	ldap_memfree(dn);
	return rc;
}

/* The accounts to look at: not linked, and of an eligible role when the
 * policy names roles. */
static int
build_filter(const struct config *cfg, char *out, size_t len)
{
	char esc[3 * 256 + 1];
	size_t used, i;
	int w;

	w = snprintf(out, len, "(&(objectClass=ecfAccount)(!(ecfLinkedPacer=*))%s",
		     cfg->n_eligible_roles > 0 ? "(|" : "");
	if (w < 0 || (size_t)w >= len)
		return -1;
	used = (size_t)w;
	for (i = 0; i < cfg->n_eligible_roles; i++) {
		if (ldap_filter_escape(cfg->eligible_roles[i], esc, sizeof(esc)) < 0)
			return -1;
		w = snprintf(out + used, len - used, "(ecfRole=%s)", esc);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
	}
	w = snprintf(out + used, len - used, "%s)", cfg->n_eligible_roles > 0 ? ")" : "");
	return w < 0 || (size_t)w >= len - used ? -1 : 0;
}

static void
reply_refusal(struct proto_buf *b, enum proto_link_result res, const char *reason,
	      const char *msg)
{
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, res);
	proto_put_str(b, PT_REASON, reason);
	proto_put_str(b, PT_MESSAGE, msg);
}

void
announce_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	static char *attrs[] = { "uid", "mail", "ecfAnnounced", NULL };
	const struct config *cfg = c->cfg;
	struct run r = { .c = c, .st = PS_OK };
	char filter[FILTER_MAX], when[128], msg[256];
	uint32_t again = 0;
	enum dir_rc rc;

	proto_u32(m, PT_AGAIN, &again);
	proto_u64(m, PT_TXN, &r.floor);
	r.again = r.e.again = again == 1;
	if (!r.again)
		r.floor = 0;
	if (!decide_live(cfg, time(NULL))) {
		if (config_format_golive(cfg, when, sizeof(when)) < 0)
			snprintf(when, sizeof(when), "a date not set yet (court.golive)");
		snprintf(msg, sizeof(msg), "The court is not live yet (go-live: %s); the "
					   "announcement says linking is open, so it waits.", when);
		reply_refusal(b, PLR_BEFORE_GOLIVE, "before_golive", msg);
		r.e.result = "deny";
		r.e.reason = "before_golive";
		event_announce(c->rq, &r.e);
		return;
	}
	if (cfg->link_url == NULL) {
		reply_refusal(b, PLR_NOT_ELIGIBLE, "no_link_url",
			      "court.link_url is not set in ecflink.conf; the announcement must "
			      "name the court's linking page.");
		r.e.result = "deny";
		r.e.reason = "no_link_url";
		event_announce(c->rq, &r.e);
		return;
	}
	if (build_filter(cfg, filter, sizeof(filter)) < 0) {
		proto_put_u32(b, PT_STATUS, PS_INTERNAL);
		proto_put_str(b, PT_ERROR, "policy.eligible_roles makes too long a filter");
		r.e.result = "error";
		r.e.reason = "bad_filter";
		event_announce(c->rq, &r.e);
		return;
	}
	rc = ldconn_search_paged(&c->w->dc.read, &c->op,
				 &(struct ldsearch){ cfg->cmecf_base, filter, attrs, PAGE_SIZE },
				 take, &r);
	if (rc == DIR_NOT_FOUND)
		snprintf(c->err.msg, sizeof(c->err.msg), "CM/ECF base %s does not exist",
			 cfg->cmecf_base);
	if (rc != DIR_OK && !r.stopped)
		fail_dir(&r, rc == DIR_NOT_FOUND ? DIR_ERROR : rc);
	if (r.e.result != NULL) {
		/* What was spooled before the failure stays spooled and recorded. */
		proto_put_u32(b, PT_STATUS, r.st);
		proto_put_str(b, PT_ERROR, r.detail);
		r.e.detail = r.detail;
		event_announce(c->rq, &r.e);
		return;
	}
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_RESULT, PLR_OK);
	proto_put_u32(b, PT_TOLD, (uint32_t)r.e.told);
	proto_put_u32(b, PT_ALREADY, (uint32_t)r.e.already);
	proto_put_u32(b, PT_NO_ADDRESS, (uint32_t)r.e.no_address);
	proto_put_u32(b, PT_MORE, r.e.more ? 1 : 0);
	if (r.floor != 0)
		proto_put_u64(b, PT_TXN, r.floor);
	r.e.result = "ok";
	r.e.reason = r.e.more ? "partial" : "done";
	event_announce(c->rq, &r.e);
}
