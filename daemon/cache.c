/*
 * cache.c - account cache (see cache.h): a chained hash table under one
 * mutex.  Entries keep only the fields the PAM path needs, not whole
 * struct accounts, so 100k users cost megabytes, not gigabytes.
 */
#include "cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"

#define NBUCKETS 16384

struct centry;

/* One name an entry answers for (its key, login or linked login), in the
 * name index, so that cache_invalidate finds the entries naming a login
 * without walking the whole cache under the lock. */
struct nref {
	struct nref *next;
	struct centry *e;
	const char *name;	/* one of e's strings */
};

struct centry {
	struct centry *next;
	enum proto_realm realm;
	int64_t expires;	/* monotonic ms; INT64_MAX = until invalidated */
	enum proto_state state;
	time_t link_time;
	uint64_t txn;
	char *key, *dn, *login, *name, *role, *mail, *account_no, *linked, *linked_name;
	struct nref refs[3];
	int nrefs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct centry **buckets;
static struct nref **names;	/* the name index: NBUCKETS chains */
static size_t count;
static unsigned long invalidations;

unsigned long
cache_generation(void)
{
	unsigned long g;

	pthread_mutex_lock(&lock);
	g = invalidations;
	pthread_mutex_unlock(&lock);
	return g;
}

int
cache_init(void)
{
	buckets = calloc(NBUCKETS, sizeof(*buckets));
	names = calloc(NBUCKETS, sizeof(*names));
	if (buckets == NULL || names == NULL) {
		free(buckets);
		free(names);
		buckets = NULL;
		names = NULL;
		return -1;
	}
	return 0;
}

static void
centry_free(struct centry *e)
{
	free(e->key);
	free(e->dn);
	free(e->login);
	free(e->name);
	free(e->role);
	free(e->mail);
	free(e->account_no);
	free(e->linked);
	free(e->linked_name);
	free(e);
}

void
cache_clear(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	invalidations++;
	for (i = 0; buckets != NULL && i < NBUCKETS; i++) {
		while (buckets[i] != NULL) {
			struct centry *e = buckets[i];

			buckets[i] = e->next;
			centry_free(e);
		}
		names[i] = NULL;
	}
	count = 0;
	pthread_mutex_unlock(&lock);
}

void
cache_destroy(void)
{
	cache_clear();
	free(buckets);
	free(names);
	buckets = NULL;
	names = NULL;
}

static size_t
hash(enum proto_realm realm, const char *s)
{
	uint32_t h = 2166136261u ^ (uint32_t)realm;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		h ^= (c >= 'A' && c <= 'Z') ? c + 32 : c;
		h *= 16777619u;
	}
	return h % NBUCKETS;
}

/* Puts e's distinct, non-empty names into the name index. */
static void
index_add(struct centry *e)
{
	const char *n[3] = { e->key, e->login, e->linked };
	int i, j;

	for (i = 0; i < 3; i++) {
		bool seen = n[i][0] == '\0';

		for (j = 0; j < e->nrefs && !seen; j++)
			seen = strcasecmp(e->refs[j].name, n[i]) == 0;
		if (seen)
			continue;
		e->refs[e->nrefs] = (struct nref){ names[hash(PR_REALM_ANY, n[i])], e, n[i] };
		names[hash(PR_REALM_ANY, n[i])] = &e->refs[e->nrefs];
		e->nrefs++;
	}
}

/* Takes e's names out of the name index. */
static void
index_del(struct centry *e)
{
	int i;

	for (i = 0; i < e->nrefs; i++) {
		struct nref **pp = &names[hash(PR_REALM_ANY, e->refs[i].name)];

		while (*pp != NULL && *pp != &e->refs[i])
			pp = &(*pp)->next;
		if (*pp != NULL)
			*pp = e->refs[i].next;
	}
	e->nrefs = 0;
}

/* Removes the entry at *pp (its bucket's link to it) and frees it. */
static void
drop(struct centry **pp)
{
	struct centry *e = *pp;

	*pp = e->next;
	index_del(e);
	centry_free(e);
	count--;
}

