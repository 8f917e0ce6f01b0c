/*
 * args.c - module argument parsing (see args.h).
 */
#include "args.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_appl.h>

#include "kv.h"
#include "proto.h"

struct parser {
	args_log_fn *log;
	void *ctx;
};

static void report(const struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats one message and hands it to the callback, if there is one. */
static void
report(const struct parser *p, const char *fmt, ...)
{
	char msg[KV_LINE_MAX + 256];
	va_list ap;

	if (p->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->log(p->ctx, LOG_ERR, msg);
}

/* Reports "bad value for KEY: the argument as written (why); using DEF". */
static void
bad_value(const struct parser *p, const char *arg, const char *why, const char *def)
{
	struct kv kv;

	kv_init(&kv);
	kv_quoted(&kv, "argument", arg);
	report(p, "bad module argument %s: %s; using the default %s", kv_line(&kv), why, def);
}

/* Parses a timeout in ms; 0 on success with *out set, -1 when out of range. */
static int
parse_timeout(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > ARGS_MAX_TIMEOUT_MS)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* Applies one argument of the form key=value. */
static void
apply_value(struct args *a, const struct parser *p, const char *arg, const char *key,
	    size_t klen, const char *val)
{
	char def[32];

	if (klen == 5 && memcmp(key, "realm", 5) == 0) {
		if (strcmp(val, "pacer") == 0)
			a->realm = PR_REALM_PACER;
		else if (strcmp(val, "cmecf") == 0)
			a->realm = PR_REALM_CMECF;
		else
			bad_value(p, arg, "realm must be pacer or cmecf", "realm=cmecf");
	} else if (klen == 6 && memcmp(key, "socket", 6) == 0) {
		size_t n = strlen(val);

		if (val[0] != '/')
			bad_value(p, arg, "not an absolute path", "socket=" ARGS_DEFAULT_SOCKET);
		else if (n >= sizeof(a->socket))
			bad_value(p, arg, "longer than a UNIX socket path may be",
				  "socket=" ARGS_DEFAULT_SOCKET);
		else
			memcpy(a->socket, val, n + 1);
	} else if (klen == 10 && memcmp(key, "timeout_ms", 10) == 0) {
		if (parse_timeout(val, &a->timeout_ms) < 0) {
			snprintf(def, sizeof(def), "timeout_ms=%d", ARGS_DEFAULT_TIMEOUT_MS);
			bad_value(p, arg, "not a whole number from 1 to 60000", def);
		}
	} else {
		struct kv kv;

		kv_init(&kv);
		kv_quoted(&kv, "argument", arg);
		report(p, "unknown module argument %s ignored", kv_line(&kv));
	}
}

/* Applies one argument: a flag word or key=value. */
static void
apply(struct args *a, const struct parser *p, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
	} flags[] = {
		{ "authenticate", offsetof(struct args, authenticate) },
		{ "redaction", offsetof(struct args, redaction) },
		{ "debug", offsetof(struct args, debug) },
		{ "ignore_unknown_user", offsetof(struct args, ignore_unknown_user) },
		{ "use_first_pass", offsetof(struct args, use_first_pass) },
		{ "try_first_pass", offsetof(struct args, try_first_pass) },
	};
	const char *eq = strchr(arg, '=');
	size_t i;

	if (eq != NULL) {
		apply_value(a, p, arg, arg, (size_t)(eq - arg), eq + 1);
		return;
	}
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(arg, flags[i].name) == 0) {
			*(bool *)((char *)a + flags[i].off) = true;
			return;
		}
	}
	if (strcmp(arg, "realm") == 0 || strcmp(arg, "socket") == 0 ||
	    strcmp(arg, "timeout_ms") == 0) {
		apply_value(a, p, arg, arg, strlen(arg), "");
		return;
	}
	apply_value(a, p, arg, "", 0, "");
}

void
args_parse(struct args *a, int flags, int argc, const char **argv, args_log_fn *log, void *ctx)
{
	struct parser p = { .log = log, .ctx = ctx };
	int i;

	memset(a, 0, sizeof(*a));
	a->realm = PR_REALM_CMECF;
	a->timeout_ms = ARGS_DEFAULT_TIMEOUT_MS;
	snprintf(a->socket, sizeof(a->socket), "%s", ARGS_DEFAULT_SOCKET);
	a->silent = (flags & PAM_SILENT) != 0;
	for (i = 0; i < argc; i++) {
		if (argv[i] != NULL)
			apply(a, &p, argv[i]);
	}
}
