/*
 * namecmp.c - name grading (see namecmp.h).
 *
 * Each name is folded once into a string of words: ASCII letters lower
 * cased, digit runs spelled out, other ASCII punctuation either dropped
 * inside a word (' . - `, and the curly apostrophes U+2018/U+2019) or
 * ending it (blanks, commas and the rest; also U+00A0).  A digit run ends
 * at any non-digit, so "1,000" is "one" "zero" while "1000" is
 * "onethousand".  The folded string is the words concatenated, so two
 * names that differ only in spacing and punctuation fold alike.  All
 * buffers are fixed and on the stack: a name is at most 256 bytes, and
 * spelling out digits grows it less than ten times.
 */
#include "namecmp.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_MAX 2600				/* > 256 * 87 / 9 + NUL */
#define WORDS_MAX (NAMECMP_MAX_BYTES / 2 + 1)	/* a word and a separator */
#define DIGITS_MAX 9				/* longer runs stay digits */
#define BAND 2					/* largest distance asked for */

struct word {
	const char *p;
	size_t len;
};

struct folded {
	char s[FOLD_MAX];
	size_t len;
	size_t nwords;
	struct word w[WORDS_MAX];
};

static const char *const ones[20] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen",
};

static const char *const tens[10] = {
	"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Appends n bytes of s to f->s; bytes past FOLD_MAX - 1 are dropped. */
static void
put(struct folded *f, const char *s, size_t n)
{
	if (n > FOLD_MAX - 1 - f->len)
		n = FOLD_MAX - 1 - f->len;
	memcpy(f->s + f->len, s, n);
	f->len += n;
}

static void
put_word(struct folded *f, const char *s)
{
	put(f, s, strlen(s));
}

/* Spells 0 < n < 1000 as words without spaces ("onehundredtwentyone"). */
static void
put_below_1000(struct folded *f, uint32_t n)
{
	if (n >= 100) {
		put_word(f, ones[n / 100]);
		put_word(f, "hundred");
		n %= 100;
	}
	if (n >= 20) {
		put_word(f, tens[n / 10]);
		n %= 10;
	}
	if (n > 0)
		put_word(f, ones[n]);
}

/* Spells the digit run d[0..n) in words, or copies it when n > DIGITS_MAX. */
static void
put_number(struct folded *f, const char *d, size_t n)
{
	uint32_t v = 0;
	size_t i;

	if (n > DIGITS_MAX) {
		put(f, d, n);
		return;
	}
	for (i = 0; i < n; i++)
		v = v * 10 + (uint32_t)(d[i] - '0');
	if (v == 0) {
		put_word(f, ones[0]);
		return;
	}
	if (v >= 1000000) {
		put_below_1000(f, v / 1000000);
		put_word(f, "million");
		v %= 1000000;
	}
	if (v >= 1000) {
		put_below_1000(f, v / 1000);
		put_word(f, "thousand");
		v %= 1000;
	}
	put_below_1000(f, v);
}

/* Ends the word that started at offset start, if it holds anything. */
static void
end_word(struct folded *f, size_t start)
{
	if (f->len > start && f->nwords < WORDS_MAX) {
		f->w[f->nwords].p = f->s + start;
		f->w[f->nwords].len = f->len - start;
		f->nwords++;
	}
}

/* Length of the multi-byte UTF-8 punctuation at s dropped inside words, or 0. */
static size_t
utf8_apostrophe(const unsigned char *s, size_t left)
{
	if (left >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x98 || s[2] == 0x99))
		return 3;
	return 0;
}

/* Folds the first n bytes of name into f (see the file comment). */
static void
fold(const char *name, size_t n, struct folded *f)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, start = 0, k;

	f->len = 0;
	f->nwords = 0;
	while (i < n) {
		unsigned char c = s[i];

		if (is_digit(c)) {
			for (k = i; k < n && is_digit(s[k]); k++)
				;
			put_number(f, name + i, k - i);
			i = k;
		} else if (is_alpha(c)) {
			char lc = (char)(c | 0x20);

			put(f, &lc, 1);
			i++;
		} else if (c == '\'' || c == '.' || c == '-' || c == '`') {
			i++;
		} else if ((k = utf8_apostrophe(s + i, n - i)) > 0) {
			i += k;
		} else if (c == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) {
			end_word(f, start);
			start = f->len;
			i += 2;
		} else if (c >= 0x80) {
			put(f, name + i, 1);
			i++;
		} else {
			end_word(f, start);
			start = f->len;
			i++;
		}
	}
	end_word(f, start);
	f->s[f->len] = '\0';
}

/*
 * Writes the first n bytes of name to out (n + 1 bytes) with leading and
 * trailing blanks removed and each inner run of blanks made one space.
 */
static size_t
squeeze(const char *name, size_t n, char *out)
{
	size_t i, o = 0;
	bool gap = false;

	for (i = 0; i < n; i++) {
		if (is_blank(name[i])) {
			gap = o > 0;
			continue;
		}
		if (gap)
			out[o++] = ' ';
		gap = false;
		out[o++] = name[i];
	}
	out[o] = '\0';
	return o;
}

static int
word_cmp(const void *a, const void *b)
{
	const struct word *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->p, y->p, n);

	if (r != 0)
		return r;
	return (x->len > y->len) - (x->len < y->len);
}

