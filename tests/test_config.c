/*
 * test_config.c - daemon/config.c: defaults, a full config, the shipped
 * sample, and the exact "FILE:LINE: KEY: message" of every fault class.
 *
 * Each config is written to a fresh file in a private temp directory; the
 * report callback collects the lines so tests compare file, line and key.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define MAX_REPORTS 32
#define SAMPLE "etc/ecflink.conf"
#define PATHLEN 256		/* every path here is under a short /tmp directory */

struct reports {
	int n;
	char line[MAX_REPORTS][1400];
};

static char dir[64];
static char conf_path[PATHLEN];
static char pw_good[PATHLEN];
static struct reports rep;

/* Collects one report line; ctx is the struct reports. */
static void
collect(void *ctx, const char *line)
{
	struct reports *r = ctx;

	if (r->n < MAX_REPORTS)
		snprintf(r->line[r->n], sizeof(r->line[0]), "%s", line);
	r->n++;
}

/* Writes dir/name holding content with mode; path receives its name. */
static void
make_file(char *path, size_t len, const char *name, const char *content, mode_t mode)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(content, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Writes text to a new config file (conf_path) and loads it. */
static struct config *
load_text(const char *text)
{
	int fd;
	size_t len = strlen(text);

	snprintf(conf_path, sizeof(conf_path), "%s/ecflink-XXXXXX", dir);
	fd = mkstemp(conf_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	memset(&rep, 0, sizeof(rep));
	return config_load(conf_path, collect, &rep);
}

/*
 * A valid minimal config with slots for single-line overrides.  The lines
 * below are fixed, so tests know where each fault must be reported.
 */
struct tpl {
	const char *court, *uris, *bind_dn, *pwfile, *pacer_base, *ldap, *sockpath, *socket;
	const char *policy;
	const char *tail;
};

enum {
	L_COURT_GROUP = 1,
	L_COURT = 3,
	L_LDAP_GROUP = 5,
	L_URIS = 6,
	L_BIND_DN = 7,
	L_PWFILE = 8,
	L_PACER_BASE = 9,
	L_LDAP = 12,
	L_SOCKPATH = 15,
	L_SOCKET = 16,
	L_POLICY = 19,
	L_TAIL = 21,
};

static struct config *
load_tpl(const struct tpl *t)
{
	char text[8192];
	int n;

	n = snprintf(text, sizeof(text),
		     "court: {\n"
		     "\tname = \"Test Court\";\n"
		     "\t%s\n"
		     "};\n"
		     "ldap: {\n"
		     "\turis = %s;\n"
		     "\tbind_dn = \"%s\";\n"
		     "\tbind_password_file = \"%s\";\n"
		     "\tpacer_base = \"%s\";\n"
		     "\tcmecf_base = \"ou=cmecf,dc=example,dc=org\";\n"
		     "\tcounter_dn = \"cn=transactions,dc=example,dc=org\";\n"
		     "\t%s\n"
		     "};\n"
		     "socket: {\n"
		     "\tpath = \"%s\";\n"
		     "\t%s\n"
		     "};\n"
		     "policy: {\n"
		     "\t%s\n"
		     "};\n"
		     "%s\n",
		     t->court ? t->court : "",
		     t->uris ? t->uris : "[ \"ldap://127.0.0.1:389\" ]",
		     t->bind_dn ? t->bind_dn : "cn=ecflinkd,dc=example,dc=org",
		     t->pwfile ? t->pwfile : pw_good,
		     t->pacer_base ? t->pacer_base : "ou=pacer,dc=example,dc=org",
		     t->ldap ? t->ldap : "",
		     t->sockpath ? t->sockpath : "/run/ecflink/test.sock",
		     t->socket ? t->socket : "",
		     t->policy ? t->policy : "", t->tail ? t->tail : "");
	assert_true(n > 0 && (size_t)n < sizeof(text));
	return load_text(text);
}

static void
dump_reports(void)
{
	int i;

	for (i = 0; i < rep.n && i < MAX_REPORTS; i++)
		print_message("report %d: %s\n", i, rep.line[i]);
}

/* Asserts that report i reads "conf_path:line: key: " followed by msg. */
static void
check_report(int i, int line, const char *key, const char *msg, bool exact)
{
	char prefix[PATHLEN + 256], head[PATHLEN + 256];
	size_t plen;

	snprintf(prefix, sizeof(prefix), "%s:%d: %s: ", conf_path, line, key);
	plen = strlen(prefix);
	snprintf(head, sizeof(head), "%.*s", (int)plen, rep.line[i]);
	if (strcmp(head, prefix) != 0)
		dump_reports();
	assert_string_equal(head, prefix);
	if (exact) {
		assert_string_equal(rep.line[i] + plen, msg);
	} else if (strstr(rep.line[i] + plen, msg) == NULL) {
		dump_reports();
		fail_msg("report %d lacks \"%s\"", i, msg);
	}
}

/* The load failed with exactly one fault: line, key, and msg within it. */
static void
expect_fault(struct config *cfg, int line, const char *key, const char *msg)
{
	if (cfg != NULL || rep.n != 1)
		dump_reports();
	assert_null(cfg);
	assert_int_equal(rep.n, 1);
	check_report(0, line, key, msg, false);
}

static void
expect_exact(struct config *cfg, int line, const char *key, const char *msg)
{
	if (cfg != NULL || rep.n != 1)
		dump_reports();
	assert_null(cfg);
	assert_int_equal(rep.n, 1);
	check_report(0, line, key, msg, true);
}

/* The load succeeded with no report; the caller frees. */
static struct config *
expect_ok(struct config *cfg)
{
	if (cfg == NULL || rep.n != 0)
		dump_reports();
	assert_non_null(cfg);
	assert_int_equal(rep.n, 0);
	return cfg;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	make_file(pw_good, sizeof(pw_good), "ldap.secret", "s3cret\n", 0640);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

static void
test_minimal_defaults(void **state)
{
	struct config *c = expect_ok(load_tpl(&(struct tpl){ 0 }));

	(void)state;
	assert_string_equal(c->path, conf_path);
	assert_string_equal(c->court_name, "Test Court");
	assert_null(c->timezone);
	assert_false(c->golive_set);
	assert_int_equal(c->n_uris, 1);
	assert_string_equal(c->uris[0], "ldap://127.0.0.1:389");
	assert_string_equal(c->write_uri, "ldap://127.0.0.1:389");
	assert_string_equal(c->bind_dn, "cn=ecflinkd,dc=example,dc=org");
	assert_string_equal(c->bind_password_file, pw_good);
	assert_string_equal(c->bind_password, "s3cret");
	assert_string_equal(c->pacer_base, "ou=pacer,dc=example,dc=org");
	assert_string_equal(c->cmecf_base, "ou=cmecf,dc=example,dc=org");
	assert_string_equal(c->counter_dn, "cn=transactions,dc=example,dc=org");
	assert_null(c->ca_file);
	assert_false(c->starttls);
	assert_int_equal(c->network_timeout_ms, 1000);
	assert_int_equal(c->timeout_ms, 3000);
	assert_int_equal(c->pool_size, 4);
	assert_string_equal(c->socket_path, "/run/ecflink/test.sock");
	assert_null(c->admin_group);
	assert_null(c->frontend_group);
	assert_int_equal(c->max_clients, 256);
	assert_int_equal(c->unlinked_legacy, UNLINKED_LEGACY_DENY);
	assert_int_equal(c->max_per_uid, 8);
	assert_string_equal(c->private_path, "/run/ecflink/test-private.sock");
	assert_int_equal(c->peer_max_failures, 20);
	assert_false(c->allow_plaintext);
	assert_int_equal(c->cache_ttl_s, 30);
	assert_int_equal(c->link_max_failures, 5);
	assert_int_equal(c->link_window_s, 900);
	assert_int_equal(c->link_lockout_s, 900);
	assert_int_equal(c->alert_interval_s, 86400);
	assert_false(c->alert_retired);
	assert_int_equal(c->n_eligible_roles, 0);
	assert_string_equal(c->notice_file, CONFIG_DEFAULT_NOTICE);
	assert_false(c->notice_file_set);
	assert_int_equal(c->token_ttl_s, 300);
	assert_string_equal(c->spool_dir, CONFIG_DEFAULT_SPOOL);
	assert_false(c->spool_dir_set);
	assert_string_equal(c->sendmail, "/usr/sbin/sendmail -t -oi");
	assert_null(c->smtp_url);
	assert_string_equal(c->mail_from, "ecflink@localhost");
	assert_int_equal(c->rate_per_min, 60);
	assert_null(c->link_url);
	assert_int_equal(c->facility, LOG_AUTHPRIV);
	assert_false(c->debug);
	assert_null(c->user);
	assert_non_null(strstr(c->msg.retired, "linked to a PACER account"));
	assert_non_null(strstr(c->msg.pacer_search_only, "PACER Search"));
	assert_non_null(strstr(c->msg.golive_pending, "%s"));
	assert_non_null(strstr(c->msg.legacy_denied, "PACER account"));
	assert_string_equal(c->msg.redaction_prompt,
			    "I understand that, if I file, I must comply with the redaction rules. "
			    "I have read this notice. [y/N] ");
	config_free(c);
}

/* court and ldap alone are enough; socket.path then has its default */
static void
test_court_and_ldap_only(void **state)
{
	char text[1024];
	struct config *c;

	(void)state;
	snprintf(text, sizeof(text),
		 "court: { name = \"C\"; };\n"
		 "ldap: { uris = [\"ldapi://%%2Frun%%2Fslapd%%2Fldapi\"];\n"
		 "  bind_dn = \"cn=a,dc=b\"; bind_password_file = \"%s\";\n"
		 "  pacer_base = \"dc=b\"; cmecf_base = \"dc=b\";\n"
		 "  counter_dn = \"cn=c,dc=b\"; };\n",
		 pw_good);
	c = expect_ok(load_text(text));
	assert_string_equal(c->socket_path, CONFIG_DEFAULT_SOCKET);
	assert_string_equal(c->write_uri, "ldapi://%2Frun%2Fslapd%2Fldapi");
	config_free(c);
}

static void
test_full(void **state)
{
	char notice[PATHLEN], text[8192];
	struct config *c;

	(void)state;
	make_file(notice, sizeof(notice), "notice.txt", "Redact.\n", 0644);
	snprintf(text, sizeof(text),
		 "court: { name = \"Full Court\"; timezone = \"America/Chicago\";\n"
		 "  golive = \"2015-11-01T00:00:00-06:00\"; };\n"
		 "ldap: { uris = ( \"ldap://a.example.org\", \"ldaps://b.example.org:636\" );\n"
		 "  write_uri = \"ldapi://%%2Frun%%2Fslapd%%2Fldapi\";\n"
		 "  bind_dn = \"cn=d,dc=x\"; bind_password_file = \"%s\";\n"
		 "  pacer_base = \"ou=p,dc=x\"; cmecf_base = \"ou=c,dc=x\";\n"
		 "  counter_dn = \"cn=t,dc=x\";\n"
		 "  ca_file = \"%s\"; starttls = true;\n"
		 "  network_timeout_ms = 500; timeout_ms = 60000; pool_size = 8; };\n"
		 "socket: { path = \"/tmp/x.sock\"; admin_group = \"root\";\n"
		 "  frontend_group = \"root\";\n"
		 "  max_clients = 4096; };\n"
		 "policy: { unlinked_legacy = \"deny\"; cache_ttl_s = 0; link_max_failures = 3;\n"
		 "  link_window_s = 60; link_lockout_s = 120;\n"
		 "  eligible_roles = [ \"attorney\", \"trustee\" ]; };\n"
		 "redaction: { notice_file = \"%s\"; token_ttl_s = 10; };\n"
		 "mail: { spool_dir = \"%s\"; sendmail = \"/bin/true -x\";\n"
		 "  smtp_url = \"smtps://mail.example.org:465\";\n"
		 "  from = \"ecf@court.example.org\"; };\n"
		 "log: { facility = \"local3\"; debug = true; };\n"
		 "daemon: { user = \"root\"; };\n"
		 "messages: { retired = \"R\"; pacer_search_only = \"P\";\n"
		 "  golive_pending = \"100%%%% on %%s\"; legacy_denied = \"L\";\n"
		 "  redaction_prompt = \"OK? \"; };\n",
		 pw_good, notice, notice, dir);
	c = expect_ok(load_text(text));
	assert_string_equal(c->court_name, "Full Court");
	assert_string_equal(c->timezone, "America/Chicago");
	assert_true(c->golive_set);
	assert_int_equal(c->golive, 1446357600);
	assert_int_equal(c->n_uris, 2);
	assert_string_equal(c->uris[1], "ldaps://b.example.org:636");
	assert_string_equal(c->write_uri, "ldapi://%2Frun%2Fslapd%2Fldapi");
	assert_string_equal(c->bind_dn, "cn=d,dc=x");
	assert_string_equal(c->ca_file, notice);
	assert_true(c->starttls);
	assert_int_equal(c->network_timeout_ms, 500);
	assert_int_equal(c->timeout_ms, 60000);
	assert_int_equal(c->pool_size, 8);
	assert_string_equal(c->socket_path, "/tmp/x.sock");
	assert_string_equal(c->admin_group, "root");
	assert_string_equal(c->frontend_group, "root");
	assert_int_equal(c->max_clients, 4096);
	assert_int_equal(c->unlinked_legacy, UNLINKED_LEGACY_DENY);
	assert_int_equal(c->cache_ttl_s, 0);
	assert_int_equal(c->link_max_failures, 3);
	assert_int_equal(c->link_window_s, 60);
	assert_int_equal(c->link_lockout_s, 120);
	assert_int_equal(c->n_eligible_roles, 2);
	assert_string_equal(c->eligible_roles[1], "trustee");
	assert_string_equal(c->notice_file, notice);
	assert_true(c->notice_file_set);
	assert_int_equal(c->token_ttl_s, 10);
	assert_string_equal(c->spool_dir, dir);
	assert_true(c->spool_dir_set);
	assert_string_equal(c->sendmail, "/bin/true -x");
	assert_string_equal(c->smtp_url, "smtps://mail.example.org:465");
	assert_string_equal(c->mail_from, "ecf@court.example.org");
	assert_int_equal(c->facility, LOG_LOCAL3);
	assert_true(c->debug);
	assert_string_equal(c->user, "root");
	assert_string_equal(c->msg.retired, "R");
	assert_string_equal(c->msg.pacer_search_only, "P");
	assert_string_equal(c->msg.golive_pending, "100%% on %s");
	assert_string_equal(c->msg.legacy_denied, "L");
	assert_string_equal(c->msg.redaction_prompt, "OK? ");
	config_free(c);
}

static void
test_format_golive(void **state)
{
	struct config *c;
	char buf[64];

	(void)state;
	setenv("TZ", "America/Chicago", 1);
	tzset();
	c = expect_ok(load_tpl(&(struct tpl){
		.court = "golive = \"2015-12-01T00:00:00-06:00\";" }));
	assert_int_equal(config_format_golive(c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "December 1, 2015 at 12:00 AM CST");
	assert_int_equal(config_format_golive(c, buf, 8), -1);
	config_free(c);
	/* midnight on November 1, 2015 in Chicago was still daylight time */
	c = expect_ok(load_tpl(&(struct tpl){ .court = "golive = \"2015-11-01T05:00:00Z\";" }));
	assert_int_equal(config_format_golive(c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "November 1, 2015 at 12:00 AM CDT");
	config_free(c);
	c = expect_ok(load_tpl(&(struct tpl){ 0 }));
	assert_int_equal(config_format_golive(c, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	config_free(c);
	unsetenv("TZ");
	tzset();
}

static void
test_missing_file(void **state)
{
	char path[PATHLEN + 16], want[PATHLEN + 128];

	(void)state;
	snprintf(path, sizeof(path), "%s/nonexistent.conf", dir);
	memset(&rep, 0, sizeof(rep));
	assert_null(config_load(path, collect, &rep));
	assert_int_equal(rep.n, 1);
	snprintf(want, sizeof(want),
		 "%s: cannot read the configuration: No such file or directory", path);
	assert_string_equal(rep.line[0], want);
	/* no report callback: still fails, quietly */
	assert_null(config_load(path, NULL, NULL));
}

static void
test_syntax_error(void **state)
{
	char want[PATHLEN + 256];

	(void)state;
	assert_null(load_tpl(&(struct tpl){ .tail = "log: { debug = ; };" }));
	assert_int_equal(rep.n, 1);
	snprintf(want, sizeof(want), "%s:%d: syntax error; check this line and the one before "
				     "for a missing ';', '\"' or '}'", conf_path, L_TAIL);
	assert_string_equal(rep.line[0], want);
	/* libconfig refuses a group given twice */
	assert_null(load_tpl(&(struct tpl){ .tail = "\npolicy: { };" }));
	assert_int_equal(rep.n, 1);
	assert_non_null(strstr(rep.line[0], ":22: duplicate setting name"));
}

static void
test_unknown_group_and_key(void **state)
{
	(void)state;
	expect_exact(load_tpl(&(struct tpl){ .tail = "foo: { a = 1; };" }), L_TAIL, "foo",
		     "unknown group; known groups are: court, ldap, socket, policy, redaction, "
		     "mail, log, audit, daemon, messages, web");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool = 4;" }), L_LDAP, "ldap.pool",
		     "unknown key; known keys in ldap are: uris, write_uri, bind_dn, "
		     "bind_password_file, pacer_base, cmecf_base, counter_dn, ca_file, starttls, "
		     "allow_plaintext, network_timeout_ms, timeout_ms, pool_size, probe_interval_s");
	expect_fault(load_tpl(&(struct tpl){ .tail = "log = 5;" }), L_TAIL, "log",
		     "must be a group");
	expect_fault(load_tpl(&(struct tpl){ .tail = "mail: { tls: { a = 1; }; };" }), L_TAIL,
		     "mail.tls", "unknown key; known keys in mail are: spool_dir,");
}

/* The web group is ecflink-web's: ecflinkd reads past whatever it holds. */
static void
test_web_group_skipped(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = load_tpl(&(struct tpl){ .tail = "web: { listen = \"127.0.0.1:8080\"; x = 5; };" });
	if (cfg == NULL)
		dump_reports();
	assert_non_null(cfg);
	assert_int_equal(rep.n, 0);
	config_free(cfg);
	expect_fault(load_tpl(&(struct tpl){ .tail = "web = 5;" }), L_TAIL, "web",
		     "must be a group");
}

static void
test_wrong_types(void **state)
{
	(void)state;
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = \"4\";" }), L_LDAP,
		     "ldap.pool_size", "must be an integer, not a string");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = 4.0;" }), L_LDAP,
		     "ldap.pool_size", "must be a whole number, not a floating-point number");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = true;" }), L_LDAP,
		     "ldap.pool_size", "must be an integer, not a boolean");
	expect_exact(load_tpl(&(struct tpl){ .court = "timezone = 5;" }), L_COURT,
		     "court.timezone", "must be a string in double quotes, not an integer");
	expect_exact(load_tpl(&(struct tpl){ .tail = "log: { debug = 1; };" }), L_TAIL,
		     "log.debug", "must be true or false, not an integer");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "starttls = \"yes\";" }), L_LDAP,
		     "ldap.starttls", "must be true or false, not a string");
	expect_exact(load_tpl(&(struct tpl){ .uris = "\"ldap://127.0.0.1\"" }), L_URIS,
		     "ldap.uris",
		     "must be an array of strings like [ \"a\", \"b\" ], not a string");
	expect_exact(load_tpl(&(struct tpl){ .uris = "( \"ldap://127.0.0.1\", 5 )" }), L_URIS,
		     "ldap.uris[1]", "must be a string in double quotes, not an integer");
	expect_exact(load_tpl(&(struct tpl){ .court = "golive = \"\";" }), L_COURT,
		     "court.golive", "must not be empty; comment the line out to use the default");
}

