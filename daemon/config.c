/*
 * config.c - reads /etc/ecflink/ecflink.conf (see config.h).
 *
 * The file is walked group by group against one table of known keys.  A
 * key's line in the table says everything about it: its kind (how the
 * value is checked, config_check.h, and stored), where it goes in struct
 * config, whether it is required, its range and its default; the
 * defaults and config_free() are driven by the same table, so a new key is
 * one table line and one struct field.  Checks that need two keys (the
 * bind password file names ldap.bind_dn in its message, write_uri defaults
 * to uris[0]) run after the walk.
 */
#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <sys/un.h>

#include "config_check.h"
#include "config_read.h"
#include "pwfile.h"
#include "sockio.h"

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
	K_PWFILE,	/* the file is read after the walk */
	K_READFILE,	/* a readable regular file (ca_file) */
	K_NOTICE,
	K_SPOOL,
	K_SOCKPATH,
	K_GROUP,
	K_USER,
	K_SENDMAIL,
	K_SMTPURL,
	K_MAILFROM,
	K_WEBURL,
	K_LEGACY,
	K_FACILITY,
	K_MSG,
	K_MSG_GOLIVE,	/* a message with at most one %s */
	K_AUDITFILE,	/* a file to append to, in an existing directory */
};

/* How a kind's value is held in struct config. */
enum store { S_STR, S_INT, S_BOOL, S_LIST, S_GOLIVE, S_ENUM };

static const struct kind_info {
	enum store store;
	cc_fn check;		/* S_STR and S_LIST elements; NULL: any text */
	bool newline_ok;
} kinds[] = {
	[K_NAME] = { S_STR, NULL, false },
	[K_INT] = { S_INT, NULL, false },
	[K_BOOL] = { S_BOOL, NULL, false },
	[K_DN] = { S_STR, cc_dn, false },
	[K_URI] = { S_STR, cc_uri, false },
	[K_URIS] = { S_LIST, cc_uri, false },
	[K_ROLES] = { S_LIST, NULL, false },
	[K_GOLIVE] = { S_GOLIVE, NULL, false },
	[K_TZ] = { S_STR, cc_timezone, false },
	[K_PWFILE] = { S_STR, cc_abs_path, false },
	[K_READFILE] = { S_STR, cc_readable_file, false },
	[K_NOTICE] = { S_STR, cc_notice_file, false },
	[K_SPOOL] = { S_STR, cc_directory, false },
	[K_SOCKPATH] = { S_STR, cc_socket_path, false },
	[K_GROUP] = { S_STR, cc_group, false },
	[K_USER] = { S_STR, cc_user, false },
	[K_SENDMAIL] = { S_STR, cc_sendmail, false },
	[K_SMTPURL] = { S_STR, cc_smtp_url, false },
	[K_MAILFROM] = { S_STR, cc_mail_from, false },
	[K_WEBURL] = { S_STR, cc_web_url, false },
	[K_LEGACY] = { S_ENUM, NULL, false },
	[K_FACILITY] = { S_ENUM, NULL, false },
	[K_MSG] = { S_STR, NULL, true },
	[K_MSG_GOLIVE] = { S_STR, cc_golive_message, true },
	[K_AUDITFILE] = { S_STR, cc_append_file, false },
};

#define NO_FIELD SIZE_MAX

struct key {
	const char *name;
	enum kind kind;
	size_t off;		/* offsetof(struct config, ...) */
	bool required;
	int min, max;		/* K_INT */
	int idef;		/* default of K_INT, K_BOOL, K_LEGACY, K_FACILITY */
	const char *sdef;	/* default of a string key (NULL: none) */
	size_t count_off;	/* K_URIS, K_ROLES: where the count goes */
	size_t written_off;	/* a bool set when the file sets the key, or NO_FIELD */
};

#define OFF(f) offsetof(struct config, f)
#define STR(n, k, f, req, def) { n, k, OFF(f), req, 0, 0, 0, def, NO_FIELD, NO_FIELD }
#define STR_MARKED(n, k, f, def, mark) { n, k, OFF(f), false, 0, 0, 0, def, NO_FIELD, OFF(mark) }
#define INT(n, f, lo, hi, def) { n, K_INT, OFF(f), false, lo, hi, def, NULL, NO_FIELD, NO_FIELD }
#define FLAG(n, k, f, def) { n, k, OFF(f), false, 0, 0, def, NULL, NO_FIELD, NO_FIELD }
#define LIST(n, k, f, cnt, req) { n, k, OFF(f), req, 0, 0, 0, NULL, OFF(cnt), NO_FIELD }

