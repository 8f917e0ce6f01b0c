/*
 * config.h - ecflinkd's configuration: /etc/ecflink/ecflink.conf (libconfig).
 *
 * config_load() sets every default first, then reads the file.  Each fault
 * (syntax, unknown key, wrong type, value out of range, bad URI, a named
 * file that is missing or unreadable) is reported through the report
 * callback as "FILE:LINE: KEY: what is wrong", and loading goes on so that
 * one run lists every fault.  Nothing here contacts LDAP.
 */
#ifndef ECFLINK_CONFIG_H
#define ECFLINK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define CONFIG_DEFAULT_PATH "/etc/ecflink/ecflink.conf"
#define CONFIG_DEFAULT_SOCKET "/run/ecflink/ecflinkd.sock"
#define CONFIG_DEFAULT_NOTICE "/etc/ecflink/redaction-notice.txt"
#define CONFIG_DEFAULT_SPOOL "/var/spool/ecflink"
#define CONFIG_MAX_URIS 16
#define CONFIG_MAX_ROLES 32

enum unlinked_legacy { UNLINKED_LEGACY_ALLOW, UNLINKED_LEGACY_DENY };

/* User-facing texts; each has a built-in default and may be overridden in
 * the messages group.  "%s" in golive_pending is replaced by the go-live
 * date in the court's time zone. */
struct config_messages {
	char *retired;		/* legacy login refused because it is linked */
	char *pacer_search_only; /* PACER account not linked after go-live */
	char *golive_pending;	/* PACER account before go-live */
	char *legacy_denied;	/* unlinked legacy login when policy is deny */
	char *redaction_prompt;	/* question after the notice */
};

struct config {
	char *path;			/* the file read */
	unsigned int generation;	/* set once by live_config_set: 1, 2, ... */

	/* court */
	char *court_name;
	char *timezone;			/* NULL: the system's */
	bool golive_set;
	time_t golive;
	char *link_url;			/* the linking page, for announcements; NULL: unset */

	/* ldap */
	char *uris[CONFIG_MAX_URIS];	/* read URIs, tried in order */
	size_t n_uris;
	char *write_uri;		/* defaults to uris[0] */
	char *bind_dn;
	char *bind_password_file;
	char *bind_password;		/* read from the file; wiped by config_free */
	bool bind_password_newline;	/* the file ended in a newline, not part of it */
	char *pacer_base;
	char *cmecf_base;
	char *counter_dn;
	char *ca_file;			/* TLS CA bundle; NULL: system default */
	bool starttls;
	bool allow_plaintext;		/* a password may go over ldap:// to a remote host */
	int network_timeout_ms;		/* default 1000, 1..60000 */
	int timeout_ms;			/* default 3000, 1..60000 */
	int pool_size;			/* default 4, 1..256 */
	int probe_interval_s;		/* default 30: how often a down server is tried */

	/* socket */
	char *socket_path;
	char *admin_group;		/* NULL: root only */
	char *frontend_group;		/* NULL: root only */
	int max_clients;		/* default 256, 1..4096 */
	int max_per_uid;		/* default 8: an "other" uid's queued or running requests */
	char *private_path;		/* root's and front ends' socket (0660); see config_private_path */

	/* policy */
	enum unlinked_legacy unlinked_legacy;	/* default deny */
	int cache_ttl_s;		/* default 30, 0..86400; 0 = no cache */
	int link_max_failures;		/* default 5 */
	int link_window_s;		/* default 900 */
	int link_lockout_s;		/* default 900 */
	int peer_max_failures;		/* default 20: an "other" uid's, across all logins */
	int alert_interval_s;		/* default 86400: one retired-login mail per account */
	char *eligible_roles[CONFIG_MAX_ROLES];	/* ecfRole values that may link; none = any */
	size_t n_eligible_roles;

	/* redaction */
	char *notice_file;
	bool notice_file_set;		/* written in the file (must exist) */
	int token_ttl_s;		/* default 300 */

	/* mail */
	char *spool_dir;
	bool spool_dir_set;
	char *sendmail;			/* default "/usr/sbin/sendmail -t -oi" */
	char *smtp_url;			/* NULL: use sendmail */
	char *mail_from;		/* default "ecflink@localhost" */
	int rate_per_min;		/* default 60, 1..10000: messages handed to the MTA */
	int mail_warn_after_s;		/* default 3600; 0: never warn */
	bool alert_retired;		/* mail the PACER owner when a retired login is tried */

	/* log */
	int facility;			/* LOG_AUTHPRIV by default */
	bool debug;
	int log_queue_lines;		/* default 4096; applied at start only */

	/* audit */
	char *audit_file;		/* NULL: no audit file */

	/* daemon */
	char *user;			/* NULL: do not change user */

	struct config_messages msg;
};

/* Called once per fault with a complete line (no trailing newline). */
typedef void (*config_report_fn)(void *ctx, const char *line);

/*
 * Loads path into a new config.  Returns it when the file has no fault, or
 * NULL after reporting every fault.  The caller owns the result.
 */
struct config *config_load(const char *path, config_report_fn report, void *ctx);
/* Frees cfg (NULL is fine), wiping the bind password first. */
void config_free(struct config *cfg);

/*
 * Writes the go-live instant as people read it in the court's time zone,
 * e.g. "November 1, 2015 at 12:00 AM CST", for messages.golive_pending.
 * Uses localtime_r, so the daemon sets TZ and calls tzset() once at start.
 * Returns -1 (buf empty) when golive is unset or buf is too small.
 */
int config_format_golive(const struct config *cfg, char *buf, size_t len);

#endif
