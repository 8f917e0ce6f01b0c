/*
 * ldhealth.c - the shared up/down state of the LDAP servers (see
 * ldhealth.h).
 */
#include "ldhealth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

#define MAX_SERVERS 64
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 10000

struct server {
	char uri[512];
	char cause[600];	/* why it was last marked down */
	bool down;
	int64_t retry_at;	/* monotonic ms; used when every URI is down */
	int backoff_ms;
};

static struct {
	pthread_mutex_t lock;
	struct server s[MAX_SERVERS];
	size_t n;
} H = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The entry of uri, made when first seen (NULL only when the table is
 * full of other URIs: then the server is treated as up, as before). */
static struct server *
find(const char *uri)
{
	size_t i;

	for (i = 0; i < H.n; i++)
		if (strcmp(H.s[i].uri, uri) == 0)
			return &H.s[i];
	if (H.n == MAX_SERVERS || strlen(uri) >= sizeof(H.s[0].uri))
		return NULL;
	memset(&H.s[H.n], 0, sizeof(H.s[H.n]));
	snprintf(H.s[H.n].uri, sizeof(H.s[H.n].uri), "%s", uri);
	return &H.s[H.n++];
}

int
ldhealth_pick(char *const *uris, size_t n, int skip, int64_t *retry_in_ms)
{
	int64_t now = clock_now_ms(), soonest = INT64_MAX;
	int pick = -1, late = -1;
	size_t i;

	*retry_in_ms = 0;
	pthread_mutex_lock(&H.lock);
	for (i = 0; i < n && pick < 0; i++) {
		struct server *s = find(uris[i]);

		if ((int)i == skip)
			continue;
		if (s == NULL || !s->down) {
			pick = (int)i;
		} else if (s->retry_at < soonest) {
			soonest = s->retry_at;
			late = (int)i;
		}
	}
	pthread_mutex_unlock(&H.lock);
	if (pick >= 0)
		return pick;
	if (late >= 0 && soonest <= now)
		return late;
	*retry_in_ms = late >= 0 ? soonest - now : 0;
	return -1;
}

bool
ldhealth_any_up(char *const *uris, size_t n)
{
	bool up = false;
	size_t i;

	pthread_mutex_lock(&H.lock);
	for (i = 0; i < n && !up; i++) {
		struct server *s = find(uris[i]);

		up = s == NULL || !s->down;
	}
	pthread_mutex_unlock(&H.lock);
	return up;
}

void
ldhealth_mark_down(const char *uri, const char *cause, bool backoff)
{
	struct server *s;
	bool changed = false;
	int pause = 0;

	pthread_mutex_lock(&H.lock);
	if ((s = find(uri)) != NULL) {
		changed = !s->down;
		s->down = true;
		snprintf(s->cause, sizeof(s->cause), "%s", cause);
		if (backoff) {
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
			if (s->backoff_ms > BACKOFF_MAX_MS)
				s->backoff_ms = BACKOFF_MAX_MS;
		} else {
			s->backoff_ms = 0;
		}
		s->retry_at = clock_now_ms() + s->backoff_ms;
		pause = s->backoff_ms;
	}
	pthread_mutex_unlock(&H.lock);
	if (changed)
		log_warnx("LDAP server %s is down: %s; the other servers answer until a probe "
			  "finds it answering again", uri, cause);
	else
		log_debug("LDAP server %s still down (%s); next try in %d ms", uri, cause, pause);
}

void
ldhealth_mark_up(const char *uri)
{
	struct server *s;
	bool changed = false;

	pthread_mutex_lock(&H.lock);
	if ((s = find(uri)) != NULL) {
		changed = s->down;
		s->down = false;
		s->backoff_ms = 0;
		s->retry_at = 0;
	}
	pthread_mutex_unlock(&H.lock);
	if (changed)
		log_warnx("LDAP server %s answers again; it is used again in its turn", uri);
}

void
ldhealth_cause(const char *uri, char *buf, size_t len)
{
	struct server *s;

	pthread_mutex_lock(&H.lock);
	s = find(uri);
	snprintf(buf, len, "%s", s != NULL && s->down ? s->cause : "");
	pthread_mutex_unlock(&H.lock);
}

bool
ldhealth_is_down(const char *uri)
{
	struct server *s;
	bool down;

	pthread_mutex_lock(&H.lock);
	s = find(uri);
	down = s != NULL && s->down;
	pthread_mutex_unlock(&H.lock);
	return down;
}

void
ldhealth_reset(void)
{
	pthread_mutex_lock(&H.lock);
	H.n = 0;
	pthread_mutex_unlock(&H.lock);
}
