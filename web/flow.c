/*
 * flow.c - the linking procedure's forms (see flow.h).
 *
 * The prepared link's token lives only in the session and is taken out of
 * it before LINK_COMMIT is sent, so a second Submit finds nothing to
 * commit.
 */
#include "flow.h"

#include <ctype.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "clock.h"
#include "kv.h"
#include "throttle.h"

static const struct webconf *cfg;
static struct backend be;

static const char bad_login[] =
	"The PACER username or password is not correct, or there were too many attempts. "
	"Check them and try again, or wait and try again later.";

void
flow_init(const struct webconf *c)
{
	cfg = c;
	be.socket = c->socket_path;
	be.timeout_ms = c->timeout_ms;
}

/* Logins are ASCII [A-Za-z0-9._@-], as ecflinkd accepts them. */
bool
flow_valid_login(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("._@-", s[n]) == NULL)
			return false;
	return n > 0 && n <= SESSION_LOGIN_MAX;
}

void
flow_log(const char *event, const char *user, const char *rhost, const char *result,
	const char *reason, const char *detail)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", event);
	if (user != NULL)
		kv_quoted(&kv, "user", user);
	if (rhost != NULL)
		kv_str(&kv, "rhost", rhost);
	kv_str(&kv, "result", result);
	kv_str(&kv, "reason", reason);
	if (detail != NULL)
		kv_quoted(&kv, "detail", detail);
	syslog(LOG_NOTICE, "%s", kv_line(&kv));
}

bool
flow_take_account(struct reply *rp, struct session *s, const struct backend_reply *r)
{
	if (!r->reached || r->result == PRS_UNAVAIL) {
		flow_log("web_account", s->pacer, NULL, "error", "ecflinkd_unavailable",
			r->reached ? r->reason : r->error);
		reply_unavailable_page(rp, NULL, "/", "Try again");
		return false;
	}
	s->notice[0] = '\0';
	s->linked[0] = '\0';
	if (r->result == PRS_SUCCESS) {
		s->state = SS_LINKED;
		snprintf(s->linked, sizeof(s->linked), "%s", r->env_login);
	} else if (r->result == PRS_PERM_DENIED && strcmp(r->reason, "not_linked") == 0) {
		s->state = SS_UNLINKED;
	} else if (r->result == PRS_PERM_DENIED && strcmp(r->reason, "before_golive") == 0) {
		s->state = SS_BEFORE_GOLIVE;
		snprintf(s->notice, sizeof(s->notice), "%s", r->message);
	} else {
		reply_message(rp, NULL, MHD_HTTP_FORBIDDEN, "PACER account not found",
			"This PACER account is not known to this court. Check that you logged in "
			"with your upgraded PACER account, or contact the court.", NULL, NULL);
		return false;
	}
	return true;
}

bool
flow_sso_account(struct reply *rp, struct session *s, const char *login, const char *rhost)
{
	struct backend_reply r;

	snprintf(s->pacer, sizeof(s->pacer), "%s", login);
	backend_account(&be, login, rhost, &r);
	return flow_take_account(rp, s, &r);
}

