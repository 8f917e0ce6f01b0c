/*
 * webconf.c - reads ecflink-web's settings (see webconf.h).
 */
#include "webconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#define LOGO_MAX (256 * 1024)
#define TEXT_MAX 1024

struct loader {
	const char *path;
	webconf_report_fn report;
	void *ctx;
	int faults;
};

/* Reports "FILE:LINE: KEY: message" for setting s (line 0 when s is NULL). */
__attribute__((format(printf, 4, 5))) static void
fault(struct loader *ld, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char msg[TEXT_MAX], line[TEXT_MAX + 512];
	const char *file = NULL;
	unsigned lineno = 0;
	va_list ap;

	ld->faults++;
	if (s != NULL) {
		file = config_setting_source_file(s);
		lineno = config_setting_source_line(s);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%u: %s: %s", file ? file : ld->path, lineno, key, msg);
	ld->report(ld->ctx, line);
}

static int
set_str(char **dst, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

/* True when v is non-empty text without control bytes. */
static bool
plain_text(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The string value of s, or NULL after a fault naming its type. */
static const char *
string_of(struct loader *ld, const config_setting_t *s, const char *key)
{
	const char *v = config_setting_get_string(s);

	if (v == NULL)
		fault(ld, s, key, "must be a string in double quotes");
	return v;
}

static void
store_text(struct loader *ld, const config_setting_t *s, const char *key, char **dst)
{
	const char *v = string_of(ld, s, key);

	if (v == NULL)
		return;
	if (!plain_text(v) || strlen(v) > TEXT_MAX)
		fault(ld, s, key, "must be text of 1 to %d bytes without control characters",
		      TEXT_MAX);
	else if (set_str(dst, v) < 0)
		fault(ld, s, key, "out of memory");
}

static void
store_int(struct loader *ld, const config_setting_t *s, const char *key, int *dst, int min,
	  int max)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		fault(ld, s, key, "must be a whole number without quotes (%d..%d)", min, max);
		return;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		fault(ld, s, key, "%lld is out of range; use %d..%d", v, min, max);
		return;
	}
	*dst = (int)v;
}

int
webconf_parse_net(const char *s, struct webconf_net *n)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long bits;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	n->prefix = max;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (errno || end == slash || *end != '\0' || bits < 0 || bits > max)
			return -1;
		n->prefix = (int)bits;
	}
	return 0;
}

/* "HOST:PORT" with a numeric IPv4 host or "[IPv6]:PORT". */
static int
parse_listen(const char *v, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2], *end;
	const char *colon;
	unsigned long port;
	size_t hl;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		hl = (size_t)(close - v - 1);
		colon = close + 1;
		v++;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - v);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, v, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end != '\0' || port == 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

/* http(s)://HOST[:PORT][/PATH], no query, fragment, quote or space. */
static int
parse_base_url(struct webconf *c, const char *v)
{
	const char *rest, *slash, *p;
	size_t n;

	if (strncmp(v, "https://", 8) == 0) {
		c->https = true;
		rest = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		c->https = false;
		rest = v + 7;
	} else {
		return -1;
	}
	for (p = v; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p) || strchr("\"'<>\\?#`", *p) != NULL)
			return -1;
	slash = strchr(rest, '/');
	if (slash == rest || rest[0] == '\0')
		return -1;
	n = strlen(v);
	while (n > (size_t)(rest - v) && v[n - 1] == '/')
		n--;
	free(c->base_url);
	c->base_url = strndup(v, n);
	free(c->prefix);
	if (slash == NULL || slash >= v + n)
		c->prefix = strdup("");
	else
		c->prefix = strndup(slash, (size_t)(v + n - slash));
	return c->base_url && c->prefix ? 0 : -1;
}