static const struct key court_keys[] = {
	STR("name", K_NAME, court_name, true, NULL),
	STR("timezone", K_TZ, timezone, false, NULL),
	FLAG("golive", K_GOLIVE, golive, 0),
	STR("link_url", K_WEBURL, link_url, false, NULL),
};

static const struct key ldap_keys[] = {
	LIST("uris", K_URIS, uris, n_uris, true),
	STR("write_uri", K_URI, write_uri, false, NULL),
	STR("bind_dn", K_DN, bind_dn, true, NULL),
	STR("bind_password_file", K_PWFILE, bind_password_file, true, NULL),
	STR("pacer_base", K_DN, pacer_base, true, NULL),
	STR("cmecf_base", K_DN, cmecf_base, true, NULL),
	STR("counter_dn", K_DN, counter_dn, true, NULL),
	STR("ca_file", K_READFILE, ca_file, false, NULL),
	FLAG("starttls", K_BOOL, starttls, false),
	FLAG("allow_plaintext", K_BOOL, allow_plaintext, false),
	INT("network_timeout_ms", network_timeout_ms, 1, 60000, 1000),
	INT("timeout_ms", timeout_ms, 1, 60000, 3000),
	INT("pool_size", pool_size, 1, 256, 4),
	INT("probe_interval_s", probe_interval_s, 1, 3600, 30),
};

static const struct key socket_keys[] = {
	STR("path", K_SOCKPATH, socket_path, false, CONFIG_DEFAULT_SOCKET),
	STR("admin_group", K_GROUP, admin_group, false, NULL),
	STR("frontend_group", K_GROUP, frontend_group, false, NULL),
	INT("max_clients", max_clients, 1, 4096, 256),
	INT("max_per_uid", max_per_uid, 1, 4096, 8),
	STR("private_path", K_SOCKPATH, private_path, false, NULL),
};

static const struct key policy_keys[] = {
	FLAG("unlinked_legacy", K_LEGACY, unlinked_legacy, UNLINKED_LEGACY_DENY),
	INT("cache_ttl_s", cache_ttl_s, 0, 86400, 30),
	INT("link_max_failures", link_max_failures, 1, 100, 5),
	INT("link_window_s", link_window_s, 1, 86400, 900),
	INT("link_lockout_s", link_lockout_s, 1, 86400, 900),
	INT("peer_max_failures", peer_max_failures, 1, 100, 20),
	INT("alert_interval_s", alert_interval_s, 60, 31536000, 86400),
	LIST("eligible_roles", K_ROLES, eligible_roles, n_eligible_roles, false),
};

static const struct key redaction_keys[] = {
	STR_MARKED("notice_file", K_NOTICE, notice_file, CONFIG_DEFAULT_NOTICE, notice_file_set),
	INT("token_ttl_s", token_ttl_s, 10, 3600, 300),
};

static const struct key mail_keys[] = {
	STR_MARKED("spool_dir", K_SPOOL, spool_dir, CONFIG_DEFAULT_SPOOL, spool_dir_set),
	STR("sendmail", K_SENDMAIL, sendmail, false, "/usr/sbin/sendmail -t -oi"),
	STR("smtp_url", K_SMTPURL, smtp_url, false, NULL),
	STR("from", K_MAILFROM, mail_from, false, "ecflink@localhost"),
	INT("rate_per_min", rate_per_min, 1, 10000, 60),
	INT("warn_after_s", mail_warn_after_s, 0, 30 * 86400, 3600),
	FLAG("alert_retired", K_BOOL, alert_retired, false),
};

static const struct key log_keys[] = {
	FLAG("facility", K_FACILITY, facility, LOG_AUTHPRIV),
	FLAG("debug", K_BOOL, debug, false),
	INT("queue_lines", log_queue_lines, 16, 1000000, 4096),
};

static const struct key audit_keys[] = {
	STR("file", K_AUDITFILE, audit_file, false, NULL),
};

static const struct key daemon_keys[] = {
	STR("user", K_USER, user, false, NULL),
};

static const struct key messages_keys[] = {
	STR("retired", K_MSG, msg.retired, false,
	    "This CM/ECF login was linked to a PACER account and can no longer be used. Log "
	    "in with your PACER account to e-file."),
	STR("pacer_search_only", K_MSG, msg.pacer_search_only, false,
	    "Your PACER account has PACER Search access only. To e-file, link it to your "
	    "CM/ECF account: Utilities > NextGen Release 1.1 Menu Items > Link a CM/ECF "
	    "account to my PACER account, or the court's linking page."),
	STR("golive_pending", K_MSG_GOLIVE, msg.golive_pending, false,
	    "E-filing with your PACER account opens when the court goes live on %s."),
	STR("legacy_denied", K_MSG, msg.legacy_denied, false,
	    "This court now requires e-filing with a PACER account. Log in with your PACER "
	    "account and link it to this CM/ECF login: Utilities > NextGen Release 1.1 Menu "
	    "Items > Link a CM/ECF account to my PACER account, or the court's linking page."),
	STR("redaction_prompt", K_MSG, msg.redaction_prompt, false,
	    "I understand that, if I file, I must comply with the redaction rules. I have read "
	    "this notice. [y/N] "),
};

