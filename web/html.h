/*
 * html.h - a bounded, growing text buffer for pages, with HTML escaping.
 *
 * After the first failure (out of memory, or the page would pass
 * HTML_MAX) every append is a no-op and html_failed() says so; the caller
 * answers with a plain error page instead.
 */
#ifndef ECFLINK_HTML_H
#define ECFLINK_HTML_H

#include <stdbool.h>
#include <stddef.h>

#define HTML_MAX (256 * 1024)

struct html {
	char *buf;
	size_t len, cap;
	bool failed;
};

void html_init(struct html *h);
void html_free(struct html *h);
/* Appends s as it is: for the page's own markup only. */
void html_raw(struct html *h, const char *s);
/* Appends s with & < > " ' written as entities: for every value. */
void html_text(struct html *h, const char *s);
/* Appends printf output as it is (markup with numbers). */
void html_fmt(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool html_failed(const struct html *h);

#endif
