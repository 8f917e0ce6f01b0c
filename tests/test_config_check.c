/*
 * test_config_check.c - daemon/config_check.c: each value checker on good
 * values and on every kind of bad one, and that the sentence it writes
 * says what is wrong.  Files are made in a private directory.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_check.h"
#include "pwfile.h"

static char dir[64];
static char why[1024];

/* fn(v) is accepted and leaves why alone. */
static void
good(cc_fn fn, const char *v)
{
	why[0] = '\0';
	if (fn(v, why, sizeof(why)) != 0)
		fail_msg("\"%s\" refused: %s", v, why);
	assert_string_equal(why, "");
}

/* fn(v) is refused, and why holds text. */
static void
bad(cc_fn fn, const char *v, const char *text)
{
	why[0] = '\0';
	if (fn(v, why, sizeof(why)) != -1)
		fail_msg("\"%s\" accepted", v);
	if (strstr(why, text) == NULL)
		fail_msg("\"%s\": \"%s\" lacks \"%s\"", v, why, text);
}

static void
file(char *path, size_t len, const char *name, const char *text, mode_t mode)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_config_check.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_dn(void **state)
{
	(void)state;
	good(cc_dn, "ou=people,dc=example,dc=org");
	good(cc_dn, "cn=ecflinkd\\2c test,dc=example,dc=org");
	bad(cc_dn, "ou=people,,dc=x", "is not a valid DN");
	bad(cc_dn, "people", "write it like");
}

static void
test_uri(void **state)
{
	(void)state;
	good(cc_uri, "ldap://127.0.0.1:389");
	good(cc_uri, "ldaps://ldap.court.example");
	good(cc_uri, "ldap://[::1]:10389");
	good(cc_uri, "ldapi://%2Frun%2Fslapd%2Fldapi");
	bad(cc_uri, "http://127.0.0.1", "scheme must be");
	bad(cc_uri, "ldap://127.0.0.1:70000", "port must be 1..65535");
	bad(cc_uri, "ldap://127.0.0.1:0", "port must be");
	bad(cc_uri, "ldap://127.0.0.1:38x9", "is not a usable LDAP URI");
	bad(cc_uri, "ldap://127.0.0.1/dc=example,dc=org", "server only");
	bad(cc_uri, "ldap://127.0.0.1/??sub?(uid=x)", "server only");
}

static void
test_timezone(void **state)
{
	(void)state;
	if (access("/usr/share/zoneinfo/America/Chicago", R_OK) == 0)
		good(cc_timezone, "America/Chicago");
	else
		print_message("skip: no tzdata here, only the refusals are checked\n");
	bad(cc_timezone, "/usr/share/zoneinfo/UTC", "not a path");
	bad(cc_timezone, "America/../../etc/passwd", "must not contain");
	bad(cc_timezone, "America/Chi cago", "is not a zone name");
	bad(cc_timezone, "Mars/Olympus_Mons", "unknown time zone");
}

