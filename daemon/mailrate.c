/*
 * mailrate.c - a sliding one-minute window of mail attempts (see mailrate.h).
 */
#include "mailrate.h"

#include <stdlib.h>
#include <string.h>

/* The i-th oldest kept attempt. */
static int64_t
nth(const struct mailrate *r, size_t i)
{
	return r->stamps[(r->head + i) % r->per_min];
}

int
mailrate_set(struct mailrate *r, size_t per_min)
{
	int64_t *ns;
	size_t keep, i;

	if (per_min == r->per_min)
		return 0;
	if (per_min == 0) {
		mailrate_free(r);
		return 0;
	}
	ns = calloc(per_min, sizeof(*ns));
	if (ns == NULL)
		return -1;
	/* Keep the newest attempts that fit: they are the ones still counting. */
	keep = r->n < per_min ? r->n : per_min;
	for (i = 0; i < keep; i++)
		ns[i] = nth(r, r->n - keep + i);
	free(r->stamps);
	r->stamps = ns;
	r->per_min = per_min;
	r->n = keep;
	r->head = 0;
	return 0;
}

int64_t
mailrate_wait_ms(const struct mailrate *r, int64_t now_ms)
{
	int64_t age;

	if (r->per_min == 0 || r->n < r->per_min)
		return 0;
	age = now_ms - nth(r, 0);
	return age >= MAILRATE_WINDOW_MS ? 0 : MAILRATE_WINDOW_MS - age;
}

void
mailrate_note(struct mailrate *r, int64_t now_ms)
{
	if (r->per_min == 0)
		return;
	if (r->n < r->per_min) {
		r->stamps[(r->head + r->n) % r->per_min] = now_ms;
		r->n++;
		return;
	}
	r->stamps[r->head] = now_ms;
	r->head = (r->head + 1) % r->per_min;
}

void
mailrate_free(struct mailrate *r)
{
	free(r->stamps);
	memset(r, 0, sizeof(*r));
}
