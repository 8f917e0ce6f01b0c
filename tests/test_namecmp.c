/*
 * test_namecmp.c - daemon/namecmp.c: every grade on names as courts have
 * them (the Train Attorney03 pair first), symmetry, NULL and blank names,
 * UTF-8, and names past the 256-byte bound.
 *
 * Each pair is checked both ways round, so every test also checks that
 * the grade does not depend on which side a name came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "namecmp.h"

struct pair {
	const char *a, *b;
};

/* Checks that a and b grade as want, both ways round, naming the pair. */
static void
check(const char *a, const char *b, enum proto_grade want)
{
	enum proto_grade ab = namecmp_grade(a, b), ba = namecmp_grade(b, a);

	if (ab != want || ba != want)
		fail_msg("\"%s\" vs \"%s\": want %s, got %s / %s (reversed)", a ? a : "(null)",
			 b ? b : "(null)", namecmp_grade_name(want), namecmp_grade_name(ab),
			 namecmp_grade_name(ba));
}

static void
check_all(const struct pair *p, size_t n, enum proto_grade want)
{
	size_t i;

	for (i = 0; i < n; i++)
		check(p[i].a, p[i].b, want);
}

static void
test_exact(void **state)
{
	static const struct pair p[] = {
		{ "Train Attorney03", "Train Attorney03" },
		{ "Mary O'Brien", "  Mary   O'Brien " },
		{ "Robert J. Smith", "Robert\tJ.\t\tSmith" },
		{ "Train Attorney Three", " Train Attorney Three" },
		{ "X", "X" },
	};

	(void)state;
	check_all(p, sizeof(p) / sizeof(p[0]), PG_EXACT);
}

static void
test_equivalent(void **state)
{
	static const struct pair p[] = {
		{ "Train Attorney03", "Train Attorneythree" },
		{ "Train Attorney03", "Train Attorney Three" },
		{ "Train Attorney03", "Train Attorney03" "." },
		{ "Train Attorney03", "train attorney03" },
		{ "Train Attorney03", "Train Attorney3" },
		{ "O'Brien, Mary", "OBrien Mary" },
		{ "O\xe2\x80\x99" "Brien, Mary", "O'Brien, Mary" },	/* curly apostrophe */
		{ "Attorney 3", "Attorney Three" },
		{ "Attorney 12", "attorney twelve" },
		{ "Filer 21", "Filer Twenty-One" },
		{ "Trustee 100", "Trustee One Hundred" },
		{ "Trustee 1000", "Trustee One Thousand" },
		{ "Agent 2019", "Agent two thousand nineteen" },
		{ "Agent 0", "Agent Zero" },
		{ "Attorney 007", "Attorney Seven" },
		{ "Smith-Jones, Anne", "SMITH JONES ANNE" },
		{ "Robert J. Smith, Jr.", "robert j smith jr" },
		{ "MARY-KATE O'NEIL", "Mary Kate ONeil" },
		{ "Acct 1234567890", "acct-1234567890" },	/* too long: kept as digits */
	};

	(void)state;
	check_all(p, sizeof(p) / sizeof(p[0]), PG_EQUIVALENT);
}

static void
test_similar(void **state)
{
	static const struct pair p[] = {
		{ "Mary O'Brien", "O'Brien, Mary" },		/* word order */
		{ "Smith, Robert J.", "Robert J. Smith" },
		{ "Robert J. Smith", "Robert Smith" },		/* middle initial missing */
		{ "Robert James Smith", "Robert Smith" },	/* middle name missing */
		{ "Robert James Smith", "Robert J. Smith" },	/* initial for the name */
		{ "R. Smith", "Robert Smith" },
		{ "Jonathan Smith", "Jonathon Smith" },		/* one letter */
		{ "Stephen Miller", "Steven Miller" },		/* two edits */
		{ "J. Smith", "K. Smith" },			/* short: one edit */
		{ "Train Attroney03", "Train Attorney03" },	/* transposition */
		{ "Ann Lee", "Anne Lee" },
		{ "Bo Li", "Bo Lu" },				/* short: one edit */
	};

	(void)state;
	check_all(p, sizeof(p) / sizeof(p[0]), PG_SIMILAR);
}

