/*
 * reply.h - what one ecflink-web request answers with, and the ways of
 * filling it that every screen shares: a page, a message, a redirect.
 * handler.c sends it (headers, cookie, Location).
 */
#ifndef ECFLINK_REPLY_H
#define ECFLINK_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "html.h"
#include "pages.h"
#include "session.h"
#include "webconf.h"

struct reply {
	unsigned status;
	struct html h;
	const char *location;		/* a path under the prefix: 303 */
	bool set_cookie;		/* send the session's cookie */
	bool clear_cookie;
	const char *allow;		/* for 405 */
	char cookie_id[SESSION_ID_LEN + 1];
};

/* The words of every "ecflinkd cannot be reached" page. */
extern const char reply_unavailable[];

/* Keeps cfg (court name, contact, logo) for the pages. */
void reply_init(const struct webconf *cfg);
/* 303 to path (under the prefix). */
void reply_redirect(struct reply *rp, const char *path);
/* A message page: status, heading, text and where to go next (NULL: nowhere). */
void reply_message(struct reply *rp, const struct session *s, unsigned status, const char *title,
		   const char *text, const char *next, const char *label);
/* "Linking is temporarily unavailable", 503, with a way on. */
void reply_unavailable_page(struct reply *rp, const struct session *s, const char *next,
			    const char *label);
/* The login and link forms, with what to fix (errs) or a refusal (alert). */
void reply_login(struct reply *rp, const struct session *s, const struct field_error *errs,
		 size_t n, const char *alert);
void reply_link(struct reply *rp, const struct session *s, const struct field_error *errs,
		size_t n, const char *alert);

#endif