struct range {
	const char *slot;	/* "ldap", "socket", "policy" or "tail" */
	const char *key;
	int min, max;
};

static const struct range ranges[] = {
	{ "ldap", "network_timeout_ms", 1, 60000 },
	{ "ldap", "timeout_ms", 1, 60000 },
	{ "ldap", "pool_size", 1, 256 },
	{ "socket", "max_clients", 1, 4096 },
	{ "policy", "cache_ttl_s", 0, 86400 },
	{ "policy", "link_max_failures", 1, 100 },
	{ "policy", "link_window_s", 1, 86400 },
	{ "policy", "link_lockout_s", 1, 86400 },
	{ "policy", "alert_interval_s", 60, 31536000 },
	{ "redaction", "token_ttl_s", 10, 3600 },
};

/* Loads the template with key = value in the range's slot. */
static struct config *
load_range(const struct range *r, long long value, int *line, char *key, size_t keylen)
{
	char set[128];
	struct tpl t = { 0 };

	snprintf(key, keylen, "%s.%s", r->slot, r->key);
	if (strcmp(r->slot, "ldap") == 0) {
		snprintf(set, sizeof(set), "%s = %lld;", r->key, value);
		t.ldap = set;
		*line = L_LDAP;
	} else if (strcmp(r->slot, "socket") == 0) {
		snprintf(set, sizeof(set), "%s = %lld;", r->key, value);
		t.socket = set;
		*line = L_SOCKET;
	} else if (strcmp(r->slot, "policy") == 0) {
		snprintf(set, sizeof(set), "%s = %lld;", r->key, value);
		t.policy = set;
		*line = L_POLICY;
	} else {
		snprintf(set, sizeof(set), "%s: { %s = %lld; };", r->slot, r->key, value);
		t.tail = set;
		*line = L_TAIL;
	}
	return load_tpl(&t);
}

