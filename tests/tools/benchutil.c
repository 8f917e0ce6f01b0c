/*
 * benchutil.c - login lists, timed client threads and latency figures for
 * the load tools (see benchutil.h).
 */
#include "benchutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double
bu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
bu_users_read(struct bu_users *u, const char *path, const char *prog)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **grown;
	size_t cap = 0, room = 0;
	ssize_t len;
	int rc = -1;

	u->v = NULL;
	u->n = 0;
	if (f == NULL) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((size_t)u->n == room) {
			room = room == 0 ? 1024 : room * 2;
			if (room > 2 * (size_t)BU_MAX_USERS) {
				fprintf(stderr, "%s: %s: more than %d logins\n", prog, path,
					BU_MAX_USERS);
				goto out;
			}
			grown = realloc(u->v, room * sizeof(*grown));
			if (grown == NULL)
				goto oom;
			u->v = grown;
		}
		u->v[u->n] = strdup(line);
		if (u->v[u->n] == NULL)
			goto oom;
		u->n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
		goto out;
	}
	if (u->n == 0) {
		fprintf(stderr, "%s: %s holds no login\n", prog, path);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "%s: out of memory reading %s\n", prog, path);
out:
	free(line);
	fclose(f);
	if (rc < 0)
		bu_users_free(u);
	return rc;
}

void
bu_users_free(struct bu_users *u)
{
	while (u->n > 0)
		free(u->v[--u->n]);
	free(u->v);
	u->v = NULL;
}

/* One client thread's state. */
struct client {
	const struct bu_plan *p;
	int index;
	pthread_t tid;
	double *t;		/* its samples */
	long n, cap, failed;
	bool ran_out;
	double ran_out_at;
};

/* Shared by the threads of one run. */
static atomic_int phase;	/* 0 warm-up, 1 measuring, 2 stop */
static _Atomic double stop_at;	/* when a slice ran out (ms), or 0 */

static int
add_sample(struct client *c, double ms)
{
	if (c->n == c->cap) {
		long cap = c->cap ? c->cap * 2 : 4096;
		double *t = realloc(c->t, (size_t)cap * sizeof(*t));

		if (t == NULL)
			return -1;
		c->t = t;
		c->cap = cap;
	}
	c->t[c->n++] = ms;
	return 0;
}

static void *
client_run(void *arg)
{
	struct client *c = arg;
	const struct bu_plan *p = c->p;
	long n = p->users->n, first = (long)c->index * (n / p->clients), i = 0;
	long slice = p->sequential && p->seconds > 0 ? n / p->clients : -1;
	uint64_t rnd = 0x9e3779b97f4a7c15ull * (uint64_t)(c->index + 1);
	void *ctx = p->setup(c->index, p->arg);

	for (;;) {
		const char *user;
		double t0;
		int measuring = atomic_load(&phase);
		int ok;

		if (p->seconds > 0 ? measuring == 2 : i >= p->count)
			break;
		if (slice >= 0 && i >= slice) {
			double now = bu_now_ms(), expected = 0;

			c->ran_out = true;
			atomic_compare_exchange_strong(&stop_at, &expected, now);
			atomic_store(&phase, 2);
			break;
		}
		if (p->sequential) {
			user = p->users->v[(first + i) % n];
		} else {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			user = p->users->v[rnd % (uint64_t)n];
		}
		i++;
		t0 = bu_now_ms();
		ok = ctx != NULL && p->op(ctx, user) == 0;
		if (p->seconds > 0 && measuring != 1)
			continue;	/* warm-up */
		if (p->seconds > 0 && atomic_load(&phase) == 2 && atomic_load(&stop_at) == 0)
			continue;	/* ended after the window closed */
		if (!ok)
			c->failed++;
		if (add_sample(c, bu_now_ms() - t0) < 0) {
			c->failed++;
			break;
		}
	}
	if (ctx != NULL && p->teardown != NULL)
		p->teardown(ctx);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
bu_figures(struct bu_result *r, double *t, long n, double secs)
{
	double sum = 0;
	long i;

	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	for (i = 0; i < n; i++)
		sum += t[i];
	r->t = t;
	r->n = n;
	r->secs = secs;
	r->rate = secs > 0 ? (double)n / secs : 0;
	r->p50 = n > 0 ? t[n / 2] : 0;
	r->p99 = n > 0 ? t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0;
	r->mean = n > 0 ? sum / (double)n : 0;
}

int
bu_run(const struct bu_plan *p, struct bu_result *r, const char *prog)
{
	struct client *c = calloc((size_t)p->clients, sizeof(*c));
	double t0, t1, end, *all = NULL;
	long total = 0, k;
	int i, started = 0, rc = -1;

	memset(r, 0, sizeof(*r));
	if (c == NULL || p->clients < 1 || p->clients > BU_MAX_CLIENTS) {
		fprintf(stderr, "%s: cannot run %d clients\n", prog, p->clients);
		free(c);
		return -1;
	}
	atomic_store(&phase, p->seconds > 0 ? 0 : 1);
	atomic_store(&stop_at, 0);
	t0 = bu_now_ms();
	for (i = 0; i < p->clients; i++) {
		c[i].p = p;
		c[i].index = i;
		errno = pthread_create(&c[i].tid, NULL, client_run, &c[i]);
		if (errno != 0) {
			fprintf(stderr, "%s: pthread_create: %s\n", prog, strerror(errno));
			atomic_store(&phase, 2);
			break;
		}
		started++;
	}
	if (started == p->clients && p->seconds > 0) {
		usleep((useconds_t)(p->warmup_s * 1e6));
		t0 = bu_now_ms();
		atomic_store(&phase, 1);
		end = t0 + p->seconds * 1e3;
		while ((t1 = bu_now_ms()) < end && atomic_load(&phase) == 1)
			usleep(end - t1 > 20 ? 20000 : (useconds_t)((end - t1) * 1e3));
		atomic_store(&phase, 2);
	}
	for (i = 0; i < started; i++)
		pthread_join(c[i].tid, NULL);
	t1 = atomic_load(&stop_at) > 0 ? atomic_load(&stop_at)
		: p->seconds > 0 ? t0 + p->seconds * 1e3 : bu_now_ms();
	if (started != p->clients)
		goto out;
	for (i = 0; i < p->clients; i++)
		total += c[i].n;
	all = malloc((size_t)(total > 0 ? total : 1) * sizeof(*all));
	if (all == NULL) {
		fprintf(stderr, "%s: out of memory for %ld samples\n", prog, total);
		goto out;
	}
	for (i = 0, k = 0; i < p->clients; i++) {
		memcpy(all + k, c[i].t, (size_t)c[i].n * sizeof(*all));
		k += c[i].n;
		r->failed += c[i].failed;
		r->ran_out |= c[i].ran_out;
	}
	bu_figures(r, all, total, (t1 - t0) / 1e3);
	rc = 0;
out:
	for (i = 0; i < p->clients; i++)
		free(c[i].t);
	free(c);
	return rc;
}

void
bu_print(FILE *f, const struct bu_result *r)
{
	fprintf(f, "bench: n=%ld failed=%ld p50=%.3f ms p99=%.3f ms mean=%.3f ms rate=%.0f/s "
		   "secs=%.2f%s\n", r->n, r->failed, r->p50, r->p99, r->mean, r->rate, r->secs,
		r->ran_out ? " ran_out=1" : "");
}

int
bu_write_samples(const char *path, const double *t, long n, const char *prog)
{
	FILE *f = fopen(path, "w");
	long i;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%.4f\n", t[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

void
bu_result_free(struct bu_result *r)
{
	free(r->t);
	r->t = NULL;
}
