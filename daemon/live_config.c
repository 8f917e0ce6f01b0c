/*
 * live_config.c - reference-counted configuration snapshots (see
 * live_config.h).
 */
#include "live_config.h"

#include <pthread.h>
#include <stdlib.h>

#include "log.h"

struct snapshot {
	struct snapshot *next;	/* retired ones still in use */
	struct config *cfg;
	int refs;
};

static struct {
	pthread_mutex_t lock;
	struct snapshot *cur;
	struct snapshot *retired;
	unsigned int generation;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER };

const struct config *
live_config_get(void)
{
	const struct config *cfg = NULL;

	pthread_mutex_lock(&L.lock);
	if (L.cur != NULL) {
		L.cur->refs++;
		cfg = L.cur->cfg;
	}
	pthread_mutex_unlock(&L.lock);
	return cfg;
}

void
live_config_put(const struct config *cfg)
{
	struct snapshot **pp, *gone = NULL;

	if (cfg == NULL)
		return;
	pthread_mutex_lock(&L.lock);
	if (L.cur != NULL && L.cur->cfg == cfg) {
		L.cur->refs--;
	} else {
		for (pp = &L.retired; *pp != NULL; pp = &(*pp)->next) {
			if ((*pp)->cfg == cfg) {
				if (--(*pp)->refs == 0) {
					gone = *pp;
					*pp = gone->next;
				}
				break;
			}
		}
	}
	pthread_mutex_unlock(&L.lock);
	if (gone != NULL) {
		config_free(gone->cfg);
		free(gone);
	}
}

void
live_config_set(struct config *cfg)
{
	struct snapshot *n = NULL, *old;

	if (cfg != NULL) {
		n = calloc(1, sizeof(*n));
		if (n == NULL) {
			/* Only at start or on SIGHUP, in the event loop: a
			 * reload that cannot be had keeps the running one. */
			log_warnx("no memory for a configuration snapshot; keeping the running one");
			config_free(cfg);
			return;
		}
		n->cfg = cfg;
	}
	pthread_mutex_lock(&L.lock);
	old = L.cur;
	if (n != NULL)
		cfg->generation = ++L.generation;
	L.cur = n;
	if (old != NULL && old->refs > 0) {
		old->next = L.retired;
		L.retired = old;
		old = NULL;
	}
	pthread_mutex_unlock(&L.lock);
	if (old != NULL) {
		config_free(old->cfg);
		free(old);
	}
}
