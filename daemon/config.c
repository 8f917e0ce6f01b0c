/*
 * config.c - reads and checks /etc/ecflink/ecflink.conf (see config.h).
 *
 * The file is walked group by group against one table of known keys; each
 * key has a kind that says how its value is checked and stored.  Checks
 * that need two keys (the bind password file names ldap.bind_dn in its
 * message, write_uri defaults to uris[0]) run after the walk.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <ldap.h>
#include <libconfig.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo"
#define LINE_MAX_REPORT 1024
#define PASSWORD_MAX 1024
#define MAX_ROLES (sizeof(((struct config *)0)->eligible_roles) / sizeof(char *))

enum kind {
	K_NAME,		/* non-empty text without control bytes */
	K_INT,
	K_BOOL,
	K_DN,
	K_URI,
	K_URIS,
	K_ROLES,
	K_GOLIVE,
	K_TZ,
	K_PWFILE,	/* checked after the walk */
	K_READFILE,	/* a readable regular file (ca_file) */
	K_NOTICE,
	K_SPOOL,
	K_SOCKPATH,
	K_GROUP,
	K_USER,
	K_SENDMAIL,
	K_SMTPURL,
	K_MAILFROM,
	K_LEGACY,
	K_FACILITY,
	K_MSG,
	K_MSG_GOLIVE,	/* a message with at most one %s */
};

struct key {
	const char *name;
	enum kind kind;
	size_t off;		/* offsetof(struct config, ...) */
	int min, max;		/* K_INT only */
	bool required;
};

struct key_group {
	const char *name;
	const struct key *keys;
	size_t n_keys;
};

#define OFF(f) offsetof(struct config, f)

static const struct key court_keys[] = {
	{ "name", K_NAME, OFF(court_name), 0, 0, true },
	{ "timezone", K_TZ, OFF(timezone), 0, 0, false },
	{ "golive", K_GOLIVE, OFF(golive), 0, 0, false },
};

static const struct key ldap_keys[] = {
	{ "uris", K_URIS, OFF(uris), 0, 0, true },
	{ "write_uri", K_URI, OFF(write_uri), 0, 0, false },
	{ "bind_dn", K_DN, OFF(bind_dn), 0, 0, true },
	{ "bind_password_file", K_PWFILE, OFF(bind_password_file), 0, 0, true },
	{ "pacer_base", K_DN, OFF(pacer_base), 0, 0, true },
	{ "cmecf_base", K_DN, OFF(cmecf_base), 0, 0, true },
	{ "counter_dn", K_DN, OFF(counter_dn), 0, 0, true },
	{ "ca_file", K_READFILE, OFF(ca_file), 0, 0, false },
	{ "starttls", K_BOOL, OFF(starttls), 0, 0, false },
	{ "network_timeout_ms", K_INT, OFF(network_timeout_ms), 1, 60000, false },
	{ "timeout_ms", K_INT, OFF(timeout_ms), 1, 60000, false },
	{ "pool_size", K_INT, OFF(pool_size), 1, 256, false },
};

static const struct key socket_keys[] = {
	{ "path", K_SOCKPATH, OFF(socket_path), 0, 0, false },
	{ "admin_group", K_GROUP, OFF(admin_group), 0, 0, false },
	{ "frontend_group", K_GROUP, OFF(frontend_group), 0, 0, false },
	{ "max_clients", K_INT, OFF(max_clients), 1, 4096, false },
};

static const struct key policy_keys[] = {
	{ "unlinked_legacy", K_LEGACY, OFF(unlinked_legacy), 0, 0, false },
	{ "cache_ttl_s", K_INT, OFF(cache_ttl_s), 0, 86400, false },
	{ "link_max_failures", K_INT, OFF(link_max_failures), 1, 100, false },
	{ "link_window_s", K_INT, OFF(link_window_s), 1, 86400, false },
	{ "link_lockout_s", K_INT, OFF(link_lockout_s), 1, 86400, false },
	{ "eligible_roles", K_ROLES, OFF(eligible_roles), 0, 0, false },
};

static const struct key redaction_keys[] = {
	{ "notice_file", K_NOTICE, OFF(notice_file), 0, 0, false },
	{ "token_ttl_s", K_INT, OFF(token_ttl_s), 10, 3600, false },
};

static const struct key mail_keys[] = {
	{ "spool_dir", K_SPOOL, OFF(spool_dir), 0, 0, false },
	{ "sendmail", K_SENDMAIL, OFF(sendmail), 0, 0, false },
	{ "smtp_url", K_SMTPURL, OFF(smtp_url), 0, 0, false },
	{ "from", K_MAILFROM, OFF(mail_from), 0, 0, false },
};

static const struct key log_keys[] = {
	{ "facility", K_FACILITY, OFF(facility), 0, 0, false },
	{ "debug", K_BOOL, OFF(debug), 0, 0, false },
};

