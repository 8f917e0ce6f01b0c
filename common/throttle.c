/*
 * throttle.c - failure counters (see throttle.h).
 *
 * Keys live in a glibc tsearch(3) tree (balanced, so lookups stay
 * O(log n) whatever keys a client picks; a hash table could be flooded)
 * and on one of two lists: "idle" in order of last failure, and "locked"
 * in order of locking, which is the order of lockout end while lockout_s
 * stays the same.  Eviction takes list heads, so it is O(log n) too.
 */
#include "throttle.h"

#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

struct list {
	struct tkey *head, *tail;
};

struct tkey {
	struct tkey *prev, *next;
	struct list *on;	/* the list holding the entry */
	int64_t lock_until;	/* locked while now < lock_until */
	int64_t *fail;		/* counting failure times, oldest first */
	int nfail, cap;
	const char *key;	/* points at keybuf, or at the caller's key in a probe */
	char keybuf[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *root;
static struct list idle, locked;
static size_t count;

static int
tkey_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tkey *)a)->key, ((const struct tkey *)b)->key);
}

static void
list_remove(struct tkey *e)
{
	struct list *l = e->on;

	if (l == NULL)
		return;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	e->on = NULL;
}

/* Moves e to the tail of l. */
static void
list_append(struct list *l, struct tkey *e)
{
	list_remove(e);
	e->prev = l->tail;
	e->next = NULL;
	if (l->tail != NULL)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
	e->on = l;
}

static void
tkey_free(void *p)
{
	struct tkey *e = p;

	free(e->fail);
	free(e);
}

/* The entry for key, or NULL.  Caller holds lock. */
static struct tkey *
find(const char *key)
{
	struct tkey probe = { .key = key };
	void *node = tfind(&probe, &root, tkey_cmp);

	return node != NULL ? *(struct tkey **)node : NULL;
}

/* Unlinks e from the tree and its list and frees it.  Caller holds lock. */
static void
drop(struct tkey *e)
{
	tdelete(e, &root, tkey_cmp);
	list_remove(e);
	tkey_free(e);
	count--;
}

/* Frees one key's slot, in the order throttle.h gives.  Caller holds lock. */
static void
evict_one(int64_t now)
{
	if (locked.head != NULL && locked.head->lock_until <= now)
		drop(locked.head);
	else if (idle.head != NULL)
		drop(idle.head);
	else if (locked.head != NULL)
		drop(locked.head);
}

/* A new entry for key, in the tree and on idle, or NULL.  Caller holds lock. */
static struct tkey *
add(const char *key, int64_t now)
{
	size_t len = strlen(key);
	struct tkey *e;
	void *node;

	if (count >= THROTTLE_MAX_KEYS)
		evict_one(now);
	e = calloc(1, sizeof(*e) + len + 1);
	if (e == NULL)
		return NULL;
	memcpy(e->keybuf, key, len + 1);
	e->key = e->keybuf;
	e->lock_until = INT64_MIN;
	node = tsearch(e, &root, tkey_cmp);
	if (node == NULL) {
		tkey_free(e);
		return NULL;
	}
	list_append(&idle, e);
	count++;
	return e;
}

bool
throttle_locked(const char *key, int64_t now, int64_t *retry_ms)
{
	struct tkey *e;
	bool is_locked = false;

	pthread_mutex_lock(&lock);
	e = find(key);
	if (e != NULL && now < e->lock_until) {
		is_locked = true;
		if (retry_ms != NULL)
			*retry_ms = e->lock_until;
	}
	pthread_mutex_unlock(&lock);
	return is_locked;
}

/* Drops e's failures that no longer count at now. */
static void
expire(struct tkey *e, int64_t now, int64_t window_ms)
{
	int k = 0;

	while (k < e->nfail && now - e->fail[k] >= window_ms)
		k++;
	if (k > 0) {
		memmove(e->fail, e->fail + k, (size_t)(e->nfail - k) * sizeof(e->fail[0]));
		e->nfail -= k;
	}
}

bool
throttle_fail(const char *key, int64_t now, const struct throttle_policy *p)
{
	int max = p->max_failures;
	int64_t window_ms = (int64_t)p->window_s * 1000;
	struct tkey *e;
	bool locks = false;

	if (max < 1)
		max = 1;
	if (max > THROTTLE_MAX_FAILURES)
		max = THROTTLE_MAX_FAILURES;
	pthread_mutex_lock(&lock);
	e = find(key);
	if (e == NULL)
		e = add(key, now);
	if (e == NULL || now < e->lock_until)
		goto out;
	if (e->cap != max) {
		/* A new entry, or the policy changed: start the count over. */
		int64_t *f = realloc(e->fail, (size_t)max * sizeof(*f));

		if (f == NULL)
			goto out;
		e->fail = f;
		e->cap = max;
		e->nfail = 0;
	}
	expire(e, now, window_ms);
	e->fail[e->nfail++] = now;
	if (e->nfail >= max) {
		e->lock_until = now + (int64_t)p->lockout_s * 1000;
		e->nfail = 0;
		list_append(&locked, e);
		locks = true;
	} else {
		list_append(&idle, e);
	}
out:
	pthread_mutex_unlock(&lock);
	return locks;
}

void
throttle_clear(const char *key)
{
	struct tkey *e;

	pthread_mutex_lock(&lock);
	e = find(key);
	if (e != NULL)
		drop(e);
	pthread_mutex_unlock(&lock);
}

void
throttle_reset_all(void)
{
	pthread_mutex_lock(&lock);
	tdestroy(root, tkey_free);
	root = NULL;
	idle.head = idle.tail = NULL;
	locked.head = locked.tail = NULL;
	count = 0;
	pthread_mutex_unlock(&lock);
}

size_t
throttle_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}
