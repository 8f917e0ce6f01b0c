/*
 * handler.c - ecflink-web's requests (see handler.h).
 *
 * Each screen is a GET that shows it and, where it has a form, a POST that
 * acts and then redirects (303), so that reloading or going back never
 * sends a form twice.  The session remembers where the user is; the
 * prepared link's token lives only there and is taken out of it before
 * LINK_COMMIT is sent, so a second Submit finds nothing to commit.
 */
#include "handler.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "backend.h"
#include "form.h"
#include "kv.h"
#include "pages.h"
#include "session.h"
#include "sockio.h"
#include "throttle.h"

#define ADDR_MAX 64

static const struct webconf *cfg;
static struct backend be;
static char *logo;
static size_t logo_len;
static const char *logo_type;

/* One request: its body as it arrives. */
struct req {
	size_t len;
	bool too_big;
	char body[HANDLER_BODY_MAX + 1];
};

/* What one request is answering with. */
struct reply {
	unsigned status;
	struct html h;
	const char *location;		/* a path under the prefix: 303 */
	bool set_cookie;		/* send the session's cookie */
	bool clear_cookie;
	const char *allow;		/* for 405 */
	char cookie_id[SESSION_ID_LEN + 1];
};

static const char bad_login[] =
	"The PACER username or password is not correct, or there were too many attempts. "
	"Check them and try again, or wait and try again later.";
static const char unavailable[] =
	"Linking is temporarily unavailable. Nothing was changed. Please try again later.";

int
handler_init(const struct webconf *c, char *err, size_t errlen)
{
	struct stat st;
	const char *dot;
	ssize_t n;
	int fd;

	cfg = c;
	be.socket = c->socket_path;
	be.timeout_ms = c->timeout_ms;
	if (c->logo == NULL)
		return 0;
	fd = open(c->logo, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "web.logo %s: %s", c->logo, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	logo = malloc((size_t)st.st_size);
	n = logo ? read(fd, logo, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		snprintf(err, errlen, "web.logo %s: cannot read it whole", c->logo);
		return -1;
	}
	logo_len = (size_t)n;
	dot = strrchr(c->logo, '.');
	if (strcasecmp(dot, ".svg") == 0)
		logo_type = "image/svg+xml";
	else if (strcasecmp(dot, ".png") == 0)
		logo_type = "image/png";
	else if (strcasecmp(dot, ".gif") == 0)
		logo_type = "image/gif";
	else
		logo_type = "image/jpeg";
	return 0;
}

/* --- the client ------------------------------------------------------------ */

static const struct sockaddr *
peer_addr(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci ? ci->client_addr : NULL;
}

/*
 * The browser's address: the peer's, or, from a trusted proxy, the last
 * address of its X-Forwarded-For (the one the proxy itself appended).
 */
static void
client_addr(struct MHD_Connection *conn, char *out, size_t len)
{
	const struct sockaddr *sa = peer_addr(conn);
	const char *xff;
	char last[ADDR_MAX];
	unsigned char bin[16];

	snprintf(out, len, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)len);
	if (!webconf_trusted(cfg, sa))
		return;
	xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff == NULL)
		return;
	xff = strrchr(xff, ',') ? strrchr(xff, ',') + 1 : xff;
	while (*xff == ' ' || *xff == '\t')
		xff++;
	snprintf(last, sizeof(last), "%s", xff);
	last[strcspn(last, " \t")] = '\0';
	if (inet_pton(AF_INET, last, bin) == 1 || inet_pton(AF_INET6, last, bin) == 1)
		snprintf(out, len, "%s", last);
}

/* The login the court's SSO vouches for, when it may be believed. */
static const char *
sso_login(struct MHD_Connection *conn)
{
	const char *v;

	if (cfg->trust_header == NULL || !webconf_trusted(cfg, peer_addr(conn)))
		return NULL;
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, cfg->trust_header);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Logins are ASCII [A-Za-z0-9._@-], as ecflinkd accepts them. */
static bool
valid_login(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("._@-", s[n]) == NULL)
			return false;
	return n > 0 && n <= SESSION_LOGIN_MAX;
}

static void
log_web(const char *event, const char *user, const char *rhost, const char *result,
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

/* --- responses ------------------------------------------------------------- */

static void
add_security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; form-action 'self'; frame-ancestors 'none'; "
				"base-uri 'none'; object-src 'none'");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	if (cfg->https)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

