/*
 * config_check.c - single-value checks of the configuration (see
 * config_check.h).
 */
#include "config_check.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <ldap.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "sockio.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define PASSWORD_MAX 1024

bool
cc_has_control(const char *s, bool allow_newline)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7f)
			return true;
	}
	return false;
}

int
cc_dn(const char *v, char *why, size_t len)
{
	LDAPDN dn = NULL;
	int rc = ldap_str2dn(v, &dn, LDAP_DN_FORMAT_LDAPV3);

	if (dn != NULL)
		ldap_dnfree(dn);
	if (rc != LDAP_SUCCESS)
		return sockio_errf(why, len, "\"%s\" is not a valid DN (%s); write it like "
				    "\"ou=people,dc=example,dc=org\"", v, ldap_err2string(rc));
	return 0;
}

/*
 * libldap reads the port with atoi and keeps whatever number results, so
 * the digits after the host's last ':' are checked here.
 */
static bool
port_ok(const char *uri)
{
	const char *host = strstr(uri, "://") + 3;
	size_t len = strcspn(host, "/?");
	const char *colon = NULL, *p;
	long port;

	for (p = host; p < host + len; p++) {
		if (*p == ']')
			colon = NULL;
		else if (*p == ':')
			colon = p;
	}
	if (colon == NULL)
		return true;
	for (p = colon + 1; p < host + len; p++)
		if (*p < '0' || *p > '9' || p - colon > 5)
			return false;
	port = strtol(colon + 1, NULL, 10);
	return port >= 1 && port <= 65535;
}

int
cc_uri(const char *v, char *why, size_t len)
{
	LDAPURLDesc *lud = NULL;
	const char *bad = NULL;

	if (strncasecmp(v, "ldap://", 7) != 0 && strncasecmp(v, "ldaps://", 8) != 0 &&
	    strncasecmp(v, "ldapi://", 8) != 0) {
		bad = "the scheme must be ldap://, ldaps:// or ldapi://";
	} else if (!ldap_is_ldap_url(v) || ldap_url_parse(v, &lud) != LDAP_URL_SUCCESS) {
		bad = "libldap cannot parse it";
	} else if ((lud->lud_dn != NULL && *lud->lud_dn != '\0') || lud->lud_attrs != NULL ||
		   lud->lud_filter != NULL || lud->lud_exts != NULL) {
		bad = "it must name a server only, with no DN, attributes or filter";
	} else if (strcasecmp(lud->lud_scheme, "ldapi") != 0 && !port_ok(v)) {
		bad = "the port must be 1..65535";
	}
	if (lud != NULL)
		ldap_free_urldesc(lud);
	if (bad != NULL)
		return sockio_errf(why, len, "\"%s\" is not a usable LDAP URI: %s "
				    "(example: \"ldap://127.0.0.1:389\")", v, bad);
	return 0;
}

