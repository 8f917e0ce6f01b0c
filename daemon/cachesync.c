/*
 * cachesync.c - the change stream that keeps the cache current (see
 * cachesync.h).
 */
#include "cachesync.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "clock.h"
#include "ldconn.h"
#include "live_config.h"
#include "log.h"

#define POLL_S 1		/* how often the thread looks at stop and reloads */
#define RETRY_MS 2000		/* between attempts to (re)start the stream */

static struct {
	pthread_t tid;
	bool started;
	atomic_bool stop;
	atomic_bool current;
	bool said_down;		/* the "bypassed" line was written for this outage */
	bool said_up;		/* the "in use" line was written since */
} Y;

bool
cachesync_current(void)
{
	return atomic_load(&Y.current);
}

/*
 * The stream runs (cache usable) or not; one log line when it starts and
 * one per outage.  planned: it stops to start again at once (a reload,
 * or the first server back), which is not worth a line.
 */
static void
set_current(bool on, const char *uri, const char *why, bool planned)
{
	bool was = atomic_exchange(&Y.current, on);

	if (on && !was) {
		cache_clear();	/* changes made while it was down were not seen */
		if (!Y.said_up)
			log_info("account cache in use: change stream from %s is current", uri);
		Y.said_up = true;
		Y.said_down = false;
	} else if (!on && !planned && (was || !Y.said_down)) {
		log_warnx("account cache bypassed: no change stream from %s (%s); every login "
			  "reads the directory until it runs again", uri, why);
		Y.said_down = true;
		Y.said_up = false;
	}
}

/* Drops the cache entries naming the entry's uid and linked PACER login. */
static void
forget(LDAP *ld, LDAPMessage *e)
{
	static const char *attrs[] = { "uid", "ecfLinkedPacer" };
	struct berval **v;
	size_t i, j;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		v = ldap_get_values_len(ld, e, attrs[i]);
		for (j = 0; v != NULL && v[j] != NULL; j++) {
			char login[DIR_LOGIN_MAX + 1];

			if (v[j]->bv_len == 0 || v[j]->bv_len > DIR_LOGIN_MAX)
				continue;
			memcpy(login, v[j]->bv_val, v[j]->bv_len);
			login[v[j]->bv_len] = '\0';
			cache_invalidate(login);
		}
		ldap_value_free_len(v);
	}
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid, ldap_sync_refresh_t phase)
{
	(void)uuid;
	/* A deleted entry comes with its DN only: drop everything. */
	if (phase == LDAP_SYNC_CAPI_DELETE)
		cache_clear();
	else if (phase == LDAP_SYNC_CAPI_ADD || phase == LDAP_SYNC_CAPI_MODIFY)
		forget(ls->ls_ld, msg);
	return 0;
}

static int
on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids, ldap_sync_refresh_t phase)
{
	(void)ls;
	(void)msg;
	(void)uuids;
	if (phase == LDAP_SYNC_CAPI_DONE)
		*(bool *)ls->ls_private = true;
	return 0;
}

static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	(void)ls;
	(void)msg;
	(void)refresh_deletes;
	return 0;
}

/*
 * Runs one stream until it fails, the configuration changes or the thread
 * is told to stop.  why gets the cause of a failure.  True when it ended
 * by plan (a reload, the first server back, a stop): start again at once.
 */
static bool
run_stream(const struct config *cfg, char *uri, size_t urilen, char *why, size_t whylen)
{
	static char *attrs[] = { "uid", "ecfLinkedPacer", NULL };
	struct ldconn_err err = { "" };
	struct ldop op = { cfg, clock_now_ms() + cfg->timeout_ms, &err };
	struct ldconn c;
	ldap_sync_t ls;
	bool done = false;
	int rc;

	ldconn_init(&c, LDCONN_READ);
	snprintf(uri, urilen, "%s", cfg->uris[0]);
	if (ldconn_connect(&c, &op) != DIR_OK) {
		snprintf(why, whylen, "%s", err.msg);
		return false;
	}
	snprintf(uri, urilen, "%s", c.uri);
	ldap_sync_initialize(&ls);
	ls.ls_base = cfg->cmecf_base;
	ls.ls_scope = LDAP_SCOPE_SUBTREE;
	ls.ls_filter = "(objectClass=ecfAccount)";
	ls.ls_attrs = attrs;
	ls.ls_timeout = POLL_S;
	ls.ls_search_entry = on_entry;
	ls.ls_intermediate = on_intermediate;
	ls.ls_search_result = on_result;
	ls.ls_private = &done;
	ls.ls_ld = c.ld;
	rc = ldap_sync_init_refresh_and_persist(&ls);
	if (rc == LDAP_SUCCESS)
		set_current(true, uri, NULL, false);
	while (rc == LDAP_SUCCESS && !atomic_load(&Y.stop)) {
		const struct config *now = live_config_get();
		bool reloaded = now != NULL && now->generation != cfg->generation;

		live_config_put(now);
		if (reloaded || ldconn_would_move(&c, cfg))
			break;	/* start again on the new settings, or the first server */
		rc = ldap_sync_poll(&ls);
	}
	if (rc != LDAP_SUCCESS)
		snprintf(why, whylen, "%s", rc == LDAP_SYNC_REFRESH_REQUIRED
						? "the server asks for a full refresh"
						: ldap_err2string(rc));
	else
		snprintf(why, whylen, "restarting it");
	/* ldap_sync_destroy frees what it was given; ours are not its own. */
	ls.ls_base = NULL;
	ls.ls_filter = NULL;
	ls.ls_attrs = NULL;
	ls.ls_ld = NULL;
	ldap_sync_destroy(&ls, 0);
	ldconn_drop(&c);
	return rc == LDAP_SUCCESS;
}

static void *
sync_main(void *arg)
{
	char uri[512] = "the directory", why[2048] = "";

	(void)arg;
	while (!atomic_load(&Y.stop)) {
		const struct config *cfg = live_config_get();
		struct timespec tick = { 0, 100 * 1000000L };
		int i;

		bool planned = false;

		if (cfg != NULL && cfg->cache_ttl_s > 0) {
			planned = run_stream(cfg, uri, sizeof(uri), why, sizeof(why));
			if (!atomic_load(&Y.stop))
				set_current(false, uri, why, planned);
		} else {
			atomic_store(&Y.current, false);
		}
		live_config_put(cfg);
		for (i = 0; !planned && i < RETRY_MS / 100 && !atomic_load(&Y.stop); i++)
			nanosleep(&tick, NULL);
	}
	return NULL;
}

int
cachesync_start(void)
{
	sigset_t all, old;
	int rc;

	atomic_store(&Y.stop, false);
	atomic_store(&Y.current, false);
	/* Signals are the event loop's (signalfd): the thread blocks them all
	 * from its first instruction. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&Y.tid, NULL, sync_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("cannot start the cache's change stream thread; the cache stays off");
		return -1;
	}
	Y.started = true;
	return 0;
}

void
cachesync_stop(void)
{
	if (!Y.started)
		return;
	atomic_store(&Y.stop, true);
	pthread_join(Y.tid, NULL);
	Y.started = false;
	atomic_store(&Y.current, false);
}
