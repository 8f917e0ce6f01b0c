/*
 * ldhealth.h - what ecflinkd knows of each LDAP server, shared by all
 * workers (DESIGN.md "Many servers", invariant 4).
 *
 * libldap moves to the next URI of a list only when a connect fails; a
 * server that accepts and then never answers (stopped, hung, a listening
 * socket nobody accepts on) would hold every operation to its timeout.  So
 * each connection talks to one URI, chosen here: the first of the
 * configured list that is up.  A URI that fails an operation is marked
 * down (one log line naming it and the cause), and only a probe
 * (ldhealth_mark_up after a good answer) or, when every URI is down, its
 * backoff lets it be used again.  Thread-safe.
 */
#ifndef ECFLINK_LDHEALTH_H
#define ECFLINK_LDHEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The index in uris[0..n) to use now: the first one up; when none is up,
 * the down one whose backoff ran out first, if any has; -1 when every one
 * is down and still backing off (*retry_in_ms says for how long).
 * skip, when >= 0, is an index not to choose (the one that just failed).
 */
int ldhealth_pick(char *const *uris, size_t n, int skip, int64_t *retry_in_ms);

/* True when any of uris[0..n) is up. */
bool ldhealth_any_up(char *const *uris, size_t n);

/*
 * The server at uri failed (cause: what happened, for the log).  backoff:
 * it refused or dropped us, so when every server is down it is tried again
 * only after a growing pause (200 ms to 10 s); without, it stopped
 * answering, and a request that finds every server down tries it again at
 * once, as a hang may end at any moment.
 */
void ldhealth_mark_down(const char *uri, const char *cause, bool backoff);

/* The server at uri answered. */
void ldhealth_mark_up(const char *uri);

/* Why uri was last marked down ("" when it is up) into buf. */
void ldhealth_cause(const char *uri, char *buf, size_t len);

/* True when uri is marked down. */
bool ldhealth_is_down(const char *uri);

/* Forgets every server (tests). */
void ldhealth_reset(void);

#endif
