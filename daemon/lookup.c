/*
 * lookup.c - PING and LOOKUP (see lookup.h).
 */
#include "lookup.h"

#include <time.h>

#include "decide.h"
#include "events.h"

/* What every PING and LOOKUP reply says about the court. */
static void
put_court(struct proto_buf *b, const struct config *cfg)
{
	proto_put_str(b, PT_COURT, cfg->court_name);
	proto_put_u64(b, PT_GOLIVE, cfg->golive_set ? (uint64_t)cfg->golive : 0);
	proto_put_u32(b, PT_LIVE, decide_live(cfg, time(NULL)));
}

void
lookup_ping(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	(void)m;
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_str(b, PT_VERSION_STR, ECFLINK_VERSION);
	put_court(b, c->cfg);
	event_ping(c->rq);
}

static void
put_account(struct proto_buf *b, const struct account *a)
{
	proto_put_u32(b, PT_REALM, a->realm);
	proto_put_str(b, PT_LOGIN, a->login);
	proto_put_str(b, PT_NAME, a->name);
	if (a->linked[0] != '\0') {
		proto_put_str(b, PT_LINKED, a->linked);
		proto_put_str(b, PT_NAME2, a->linked_name[0] ? a->linked_name : NULL);
		proto_put_u64(b, PT_LINK_TIME, (uint64_t)a->link_time);
		proto_put_u64(b, PT_TXN, a->txn);
	}
	proto_put_str(b, PT_ROLE, a->role[0] ? a->role : NULL);
	proto_put_str(b, PT_MAIL, a->mail[0] ? a->mail : NULL);
	proto_put_str(b, PT_ACCOUNT_NO, a->account_no[0] ? a->account_no : NULL);
}

void
lookup_account(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	const char *user = proto_str(m, PT_USER);
	uint32_t realm = PR_REALM_ANY;
	struct account a;
	enum dir_rc rc;

	proto_u32(m, PT_REALM, &realm);
	if (user == NULL || realm > PR_REALM_PACER) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "LOOKUP needs PT_USER and a valid PT_REALM");
		event_lookup(c->rq, PR_REALM_ANY, user, "error", NULL, "bad request");
		return;
	}
	rc = dir_find(&c->w->dc, &c->op, realm, user, &a);
	if (rc != DIR_OK && rc != DIR_NOT_FOUND) {
		proto_put_u32(b, PT_STATUS, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL);
		proto_put_str(b, PT_ERROR, c->err.msg);
		event_lookup(c->rq, realm, user, "error", NULL, c->err.msg);
		return;
	}
	if (rc == DIR_NOT_FOUND)
		a.state = PST_UNKNOWN;
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_u32(b, PT_STATE, a.state);
	if (rc == DIR_OK)
		put_account(b, &a);
	put_court(b, c->cfg);
	event_lookup(c->rq, realm, user, "ok", &a, NULL);
}
