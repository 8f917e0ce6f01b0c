/*
 * pam_ecflink.c - the PAM entry points of pam_ecflink.so.
 *
 * The module is a thin client of ecflinkd: each PAM call is one request
 * over the daemon's UNIX socket (two for an account phase that asks for the
 * redaction acknowledgement), bounded by timeout_ms.  The AUTH reply also
 * answers the account phase of the same user, kept on the handle with
 * pam_set_data, so a login is one round trip (plus the acknowledgement).  The daemon decides and
 * writes the one syslog line per attempt; the module logs only what the
 * daemon cannot see (daemon away, garbled reply, bad module arguments).  It
 * runs inside other people's processes, so it never exits, never writes to
 * stderr, wipes what held a password and fails closed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "client.h"
#include "kv.h"
#include "proto.h"
#include "sockio.h"

#define ECF_EXPORT __attribute__((visibility("default")))

/* One request and its reply; heap-allocated (128 KiB is too much stack in
 * a host's thread).  Only the bytes a frame used are wiped: touching the
 * whole buffers would fault in 32 pages per PAM call for nothing. */
struct call {
	uint8_t req[PROTO_MAX_FRAME];
	uint8_t rbuf[PROTO_MAX_FRAME];
	struct proto_msg reply;
	struct proto_buf b;
};

/* Wipes the part of the reply buffer the last frame filled (it may hold
 * a redaction token). */
static void
wipe_reply(struct call *c)
{
	size_t len = PROTO_HDR_LEN + ((size_t)c->rbuf[8] << 24 | (size_t)c->rbuf[9] << 16 |
				      (size_t)c->rbuf[10] << 8 | c->rbuf[11]);

	explicit_bzero(c->rbuf, len < sizeof(c->rbuf) ? len : sizeof(c->rbuf));
}

/* args_parse's log callback: ctx is the PAM handle. */
static void
log_arg(void *ctx, int priority, const char *msg)
{
	pam_syslog(ctx, priority, "%s", msg);
}

/* Writes user="..." (escaped) into kv, for log lines. */
static const char *
user_field(struct kv *kv, const char *user)
{
	kv_init(kv);
	kv_quoted(kv, "user", user);
	return kv_line(kv);
}

/*
 * Sends one message through the application's conversation function.  With
 * resp, a successful call hands over the answer (caller wipes and frees it);
 * without, any answer is wiped and dropped.  No conversation function is
 * PAM_CONV_ERR.
 */
static int
conv_one(pam_handle_t *pamh, int style, const char *text, char **resp)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgp = &msg;
	struct pam_response *r = NULL;
	int rc;

	if (resp != NULL)
		*resp = NULL;
	rc = pam_get_item(pamh, PAM_CONV, (const void **)&conv);
	if (rc != PAM_SUCCESS || conv == NULL || conv->conv == NULL)
		return PAM_CONV_ERR;
	rc = conv->conv(1, &msgp, &r, conv->appdata_ptr);
	if (r != NULL) {
		if (rc == PAM_SUCCESS && resp != NULL) {
			*resp = r->resp;
		} else if (r->resp != NULL) {
			explicit_bzero(r->resp, strlen(r->resp));
			free(r->resp);
		}
		free(r);
	}
	return rc;
}

/* Shows text as messages of the given style, each under PAM_MAX_MSG_SIZE;
 * a newline ending a piece is left to the application, which ends every
 * message with one. */
static int
show(pam_handle_t *pamh, int style, const char *text)
{
	char piece[PAM_MAX_MSG_SIZE];
	size_t n;
	int rc = PAM_SUCCESS;

	while (rc == PAM_SUCCESS && (n = client_next_piece(text, sizeof(piece))) > 0) {
		size_t shown = n;

		if (text[shown - 1] == '\n')
			shown--;
		memcpy(piece, text, shown);
		piece[shown] = '\0';
		text += n;
		rc = conv_one(pamh, style, piece, NULL);
	}
	return rc;
}

/* The code for a user the daemon cannot know. */
static int
unknown_user(const struct args *a)
{
	return a->ignore_unknown_user ? PAM_IGNORE : PAM_USER_UNKNOWN;
}