static enum MHD_Result
send_static(struct MHD_Connection *conn, unsigned status, const char *type, const void *data,
	    size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	add_security_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Sends rp: its page, redirect and cookie change. */
static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct reply *rp)
{
	static const char oom[] = "Internal error: the page could not be built.\n";
	struct MHD_Response *r;
	char cookie[256], where[1024];
	enum MHD_Result rc;
	const char *path = cfg->prefix[0] != '\0' ? cfg->prefix : "/";

	if (html_failed(&rp->h)) {
		html_free(&rp->h);
		return send_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", oom,
				   sizeof(oom) - 1);
	}
	r = MHD_create_response_from_buffer(rp->h.len, rp->h.buf ? rp->h.buf : (char *)"",
					    MHD_RESPMEM_MUST_COPY);
	html_free(&rp->h);
	if (r == NULL)
		return MHD_NO;
	add_security_headers(r);
	MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Pragma", "no-cache");
	if (rp->allow != NULL)
		MHD_add_response_header(r, "Allow", rp->allow);
	if (rp->location != NULL) {
		snprintf(where, sizeof(where), "%s%s", cfg->prefix, rp->location);
		MHD_add_response_header(r, "Location", where);
	}
	if (rp->clear_cookie) {
		snprintf(cookie, sizeof(cookie),
			 HANDLER_COOKIE "=; Path=%s; Max-Age=0; HttpOnly; Secure; SameSite=Strict",
			 path);
		MHD_add_response_header(r, "Set-Cookie", cookie);
	} else if (rp->set_cookie && rp->cookie_id[0] != '\0') {
		snprintf(cookie, sizeof(cookie),
			 HANDLER_COOKIE "=%s; Path=%s; HttpOnly; Secure; SameSite=Strict",
			 rp->cookie_id, path);
		MHD_add_response_header(r, "Set-Cookie", cookie);
	}
	rc = MHD_queue_response(conn, rp->status, r);
	MHD_destroy_response(r);
	return rc;
}

static void
redirect(struct reply *rp, const char *path)
{
	rp->status = MHD_HTTP_SEE_OTHER;
	rp->location = path;
}

static void
message(struct reply *rp, const struct session *s, unsigned status, const char *title,
	const char *text, const char *next, const char *label)
{
	struct page p = { .cfg = cfg, .s = s };

	rp->status = status;
	page_message(&rp->h, &p, title, text, next, label);
}

static void
csrf_refused(struct reply *rp, const struct session *s)
{
	message(rp, s, MHD_HTTP_FORBIDDEN, "This form has expired",
		"For your security, the form could not be accepted: it did not come from this "
		"site's own page, or the page was open too long. Nothing was changed. Please start "
		"again.", "/", "Start again");
}

/* --- account state ------------------------------------------------------------ */

/* Sets s's state from an ACCOUNT reply; false (and rp answered) when the
 * account cannot use these pages. */
