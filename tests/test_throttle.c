/*
 * test_throttle.c - common/throttle.c: the lockout after max_failures in
 * the window, its exact end, the sliding window, clear, eviction order
 * when the key table is full, and four threads at once.
 *
 * Times are made-up monotonic ms starting at T0, so nothing sleeps.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "throttle.h"

#define T0 1000000	/* an arbitrary monotonic start, ms */
#define S 1000		/* one second, ms */
#define NTHREADS 4

static const struct throttle_policy defaults = { 5, 900, 900 };

static int
reset(void **state)
{
	(void)state;
	throttle_reset_all();
	return 0;
}

static void
test_fifth_failure_locks(void **state)
{
	int64_t retry = 0;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_false(throttle_fail("cmecf:tattorney03", T0 + i * S, &defaults));
		assert_false(throttle_locked("cmecf:tattorney03", T0 + i * S, &retry));
	}
	assert_true(throttle_fail("cmecf:tattorney03", T0 + 10 * S, &defaults));
	assert_true(throttle_locked("cmecf:tattorney03", T0 + 10 * S, &retry));
	assert_int_equal(retry, T0 + 10 * S + 900 * S);
	assert_true(throttle_locked("cmecf:tattorney03", T0 + 10 * S + 1, NULL));
	/* Other keys are untouched, and keys are compared exactly. */
	assert_false(throttle_locked("cmecf:TATTORNEY03", T0 + 10 * S, NULL));
	assert_false(throttle_locked("peer:1000", T0 + 10 * S, NULL));
}

/* Locked up to the last ms of lockout_s; free at its end; the count starts over. */
static void
test_lockout_ends_exactly(void **state)
{
	int64_t end = T0 + 900 * S, retry = 0;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		throttle_fail("peer:1000", T0, &defaults);
	assert_true(throttle_locked("peer:1000", end - 1, &retry));
	assert_int_equal(retry, end);
	retry = 42;
	assert_false(throttle_locked("peer:1000", end, &retry));
	assert_int_equal(retry, 42);	/* untouched when not locked */
	/* Failures during the lockout neither count nor extend it. */
	assert_false(throttle_fail("peer:1000", end - 1, &defaults));
	assert_false(throttle_locked("peer:1000", end, NULL));
	for (i = 0; i < 4; i++)
		assert_false(throttle_fail("peer:1000", end + i, &defaults));
	assert_true(throttle_fail("peer:1000", end + 4, &defaults));
	assert_true(throttle_locked("peer:1000", end + 4, &retry));
	assert_int_equal(retry, end + 4 + 900 * S);
}

/* The window slides: only failures less than window_s old count. */
static void
test_window_slides(void **state)
{
	int i;

	(void)state;
	/* One failure every 4 minutes: never more than 4 in any 15 minutes. */
	for (i = 0; i < 50; i++) {
		assert_false(throttle_fail("cmecf:slow", T0 + (int64_t)i * 240 * S, &defaults));
		assert_false(throttle_locked("cmecf:slow", T0 + (int64_t)i * 240 * S, NULL));
	}
	/* Four in a burst, then the fifth just as the first leaves the window. */
	for (i = 0; i < 4; i++)
		throttle_fail("cmecf:edge", T0 + i, &defaults);
	assert_false(throttle_fail("cmecf:edge", T0 + 900 * S, &defaults));
	/* ... and one ms earlier it would have locked. */
	for (i = 0; i < 4; i++)
		throttle_fail("cmecf:edge2", T0 + i, &defaults);
	assert_true(throttle_fail("cmecf:edge2", T0 + 900 * S - 1, &defaults));
}

static void
test_policy_values(void **state)
{
	const struct throttle_policy one = { 1, 60, 30 }, zero = { 0, 60, 30 };
	const struct throttle_policy huge = { 1000, 60, 30 };
	int i;

	(void)state;
	assert_true(throttle_fail("addr:192.0.2.1", T0, &one));
	assert_true(throttle_locked("addr:192.0.2.1", T0 + 30 * S - 1, NULL));
	assert_false(throttle_locked("addr:192.0.2.1", T0 + 30 * S, NULL));
	assert_true(throttle_fail("addr:192.0.2.2", T0, &zero));	/* taken as 1 */
	for (i = 0; i < THROTTLE_MAX_FAILURES - 1; i++)
		assert_false(throttle_fail("addr:192.0.2.3", T0 + i, &huge));
	assert_true(throttle_fail("addr:192.0.2.3", T0 + i, &huge));
}

static void
test_clear(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		throttle_fail("cmecf:a", T0, &defaults);
	throttle_clear("cmecf:a");
	assert_false(throttle_fail("cmecf:a", T0, &defaults));	/* counted from 1 */
	for (i = 0; i < 4; i++)
		throttle_fail("cmecf:a", T0, &defaults);
	assert_true(throttle_locked("cmecf:a", T0, NULL));
	throttle_clear("cmecf:a");
	assert_false(throttle_locked("cmecf:a", T0, NULL));
	throttle_clear("cmecf:never-seen");
	assert_int_equal(throttle_count(), 0);
	throttle_fail("cmecf:b", T0, &defaults);
	throttle_reset_all();
	assert_int_equal(throttle_count(), 0);
	assert_false(throttle_locked("cmecf:b", T0, NULL));
}

