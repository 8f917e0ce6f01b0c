/*
 * test_web_session.c - web/session.c: random ids, the idle timeout, id
 * rotation at login, dropping, and the full store replacing the anonymous
 * session idle longest.  Times are made-up ms, so nothing sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "session.h"

#define T0 1000000
#define IDLE_S 60
#define MAX 16

static void
test_new_get_put(void **state)
{
	struct session a, b, got;

	(void)state;
	assert_int_equal(session_new(T0, &a), 0);
	assert_int_equal(session_new(T0, &b), 0);
	assert_int_equal(strlen(a.id), SESSION_ID_LEN);
	assert_string_not_equal(a.id, b.id);
	assert_string_not_equal(a.id, a.csrf);
	assert_true(session_get(a.id, T0 + 1000, &got));
	assert_int_equal(got.state, SS_ANON);
	snprintf(got.pacer, sizeof(got.pacer), "tattorneythree");
	got.state = SS_UNLINKED;
	session_put(&got);
	assert_true(session_get(a.id, T0 + 2000, &got));
	assert_string_equal(got.pacer, "tattorneythree");
	assert_false(session_get("nope", T0, &got));
	assert_false(session_get("", T0, &got));
}

static void
test_idle_timeout(void **state)
{
	struct session a, got;

	(void)state;
	assert_int_equal(session_new(T0, &a), 0);
	/* Each use restarts the idle clock. */
	assert_true(session_get(a.id, T0 + (IDLE_S - 1) * 1000, &got));
	assert_true(session_get(a.id, T0 + (2 * IDLE_S - 2) * 1000, &got));
	assert_false(session_get(a.id, T0 + (3 * IDLE_S) * 1000, &got));
	/* Gone for good, even asked with an earlier time. */
	assert_false(session_get(a.id, T0, &got));
}

static void
test_rotate(void **state)
{
	struct session a, got;
	char old[SESSION_ID_LEN + 1], old_csrf[SESSION_ID_LEN + 1];

	(void)state;
	assert_int_equal(session_new(T0, &a), 0);
	memcpy(old, a.id, sizeof(old));
	memcpy(old_csrf, a.csrf, sizeof(old_csrf));
	a.state = SS_UNLINKED;
	assert_int_equal(session_rotate(&a), 0);
	assert_string_not_equal(a.id, old);
	assert_string_not_equal(a.csrf, old_csrf);
	assert_false(session_get(old, T0, &got));
	assert_true(session_get(a.id, T0, &got));
	assert_int_equal(got.state, SS_UNLINKED);
	session_drop(a.id);
	assert_false(session_get(a.id, T0, &got));
}

static void
test_full_store(void **state)
{
	struct session s[MAX + 1], got;
	int i;

	(void)state;
	for (i = 0; i < MAX; i++) {
		assert_int_equal(session_new(T0 + 10 * IDLE_S * 1000 + i, &s[i]), 0);
		if (i < 2) {
			s[i].state = SS_UNLINKED;
			session_put(&s[i]);
		}
	}
	/* Full: a new one replaces the anonymous session idle longest, s[2],
	 * not the logged-in s[0] and s[1] idle longer. */
	assert_int_equal(session_new(T0 + 10 * IDLE_S * 1000 + MAX, &s[MAX]), 0);
	assert_true(session_get(s[0].id, T0 + 10 * IDLE_S * 1000 + MAX, &got));
	assert_true(session_get(s[1].id, T0 + 10 * IDLE_S * 1000 + MAX, &got));
	assert_false(session_get(s[2].id, T0 + 10 * IDLE_S * 1000 + MAX, &got));
	assert_true(session_get(s[3].id, T0 + 10 * IDLE_S * 1000 + MAX, &got));
	assert_true(session_get(s[MAX].id, T0 + 10 * IDLE_S * 1000 + MAX, &got));
}

static void
test_equal(void **state)
{
	(void)state;
	assert_true(session_equal("abc", "abc"));
	assert_false(session_equal("abc", "abd"));
	assert_false(session_equal("abc", "abcd"));
	assert_false(session_equal("", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_get_put),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_full_store),
		cmocka_unit_test(test_equal),
	};

	if (session_init(MAX, IDLE_S) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