static bool
take_account(struct reply *rp, struct session *s, const struct backend_reply *r)
{
	if (!r->reached || r->result == PRS_UNAVAIL) {
		log_web("web_account", s->pacer, NULL, "error", "ecflinkd_unavailable",
			r->reached ? r->reason : r->error);
		message(rp, NULL, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Try again");
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
		message(rp, NULL, MHD_HTTP_FORBIDDEN, "PACER account not found",
			"This PACER account is not known to this court. Check that you logged in "
			"with your upgraded PACER account, or contact the court.", NULL, NULL);
		return false;
	}
	return true;
}

/* --- screens ------------------------------------------------------------------ */

static void
show_login(struct reply *rp, const struct session *s, const struct field_error *errs,
	   size_t n, const char *alert)
{
	struct page p = { .cfg = cfg, .s = s, .errors = errs, .n_errors = n, .alert = alert };

	rp->status = MHD_HTTP_OK;
	page_login(&rp->h, &p);
}

static void
show_link(struct reply *rp, const struct session *s, const struct field_error *errs, size_t n,
	  const char *alert)
{
	struct page p = { .cfg = cfg, .s = s, .errors = errs, .n_errors = n, .alert = alert };

	rp->status = MHD_HTTP_OK;
	page_link(&rp->h, &p);
}

static void
post_login(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
{
	struct throttle_policy pol = { cfg->login_max_failures, cfg->login_window_s,
				       cfg->login_lockout_s };
	const char *login = form_get(f, "login"), *pw = form_get(f, "password");
	struct field_error errs[2];
	struct backend_reply r;
	char lkey[SESSION_LOGIN_MAX + 16], akey[ADDR_MAX + 8];
	size_t n = 0, i;
	int64_t now = clock_now_ms();

	if (login == NULL || login[0] == '\0')
		errs[n++] = (struct field_error){ "login", "Enter your PACER username" };
	if (pw == NULL || pw[0] == '\0')
		errs[n++] = (struct field_error){ "password", "Enter your password" };
	if (n > 0) {
		show_login(rp, s, errs, n, NULL);
		return;
	}
	snprintf(akey, sizeof(akey), "addr:%s", rhost);
	if (!valid_login(login) || strlen(pw) > 1024) {
		throttle_fail(akey, now, &pol);
		log_web("web_login", login, rhost, "deny", "invalid_login", NULL);
		show_login(rp, s, NULL, 0, bad_login);
		return;
	}
	snprintf(lkey, sizeof(lkey), "login:%s", login);
	for (i = 0; lkey[i] != '\0'; i++)
		lkey[i] = (char)tolower((unsigned char)lkey[i]);
	if (throttle_locked(lkey, now, NULL) || throttle_locked(akey, now, NULL)) {
		log_web("web_login", login, rhost, "deny", "throttled", NULL);
		show_login(rp, s, NULL, 0, bad_login);
		return;
	}
	backend_auth(&be, login, pw, rhost, &r);
	if (!r.reached || r.result == PRS_UNAVAIL) {
		log_web("web_login", login, rhost, "error", "ecflinkd_unavailable",
			r.reached ? r.reason : r.error);
		message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Try again");
		return;
	}
	if (r.result != PRS_SUCCESS) {
		throttle_fail(lkey, now, &pol);
		throttle_fail(akey, now, &pol);
		show_login(rp, s, NULL, 0, bad_login);
		return;
	}
	throttle_clear(lkey);
	snprintf(s->pacer, sizeof(s->pacer), "%s", login);
	backend_account(&be, login, rhost, &r);
	if (!take_account(rp, s, &r))
		return;
	s->sso = false;
	if (session_rotate(s) < 0) {
		message(rp, NULL, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Try again");
		return;
	}
	rp->set_cookie = true;
	redirect(rp, "/");
}

/* Shows a link refusal; the form again for credentials, a page otherwise. */
static void
link_refused(struct reply *rp, struct session *s, const struct backend_reply *r)
{
	const char *m = r->message[0] != '\0' ? r->message : NULL;

	switch (r->result) {
	case PLR_BAD_CREDENTIALS:
		show_link(rp, s, NULL, 0,
			  m ? m : "The login or password (or reset code) is not correct.");
		return;
	case PLR_BEFORE_GOLIVE:
		message(rp, s, MHD_HTTP_FORBIDDEN, "Linking is not open yet",
			m ? m : "Linking opens when the court goes live.", "/", "Return to the menu");
		return;
	case PLR_CMECF_LINKED:
	case PLR_PACER_LINKED:
		message(rp, s, MHD_HTTP_CONFLICT, "Already linked",
			m ? m : "One of these accounts is already linked. Only the court can undo "
				"a link.", "/", "Return to the menu");
		return;
	case PLR_NOT_ELIGIBLE:
		message(rp, s, MHD_HTTP_FORBIDDEN, "This account cannot be linked",
			m ? m : "This CM/ECF account cannot be linked; contact the court.", "/",
			"Return to the menu");
		return;
	case PLR_EXPIRED:
		message(rp, s, MHD_HTTP_GONE, "This link request has expired",
			m ? m : "This link request has expired or was already used; start again.",
			"/link", "Start again");
		return;
	case PLR_CONFIRM_REQUIRED:
		message(rp, s, MHD_HTTP_OK, "Not linked",
			"You cancelled the link; nothing was changed.", "/",
			"Return to the menu");
		return;
	default:
		message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			m ? m : unavailable, "/", "Return to the menu");
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
		log_web("web_link", s->pacer, rhost, "error", "ecflinkd_unavailable", r.error);
		message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			"ecflinkd did not answer; the link may or may not have been made. Log in "
			"again in a few minutes to see.", "/", "Return to the menu");
		return;
	}
	if (r.result != PLR_OK) {
		link_refused(rp, s, &r);
		return;
	}
	s->txn = r.txn;
	s->state = SS_LINKED;
	snprintf(s->linked, sizeof(s->linked), "%s", r.login[0] ? r.login : s->cmecf_login);
	redirect(rp, "/done");
}

static void
post_link(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
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
		show_link(rp, s, errs, n, NULL);
		return;
	}
	if (!valid_login(login) || (pw != NULL && strlen(pw) > 1024) ||
	    (code != NULL && strlen(code) > 128)) {
		show_link(rp, s, NULL, 0,
			  "The login or password (or reset code) is not correct, or there were too "
			  "many attempts; wait and try again, or ask the court for a link reset code.");
		return;
	}
	backend_prepare(&be, s->pacer, login, pw, code, rhost, &r);
	if (!r.reached) {
		log_web("web_link", s->pacer, rhost, "error", "ecflinkd_unavailable", r.error);
		message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Return to the menu");
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
	redirect(rp, "/confirm");
}

static void
post_confirm(struct reply *rp, struct session *s, const struct form *f, const char *rhost)
{
	const char *action = form_get(f, "action");

	if (s->token[0] == '\0') {
		/* Submitted again (back button, double click): the link was made
		 * or refused already; nothing is sent to ecflinkd. */
		redirect(rp, s->txn != 0 ? "/done" : "/");
		return;
	}
	if (action != NULL && strcmp(action, "cancel") == 0) {
		/* Sent unconfirmed so that ecflinkd logs the attempt now. */
		commit(rp, s, false, rhost);
		return;
	}
	if (action == NULL || strcmp(action, "link") != 0) {
		message(rp, s, MHD_HTTP_BAD_REQUEST, "Bad request",
			"The form did not say whether to link or cancel.", "/confirm", "Back");
		return;
	}
	commit(rp, s, true, rhost);
}

/* --- routing ------------------------------------------------------------------- */

/* Finds the browser's session; with SSO, proves one from the header. */
static bool
resolve_session(struct MHD_Connection *conn, struct reply *rp, struct session *s,
		const char *rhost, bool *have)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, HANDLER_COOKIE);
	const char *sso = sso_login(conn);
	struct backend_reply r;

	*have = id != NULL && session_get(id, clock_now_ms(), s);
	if (sso == NULL || (*have && s->sso && strcmp(s->pacer, sso) == 0))
		return true;
	if (!valid_login(sso)) {
		log_web("web_sso", sso, rhost, "deny", "invalid_login", NULL);
		message(rp, NULL, MHD_HTTP_FORBIDDEN, "PACER account not found",
			"This PACER account is not known to this court.", NULL, NULL);
		return false;
	}
	if (!*have && session_new(clock_now_ms(), s) < 0) {
		message(rp, NULL, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Try again");
		return false;
	}
	*have = true;
	memset(s->token, 0, sizeof(s->token));
	s->txn = 0;
	snprintf(s->pacer, sizeof(s->pacer), "%s", sso);
	backend_account(&be, sso, rhost, &r);
	if (!take_account(rp, s, &r)) {
		s->state = SS_ANON;
		session_put(s);
		return false;
	}
	s->sso = true;
	if (session_rotate(s) < 0) {
		message(rp, NULL, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
			unavailable, "/", "Try again");
		return false;
	}
	rp->set_cookie = true;
	return true;
}

