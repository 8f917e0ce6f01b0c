/*
 * cachesync.h - keeps the account cache true to the directory (DESIGN.md
 * "Many servers", invariant 2).
 *
 * A thread holds one LDAP Content Synchronization search (RFC 4533,
 * refreshAndPersist) on the CM/ECF base of the first read server that is
 * up, asking only for uid and ecfLinkedPacer; every change it reports (a
 * link or unlink made through any ecflinkd, as soon as this server has
 * it) drops the cache entries that name either login.  While that stream
 * is not running the cache is bypassed, and the log says so once; when it
 * runs again, the cache starts empty.  Nothing runs with the cache off
 * (policy.cache_ttl_s = 0).
 */
#ifndef ECFLINK_CACHESYNC_H
#define ECFLINK_CACHESYNC_H

#include <stdbool.h>

/* Starts the thread; -1 (logged) when it cannot. */
int cachesync_start(void);
/* Stops it and waits for it. */
void cachesync_stop(void);
/* True while the stream runs: cached answers may be used. */
bool cachesync_current(void);

#endif
