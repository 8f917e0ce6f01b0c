/*
 * pages.h - the screens of the linking procedure, as HTML.
 *
 * Each function writes one whole page into h.  Every value that did not
 * come from this file is escaped.  The wording is the court's procedure's
 * (issue 13); court name, contact line and logo come from the web group.
 */
#ifndef ECFLINK_PAGES_H
#define ECFLINK_PAGES_H

#include <stddef.h>

#include "html.h"
#include "session.h"
#include "webconf.h"

/* A field in error: the input's id and what to do about it. */
struct field_error {
	const char *field;
	const char *text;
};

struct page {
	const struct webconf *cfg;
	const struct session *s;	/* NULL: no session (no forms) */
	const struct field_error *errors;
	size_t n_errors;
	const char *alert;		/* a refusal shown above the form */
};

extern const char pages_css[];
extern const size_t pages_css_len;

void page_login(struct html *h, const struct page *p);
void page_menu(struct html *h, const struct page *p);
void page_link(struct html *h, const struct page *p);
void page_confirm(struct html *h, const struct page *p);
void page_done(struct html *h, const struct page *p);
/* A refusal or failure: heading, explanation, and where to go next. */
void page_message(struct html *h, const struct page *p, const char *title, const char *text,
		  const char *next_path, const char *next_label);

#endif
