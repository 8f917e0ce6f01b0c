/*
 * test_linkfail.c - daemon/linkfail.c: the stored failure times and the
 * lockout rule every daemon applies to them (the directory side runs in
 * tests/it_servers.sh against two daemons and a real slapd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "../daemon/linkfail.h"

#define S 1000000LL	/* one second in microseconds */

static void
test_parse(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(linkfail_parse("20261207044500.123456Z", &us), 0);
	assert_true(us == 1796618700LL * S + 123456);
	assert_int_equal(linkfail_parse("20261207044500Z", &us), 0);
	assert_true(us == 1796618700LL * S);
	/* Fewer fraction digits are scaled. */
	assert_int_equal(linkfail_parse("20261207044500.5Z", &us), 0);
	assert_true(us == 1796618700LL * S + 500000);
	assert_int_equal(linkfail_parse("20261207044500.Z", &us), -1);
	assert_int_equal(linkfail_parse("20261207044500.123456+0100", &us), -1);
	assert_int_equal(linkfail_parse("20261307044500Z", &us), -1);
	assert_int_equal(linkfail_parse("2026120704450Z", &us), -1);
	assert_int_equal(linkfail_parse("", &us), -1);
	assert_int_equal(linkfail_parse("garbage", &us), -1);
}

static void
set(struct linkfail *lf, const int64_t *secs, size_t n)
{
	size_t i;

	lf->n = n;
	for (i = 0; i < n; i++) {
		lf->us[i] = secs[i] * S;
		snprintf(lf->val[i], sizeof(lf->val[i]), "v%zu", i);
	}
}

static void
test_locked(void **state)
{
	struct throttle_policy p = { 5, 900, 600 };
	struct linkfail lf;
	int64_t until;

	(void)state;
	/* Four failures: not locked. */
	set(&lf, (int64_t[]){ 100, 200, 300, 400 }, 4);
	assert_false(linkfail_locked(&lf, &p, 500 * S, &until));
	/* The fifth within the window locks for lockout_s from it. */
	set(&lf, (int64_t[]){ 100, 200, 300, 400, 500 }, 5);
	assert_true(linkfail_locked(&lf, &p, 501 * S, &until));
	assert_true(until == 1100 * S);
	assert_false(linkfail_locked(&lf, &p, 1100 * S, NULL));
	/* Spread wider than the window: not locked. */
	set(&lf, (int64_t[]){ 100, 400, 700, 1000, 1001 }, 5);
	assert_false(linkfail_locked(&lf, &p, 1002 * S, NULL));
	/* After a lockout, counting starts over: one more is not five. */
	set(&lf, (int64_t[]){ 100, 200, 300, 400, 500, 1200 }, 6);
	assert_false(linkfail_locked(&lf, &p, 1201 * S, NULL));
	/* Values made during the lockout (a race) are not counted. */
	set(&lf, (int64_t[]){ 100, 200, 300, 400, 500, 600, 700, 800, 900, 1200 }, 10);
	assert_false(linkfail_locked(&lf, &p, 1201 * S, NULL));
	/* max_failures 1: every failure locks. */
	p.max_failures = 1;
	set(&lf, (int64_t[]){ 100 }, 1);
	assert_true(linkfail_locked(&lf, &p, 101 * S, &until));
	assert_true(until == 700 * S);
	/* None: never locked. */
	lf.n = 0;
	assert_false(linkfail_locked(&lf, &p, 101 * S, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_locked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