static void
test_ranges(void **state)
{
	size_t i;
	char key[64], msg[128];
	int line;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const struct range *r = &ranges[i];
		const long long ok[] = { r->min, r->min + 1, r->max - 1, r->max };
		const long long bad[] = { r->min - 1, r->max + 1, -1000000 };
		size_t j;

		for (j = 0; j < sizeof(ok) / sizeof(ok[0]); j++)
			config_free(expect_ok(load_range(r, ok[j], &line, key, sizeof(key))));
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			struct config *c = load_range(r, bad[j], &line, key, sizeof(key));

			snprintf(msg, sizeof(msg), "must be %d..%d (got %lld)", r->min, r->max,
				 bad[j]);
			expect_exact(c, line, key, msg);
		}
	}
	/* libconfig 1.5 would read 4294967297 as 1 */
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = 4294967297;" }), L_LDAP,
		     "ldap.pool_size", "must be 1..256 (got 4294967297)");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = 99999999999999999999;" }),
		     L_LDAP, "ldap.pool_size", "must be 1..256 (got a number too large to read)");
	expect_exact(load_tpl(&(struct tpl){ .ldap = "pool_size = 5000000000L;" }), L_LDAP,
		     "ldap.pool_size", "must be 1..256 (got 5000000000)");
	config_free(expect_ok(load_tpl(&(struct tpl){ .ldap = "pool_size = 0x10;" })));
	/* the literal re-read is the one libconfig read, not one in a comment */
	expect_exact(load_tpl(&(struct tpl){ .ldap = "/* pool_size = 9 */ pool_size = 300;" }),
		     L_LDAP, "ldap.pool_size", "must be 1..256 (got 300)");
}