static void
test_golive(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(cc_golive("2015-11-01T00:00:00Z", &t, why, sizeof(why)), 0);
	assert_int_equal(t, 1446336000);
	assert_int_equal(cc_golive("2015-11-01T00:00:00-06:00", &t, why, sizeof(why)), 0);
	assert_int_equal(t, 1446336000 + 6 * 3600);
	assert_int_equal(cc_golive("2024-02-29T12:00:00+01:30", &t, why, sizeof(why)), 0);
	assert_int_equal(cc_golive("2023-02-29T12:00:00Z", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "day 29 does not exist in 2023-02"));
	assert_int_equal(cc_golive("2015-11-01T00:00:00", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "has no UTC offset"));
	assert_int_equal(cc_golive("2015-11-01T00:00:00Zjunk", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "extra characters \"junk\""));
	assert_int_equal(cc_golive("1969-12-31T23:59:59Z", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "before 1970"));
	assert_int_equal(cc_golive("2015-11-01T24:00:00Z", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not 00:00:00..23:59:59"));
	assert_int_equal(cc_golive("2015-11-01T00:00:00+14:30", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "-14:00..+14:00"));
	assert_int_equal(cc_golive("2015-11-01 00:00:00Z", &t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "YYYY-MM-DDTHH:MM:SS"));
}

static void
test_paths(void **state)
{
	char path[256], empty[256], longp[200];

	(void)state;
	file(path, sizeof(path), "notice", "Redact.\n", 0644);
	file(empty, sizeof(empty), "empty", "", 0644);
	good(cc_abs_path, "/etc/ecflink/x");
	bad(cc_abs_path, "etc/ecflink/x", "must be an absolute path");
	good(cc_readable_file, path);
	good(cc_readable_file, empty);
	bad(cc_readable_file, "/nonexistent/ca.pem", "cannot open /nonexistent/ca.pem");
	bad(cc_readable_file, dir, "is not a regular file");
	good(cc_notice_file, path);
	bad(cc_notice_file, empty, "is empty");
	good(cc_directory, dir);
	bad(cc_directory, path, "is not a directory");
	bad(cc_directory, "/nonexistent/spool", "cannot use");
	good(cc_socket_path, "/run/ecflink/ecflinkd.sock");
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	bad(cc_socket_path, longp, "a UNIX socket path may have at most");
	bad(cc_socket_path, "ecflinkd.sock", "absolute path");
}

static void
test_accounts(void **state)
{
	(void)state;
	good(cc_group, "root");
	good(cc_user, "root");
	bad(cc_group, "no-such-group-ecflink", "does not exist; create it with groupadd");
	bad(cc_user, "no-such-user-ecflink", "does not exist; create it with adduser --system");
}

static void
test_mail(void **state)
{
	(void)state;
	good(cc_sendmail, "/bin/sh -c true");
	bad(cc_sendmail, "sendmail -t", "absolute path of a program");
	bad(cc_sendmail, "/nonexistent/sendmail -t -oi", "cannot run /nonexistent/sendmail");
	bad(cc_sendmail, "/tmp -t", "is not a program file");
	good(cc_smtp_url, "smtp://127.0.0.1:25");
	good(cc_smtp_url, "smtps://mail.court.example");
	bad(cc_smtp_url, "smtp://", "must be smtp://HOST[:PORT]");
	bad(cc_smtp_url, "mail.court.example:25", "must be smtp://HOST[:PORT]");
	bad(cc_smtp_url, "smtp://a b", "must be smtp://HOST[:PORT]");
	good(cc_web_url, "https://ecf.iasb.uscourts.example/link");
	good(cc_web_url, "http://127.0.0.1:8080/");
	bad(cc_web_url, "ecf.court.example/link", "must be an http:// or https:// URL");
	bad(cc_web_url, "https://", "must be an http:// or https:// URL");
	bad(cc_web_url, "https:///path", "must be an http:// or https:// URL");
	bad(cc_web_url, "javascript:alert(1)", "must be an http:// or https:// URL");
	bad(cc_web_url, "https://a b/", "printable ASCII without blanks");
	bad(cc_web_url, "https://a/\xc3\xa9", "printable ASCII without blanks");
	bad(cc_web_url, "https://a/<x>", "printable ASCII without blanks");
	good(cc_mail_from, "ecflink@court.example");
	bad(cc_mail_from, "ecflink", "must be a mail address");
}

static void
test_messages(void **state)
{
	(void)state;
	good(cc_golive_message, "Opens on %s.");
	good(cc_golive_message, "100%% on %s");
	good(cc_golive_message, "No date at all.");
	bad(cc_golive_message, "%s and %s", "may contain %s once");
	bad(cc_golive_message, "on %d", "no other % sequence");
	bad(cc_golive_message, "trailing %", "no other % sequence");
	assert_false(cc_has_control("plain text", false));
	assert_true(cc_has_control("line\nbreak", false));
	assert_false(cc_has_control("line\nbreak", true));
	assert_true(cc_has_control("tab\there", true));
	assert_true(cc_has_control("del\x7f", true));
}

static void
test_facility(void **state)
{
	int f = -1;

	(void)state;
	assert_int_equal(cc_facility("authpriv", &f, why, sizeof(why)), 0);
	assert_int_equal(f, LOG_AUTHPRIV);
	assert_int_equal(cc_facility("local7", &f, why, sizeof(why)), 0);
	assert_int_equal(f, LOG_LOCAL7);
	assert_int_equal(cc_facility("kern", &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "unknown facility \"kern\""));
}

/* pwfile_read: the file's mode, emptiness and line ends, as -y reads it. */
static void
test_password_file(void **state)
{
	char path[256];
	char *pw = NULL;
	bool nl;

	(void)state;
	file(path, sizeof(path), "pw", "s3cret", 0640);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), 0);
	assert_string_equal(pw, "s3cret");
	assert_false(nl);
	free(pw);
	file(path, sizeof(path), "pw", "s3cret\n", 0600);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), 0);
	assert_string_equal(pw, "s3cret");
	assert_true(nl);
	free(pw);
	file(path, sizeof(path), "pw", "s3cret\r\n", 0600);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "a carriage return at its end"));
	file(path, sizeof(path), "pw", "s3cret\nsecond line\n", 0600);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than one line"));
	assert_non_null(strstr(why, "printf '%s' PASSWORD >"));
	file(path, sizeof(path), "pw", "s3cret\n", 0644);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_null(pw);
	assert_non_null(strstr(why, "other users can read or change"));
	file(path, sizeof(path), "pw", "", 0600);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is empty; write the password of cn=svc"));
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "does not exist; create it (mode 0640)"));
	assert_int_equal(pwfile_read(dir, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "is not a regular file"));
	/* Group-writable: the group could change the password. */
	file(path, sizeof(path), "pw", "s3cret\n", 0660);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "so its group can change the LDAP password"));
	/* A foreign group (nogroup): its members could read it.  Only root
	 * can give a file away to a group it is not in. */
	if (geteuid() != 0) {
		printf("# the foreign-group case needs root (chgrp); not run\n");
		return;
	}
	file(path, sizeof(path), "pw", "s3cret\n", 0640);
	assert_int_equal(chown(path, (uid_t)-1, 65534), 0);
	assert_int_equal(pwfile_read(path, "cn=svc", NULL, &pw, &nl, why, sizeof(why)), -1);
	assert_null(pw);
	assert_non_null(strstr(why, "is in group 65534, not root's or the daemon's"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dn),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_golive),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_facility),
		cmocka_unit_test(test_password_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
