/*
 * test_pam_args.c - pam_module/args.c: every module argument, bad values
 * keep the default and are reported, unknown arguments are reported and
 * ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "args.h"
#include "proto.h"

struct log {
	int n;
	int priority;
	char last[4096];
};

/* The log callback under test: records the count and the last message. */
static void
record(void *ctx, int priority, const char *msg)
{
	struct log *l = ctx;

	l->n++;
	l->priority = priority;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

/* Parses argv (NULL-terminated) into a, logging into l. */
static void
parse(struct args *a, struct log *l, int flags, const char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(l, 0, sizeof(*l));
	args_parse(a, flags, argc, argv, record, l);
}

static void
defaults(void **state)
{
	const char *argv[] = { NULL };
	struct args a;
	struct log l;

	(void)state;
	parse(&a, &l, 0, argv);
	assert_int_equal(l.n, 0);
	assert_int_equal(a.realm, PR_REALM_CMECF);
	assert_false(a.authenticate);
	assert_false(a.redaction);
	assert_false(a.debug);
	assert_false(a.ignore_unknown_user);
	assert_false(a.use_first_pass);
	assert_false(a.try_first_pass);
	assert_false(a.silent);
	assert_int_equal(a.timeout_ms, 3000);
	assert_string_equal(a.socket, "/run/ecflink/ecflinkd.sock");
}

static void
every_argument(void **state)
{
	const char *argv[] = { "realm=pacer", "authenticate", "redaction", "socket=/tmp/x.sock",
			       "timeout_ms=250", "debug", "ignore_unknown_user",
			       "use_first_pass", "try_first_pass", NULL };
	struct args a;
	struct log l;

	(void)state;
	parse(&a, &l, PAM_SILENT, argv);
	assert_int_equal(l.n, 0);
	assert_int_equal(a.realm, PR_REALM_PACER);
	assert_true(a.authenticate);
	assert_true(a.redaction);
	assert_true(a.debug);
	assert_true(a.ignore_unknown_user);
	assert_true(a.use_first_pass);
	assert_true(a.try_first_pass);
	assert_true(a.silent);
	assert_int_equal(a.timeout_ms, 250);
	assert_string_equal(a.socket, "/tmp/x.sock");
}

static void
realm_values(void **state)
{
	const char *cmecf[] = { "realm=pacer", "realm=cmecf", NULL };
	const char *bad[] = { "realm=pacer", "realm=PACER", NULL };
	const char *empty[] = { "realm=", NULL };
	const char *bare[] = { "realm", NULL };
	struct args a;
	struct log l;

	(void)state;
	parse(&a, &l, 0, cmecf);
	assert_int_equal(a.realm, PR_REALM_CMECF);
	assert_int_equal(l.n, 0);

	/* A bad value is reported; the earlier good one is not undone. */
	parse(&a, &l, 0, bad);
	assert_int_equal(a.realm, PR_REALM_PACER);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.priority, LOG_ERR);
	assert_non_null(strstr(l.last, "argument=\"realm=PACER\""));
	assert_non_null(strstr(l.last, "realm=cmecf"));

	parse(&a, &l, 0, empty);
	assert_int_equal(a.realm, PR_REALM_CMECF);
	assert_int_equal(l.n, 1);
	parse(&a, &l, 0, bare);
	assert_int_equal(a.realm, PR_REALM_CMECF);
	assert_int_equal(l.n, 1);
}

static void
timeout_values(void **state)
{
	static const char *const bad[] = { "timeout_ms=0", "timeout_ms=60001",
					   "timeout_ms=-5", "timeout_ms=12ms",
					   "timeout_ms=", "timeout_ms=99999999999999999999",
					   "timeout_ms= 5", "timeout_ms" };
	const char *one[] = { "timeout_ms=1", NULL };
	const char *max[] = { "timeout_ms=60000", NULL };
	struct args a;
	struct log l;
	size_t i;

	(void)state;
	parse(&a, &l, 0, one);
	assert_int_equal(a.timeout_ms, 1);
	parse(&a, &l, 0, max);
	assert_int_equal(a.timeout_ms, 60000);
	assert_int_equal(l.n, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { bad[i], NULL };

		parse(&a, &l, 0, argv);
		assert_int_equal(a.timeout_ms, 3000);
		assert_int_equal(l.n, 1);
		assert_non_null(strstr(l.last, "timeout_ms=3000"));
	}
}

static void
socket_values(void **state)
{
	char longpath[200];
	const char *rel[] = { "socket=run/ecflinkd.sock", NULL };
	const char *toolong[] = { longpath, NULL };
	struct args a;
	struct log l;

	(void)state;
	parse(&a, &l, 0, rel);
	assert_string_equal(a.socket, "/run/ecflink/ecflinkd.sock");
	assert_int_equal(l.n, 1);
	assert_non_null(strstr(l.last, "absolute"));

	/* 107 bytes fit sun_path; 108 do not. */
	snprintf(longpath, sizeof(longpath), "socket=/%0106d", 0);
	parse(&a, &l, 0, toolong);
	assert_int_equal(l.n, 0);
	assert_int_equal(strlen(a.socket), 107);
	snprintf(longpath, sizeof(longpath), "socket=/%0107d", 0);
	parse(&a, &l, 0, toolong);
	assert_int_equal(l.n, 1);
	assert_string_equal(a.socket, "/run/ecflink/ecflinkd.sock");
}

static void
unknown_arguments(void **state)
{
	const char *argv[] = { "authenticate", "nosuch", "authenticate=yes", "dbug",
			       "evil\nline", NULL };
	struct args a;
	struct log l;

	(void)state;
	parse(&a, &l, 0, argv);
	assert_true(a.authenticate);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.priority, LOG_ERR);
	/* The argument is quoted and escaped: no raw newline reaches the log. */
	assert_non_null(strstr(l.last, "argument=\"evil\\x0aline\""));
	assert_null(strchr(l.last, '\n'));
	assert_non_null(strstr(l.last, "ignored"));
}

static void
no_logger(void **state)
{
	const char *argv[] = { "nosuch", "timeout_ms=x", NULL };
	struct args a;

	(void)state;
	args_parse(&a, 0, 2, argv, NULL, NULL);
	assert_int_equal(a.timeout_ms, 3000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_argument),
		cmocka_unit_test(realm_values),
		cmocka_unit_test(timeout_values),
		cmocka_unit_test(socket_values),
		cmocka_unit_test(unknown_arguments),
		cmocka_unit_test(no_logger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