static const struct key daemon_keys[] = {
	{ "user", K_USER, OFF(user), 0, 0, false },
};

static const struct key messages_keys[] = {
	{ "retired", K_MSG, OFF(msg.retired), 0, 0, false },
	{ "pacer_search_only", K_MSG, OFF(msg.pacer_search_only), 0, 0, false },
	{ "golive_pending", K_MSG_GOLIVE, OFF(msg.golive_pending), 0, 0, false },
	{ "legacy_denied", K_MSG, OFF(msg.legacy_denied), 0, 0, false },
	{ "redaction_prompt", K_MSG, OFF(msg.redaction_prompt), 0, 0, false },
};

#define GROUP(g) { #g, g##_keys, sizeof(g##_keys) / sizeof(g##_keys[0]) }

static const struct key_group groups[] = {
	GROUP(court), GROUP(ldap), GROUP(socket), GROUP(policy), GROUP(redaction),
	GROUP(mail), GROUP(log), GROUP(daemon), GROUP(messages),
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "authpriv", LOG_AUTHPRIV }, { "auth", LOG_AUTH }, { "daemon", LOG_DAEMON },
	{ "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* One load: where faults go and what the walk has seen. */
struct loader {
	const char *path;
	config_report_fn report;
	void *ctx;
	int faults;
	char *text;			/* the file as read, for integer literals */
	const config_setting_t *pwfile;	/* ldap.bind_password_file, checked last */
};

/* Reports "FILE:LINE: KEY: message" for setting s (line 0 when s is NULL). */
__attribute__((format(printf, 4, 5))) static void
fault(struct loader *ld, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char msg[LINE_MAX_REPORT], line[LINE_MAX_REPORT + 256];
	const char *file = NULL;
	unsigned lineno = 0;
	va_list ap;

	ld->faults++;
	if (ld->report == NULL)
		return;
	if (s != NULL) {
		file = config_setting_source_file(s);
		lineno = config_setting_source_line(s);
	}
	if (file == NULL)
		file = ld->path;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%u: %s: %s", file, lineno, key, msg);
	ld->report(ld->ctx, line);
}

/* Reports a fault that belongs to no key (file I/O, syntax); file NULL: ld->path. */
__attribute__((format(printf, 4, 5))) static void
fault_file(struct loader *ld, const char *file, int lineno, const char *fmt, ...)
{
	char msg[LINE_MAX_REPORT], line[LINE_MAX_REPORT + 256];
	va_list ap;

	ld->faults++;
	if (ld->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file == NULL)
		file = ld->path;
	if (lineno > 0)
		snprintf(line, sizeof(line), "%s:%d: %s", file, lineno, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", file, msg);
	ld->report(ld->ctx, line);
}

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a floating-point number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "an unknown type";
	}
}

/* Replaces the string stored at *slot with a copy of value; -1 if out of memory. */
static int
set_str(char **slot, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

static bool
has_control(const char *s, bool allow_newline)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7f)
			return true;
	}
	return false;
}

/*
 * Returns the setting's string, or NULL after reporting why it is not a
 * non-empty string.
 */
static const char *
get_string(struct loader *ld, const config_setting_t *s, const char *key)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		fault(ld, s, key, "must be a string in double quotes, not %s", type_name(s));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (v == NULL || *v == '\0') {
		fault(ld, s, key, "must not be empty; comment the line out to use the default");
		return NULL;
	}
	return v;
}

/*
 * libconfig 1.5 wraps integer literals that do not fit in 32 bits (it
 * reads 4294967297 as 1), so the literal is read again from the file's
 * text: "name = literal" on the setting's line.  Returns 0 and the exact
 * value, or -1 when the literal cannot be found (then libconfig's value
 * stands) or overflows a long long (*overflow set).
 */
static int
literal_int(const struct loader *ld, const config_setting_t *s, long long *out, bool *overflow)
{
	const char *name = config_setting_name(s), *file = config_setting_source_file(s);
	const char *p = ld->text, *eol, *hit;
	unsigned line = config_setting_source_line(s);
	size_t nlen;

	*overflow = false;
	if (p == NULL || name == NULL || line == 0 ||
	    (file != NULL && strcmp(file, ld->path) != 0))
		return -1;
	for (; line > 1 && p != NULL; line--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL)
		return -1;
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	nlen = strlen(name);
	for (hit = p; (hit = strstr(hit, name)) != NULL && hit < eol; hit += nlen) {
		const char *q = hit + nlen;
		char *end;
		long long v;

		if (hit > p && (isalnum((unsigned char)hit[-1]) || strchr("_-", hit[-1]) != NULL))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '=' && *q != ':')
			continue;
		q++;
		while (*q == ' ' || *q == '\t')
			q++;
		errno = 0;
		if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
			v = (long long)strtoull(q, &end, 16);
		else
			v = strtoll(q, &end, 10);
		if (end == q)
			return -1;
		if (errno == ERANGE) {
			*overflow = true;
			return -1;
		}
		/* a literal libconfig did not read this way is some other text */
		if ((config_setting_type(s) == CONFIG_TYPE_INT &&
		     (int32_t)(uint32_t)(unsigned long long)v != config_setting_get_int(s)) ||
		    (config_setting_type(s) == CONFIG_TYPE_INT64 &&
		     v != config_setting_get_int64(s)))
			continue;
		*out = v;
		return 0;
	}
	return -1;
}