static void
store_logo(struct loader *ld, const config_setting_t *s, const char *key, struct webconf *c)
{
	const char *v = string_of(ld, s, key), *dot;
	struct stat st;

	if (v == NULL)
		return;
	dot = strrchr(v, '.');
	if (v[0] != '/') {
		fault(ld, s, key, "must be an absolute path");
	} else if (dot == NULL || (strcasecmp(dot, ".png") != 0 && strcasecmp(dot, ".svg") != 0 &&
				   strcasecmp(dot, ".jpg") != 0 && strcasecmp(dot, ".jpeg") != 0 &&
				   strcasecmp(dot, ".gif") != 0)) {
		fault(ld, s, key, "%s: the image must be .png, .svg, .jpg, .jpeg or .gif", v);
	} else if (stat(v, &st) < 0) {
		fault(ld, s, key, "%s: %s", v, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		fault(ld, s, key, "%s is not a regular file", v);
	} else if (st.st_size == 0 || st.st_size > LOGO_MAX) {
		fault(ld, s, key, "%s is %lld bytes; a logo must be 1..%d bytes", v,
		      (long long)st.st_size, LOGO_MAX);
	} else if (set_str(&c->logo, v) < 0) {
		fault(ld, s, key, "out of memory");
	}
}

static void
store_proxies(struct loader *ld, const config_setting_t *s, const char *key, struct webconf *c)
{
	int i, n;

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		fault(ld, s, key, "must be a list of addresses, like [ \"127.0.0.1\", \"::1\" ]");
		return;
	}
	n = config_setting_length(s);
	if (n > WEBCONF_MAX_PROXIES) {
		fault(ld, s, key, "%d entries; at most %d", n, WEBCONF_MAX_PROXIES);
		return;
	}
	c->n_proxies = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL || webconf_parse_net(v, &c->proxies[c->n_proxies]) < 0) {
			fault(ld, e, key, "entry %d is not an IPv4 or IPv6 address, optionally "
					  "with /bits", i + 1);
			continue;
		}
		c->n_proxies++;
	}
}

/* True for a header name (RFC 9110 token of letters, digits, - and _). */
static bool
header_name(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64)
		return false;
	for (; *v != '\0'; v++)
		if (!isalnum((unsigned char)*v) && *v != '-' && *v != '_')
			return false;
	return true;
}

static const char *const web_keys[] = {
	"listen", "trust_header", "trusted_proxies", "base_url", "contact", "logo",
	"session_idle_s", "timeout_ms", "login_max_failures", "login_window_s",
	"login_lockout_s", "max_sessions",
};

static void
walk_web(struct loader *ld, struct webconf *c, const config_setting_t *gs)
{
	int i, len = config_setting_length(gs);
	char key[160], names[512];

	for (i = 0; i < len; i++) {
		const config_setting_t *s = config_setting_get_elem(gs, (unsigned)i);
		const char *name = config_setting_name(s), *v;

		snprintf(key, sizeof(key), "web.%s", name);
		if (strcmp(name, "listen") == 0) {
			if ((v = string_of(ld, s, key)) == NULL)
				continue;
			if (parse_listen(v, &c->listen, &c->listen_len) < 0)
				fault(ld, s, key, "\"%s\" is not ADDRESS:PORT with a numeric address, "
						  "like \"127.0.0.1:8080\" or \"[::1]:8080\"", v);
			else if (set_str(&c->listen_text, v) < 0)
				fault(ld, s, key, "out of memory");
		} else if (strcmp(name, "trust_header") == 0) {
			if ((v = string_of(ld, s, key)) == NULL)
				continue;
			if (!header_name(v))
				fault(ld, s, key, "\"%s\" is not a header name (letters, digits, - "
						  "and _, at most 64)", v);
			else if (set_str(&c->trust_header, v) < 0)
				fault(ld, s, key, "out of memory");
		} else if (strcmp(name, "trusted_proxies") == 0) {
			store_proxies(ld, s, key, c);
		} else if (strcmp(name, "base_url") == 0) {
			if ((v = string_of(ld, s, key)) == NULL)
				continue;
			if (parse_base_url(c, v) < 0)
				fault(ld, s, key, "\"%s\" is not an http:// or https:// URL without a "
						  "query or fragment", v);
		} else if (strcmp(name, "contact") == 0) {
			store_text(ld, s, key, &c->contact);
		} else if (strcmp(name, "logo") == 0) {
			store_logo(ld, s, key, c);
		} else if (strcmp(name, "session_idle_s") == 0) {
			store_int(ld, s, key, &c->session_idle_s, 60, 86400);
		} else if (strcmp(name, "timeout_ms") == 0) {
			store_int(ld, s, key, &c->timeout_ms, 100, 60000);
		} else if (strcmp(name, "login_max_failures") == 0) {
			store_int(ld, s, key, &c->login_max_failures, 1, 100);
		} else if (strcmp(name, "login_window_s") == 0) {
			store_int(ld, s, key, &c->login_window_s, 1, 86400);
		} else if (strcmp(name, "login_lockout_s") == 0) {
			store_int(ld, s, key, &c->login_lockout_s, 1, 86400);
		} else if (strcmp(name, "max_sessions") == 0) {
			store_int(ld, s, key, &c->max_sessions, 16, 1000000);
		} else {
			size_t j, used = 0;

			names[0] = '\0';
			for (j = 0; j < sizeof(web_keys) / sizeof(web_keys[0]); j++)
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
							 j ? ", " : "", web_keys[j]);
			fault(ld, s, key, "unknown key; known keys in web are: %s", names);
		}
	}
}

