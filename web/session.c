/*
 * session.c - the session store (see session.h).
 */
#include "session.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct session **slots;
static int n_slots;
static int64_t idle_ms;

int
session_init(int max, int idle_s)
{
	slots = calloc((size_t)max, sizeof(*slots));
	if (slots == NULL)
		return -1;
	n_slots = max;
	idle_ms = (int64_t)idle_s * 1000;
	return 0;
}

bool
session_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = 0;

	if (la != lb || la == 0)
		return false;
	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Writes 256 random bits as 64 hex digits into out; 0 or -1. */
static int
random_hex(char out[SESSION_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[SESSION_ID_LEN / 2];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[SESSION_ID_LEN] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

/* The slot holding id, or -1; drops it when idle too long.  Lock held. */
static int
find(const char *id, int64_t now)
{
	int i;

	if (strlen(id) != SESSION_ID_LEN)
		return -1;
	for (i = 0; i < n_slots; i++) {
		if (slots[i] == NULL || !session_equal(slots[i]->id, id))
			continue;
		if (now - slots[i]->last_ms >= idle_ms) {
			explicit_bzero(slots[i], sizeof(*slots[i]));
			free(slots[i]);
			slots[i] = NULL;
			return -1;
		}
		return i;
	}
	return -1;
}

bool
session_get(const char *id, int64_t now_ms, struct session *s)
{
	int i;

	pthread_mutex_lock(&lock);
	i = find(id, now_ms);
	if (i >= 0) {
		slots[i]->last_ms = now_ms;
		*s = *slots[i];
	}
	pthread_mutex_unlock(&lock);
	return i >= 0;
}

/*
 * Puts a copy of s into a free or expired slot, else over the stalest
 * anonymous session, else the stalest of all: a flood of new visitors
 * pushes out other visitors before anyone who has logged in.  Lock held.
 */
static int
insert(const struct session *s)
{
	int i, pick = -1, anon = -1;

	for (i = 0; i < n_slots; i++) {
		if (slots[i] == NULL || s->last_ms - slots[i]->last_ms >= idle_ms) {
			pick = anon = i;
			break;
		}
		if (pick < 0 || slots[i]->last_ms < slots[pick]->last_ms)
			pick = i;
		if (slots[i]->state == SS_ANON &&
		    (anon < 0 || slots[i]->last_ms < slots[anon]->last_ms))
			anon = i;
	}
	if (anon >= 0)
		pick = anon;
	if (pick < 0)
		return -1;
	if (slots[pick] == NULL && (slots[pick] = malloc(sizeof(*s))) == NULL)
		return -1;
	*slots[pick] = *s;
	return 0;
}

int
session_new(int64_t now_ms, struct session *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->last_ms = now_ms;
	if (random_hex(s->id) < 0 || random_hex(s->csrf) < 0)
		return -1;
	pthread_mutex_lock(&lock);
	rc = insert(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

void
session_put(const struct session *s)
{
	int i;

	pthread_mutex_lock(&lock);
	i = find(s->id, s->last_ms);
	if (i >= 0)
		*slots[i] = *s;
	pthread_mutex_unlock(&lock);
}

int
session_rotate(struct session *s)
{
	char old[SESSION_ID_LEN + 1];
	int rc;

	memcpy(old, s->id, sizeof(old));
	if (random_hex(s->id) < 0 || random_hex(s->csrf) < 0)
		return -1;
	pthread_mutex_lock(&lock);
	rc = find(old, s->last_ms);
	if (rc >= 0) {
		explicit_bzero(slots[rc], sizeof(*slots[rc]));
		free(slots[rc]);
		slots[rc] = NULL;
	}
	rc = insert(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

void
session_drop(const char *id)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n_slots; i++) {
		if (slots[i] != NULL && session_equal(slots[i]->id, id)) {
			explicit_bzero(slots[i], sizeof(*slots[i]));
			free(slots[i]);
			slots[i] = NULL;
		}
	}
	pthread_mutex_unlock(&lock);
}