int
cc_uri_plaintext(const char *v, char *why, size_t len)
{
	LDAPURLDesc *lud = NULL;
	const char *host;
	int rc = 0;

	if (strncasecmp(v, "ldap://", 7) != 0 || ldap_url_parse(v, &lud) != LDAP_URL_SUCCESS)
		return 0;
	host = lud->lud_host != NULL ? lud->lud_host : "";
	/* An empty host is libldap's default, localhost. */
	if (*host != '\0' && strcasecmp(host, "localhost") != 0 && strcmp(host, "::1") != 0 &&
	    strncmp(host, "127.", 4) != 0)
		rc = sockio_errf(why, len, "\"%s\" would carry the bind password and users' passwords "
				  "in clear text to %s; use ldaps://, set ldap.starttls = true, or "
				  "set ldap.allow_plaintext = true if the network path is protected "
				  "otherwise", v, host);
	ldap_free_urldesc(lud);
	return rc;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int
cc_golive(const char *v, time_t *out, char *why, size_t len)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	size_t n = strlen(v), end;
	struct tm tm;

	if (n < 19 || digits(v, 4, &y) < 0 || v[4] != '-' || digits(v + 5, 2, &mo) < 0 ||
	    v[7] != '-' || digits(v + 8, 2, &d) < 0 || v[10] != 'T' ||
	    digits(v + 11, 2, &h) < 0 || v[13] != ':' || digits(v + 14, 2, &mi) < 0 ||
	    v[16] != ':' || digits(v + 17, 2, &sec) < 0)
		return sockio_errf(why, len, "is not of the form YYYY-MM-DDTHH:MM:SS+HH:MM");
	if (n == 19)
		return sockio_errf(why, len, "has no UTC offset; add one such as -06:00, or Z for UTC");
	if (v[19] == 'Z') {
		end = 20;
	} else if ((v[19] == '+' || v[19] == '-') && n >= 25 && digits(v + 20, 2, &oh) == 0 &&
		   v[22] == ':' && digits(v + 23, 2, &om) == 0) {
		sign = v[19] == '-' ? -1 : 1;
		end = 25;
	} else {
		return sockio_errf(why, len, "has a malformed UTC offset \"%s\"; write it as +HH:MM, "
				    "-HH:MM or Z", v + 19);
	}
	if (n != end)
		return sockio_errf(why, len, "has extra characters \"%s\" after the UTC offset", v + end);
	if (y < 1970)
		return sockio_errf(why, len, "year %04d is before 1970", y);
	if (mo < 1 || mo > 12)
		return sockio_errf(why, len, "month %02d is not 01..12", mo);
	if (d < 1 || d > days_in_month(y, mo))
		return sockio_errf(why, len, "day %02d does not exist in %04d-%02d", d, y, mo);
	if (h > 23 || mi > 59 || sec > 59)
		return sockio_errf(why, len, "time %02d:%02d:%02d is not 00:00:00..23:59:59", h, mi, sec);
	if (oh > 14 || om > 59 || (oh == 14 && om > 0))
		return sockio_errf(why, len, "UTC offset %s is not within -14:00..+14:00", v + 19);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

int
cc_timezone(const char *v, char *why, size_t len)
{
	char path[PATH_MAX], magic[4];
	const char *p;
	struct stat st;
	int fd, rc = -1;

	if (v[0] == '/')
		return sockio_errf(why, len, "\"%s\" must be a zone name such as \"America/Chicago\", "
				    "not a path", v);
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("/_+-.", *p) == NULL)
			return sockio_errf(why, len, "\"%s\" is not a zone name such as "
					    "\"America/Chicago\"", v);
		if ((p == v || p[-1] == '/') && p[0] == '.')
			return sockio_errf(why, len, "\"%s\" must not contain \".\" or \"..\" components",
				  v);
	}
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, v);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return sockio_errf(why, len, "unknown time zone \"%s\" (%s: %s); list them with "
				    "timedatectl list-timezones", v, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read(fd, magic, 4) != 4 ||
	    memcmp(magic, "TZif", 4) != 0)
		sockio_errf(why, len, "\"%s\" is not a time zone (%s is not a TZif file)", v, path);
	else
		rc = 0;
	close(fd);
	return rc;
}

int
cc_abs_path(const char *v, char *why, size_t len)
{
	if (v[0] != '/')
		return sockio_errf(why, len, "\"%s\" must be an absolute path (starting with /)", v);
	return 0;
}

/*
 * Opens path as a regular file for reading without blocking on a FIFO;
 * returns the fd and fills st, or -1 with why.
 */
static int
open_regular(const char *path, struct stat *st, char *why, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return sockio_errf(why, len, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return sockio_errf(why, len, "%s is not a regular file", path);
	}
	return fd;
}

int
cc_readable_file(const char *v, char *why, size_t len)
{
	struct stat st;
	int fd;

	if (cc_abs_path(v, why, len) < 0 || (fd = open_regular(v, &st, why, len)) < 0)
		return -1;
	close(fd);
	return 0;
}

int
cc_notice_file(const char *v, char *why, size_t len)
{
	struct stat st;
	int fd;

	if (cc_abs_path(v, why, len) < 0 || (fd = open_regular(v, &st, why, len)) < 0)
		return -1;
	close(fd);
	if (st.st_size == 0)
		return sockio_errf(why, len, "%s is empty", v);
	return 0;
}

int
cc_directory(const char *v, char *why, size_t len)
{
	struct stat st;

	if (cc_abs_path(v, why, len) < 0)
		return -1;
	if (stat(v, &st) < 0)
		return sockio_errf(why, len, "cannot use %s: %s", v, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sockio_errf(why, len, "%s is not a directory", v);
	return 0;
}

int
cc_append_file(const char *v, char *why, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	if (cc_abs_path(v, why, len) < 0)
		return -1;
	if (lstat(v, &st) == 0 && !S_ISREG(st.st_mode))
		return sockio_errf(why, len, "%s exists and is not a regular file", v);
	snprintf(dir, sizeof(dir), "%s", v);
	slash = strrchr(dir, '/');
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return sockio_errf(why, len, "directory %s of %s does not exist; create it (mode 0750)", dir,
			  v);
	return 0;
}

int
cc_socket_path(const char *v, char *why, size_t len)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (cc_abs_path(v, why, len) < 0)
		return -1;
	if (strlen(v) > max)
		return sockio_errf(why, len, "is %zu bytes long; a UNIX socket path may have at most %zu",
			  strlen(v), max);
	return 0;
}

