/*
 * fehint.c - a uid that calls like a login front end (see fehint.h).
 */
#include "fehint.h"

#include <pthread.h>
#include <string.h>

struct slot {
	uid_t uid;
	bool used, told;
	int64_t window_start, last;	/* ms */
	unsigned int count;		/* requests in the window */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[FEHINT_SLOTS];

/* uid's slot, else a free one, else the one quiet longest (cleared). */
static struct slot *
find(uid_t uid)
{
	struct slot *quiet = &slots[0];
	size_t i;

	for (i = 0; i < FEHINT_SLOTS; i++) {
		if (slots[i].used && slots[i].uid == uid)
			return &slots[i];
	}
	for (i = 0; i < FEHINT_SLOTS; i++) {
		if (!slots[i].used) {
			quiet = &slots[i];
			break;
		}
		if (slots[i].last < quiet->last)
			quiet = &slots[i];
	}
	memset(quiet, 0, sizeof(*quiet));
	quiet->used = true;
	quiet->uid = uid;
	return quiet;
}

bool
fehint_note(uid_t uid, int64_t now_ms)
{
	struct slot *s;
	bool tell = false;

	pthread_mutex_lock(&lock);
	s = find(uid);
	if (s->count == 0 || now_ms - s->window_start >= FEHINT_WINDOW_MS) {
		s->window_start = now_ms;
		s->count = 0;
	}
	s->last = now_ms;
	if (!s->told && ++s->count >= FEHINT_REQUESTS)
		tell = s->told = true;
	pthread_mutex_unlock(&lock);
	return tell;
}

void
fehint_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(slots, 0, sizeof(slots));
	pthread_mutex_unlock(&lock);
}
