/*
 * test_fehint.c - daemon/fehint.c: a uid is told once, when it sends the
 * threshold's requests with an RHOST within one window; slower callers
 * never; each uid on its own; the bounded table makes room for new uids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fehint.h"

/* How many of n requests, step_ms apart from t, were told. */
static int
told(uid_t uid, int n, int64_t t, int64_t step_ms)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += fehint_note(uid, t + i * step_ms);
	return k;
}

static int
setup(void **state)
{
	(void)state;
	fehint_reset();
	return 0;
}

/* The request that makes FEHINT_REQUESTS in a window is told, once. */
static void
test_once_at_threshold(void **state)
{
	int i;

	(void)state;
	for (i = 1; i < FEHINT_REQUESTS; i++)
		assert_false(fehint_note(33, 1000 + i));
	assert_true(fehint_note(33, 1000 + FEHINT_REQUESTS));
	/* Never again, however many follow. */
	assert_int_equal(told(33, 10 * FEHINT_REQUESTS, 2000, 10), 0);
	assert_int_equal(told(33, 10 * FEHINT_REQUESTS, 10 * FEHINT_WINDOW_MS, 10), 0);
}

/* A person logging in now and then never reaches it: one window's count
 * starts again once the window has passed. */
static void
test_slow_caller_never(void **state)
{
	int64_t step = FEHINT_WINDOW_MS / (FEHINT_REQUESTS - 1) + 1;

	(void)state;
	assert_int_equal(told(1000, 50 * FEHINT_REQUESTS, 0, step), 0);
}

/* Requests just inside one window count together; one spread over just
 * more than a window does not. */
static void
test_window_edges(void **state)
{
	int64_t step = (FEHINT_WINDOW_MS - 1) / (FEHINT_REQUESTS - 1);

	(void)state;
	assert_int_equal(told(40, FEHINT_REQUESTS, 0, step), 1);
	/* uid 41: the last request lands exactly one window after the first */
	assert_int_equal(told(41, FEHINT_REQUESTS - 1, 0, 1), 0);
	assert_false(fehint_note(41, FEHINT_WINDOW_MS));
}

/* Each uid is counted on its own. */
static void
test_per_uid(void **state)
{
	int i, k = 0;

	(void)state;
	/* Two uids interleaved: neither is helped by the other's requests. */
	for (i = 0; i < FEHINT_REQUESTS - 1; i++) {
		k += fehint_note(50, 100 + i);
		k += fehint_note(51, 100 + i);
	}
	assert_int_equal(k, 0);
	assert_true(fehint_note(50, 200));
	assert_true(fehint_note(51, 200));
}

/* More uids than slots: the table stays bounded and a busy uid is still
 * told, however many one-off uids pass through. */
static void
test_many_uids(void **state)
{
	uid_t u;
	int i, k = 0;

	(void)state;
	for (i = 0; i < FEHINT_REQUESTS - 1; i++)
		k += fehint_note(7, i);
	/* fewer newcomers than slots: uid 7's count survives */
	for (u = 10000; u < 10000 + FEHINT_SLOTS - 1; u++)
		k += fehint_note(u, 100);
	assert_int_equal(k, 0);
	assert_true(fehint_note(7, 200));
	/* then 10 * FEHINT_SLOTS newcomers: all counted, none told */
	for (u = 20000; u < 20000 + 10 * FEHINT_SLOTS; u++)
		k += told(u, 2, 300, 1);
	assert_int_equal(k, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_once_at_threshold, setup),
		cmocka_unit_test_setup(test_slow_caller_never, setup),
		cmocka_unit_test_setup(test_window_edges, setup),
		cmocka_unit_test_setup(test_per_uid, setup),
		cmocka_unit_test_setup(test_many_uids, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
