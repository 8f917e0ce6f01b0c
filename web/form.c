/*
 * form.c - urlencoded form bodies (see form.h).
 */
#include "form.h"

#include <string.h>

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s in place (+ is a space); -1 on a bad escape or a NUL. */
static int
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return 0;
}

int
form_parse(char *body, struct form *f)
{
	char *pair, *save = NULL;
	size_t i;

	memset(f, 0, sizeof(*f));
	for (pair = strtok_r(body, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		if (eq == NULL || f->n == FORM_MAX_FIELDS)
			return -1;
		*eq = '\0';
		if (unescape(pair) < 0 || unescape(eq + 1) < 0 || pair[0] == '\0')
			return -1;
		for (i = 0; i < f->n; i++)
			if (strcmp(f->name[i], pair) == 0)
				return -1;
		f->name[f->n] = pair;
		f->value[f->n] = eq + 1;
		f->n++;
	}
	return 0;
}

const char *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}
