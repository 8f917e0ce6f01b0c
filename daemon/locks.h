/*
 * locks.h - named locks held across "check, then write" in the linking
 * path: one per PACER login and one per CM/ECF login, so two links racing
 * for one PACER account in this daemon cannot both pass the check.
 * (slapo-unique with serialize guards across daemons; see DESIGN.md.)
 */
#ifndef ECFLINK_LOCKS_H
#define ECFLINK_LOCKS_H

#include <stdint.h>

/* Takes both names (ASCII case folded), waiting until deadline (monotonic
 * ms).  0 when held, -1 on timeout. */
int locks_acquire(const char *a, const char *b, int64_t deadline);
void locks_release(const char *a, const char *b);

#endif