static bool
csrf_ok(bool have, const struct session *s, const struct form *f)
{
	const char *t = form_get(f, "csrf");

	return have && t != NULL && session_equal(t, s->csrf);
}

static void
route(struct MHD_Connection *conn, const char *path, bool post, struct req *rq,
      struct reply *rp)
{
	struct session s;
	struct form f;
	bool have = false, authed;
	char rhost[ADDR_MAX];
	const char *ctype;

	client_addr(conn, rhost, sizeof(rhost));
	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	if (!resolve_session(conn, rp, &s, rhost, &have))
		goto out;
	authed = have && s.state != SS_ANON;
	if (post) {
		ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		if (ctype == NULL ||
		    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0) {
			message(rp, NULL, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported form",
				"This page accepts only forms sent by a web browser.", "/",
				"Start again");
			goto out;
		}
		rq->body[rq->len] = '\0';
		if (form_parse(rq->body, &f) < 0) {
			message(rp, NULL, MHD_HTTP_BAD_REQUEST, "Bad request",
				"The form could not be read.", "/", "Start again");
			goto out;
		}
		if (!csrf_ok(have, &s, &f)) {
			log_web("web_csrf", authed ? s.pacer : NULL, rhost, "deny", "csrf", path);
			csrf_refused(rp, have ? &s : NULL);
			goto out;
		}
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/login") == 0) {
		if (post && strcmp(path, "/login") == 0) {
			post_login(rp, &s, &f, rhost);
		} else if (post) {
			rp->status = MHD_HTTP_METHOD_NOT_ALLOWED;
			rp->allow = "GET, HEAD";
			message(rp, &s, rp->status, "Not allowed", "Use the form on this site.", "/",
				"Start again");
		} else if (authed && strcmp(path, "/login") == 0) {
			redirect(rp, "/");
		} else if (authed) {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_menu(&rp->h, &p);
		} else {
			if (!have) {
				if (session_new(clock_now_ms(), &s) < 0) {
					message(rp, NULL, MHD_HTTP_SERVICE_UNAVAILABLE,
						"Linking is temporarily unavailable", unavailable, "/",
						"Try again");
					goto out;
				}
				have = true;
				rp->set_cookie = true;
			}
			show_login(rp, &s, NULL, 0, NULL);
		}
	} else if (strcmp(path, "/logout") == 0 && post) {
		session_drop(s.id);
		have = false;
		rp->clear_cookie = true;
		redirect(rp, "/");
	} else if (!authed && (strcmp(path, "/link") == 0 || strcmp(path, "/confirm") == 0 ||
			       strcmp(path, "/done") == 0)) {
		redirect(rp, "/");
	} else if (strcmp(path, "/link") == 0) {
		if (s.state == SS_LINKED && s.txn != 0)
			redirect(rp, "/done");
		else if (s.state == SS_LINKED)
			redirect(rp, "/");
		else if (post)
			post_link(rp, &s, &f, rhost);
		else
			show_link(rp, &s, NULL, 0, NULL);
	} else if (strcmp(path, "/confirm") == 0) {
		if (post) {
			post_confirm(rp, &s, &f, rhost);
		} else if (s.token[0] != '\0') {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_confirm(&rp->h, &p);
		} else {
			redirect(rp, s.txn != 0 ? "/done" : "/");
		}
	} else if (strcmp(path, "/done") == 0 && !post) {
		if (s.txn != 0) {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_done(&rp->h, &p);
		} else {
			redirect(rp, "/");
		}
	} else if (strcmp(path, "/done") == 0 || strcmp(path, "/logout") == 0) {
		rp->allow = strcmp(path, "/done") == 0 ? "GET, HEAD" : "POST";
		message(rp, have ? &s : NULL, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
			"Use the links and forms on this site.", "/", "Start again");
	} else {
		message(rp, have && authed ? &s : NULL, MHD_HTTP_NOT_FOUND, "Page not found",
			"There is no page at this address.", "/", "Go to the start page");
	}
	if (have)
		session_put(&s);
out:
	explicit_bzero(rq->body, sizeof(rq->body));
	explicit_bzero(&f, sizeof(f));
	explicit_bzero(&s.token, sizeof(s.token));
	if (rp->set_cookie)
		memcpy(rp->cookie_id, s.id, sizeof(rp->cookie_id));
}

