/*
 * form.h - application/x-www-form-urlencoded bodies.
 *
 * A body is decoded in place into at most FORM_MAX_FIELDS name/value
 * pairs.  Anything malformed (a bad %-escape, a NUL, a repeated name, too
 * many fields) fails the whole body: a browser never sends such a thing.
 */
#ifndef ECFLINK_FORM_H
#define ECFLINK_FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS 16

struct form {
	size_t n;
	const char *name[FORM_MAX_FIELDS];
	const char *value[FORM_MAX_FIELDS];
};

/* Decodes the NUL-terminated body (modified in place); 0 or -1. */
int form_parse(char *body, struct form *f);
/* The value of name, or NULL when absent. */
const char *form_get(const struct form *f, const char *name);

#endif
