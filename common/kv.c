/*
 * kv.c - escaped key=value log lines (see kv.h).
 */
#include "kv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
kv_init(struct kv *kv)
{
	kv->buf[0] = '\0';
	kv->len = 0;
}

/* Appends raw bytes, keeping room for the terminating NUL. */
static void
append(struct kv *kv, const char *s, size_t n)
{
	size_t room = sizeof(kv->buf) - 1 - kv->len;

	if (n > room)
		n = room;
	memcpy(kv->buf + kv->len, s, n);
	kv->len += n;
	kv->buf[kv->len] = '\0';
}

static int
is_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._-:/@+", c) != NULL;
}

static void
key(struct kv *kv, const char *k)
{
	if (kv->len > 0)
		append(kv, " ", 1);
	append(kv, k, strlen(k));
	append(kv, "=", 1);
}

static void
value(struct kv *kv, const char *v, int force_quotes)
{
	size_t i, n;
	int bare = !force_quotes;

	if (v == NULL || *v == '\0') {
		append(kv, "-", 1);
		return;
	}
	n = strlen(v);
	for (i = 0; bare && i < n; i++)
		bare = is_safe((unsigned char)v[i]);
	if (bare && n <= KV_MAX_VALUE) {
		append(kv, v, n);
		return;
	}
	append(kv, "\"", 1);
	for (i = 0; i < n && i < KV_MAX_VALUE; i++) {
		unsigned char c = (unsigned char)v[i];
		char esc[5];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			append(kv, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			append(kv, esc, 4);
		} else {
			append(kv, (const char *)&c, 1);
		}
	}
	if (n > KV_MAX_VALUE)
		append(kv, "...", 3);
	append(kv, "\"", 1);
}

void
kv_str(struct kv *kv, const char *k, const char *v)
{
	key(kv, k);
	value(kv, v, 0);
}

void
kv_quoted(struct kv *kv, const char *k, const char *v)
{
	key(kv, k);
	value(kv, v, 1);
}

void
kv_int(struct kv *kv, const char *k, long long v)
{
	kv_fmt(kv, k, "%lld", v);
}

void
kv_fmt(struct kv *kv, const char *k, const char *fmt, ...)
{
	char tmp[KV_MAX_VALUE + 2];	/* one byte over, so value() sees and marks a cut */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	kv_str(kv, k, tmp);
}

const char *
kv_line(const struct kv *kv)
{
	return kv->buf;
}
