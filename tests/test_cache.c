/*
 * test_cache.c - the account cache (daemon/cache.c): hits and misses by
 * realm and case-folded login, what cache_invalidate forgets (every entry
 * naming the login as its key, its login or its linked login, and nothing
 * else), the generation guard, expiry and sweeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"

static struct account
acct(enum proto_realm realm, const char *login, const char *linked, enum proto_state st)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.realm = realm;
	a.state = st;
	snprintf(a.login, sizeof(a.login), "%s", login);
	snprintf(a.linked, sizeof(a.linked), "%s", linked);
	snprintf(a.dn, sizeof(a.dn), "uid=%s,ou=%s,dc=example,dc=org", login,
		 realm == PR_REALM_CMECF ? "cmecf" : "pacer");
	snprintf(a.name, sizeof(a.name), "Name of %s", login);
	return a;
}

static void
put(enum proto_realm realm, const char *key, const char *login, const char *linked,
    enum proto_state st)
{
	struct account a = acct(realm, login, linked, st);

	cache_put(realm, key, &a, 30, cache_generation());
}

static bool
has(enum proto_realm realm, const char *key)
{
	struct account a;

	return cache_get(realm, key, &a);
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(cache_init(), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cache_destroy();
	return 0;
}

static void
test_hit_by_realm_and_folded_case(void **state)
{
	struct account a;

	(void)state;
	put(PR_REALM_PACER, "jdoe", "jdoe", "jdoe1", PST_PACER_LINKED);
	assert_true(cache_get(PR_REALM_PACER, "JDoe", &a));
	assert_string_equal(a.login, "jdoe");
	assert_string_equal(a.linked, "jdoe1");
	assert_int_equal(a.state, PST_PACER_LINKED);
	assert_false(has(PR_REALM_CMECF, "jdoe"));
	assert_false(has(PR_REALM_PACER, "jdoe2"));
}

/* Each entry naming the login goes, by key, login or linked login; the rest stays. */
static void
test_invalidate_forgets_every_naming_entry(void **state)
{
	(void)state;
	put(PR_REALM_PACER, "janedoe", "janedoe", "jdoe1", PST_PACER_LINKED);
	put(PR_REALM_CMECF, "jdoe1", "jdoe1", "janedoe", PST_LEGACY_LINKED);
	put(PR_REALM_PACER, "jane.alias", "janedoe", "jdoe1", PST_PACER_LINKED);
	put(PR_REALM_PACER, "rsmith", "rsmith", "", PST_PACER_UNLINKED);
	put(PR_REALM_CMECF, "other", "other", "", PST_LEGACY_UNLINKED);

	cache_invalidate("JDOE1");
	assert_false(has(PR_REALM_CMECF, "jdoe1"));		/* its key */
	assert_false(has(PR_REALM_PACER, "janedoe"));		/* its linked login */
	assert_false(has(PR_REALM_PACER, "jane.alias"));	/* the same, another key */
	assert_true(has(PR_REALM_PACER, "rsmith"));
	assert_true(has(PR_REALM_CMECF, "other"));

	put(PR_REALM_PACER, "jane.alias", "janedoe", "", PST_PACER_UNLINKED);
	cache_invalidate("janedoe");				/* its login, not its key */
	assert_false(has(PR_REALM_PACER, "jane.alias"));
	assert_true(has(PR_REALM_PACER, "rsmith"));

	/* An empty login names nothing, and an unknown one changes nothing. */
	cache_invalidate("");
	cache_invalidate("nobody");
	assert_true(has(PR_REALM_PACER, "rsmith"));
	assert_true(has(PR_REALM_CMECF, "other"));
}

/* Many entries in few chains: invalidating some keeps the others whole. */
static void
test_invalidate_among_many(void **state)
{
	char key[32], linked[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "p%05d", i);
		snprintf(linked, sizeof(linked), "c%05d", i / 2);
		put(PR_REALM_PACER, key, key, linked, PST_PACER_LINKED);
	}
	for (i = 0; i < 5000; i += 4) {
		snprintf(linked, sizeof(linked), "c%05d", i / 2);
		cache_invalidate(linked);	/* takes p(i) and p(i+1) */
	}
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "p%05d", i);
		if (has(PR_REALM_PACER, key) != (i % 4 >= 2))
			fail_msg("%s is %s after the invalidations", key,
				 i % 4 >= 2 ? "gone" : "still cached");
	}
	assert_int_equal(cache_sweep(), 2500);
}

/* An answer read before an invalidation is not stored after it. */
static void
test_generation_guard(void **state)
{
	struct account a = acct(PR_REALM_PACER, "janedoe", "", PST_PACER_UNLINKED);
	unsigned long gen = cache_generation();

	(void)state;
	cache_invalidate("someone");
	cache_put(PR_REALM_PACER, "janedoe", &a, 30, gen);
	assert_false(has(PR_REALM_PACER, "janedoe"));
	cache_put(PR_REALM_PACER, "janedoe", &a, 30, cache_generation());
	assert_true(has(PR_REALM_PACER, "janedoe"));
}

/* A replaced entry leaves no trace in the name index. */
static void
test_replace_then_invalidate(void **state)
{
	(void)state;
	put(PR_REALM_PACER, "janedoe", "janedoe", "jdoe1", PST_PACER_LINKED);
	put(PR_REALM_PACER, "janedoe", "janedoe", "", PST_PACER_UNLINKED);
	cache_invalidate("jdoe1");	/* named only by the replaced answer */
	assert_true(has(PR_REALM_PACER, "janedoe"));
	cache_invalidate("janedoe");
	assert_false(has(PR_REALM_PACER, "janedoe"));
	assert_int_equal(cache_sweep(), 0);
}

/* ttl 0 stores nothing; cache_clear forgets all, and the index with it. */
static void
test_ttl_zero_and_clear(void **state)
{
	struct account a = acct(PR_REALM_CMECF, "rsmith", "", PST_LEGACY_UNLINKED);

	(void)state;
	cache_put(PR_REALM_CMECF, "rsmith", &a, 0, cache_generation());
	assert_false(has(PR_REALM_CMECF, "rsmith"));
	put(PR_REALM_CMECF, "rsmith", "rsmith", "", PST_LEGACY_UNLINKED);
	put(PR_REALM_PACER, "janedoe", "janedoe", "rsmith", PST_PACER_LINKED);
	cache_clear();
	assert_false(has(PR_REALM_CMECF, "rsmith"));
	assert_int_equal(cache_sweep(), 0);
	put(PR_REALM_PACER, "janedoe", "janedoe", "rsmith", PST_PACER_LINKED);
	cache_invalidate("rsmith");
	assert_false(has(PR_REALM_PACER, "janedoe"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_by_realm_and_folded_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalidate_forgets_every_naming_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalidate_among_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_then_invalidate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_zero_and_clear, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
