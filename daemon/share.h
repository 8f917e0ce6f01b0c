/*
 * share.h - the fair share of ecflinkd's connections, queue and workers
 * (DESIGN.md "Who may ask what"): peers whose class has fair_share (local
 * users that are neither root nor a front end) together hold at most half
 * of them, each such uid at most socket.max_per_uid requests read, queued
 * or running, so that no local user can make root's or a front end's
 * logins wait or fail.  A refused connection is counted, not logged: one
 * event=drop line per uid per SHARE_SUMMARY_MS.
 *
 * Thread-safe: the event loop admits, workers and the loop release.
 */
#ifndef ECFLINK_SHARE_H
#define ECFLINK_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHARE_SUMMARY_MS 10000

/* Sizes the share: max_conns connections in all, per_uid for each uid.
 * Returns -1 when out of memory. */
int share_init(size_t max_conns, size_t per_uid);
void share_destroy(void);
/* Changes the per-uid limit (a reload). */
void share_set_per_uid(size_t per_uid);

/* Takes one place for a connection of uid; false (nothing taken) when uid
 * or the whole share is full. */
bool share_admit(uid_t uid);
/* Gives back the place share_admit took, once the request is answered or
 * the connection closed. */
void share_release(uid_t uid);

/* Counts one refused connection of uid (uid_t)-1 for unknown) for the
 * next summary. */
void share_count_drop(uid_t uid, const char *reason);
/* Writes the summary lines due at now (monotonic ms) and forgets what
 * they counted; all of them when force. */
void share_flush_drops(int64_t now, bool force);

#endif
