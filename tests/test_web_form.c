/*
 * test_web_form.c - web/form.c and web/html.c: urlencoded bodies decoded
 * in place, every malformed body refused whole, and HTML escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "form.h"
#include "html.h"

static void
test_decodes_fields(void **state)
{
	char body[] = "csrf=ab12&login=tattorney03&password=Pacer3%21pw+x&empty=";
	struct form f;

	(void)state;
	assert_int_equal(form_parse(body, &f), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(form_get(&f, "csrf"), "ab12");
	assert_string_equal(form_get(&f, "password"), "Pacer3!pw x");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_null(form_get(&f, "missing"));
}

static void
test_refuses_malformed(void **state)
{
	const char *bad[] = { "a=1&a=2", "a=%zz", "a=%4", "a=%00", "noequals", "=v",
			      "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&"
			      "o=15&p=16&q=17" };
	struct form f;
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_int_equal(form_parse(buf, &f), -1);
	}
}

static void
test_empty_body(void **state)
{
	char body[] = "";
	struct form f;

	(void)state;
	assert_int_equal(form_parse(body, &f), 0);
	assert_int_equal(f.n, 0);
}

static void
test_html_escapes(void **state)
{
	struct html h;

	(void)state;
	html_init(&h);
	html_raw(&h, "<p>");
	html_text(&h, "<script>\"x\" & 'y'</script>");
	html_raw(&h, "</p>");
	assert_false(html_failed(&h));
	assert_string_equal(h.buf, "<p>&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
				   "</p>");
	html_free(&h);
}

static void
test_html_bounded(void **state)
{
	static char chunk[64 * 1024];
	struct html h;
	int i;

	(void)state;
	memset(chunk, 'a', sizeof(chunk) - 1);
	html_init(&h);
	for (i = 0; i < 5; i++)
		html_raw(&h, chunk);
	assert_true(html_failed(&h));
	assert_true(h.len < HTML_MAX);
	html_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_fields),
		cmocka_unit_test(test_refuses_malformed),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_html_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