static void
test_required(void **state)
{
	char text[2048];
	struct config *c;

	(void)state;
	snprintf(text, sizeof(text),
		 "court: { name = \"C\"; };\n"
		 "ldap: {\n"
		 "  uris = [ \"ldap://127.0.0.1\" ];\n"
		 "  bind_dn = \"cn=a,dc=b\"; bind_password_file = \"%s\";\n"
		 "  pacer_base = \"dc=b\"; cmecf_base = \"dc=b\";\n"
		 "};\n", pw_good);
	expect_exact(load_text(text), 2, "ldap.counter_dn", "required key missing");

	c = load_text("court: { };\n");
	assert_null(c);
	assert_int_equal(rep.n, 7);
	check_report(0, 1, "court.name", "required key missing", true);
	check_report(1, 0, "ldap.uris", "required key missing (there is no ldap group)", true);
	check_report(2, 0, "ldap.bind_dn", "required key missing (there is no ldap group)", true);
	check_report(3, 0, "ldap.bind_password_file", "(there is no ldap group)", false);
	check_report(4, 0, "ldap.pacer_base", "(there is no ldap group)", false);
	check_report(5, 0, "ldap.cmecf_base", "(there is no ldap group)", false);
	check_report(6, 0, "ldap.counter_dn", "(there is no ldap group)", false);
}

