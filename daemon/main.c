/*
 * main.c - ecflinkd: start-up, privilege drop, and shutdown.
 *
 *   ecflinkd [-d] [-f FILE]   run (in the foreground; -d also logs to stderr)
 *   ecflinkd -t [-f FILE]     check the configuration and exit 0 or 1
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cache.h"
#include "cachesync.h"
#include "clock.h"
#include "config.h"
#include "events.h"
#include "ldconn.h"
#include "link.h"
#include "listen.h"
#include "live_config.h"
#include "log.h"
#include "mailer.h"
#include "mailq.h"
#include "mta.h"
#include "redaction.h"
#include "rundir.h"
#include "server.h"
#include "settle.h"
#include "spool.h"

/* How often expired tokens and cache entries are dropped. */
#define SWEEP_INTERVAL_MS 1000
/* How often a worker looks for link notices a lost answer left pending. */
#define RECONCILE_INTERVAL_MS (300 * 1000)
/* How often the probe timer looks whether ldap.probe_interval_s is up. */
#define PROBE_TICK_MS 1000

/* Drops expired redaction questions, link preparations and cache entries. */
static void
sweep(struct worker *w)
{
	(void)w;
	redaction_sweep(false, event_redaction_unanswered);
	link_sweep(0);
	cache_sweep();
}

/* At stop: what is still waiting is logged as never answered. */
static void
sweep_all(void)
{
	redaction_sweep(true, event_redaction_unanswered);
	link_sweep(1);
}

/* Every ldap.probe_interval_s, a worker tries the servers marked down. */
static void
probe(struct worker *w)
{
	static pthread_mutex_t running = PTHREAD_MUTEX_INITIALIZER;
	static int64_t next;
	const struct config *cfg;

	(void)w;
	if (pthread_mutex_trylock(&running) != 0)
		return;		/* a probe of a slow server is still under way */
	cfg = live_config_get();
	if (cfg != NULL && clock_now_ms() >= next) {
		next = clock_now_ms() + (int64_t)cfg->probe_interval_s * 1000;
		ldconn_probe(cfg);
	}
	live_config_put(cfg);
	pthread_mutex_unlock(&running);
}

static const struct server_timer timers[] = {
	{ "sweep", SWEEP_INTERVAL_MS, false, sweep, sweep_all },
	{ "reconcile", RECONCILE_INTERVAL_MS, true, settle_stale, NULL },
	{ "probe", PROBE_TICK_MS, true, probe, NULL },
};

static void
usage(void)
{
	fprintf(stderr, "usage: ecflinkd [-dtV] [-f config-file]\n"
			"  -d  log to stderr as well as syslog\n"
			"  -f  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
			"  -t  check the configuration, print each fault, and exit\n"
			"  -V  print the version and exit\n");
	exit(2);
}

static void
print_fault(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void
log_fault(void *ctx, const char *line)
{
	(void)ctx;
	log_warnx("%s", line);
}

/* Warns about default paths that do not exist (an error only when used). */
static void
check_default_paths(const struct config *cfg, void (*warn)(void *, const char *))
{
	char line[1024];
	struct stat st;

	if (!cfg->notice_file_set && stat(cfg->notice_file, &st) < 0) {
		snprintf(line, sizeof(line),
			 "warning: redaction.notice_file %s: %s; PAM services using the "
			 "'redaction' argument will fail closed",
			 cfg->notice_file, strerror(errno));
		warn(NULL, line);
	}
	if (!cfg->spool_dir_set && stat(cfg->spool_dir, &st) < 0) {
		snprintf(line, sizeof(line),
			 "warning: mail.spool_dir %s: %s; link notifications cannot be spooled",
			 cfg->spool_dir, strerror(errno));
		warn(NULL, line);
	}
	if (cfg->smtp_url == NULL && access(mta_helper(), X_OK) < 0) {
		snprintf(line, sizeof(line),
			 "warning: mail.sendmail runs under the helper %s: %s; notices stay in "
			 "the spool until it is installed again (it comes with ecflinkd)",
			 mta_helper(), strerror(errno));
		warn(NULL, line);
	}
}

static int
check_only(const char *path)
{
	struct config *cfg = config_load(path, print_fault, NULL);

	if (cfg == NULL) {
		fprintf(stderr, "%s: configuration has errors; ecflinkd would not start\n", path);
		return 1;
	}
	check_default_paths(cfg, print_fault);
	if (cfg->bind_password_newline)
		fprintf(stderr, "warning: ldap.bind_password_file %s ends in a newline: ecflinkd "
				"drops it, but ldapwhoami -y and the other OpenLDAP tools would send "
				"it as part of the password; write the file without one: printf "
				"'%%s' PASSWORD > %s\n",
			cfg->bind_password_file, cfg->bind_password_file);
	printf("%s: configuration OK\n", path);
	config_free(cfg);
	return 0;
}

/*
 * No core file and no ptrace by other processes of the same user: the
 * process holds the bind password and users' passwords in flight.
 */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		fatal("setrlimit RLIMIT_CORE 0");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("prctl PR_SET_DUMPABLE");
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL)
		fatalx("daemon.user %s: no such user", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0)
		fatal("initgroups for %s", user);
	if (setgid(pw->pw_gid) < 0)
		fatal("setgid %d", (int)pw->pw_gid);
	if (setuid(pw->pw_uid) < 0)
		fatal("setuid %d", (int)pw->pw_uid);
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || getegid() != pw->pw_gid)
		fatalx("privilege drop to %s did not take", user);
}

