/*
 * test_resetcode.c - daemon/resetcode.c: the code's format and randomness,
 * the forms a user may type it in, and hashing and verifying with the
 * real libxcrypt yescrypt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resetcode.h"

#define NCODES 1000

static bool
is_b32(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
}

/* Fails unless s is exactly "XXXXX-XXXXX-XXXXX-XXXXX" over A-Z 2-7. */
static void
assert_code_format(const char *s)
{
	size_t i;

	if (strlen(s) != RESETCODE_LEN - 1)
		fail_msg("code \"%s\": length %zu, want %d", s, strlen(s), RESETCODE_LEN - 1);
	for (i = 0; i < RESETCODE_LEN - 1; i++) {
		bool dash = i % 6 == 5;

		if (dash ? s[i] != '-' : !is_b32(s[i]))
			fail_msg("code \"%s\": byte %zu is '%c'", s, i, s[i]);
	}
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_format_and_distinct(void **state)
{
	static char codes[NCODES][RESETCODE_LEN];
	char err[256];
	unsigned seen[32] = { 0 };
	size_t i, j;

	(void)state;
	for (i = 0; i < NCODES; i++) {
		assert_int_equal(resetcode_new(codes[i], err, sizeof(err)), 0);
		assert_code_format(codes[i]);
		for (j = 0; j < RESETCODE_LEN - 1; j++) {
			const char *p = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", codes[i][j]);

			if (codes[i][j] != '-')
				seen[p - "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"]++;
		}
	}
	qsort(codes, NCODES, sizeof(codes[0]), str_cmp);
	for (i = 1; i < NCODES; i++)
		if (strcmp(codes[i - 1], codes[i]) == 0)
			fail_msg("code %s issued twice", codes[i]);
	/* 20000 characters, 625 expected of each: every one shows up often. */
	for (i = 0; i < 32; i++)
		if (seen[i] < 400 || seen[i] > 850)
			fail_msg("base32 character %zu seen %u times of 20000", i, seen[i]);
}

static void
test_normalize(void **state)
{
	char out[RESETCODE_CHARS + 1];

	(void)state;
	assert_int_equal(resetcode_normalize("ABCDE-FGHIJ-KLMNO-PQRST", out), 0);
	assert_string_equal(out, "ABCDEFGHIJKLMNOPQRST");
	assert_int_equal(resetcode_normalize("abcde-fghij-klmno-pqrst", out), 0);
	assert_string_equal(out, "ABCDEFGHIJKLMNOPQRST");
	assert_int_equal(resetcode_normalize("uvwxy234567abcdeAB2C", out), 0);
	assert_string_equal(out, "UVWXY234567ABCDEAB2C");
	assert_int_equal(resetcode_normalize("  abcde fghij\tklmno -- pqrst \r\n", out), 0);
	assert_string_equal(out, "ABCDEFGHIJKLMNOPQRST");
	assert_int_equal(resetcode_normalize("A-B-C-D-E-F-G-H-I-J-K-L-M-N-O-P-Q-R-S-T", out), 0);
	assert_string_equal(out, "ABCDEFGHIJKLMNOPQRST");
}

static void
test_normalize_rejects(void **state)
{
	static const char *const bad[] = {
		"ABCDE-FGHIJ-KLMNO-PQRS0",	/* 0, 1, 8, 9 are not base32 */
		"ABCDE-FGHIJ-KLMNO-PQRS1",
		"ABCDE-FGHIJ-KLMNO-PQRS8",
		"ABCDE-FGHIJ-KLMNO-PQRS9",
		"ABCDE-FGHIJ-KLMNO-PQRS=",
		"ABCDE_FGHIJ_KLMNO_PQRST",
		"ABCDE-FGHIJ-KLMNO-PQRS\xc3\x89",
		"ABCDE-FGHIJ-KLMNO-PQRS",	/* 19 */
		"ABCDE-FGHIJ-KLMNO-PQRSTU",	/* 21 */
		"ABCDEFGHIJKLMNOPQRSTABCDEFGHIJKLMNOPQRST",
		"",
		"-----",
	};
	char out[RESETCODE_CHARS + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'x', sizeof(out));
		if (resetcode_normalize(bad[i], out) != -1)
			fail_msg("normalize accepted \"%s\"", bad[i]);
		assert_int_equal(out[0], '\0');	/* wiped */
	}
	assert_int_equal(resetcode_normalize(NULL, out), -1);
}