static void
test_uris(void **state)
{
	struct config *c;

	(void)state;
	expect_exact(load_tpl(&(struct tpl){
			     .uris = "[ \"ldap://127.0.0.1:389\", \"http://x\" ]" }),
		     L_URIS, "ldap.uris[1]",
		     "\"http://x\" is not a usable LDAP URI: the scheme must be ldap://, ldaps:// "
		     "or ldapi:// (example: \"ldap://127.0.0.1:389\")");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"ldap://h/dc=example,dc=org\" ]" }),
		     L_URIS, "ldap.uris[0]", "must name a server only");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"ldap://h:99999999999\" ]" }),
		     L_URIS, "ldap.uris[0]", "the port must be 1..65535");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"ldaps://h:0\" ]" }),
		     L_URIS, "ldap.uris[0]", "the port must be 1..65535");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"ldap://[::1]:65536\" ]" }),
		     L_URIS, "ldap.uris[0]", "the port must be 1..65535");
	expect_exact(load_tpl(&(struct tpl){ .uris = "[ ]" }), L_URIS, "ldap.uris",
		     "must list at least one URI, like [ \"ldap://127.0.0.1:389\" ]");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"\" ]" }), L_URIS, "ldap.uris[0]",
		     "must not be empty");
	expect_fault(load_tpl(&(struct tpl){ .ldap = "write_uri = \"ldap:/x\";" }), L_LDAP,
		     "ldap.write_uri", "is not a usable LDAP URI");
	expect_fault(load_tpl(&(struct tpl){ .uris = "[ \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", "
						     "\"g\", \"h\", \"i\", \"j\", \"k\", \"l\", "
						     "\"m\", \"n\", \"o\", \"p\", \"q\" ]" }),
		     L_URIS, "ldap.uris", "has 17 entries; at most 16 are allowed");
	/* Plain ldap:// beyond loopback: only with StartTLS or allow_plaintext. */
	expect_exact(load_tpl(&(struct tpl){ .ldap = "write_uri = \"ldap://w\";" }), 0,
		     "ldap.write_uri", "\"ldap://w\" would carry the bind password and users' "
		     "passwords in clear text to w; use ldaps://, set ldap.starttls = true, or set "
		     "ldap.allow_plaintext = true if the network path is protected otherwise");
	config_free(expect_ok(load_tpl(&(struct tpl){
		.ldap = "write_uri = \"ldap://w\"; starttls = true;" })));
	c = expect_ok(load_tpl(&(struct tpl){ .uris = "[ \"LDAPS://h1\", \"ldap://[::1]:389\" ]",
					      .ldap = "write_uri = \"ldap://w\"; "
						      "allow_plaintext = true;" }));
	assert_string_equal(c->write_uri, "ldap://w");
	assert_int_equal(c->n_uris, 2);
	assert_true(c->allow_plaintext);
	config_free(c);
}

static void
test_dns(void **state)
{
	(void)state;
	expect_fault(load_tpl(&(struct tpl){ .bind_dn = "not a dn" }), L_BIND_DN, "ldap.bind_dn",
		     "\"not a dn\" is not a valid DN (");
	expect_fault(load_tpl(&(struct tpl){ .pacer_base = "ou=pacer,,dc=x" }), L_PACER_BASE,
		     "ldap.pacer_base", "is not a valid DN");
	expect_fault(load_tpl(&(struct tpl){ .pacer_base = "" }), L_PACER_BASE,
		     "ldap.pacer_base", "must not be empty");
}

