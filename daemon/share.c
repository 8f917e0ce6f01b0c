/*
 * share.c - the fair share of connections and workers (see share.h).
 */
#include "share.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

/* The places held by one uid; the table holds at most max_conns uids. */
struct holder {
	uid_t uid;
	size_t held;
};

/* Refused connections of one uid since the last summary. */
struct drops {
	uid_t uid;
	unsigned long count;
	const char *reason;	/* the last one */
};

#define MAX_DROP_UIDS 1024

static struct {
	pthread_mutex_t lock;
	struct holder *h;
	size_t nh, cap;
	size_t total, max_total, per_uid;
	struct drops d[MAX_DROP_UIDS];
	size_t nd;
	unsigned long d_other;	/* drops of uids beyond the table */
	int64_t next_flush;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
share_init(size_t max_conns, size_t per_uid)
{
	S.h = calloc(max_conns, sizeof(*S.h));
	if (S.h == NULL)
		return -1;
	S.cap = max_conns;
	/* Half of every connection slot, queue place and worker: a request
	 * holds at most one of each, so half the places is half of each. */
	S.max_total = max_conns / 2 > 0 ? max_conns / 2 : 1;
	S.per_uid = per_uid;
	return 0;
}

void
share_destroy(void)
{
	free(S.h);
	memset(&S.h, 0, sizeof(S.h));
	S.nh = S.cap = S.total = 0;
}

void
share_set_per_uid(size_t per_uid)
{
	pthread_mutex_lock(&S.lock);
	S.per_uid = per_uid;
	pthread_mutex_unlock(&S.lock);
}

static struct holder *
holder_of(uid_t uid)
{
	size_t i;

	for (i = 0; i < S.nh; i++)
		if (S.h[i].uid == uid)
			return &S.h[i];
	return NULL;
}

bool
share_admit(uid_t uid)
{
	struct holder *h;
	bool ok = false;

	pthread_mutex_lock(&S.lock);
	h = holder_of(uid);
	if (S.total >= S.max_total || (h != NULL && h->held >= S.per_uid))
		goto out;
	if (h == NULL) {
		if (S.nh == S.cap)
			goto out;
		h = &S.h[S.nh++];
		h->uid = uid;
		h->held = 0;
	}
	h->held++;
	S.total++;
	ok = true;
out:
	pthread_mutex_unlock(&S.lock);
	return ok;
}

void
share_release(uid_t uid)
{
	struct holder *h;

	pthread_mutex_lock(&S.lock);
	h = holder_of(uid);
	if (h != NULL && h->held > 0) {
		h->held--;
		S.total--;
		if (h->held == 0)
			*h = S.h[--S.nh];
	}
	pthread_mutex_unlock(&S.lock);
}

void
share_count_drop(uid_t uid, const char *reason)
{
	size_t i;

	pthread_mutex_lock(&S.lock);
	for (i = 0; i < S.nd && S.d[i].uid != uid; i++)
		;
	if (i == S.nd && S.nd < MAX_DROP_UIDS)
		S.d[S.nd++] = (struct drops){ uid, 0, reason };
	if (i < S.nd) {
		S.d[i].count++;
		S.d[i].reason = reason;
	} else {
		S.d_other++;
	}
	pthread_mutex_unlock(&S.lock);
}

void
share_flush_drops(int64_t now, bool force)
{
	struct drops d[MAX_DROP_UIDS];
	unsigned long other;
	size_t n, i;

	pthread_mutex_lock(&S.lock);
	if (!force && now < S.next_flush) {
		pthread_mutex_unlock(&S.lock);
		return;
	}
	S.next_flush = now + SHARE_SUMMARY_MS;
	n = S.nd;
	memcpy(d, S.d, n * sizeof(d[0]));
	other = S.d_other;
	S.nd = 0;
	S.d_other = 0;
	pthread_mutex_unlock(&S.lock);
	/* Logged outside the lock: syslog may block. */
	for (i = 0; i < n; i++)
		event_drop_summary(d[i].uid, d[i].count, d[i].reason);
	if (other > 0)
		event_drop_summary((uid_t)-1, other, "many_uids");
}
