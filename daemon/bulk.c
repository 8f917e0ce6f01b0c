/*
 * bulk.c - the frame of report and lint (see bulk.h).
 */
#include "bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static void
log_line(const struct bulk *k, const char *result, const char *reason)
{
	struct run_event e = { .action = k->action, .counted = k->counted,
			       .cmecf = k->cs.n_cm, .pacer = k->cs.n_pa,
			       .findings = k->findings, .result = result, .reason = reason,
			       .detail = k->detail };

	event_run(k->c->rq, &e);
}

void
bulk_fail(struct bulk *k, enum proto_status st, const char *reason, const char *why)
{
	proto_put_u32(k->b, PT_STATUS, st);
	proto_put_str(k->b, PT_ERROR, why);
	snprintf(k->detail, sizeof(k->detail), "%s", why);
	log_line(k, "error", reason);
}

int
bulk_begin(struct bulk *k, struct req_ctx *c, const char *action, struct proto_buf *b)
{
	char *tbuf, *jbuf;
	enum dir_rc rc;

	memset(k, 0, sizeof(*k));
	k->c = c;
	k->b = b;
	k->action = action;
	k->findings = -1;
	rc = census_read(&c->w->dc.read, &c->op, &k->cs);
	if (rc != DIR_OK) {
		census_free(&k->cs);
		bulk_fail(k, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL,
			  rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error", c->err.msg);
		return -1;
	}
	k->counted = true;
	tbuf = malloc(PROTO_MAX_STR);
	jbuf = malloc(PROTO_MAX_STR);
	if (tbuf == NULL || jbuf == NULL) {
		free(tbuf);
		free(jbuf);
		bulk_fail(k, PS_INTERNAL, "no_memory", "out of memory for the reply");
		census_free(&k->cs);
		return -1;
	}
	sb_init(&k->text, tbuf, PROTO_MAX_STR);
	sb_init(&k->json, jbuf, PROTO_MAX_STR);
	return 0;
}

void
bulk_reply(struct bulk *k, int result)
{
	if (k->text.full || k->json.full) {
		bulk_fail(k, PS_INTERNAL, "reply_too_large",
			  "the result does not fit a reply (is court.name very long?)");
		return;
	}
	proto_put_u32(k->b, PT_STATUS, PS_OK);
	proto_put_str(k->b, PT_TEXT, k->text.p);
	proto_put_str(k->b, PT_JSON, k->json.p);
	if (result >= 0)
		proto_put_u32(k->b, PT_RESULT, (uint32_t)result);
	log_line(k, "ok", NULL);
}

void
bulk_end(struct bulk *k)
{
	census_free(&k->cs);
	free(k->text.p);
	free(k->json.p);
	k->text.p = k->json.p = NULL;
}
