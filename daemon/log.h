/*
 * log.h - ecflinkd's logging: syslog always, stderr too in the foreground.
 *
 * log_warn appends strerror(errno); log_warnx does not.  fatal/fatalx log
 * at LOG_CRIT and exit(1): for start-up only, never after workers run.
 * log_event writes one decision line (a struct kv) at LOG_INFO.
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

#endif
