/*
 * locks.c - named locks (see locks.h): a small set of held names under
 * one mutex; waiters sleep on one condition variable.  Both names are
 * taken together or not at all, so there is no lock-order deadlock.
 */
#include "locks.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"

#define MAX_HELD 512

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *held[MAX_HELD];

static void
init_cv(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &attr);
	pthread_condattr_destroy(&attr);
}

static bool
is_held(const char *name)
{
	int i;

	for (i = 0; i < MAX_HELD; i++)
		if (held[i] != NULL && strcasecmp(held[i], name) == 0)
			return true;
	return false;
}

static int
free_slots(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_HELD; i++)
		n += held[i] == NULL;
	return n;
}

/* Takes a free slot for name; false when out of memory. */
static bool
hold(const char *name)
{
	int i;

	for (i = 0; i < MAX_HELD; i++) {
		if (held[i] == NULL) {
			held[i] = strdup(name);
			return held[i] != NULL;
		}
	}
	return false;
}

/* Frees the slots of a and b; under the mutex. */
static void
release_locked(const char *a, const char *b)
{
	int i;

	for (i = 0; i < MAX_HELD; i++) {
		if (held[i] != NULL && (strcasecmp(held[i], a) == 0 || strcasecmp(held[i], b) == 0)) {
			free(held[i]);
			held[i] = NULL;
		}
	}
}

int
locks_acquire(const char *a, const char *b, int64_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000 };
	int rc = 0;

	pthread_once(&once, init_cv);
	pthread_mutex_lock(&mu);
	while (is_held(a) || is_held(b) || free_slots() < 2) {
		rc = pthread_cond_timedwait(&cv, &mu, &ts);
		if (rc == ETIMEDOUT)
			break;
	}
	if (rc != ETIMEDOUT && !(hold(a) && hold(b))) {
		release_locked(a, b);
		rc = ENOMEM;
	}
	pthread_mutex_unlock(&mu);
	return rc == ETIMEDOUT || rc == ENOMEM ? -1 : 0;
}

void
locks_release(const char *a, const char *b)
{
	pthread_mutex_lock(&mu);
	release_locked(a, b);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}
