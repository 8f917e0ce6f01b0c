/*
 * throttle.h - counts failed credential checks per key ("cmecf:LOGIN",
 * "peer:UID", "addr:IP") and locks a key out after too many, as DESIGN.md
 * "Linking details" says.
 *
 * Thread-safe (one mutex).  Bounded: at most THROTTLE_MAX_KEYS keys; when
 * full, a new key evicts, in this order, a key whose lockout has ended,
 * the key that failed least recently among those not locked, and only
 * when every key is locked, the one whose lockout ends first.  Times are
 * monotonic milliseconds supplied by the caller (clock_now_ms()), so
 * tests need no sleeping.  Keys are compared exactly (the caller folds
 * case).
 *
 * The window slides: a key keeps the times of its last max_failures - 1
 * failures, and a failure at t counts while now - t < window_s.  The
 * max_failures-th counting failure locks the key for lockout_s from that
 * failure and clears its count, so after the lockout it starts over.
 */
#ifndef ECFLINK_THROTTLE_H
#define ECFLINK_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define THROTTLE_MAX_KEYS 65536
#define THROTTLE_MAX_FAILURES 100	/* larger max_failures are taken as this */

struct throttle_policy {
	int max_failures;	/* >= 1 (smaller is taken as 1) */
	int window_s;
	int lockout_s;
};

/*
 * True while key is locked out at now; *retry_ms (when not NULL) is then
 * set to the monotonic ms at which the lockout ends (not locked at it).
 */
bool throttle_locked(const char *key, int64_t now, int64_t *retry_ms);

/*
 * Records one failure of key at now; true when it locks the key out (the
 * max_failures-th within window_s).  A failure while the key is locked is
 * not counted and does not extend the lockout (false).  False as well when
 * memory runs out for a new key: nothing is recorded.
 */
bool throttle_fail(const char *key, int64_t now, const struct throttle_policy *p);

/* Forgets key (after a successful link). */
void throttle_clear(const char *key);

/* Forgets every key (tests, configuration reload). */
void throttle_reset_all(void);

/* How many keys are held (tests, status). */
size_t throttle_count(void);

#endif
