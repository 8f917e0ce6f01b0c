/*
 * textout.h - text and JSON written into a fixed buffer, for replies that
 * must fit one protocol field.
 *
 * An append that does not fit writes nothing and sets full; a caller lists
 * entries with a mark (s->len before the entry) and sb_keep, so a listing
 * ends at a whole entry.  The buffer is always NUL-terminated.  Nothing
 * here allocates, logs or exits.
 */
#ifndef ECFLINK_TEXTOUT_H
#define ECFLINK_TEXTOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of one value shown by sb_text before it is cut with "...". */
#define TEXTOUT_VALUE_SHOWN 96

struct sbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

/* Starts an empty text in p (cap bytes, cap >= 1). */
void sb_init(struct sbuf *s, char *p, size_t cap);
void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_write(struct sbuf *s, const void *data, size_t n);
/* Undoes everything appended since mark when it overflowed or passed
 * limit; true when it was kept. */
bool sb_keep(struct sbuf *s, size_t mark, size_t limit);
/*
 * Appends str as a JSON string: quote and backslash escaped, control bytes
 * as \u00XX, and a byte that is not valid UTF-8 as U+FFFD, so the document
 * parses whatever the directory holds.
 */
void sb_json_str(struct sbuf *s, const char *str);
/*
 * Appends str for a terminal: control bytes as \xHH, at most
 * TEXTOUT_VALUE_SHOWN bytes (then "..."), padded with spaces to width
 * columns (0: no padding).
 */
void sb_text(struct sbuf *s, const char *str, int width);
/* Appends all of str for a terminal, control bytes (and DEL) as \xHH. */
void sb_escaped(struct sbuf *s, const char *str);

#endif
