/*
 * test_kv.c - common/kv.c: bare and quoted values, the escape of every
 * byte a user could type, the value and line limits.
 *
 * Each escaped value is read back by a small parser here, so the tests
 * check that a log reader recovers exactly the bytes that were logged.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kv.h"

/* A value read back from a line. */
struct parsed {
	char val[KV_LINE_MAX];
	size_t len;
	int quoted;
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Finds key's value in line and undoes the escaping into out.  Fails the
 * test on a malformed value (unknown escape, missing closing quote).
 */
static void
parse_value(const char *line, const char *key, struct parsed *out)
{
	size_t klen = strlen(key);
	const char *p = line;

	for (;;) {
		p = strstr(p, key);
		assert_non_null(p);
		if ((p == line || p[-1] == ' ') && p[klen] == '=')
			break;
		p++;
	}
	p += klen + 1;
	out->len = 0;
	out->quoted = *p == '"';
	if (!out->quoted) {
		while (*p != '\0' && *p != ' ')
			out->val[out->len++] = *p++;
		out->val[out->len] = '\0';
		return;
	}
	for (p++; *p != '"'; p++) {
		assert_true(*p != '\0');
		if (*p == '\\') {
			p++;
			if (*p == '"' || *p == '\\') {
				out->val[out->len++] = *p;
			} else {
				assert_int_equal(*p, 'x');
				assert_true(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
				out->val[out->len++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
				p += 2;
			}
		} else {
			out->val[out->len++] = *p;
		}
	}
	assert_true(p[1] == '\0' || p[1] == ' ');
	out->val[out->len] = '\0';
}

/* Every byte of the line is printable ASCII: nothing can split or forge it. */
static void
assert_clean_line(const struct kv *kv)
{
	size_t i;

	assert_int_equal(strlen(kv_line(kv)), kv->len);
	assert_true(kv->len < KV_LINE_MAX);
	for (i = 0; i < kv->len; i++) {
		unsigned char c = (unsigned char)kv->buf[i];

		if (c < 0x20 || c >= 0x7f)
			fail_msg("byte %#x at %zu in %s", c, i, kv_line(kv));
	}
}

static void
test_bare_values(void **state)
{
	struct kv kv;

	(void)state;
	kv_init(&kv);
	assert_string_equal(kv_line(&kv), "");
	kv_str(&kv, "user", "alice");
	kv_str(&kv, "path", "a.b_c-d:e/f@g+h09XYZ");
	assert_string_equal(kv_line(&kv), "user=alice path=a.b_c-d:e/f@g+h09XYZ");
	assert_clean_line(&kv);
}

static void
test_quoted_values(void **state)
{
	struct kv kv;

	(void)state;
	kv_init(&kv);
	kv_str(&kv, "name", "John Smith");
	kv_str(&kv, "q", "say \"hi\"");
	kv_str(&kv, "bs", "a\\b");
	kv_str(&kv, "eq", "a=b");
	assert_string_equal(kv_line(&kv),
			    "name=\"John Smith\" q=\"say \\\"hi\\\"\" bs=\"a\\\\b\" eq=\"a=b\"");
	assert_clean_line(&kv);
}

/* Every printable byte outside the safe set forces quotes but is kept as is. */
static void
test_printable_unsafe(void **state)
{
	struct kv kv;
	struct parsed p;
	char v[4] = "a?b";
	int c;

	(void)state;
	for (c = 0x20; c < 0x7f; c++) {
		int safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._-:/@+", c) != NULL;
		char want[16];

		v[1] = (char)c;
		kv_init(&kv);
		kv_str(&kv, "v", v);
		if (safe)
			snprintf(want, sizeof(want), "v=%s", v);
		else if (c == '"' || c == '\\')
			snprintf(want, sizeof(want), "v=\"a\\%cb\"", c);
		else
			snprintf(want, sizeof(want), "v=\"%s\"", v);
		assert_string_equal(kv_line(&kv), want);
		parse_value(kv_line(&kv), "v", &p);
		assert_string_equal(p.val, v);
	}
}

/* 0x01..0x1f and 0x7f..0xff each become \xHH (0x00 ends a C string). */
static void
test_control_and_high_bytes(void **state)
{
	struct kv kv;
	struct parsed p;
	char v[4] = "a?b", want[16];
	int c;

	(void)state;
	for (c = 0x01; c <= 0xff; c++) {
		if (c == 0x20)
			c = 0x7f;
		v[1] = (char)c;
		kv_init(&kv);
		kv_str(&kv, "v", v);
		snprintf(want, sizeof(want), "v=\"a\\x%02xb\"", (unsigned int)c);
		assert_string_equal(kv_line(&kv), want);
		assert_clean_line(&kv);
		parse_value(kv_line(&kv), "v", &p);
		assert_string_equal(p.val, v);
	}
	/* The NUL ends the value: what follows it is never seen. */
	kv_init(&kv);
	kv_str(&kv, "v", "\0secret");
	assert_string_equal(kv_line(&kv), "v=-");
}

static void
test_crlf_injection(void **state)
{
	struct kv kv;
	struct parsed p;
	const char *evil = "bob\r\nJan  1 00:00:00 host ecflinkd: result=success user=root";

	(void)state;
	kv_init(&kv);
	kv_str(&kv, "user", evil);
	kv_str(&kv, "result", "denied");
	assert_null(strchr(kv_line(&kv), '\r'));
	assert_null(strchr(kv_line(&kv), '\n'));
	assert_clean_line(&kv);
	assert_non_null(strstr(kv_line(&kv), "\\x0d\\x0a"));
	parse_value(kv_line(&kv), "user", &p);
	assert_string_equal(p.val, evil);
	/* The forged "result=" sits inside the quotes; the real one is last. */
	assert_string_equal(strrchr(kv_line(&kv), ' '), " result=denied");
}

static void
test_missing_and_empty(void **state)
{
	struct kv kv;

	(void)state;
	kv_init(&kv);
	kv_str(&kv, "a", NULL);
	kv_str(&kv, "b", "");
	kv_quoted(&kv, "c", NULL);
	kv_quoted(&kv, "d", "");
	assert_string_equal(kv_line(&kv), "a=- b=- c=- d=-");
}

static void
test_kv_quoted(void **state)
{
	struct kv kv;

	(void)state;
	kv_init(&kv);
	kv_quoted(&kv, "name", "alice");
	kv_quoted(&kv, "cn", "Jane \"JJ\" Doe");
	kv_quoted(&kv, "x", "\t");
	assert_string_equal(kv_line(&kv),
			    "name=\"alice\" cn=\"Jane \\\"JJ\\\" Doe\" x=\"\\x09\"");
}

static void
test_value_limit(void **state)
{
	char v[KV_MAX_VALUE + 2];
	struct kv kv;
	struct parsed p;

	(void)state;
	/* Exactly KV_MAX_VALUE safe bytes: whole and bare. */
	memset(v, 'a', KV_MAX_VALUE);
	v[KV_MAX_VALUE] = '\0';
	kv_init(&kv);
	kv_str(&kv, "v", v);
	parse_value(kv_line(&kv), "v", &p);
	assert_false(p.quoted);
	assert_string_equal(p.val, v);
	assert_int_equal(kv.len, 2 + KV_MAX_VALUE);

	/* One more: cut to KV_MAX_VALUE and marked, inside the quotes. */
	v[KV_MAX_VALUE] = 'b';
	v[KV_MAX_VALUE + 1] = '\0';
	kv_init(&kv);
	kv_str(&kv, "v", v);
	parse_value(kv_line(&kv), "v", &p);
	assert_true(p.quoted);
	assert_int_equal(p.len, KV_MAX_VALUE + 3);
	assert_memory_equal(p.val, v, KV_MAX_VALUE);
	assert_string_equal(p.val + KV_MAX_VALUE, "...");
	assert_int_equal(kv.len, 2 + 1 + KV_MAX_VALUE + 3 + 1);
	assert_string_equal(kv_line(&kv) + kv.len - 4, "...\"");

	/* The limit counts input bytes, not escaped output. */
	memset(v, '\n', KV_MAX_VALUE + 1);
	kv_init(&kv);
	kv_quoted(&kv, "v", v);
	assert_int_equal(kv.len, 2 + 1 + 4 * KV_MAX_VALUE + 3 + 1);
	assert_clean_line(&kv);
}

static void
test_line_limit(void **state)
{
	char v[KV_MAX_VALUE + 1], key[16];
	struct kv kv;
	size_t before;
	int i;

	(void)state;
	/* Worst-case values: every byte escaped to four. */
	memset(v, 0xff, KV_MAX_VALUE);
	v[KV_MAX_VALUE] = '\0';
	kv_init(&kv);
	for (i = 0; i < KV_LINE_MAX / (4 * KV_MAX_VALUE) + 2; i++)
		kv_str(&kv, "v", v);
	assert_int_equal(kv.len, KV_LINE_MAX - 1);
	assert_int_equal(kv.buf[KV_LINE_MAX - 1], '\0');
	assert_clean_line(&kv);
	before = kv.len;
	kv_str(&kv, "more", "x");
	kv_int(&kv, "n", 1);
	assert_int_equal(kv.len, before);

	/* Many small fields. */
	kv_init(&kv);
	for (i = 0; i < KV_LINE_MAX / 4; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		kv_int(&kv, key, i);
		assert_true(kv.len < KV_LINE_MAX);
	}
	assert_int_equal(kv.len, KV_LINE_MAX - 1);
	assert_int_equal(strlen(kv_line(&kv)), KV_LINE_MAX - 1);
	assert_clean_line(&kv);
	assert_memory_equal(kv_line(&kv), "k0=0 k1=1 k2=2 ", 15);
}

static void
test_kv_int(void **state)
{
	struct kv kv;

	(void)state;
	kv_init(&kv);
	kv_int(&kv, "zero", 0);
	kv_int(&kv, "neg", -1);
	kv_int(&kv, "min", LLONG_MIN);
	kv_int(&kv, "max", LLONG_MAX);
	assert_string_equal(kv_line(&kv), "zero=0 neg=-1 min=-9223372036854775808 "
					  "max=9223372036854775807");
}

static void
test_kv_fmt(void **state)
{
	char v[KV_MAX_VALUE + 100];
	struct kv kv;
	struct parsed p;

	(void)state;
	kv_init(&kv);
	kv_fmt(&kv, "ms", "%d", 250);
	kv_fmt(&kv, "dn", "uid=%s,ou=%s", "bob", "people");
	kv_fmt(&kv, "why", "%s: %s", "bind", "Invalid credentials");
	kv_fmt(&kv, "empty", "%s", "");
	kv_fmt(&kv, "crlf", "%s", "a\r\nb");
	assert_string_equal(kv_line(&kv),
			    "ms=250 dn=\"uid=bob,ou=people\" why=\"bind: Invalid credentials\" "
			    "empty=- crlf=\"a\\x0d\\x0ab\"");

	/* A formatted value longer than the limit is cut and marked too. */
	memset(v, 'f', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	kv_init(&kv);
	kv_fmt(&kv, "long", "%s", v);
	parse_value(kv_line(&kv), "long", &p);
	assert_int_equal(p.len, KV_MAX_VALUE + 3);
	assert_memory_equal(p.val, v, KV_MAX_VALUE);
	assert_string_equal(p.val + KV_MAX_VALUE, "...");
}

/* A 4 KiB user name of every non-NUL byte value, as a hostile client sends. */
static void
test_hostile_user_name(void **state)
{
	static char user[4096];
	struct kv kv;
	struct parsed p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(user) - 1; i++)
		user[i] = (char)(1 + (i * 37 + 11) % 255);
	user[sizeof(user) - 1] = '\0';
	kv_init(&kv);
	kv_str(&kv, "event", "auth");
	kv_str(&kv, "user", user);
	kv_quoted(&kv, "name", user);
	kv_str(&kv, "result", "denied");
	assert_clean_line(&kv);
	parse_value(kv_line(&kv), "user", &p);
	assert_true(p.quoted);
	assert_int_equal(p.len, KV_MAX_VALUE + 3);
	assert_memory_equal(p.val, user, KV_MAX_VALUE);
	assert_string_equal(p.val + KV_MAX_VALUE, "...");
	parse_value(kv_line(&kv), "name", &p);
	assert_memory_equal(p.val, user, KV_MAX_VALUE);
	/* Both values fit, so the field after them is intact. */
	assert_string_equal(strrchr(kv_line(&kv), ' '), " result=denied");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_values),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_printable_unsafe),
		cmocka_unit_test(test_control_and_high_bytes),
		cmocka_unit_test(test_crlf_injection),
		cmocka_unit_test(test_missing_and_empty),
		cmocka_unit_test(test_kv_quoted),
		cmocka_unit_test(test_value_limit),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_kv_int),
		cmocka_unit_test(test_kv_fmt),
		cmocka_unit_test(test_hostile_user_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