/* Locks key at now with a one-failure policy. */
static void
lock_key(const char *key, int64_t now, int lockout_s)
{
	const struct throttle_policy one = { 1, 900, lockout_s };

	assert_true(throttle_fail(key, now, &one));
}

/*
 * A full table evicts unlocked keys (least recently failed first) before
 * locked ones, a lockout that has ended before either, and locked keys
 * (ending soonest first) only when nothing else is left.
 */
static void
test_eviction(void **state)
{
	char key[64];
	int64_t t = T0;
	int i;

	(void)state;
	lock_key("cmecf:locked1", t, 3600);
	lock_key("cmecf:locked2", t, 3600);
	throttle_fail("cmecf:old", t, &defaults);
	for (i = 0; i < THROTTLE_MAX_KEYS + 5000; i++) {
		snprintf(key, sizeof(key), "peer:%d", i);
		throttle_fail(key, ++t, &defaults);
		if (i == 6000)	/* a fresh failure moves old to the back */
			throttle_fail("cmecf:old", t, &defaults);
	}
	assert_int_equal(throttle_count(), THROTTLE_MAX_KEYS);
	assert_true(throttle_locked("cmecf:locked1", t, NULL));
	assert_true(throttle_locked("cmecf:locked2", t, NULL));
	/* old (2 failures, the last after peer:6000's) outlived the ~5000
	 * evicted peers: 3 more lock it. */
	throttle_fail("cmecf:old", t, &defaults);
	throttle_fail("cmecf:old", t, &defaults);
	assert_true(throttle_fail("cmecf:old", t, &defaults));
	/* peer:0, the first evicted, lost its failure: 4 more do not lock it. */
	for (i = 0; i < 4; i++)
		assert_false(throttle_fail("peer:0", t, &defaults));
	assert_int_equal(throttle_count(), THROTTLE_MAX_KEYS);

	/* Only locked keys: the one whose lockout ends first goes. */
	throttle_reset_all();
	lock_key("cmecf:short", T0, 60);
	for (i = 1; i < THROTTLE_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "peer:%d", i);
		lock_key(key, T0, 3600);
	}
	lock_key("cmecf:new", T0 + 1, 3600);
	assert_int_equal(throttle_count(), THROTTLE_MAX_KEYS);
	assert_false(throttle_locked("cmecf:short", T0 + 1, NULL));
	assert_true(throttle_locked("peer:1", T0 + 1, NULL));
	assert_true(throttle_locked("cmecf:new", T0 + 1, NULL));

	/* An ended lockout goes before an idle key with a recent failure. */
	throttle_reset_all();
	lock_key("cmecf:ended", T0, 60);
	for (i = 1; i < THROTTLE_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "peer:%d", i);
		throttle_fail(key, T0 + 61 * S, &defaults);
	}
	throttle_fail("cmecf:new", T0 + 61 * S, &defaults);
	assert_int_equal(throttle_count(), THROTTLE_MAX_KEYS);
	/* peer:1, the oldest idle key, kept its failure: 4 more lock it. */
	for (i = 0; i < 3; i++)
		assert_false(throttle_fail("peer:1", T0 + 61 * S, &defaults));
	assert_true(throttle_fail("peer:1", T0 + 61 * S, &defaults));
}

struct worker {
	int id;
	int shared_locks;	/* how often this thread's failure locked "shared" */
};

/*
 * Each thread hammers one shared key at a fixed time (so exactly one of
 * all failures locks it), locks and clears its own keys, and fills the
 * table with churn keys to make evictions race with everything else.
 */
static void *
work(void *arg)
{
	struct worker *w = arg;
	char key[64];
	int i, j;

	for (i = 0; i < 2000; i++) {
		if (throttle_fail("shared", T0, &defaults))
			w->shared_locks++;
		snprintf(key, sizeof(key), "own:%d:%d", w->id, i % 50);
		for (j = 0; j < 5; j++)
			throttle_fail(key, T0 + i, &defaults);
		if (!throttle_locked(key, T0 + i, NULL))
			fail_msg("thread %d: %s not locked after 5 failures", w->id, key);
		throttle_clear(key);
		snprintf(key, sizeof(key), "churn:%d:%d", w->id, i);
		throttle_fail(key, T0 + i, &defaults);
		(void)throttle_locked("shared", T0 + i, NULL);
		(void)throttle_count();
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	int i, total = 0;

	(void)state;
	for (i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].shared_locks = 0;
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		total += w[i].shared_locks;
	}
	assert_int_equal(total, 1);
	assert_true(throttle_locked("shared", T0, NULL));
	assert_int_equal(throttle_count(), 1 + NTHREADS * 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fifth_failure_locks, reset),
		cmocka_unit_test_setup(test_lockout_ends_exactly, reset),
		cmocka_unit_test_setup(test_window_slides, reset),
		cmocka_unit_test_setup(test_policy_values, reset),
		cmocka_unit_test_setup(test_clear, reset),
		cmocka_unit_test_setup(test_eviction, reset),
		cmocka_unit_test_setup(test_threads, reset),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	throttle_reset_all();
	return rc;
}