static void
test_different(void **state)
{
	static const struct pair p[] = {
		{ "Train Attorney03", "Train Paralegal07" },
		{ "Train Attorney03", "Train Attorney04" },	/* "three"/"four" is too far */
		{ "Mary O'Brien", "John Smith" },
		{ "Robert Smith", "Roberta Smythe" },
		{ "Bo Li", "Al Wu" },
		{ "Ann Li", "Bob Li" },				/* one shared word */
		{ "Smith", "John Smith" },			/* one word is too little */
		{ "Jo", "Al" },
		{ "J. Smith", "K. Smyth" },
		{ "---", "..." },				/* nothing left after folding */
		{ "Acct 1234567890", "Acct 1234567891234" },
	};

	(void)state;
	check_all(p, sizeof(p) / sizeof(p[0]), PG_DIFFERENT);
}

/* The short/long boundary: two edits pass only when the longer has >= 8. */
static void
test_distance_threshold(void **state)
{
	(void)state;
	check("abcdefgh", "abcdefxy", PG_SIMILAR);	/* 8 folded chars, 2 edits */
	check("abcdefg", "abcdexy", PG_DIFFERENT);	/* 7 folded chars, 2 edits */
	check("abcdefg", "abcdefx", PG_SIMILAR);	/* 7, 1 edit */
	check("abcdefgh", "abcdxyzh", PG_DIFFERENT);	/* 3 edits */
	check("abcdefgh", "abcdefghij", PG_SIMILAR);	/* 2 insertions */
	check("abcdefgh", "abcdefghijk", PG_DIFFERENT);	/* 3 insertions */
}

static void
test_null_and_blank(void **state)
{
	(void)state;
	check(NULL, "Train Attorney03", PG_DIFFERENT);
	check(NULL, NULL, PG_DIFFERENT);
	check("", "Train Attorney03", PG_DIFFERENT);
	check("", "", PG_DIFFERENT);
	check("   ", "   ", PG_DIFFERENT);
	check("\t", "", PG_DIFFERENT);
}

static void
test_utf8(void **state)
{
	(void)state;
	check("Jos\xc3\xa9 Mu\xc3\xb1oz", "Jos\xc3\xa9 Mu\xc3\xb1oz", PG_EXACT);
	check("Jos\xc3\xa9 Mu\xc3\xb1oz", "jos\xc3\xa9 mu\xc3\xb1oz", PG_EQUIVALENT);
	check("Mu\xc3\xb1oz, Jos\xc3\xa9", "Jos\xc3\xa9 Mu\xc3\xb1oz", PG_SIMILAR);
	/* é against e: the two UTF-8 bytes are two edits against one byte. */
	check("Jos\xc3\xa9 Mu\xc3\xb1oz", "Jose Munoz", PG_DIFFERENT);
	check("Jos\xc3\xa9 Mu\xc3\xb1oz", "Jose Mu\xc3\xb1oz", PG_SIMILAR);
	/* U+00A0 separates words like a blank. */
	check("Mary\xc2\xa0O'Brien", "O'Brien Mary", PG_SIMILAR);
	check("\xe5\xbc\xa0\xe4\xbc\x9f", "\xe5\xbc\xa0\xe4\xbc\x9f", PG_EXACT);
	check("\xe5\xbc\xa0\xe4\xbc\x9f", "\xe6\x9d\x8e\xe5\xa8\x9c", PG_DIFFERENT);
	/* Invalid and truncated sequences are plain bytes, not a crash. */
	check("Ann \xff\xfe Lee", "Ann Lee", PG_SIMILAR);
	check("\xe2\x80", "\xe2\x80", PG_EXACT);
	check("Ann Lee\xe2\x80", "Ann Lee", PG_SIMILAR);
	check("Ann\xe2\x80", "Ann", PG_DIFFERENT);
}