void
flow_post_login(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
{
	struct throttle_policy pol = { cfg->login_max_failures, cfg->login_window_s,
				       cfg->login_lockout_s };
	const char *login = form_get(f, "login"), *pw = form_get(f, "password");
	struct field_error errs[2];
	struct backend_reply r;
	char lkey[SESSION_LOGIN_MAX + 16], akey[FLOW_ADDR_MAX + 8];
	size_t n = 0, i;
	int64_t now = clock_now_ms();

	if (login == NULL || login[0] == '\0')
		errs[n++] = (struct field_error){ "login", "Enter your PACER username" };
	if (pw == NULL || pw[0] == '\0')
		errs[n++] = (struct field_error){ "password", "Enter your password" };
	if (n > 0) {
		reply_login(rp, s, errs, n, NULL);
		return;
	}
	snprintf(akey, sizeof(akey), "addr:%s", rhost);
	if (!flow_valid_login(login) || strlen(pw) > 1024) {
		throttle_fail(akey, now, &pol);
		flow_log("web_login", login, rhost, "deny", "invalid_login", NULL);
		reply_login(rp, s, NULL, 0, bad_login);
		return;
	}
	snprintf(lkey, sizeof(lkey), "login:%s", login);
	for (i = 0; lkey[i] != '\0'; i++)
		lkey[i] = (char)tolower((unsigned char)lkey[i]);
	if (throttle_locked(lkey, now, NULL) || throttle_locked(akey, now, NULL)) {
		flow_log("web_login", login, rhost, "deny", "throttled", NULL);
		reply_login(rp, s, NULL, 0, bad_login);
		return;
	}
	backend_auth(&be, login, pw, rhost, &r);
	if (!r.reached || r.result == PRS_UNAVAIL) {
		flow_log("web_login", login, rhost, "error", "ecflinkd_unavailable",
			r.reached ? r.reason : r.error);
		reply_unavailable_page(rp, s, "/", "Try again");
		return;
	}
	if (r.result != PRS_SUCCESS) {
		throttle_fail(lkey, now, &pol);
		throttle_fail(akey, now, &pol);
		reply_login(rp, s, NULL, 0, bad_login);
		return;
	}
	throttle_clear(lkey);
	snprintf(s->pacer, sizeof(s->pacer), "%s", login);
	backend_account(&be, login, rhost, &r);
	if (!flow_take_account(rp, s, &r))
		return;
	s->sso = false;
	if (session_rotate(s) < 0) {
		reply_unavailable_page(rp, NULL, "/", "Try again");
		return;
	}
	rp->set_cookie = true;
	reply_redirect(rp, "/");
}

/* Shows a link refusal; the form again for credentials, a page otherwise. */
static void
link_refused(struct reply *rp, struct session *s, const struct backend_reply *r)
{
	const char *m = r->message[0] != '\0' ? r->message : NULL;

	switch (r->result) {
	case PLR_BAD_CREDENTIALS:
		reply_link(rp, s, NULL, 0,
			  m ? m : "The login or password (or reset code) is not correct.");
		return;
	case PLR_BEFORE_GOLIVE:
		reply_message(rp, s, MHD_HTTP_FORBIDDEN, "Linking is not open yet",
			m ? m : "Linking opens when the court goes live.", "/", "Return to the menu");
		return;
	case PLR_CMECF_LINKED:
	case PLR_PACER_LINKED:
		reply_message(rp, s, MHD_HTTP_CONFLICT, "Already linked",
			m ? m : "One of these accounts is already linked. Only the court can undo "
				"a link.", "/", "Return to the menu");
		return;
	case PLR_NOT_ELIGIBLE:
		reply_message(rp, s, MHD_HTTP_FORBIDDEN, "This account cannot be linked",
			m ? m : "This CM/ECF account cannot be linked; contact the court.", "/",
			"Return to the menu");
		return;
	case PLR_EXPIRED:
		reply_message(rp, s, MHD_HTTP_GONE, "This link request has expired",
			m ? m : "This link request has expired or was already used; start again.",
			"/link", "Start again");
		return;
	case PLR_CONFIRM_REQUIRED:
		reply_message(rp, s, MHD_HTTP_OK, "Not linked",
			"You cancelled the link; nothing was changed.", "/",
			"Return to the menu");
		return;
	default:
		reply_message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE,
			      "Linking is temporarily unavailable", m ? m : reply_unavailable, "/",
			      "Return to the menu");
		return;
	}
}

