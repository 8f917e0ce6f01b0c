/*
 * config_read.h - reading typed values out of libconfig settings for
 * config.c, and reporting each fault with the file and line it is on.
 *
 * Every get_* either stores a checked value or reports why not, and the
 * load goes on, so one run lists every fault of the file.
 */
#ifndef ECFLINK_CONFIG_READ_H
#define ECFLINK_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <libconfig.h>

#include "config_check.h"

#define LINE_MAX_REPORT 1024

/* Where each fault line goes (config.h's config_report_fn). */
typedef void (*fault_fn)(void *ctx, const char *line);

/* One load: where faults go and what the walk has seen. */
struct loader {
	const char *path;
	fault_fn report;
	void *ctx;
	int faults;
	char *text;			/* the file as read, for integer literals */
	const config_setting_t *pwfile;	/* ldap.bind_password_file, read last */
};

/* Reports "FILE:LINE: KEY: message" for setting s (line 0 when s is NULL). */
void fault(struct loader *ld, const config_setting_t *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reports a fault that belongs to no key (file I/O, syntax); file NULL: ld->path. */
void fault_file(struct loader *ld, const char *file, int lineno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "a string", "an integer" ...: what s is, for messages. */
const char *type_name(const config_setting_t *s);
/* Replaces the string at *slot with a copy of value (NULL: none); -1 if out of memory. */
int set_str(char **slot, const char *value);
/* The setting's string, or NULL after reporting why it is not a non-empty string. */
const char *get_string(struct loader *ld, const config_setting_t *s, const char *key);
/* Stores an integer within [min, max] at *slot, or reports why not. */
void get_int(struct loader *ld, const config_setting_t *s, const char *key, int min, int max,
	     int *slot);
/*
 * Stores the strings of an array or list (at most l->max) into l->slots
 * from *l->n on, or reports each bad element by index.  check, if set,
 * vets each.
 */
struct str_list {
	char **slots;
	size_t max;
	size_t *n;
};

void get_str_list(struct loader *ld, const config_setting_t *s, const char *key,
		  const struct str_list *l, cc_fn check);
/* The whole file (for get_int's literal check), or NULL when it cannot be
 * read, which only weakens that check. */
char *slurp(const char *path);

#endif
