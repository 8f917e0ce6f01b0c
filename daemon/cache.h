/*
 * cache.h - the daemon's account cache, shared by all workers.
 *
 * Keyed by realm and login (ASCII case folded, as uid matches in LDAP).
 * An entry answers for ttl seconds; a retired (linked) CM/ECF login, which
 * only an admin unlink can change, answers until cache_invalidate().  A
 * ttl of 0 turns the cache off.  Negative answers (unknown, not linked)
 * are never served older than ttl.
 */
#ifndef ECFLINK_CACHE_H
#define ECFLINK_CACHE_H

#include <stdbool.h>

#include "directory.h"

#define CACHE_MAX_ENTRIES 200000

int cache_init(void);
void cache_destroy(void);
/* Copies the cached account for (realm, user) into *a; true on a hit. */
bool cache_get(enum proto_realm realm, const char *user, struct account *a);
/*
 * The invalidation count: read it before asking the directory and hand it
 * to cache_put, which then stores nothing if an invalidation came in
 * between (the answer may predate a link or an unlink).
 */
unsigned long cache_generation(void);
/* Stores a (state PST_UNKNOWN for a negative answer) for ttl_s seconds,
 * unless the cache was invalidated since generation gen. */
void cache_put(enum proto_realm realm, const char *user, const struct account *a, int ttl_s,
	       unsigned long gen);
/* Forgets every entry that names login on either side. */
void cache_invalidate(const char *login);
void cache_clear(void);
/* Drops expired entries; returns how many remain. */
size_t cache_sweep(void);

#endif
