/*
 * log.c - syslog and stderr logging for ecflinkd (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "clock.h"

/* Bytes queued, at most, per line the queue holds (lines average ~250). */
#define BYTES_PER_LINE 1024
/* At stop, how long queued lines may take to reach a stalled syslog. */
#define STOP_WAIT_MS 2000

static bool log_debug_on;
static bool log_stderr;

struct line {
	int pri;
	char *text;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t more;	/* a line was queued, or stop */
	pthread_cond_t idle;	/* the writer finished what was queued */
	pthread_t tid;
	bool running, stop, busy;
	struct line *q;
	size_t cap, head, count, bytes;
	unsigned long long dropped;	/* since the last summary */
} Q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.more = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

/* Writes one line now, in the calling thread. */
static void
emit(int pri, const char *text)
{
	/* Fatal start-up errors reach whoever started the daemon, too. */
	if (log_stderr || pri <= LOG_CRIT)
		fprintf(stderr, "ecflinkd: %s\n", text);
	syslog(pri, "%s", text);
}

/*
 * Hands a line to the writer thread, or writes it now when there is none.
 * Never waits for syslog: a full queue counts the line as dropped.
 */
static void
submit(int pri, const char *text)
{
	size_t len = strlen(text) + 1;
	char *copy;

	pthread_mutex_lock(&Q.lock);
	if (!Q.running || pri <= LOG_CRIT) {
		pthread_mutex_unlock(&Q.lock);
		emit(pri, text);
		return;
	}
	if (Q.count == Q.cap || Q.bytes + len > Q.cap * BYTES_PER_LINE ||
	    (copy = malloc(len)) == NULL) {
		Q.dropped++;
		pthread_mutex_unlock(&Q.lock);
		return;
	}
	memcpy(copy, text, len);
	Q.q[(Q.head + Q.count) % Q.cap] = (struct line){ pri, copy };
	Q.count++;
	Q.bytes += len;
	pthread_cond_signal(&Q.more);
	pthread_mutex_unlock(&Q.lock);
}

/*
 * The writer: takes one line at a time and writes it (syslog may block for
 * as long as the reader of /dev/log does not read).  Once a write returns
 * after lines were dropped, the reader is back: one line says how many.
 */
static void *
writer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&Q.lock);
	for (;;) {
		struct line l;
		unsigned long long dropped;

		while (Q.count == 0 && Q.dropped == 0 && !Q.stop) {
			Q.busy = false;
			pthread_cond_broadcast(&Q.idle);
			pthread_cond_wait(&Q.more, &Q.lock);
		}
		if (Q.count == 0 && Q.dropped == 0)
			break;	/* stop, and nothing left */
		Q.busy = true;
		if (Q.count > 0) {
			l = Q.q[Q.head];
			Q.head = (Q.head + 1) % Q.cap;
			Q.count--;
			Q.bytes -= strlen(l.text) + 1;
			pthread_mutex_unlock(&Q.lock);
			emit(l.pri, l.text);
			free(l.text);
			pthread_mutex_lock(&Q.lock);
		}
		dropped = Q.dropped;
		if (dropped > 0) {
			char msg[160];

			Q.dropped = 0;
			pthread_mutex_unlock(&Q.lock);
			snprintf(msg, sizeof(msg), "syslog did not keep up; dropped %llu log line%s",
				 dropped, dropped == 1 ? "" : "s");
			emit(LOG_WARNING, msg);
			pthread_mutex_lock(&Q.lock);
		}
	}
	Q.busy = false;
	pthread_cond_broadcast(&Q.idle);
	pthread_mutex_unlock(&Q.lock);
	return NULL;
}

int
log_async_start(size_t lines)
{
	sigset_t all, old;
	int err;

	pthread_mutex_lock(&Q.lock);
	if (Q.running) {
		pthread_mutex_unlock(&Q.lock);
		return 0;
	}
	free(Q.q);
	Q.q = calloc(lines > 0 ? lines : 1, sizeof(*Q.q));
	if (Q.q == NULL) {
		pthread_mutex_unlock(&Q.lock);
		log_warnx("cannot allocate the log queue of %zu lines", lines);
		return -1;
	}
	Q.cap = lines > 0 ? lines : 1;
	Q.head = Q.count = Q.bytes = 0;
	Q.stop = false;
	Q.dropped = 0;
	/* The daemon takes its signals through a signalfd; none may land here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&Q.tid, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err == 0)
		Q.running = true;
	pthread_mutex_unlock(&Q.lock);
	if (err != 0) {
		errno = err;
		log_warn("cannot start the logging thread; lines are written directly");
		return -1;
	}
	return 0;
}

void
log_async_stop(void)
{
	struct timespec until;
	bool done;
	int64_t ms = STOP_WAIT_MS;
	size_t left;
	int err = 0;

	pthread_mutex_lock(&Q.lock);
	if (!Q.running) {
		pthread_mutex_unlock(&Q.lock);
		return;
	}
	Q.stop = true;
	pthread_cond_signal(&Q.more);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while ((Q.count > 0 || Q.busy) && err == 0)
		err = pthread_cond_timedwait(&Q.idle, &Q.lock, &until);
	done = Q.count == 0 && !Q.busy;
	left = Q.count;
	if (done)
		Q.running = false;
	pthread_mutex_unlock(&Q.lock);
	if (done) {
		pthread_join(Q.tid, NULL);
		free(Q.q);
		Q.q = NULL;
		return;
	}
	/* syslog is stalled: leave the writer blocked in it; the process ends. */
	pthread_detach(Q.tid);
	fprintf(stderr, "ecflinkd: syslog is not reading; %zu log lines not written at exit\n",
		left);
}

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
	submit(pri, msg);
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
	submit(LOG_INFO, kv_line(kv));
}

void
log_event_warning(const struct kv *kv)
{
	submit(LOG_WARNING, kv_line(kv));
}