/* Looks a group or user name up with the _r calls, growing the buffer on ERANGE. */
static int
account_exists(const char *v, bool is_group, char *why, size_t len)
{
	const char *what = is_group ? "group" : "user";
	size_t size = 1024;
	char *buf = NULL;
	int err, rc = -1;

	for (;;) {
		struct group gr, *gres = NULL;
		struct passwd pw, *pres = NULL;
		char *nbuf = realloc(buf, size);

		if (nbuf == NULL) {
			sockio_errf(why, len, "out of memory looking up \"%s\"", v);
			break;
		}
		buf = nbuf;
		if (is_group)
			err = getgrnam_r(v, &gr, buf, size, &gres);
		else
			err = getpwnam_r(v, &pw, buf, size, &pres);
		if (err == ERANGE && size < (1u << 20)) {
			size *= 2;
			continue;
		}
		if (err != 0)
			sockio_errf(why, len, "cannot look up %s \"%s\": %s", what, v, strerror(err));
		else if (gres == NULL && pres == NULL)
			sockio_errf(why, len, "%s \"%s\" does not exist; create it with %s %s or remove "
				     "this key", what, v, is_group ? "groupadd" : "adduser --system",
			   v);
		else
			rc = 0;
		break;
	}
	free(buf);
	return rc;
}

int
cc_group(const char *v, char *why, size_t len)
{
	return account_exists(v, true, why, len);
}

int
cc_user(const char *v, char *why, size_t len)
{
	return account_exists(v, false, why, len);
}

int
cc_sendmail(const char *v, char *why, size_t len)
{
	char prog[PATH_MAX];
	size_t n = strcspn(v, " \t");
	struct stat st;

	if (v[0] != '/' || n >= sizeof(prog))
		return sockio_errf(why, len, "\"%s\" must start with the absolute path of a program, such "
				    "as /usr/sbin/sendmail", v);
	memcpy(prog, v, n);
	prog[n] = '\0';
	if (stat(prog, &st) < 0 || access(prog, X_OK) < 0)
		return sockio_errf(why, len, "cannot run %s: %s; install an MTA or use mail.smtp_url",
			  prog, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sockio_errf(why, len, "%s is not a program file", prog);
	return 0;
}

int
cc_smtp_url(const char *v, char *why, size_t len)
{
	size_t skip = strncmp(v, "smtp://", 7) == 0 ? 7 : strncmp(v, "smtps://", 8) == 0 ? 8 : 0;

	if (skip == 0 || v[skip] == '\0' || strpbrk(v, " \t") != NULL)
		return sockio_errf(why, len, "\"%s\" must be smtp://HOST[:PORT] or smtps://HOST[:PORT]", v);
	return 0;
}

int
cc_web_url(const char *v, char *why, size_t len)
{
	size_t skip = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
	const char *p;

	if (skip == 0 || v[skip] == '\0' || v[skip] == '/' || strlen(v) > 512)
		return sockio_errf(why, len, "\"%s\" must be an http:// or https:// URL with a host, "
				    "at most 512 bytes, like \"https://ecf.court.example/link\"", v);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"' ||
		    *p == '<' || *p == '>')
			return sockio_errf(why, len, "\"%s\" must be written in printable ASCII without "
					    "blanks, quotes or angle brackets (percent-encode them)",
				  v);
	return 0;
}

int
cc_mail_from(const char *v, char *why, size_t len)
{
	if (strchr(v, '@') == NULL)
		return sockio_errf(why, len, "\"%s\" must be a mail address such as "
				    "\"ecflink@court.example.org\"", v);
	return 0;
}

int
cc_golive_message(const char *v, char *why, size_t len)
{
	int n_s = 0;

	for (; (v = strchr(v, '%')) != NULL; v += 2) {
		if (v[1] == 's' && n_s++ == 0)
			continue;
		if (v[1] != '%')
			return sockio_errf(why, len, "may contain %%s once (the go-live date) and %%%% for a "
					    "percent sign, and no other %% sequence");
	}
	return 0;
}

int
cc_facility(const char *v, int *out, char *why, size_t len)
{
	static const struct {
		const char *name;
		int facility;
	} facilities[] = {
		{ "authpriv", LOG_AUTHPRIV }, { "auth", LOG_AUTH }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcmp(v, facilities[i].name) == 0) {
			*out = facilities[i].facility;
			return 0;
		}
	}
	return sockio_errf(why, len, "unknown facility \"%s\"; use authpriv, auth, daemon, user or "
			    "local0..local7", v);
}