static void
test_hash_and_verify(void **state)
{
	char code[RESETCODE_LEN], other[RESETCODE_LEN], lower[RESETCODE_LEN];
	char bare[RESETCODE_CHARS + 1], h1[RESETCODE_HASH_MAX], h2[RESETCODE_HASH_MAX];
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(resetcode_new(code, err, sizeof(err)), 0);
	assert_int_equal(resetcode_hash(code, h1, sizeof(h1), err, sizeof(err)), 0);
	assert_int_equal(strncmp(h1, "{CRYPT}$y$", 10), 0);
	assert_null(strstr(h1, code));
	assert_true(resetcode_verify(code, h1));

	/* Salted: the same code hashes differently, and both verify. */
	assert_int_equal(resetcode_hash(code, h2, sizeof(h2), err, sizeof(err)), 0);
	assert_string_not_equal(h1, h2);
	assert_true(resetcode_verify(code, h2));

	/* Any case, with or without dashes. */
	for (i = 0; i <= RESETCODE_LEN - 1; i++)
		lower[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
	assert_true(resetcode_verify(lower, h1));
	assert_int_equal(resetcode_normalize(code, bare), 0);
	assert_true(resetcode_verify(bare, h1));

	/* One character changed, in each position. */
	for (i = 0; i < RESETCODE_LEN - 1; i += 6) {
		memcpy(other, code, sizeof(other));
		other[i] = other[i] == 'A' ? 'B' : 'A';
		assert_false(resetcode_verify(other, h1));
	}
	/* The stored prefix is matched in any case (RFC 2307). */
	memcpy(h2, "{crypt}", 7);
	memcpy(h2 + 7, h1 + 7, strlen(h1 + 7) + 1);
	assert_true(resetcode_verify(code, h2));
	/* A code that is not one is refused before any hashing. */
	assert_false(resetcode_verify("", h1));
	assert_false(resetcode_verify(NULL, h1));
	assert_false(resetcode_verify("ABCDE-FGHIJ-KLMNO-PQRS0", h1));
}

static void
test_verify_malformed_stored(void **state)
{
	static const char *const bad[] = {
		"", "{CRYPT}", "{SSHA}abc", "{CRYPT}*", "{CRYPT}*0", "{CRYPT}$y$",
		"{CRYPT}$y$j9T$", "{CRYPT}$y$j9T$abc$", "{CRYPT}$x$garbage", "CRYPT}$y$j9T$a$b",
		"{CRYPT}ab", "{CRYPT} $y$j9T$", "{CRYPT}$1$",
	};
	char code[RESETCODE_LEN], h[RESETCODE_HASH_MAX], err[256];
	size_t i;

	(void)state;
	assert_int_equal(resetcode_new(code, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (resetcode_verify(code, bad[i]))
			fail_msg("verify accepted stored value \"%s\"", bad[i]);
	assert_false(resetcode_verify(code, NULL));
	/* A real hash cut short no longer matches. */
	assert_int_equal(resetcode_hash(code, h, sizeof(h), err, sizeof(err)), 0);
	h[strlen(h) - 1] = '\0';
	assert_false(resetcode_verify(code, h));
}

static void
test_hash_errors(void **state)
{
	char h[RESETCODE_HASH_MAX], small[20], err[256];

	(void)state;
	err[0] = '\0';
	assert_int_equal(resetcode_hash("not a code", h, sizeof(h), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "base32"));
	err[0] = '\0';
	assert_int_equal(resetcode_hash("ABCDE-FGHIJ-KLMNO-PQRST", small, sizeof(small), err,
					sizeof(err)), -1);
	assert_non_null(strstr(err, "too few"));
	assert_string_equal(small, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_distinct),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_rejects),
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_verify_malformed_stored),
		cmocka_unit_test(test_hash_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