static void
test_golive(void **state)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "2015-11-01T00:00:00",
		  "has no UTC offset; add one such as -06:00, or Z for UTC" },
		{ "2015-13-01T00:00:00-06:00", "month 13 is not 01..12" },
		{ "2015-00-01T00:00:00Z", "month 00 is not 01..12" },
		{ "2015-02-29T00:00:00Z", "day 29 does not exist in 2015-02" },
		{ "2015-11-01T24:00:00-06:00", "time 24:00:00 is not 00:00:00..23:59:59" },
		{ "2015-11-01T23:60:00-06:00", "time 23:60:00 is not 00:00:00..23:59:59" },
		{ "2015-11-01T00:00:00-06:00x",
		  "has extra characters \"x\" after the UTC offset" },
		{ "2015-11-01T00:00:00Z ", "has extra characters \" \" after the UTC offset" },
		{ "2015-11-01 00:00:00-06:00", "is not of the form YYYY-MM-DDTHH:MM:SS+HH:MM" },
		{ "2015-11-1T00:00:00-06:00", "is not of the form YYYY-MM-DDTHH:MM:SS+HH:MM" },
		{ "2015-11-01T00:00:00-0600", "has a malformed UTC offset \"-0600\"" },
		{ "2015-11-01T00:00:00+15:00", "UTC offset +15:00 is not within -14:00..+14:00" },
		{ "1969-12-31T00:00:00Z", "year 1969 is before 1970" },
		{ "November 1, 2015", "is not of the form" },
	};
	char set[128], msg[256];
	struct config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(set, sizeof(set), "golive = \"%s\";", bad[i].value);
		c = load_tpl(&(struct tpl){ .court = set });
		snprintf(msg, sizeof(msg), "\"%s\" %s", bad[i].value, bad[i].why);
		expect_fault(c, L_COURT, "court.golive", msg);
	}
	c = expect_ok(load_tpl(&(struct tpl){
		.court = "golive = \"2016-02-29T12:30:15+05:30\";" }));
	assert_true(c->golive_set);
	assert_int_equal(c->golive, 1456729215);	/* 2016-02-29T07:00:15Z */
	config_free(c);
}

static void
test_timezone(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/America/Chicago", R_OK) != 0)
		skip();
	config_free(expect_ok(load_tpl(&(struct tpl){ .court = "timezone = \"US/Central\";" })));
	expect_fault(load_tpl(&(struct tpl){ .court = "timezone = \"Nowhere/City\";" }), L_COURT,
		     "court.timezone", "unknown time zone \"Nowhere/City\" "
				       "(/usr/share/zoneinfo/Nowhere/City: No such file");
	expect_exact(load_tpl(&(struct tpl){ .court = "timezone = \"../etc/passwd\";" }), L_COURT,
		     "court.timezone", "\"../etc/passwd\" must not contain \".\" or \"..\" "
				       "components");
	expect_fault(load_tpl(&(struct tpl){ .court = "timezone = \"America/../../etc\";" }),
		     L_COURT, "court.timezone", "must not contain");
	expect_fault(load_tpl(&(struct tpl){ .court = "timezone = \"/etc/passwd\";" }), L_COURT,
		     "court.timezone",
		     "must be a zone name such as \"America/Chicago\", not a path");
	expect_fault(load_tpl(&(struct tpl){ .court = "timezone = \"America\";" }), L_COURT,
		     "court.timezone", "is not a time zone");
	if (access("/usr/share/zoneinfo/tzdata.zi", R_OK) == 0)
		expect_fault(load_tpl(&(struct tpl){ .court = "timezone = \"tzdata.zi\";" }),
			     L_COURT, "court.timezone", "is not a TZif file");
}