static bool
word_eq(const struct word *x, const struct word *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* True when a and b hold the same words, counted with repetition. */
static bool
same_words(const struct folded *a, const struct folded *b)
{
	struct word x[WORDS_MAX], y[WORDS_MAX];
	size_t i;

	if (a->nwords != b->nwords)
		return false;
	memcpy(x, a->w, a->nwords * sizeof(x[0]));
	memcpy(y, b->w, b->nwords * sizeof(y[0]));
	qsort(x, a->nwords, sizeof(x[0]), word_cmp);
	qsort(y, b->nwords, sizeof(y[0]), word_cmp);
	for (i = 0; i < a->nwords; i++)
		if (!word_eq(&x[i], &y[i]))
			return false;
	return true;
}

/* True when x is one letter that begins y, or y one letter that begins x. */
static bool
initial_of(const struct word *x, const struct word *y)
{
	if (x->len == 1 && y->len > 1)
		return x->p[0] == y->p[0];
	if (y->len == 1 && x->len > 1)
		return y->p[0] == x->p[0];
	return false;
}

/*
 * True when a has at least two words and each matches a different word of
 * b: equal words first, then initials.  Greedy, which is enough for names.
 */
static bool
contained(const struct folded *a, const struct folded *b)
{
	bool used[WORDS_MAX] = { false }, done[WORDS_MAX] = { false };
	size_t i, j;

	if (a->nwords < 2 || a->nwords > b->nwords)
		return false;
	for (i = 0; i < a->nwords; i++)
		for (j = 0; j < b->nwords && !done[i]; j++)
			if (!used[j] && word_eq(&a->w[i], &b->w[j]))
				used[j] = done[i] = true;
	for (i = 0; i < a->nwords; i++) {
		for (j = 0; j < b->nwords && !done[i]; j++)
			if (!used[j] && initial_of(&a->w[i], &b->w[j]))
				used[j] = done[i] = true;
		if (!done[i])
			return false;
	}
	return true;
}

/* Row r's cell for column j, or BAND + 1 outside the band or the table. */
static int
cell(const int *row, size_t r, size_t j, size_t m)
{
	if (j > m || j + BAND < r || j > r + BAND)
		return BAND + 1;
	return row[j + BAND - r];
}

static int
min2(int a, int b)
{
	return a < b ? a : b;
}

/*
 * Optimal-string-alignment (restricted Damerau-Levenshtein) distance of
 * a[0..n) and b[0..m), capped at BAND + 1.  Only the diagonal band of
 * width 2 * BAND + 1 is computed, as cells outside it exceed BAND anyway:
 * O(n) time and no allocation.
 */
static int
osa_capped(const char *a, size_t n, const char *b, size_t m)
{
	int rows[3][2 * BAND + 1];
	int *r2 = rows[0], *r1 = rows[1], *r0 = rows[2], *t;
	size_t i, j;
	int best;

	if ((n > m ? n - m : m - n) > BAND)
		return BAND + 1;
	for (j = 0; j <= 2 * BAND; j++)
		r0[j] = r1[j] = r2[j] = BAND + 1;
	for (j = 0; j <= m && j <= BAND; j++)
		r0[j + BAND] = (int)j;
	for (i = 1; i <= n; i++) {
		t = r2;
		r2 = r1;
		r1 = r0;
		r0 = t;
		best = BAND + 1;
		for (j = i > BAND ? i - BAND : 0; j <= m && j <= i + BAND; j++) {
			int v;

			if (j == 0) {
				v = (int)i;
			} else {
				v = cell(r1, i - 1, j - 1, m) + (a[i - 1] != b[j - 1]);
				v = min2(v, cell(r1, i - 1, j, m) + 1);
				v = min2(v, cell(r0, i, j - 1, m) + 1);
				if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
					v = min2(v, cell(r2, i - 2, j - 2, m) + 1);
			}
			v = min2(v, BAND + 1);
			r0[j + BAND - i] = v;
			best = min2(best, v);
		}
		if (best > BAND)
			return BAND + 1;
	}
	return cell(r0, n, m, m);
}

/* The grade of two non-blank folded names that are not exact. */
static enum proto_grade
grade_folded(const struct folded *a, const struct folded *b)
{
	size_t longer = a->len > b->len ? a->len : b->len;
	int limit = longer >= 8 ? 2 : 1;

	if (a->len == 0 || b->len == 0)
		return PG_DIFFERENT;
	if (a->len == b->len && memcmp(a->s, b->s, a->len) == 0)
		return PG_EQUIVALENT;
	if (same_words(a, b))
		return PG_SIMILAR;
	if (osa_capped(a->s, a->len, b->s, b->len) <= limit)
		return PG_SIMILAR;
	if (contained(a, b) || contained(b, a))
		return PG_SIMILAR;
	return PG_DIFFERENT;
}

enum proto_grade
namecmp_grade(const char *cmecf_name, const char *pacer_name)
{
	char sa[NAMECMP_MAX_BYTES + 1], sb[NAMECMP_MAX_BYTES + 1];
	struct folded fa, fb;
	size_t na, nb;

	if (cmecf_name == NULL || pacer_name == NULL)
		return PG_DIFFERENT;
	na = strnlen(cmecf_name, NAMECMP_MAX_BYTES);
	nb = strnlen(pacer_name, NAMECMP_MAX_BYTES);
	if (squeeze(cmecf_name, na, sa) == 0 || squeeze(pacer_name, nb, sb) == 0)
		return PG_DIFFERENT;
	if (strcmp(sa, sb) == 0)
		return PG_EXACT;
	fold(cmecf_name, na, &fa);
	fold(pacer_name, nb, &fb);
	return grade_folded(&fa, &fb);
}

const char *
namecmp_grade_name(enum proto_grade g)
{
	switch (g) {
	case PG_EXACT:
		return "exact";
	case PG_EQUIVALENT:
		return "equivalent";
	case PG_SIMILAR:
		return "similar";
	case PG_DIFFERENT:
		return "different";
	}
	return "unknown";
}