/* Names longer than NAMECMP_MAX_BYTES are graded on their first 256 bytes. */
static void
test_long_names(void **state)
{
	char a[1024], b[1024], digits[1024];
	size_t i;

	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[NAMECMP_MAX_BYTES + 10] = 'b';	/* past the bound: not seen */
	check(a, b, PG_EXACT);
	b[NAMECMP_MAX_BYTES - 1] = 'A';		/* the last byte seen */
	check(a, b, PG_EQUIVALENT);
	b[0] = 'x';
	check(a, b, PG_SIMILAR);
	b[1] = 'y';
	b[2] = 'z';
	check(a, b, PG_DIFFERENT);
	/* Spelling out digits grows a name the most: 9-digit runs of 7s. */
	for (i = 0; i < sizeof(digits) - 1; i++)
		digits[i] = i % 10 == 9 ? ' ' : '7';
	digits[sizeof(digits) - 1] = '\0';
	check(digits, digits, PG_EXACT);
	memcpy(b, digits, sizeof(b));
	b[0] = 'x';
	check(digits, b, PG_DIFFERENT);
	b[0] = '7';
	b[9] = '-';
	check(digits, b, PG_EQUIVALENT);
}

/* Many word-heavy names: the word tables fill and stay in bounds. */
static void
test_many_words(void **state)
{
	char a[600], b[600];
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(a); i += 2) {
		a[i] = (char)('a' + (i / 2) % 26);
		a[i + 1] = ' ';
	}
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	check(a, b, PG_EXACT);
	b[0] = 'A';
	check(a, b, PG_EQUIVALENT);
	b[0] = ',';
	check(a, b, PG_SIMILAR);
}

static void
test_grade_names(void **state)
{
	(void)state;
	assert_string_equal(namecmp_grade_name(PG_EXACT), "exact");
	assert_string_equal(namecmp_grade_name(PG_EQUIVALENT), "equivalent");
	assert_string_equal(namecmp_grade_name(PG_SIMILAR), "similar");
	assert_string_equal(namecmp_grade_name(PG_DIFFERENT), "different");
	assert_string_equal(namecmp_grade_name((enum proto_grade)42), "unknown");
}

/* Random pairs over a small alphabet: the grade is always symmetric. */
static void
test_symmetry_random(void **state)
{
	static const char alpha[] = "ab 3.'-,\xc3";
	char a[24], b[24];
	unsigned seed = 12345;
	int t;
	size_t i, n, m;

	(void)state;
	for (t = 0; t < 20000; t++) {
		n = (size_t)rand_r(&seed) % sizeof(a);
		m = (size_t)rand_r(&seed) % sizeof(b);
		for (i = 0; i < n; i++)
			a[i] = alpha[rand_r(&seed) % (int)(sizeof(alpha) - 1)];
		for (i = 0; i < m; i++)
			b[i] = alpha[rand_r(&seed) % (int)(sizeof(alpha) - 1)];
		a[n] = b[m] = '\0';
		if (namecmp_grade(a, b) != namecmp_grade(b, a))
			fail_msg("asymmetric: \"%s\" vs \"%s\"", a, b);
		assert_int_equal(namecmp_grade(a, a), n > 0 && strspn(a, " ") < n ?
				 PG_EXACT : PG_DIFFERENT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_equivalent),
		cmocka_unit_test(test_similar),
		cmocka_unit_test(test_different),
		cmocka_unit_test(test_distance_threshold),
		cmocka_unit_test(test_null_and_blank),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_many_words),
		cmocka_unit_test(test_grade_names),
		cmocka_unit_test(test_symmetry_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
