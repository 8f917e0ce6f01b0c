/*
 * webconf.h - ecflink-web's settings from /etc/ecflink/ecflink.conf.
 *
 * The file is ecflinkd's (see ecflink.conf(5)).  ecflink-web reads its own
 * group, web, in full, and from the daemon's groups only the two keys it
 * shares: court.name (the pages' heading) and socket.path (where to ask).
 * Every other group and key is ecflinkd's business and is ignored here, as
 * ecflinkd ignores the web group.  Faults are reported as
 * "FILE:LINE: KEY: what is wrong", one call of report each.
 */
#ifndef ECFLINK_WEBCONF_H
#define ECFLINK_WEBCONF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define WEBCONF_DEFAULT_PATH "/etc/ecflink/ecflink.conf"
#define WEBCONF_DEFAULT_SOCKET "/run/ecflink/ecflinkd.sock"
#define WEBCONF_MAX_PROXIES 32

/* One address or network in web.trusted_proxies. */
struct webconf_net {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;			/* bits that must match */
};

struct webconf {
	char *path;
	char *court_name;		/* court.name */
	char *socket_path;		/* socket.path */
	struct sockaddr_storage listen;	/* web.listen */
	socklen_t listen_len;
	char *listen_text;
	char *trust_header;		/* web.trust_header; NULL: SSO off */
	struct webconf_net proxies[WEBCONF_MAX_PROXIES];
	size_t n_proxies;
	char *base_url;			/* web.base_url, without a trailing slash */
	char *prefix;			/* its path: "" or "/link" */
	bool https;			/* base_url is https:// */
	char *contact;			/* web.contact */
	char *logo;			/* web.logo: path of an image file; NULL: none */
	int session_idle_s;
	int timeout_ms;			/* each round trip to ecflinkd */
	int login_max_failures, login_window_s, login_lockout_s;
	int max_sessions;
};

typedef void (*webconf_report_fn)(void *ctx, const char *line);

/* Loads path; NULL after reporting every fault (or running out of memory). */
struct webconf *webconf_load(const char *path, webconf_report_fn report, void *ctx);
void webconf_free(struct webconf *c);

/* True when addr (AF_INET or AF_INET6, v4-mapped v6 taken as v4) is in
 * web.trusted_proxies. */
bool webconf_trusted(const struct webconf *c, const struct sockaddr *addr);

/* Parses "1.2.3.4", "::1" or either with "/bits" into n; 0 or -1. */
int webconf_parse_net(const char *s, struct webconf_net *n);

#endif