/* Finds the live entry for (realm, user); drops an expired one. */
static struct centry **
lookup(enum proto_realm realm, const char *user, int64_t now)
{
	struct centry **pp = &buckets[hash(realm, user)];

	while (*pp != NULL) {
		struct centry *e = *pp;

		if (e->expires <= now) {
			drop(pp);
			continue;
		}
		if (e->realm == realm && strcasecmp(e->key, user) == 0)
			return pp;
		pp = &e->next;
	}
	return NULL;
}

static void
copy_out(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

bool
cache_get(enum proto_realm realm, const char *user, struct account *a)
{
	struct centry **pp, *e;

	if (buckets == NULL)
		return false;
	pthread_mutex_lock(&lock);
	pp = lookup(realm, user, clock_now_ms());
	if (pp == NULL) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	e = *pp;
	memset(a, 0, sizeof(*a));
	a->realm = e->realm;
	a->state = e->state;
	a->link_time = e->link_time;
	a->txn = e->txn;
	copy_out(a->dn, sizeof(a->dn), e->dn);
	copy_out(a->login, sizeof(a->login), e->login);
	copy_out(a->name, sizeof(a->name), e->name);
	copy_out(a->role, sizeof(a->role), e->role);
	copy_out(a->mail, sizeof(a->mail), e->mail);
	copy_out(a->account_no, sizeof(a->account_no), e->account_no);
	copy_out(a->linked, sizeof(a->linked), e->linked);
	copy_out(a->linked_name, sizeof(a->linked_name), e->linked_name);
	pthread_mutex_unlock(&lock);
	return true;
}

void
cache_put(enum proto_realm realm, const char *user, const struct account *a, int ttl_s,
	  unsigned long gen)
{
	struct centry *e, **old;
	int64_t now = clock_now_ms();

	if (buckets == NULL || ttl_s <= 0)
		return;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return;
	e->realm = realm;
	e->state = a->state;
	e->link_time = a->link_time;
	e->txn = a->txn;
	e->expires = a->state == PST_LEGACY_LINKED ? INT64_MAX : now + (int64_t)ttl_s * 1000;
	e->key = strdup(user);
	e->dn = strdup(a->dn);
	e->login = strdup(a->login);
	e->name = strdup(a->name);
	e->role = strdup(a->role);
	e->mail = strdup(a->mail);
	e->account_no = strdup(a->account_no);
	e->linked = strdup(a->linked);
	e->linked_name = strdup(a->linked_name);
	if (!e->key || !e->dn || !e->login || !e->name || !e->role || !e->mail ||
	    !e->account_no || !e->linked || !e->linked_name) {
		centry_free(e);
		return;
	}
	pthread_mutex_lock(&lock);
	if (gen != invalidations) {
		pthread_mutex_unlock(&lock);
		centry_free(e);
		return;
	}
	old = lookup(realm, user, now);
	if (old != NULL)
		drop(old);
	if (count >= CACHE_MAX_ENTRIES) {
		pthread_mutex_unlock(&lock);
		centry_free(e);
		return;
	}
	e->next = buckets[hash(realm, user)];
	buckets[hash(realm, user)] = e;
	index_add(e);
	count++;
	pthread_mutex_unlock(&lock);
}

void
cache_invalidate(const char *login)
{
	struct nref *r;

	if (buckets == NULL)
		return;
	pthread_mutex_lock(&lock);
	invalidations++;
	/* Each drop changes the chain: look again from its start. */
	for (;;) {
		struct centry **pp;

		for (r = names[hash(PR_REALM_ANY, login)]; r != NULL; r = r->next)
			if (strcasecmp(r->name, login) == 0)
				break;
		if (r == NULL)
			break;
		pp = &buckets[hash(r->e->realm, r->e->key)];
		while (*pp != r->e)
			pp = &(*pp)->next;
		drop(pp);
	}
	pthread_mutex_unlock(&lock);
}

size_t
cache_sweep(void)
{
	int64_t now = clock_now_ms();
	size_t i, left;

	if (buckets == NULL)
		return 0;
	pthread_mutex_lock(&lock);
	for (i = 0; i < NBUCKETS; i++) {
		struct centry **pp = &buckets[i];

		while (*pp != NULL) {
			struct centry *e = *pp;

			if (e->expires <= now) {
				drop(pp);
				continue;
			}
			pp = &e->next;
		}
	}
	left = count;
	pthread_mutex_unlock(&lock);
	return left;
}
