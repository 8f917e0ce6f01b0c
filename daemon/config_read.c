/*
 * config_read.c - typed values out of libconfig settings, every fault
 * reported as "FILE:LINE: KEY: what is wrong" (see config_read.h).
 */
#include "config_read.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Hands one report line to the caller with control bytes written \xHH:
 * a message may quote a value, and a value may hold a newline, which
 * must not split the line (ecflinkd -t prints one fault a line; a reload
 * logs them).
 */
static void
send_line(struct loader *ld, const char *line)
{
	char out[4 * (LINE_MAX_REPORT + 256)];
	size_t o = 0;

	for (; *line != '\0' && o + 5 < sizeof(out); line++) {
		unsigned char ch = (unsigned char)*line;

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	ld->report(ld->ctx, out);
}

/* Reports "FILE:LINE: KEY: message" for setting s (line 0 when s is NULL). */
void
fault(struct loader *ld, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char msg[LINE_MAX_REPORT], line[LINE_MAX_REPORT + 256];
	const char *file = NULL;
	unsigned lineno = 0;
	va_list ap;

	ld->faults++;
	if (ld->report == NULL)
		return;
	if (s != NULL) {
		file = config_setting_source_file(s);
		lineno = config_setting_source_line(s);
	}
	if (file == NULL)
		file = ld->path;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%u: %s: %s", file, lineno, key, msg);
	send_line(ld, line);
}

/* Reports a fault that belongs to no key (file I/O, syntax); file NULL: ld->path. */
void
fault_file(struct loader *ld, const char *file, int lineno, const char *fmt, ...)
{
	char msg[LINE_MAX_REPORT], line[LINE_MAX_REPORT + 256];
	va_list ap;

	ld->faults++;
	if (ld->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file == NULL)
		file = ld->path;
	if (lineno > 0)
		snprintf(line, sizeof(line), "%s:%d: %s", file, lineno, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", file, msg);
	send_line(ld, line);
}

const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "an unknown type";
	}
}

/* Replaces the string stored at *slot with a copy of value; -1 if out of memory. */
int
set_str(char **slot, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/*
 * Returns the setting's string, or NULL after reporting why it is not a
 * non-empty string.
 */
const char *
get_string(struct loader *ld, const config_setting_t *s, const char *key)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		fault(ld, s, key, "must be a string in double quotes, not %s", type_name(s));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (v == NULL || *v == '\0') {
		fault(ld, s, key, "must not be empty; comment the line out to use the default");
		return NULL;
	}
	return v;
}

/*
 * libconfig 1.5 wraps integer literals that do not fit in 32 bits (it
 * reads 4294967297 as 1), so the literal is read again from the file's
 * text: "name = literal" on the setting's line.  Returns 0 and the exact
 * value, or -1 when the literal cannot be found (then libconfig's value
 * stands) or overflows a long long (*overflow set).
 */
static int
literal_int(const struct loader *ld, const config_setting_t *s, long long *out, bool *overflow)
{
	const char *name = config_setting_name(s), *file = config_setting_source_file(s);
	const char *p = ld->text, *eol, *hit;
	unsigned line = config_setting_source_line(s);
	size_t nlen;

	*overflow = false;
	if (p == NULL || name == NULL || line == 0 ||
	    (file != NULL && strcmp(file, ld->path) != 0))
		return -1;
	for (; line > 1 && p != NULL; line--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL)
		return -1;
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	nlen = strlen(name);
	for (hit = p; (hit = strstr(hit, name)) != NULL && hit < eol; hit += nlen) {
		const char *q = hit + nlen;
		char *end;
		long long v;

		if (hit > p && (isalnum((unsigned char)hit[-1]) || strchr("_-", hit[-1]) != NULL))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		errno = 0;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			v = (long long)strtoull(q, &end, 16);
		else
			v = strtoll(q, &end, 10);
		if (end == q)
			return -1;
		if (errno == ERANGE) {
			*overflow = true;
			return -1;
		}
		/* a literal libconfig did not read this way is some other text */
		if ((config_setting_type(s) == CONFIG_TYPE_INT &&
		     (int32_t)(uint32_t)(unsigned long long)v != config_setting_get_int(s)) ||
		    (config_setting_type(s) == CONFIG_TYPE_INT64 &&
		     v != config_setting_get_int64(s)))
			continue;
		*out = v;
		return 0;
	}
	return -1;
}

/* Stores an integer within [min, max] at *slot, or reports why not. */
void
get_int(struct loader *ld, const config_setting_t *s, const char *key, int min, int max,
	int *slot)
{
	long long v;
	bool overflow;
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_FLOAT) {
		fault(ld, s, key, "must be a whole number, not a floating-point number");
		return;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		fault(ld, s, key, "must be an integer, not %s", type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (literal_int(ld, s, &v, &overflow) < 0 && overflow) {
		fault(ld, s, key, "must be %d..%d (got a number too large to read)", min,
		      max);
		return;
	}
	if (v < min || v > max) {
		fault(ld, s, key, "must be %d..%d (got %lld)", min, max, v);
		return;
	}
	*slot = (int)v;
}

/*
 * Stores the strings of an array or list (at most max) into slots, or
 * reports each bad element by index.  check, if set, vets each element.
 */
void
get_str_list(struct loader *ld, const config_setting_t *s, const char *key,
	     const struct str_list *l, cc_fn check)
{
	char ekey[192], why[LINE_MAX_REPORT];
	int i, len;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		fault(ld, s, key, "must be an array of strings like [ \"a\", \"b\" ], not %s",
		      type_name(s));
		return;
	}
	len = config_setting_length(s);
	if ((size_t)len > l->max) {
		fault(ld, s, key, "has %d entries; at most %zu are allowed", len, l->max);
		return;
	}
	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v;

		snprintf(ekey, sizeof(ekey), "%s[%d]", key, i);
		if ((v = get_string(ld, e, ekey)) == NULL)
			continue;
		if (cc_has_control(v, false)) {
			fault(ld, e, ekey, "must not contain control characters");
			continue;
		}
		if (check != NULL && check(v, why, sizeof(why)) < 0) {
			fault(ld, e, ekey, "%s", why);
			continue;
		}
		if (set_str(&l->slots[*l->n], v) < 0) {
			fault(ld, e, ekey, "out of memory");
			continue;
		}
		(*l->n)++;
	}
}

/* Reads the whole file (for literal_int); NULL when it cannot, which only
 * weakens the overflow check. */
char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0, used = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			char *n = cap >= (1u << 22) ? NULL : realloc(text, cap + 65536);

			if (n == NULL) {
				free(text);
				text = NULL;
				break;
			}
			text = n;
			cap += 65536;
		}
		got = fread(text + used, 1, 4096, f);
		used += got;
		text[used] = '\0';
		if (got < 4096)
			break;
	}
	fclose(f);
	return text;
}