/* Sends LINK_COMMIT for the session's token (taken out of it first). */
static void
commit(struct reply *rp, struct session *s, bool confirm, const char *rhost)
{
	struct backend_reply r;
	char token[sizeof(s->token)];

	memcpy(token, s->token, sizeof(token));
	s->token[0] = '\0';
	session_put(s);
	backend_commit(&be, token, confirm, rhost, &r);
	explicit_bzero(token, sizeof(token));
	if (!r.reached) {
		flow_log("web_link", s->pacer, rhost, "error", "ecflinkd_unavailable", r.error);
		reply_message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE,
			      "Linking is temporarily unavailable",
			      "ecflinkd did not answer; the link may or may not have been made. Log "
			      "in again in a few minutes to see.", "/", "Return to the menu");
		return;
	}
	if (r.result != PLR_OK) {
		link_refused(rp, s, &r);
		return;
	}
	s->txn = r.txn;
	s->state = SS_LINKED;
	snprintf(s->linked, sizeof(s->linked), "%s", r.login[0] ? r.login : s->cmecf_login);
	reply_redirect(rp, "/done");
}

void
flow_post_link(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
{
	const char *login = form_get(f, "cmecf_login"), *pw = form_get(f, "cmecf_password");
	const char *code = form_get(f, "reset_code");
	struct field_error errs[2];
	struct backend_reply r;
	size_t n = 0;

	if (pw != NULL && pw[0] == '\0')
		pw = NULL;
	if (code != NULL && code[0] == '\0')
		code = NULL;
	if (login == NULL || login[0] == '\0')
		errs[n++] = (struct field_error){ "cmecf_login", "Enter your CM/ECF login" };
	if (pw == NULL && code == NULL)
		errs[n++] = (struct field_error){ "cmecf_password",
			"Enter your CM/ECF password, or the reset code from the court" };
	else if (pw != NULL && code != NULL)
		errs[n++] = (struct field_error){ "reset_code",
			"Enter either your CM/ECF password or a reset code, not both" };
	if (n > 0) {
		reply_link(rp, s, errs, n, NULL);
		return;
	}
	if (!flow_valid_login(login) || (pw != NULL && strlen(pw) > 1024) ||
	    (code != NULL && strlen(code) > 128)) {
		reply_link(rp, s, NULL, 0,
			  "The login or password (or reset code) is not correct, or there were too "
			  "many attempts; wait and try again, or ask the court for a link reset code.");
		return;
	}
	backend_prepare(&be, s->pacer, login, pw, code, rhost, &r);
	if (!r.reached) {
		flow_log("web_link", s->pacer, rhost, "error", "ecflinkd_unavailable", r.error);
		reply_unavailable_page(rp, s, "/", "Return to the menu");
		return;
	}
	if (r.result != PLR_OK || r.token[0] == '\0') {
		link_refused(rp, s, &r);
		return;
	}
	snprintf(s->token, sizeof(s->token), "%s", r.token);
	snprintf(s->cmecf_login, sizeof(s->cmecf_login), "%s", r.login);
	snprintf(s->cmecf_name, sizeof(s->cmecf_name), "%s", r.name);
	snprintf(s->pacer_name, sizeof(s->pacer_name), "%s", r.name2);
	s->grade = r.grade;
	explicit_bzero(r.token, sizeof(r.token));
	if (s->grade == PG_EXACT) {
		commit(rp, s, true, rhost);
		return;
	}
	reply_redirect(rp, "/confirm");
}

void
flow_post_confirm(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
{
	const char *action = form_get(f, "action");

	if (s->token[0] == '\0') {
		/* Submitted again (back button, double click): the link was made
		 * or refused already; nothing is sent to ecflinkd. */
		reply_redirect(rp, s->txn != 0 ? "/done" : "/");
		return;
	}
	if (action != NULL && strcmp(action, "cancel") == 0) {
		/* Sent unconfirmed so that ecflinkd logs the attempt now. */
		commit(rp, s, false, rhost);
		return;
	}
	if (action == NULL || strcmp(action, "link") != 0) {
		reply_message(rp, s, MHD_HTTP_BAD_REQUEST, "Bad request",
			"The form did not say whether to link or cancel.", "/confirm", "Back");
		return;
	}
	commit(rp, s, true, rhost);
}