/* The shared keys: court.name and socket.path; the rest is ecflinkd's. */
static void
walk_shared(struct loader *ld, struct webconf *c, const config_setting_t *root)
{
	const config_setting_t *court = config_setting_get_member(root, "court");
	const config_setting_t *sock = config_setting_get_member(root, "socket"), *s;
	struct sockaddr_un sun;
	const char *v;

	s = court != NULL ? config_setting_get_member(court, "name") : NULL;
	if (s == NULL)
		fault(ld, court, "court.name",
		      "required key missing (ecflink-web shows it on every page)");
	else
		store_text(ld, s, "court.name", &c->court_name);
	s = sock != NULL ? config_setting_get_member(sock, "path") : NULL;
	if (s != NULL && (v = string_of(ld, s, "socket.path")) != NULL) {
		if (v[0] != '/' || strlen(v) >= sizeof(sun.sun_path))
			fault(ld, s, "socket.path", "must be an absolute path of at most %zu bytes",
			      sizeof(sun.sun_path) - 1);
		else if (set_str(&c->socket_path, v) < 0)
			fault(ld, s, "socket.path", "out of memory");
	}
}

static int
set_defaults(struct webconf *c, const char *path)
{
	c->session_idle_s = 900;
	c->timeout_ms = 5000;
	c->login_max_failures = 5;
	c->login_window_s = 900;
	c->login_lockout_s = 900;
	c->max_sessions = 10000;
	if (parse_listen("127.0.0.1:8080", &c->listen, &c->listen_len) < 0)
		return -1;
	if (set_str(&c->path, path) < 0 || set_str(&c->listen_text, "127.0.0.1:8080") < 0 ||
	    set_str(&c->socket_path, WEBCONF_DEFAULT_SOCKET) < 0 ||
	    set_str(&c->prefix, "") < 0 || set_str(&c->base_url, "") < 0 ||
	    set_str(&c->contact, "Contact the Clerk's Office of the court.") < 0)
		return -1;
	return 0;
}

struct webconf *
webconf_load(const char *path, webconf_report_fn report, void *ctx)
{
	struct loader ld = { .path = path, .report = report, .ctx = ctx };
	struct webconf *c = calloc(1, sizeof(*c));
	const config_setting_t *root, *web;
	char line[TEXT_MAX + 512];
	config_t lc;

	config_init(&lc);
	if (c == NULL || set_defaults(c, path) < 0) {
		snprintf(line, sizeof(line), "%s: out of memory", path);
		report(ctx, line);
		ld.faults++;
		goto out;
	}
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		ld.faults++;
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
			FILE *f = fopen(path, "re");
			int e = errno;

			if (f != NULL)
				fclose(f);
			snprintf(line, sizeof(line), "%s: cannot read the configuration: %s", path,
				 f != NULL ? "I/O error" : strerror(e));
		} else {
			snprintf(line, sizeof(line),
				 "%s:%d: %s; check this line and the one before for a missing ';', "
				 "'\"' or '}'",
				 config_error_file(&lc) ? config_error_file(&lc) : path,
				 config_error_line(&lc), config_error_text(&lc));
		}
		report(ctx, line);
		goto out;
	}
	root = config_root_setting(&lc);
	web = config_setting_get_member(root, "web");
	if (web != NULL && !config_setting_is_group(web))
		fault(&ld, web, "web", "must be a group, like web: { listen = \"127.0.0.1:8080\"; };");
	else if (web != NULL)
		walk_web(&ld, c, web);
	walk_shared(&ld, c, root);
	if (c->trust_header != NULL && c->n_proxies == 0)
		fault(&ld, config_setting_get_member(web, "trust_header"), "web.trust_header",
		      "set web.trusted_proxies too: the header is believed only from them");
out:
	config_destroy(&lc);
	if (ld.faults > 0) {
		webconf_free(c);
		return NULL;
	}
	return c;
}

void
webconf_free(struct webconf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->court_name);
	free(c->socket_path);
	free(c->listen_text);
	free(c->trust_header);
	free(c->base_url);
	free(c->prefix);
	free(c->contact);
	free(c->logo);
	free(c);
}

static bool
net_match(const struct webconf_net *n, const unsigned char *addr)
{
	int full = n->prefix / 8, rest = n->prefix % 8;

	if (memcmp(n->addr, addr, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((n->addr[full] ^ addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

bool
webconf_trusted(const struct webconf *c, const struct sockaddr *sa)
{
	unsigned char a[16];
	int family;
	size_t i;

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			memcpy(a, in6->s6_addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(a, in6->s6_addr, 16);
			family = AF_INET6;
		}
	} else {
		return false;
	}
	for (i = 0; i < c->n_proxies; i++)
		if (c->proxies[i].family == family && net_match(&c->proxies[i], a))
			return true;
	return false;
}