/*
 * Settles notices a crash left pending: each one's link either happened
 * (the notice goes out) or did not (it is dropped).  Needs the directory;
 * what it cannot decide now waits for the next start.
 */
static void
reconcile_spool(const struct config *cfg)
{
	struct worker *w;
	int left;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		fatal("reconcile");
	dir_conns_init(&w->dc);
	left = spool_reconcile(cfg, settle_txn_holder, w);
	if (left > 0)
		log_warnx("%d pending link notices could not be settled now (directory "
			  "unavailable); they are settled at the next start", left);
	dir_conns_close(&w->dc);
	free(w);
}

/* The socket's directory: made when missing (no systemd RuntimeDirectory=). */
static void
check_socket_dir(const char *key, const char *path, const char *user)
{
	char err[4200];
	bool created;

	if (rundir_ensure(path, user, &created, err, sizeof(err)) < 0)
		fatalx("%s %s", key, err);
	if (created && user != NULL && geteuid() == 0)
		log_info("made the directory of %s %s, owned by %s", key, path, user);
	else if (created)
		log_info("made the directory of %s %s", key, path);
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	bool foreground = false, test = false;
	struct config *cfg;
	char *sock, *psock;
	int ch, lfd, pfd, rc;

	while ((ch = getopt(argc, argv, "df:tVh")) != -1) {
		switch (ch) {
		case 'd':
			foreground = true;
			break;
		case 'f':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'V':
			printf("ecflinkd %s\n", ECFLINK_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (test)
		return check_only(path);

	harden();
	log_init(LOG_AUTHPRIV, false, true);
	cfg = config_load(path, log_fault, NULL);
	if (cfg == NULL)
		fatalx("%s: configuration has errors (run ecflinkd -t -f %s)", path, path);
	/* Before any thread exists: localtime_r reads TZ only here. */
	if (cfg->timezone != NULL && setenv("TZ", cfg->timezone, 1) < 0)
		fatal("setenv TZ");
	tzset();
	closelog();
	log_init(cfg->facility, cfg->debug, foreground);
	check_default_paths(cfg, log_fault);
	if (redaction_load(cfg) < 0)
		log_warnx("no redaction notice loaded; PAM services using 'redaction' will "
			  "fail closed until it is fixed and ecflinkd reloaded");
	if (cache_init() < 0)
		fatal("cache");
	check_socket_dir("socket.path", cfg->socket_path, cfg->user);
	check_socket_dir("socket.private_path", cfg->private_path, cfg->user);
	lfd = server_listen(cfg);
	pfd = server_listen_private(cfg);
	if (cfg->user != NULL)
		drop_privileges(cfg->user);
	/* setuid resets the flag; the process holds the bind password. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fatal("prctl PR_SET_DUMPABLE");
	sock = strdup(cfg->socket_path);
	psock = strdup(cfg->private_path);
	if (sock == NULL || psock == NULL)
		fatal("strdup");
	log_info("starting: court \"%s\", socket %s, %d LDAP workers", cfg->court_name,
		 cfg->socket_path, cfg->pool_size);
	live_config_set(cfg);
	cfg = NULL;
	{
		const struct config *live = live_config_get();
		struct stat st;

		if (live == NULL)
			fatalx("cannot publish the configuration");
		if (stat(live->spool_dir, &st) == 0)
			reconcile_spool(live);
		live_config_put(live);
	}
	{
		const struct config *live = live_config_get();

		audit_open(live->audit_file);
		if (log_async_start((size_t)live->log_queue_lines) < 0)
			log_warnx("a stalled syslog will slow decisions down");
		live_config_put(live);
	}
	if (cachesync_start() < 0)
		log_warnx("the account cache stays off");
	spool_on_ready(mailer_wake);
	mailq_on_retry(mailer_wake);
	if (mailer_start() < 0)
		log_warnx("the notice sender did not start; link notices stay spooled");
	rc = server_run(lfd, pfd, path, timers, sizeof(timers) / sizeof(timers[0]));
	mailer_stop();
	cachesync_stop();
	close(lfd);
	close(pfd);
	if (unlink(sock) < 0 && errno != ENOENT)
		log_warn("remove socket %s", sock);
	if (unlink(psock) < 0 && errno != ENOENT)
		log_warn("remove socket %s", psock);
	free(sock);
	audit_close();
	free(psock);
	live_config_set(NULL);
	redaction_free();
	cache_destroy();
	log_info("stopped");
	log_async_stop();
	return rc;
}
