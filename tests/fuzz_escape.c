/*
 * fuzz_escape.c - libFuzzer target for the escapers (make fuzz): the log
 * line writer (common/kv.c) and the terminal and JSON writers
 * (common/textout.c), which stand between what users and the directory
 * hold and what syslog readers, fail2ban and terminals see.
 *
 * The input is split at its first NUL into a value and a second value;
 * each goes through kv_str, kv_quoted, sb_text, sb_escaped and
 * sb_json_str, and the promises are checked: one log line with no byte
 * below 0x20 or 0x7f, no field a value could forge (" key=" outside
 * quotes), quotes balanced, terminal text without control bytes, and the
 * buffers NUL-terminated within their size.  A broken promise aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "textout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_escape: broken promise: %s\n", what);
		abort();
	}
}

static void
no_control(const char *s, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		check((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] != 0x7f, what);
}

/* The line has exactly the fields written: counts key= outside quotes. */
static int
fields_outside_quotes(const char *line)
{
	int n = 0, quoted = 0;
	const char *p;

	for (p = line; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '=')
			n++;
	}
	check(!quoted, "quotes balanced");
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4096], json[4096];
	char *a, *b;
	struct kv kv;
	struct sbuf sb;
	const char *line;

	a = malloc(size + 2);
	if (a == NULL)
		return 0;
	memcpy(a, data, size);
	a[size] = a[size + 1] = '\0';
	b = a + strlen(a) + 1;
	if (b > a + size)
		b = a + size + 1;

	kv_init(&kv);
	kv_str(&kv, "event", "fuzz");
	kv_str(&kv, "one", a);
	kv_quoted(&kv, "user", b);
	kv_fmt(&kv, "two", "%s", "x");
	line = kv_line(&kv);
	check(strlen(line) < KV_LINE_MAX, "line within KV_LINE_MAX");
	no_control(line, strlen(line), "no control byte in a log line");
	check(fields_outside_quotes(line) == 4, "values add no field");

	sb_init(&sb, text, sizeof(text));
	sb_text(&sb, a, 20);
	sb_escaped(&sb, b);
	check(sb.len < sizeof(text) && text[sb.len] == '\0', "terminal text terminated");
	no_control(text, sb.len, "no control byte for the terminal");

	sb_init(&sb, json, sizeof(json));
	sb_json_str(&sb, a);
	check(sb.len < sizeof(json) && json[sb.len] == '\0', "JSON terminated");
	no_control(json, sb.len, "no raw control byte in JSON");
	free(a);
	return 0;
}
