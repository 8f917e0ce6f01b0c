/*
 * fehint.h - notices a local uid that calls like a login front end but is
 * not in socket.frontend_group (DESIGN.md "Who may ask what").
 *
 * A front end that runs as a non-root user (Apache's mod_authnz_pam as
 * www-data, a web SSO) and is left out of the group is an "other" peer:
 * all its users then share one failure budget, and one attacker can lock
 * them all out.  What gives it away is PAM requests that carry a client
 * address (RHOST), many a minute.  Each such uid is told once, for the
 * daemon's life (a uid pushed out of the bounded table may be told again).
 * Thread-safe: the workers share one table.
 */
#ifndef ECFLINK_FEHINT_H
#define ECFLINK_FEHINT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* FEHINT_REQUESTS requests with an RHOST within FEHINT_WINDOW_MS. */
#define FEHINT_REQUESTS 30
#define FEHINT_WINDOW_MS 60000
/* uids followed at once; the one quiet longest makes room for a new one. */
#define FEHINT_SLOTS 64

/*
 * Counts one PAM request with an RHOST from uid at now_ms.  True exactly
 * once per uid: for the request that makes FEHINT_REQUESTS within one
 * window (a window starts at the first request after the last one ended).
 */
bool fehint_note(uid_t uid, int64_t now_ms);
/* Forgets every uid (for the unit tests). */
void fehint_reset(void);

#endif
