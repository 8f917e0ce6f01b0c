/*
 * textout.c - bounded text and JSON output (see textout.h).
 */
#include "textout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


void
sb_init(struct sbuf *s, char *p, size_t cap)
{
	s->p = p;
	s->cap = cap;
	s->len = 0;
	s->full = false;
	p[0] = '\0';
}

void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->cap - s->len) {
		s->p[s->len] = '\0';
		s->full = true;
		return;
	}
	s->len += (size_t)n;
}

void
sb_write(struct sbuf *s, const void *data, size_t n)
{
	if (n >= s->cap - s->len) {
		s->full = true;
		return;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
}

bool
sb_keep(struct sbuf *s, size_t mark, size_t limit)
{
	if (!s->full && s->len <= limit)
		return true;
	s->len = mark;
	s->p[mark] = '\0';
	s->full = false;
	return false;
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when there is none. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned int cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
sb_json_str(struct sbuf *s, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	sb_write(s, "\"", 1);
	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (n == 0) {
			sb_printf(s, "\\ufffd");
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			sb_printf(s, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_printf(s, "\\u%04x", *p);
		else
			sb_write(s, p, n);
		p += n;
	}
	sb_write(s, "\"", 1);
}

void
sb_text(struct sbuf *s, const char *str, int width)
{
	size_t shown = 0;
	int cols = 0;

	for (; *str != '\0'; str++) {
		unsigned char ch = (unsigned char)*str;

		if (shown >= TEXTOUT_VALUE_SHOWN) {
			sb_printf(s, "...");
			cols += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f) {
			sb_printf(s, "\\x%02x", ch);
			cols += 4;
		} else {
			sb_write(s, str, 1);
			cols += (ch & 0xc0) != 0x80;	/* one column per UTF-8 character */
		}
		shown++;
	}
	if (cols < width)
		sb_printf(s, "%*s", width - cols, "");
}

void
sb_escaped(struct sbuf *s, const char *str)
{
	for (; *str != '\0' && !s->full; str++) {
		unsigned char ch = (unsigned char)*str;

		if (ch < 0x20 || ch == 0x7f)
			sb_printf(s, "\\x%02x", ch);
		else
			sb_write(s, str, 1);
	}
}