/* Gets the PAM user into *user; PAM_SUCCESS or the code to return. */
static int
get_user(pam_handle_t *pamh, const struct args *a, const char **user)
{
	struct kv kv;
	size_t n;
	int rc;

	rc = pam_get_user(pamh, user, NULL);
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "cannot get the user name: %s", pam_strerror(pamh, rc));
		return rc;
	}
	if (*user == NULL || **user == '\0') {
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "empty user name: %s",
				   client_rc_name(unknown_user(a)));
		return unknown_user(a);
	}
	n = strlen(*user);
	if (n >= PROTO_MAX_STR) {
		pam_syslog(pamh, LOG_NOTICE, "user name of %zu bytes is longer than ecflinkd "
			   "accepts (%d); refused as unknown: %s", n, PROTO_MAX_STR - 1,
			   user_field(&kv, *user));
		return unknown_user(a);
	}
	return PAM_SUCCESS;
}

/* Gets the password (pam_get_authtok reads use_first_pass and try_first_pass
 * from the module arguments itself); PAM_SUCCESS or the code to return. */
static int
get_password(pam_handle_t *pamh, const char *user, const char **password)
{
	struct kv kv;
	int rc;

	rc = pam_get_authtok(pamh, PAM_AUTHTOK, password, NULL);
	if (rc == PAM_CONV_AGAIN)
		return PAM_INCOMPLETE;
	if (rc != PAM_SUCCESS || *password == NULL) {
		pam_syslog(pamh, LOG_NOTICE, "no password obtained for %s: %s; refused",
			   user_field(&kv, user), pam_strerror(pamh, rc));
		return PAM_AUTH_ERR;
	}
	if (strlen(*password) >= PROTO_MAX_STR) {
		pam_syslog(pamh, LOG_NOTICE, "password for %s is longer than ecflinkd accepts; "
			   "refused", user_field(&kv, user));
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

/* Fills the optional items the daemon logs with the attempt. */
static void
get_items(pam_handle_t *pamh, struct client_items *it)
{
	const void *v;

	if (pam_get_item(pamh, PAM_SERVICE, &v) == PAM_SUCCESS)
		it->service = v;
	if (pam_get_item(pamh, PAM_RHOST, &v) == PAM_SUCCESS)
		it->rhost = v;
	if (pam_get_item(pamh, PAM_TTY, &v) == PAM_SUCCESS)
		it->tty = v;
	if (pam_get_item(pamh, PAM_RUSER, &v) == PAM_SUCCESS)
		it->ruser = v;
}

/*
 * Builds the request of phase (an ACK carries token and accepted), makes
 * the round trip and maps the reply into d.  Returns 0, or -1 after one
 * pam_syslog line (the caller fails closed).  The request is wiped.
 */
static int
round_trip(pam_handle_t *pamh, const struct args *a, enum client_phase phase, struct call *c,
	   const struct client_items *it, const char *token, bool accepted,
	   struct client_decision *d)
{
	int64_t deadline = clock_now_ms() + a->timeout_ms;
	char err[CLIENT_ERRLEN];
	enum proto_err e;
	struct kv kv;
	int rc = -1;

	if (phase == CP_ACK)
		e = client_build_ack(&c->b, c->req, sizeof(c->req), token, accepted,
				     a->timeout_ms);
	else
		e = client_build(&c->b, c->req, sizeof(c->req), phase, a, it, a->timeout_ms);
	if (e != PE_OK) {
		snprintf(err, sizeof(err), "cannot build the %s request: %s; failing closed",
			 client_phase_name(phase), proto_strerror(e));
		goto out;
	}
	if (client_exchange(a, phase, &c->b, c->rbuf, &c->reply, deadline, err,
			    sizeof(err)) < 0)
		goto out;
	if (client_map_reply(&c->reply, phase, a, d, err, sizeof(err)) < 0)
		goto out;
	rc = 0;
out:
	explicit_bzero(c->req, c->b.len < sizeof(c->req) ? c->b.len : sizeof(c->req));
	if (rc < 0)
		pam_syslog(pamh, LOG_ERR, "%s (%s)", err, user_field(&kv, it->user));
	return rc;
}

/*
 * The redaction exchange: shows the notice (even under PAM_SILENT: the
 * acknowledgement is required), asks the question, and sends the answer
 * with the token.  No conversation function or a failed one declines.
 * Replaces d with the daemon's answer to the ACK; returns as round_trip.
 */
static int
redaction(pam_handle_t *pamh, const struct args *a, struct call *c,
	  const struct client_items *it, struct client_decision *d)
{
	char *answer = NULL;
	bool yes = false;
	int rc;

	rc = show(pamh, PAM_TEXT_INFO, d->notice);
	if (rc == PAM_SUCCESS)
		rc = conv_one(pamh, PAM_PROMPT_ECHO_ON, d->prompt, &answer);
	if (rc == PAM_SUCCESS)
		yes = client_answer_yes(answer);
	else if (a->debug)
		pam_syslog(pamh, LOG_DEBUG, "redaction notice not acknowledged: conversation "
			   "failed: %s", pam_strerror(pamh, rc));
	if (answer != NULL) {
		explicit_bzero(answer, strlen(answer));
		free(answer);
	}
	return round_trip(pamh, a, CP_ACK, c, it, d->token, yes, d);
}

/* Sets NAME=value in the PAM environment; 0 or -1 after a log line. */
static int
put_env(pam_handle_t *pamh, const char *name, const char *value)
{
	size_t n;
	char *s;
	int rc;

	if (value == NULL)
		return 0;
	n = strlen(name) + 1 + strlen(value) + 1;
	s = malloc(n);
	if (s == NULL) {
		pam_syslog(pamh, LOG_CRIT, "cannot set %s: out of memory", name);
		return -1;
	}
	snprintf(s, n, "%s=%s", name, value);
	rc = pam_putenv(pamh, s);
	free(s);
	if (rc != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_ERR, "cannot set %s: %s", name, pam_strerror(pamh, rc));
		return -1;
	}
	return 0;
}

/* Acts on a decision: message (unless PAM_SILENT), environment on a
 * successful account phase, debug line.  Returns the PAM code. */
static int
finish(pam_handle_t *pamh, const struct args *a, enum client_phase phase, const char *user,
       const struct client_decision *d)
{
	int rc = d->rc;

	if (d->message != NULL && !a->silent)
		show(pamh, d->msg_style, d->message);
	if (rc == PAM_SUCCESS && phase != CP_AUTH &&
	    (put_env(pamh, "ECF_LOGIN", d->env_login) < 0 ||
	     put_env(pamh, "ECF_ROLE", d->env_role) < 0))
		rc = PAM_SYSTEM_ERR;
	if (a->debug) {
		struct kv kv;

		kv_init(&kv);
		kv_str(&kv, "phase", client_phase_name(phase));
		kv_quoted(&kv, "user", user);
		kv_str(&kv, "result", client_rc_name(rc));
		kv_str(&kv, "reason", d->reason);
		pam_syslog(pamh, LOG_DEBUG, "%s", kv_line(&kv));
	}
	return rc;
}

/* pam_set_data name of the account answer an AUTH reply carried. */
#define KEPT_DATA "pam_ecflink_account"

static void
kept_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	client_kept_free(data);
}

