/*
 * handler.c - ecflink-web's requests (see handler.h).
 *
 * Each screen is a GET that shows it and, where it has a form, a POST that
 * acts (flow.h) and then redirects (303), so that reloading or going back
 * never sends a form twice.  Here: the client's address and SSO identity,
 * the session and CSRF checks, routing, and sending the reply with its
 * headers.
 */
#include "handler.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "flow.h"
#include "form.h"
#include "pages.h"
#include "reply.h"
#include "session.h"

static const struct webconf *cfg;
static char *logo;
static size_t logo_len;
static const char *logo_type;

/* One request: its body as it arrives. */
struct req {
	size_t len;
	bool too_big;
	char body[HANDLER_BODY_MAX + 1];
};

int
handler_init(const struct webconf *c, char *err, size_t errlen)
{
	struct stat st;
	const char *dot;
	ssize_t n;
	int fd;

	cfg = c;
	reply_init(c);
	flow_init(c);
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
	char last[FLOW_ADDR_MAX];
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
csrf_refused(struct reply *rp, const struct session *s)
{
	reply_message(rp, s, MHD_HTTP_FORBIDDEN, "This form has expired",
		"For your security, the form could not be accepted: it did not come from this "
		"site's own page, or the page was open too long. Nothing was changed. Please start "
		"again.", "/", "Start again");
}

/* --- routing ------------------------------------------------------------------- */

/* Finds the browser's session; with SSO, proves one from the header. */
static bool
resolve_session(struct MHD_Connection *conn, struct reply *rp, struct session *s,
		const char *rhost, bool *have)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, HANDLER_COOKIE);
	const char *sso = sso_login(conn);

	*have = id != NULL && session_get(id, clock_now_ms(), s);
	if (sso == NULL || (*have && s->sso && strcmp(s->pacer, sso) == 0))
		return true;
	if (!flow_valid_login(sso)) {
		flow_log("web_sso", sso, rhost, "deny", "invalid_login", NULL);
		reply_message(rp, NULL, MHD_HTTP_FORBIDDEN, "PACER account not found",
			"This PACER account is not known to this court.", NULL, NULL);
		return false;
	}
	if (!*have && session_new(clock_now_ms(), s) < 0) {
		reply_unavailable_page(rp, NULL, "/", "Try again");
		return false;
	}
	*have = true;
	memset(s->token, 0, sizeof(s->token));
	s->txn = 0;
	if (!flow_sso_account(rp, s, sso, rhost)) {
		s->state = SS_ANON;
		session_put(s);
		return false;
	}
	s->sso = true;
	if (session_rotate(s) < 0) {
		reply_unavailable_page(rp, NULL, "/", "Try again");
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
	char rhost[FLOW_ADDR_MAX];
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
			reply_message(rp, NULL, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported form",
				"This page accepts only forms sent by a web browser.", "/",
				"Start again");
			goto out;
		}
		rq->body[rq->len] = '\0';
		if (form_parse(rq->body, &f) < 0) {
			reply_message(rp, NULL, MHD_HTTP_BAD_REQUEST, "Bad request",
				"The form could not be read.", "/", "Start again");
			goto out;
		}
		if (!csrf_ok(have, &s, &f)) {
			flow_log("web_csrf", authed ? s.pacer : NULL, rhost, "deny", "csrf", path);
			csrf_refused(rp, have ? &s : NULL);
			goto out;
		}
	}
	if (strcmp(path, "/") == 0 || strcmp(path, "/login") == 0) {
		if (post && strcmp(path, "/login") == 0) {
			flow_post_login(rp, &s, &f, rhost);
		} else if (post) {
			rp->status = MHD_HTTP_METHOD_NOT_ALLOWED;
			rp->allow = "GET, HEAD";
			reply_message(rp, &s, rp->status, "Not allowed", "Use the form on this site.",
				      "/", "Start again");
		} else if (authed && strcmp(path, "/login") == 0) {
			reply_redirect(rp, "/");
		} else if (authed) {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_menu(&rp->h, &p);
		} else {
			if (!have) {
				if (session_new(clock_now_ms(), &s) < 0) {
					reply_unavailable_page(rp, NULL, "/", "Try again");
					goto out;
				}
				have = true;
				rp->set_cookie = true;
			}
			reply_login(rp, &s, NULL, 0, NULL);
		}
	} else if (strcmp(path, "/logout") == 0 && post) {
		session_drop(s.id);
		have = false;
		rp->clear_cookie = true;
		reply_redirect(rp, "/");
	} else if (!authed && (strcmp(path, "/link") == 0 || strcmp(path, "/confirm") == 0 ||
			       strcmp(path, "/done") == 0)) {
		reply_redirect(rp, "/");
	} else if (strcmp(path, "/link") == 0) {
		if (s.state == SS_LINKED && s.txn != 0)
			reply_redirect(rp, "/done");
		else if (s.state == SS_LINKED)
			reply_redirect(rp, "/");
		else if (post)
			flow_post_link(rp, &s, &f, rhost);
		else
			reply_link(rp, &s, NULL, 0, NULL);
	} else if (strcmp(path, "/confirm") == 0) {
		if (post) {
			flow_post_confirm(rp, &s, &f, rhost);
		} else if (s.token[0] != '\0') {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_confirm(&rp->h, &p);
		} else {
			reply_redirect(rp, s.txn != 0 ? "/done" : "/");
		}
	} else if (strcmp(path, "/done") == 0 && !post) {
		if (s.txn != 0) {
			struct page p = { .cfg = cfg, .s = &s };

			rp->status = MHD_HTTP_OK;
			page_done(&rp->h, &p);
		} else {
			reply_redirect(rp, "/");
		}
	} else if (strcmp(path, "/done") == 0 || strcmp(path, "/logout") == 0) {
		rp->allow = strcmp(path, "/done") == 0 ? "GET, HEAD" : "POST";
		reply_message(rp, have ? &s : NULL, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
			"Use the links and forms on this site.", "/", "Start again");
	} else {
		reply_message(rp, have && authed ? &s : NULL, MHD_HTTP_NOT_FOUND, "Page not found",
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
	reply_message(&rp, NULL, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
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
			reply_message(&rp, NULL, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
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