/* Stores an integer within [k->min, k->max] at *slot, or reports why not. */
static void
get_int(struct loader *ld, const config_setting_t *s, const char *key, const struct key *k,
	int *slot)
{
	long long v;
	bool overflow;
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_FLOAT) {
		fault(ld, s, key, "must be a whole number, not a floating-point number");
		return;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		fault(ld, s, key, "must be an integer, not %s", type_name(s));
		return;
	}
	v = config_setting_get_int64(s);
	if (literal_int(ld, s, &v, &overflow) < 0 && overflow) {
		fault(ld, s, key, "must be %d..%d (got a number too large to read)", k->min,
		      k->max);
		return;
	}
	if (v < k->min || v > k->max) {
		fault(ld, s, key, "must be %d..%d (got %lld)", k->min, k->max, v);
		return;
	}
	*slot = (int)v;
}

static int
check_dn(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	LDAPDN dn = NULL;
	int rc = ldap_str2dn(v, &dn, LDAP_DN_FORMAT_LDAPV3);

	if (dn != NULL)
		ldap_dnfree(dn);
	if (rc != LDAP_SUCCESS) {
		fault(ld, s, key, "\"%s\" is not a valid DN (%s); write it like "
				  "\"ou=people,dc=example,dc=org\"", v, ldap_err2string(rc));
		return -1;
	}
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

/* Accepts ldap://, ldaps:// and ldapi:// URIs that name a server only. */
static int
check_uri(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	LDAPURLDesc *lud = NULL;
	const char *why = NULL;
	int rc;

	if (strncasecmp(v, "ldap://", 7) != 0 && strncasecmp(v, "ldaps://", 8) != 0 &&
	    strncasecmp(v, "ldapi://", 8) != 0) {
		why = "the scheme must be ldap://, ldaps:// or ldapi://";
	} else if (!ldap_is_ldap_url(v) || (rc = ldap_url_parse(v, &lud)) != LDAP_URL_SUCCESS) {
		why = "libldap cannot parse it";
	} else if ((lud->lud_dn != NULL && *lud->lud_dn != '\0') || lud->lud_attrs != NULL ||
		   lud->lud_filter != NULL || lud->lud_exts != NULL) {
		why = "it must name a server only, with no DN, attributes or filter";
	} else if (strcasecmp(lud->lud_scheme, "ldapi") != 0 && !port_ok(v)) {
		why = "the port must be 1..65535";
	}
	if (lud != NULL)
		ldap_free_urldesc(lud);
	if (why != NULL) {
		fault(ld, s, key, "\"%s\" is not a usable LDAP URI: %s "
				  "(example: \"ldap://127.0.0.1:389\")", v, why);
		return -1;
	}
	return 0;
}

/*
 * Stores the strings of an array or list (at most max) into slots, or
 * reports each bad element by index.  check, if set, vets each element.
 */
static void
get_str_list(struct loader *ld, const config_setting_t *s, const char *key, char **slots,
	     size_t max, size_t *n,
	     int (*check)(struct loader *, const config_setting_t *, const char *, const char *))
{
	int i, len;
	char ekey[128];

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		fault(ld, s, key, "must be an array of strings like [ \"a\", \"b\" ], not %s",
		      type_name(s));
		return;
	}
	len = config_setting_length(s);
	if ((size_t)len > max) {
		fault(ld, s, key, "has %d entries; at most %zu are allowed", len, max);
		return;
	}
	for (i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v;

		snprintf(ekey, sizeof(ekey), "%s[%d]", key, i);
		if ((v = get_string(ld, e, ekey)) == NULL)
			continue;
		if (has_control(v, false)) {
			fault(ld, e, ekey, "must not contain control characters");
			continue;
		}
		if (check != NULL && check(ld, e, ekey, v) < 0)
			continue;
		if (set_str(&slots[*n], v) < 0) {
			fault(ld, e, ekey, "out of memory");
			continue;
		}
		(*n)++;
	}
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

/*
 * Parses YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM, every field
 * checked, into a time_t; on failure writes the reason into why.
 */
static int
parse_golive(const char *v, time_t *out, char *why, size_t whylen)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm;
	size_t len = strlen(v), end;
	time_t t;

	if (len < 19 || digits(v, 4, &y) < 0 || v[4] != '-' || digits(v + 5, 2, &mo) < 0 ||
	    v[7] != '-' || digits(v + 8, 2, &d) < 0 || v[10] != 'T' ||
	    digits(v + 11, 2, &h) < 0 || v[13] != ':' || digits(v + 14, 2, &mi) < 0 ||
	    v[16] != ':' || digits(v + 17, 2, &sec) < 0) {
		snprintf(why, whylen, "is not of the form YYYY-MM-DDTHH:MM:SS+HH:MM");
		return -1;
	}
	if (len == 19) {
		snprintf(why, whylen, "has no UTC offset; add one such as -06:00, or Z for UTC");
		return -1;
	}
	if (v[19] == 'Z') {
		end = 20;
	} else if ((v[19] == '+' || v[19] == '-') && len >= 25 && digits(v + 20, 2, &oh) == 0 &&
		   v[22] == ':' && digits(v + 23, 2, &om) == 0) {
		sign = v[19] == '-' ? -1 : 1;
		end = 25;
	} else {
		snprintf(why, whylen, "has a malformed UTC offset \"%s\"; write it as +HH:MM, "
				      "-HH:MM or Z", v + 19);
		return -1;
	}
	if (len != end) {
		snprintf(why, whylen, "has extra characters \"%s\" after the UTC offset", v + end);
		return -1;
	}
	if (y < 1970) {
		snprintf(why, whylen, "year %04d is before 1970", y);
		return -1;
	}
	if (mo < 1 || mo > 12) {
		snprintf(why, whylen, "month %02d is not 01..12", mo);
		return -1;
	}
	if (d < 1 || d > days_in_month(y, mo)) {
		snprintf(why, whylen, "day %02d does not exist in %04d-%02d", d, y, mo);
		return -1;
	}
	if (h > 23 || mi > 59 || sec > 59) {
		snprintf(why, whylen, "time %02d:%02d:%02d is not 00:00:00..23:59:59", h, mi, sec);
		return -1;
	}
	if (oh > 14 || om > 59 || (oh == 14 && om > 0)) {
		snprintf(why, whylen, "UTC offset %s is not within -14:00..+14:00", v + 19);
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = t - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

/* Accepts a zone name whose file under ZONEINFO_DIR starts with "TZif". */
static int
check_timezone(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	char path[PATH_MAX], magic[4];
	const char *p;
	struct stat st;
	int fd = -1, rc = -1;

	if (v[0] == '/') {
		fault(ld, s, key, "\"%s\" must be a zone name such as \"America/Chicago\", "
				  "not a path", v);
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("/_+-.", *p) == NULL) {
			fault(ld, s, key, "\"%s\" is not a zone name such as "
					  "\"America/Chicago\"", v);
			return -1;
		}
		if ((p == v || p[-1] == '/') && p[0] == '.') {
			fault(ld, s, key, "\"%s\" must not contain \".\" or \"..\" components", v);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, v);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		fault(ld, s, key, "unknown time zone \"%s\" (%s: %s); list them with "
				  "timedatectl list-timezones", v, path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || read(fd, magic, 4) != 4 ||
	    memcmp(magic, "TZif", 4) != 0) {
		fault(ld, s, key, "\"%s\" is not a time zone (%s is not a TZif file)", v, path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Opens path as a regular file for reading without blocking on a FIFO;
 * returns the fd and fills st, or -1 after reporting why.
 */
static int
open_regular(struct loader *ld, const config_setting_t *s, const char *key, const char *path,
	     struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0) {
		fault(ld, s, key, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		fault(ld, s, key, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
check_abs(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	if (v[0] != '/') {
		fault(ld, s, key, "\"%s\" must be an absolute path (starting with /)", v);
		return -1;
	}
	return 0;
}

static int
check_readfile(struct loader *ld, const config_setting_t *s, const char *key, const char *v,
	       bool nonempty)
{
	struct stat st;
	int fd;

	if (check_abs(ld, s, key, v) < 0 || (fd = open_regular(ld, s, key, v, &st)) < 0)
		return -1;
	close(fd);
	if (nonempty && st.st_size == 0) {
		fault(ld, s, key, "%s is empty", v);
		return -1;
	}
	return 0;
}

static int
check_spool(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	struct stat st;

	if (check_abs(ld, s, key, v) < 0)
		return -1;
	if (stat(v, &st) < 0) {
		fault(ld, s, key, "cannot use %s: %s", v, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fault(ld, s, key, "%s is not a directory", v);
		return -1;
	}
	return 0;
}

static int
check_sockpath(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (check_abs(ld, s, key, v) < 0)
		return -1;
	if (strlen(v) > max) {
		fault(ld, s, key, "is %zu bytes long; a UNIX socket path may have at most %zu",
		      strlen(v), max);
		return -1;
	}
	return 0;
}

/* Looks a group or user name up with the _r calls, growing the buffer on ERANGE. */
static int
check_account(struct loader *ld, const config_setting_t *s, const char *key, const char *v,
	      bool is_group)
{
	size_t size = 1024;
	char *buf = NULL;
	int err, rc = -1;

	for (;;) {
		struct group gr, *gres = NULL;
		struct passwd pw, *pres = NULL;
		char *nbuf = realloc(buf, size);

		if (nbuf == NULL) {
			fault(ld, s, key, "out of memory looking up \"%s\"", v);
			goto out;
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
		if (err != 0) {
			fault(ld, s, key, "cannot look up %s \"%s\": %s",
			      is_group ? "group" : "user", v, strerror(err));
			goto out;
		}
		if (gres == NULL && pres == NULL) {
			if (is_group)
				fault(ld, s, key, "group \"%s\" does not exist; create it with "
						  "groupadd %s or remove this key", v, v);
			else
				fault(ld, s, key, "user \"%s\" does not exist; create it with "
						  "adduser --system %s or remove this key", v, v);
			goto out;
		}
		break;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* The first word of the command must be an absolute path to an executable. */
static int
check_sendmail(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	char prog[PATH_MAX];
	size_t n = strcspn(v, " \t");
	struct stat st;

	if (v[0] != '/' || n >= sizeof(prog)) {
		fault(ld, s, key, "\"%s\" must start with the absolute path of a program, such as "
				  "/usr/sbin/sendmail", v);
		return -1;
	}
	memcpy(prog, v, n);
	prog[n] = '\0';
	if (stat(prog, &st) < 0 || access(prog, X_OK) < 0) {
		fault(ld, s, key, "cannot run %s: %s; install an MTA or use mail.smtp_url", prog,
		      strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fault(ld, s, key, "%s is not a program file", prog);
		return -1;
	}
	return 0;
}

static int
check_smtp_url(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	size_t skip = strncmp(v, "smtp://", 7) == 0 ? 7 : strncmp(v, "smtps://", 8) == 0 ? 8 : 0;

	if (skip == 0 || v[skip] == '\0' || strpbrk(v, " \t") != NULL) {
		fault(ld, s, key, "\"%s\" must be smtp://HOST[:PORT] or smtps://HOST[:PORT]", v);
		return -1;
	}
	return 0;
}

/* golive_pending is used as a format with the date: one %s, %% for a percent sign. */
static int
check_golive_msg(struct loader *ld, const config_setting_t *s, const char *key, const char *v)
{
	int n_s = 0;

	for (; (v = strchr(v, '%')) != NULL; v += 2) {
		if (v[1] == 's' && n_s++ == 0)
			continue;
		if (v[1] != '%') {
			fault(ld, s, key, "may contain %%s once (the go-live date) and %%%% for a "
					  "percent sign, and no other %% sequence");
			return -1;
		}
	}
	return 0;
}

/* Checks and stores one string-valued key whose kind needs no special type. */
static void
apply_string(struct loader *ld, struct config *cfg, const config_setting_t *s, const char *key,
	     const struct key *k)
{
	char **slot = (char **)((char *)cfg + k->off);
	const char *v = get_string(ld, s, key);
	int ok = 0;

	if (v == NULL)
		return;
	if (has_control(v, k->kind == K_MSG || k->kind == K_MSG_GOLIVE)) {
		fault(ld, s, key, "must not contain control characters");
		return;
	}
	switch (k->kind) {
	case K_DN:
		ok = check_dn(ld, s, key, v);
		break;
	case K_URI:
		ok = check_uri(ld, s, key, v);
		break;
	case K_TZ:
		ok = check_timezone(ld, s, key, v);
		break;
	case K_PWFILE:
		ok = check_abs(ld, s, key, v);
		ld->pwfile = s;
		break;
	case K_READFILE:
		ok = check_readfile(ld, s, key, v, false);
		break;
	case K_NOTICE:
		ok = check_readfile(ld, s, key, v, true);
		cfg->notice_file_set = true;
		break;
	case K_SPOOL:
		ok = check_spool(ld, s, key, v);
		cfg->spool_dir_set = true;
		break;
	case K_SOCKPATH:
		ok = check_sockpath(ld, s, key, v);
		break;
	case K_GROUP:
		ok = check_account(ld, s, key, v, true);
		break;
	case K_USER:
		ok = check_account(ld, s, key, v, false);
		break;
	case K_SENDMAIL:
		ok = check_sendmail(ld, s, key, v);
		break;
	case K_SMTPURL:
		ok = check_smtp_url(ld, s, key, v);
		break;
	case K_MAILFROM:
		if (strchr(v, '@') == NULL) {
			fault(ld, s, key, "\"%s\" must be a mail address such as "
					  "\"ecflink@court.example.org\"", v);
			ok = -1;
		}
		break;
	case K_MSG_GOLIVE:
		ok = check_golive_msg(ld, s, key, v);
		break;
	default:
		break;
	}
	if (ok < 0)
		return;
	if (set_str(slot, v) < 0)
		fault(ld, s, key, "out of memory");
}

/* Checks and stores one key of a known group. */
static void
apply_key(struct loader *ld, struct config *cfg, const config_setting_t *s, const char *key,
	  const struct key *k)
{
	void *slot = (char *)cfg + k->off;
	const char *v;
	char why[256];
	size_t i;

	switch (k->kind) {
	case K_INT:
		get_int(ld, s, key, k, slot);
		break;
	case K_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			fault(ld, s, key, "must be true or false, not %s", type_name(s));
		else
			*(bool *)slot = config_setting_get_bool(s) != 0;
		break;
	case K_URIS:
		for (i = 0; i < cfg->n_uris; i++)
			set_str(&cfg->uris[i], NULL);
		cfg->n_uris = 0;
		get_str_list(ld, s, key, cfg->uris, CONFIG_MAX_URIS, &cfg->n_uris, check_uri);
		if (config_setting_is_aggregate(s) && config_setting_length(s) == 0)
			fault(ld, s, key, "must list at least one URI, like "
					  "[ \"ldap://127.0.0.1:389\" ]");
		break;
	case K_ROLES:
		get_str_list(ld, s, key, cfg->eligible_roles, MAX_ROLES, &cfg->n_eligible_roles,
			     NULL);
		break;
	case K_GOLIVE:
		if ((v = get_string(ld, s, key)) == NULL)
			break;
		if (parse_golive(v, &cfg->golive, why, sizeof(why)) < 0)
			fault(ld, s, key, "\"%s\" %s (example: \"2015-11-01T00:00:00-05:00\")", v,
			      why);
		else
			cfg->golive_set = true;
		break;
	case K_LEGACY:
		if ((v = get_string(ld, s, key)) == NULL)
			break;
		if (strcmp(v, "allow") == 0)
			cfg->unlinked_legacy = UNLINKED_LEGACY_ALLOW;
		else if (strcmp(v, "deny") == 0)
			cfg->unlinked_legacy = UNLINKED_LEGACY_DENY;
		else
			fault(ld, s, key, "must be \"allow\" or \"deny\" (got \"%s\")", v);
		break;
	case K_FACILITY:
		if ((v = get_string(ld, s, key)) == NULL)
			break;
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
			if (strcmp(v, facilities[i].name) == 0) {
				cfg->facility = facilities[i].facility;
				break;
			}
		}
		if (i == sizeof(facilities) / sizeof(facilities[0]))
			fault(ld, s, key, "unknown facility \"%s\"; use authpriv, auth, daemon, "
					  "user or local0..local7", v);
		break;
	default:
		apply_string(ld, cfg, s, key, k);
		break;
	}
}

/* Writes "a, b, c" into buf: the names a fault lists as the known ones. */
static void
known_names(char *buf, size_t len, const struct key_group *g)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; g != NULL ? i < g->n_keys : i < N_GROUPS; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "",
				 g != NULL ? g->keys[i].name : groups[i].name);

		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static void
walk_group(struct loader *ld, struct config *cfg, const config_setting_t *gs,
	   const struct key_group *g)
{
	int i, len = config_setting_length(gs);
	char key[160], names[512];
	size_t j;

	for (i = 0; i < len; i++) {
		const config_setting_t *s = config_setting_get_elem(gs, (unsigned)i);
		const char *name = config_setting_name(s);

		snprintf(key, sizeof(key), "%s.%s", g->name, name != NULL ? name : "?");
		for (j = 0; j < g->n_keys && strcmp(g->keys[j].name, name) != 0; j++)
			;
		if (j == g->n_keys) {
			known_names(names, sizeof(names), g);
			fault(ld, s, key, "unknown key; known keys in %s are: %s", g->name, names);
			continue;
		}
		apply_key(ld, cfg, s, key, &g->keys[j]);
	}
}

/* Reports each required key the file does not set. */
static void
check_required(struct loader *ld, const config_setting_t *root)
{
	size_t i, j;
	char key[160];

	for (i = 0; i < N_GROUPS; i++) {
		const struct key_group *g = &groups[i];
		const config_setting_t *gs = config_setting_get_member(root, g->name);

		if (gs != NULL && !config_setting_is_group(gs))
			continue;	/* already reported as not a group */
		for (j = 0; j < g->n_keys; j++) {
			if (!g->keys[j].required ||
			    (gs != NULL && config_setting_get_member(gs, g->keys[j].name) != NULL))
				continue;
			snprintf(key, sizeof(key), "%s.%s", g->name, g->keys[j].name);
			if (gs != NULL)
				fault(ld, gs, key, "required key missing");
			else
				fault(ld, NULL, key, "required key missing (there is no %s group)",
				      g->name);
		}
	}
}

/*
 * Reads the bind password file into cfg->bind_password as OpenLDAP's
 * "ldapwhoami -y" does, the whole file being the password, except that one
 * trailing newline is also accepted (and noted in bind_password_newline,
 * for "ecflinkd -t" to warn about).  Checks first that other users can
 * neither read nor write the file.
 */
static void
read_bind_password(struct loader *ld, struct config *cfg)
{
	const config_setting_t *s = ld->pwfile;
	const char *key = "ldap.bind_password_file", *path = cfg->bind_password_file;
	char buf[PASSWORD_MAX + 3], who[512];
	size_t used = 0;
	bool newline = false;
	struct stat st;
	ssize_t got;
	int fd;

	if (path == NULL)
		return;
	if (cfg->bind_dn != NULL)
		snprintf(who, sizeof(who), "ldap.bind_dn (%s)", cfg->bind_dn);
	else
		snprintf(who, sizeof(who), "ldap.bind_dn");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		fault(ld, s, key, "%s does not exist; create it (mode 0640) and write the "
				  "password of %s into it, without a newline: printf '%%s' "
				  "PASSWORD > %s", path, who, path);
		return;
	}
	if (fd < 0) {
		fault(ld, s, key, "cannot open %s: %s", path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fault(ld, s, key, "%s is not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 007) != 0) {
		fault(ld, s, key, "%s has mode %04o, so other users can read or change the "
				  "LDAP password; run chmod 0640 %s", path,
		      (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		fault(ld, s, key, "%s is owned by uid %u, who could change the LDAP password; "
				  "run chown root %s", path, (unsigned)st.st_uid, path);
		goto out;
	}
	while (used < sizeof(buf) - 1) {
		got = read(fd, buf + used, sizeof(buf) - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fault(ld, s, key, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	if (used > 0 && buf[used - 1] == '\n') {
		used--;
		newline = true;
	}
	buf[used] = '\0';
	if (used == 0) {
		fault(ld, s, key, "%s is empty; write the password of %s into it, without a "
				  "newline: printf '%%s' PASSWORD > %s", path, who, path);
		goto out;
	}
	if (used > PASSWORD_MAX) {
		fault(ld, s, key, "%s is longer than %d bytes", path, PASSWORD_MAX);
		goto out;
	}
	if (memchr(buf, '\n', used) != NULL || memchr(buf, '\0', used) != NULL ||
	    buf[used - 1] == '\r') {
		fault(ld, s, key, "%s holds more than the password (%s); the whole file is "
				  "the password, as for ldapwhoami -y: printf '%%s' PASSWORD > %s",
		      path, buf[used - 1] == '\r' ? "a carriage return at its end" :
		      memchr(buf, '\0', used) != NULL ? "a NUL byte" : "more than one line",
		      path);
		goto out;
	}
	cfg->bind_password_newline = newline;
	if (cfg->bind_password != NULL) {
		explicit_bzero(cfg->bind_password, strlen(cfg->bind_password));
		free(cfg->bind_password);
	}
	if ((cfg->bind_password = strdup(buf)) == NULL)
		fault(ld, s, key, "out of memory reading %s", path);
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
}

static int
set_defaults(struct config *c, const char *path)
{
	static const struct {
		size_t off;
		const char *value;
	} strs[] = {
		{ OFF(socket_path), CONFIG_DEFAULT_SOCKET },
		{ OFF(notice_file), CONFIG_DEFAULT_NOTICE },
		{ OFF(spool_dir), CONFIG_DEFAULT_SPOOL },
		{ OFF(sendmail), "/usr/sbin/sendmail -t -oi" },
		{ OFF(mail_from), "ecflink@localhost" },
		{ OFF(msg.retired), "This CM/ECF login was linked to a PACER account and can no "
				    "longer be used. Log in with your PACER account to e-file." },
		{ OFF(msg.pacer_search_only),
		  "Your PACER account has PACER Search access only. To e-file, link it to your "
		  "CM/ECF account: Utilities > NextGen Release 1.1 Menu Items > Link a CM/ECF "
		  "account to my PACER account, or the court's linking page." },
		{ OFF(msg.golive_pending),
		  "E-filing with your PACER account opens when the court goes live on %s." },
		{ OFF(msg.legacy_denied),
		  "This court now requires e-filing with a PACER account. Log in with your PACER "
		  "account and link it to this CM/ECF login: Utilities > NextGen Release 1.1 "
		  "Menu Items > Link a CM/ECF account to my PACER account, or the court's "
		  "linking page." },
		{ OFF(msg.redaction_prompt), "I understand that I must redact personal "
					     "identifiers as the rules above require. Continue? "
					     "[y/N] " },
	};
	size_t i;

	if (set_str(&c->path, path) < 0)
		return -1;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (set_str((char **)((char *)c + strs[i].off), strs[i].value) < 0)
			return -1;
	c->network_timeout_ms = 1000;
	c->timeout_ms = 3000;
	c->pool_size = 4;
	c->max_clients = 256;
	c->unlinked_legacy = UNLINKED_LEGACY_ALLOW;
	c->cache_ttl_s = 30;
	c->link_max_failures = 5;
	c->link_window_s = 900;
	c->link_lockout_s = 900;
	c->token_ttl_s = 300;
	c->facility = LOG_AUTHPRIV;
	return 0;
}

/* Reads the whole file (for literal_int); NULL when it cannot, which only
 * weakens the overflow check. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0, used = 0, got;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			char *n = cap >= (1u << 22) ? NULL : realloc(text, cap + 65536);

			if (n == NULL) {
				free(text);
				text = NULL;
				break;
			}
			text = n;
			cap += 65536;
		}
		got = fread(text + used, 1, 4096, f);
		used += got;
		text[used] = '\0';
		if (got < 4096)
			break;
	}
	fclose(f);
	return text;
}

struct config *
config_load(const char *path, config_report_fn report, void *ctx)
{
	struct loader ld = { .path = path, .report = report, .ctx = ctx };
	struct config *cfg = calloc(1, sizeof(*cfg));
	const config_setting_t *root;
	config_t lc;
	char names[256];
	int i, len;
	size_t j;

	config_init(&lc);
	if (cfg == NULL || set_defaults(cfg, path) < 0) {
		fault_file(&ld, NULL, 0, "out of memory");
		goto out;
	}
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
			FILE *f = fopen(path, "re");
			int e = errno;

			if (f != NULL)
				fclose(f);
			fault_file(&ld, NULL, 0, "cannot read the configuration: %s",
				   f != NULL ? "I/O error" : strerror(e));
		} else {
			fault_file(&ld, config_error_file(&lc), config_error_line(&lc),
				   "%s; check this line and the one before for a missing ';', "
				   "'\"' or '}'", config_error_text(&lc));
		}
		goto out;
	}
	ld.text = slurp(path);
	root = config_root_setting(&lc);
	len = config_setting_length(root);
	for (i = 0; i < len; i++) {
		const config_setting_t *gs = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(gs);

		for (j = 0; j < N_GROUPS && strcmp(groups[j].name, name) != 0; j++)
			;
		if (j == N_GROUPS) {
			known_names(names, sizeof(names), NULL);
			fault(&ld, gs, name, "unknown group; known groups are: %s", names);
		} else if (!config_setting_is_group(gs)) {
			fault(&ld, gs, name, "must be a group, like %s: { ... };", name);
		} else {
			walk_group(&ld, cfg, gs, &groups[j]);
		}
	}
	check_required(&ld, root);
	read_bind_password(&ld, cfg);
	if (cfg->write_uri == NULL && cfg->n_uris > 0 &&
	    set_str(&cfg->write_uri, cfg->uris[0]) < 0)
		fault_file(&ld, NULL, 0, "out of memory");
out:
	config_destroy(&lc);
	free(ld.text);
	if (ld.faults > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	char **strs[] = {
		&cfg->path, &cfg->court_name, &cfg->timezone, &cfg->write_uri, &cfg->bind_dn,
		&cfg->bind_password_file, &cfg->pacer_base, &cfg->cmecf_base, &cfg->counter_dn,
		&cfg->ca_file, &cfg->socket_path, &cfg->admin_group, &cfg->frontend_group,
		&cfg->notice_file, &cfg->spool_dir, &cfg->sendmail, &cfg->smtp_url,
		&cfg->mail_from, &cfg->user, &cfg->msg.retired, &cfg->msg.pacer_search_only,
		&cfg->msg.golive_pending, &cfg->msg.legacy_denied, &cfg->msg.redaction_prompt,
	};

	if (cfg->bind_password != NULL) {
		explicit_bzero(cfg->bind_password, strlen(cfg->bind_password));
		free(cfg->bind_password);
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (i = 0; i < cfg->n_uris; i++)
		free(cfg->uris[i]);
	for (i = 0; i < cfg->n_eligible_roles; i++)
		free(cfg->eligible_roles[i]);
	free(cfg);
}

int
config_format_golive(const struct config *cfg, char *buf, size_t len)
{
	struct tm tm;

	if (!cfg->golive_set || localtime_r(&cfg->golive, &tm) == NULL ||
	    strftime(buf, len, "%B %-d, %Y at %-I:%M %p %Z", &tm) == 0) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}
