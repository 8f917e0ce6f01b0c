/*
 * main.c - ecflink-web: the attorneys' linking pages, a front end of
 * ecflinkd's socket.
 *
 *   ecflink-web [-d] [-f FILE]   serve (-d: stay in the foreground, log to stderr too)
 *   ecflink-web -t [-f FILE]     check the web group and the keys it shares, exit 0 or 1
 */
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "handler.h"
#include "session.h"
#include "webconf.h"

#define THREADS 8
#define MAX_CONNECTIONS 256
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_MEMORY 16384	/* request line and headers */

static bool to_stderr;

static void
usage(void)
{
	fprintf(stderr, "usage: ecflink-web [-dtV] [-f config-file]\n"
			"  -d  stay in the foreground and log to stderr as well as syslog\n"
			"  -f  configuration file (default " WEBCONF_DEFAULT_PATH ")\n"
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

__attribute__((format(printf, 2, 3))) static void
say(int pri, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_stderr || pri <= LOG_ERR)
		fprintf(stderr, "ecflink-web: %s\n", msg);
	syslog(pri, "%s", msg);
}

/* libmicrohttpd's own complaints (bad requests it answers itself). */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (to_stderr)
		fprintf(stderr, "ecflink-web: libmicrohttpd: %s\n", msg);
}

int
main(int argc, char **argv)
{
	const char *path = WEBCONF_DEFAULT_PATH;
	bool check = false, foreground = false;
	struct webconf *cfg;
	struct MHD_Daemon *d;
	char err[512];
	sigset_t set;
	int opt, sig;

	while ((opt = getopt(argc, argv, "df:tV")) != -1) {
		switch (opt) {
		case 'd':
			/* Under systemd stderr is the journal, which syslog
			 * already reaches: no line twice. */
			foreground = true;
			to_stderr = getenv("JOURNAL_STREAM") == NULL;
			break;
		case 'f':
			path = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'V':
			printf("ecflink-web %s\n", ECFLINK_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	cfg = webconf_load(path, print_fault, NULL);
	if (cfg == NULL) {
		fprintf(stderr, "%s: configuration has errors; ecflink-web would not start\n", path);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK for ecflink-web\n", path);
		webconf_free(cfg);
		return 0;
	}
	openlog("ecflink-web", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	if (handler_init(cfg, err, sizeof(err)) < 0) {
		say(LOG_ERR, "%s", err);
		return 1;
	}
	if (session_init(cfg->max_sessions, cfg->session_idle_s) < 0) {
		say(LOG_ERR, "out of memory for %d sessions", cfg->max_sessions);
		return 1;
	}
	/* Signals are taken by sigwait below, in this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!foreground && daemon(0, 0) < 0) {
		say(LOG_ERR, "cannot detach: %s", strerror(errno));
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     (cfg->listen.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
				     MHD_USE_ERROR_LOG,
			     0, NULL, NULL, handler_access, NULL,
			     MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->listen,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
			     MHD_OPTION_NOTIFY_COMPLETED, handler_completed, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_END);
	if (d == NULL) {
		say(LOG_ERR, "cannot listen on %s (web.listen): %s", cfg->listen_text,
		    errno ? strerror(errno) : "libmicrohttpd refused");
		return 1;
	}
	say(LOG_INFO, "event=start listen=%s socket=%s base_url=%s", cfg->listen_text,
	    cfg->socket_path, cfg->base_url[0] ? cfg->base_url : "-");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			say(LOG_WARNING, "SIGHUP: ecflink-web does not reload; restart it to apply "
					 "changes to %s", path);
			continue;
		}
		break;
	}
	MHD_stop_daemon(d);
	say(LOG_INFO, "event=stop signal=%s", sig == SIGTERM ? "TERM" : "INT");
	webconf_free(cfg);
	closelog();
	return 0;
}
