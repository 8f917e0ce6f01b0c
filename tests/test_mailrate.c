/*
 * test_mailrate.c - daemon/mailrate.c: no 60-second window ever holds more
 * than the limit, the wait until the next attempt, and a changed limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mailrate.h"

static void
test_window(void **state)
{
	struct mailrate r = { 0 };
	int64_t t = 1000000;
	int i;

	(void)state;
	assert_int_equal(mailrate_set(&r, 3), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(mailrate_wait_ms(&r, t + i * 10), 0);
		mailrate_note(&r, t + i * 10);
	}
	/* The fourth waits until the first is a minute old. */
	assert_int_equal(mailrate_wait_ms(&r, t + 30), 60000 - 30);
	assert_int_equal(mailrate_wait_ms(&r, t + 59999), 1);
	assert_int_equal(mailrate_wait_ms(&r, t + 60000), 0);
	mailrate_note(&r, t + 60000);
	/* Then the second's minute decides. */
	assert_int_equal(mailrate_wait_ms(&r, t + 60001), 9);
	assert_int_equal(mailrate_wait_ms(&r, t + 60010), 0);
	mailrate_free(&r);
}

/* Sends as fast as allowed for ten minutes and counts every window. */
static void
test_no_window_over_limit(void **state)
{
	struct mailrate r = { 0 };
	int64_t sent[4000], t = 0;
	size_t n = 0, i, j;

	(void)state;
	assert_int_equal(mailrate_set(&r, 7), 0);
	while (t < 600000 && n < 4000) {
		int64_t w = mailrate_wait_ms(&r, t);

		if (w == 0) {
			mailrate_note(&r, t);
			sent[n++] = t;
		}
		t += w > 0 ? w : 250;
	}
	assert_in_range(n, 69, 71);	/* 7 a minute over ten minutes */
	for (i = 0; i < n; i++) {
		size_t in = 0;

		for (j = i; j < n && sent[j] < sent[i] + 60000; j++)
			in++;
		assert_true(in <= 7);
	}
	mailrate_free(&r);
}

static void
test_change_limit(void **state)
{
	struct mailrate r = { 0 };
	int i;

	(void)state;
	assert_int_equal(mailrate_set(&r, 5), 0);
	for (i = 0; i < 5; i++)
		mailrate_note(&r, 100 + i);
	assert_true(mailrate_wait_ms(&r, 200) > 0);
	/* Lowered to 2: the two newest still count, so the next waits for 103. */
	assert_int_equal(mailrate_set(&r, 2), 0);
	assert_int_equal(mailrate_wait_ms(&r, 200), 60000 - (200 - 103));
	/* Raised to 10: room at once. */
	assert_int_equal(mailrate_set(&r, 10), 0);
	assert_int_equal(mailrate_wait_ms(&r, 200), 0);
	/* 0: no limit at all. */
	assert_int_equal(mailrate_set(&r, 0), 0);
	for (i = 0; i < 100; i++)
		mailrate_note(&r, 300);
	assert_int_equal(mailrate_wait_ms(&r, 300), 0);
	mailrate_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_no_window_over_limit),
		cmocka_unit_test(test_change_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
