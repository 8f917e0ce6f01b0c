/*
 * html.c - page buffer (see html.h).
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
html_init(struct html *h)
{
	memset(h, 0, sizeof(*h));
}

void
html_free(struct html *h)
{
	free(h->buf);
	memset(h, 0, sizeof(*h));
}

/* Makes room for n more bytes and a NUL; false after a failure. */
static bool
reserve(struct html *h, size_t n)
{
	size_t cap;
	char *p;

	if (h->failed)
		return false;
	if (n >= HTML_MAX - h->len) {
		h->failed = true;
		return false;
	}
	if (h->len + n + 1 <= h->cap)
		return true;
	cap = h->cap ? h->cap : 8192;
	while (cap < h->len + n + 1)
		cap *= 2;
	p = realloc(h->buf, cap);
	if (p == NULL) {
		h->failed = true;
		return false;
	}
	h->buf = p;
	h->cap = cap;
	return true;
}

static void
append(struct html *h, const char *s, size_t n)
{
	if (!reserve(h, n))
		return;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void
html_raw(struct html *h, const char *s)
{
	append(h, s, strlen(s));
}

void
html_text(struct html *h, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		append(h, run, (size_t)(s - run));
		html_raw(h, ent);
		run = s + 1;
	}
	append(h, run, (size_t)(s - run));
}

void
html_fmt(struct html *h, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small)) {
		h->failed = true;
		return;
	}
	append(h, small, (size_t)n);
}

bool
html_failed(const struct html *h)
{
	return h->failed;
}
