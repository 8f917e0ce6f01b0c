/*
 * log.c - syslog and stderr logging for ecflinkd (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static bool log_debug_on;
static bool log_stderr;

void
log_init(int facility, bool debug, bool to_stderr)
{
	log_debug_on = debug;
	log_stderr = to_stderr;
	openlog("ecflinkd", LOG_PID | LOG_NDELAY, facility);
}

void
log_set_debug(bool debug)
{
	log_debug_on = debug;
}

/* Writes one message; errnum >= 0 appends its strerror. */
static void
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum >= 0) {
		size_t n = strlen(msg);

		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	}
	/* Fatal start-up errors reach whoever started the daemon, too. */
	if (log_stderr || pri <= LOG_CRIT)
		fprintf(stderr, "ecflinkd: %s\n", msg);
	syslog(pri, "%s", msg);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, -1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, -1, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, -1, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, -1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_event(const struct kv *kv)
{
	if (log_stderr)
		fprintf(stderr, "ecflinkd: %s\n", kv_line(kv));
	syslog(LOG_INFO, "%s", kv_line(kv));
}
