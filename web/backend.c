/*
 * backend.c - ecflinkd requests (see backend.h).
 */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockio.h"

#define SERVICE "ecflink-web"

/* Request and reply buffers of one call, off the stack (128 KiB). */
struct call {
	uint8_t req[PROTO_MAX_FRAME];
	uint8_t rep[PROTO_MAX_FRAME];
	struct proto_msg reply;
	struct proto_buf b;
};

static struct call *
begin(const struct backend *be, uint16_t type, struct backend_reply *r)
{
	struct call *c = malloc(sizeof(*c));

	memset(r, 0, sizeof(*r));
	if (c == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return NULL;
	}
	proto_begin(&c->b, c->req, sizeof(c->req), type);
	proto_put_u32(&c->b, PT_DEADLINE_MS, (uint32_t)be->timeout_ms);
	return c;
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Sends c's request, fills r, wipes and frees c. */
static void
finish(const struct backend *be, struct call *c, struct backend_reply *r)
{
	char err[SOCKIO_ERRLEN];
	const struct proto_msg *m = &c->reply;
	uint32_t st;

	if (proto_finish(&c->b) != PE_OK) {
		snprintf(r->error, sizeof(r->error), "request too large: %s",
			 proto_strerror(c->b.err));
		goto out;
	}
	if (sockio_call(be->socket, &c->b, c->rep, &c->reply,
			clock_now_ms() + be->timeout_ms, err, sizeof(err)) < 0) {
		snprintf(r->error, sizeof(r->error), "ecflinkd at %s: %s", be->socket, err);
		goto out;
	}
	if (proto_u32(m, PT_STATUS, &st) < 0 || st != PS_OK) {
		snprintf(r->error, sizeof(r->error), "ecflinkd refused: %s: %s",
			 proto_status_str((enum proto_status)st),
			 proto_str(m, PT_ERROR) ? proto_str(m, PT_ERROR) : "no reason given");
		goto out;
	}
	r->reached = true;
	if (proto_u32(m, PT_RESULT, &r->result) < 0) {
		r->reached = false;
		snprintf(r->error, sizeof(r->error), "ecflinkd's reply has no result");
		goto out;
	}
	copy(r->reason, sizeof(r->reason), proto_str(m, PT_REASON));
	copy(r->message, sizeof(r->message), proto_str(m, PT_MESSAGE));
	copy(r->login, sizeof(r->login), proto_str(m, PT_LOGIN));
	copy(r->name, sizeof(r->name), proto_str(m, PT_NAME));
	copy(r->linked, sizeof(r->linked), proto_str(m, PT_LINKED));
	copy(r->name2, sizeof(r->name2), proto_str(m, PT_NAME2));
	copy(r->env_login, sizeof(r->env_login), proto_str(m, PT_ENV_LOGIN));
	copy(r->token, sizeof(r->token), proto_str(m, PT_TOKEN));
	r->grade = PG_DIFFERENT;
	proto_u32(m, PT_GRADE, &r->grade);
	proto_u64(m, PT_TXN, &r->txn);
out:
	explicit_bzero(c, sizeof(*c));
	free(c);
}

void
backend_auth(const struct backend *be, const char *user, const char *password,
	     const char *rhost, struct backend_reply *r)
{
	struct call *c = begin(be, PT_AUTH, r);

	if (c == NULL)
		return;
	proto_put_u32(&c->b, PT_REALM, PR_REALM_PACER);
	proto_put_str(&c->b, PT_USER, user);
	proto_put_str(&c->b, PT_PASSWORD, password);
	proto_put_u32(&c->b, PT_FLAGS, PF_AUTHENTICATE);
	proto_put_str(&c->b, PT_SERVICE, SERVICE);
	proto_put_str(&c->b, PT_RHOST, rhost);
	finish(be, c, r);
}

void
backend_account(const struct backend *be, const char *user, const char *rhost,
		struct backend_reply *r)
{
	struct call *c = begin(be, PT_ACCOUNT, r);

	if (c == NULL)
		return;
	proto_put_u32(&c->b, PT_REALM, PR_REALM_PACER);
	proto_put_str(&c->b, PT_USER, user);
	proto_put_u32(&c->b, PT_FLAGS, 0);
	proto_put_str(&c->b, PT_SERVICE, SERVICE);
	proto_put_str(&c->b, PT_RHOST, rhost);
	finish(be, c, r);
}

void
backend_prepare(const struct backend *be, const char *pacer, const char *cmecf,
		const char *password, const char *code, const char *rhost,
		struct backend_reply *r)
{
	struct call *c = begin(be, PT_LINK_PREPARE, r);

	if (c == NULL)
		return;
	proto_put_str(&c->b, PT_USER, pacer);
	proto_put_str(&c->b, PT_CMECF_LOGIN, cmecf);
	if (code != NULL)
		proto_put_str(&c->b, PT_RESET_CODE, code);
	else
		proto_put_str(&c->b, PT_CMECF_PASSWORD, password);
	proto_put_str(&c->b, PT_RHOST, rhost);
	finish(be, c, r);
}

void
backend_commit(const struct backend *be, const char *token, bool confirm, const char *rhost,
	       struct backend_reply *r)
{
	struct call *c = begin(be, PT_LINK_COMMIT, r);

	if (c == NULL)
		return;
	proto_put_str(&c->b, PT_TOKEN, token);
	proto_put_u32(&c->b, PT_CONFIRM, confirm ? 1 : 0);
	proto_put_str(&c->b, PT_RHOST, rhost);
	finish(be, c, r);
}