/*
 * Keeps the account answer of the AUTH reply in c (if any) on the handle,
 * for the account phase; a failure only costs that phase a round trip.
 */
static void
keep_account(pam_handle_t *pamh, const struct args *a, struct call *c, const char *user)
{
	struct client_kept *k = NULL;
	char err[CLIENT_ERRLEN];
	struct kv kv;
	int rc;

	rc = client_kept_take(&c->reply, a, user, clock_now_ms(), c->req, sizeof(c->req), &k,
			      err, sizeof(err));
	if (rc < 0) {
		pam_syslog(pamh, LOG_WARNING, "%s (%s)", err, user_field(&kv, user));
		return;
	}
	if (k != NULL && pam_set_data(pamh, KEPT_DATA, k, kept_cleanup) != PAM_SUCCESS) {
		client_kept_free(k);
		pam_syslog(pamh, LOG_WARNING, "cannot keep the account answer of the auth reply; "
			   "the account phase will ask ecflinkd again (%s)", user_field(&kv, user));
	}
}

/*
 * The account answer kept by this handle's auth phase, taken off the
 * handle (used once) when it fits this call; NULL when there is none.
 * The caller frees it with client_kept_free.
 */
static struct client_kept *
take_kept(pam_handle_t *pamh, const struct args *a, const char *user)
{
	const void *data = NULL;
	struct client_kept *k = NULL;

	if (pam_get_data(pamh, KEPT_DATA, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	if (client_kept_fits(data, a, user, clock_now_ms())) {
		/* Copy out before pam_set_data replaces (and frees) it. */
		size_t n = sizeof(*k) + ((const struct client_kept *)data)->len + strlen(user) + 1;

		k = malloc(n);
		if (k != NULL) {
			memcpy(k, data, n);
			k->user = (const char *)k->frame + k->len;
		}
	}
	pam_set_data(pamh, KEPT_DATA, NULL, NULL);
	return k;
}

/* The auth and account phases: one request (plus the acknowledgement); an
 * account phase after this handle's auth phase usually none. */
static int
run(pam_handle_t *pamh, int flags, int argc, const char **argv, enum client_phase phase)
{
	struct client_items it = { 0 };
	struct client_decision d;
	struct client_kept *kept = NULL;
	struct call *c = NULL;
	struct args a;
	int rc;

	args_parse(&a, flags, argc, argv, log_arg, pamh);
	rc = get_user(pamh, &a, &it.user);
	if (rc != PAM_SUCCESS)
		return rc;
	if (phase == CP_AUTH) {
		/* An answer kept by an earlier auth call of this handle is
		 * for a decision this call replaces. */
		pam_set_data(pamh, KEPT_DATA, NULL, NULL);
		if (a.authenticate) {
			rc = get_password(pamh, it.user, &it.password);
			if (rc != PAM_SUCCESS)
				return rc;
		}
	} else {
		kept = take_kept(pamh, &a, it.user);
		if (kept == NULL && geteuid() != 0) {
			/* Not root: ecflinkd answers an account phase only
			 * with the password the auth phase took (never
			 * prompted for here). */
			const void *tok = NULL;

			if (pam_get_item(pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS)
				it.password = tok;
		}
	}
	get_items(pamh, &it);
	c = malloc(sizeof(*c));
	if (c == NULL) {
		pam_syslog(pamh, LOG_CRIT, "cannot allocate the request buffers: out of memory");
		client_kept_free(kept);
		return PAM_BUF_ERR;
	}
	c->b.len = 0;
	memset(c->rbuf, 0, PROTO_HDR_LEN);
	rc = PAM_AUTHINFO_UNAVAIL;
	if (kept != NULL) {
		char err[CLIENT_ERRLEN];
		struct kv kv;

		if (client_kept_decision(kept, &a, &c->reply, &d, err, sizeof(err)) < 0) {
			pam_syslog(pamh, LOG_ERR, "%s (%s)", err, user_field(&kv, it.user));
			goto out;
		}
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "account phase answered by the auth reply (%s)",
				   user_field(&kv, it.user));
	} else if (round_trip(pamh, &a, phase, c, &it, NULL, false, &d) < 0) {
		goto out;
	}
	if (d.redaction && redaction(pamh, &a, c, &it, &d) < 0)
		goto out;
	if (phase == CP_AUTH)
		keep_account(pamh, &a, c, it.user);
	rc = finish(pamh, &a, phase, it.user, &d);
out:
	wipe_reply(c);
	free(c);
	client_kept_free(kept);
	return rc;
}

/* --- entry points --- */

ECF_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, CP_AUTH);
}

/* Nothing to set: the account phase puts ECF_LOGIN and ECF_ROLE. */
ECF_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

ECF_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, flags, argc, argv, CP_ACCOUNT);
}

/* Sessions are not the module's business; stacked in a session line it
 * leaves the decision to the other modules. */
ECF_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

ECF_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}