static void
test_bind_password(void **state)
{
	char path[PATHLEN], msg[3 * PATHLEN];
	struct config *c;

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-secret", dir);
	snprintf(msg, sizeof(msg), "%s does not exist; create it (mode 0640) and write the "
				   "password of ldap.bind_dn (cn=ecflinkd,dc=example,dc=org) into "
				   "it, without a newline: printf '%%s' PASSWORD > %s", path, path);
	expect_exact(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", msg);

	make_file(path, sizeof(path), "empty.secret", "", 0640);
	snprintf(msg, sizeof(msg), "%s is empty; write the password of ldap.bind_dn "
				   "(cn=ecflinkd,dc=example,dc=org) into it, without a newline: "
				   "printf '%%s' PASSWORD > %s", path, path);
	expect_exact(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", msg);

	/* Read as ldapwhoami -y reads it: the whole file, one newline at its
	 * end also accepted; anything else that -y would send is refused. */
	make_file(path, sizeof(path), "nl.secret", "\n", 0600);
	expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", "is empty; write the password");
	make_file(path, sizeof(path), "blank.secret", "\nsecond\n", 0600);
	expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", "holds more than the password (more than one line)");
	make_file(path, sizeof(path), "two.secret", "pw\n\n", 0600);
	expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", "the whole file is the password, as for ldapwhoami -y");
	make_file(path, sizeof(path), "nl-pw.secret", "pw\n", 0600);
	c = expect_ok(load_tpl(&(struct tpl){ .pwfile = path }));
	assert_string_equal(c->bind_password, "pw");
	assert_true(c->bind_password_newline);
	config_free(c);

	make_file(path, sizeof(path), "world.secret", "pw\n", 0644);
	snprintf(msg, sizeof(msg), "%s has mode 0644, so other users can read or change the "
				   "LDAP password; run chmod 0640 %s", path, path);
	expect_exact(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", msg);

	make_file(path, sizeof(path), "owrite.secret", "pw\n", 0602);
	expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", "has mode 0602");

	if (geteuid() == 0) {
		make_file(path, sizeof(path), "owned.secret", "pw\n", 0640);
		assert_int_equal(chown(path, 1, 0), 0);
		expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
			     "ldap.bind_password_file", "is owned by uid 1, who could change");
	}

	expect_fault(load_tpl(&(struct tpl){ .pwfile = dir }), L_PWFILE,
		     "ldap.bind_password_file", "is not a regular file");
	expect_fault(load_tpl(&(struct tpl){ .pwfile = "ldap.secret" }), L_PWFILE,
		     "ldap.bind_password_file", "must be an absolute path");

	make_file(path, sizeof(path), "crlf.secret", "pass word\r\n", 0600);
	expect_fault(load_tpl(&(struct tpl){ .pwfile = path }), L_PWFILE,
		     "ldap.bind_password_file", "(a carriage return at its end)");

	make_file(path, sizeof(path), "nonl.secret", "pw-without-newline", 0400);
	c = expect_ok(load_tpl(&(struct tpl){ .pwfile = path }));
	assert_string_equal(c->bind_password, "pw-without-newline");
	assert_false(c->bind_password_newline);
	config_free(c);
}

static void
test_files_and_accounts(void **state)
{
	char path[PATHLEN], set[PATHLEN + 64], msg[PATHLEN + 128];
	struct config *c;

	(void)state;
	snprintf(set, sizeof(set), "redaction: { notice_file = \"%s/missing.txt\"; };", dir);
	snprintf(msg, sizeof(msg), "cannot open %s/missing.txt: No such file or directory", dir);
	expect_exact(load_tpl(&(struct tpl){ .tail = set }), L_TAIL, "redaction.notice_file", msg);

	make_file(path, sizeof(path), "empty-notice.txt", "", 0644);
	snprintf(set, sizeof(set), "redaction: { notice_file = \"%s\"; };", path);
	snprintf(msg, sizeof(msg), "%s is empty", path);
	expect_exact(load_tpl(&(struct tpl){ .tail = set }), L_TAIL, "redaction.notice_file", msg);

	snprintf(set, sizeof(set), "mail: { spool_dir = \"%s\"; };", pw_good);
	snprintf(msg, sizeof(msg), "%s is not a directory", pw_good);
	expect_exact(load_tpl(&(struct tpl){ .tail = set }), L_TAIL, "mail.spool_dir", msg);
	snprintf(set, sizeof(set), "mail: { spool_dir = \"%s/nope\"; };", dir);
	expect_fault(load_tpl(&(struct tpl){ .tail = set }), L_TAIL, "mail.spool_dir",
		     "No such file or directory");

	expect_exact(load_tpl(&(struct tpl){ .socket = "admin_group = \"ecflink-no-such-grp\";" }),
		     L_SOCKET, "socket.admin_group",
		     "group \"ecflink-no-such-grp\" does not exist; create it with groupadd "
		     "ecflink-no-such-grp or remove this key");
	expect_fault(load_tpl(&(struct tpl){ .socket = "frontend_group = \"no-such-grp-2\";" }),
		     L_SOCKET, "socket.frontend_group", "does not exist");
	expect_fault(load_tpl(&(struct tpl){ .tail = "daemon: { user = \"no-such-user-x\"; };" }),
		     L_TAIL, "daemon.user", "user \"no-such-user-x\" does not exist");

	expect_fault(load_tpl(&(struct tpl){ .sockpath = "run/x.sock" }), L_SOCKPATH,
		     "socket.path", "must be an absolute path");
	snprintf(set, sizeof(set), "/%0107d", 0);
	expect_exact(load_tpl(&(struct tpl){ .sockpath = set }), L_SOCKPATH, "socket.path",
		     "is 108 bytes long; a UNIX socket path may have at most 107");
	set[107] = '\0';
	/* The private socket's default name beside it would not fit. */
	expect_fault(load_tpl(&(struct tpl){ .sockpath = set }), 0, "socket.path",
		     "too long to name the private socket beside it; set socket.private_path");
	config_free(expect_ok(load_tpl(&(struct tpl){
		.sockpath = set, .socket = "private_path = \"/run/ecflink/p.sock\";" })));

	expect_fault(load_tpl(&(struct tpl){ .tail = "mail: { sendmail = \"sendmail -t\"; };" }),
		     L_TAIL, "mail.sendmail", "must start with the absolute path of a program");
	expect_exact(load_tpl(&(struct tpl){
			     .tail = "mail: { sendmail = \"/nonexistent/sm -t\"; };" }),
		     L_TAIL, "mail.sendmail", "cannot run /nonexistent/sm: No such file or "
					      "directory; install an MTA or use mail.smtp_url");
	expect_fault(load_tpl(&(struct tpl){ .tail = "mail: { smtp_url = \"http://x\"; };" }),
		     L_TAIL, "mail.smtp_url", "must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
	expect_fault(load_tpl(&(struct tpl){ .tail = "mail: { from = \"nobody\"; };" }), L_TAIL,
		     "mail.from", "must be a mail address");
	expect_fault(load_tpl(&(struct tpl){ .ldap = "ca_file = \"/nonexistent/ca.pem\";" }),
		     L_LDAP, "ldap.ca_file", "cannot open /nonexistent/ca.pem");

	/* defaults may be missing; only paths written in the file must exist */
	c = expect_ok(load_tpl(&(struct tpl){ 0 }));
	config_free(c);
}

static void
test_enums_and_messages(void **state)
{
	(void)state;
	expect_exact(load_tpl(&(struct tpl){ .tail = "log: { facility = \"kern\"; };" }), L_TAIL,
		     "log.facility", "unknown facility \"kern\"; use authpriv, auth, daemon, user "
				     "or local0..local7");
	expect_exact(load_tpl(&(struct tpl){ .policy = "unlinked_legacy = \"maybe\";" }), L_POLICY,
		     "policy.unlinked_legacy", "must be \"allow\" or \"deny\" (got \"maybe\")");
	expect_fault(load_tpl(&(struct tpl){
			     .tail = "messages: { golive_pending = \"on %d\"; };" }),
		     L_TAIL, "messages.golive_pending", "may contain %s once");
	expect_fault(load_tpl(&(struct tpl){
			     .tail = "messages: { golive_pending = \"%s %s\"; };" }),
		     L_TAIL, "messages.golive_pending", "may contain %s once");
	expect_fault(load_tpl(&(struct tpl){ .tail = "messages: { retired = \"a\\tb\"; };" }),
		     L_TAIL, "messages.retired", "must not contain control characters");
	expect_fault(load_tpl(&(struct tpl){ .policy = "eligible_roles = [ \"a\", \"\" ];" }),
		     L_POLICY, "policy.eligible_roles[1]", "must not be empty");
	config_free(expect_ok(load_tpl(&(struct tpl){
		.tail = "messages: { retired = \"line one\\nline two\"; };" })));
}

static void
test_many_faults(void **state)
{
	struct config *c;

	(void)state;
	c = load_tpl(&(struct tpl){ .court = "golive = \"tomorrow\";",
				    .bind_dn = "nonsense",
				    .ldap = "pool_size = 0; bogus = 1;",
				    .policy = "cache_ttl_s = -1;",
				    .tail = "log: { facility = \"kern\"; debug = \"no\"; };" });
	assert_null(c);
	if (rep.n != 7)
		dump_reports();
	assert_int_equal(rep.n, 7);
	check_report(0, L_COURT, "court.golive", "is not of the form", false);
	check_report(1, L_BIND_DN, "ldap.bind_dn", "is not a valid DN", false);
	check_report(2, L_LDAP, "ldap.pool_size", "must be 1..256 (got 0)", true);
	check_report(3, L_LDAP, "ldap.bogus", "unknown key", false);
	check_report(4, L_POLICY, "policy.cache_ttl_s", "must be 0..86400 (got -1)", true);
	check_report(5, L_TAIL, "log.facility", "unknown facility", false);
	check_report(6, L_TAIL, "log.debug", "must be true or false, not a string", true);
}

/*
 * Copies the shipped sample with bind_password_file pointed at secret;
 * *line receives the line of that key.
 */
static struct config *
load_sample(const char *secret, int *line)
{
	char buf[1024], text[32768];
	size_t used = 0;
	FILE *f = fopen(SAMPLE, "r");
	int n = 0;

	assert_non_null(f);
	*line = 0;
	text[0] = '\0';
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char *p = strstr(buf, "\"/etc/ecflink/ldap.secret\"");
		int w;

		n++;
		if (p != NULL && strstr(buf, "bind_password_file") != NULL) {
			*line = n;
			w = snprintf(text + used, sizeof(text) - used, "%.*s\"%s\";\n",
				     (int)(p - buf), buf, secret);
		} else {
			w = snprintf(text + used, sizeof(text) - used, "%s", buf);
		}
		assert_true(w > 0 && (size_t)w < sizeof(text) - used);
		used += (size_t)w;
	}
	fclose(f);
	assert_true(*line > 0);
	return load_text(text);
}

static void
test_shipped_sample(void **state)
{
	char empty[PATHLEN], msg[2 * PATHLEN + 256];
	struct config *c;
	int line;

	(void)state;
	make_file(empty, sizeof(empty), "sample-empty.secret", "", 0640);
	c = load_sample(empty, &line);
	snprintf(msg, sizeof(msg), "%s is empty; write the password of ldap.bind_dn "
				   "(cn=ecflinkd,dc=example,dc=org) into it, without a newline: "
				   "printf '%%s' PASSWORD > %s", empty, empty);
	expect_exact(c, line, "ldap.bind_password_file", msg);

	c = expect_ok(load_sample(pw_good, &line));
	assert_string_equal(c->court_name, "SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT");
	assert_string_equal(c->timezone, "America/Chicago");
	assert_false(c->golive_set);
	assert_string_equal(c->uris[0], "ldap://127.0.0.1:389");
	assert_string_equal(c->write_uri, "ldap://127.0.0.1:389");
	assert_string_equal(c->socket_path, CONFIG_DEFAULT_SOCKET);
	assert_string_equal(c->smtp_url, "smtp://127.0.0.1:25");
	assert_false(c->notice_file_set);
	assert_false(c->spool_dir_set);
	assert_int_equal(c->facility, LOG_AUTHPRIV);
	config_free(c);

	/* the file as shipped names /etc/ecflink/ldap.secret: one fault, that one */
	memset(&rep, 0, sizeof(rep));
	snprintf(conf_path, sizeof(conf_path), "%s", SAMPLE);
	c = config_load(SAMPLE, collect, &rep);
	if (access("/etc/ecflink/ldap.secret", F_OK) != 0) {
		assert_null(c);
		assert_int_equal(rep.n, 1);
		check_report(0, line, "ldap.bind_password_file", "/etc/ecflink/ldap.secret",
			     false);
	}
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_court_and_ldap_only),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_format_golive),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_group_and_key),
		cmocka_unit_test(test_web_group_skipped),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_golive),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_bind_password),
		cmocka_unit_test(test_files_and_accounts),
		cmocka_unit_test(test_enums_and_messages),
		cmocka_unit_test(test_many_faults),
		cmocka_unit_test(test_shipped_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
