/*
 * mailrate.h - at most N messages in any 60 seconds (mail.rate_per_min).
 *
 * A sliding window, not a token bucket: the times of the last N attempts
 * are kept, and the next may start only when the oldest of them is a
 * minute old, so no minute anywhere sees more than N (a bucket would let
 * 2N through across a minute's edge).  Not thread-safe: the sender thread
 * owns its one window.
 */
#ifndef ECFLINK_MAILRATE_H
#define ECFLINK_MAILRATE_H

#include <stddef.h>
#include <stdint.h>

#define MAILRATE_WINDOW_MS 60000

struct mailrate {
	int64_t *stamps;	/* ring of the last `per_min` attempt times (ms) */
	size_t per_min, n, head;
};

/*
 * Sets the limit to per_min; 0 means none (only a caller without a
 * configuration uses it: mail.rate_per_min is 1..10000).  A changed limit starts a fresh window
 * that still counts the attempts of the last minute it can keep.  0, or -1
 * when out of memory (the old limit stays).
 */
int mailrate_set(struct mailrate *r, size_t per_min);
/* 0 when an attempt may start at now_ms, else how many ms until one may. */
int64_t mailrate_wait_ms(const struct mailrate *r, int64_t now_ms);
/* Records an attempt started at now_ms. */
void mailrate_note(struct mailrate *r, int64_t now_ms);
void mailrate_free(struct mailrate *r);

#endif
