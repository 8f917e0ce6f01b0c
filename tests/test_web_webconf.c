/*
 * test_web_webconf.c - web/webconf.c: trusted proxy networks (prefixes,
 * IPv6, v4-mapped peers) and the settings read from a file: defaults, the
 * base URL's path as the prefix, and ecflinkd's own keys left alone.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "webconf.h"

static void
test_parse_net(void **state)
{
	struct webconf_net n;

	(void)state;
	assert_int_equal(webconf_parse_net("127.0.0.1", &n), 0);
	assert_int_equal(n.prefix, 32);
	assert_int_equal(webconf_parse_net("10.1.0.0/16", &n), 0);
	assert_int_equal(n.prefix, 16);
	assert_int_equal(webconf_parse_net("::1", &n), 0);
	assert_int_equal(n.family, AF_INET6);
	assert_int_equal(webconf_parse_net("10.0.0.0/33", &n), -1);
	assert_int_equal(webconf_parse_net("10.0.0.0/", &n), -1);
	assert_int_equal(webconf_parse_net("localhost", &n), -1);
	assert_int_equal(webconf_parse_net("", &n), -1);
}

static void
test_trusted(void **state)
{
	struct webconf c;
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(webconf_parse_net("10.1.0.0/17", &c.proxies[0]), 0);
	assert_int_equal(webconf_parse_net("2001:db8::/32", &c.proxies[1]), 0);
	c.n_proxies = 2;
	inet_pton(AF_INET, "10.1.127.255", &in.sin_addr);
	assert_true(webconf_trusted(&c, (struct sockaddr *)&in));
	inet_pton(AF_INET, "10.1.128.0", &in.sin_addr);
	assert_false(webconf_trusted(&c, (struct sockaddr *)&in));
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr);
	assert_true(webconf_trusted(&c, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db8:ffff::1", &in6.sin6_addr);
	assert_true(webconf_trusted(&c, (struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db9::1", &in6.sin6_addr);
	assert_false(webconf_trusted(&c, (struct sockaddr *)&in6));
	assert_false(webconf_trusted(&c, NULL));
}

static int faults;

static void
count(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
	faults++;
}

/* Writes text to a temporary file and loads it. */
static struct webconf *
load(const char *text)
{
	char path[] = "/tmp/test_web_webconf.XXXXXX";
	struct webconf *c;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	faults = 0;
	c = webconf_load(path, count, NULL);
	unlink(path);
	return c;
}

static void
test_load(void **state)
{
	struct webconf *c;

	(void)state;
	c = load("court: { name = \"X COURT\"; timezone = \"nowhere\"; };\n"
		 "ldap: { anything = 1; };\n"
		 "socket: { path = \"/run/x.sock\"; admin_group = \"nope\"; };\n"
		 "web: { base_url = \"https://ecf.example.org/link/\"; };\n");
	assert_non_null(c);
	assert_int_equal(faults, 0);
	assert_string_equal(c->court_name, "X COURT");
	assert_string_equal(c->socket_path, "/run/x.sock");
	assert_string_equal(c->base_url, "https://ecf.example.org/link");
	assert_string_equal(c->prefix, "/link");
	assert_true(c->https);
	assert_int_equal(c->session_idle_s, 900);
	assert_string_equal(c->listen_text, "127.0.0.1:8080");
	webconf_free(c);

	c = load("court: { name = \"X\"; };\nweb: { base_url = \"http://h:81\"; };\n");
	assert_non_null(c);
	assert_string_equal(c->prefix, "");
	assert_false(c->https);
	webconf_free(c);

	assert_null(load("court: { name = \"X\"; };\nweb: { listen = \"[::1]:0\"; x = 1; };\n"));
	assert_int_equal(faults, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_net),
		cmocka_unit_test(test_trusted),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
