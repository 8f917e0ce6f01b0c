/*
 * kv.h - one log line of escaped key=value fields.
 *
 * Values are written bare when they consist only of safe characters
 * (letters, digits and . _ - : / @ +), and otherwise in double quotes with
 * \" \\ and every byte below 0x20 or from 0x7f up written as \xHH, so that
 * nothing a user types (CR, LF, quotes, control bytes, invalid UTF-8) can
 * forge or split a line.  A missing or empty value is written as -.
 * Values longer than KV_MAX_VALUE bytes are cut and marked with "...".
 * The line is truncated, never overflowed, at KV_LINE_MAX.
 */
#ifndef ECFLINK_KV_H
#define ECFLINK_KV_H

#include <stddef.h>

#define KV_LINE_MAX 8192	/* fits every field of an event escaped in full */
#define KV_MAX_VALUE 256

struct kv {
	char buf[KV_LINE_MAX];
	size_t len;
};

void kv_init(struct kv *kv);
/* Adds key=value, quoting only when the value needs it. */
void kv_str(struct kv *kv, const char *key, const char *value);
/* Adds key="value", always quoted: for names a reader compares by eye. */
void kv_quoted(struct kv *kv, const char *key, const char *value);
void kv_int(struct kv *kv, const char *key, long long value);
/* Adds key=value with a printf-formatted value (treated as safe text). */
void kv_fmt(struct kv *kv, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *kv_line(const struct kv *kv);

#endif
