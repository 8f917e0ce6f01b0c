/*
 * log.h - ecflinkd's logging: syslog always, stderr too in the foreground.
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx log
 * at LOG_CRIT and exit(1): for start-up only, never after workers run.
 * log_event writes one decision line (a struct kv) at LOG_INFO.  Lines may
 * be queued to a writer thread (log_async_start below).
 */
#ifndef ECFLINK_LOG_H
#define ECFLINK_LOG_H

#include <stdbool.h>

#include "kv.h"

void log_init(int facility, bool debug, bool to_stderr);
void log_set_debug(bool debug);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_event(const struct kv *kv);
/* The same at LOG_WARNING: an attempt an administrator should notice. */
void log_event_warning(const struct kv *kv);

/*
 * From log_async_start to log_async_stop, lines are not written by the
 * thread that logs but queued (up to lines lines, and 1 KiB a line on
 * average: log.queue_lines) to one writer
 * thread, so no worker and not the event loop ever waits for syslog(3),
 * whose send blocks while the reader of /dev/log (journald, rsyslog) does
 * not read.  A line that finds the queue full is dropped and counted; the
 * first write that gets through afterwards is followed by one warning,
 * "syslog did not keep up; dropped N log lines".  LOG_CRIT lines (fatal)
 * are always written at once.  Start after the last fork of the process;
 * log_async_stop waits up to 2 s for the queue to drain.
 */
int log_async_start(size_t lines);
void log_async_stop(void);

#endif