struct key_group {
	const char *name;
	const struct key *keys;	/* NULL: another program's group, skipped */
	size_t n_keys;
};

#define GROUP(g) { #g, g##_keys, sizeof(g##_keys) / sizeof(g##_keys[0]) }

static const struct key_group groups[] = {
	GROUP(court), GROUP(ldap), GROUP(socket), GROUP(policy), GROUP(redaction),
	GROUP(mail), GROUP(log), GROUP(audit), GROUP(daemon), GROUP(messages),
	{ "web", NULL, 0 },	/* ecflink-web's */
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static void *
slot_of(struct config *cfg, size_t off)
{
	return (char *)cfg + off;
}

/* Checks and stores a string-valued key. */
static void
apply_string(struct loader *ld, struct config *cfg, const config_setting_t *s, const char *key,
	     const struct key *k)
{
	const struct kind_info *ki = &kinds[k->kind];
	const char *v = get_string(ld, s, key);
	char why[LINE_MAX_REPORT];

	if (v == NULL)
		return;
	if (cc_has_control(v, ki->newline_ok)) {
		fault(ld, s, key, "must not contain control characters");
		return;
	}
	if (k->kind == K_PWFILE)
		ld->pwfile = s;
	if (ki->check != NULL && ki->check(v, why, sizeof(why)) < 0) {
		fault(ld, s, key, "%s", why);
		return;
	}
	if (set_str(slot_of(cfg, k->off), v) < 0)
		fault(ld, s, key, "out of memory");
}

/* Checks and stores a named value: golive, unlinked_legacy, facility. */
static void
apply_named(struct loader *ld, struct config *cfg, const config_setting_t *s, const char *key,
	    const struct key *k)
{
	const char *v = get_string(ld, s, key);
	char why[256];

	if (v == NULL)
		return;
	if (k->kind == K_GOLIVE) {
		if (cc_golive(v, &cfg->golive, why, sizeof(why)) < 0)
			fault(ld, s, key, "\"%s\" %s (example: \"2015-11-01T00:00:00-05:00\")", v,
			      why);
		else
			cfg->golive_set = true;
	} else if (k->kind == K_FACILITY) {
		if (cc_facility(v, slot_of(cfg, k->off), why, sizeof(why)) < 0)
			fault(ld, s, key, "%s", why);
	} else if (strcmp(v, "allow") == 0 || strcmp(v, "deny") == 0) {
		cfg->unlinked_legacy = v[0] == 'a' ? UNLINKED_LEGACY_ALLOW : UNLINKED_LEGACY_DENY;
	} else {
		fault(ld, s, key, "must be \"allow\" or \"deny\" (got \"%s\")", v);
	}
}

/* Frees the strings of a list key and empties it. */
static void
clear_list(struct config *cfg, const struct key *k)
{
	char **slots = slot_of(cfg, k->off);
	size_t *n = slot_of(cfg, k->count_off), i;

	for (i = 0; i < *n; i++)
		set_str(&slots[i], NULL);
	*n = 0;
}

/* Checks and stores one key of a known group. */
static void
apply_key(struct loader *ld, struct config *cfg, const config_setting_t *s, const char *key,
	  const struct key *k)
{
	const struct kind_info *ki = &kinds[k->kind];

	if (k->written_off != NO_FIELD)
		*(bool *)slot_of(cfg, k->written_off) = true;
	switch (ki->store) {
	case S_INT:
		get_int(ld, s, key, k->min, k->max, slot_of(cfg, k->off));
		break;
	case S_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			fault(ld, s, key, "must be true or false, not %s", type_name(s));
		else
			*(bool *)slot_of(cfg, k->off) = config_setting_get_bool(s) != 0;
		break;
	case S_LIST:
		clear_list(cfg, k);
		get_str_list(ld, s, key,
			     &(struct str_list){ slot_of(cfg, k->off), k->kind == K_URIS ?
				     CONFIG_MAX_URIS : CONFIG_MAX_ROLES, slot_of(cfg, k->count_off) },
			     ki->check);
		if (k->kind == K_URIS && config_setting_is_aggregate(s) &&
		    config_setting_length(s) == 0)
			fault(ld, s, key, "must list at least one URI, like "
					  "[ \"ldap://127.0.0.1:389\" ]");
		break;
	case S_GOLIVE:
	case S_ENUM:
		apply_named(ld, cfg, s, key, k);
		break;
	case S_STR:
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
 * socket.private_path defaults to the name beside socket.path that
 * pam_ecflink derives the same way (sockio_private_path); the two must
 * differ.
 */
static void
default_private_path(struct loader *ld, struct config *cfg)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (cfg->socket_path == NULL)
		return;
	if (cfg->private_path == NULL) {
		if (sockio_private_path(cfg->socket_path, path, sizeof(path)) < 0)
			fault(ld, NULL, "socket.path", "%s is too long to name the private socket "
			      "beside it; set socket.private_path", cfg->socket_path);
		else if (set_str(&cfg->private_path, path) < 0)
			fault_file(ld, NULL, 0, "out of memory");
		return;
	}
	if (strcmp(cfg->private_path, cfg->socket_path) == 0)
		fault(ld, NULL, "socket.private_path", "is socket.path (%s) as well; the private "
		      "socket needs its own name", cfg->socket_path);
}

/* No password over plain ldap:// beyond loopback, unless StartTLS
 * protects it or ldap.allow_plaintext says the path is safe. */
static void
check_plaintext(struct loader *ld, const struct config *cfg)
{
	char why[LINE_MAX_REPORT];
	size_t i;

	if (cfg->starttls || cfg->allow_plaintext)
		return;
	for (i = 0; i < cfg->n_uris; i++)
		if (cc_uri_plaintext(cfg->uris[i], why, sizeof(why)) < 0)
			fault(ld, NULL, "ldap.uris", "%s", why);
	if (cfg->write_uri != NULL && cc_uri_plaintext(cfg->write_uri, why, sizeof(why)) < 0)
		fault(ld, NULL, "ldap.write_uri", "%s", why);
}

/*
 * Reads the bind password file named by ldap.bind_password_file, as
 * OpenLDAP's "ldapwhoami -y" does (config_check.h cc_password_file).
 */
static void
read_bind_password(struct loader *ld, struct config *cfg)
{
	char who[512], why[LINE_MAX_REPORT];

	if (cfg->bind_password_file == NULL)
		return;
	if (cfg->bind_dn != NULL)
		snprintf(who, sizeof(who), "ldap.bind_dn (%s)", cfg->bind_dn);
	else
		snprintf(who, sizeof(who), "ldap.bind_dn");
	if (pwfile_read(cfg->bind_password_file, who, cfg->user, &cfg->bind_password,
			     &cfg->bind_password_newline, why, sizeof(why)) < 0)
		fault(ld, ld->pwfile, "ldap.bind_password_file", "%s", why);
}

/* Sets every key's default, as its table line says. */
static int
set_defaults(struct config *c, const char *path)
{
	size_t i, j;

	if (set_str(&c->path, path) < 0)
		return -1;
	for (i = 0; i < N_GROUPS; i++) {
		for (j = 0; j < groups[i].n_keys; j++) {
			const struct key *k = &groups[i].keys[j];

			switch (kinds[k->kind].store) {
			case S_STR:
				if (set_str(slot_of(c, k->off), k->sdef) < 0)
					return -1;
				break;
			case S_INT:
			case S_ENUM:
				*(int *)slot_of(c, k->off) = k->idef;
				break;
			case S_BOOL:
				*(bool *)slot_of(c, k->off) = k->idef != 0;
				break;
			case S_LIST:
			case S_GOLIVE:
				break;	/* empty, unset */
			}
		}
	}
	return 0;
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
		} else if (groups[j].keys != NULL) {
			walk_group(&ld, cfg, gs, &groups[j]);
		}
	}
	check_required(&ld, root);
	read_bind_password(&ld, cfg);
	if (cfg->write_uri == NULL && cfg->n_uris > 0 &&
	    set_str(&cfg->write_uri, cfg->uris[0]) < 0)
		fault_file(&ld, NULL, 0, "out of memory");
	default_private_path(&ld, cfg);
	check_plaintext(&ld, cfg);
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
	size_t i, j;

	if (cfg == NULL)
		return;
	if (cfg->bind_password != NULL) {
		explicit_bzero(cfg->bind_password, strlen(cfg->bind_password));
		free(cfg->bind_password);
	}
	free(cfg->path);
	for (i = 0; i < N_GROUPS; i++) {
		for (j = 0; j < groups[i].n_keys; j++) {
			const struct key *k = &groups[i].keys[j];

			if (kinds[k->kind].store == S_STR)
				free(*(char **)slot_of(cfg, k->off));
			else if (kinds[k->kind].store == S_LIST)
				clear_list(cfg, k);
		}
	}
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