static enum MHD_Result
too_big(struct MHD_Connection *conn)
{
	struct reply rp = { 0 };

	html_init(&rp.h);
	message(&rp, NULL, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
		"The form sent was larger than this site accepts.", "/", "Start again");
	return send_reply(conn, &rp);
}

enum MHD_Result
handler_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	       const char *version, const char *upload_data, size_t *upload_data_size,
	       void **req_cls)
{
	struct req *rq = *req_cls;
	struct reply rp = { 0 };
	const char *path = url, *clen;
	size_t plen = strlen(cfg->prefix);
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void)cls;
	(void)version;
	if (rq == NULL) {
		/* First call: headers only.  Refuse what must not be read. */
		if (!get && !post) {
			html_init(&rp.h);
			rp.allow = "GET, HEAD, POST";
			message(&rp, NULL, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
				"This site answers only GET and POST.", "/", "Start again");
			return send_reply(conn, &rp);
		}
		clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (clen != NULL && strtoull(clen, NULL, 10) > HANDLER_BODY_MAX)
			return too_big(conn);
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*req_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!post || rq->too_big || *upload_data_size > HANDLER_BODY_MAX - rq->len) {
			rq->too_big = true;
			explicit_bzero(rq->body, sizeof(rq->body));
		} else {
			memcpy(rq->body + rq->len, upload_data, *upload_data_size);
			rq->len += *upload_data_size;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return too_big(conn);
	if (plen > 0) {
		if (strncmp(path, cfg->prefix, plen) != 0 || (path[plen] != '/' && path[plen] != '\0'))
			path = "/-not-here";
		else
			path = path[plen] == '\0' ? "/" : path + plen;
	}
	if (get && strcmp(path, "/style.css") == 0)
		return send_static(conn, MHD_HTTP_OK, "text/css; charset=utf-8", pages_css,
				   pages_css_len);
	if (get && strcmp(path, "/logo") == 0 && logo != NULL)
		return send_static(conn, MHD_HTTP_OK, logo_type, logo, logo_len);
	html_init(&rp.h);
	route(conn, path, post, rq, &rp);
	return send_reply(conn, &rp);
}

void
handler_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		  enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *req_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq != NULL) {
		explicit_bzero(rq, sizeof(*rq));
		free(rq);
		*req_cls = NULL;
	}
}
