/*
 * reload.c - SIGHUP: the configuration read again (see reload.h).
 */
#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "audit.h"
#include "cache.h"
#include "events.h"
#include "live_config.h"
#include "log.h"
#include "redaction.h"
#include "share.h"

/* What a failed reload found: its first fault and how many there were. */
struct reload_faults {
	char first[400];
	int n;
};

static void
report_fault(void *ctx, const char *line)
{
	struct reload_faults *f = ctx;

	if (f->n++ == 0)
		snprintf(f->first, sizeof(f->first), "%s", line);
}

/* Puts back the running value of a string key that needs a restart. */
static void
keep_str(char **field, const char *running, const char *key)
{
	if ((*field == NULL) == (running == NULL) && (running == NULL || !strcmp(*field, running)))
		return;
	log_warnx("reload: %s changed; restart ecflinkd to apply it", key);
	free(*field);
	*field = running ? strdup(running) : NULL;
}

/* Keys that cannot change without a restart keep their running value. */
static void
keep_static(const struct config *cur, struct config *ncfg)
{
	keep_str(&ncfg->socket_path, cur->socket_path, "socket.path");
	keep_str(&ncfg->private_path, cur->private_path, "socket.private_path");
	keep_str(&ncfg->user, cur->user, "daemon.user");
	keep_str(&ncfg->timezone, cur->timezone, "court.timezone");
	if (cur->pool_size != ncfg->pool_size) {
		log_warnx("reload: ldap.pool_size changed; restart ecflinkd to apply it");
		ncfg->pool_size = cur->pool_size;
	}
	if (cur->max_clients != ncfg->max_clients) {
		log_warnx("reload: socket.max_clients changed; restart ecflinkd to apply it");
		ncfg->max_clients = cur->max_clients;
	}
	if (cur->facility != ncfg->facility)
		log_warnx("reload: log.facility changed; restart ecflinkd to apply it");
	if (cur->log_queue_lines != ncfg->log_queue_lines) {
		log_warnx("reload: log.queue_lines changed; restart ecflinkd to apply it");
		ncfg->log_queue_lines = cur->log_queue_lines;
	}
}

void
reload_config(const char *path, uid_t sender)
{
	struct reload_faults faults = { "", 0 };
	const struct config *cur;
	struct config *ncfg;
	char detail[600];

	sd_notify(0, "RELOADING=1");
	ncfg = config_load(path, report_fault, &faults);
	if (ncfg == NULL) {
		/* One line: the first fault says what to fix, ecflinkd -t lists all. */
		snprintf(detail, sizeof(detail), "%s%s; the running configuration is kept",
			 faults.first[0] ? faults.first : path,
			 faults.n > 1 ? " (and more: ecflinkd -t lists them)" : "");
		event_reload(sender, "error", "config_invalid", detail);
		sd_notify(0, "READY=1");
		return;
	}
	cur = live_config_get();
	keep_static(cur, ncfg);
	live_config_put(cur);
	log_set_debug(ncfg->debug);
	share_set_per_uid((size_t)ncfg->max_per_uid);
	live_config_set(ncfg);
	cache_clear();
	cur = live_config_get();
	redaction_load(cur);
	audit_open(cur->audit_file);	/* reopened: logrotate's postrotate reloads */
	live_config_put(cur);
	event_reload(sender, "ok", NULL, NULL);
	sd_notify(0, "READY=1");
}
