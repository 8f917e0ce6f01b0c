/*
 * benchutil.h - what the load tools (pamdrive -n, ldapbench, loadgen)
 * share: the login list, a timed run of client threads, and one way to
 * turn per-transaction times into the figures `make bench` prints.
 *
 * A run is CLIENTS threads, each calling op() back to back.  With seconds
 * > 0 it is timed: warmup_s of untimed calls, then seconds of timed ones;
 * otherwise each thread makes exactly count calls, all timed.  Logins are
 * drawn at random from the whole list, or (sequential) each thread walks
 * its own slice of the list from the start, so that in a timed run no
 * login is seen twice (the run ends, and says so, when a slice runs out).
 */
#ifndef ECFLINK_BENCHUTIL_H
#define ECFLINK_BENCHUTIL_H

#include <stdbool.h>
#include <stdio.h>

#define BU_MAX_CLIENTS 256
#define BU_MAX_USERS 10000000

struct bu_users {
	char **v;
	long n;
};

struct bu_plan {
	int clients;
	double warmup_s, seconds;	/* seconds 0: count calls per client */
	long count;
	bool sequential;		/* walk a slice per client, never repeat */
	const struct bu_users *users;
	/* Per client: a context, or NULL (then the client's calls count as
	 * failed).  op returns 0 when the transaction went as expected. */
	void *(*setup)(int client, void *arg);
	int (*op)(void *ctx, const char *user);
	void (*teardown)(void *ctx);
	void *arg;
};

struct bu_result {
	long n, failed;
	double secs;			/* the measured window */
	double rate, p50, p99, mean;	/* per second; ms */
	bool ran_out;			/* a slice of logins was used up */
	double *t;			/* n samples, sorted, ms */
};

double bu_now_ms(void);
/* Reads one login a line from path; 0, or -1 after a message naming prog. */
int bu_users_read(struct bu_users *u, const char *path, const char *prog);
void bu_users_free(struct bu_users *u);
/* Runs plan; 0, or -1 after a message (threads could not start). */
int bu_run(const struct bu_plan *plan, struct bu_result *r, const char *prog);
/* Sorts t (n samples, ms) and fills the figures of r from it (r->t takes
 * t); failed and ran_out are the caller's to set. */
void bu_figures(struct bu_result *r, double *t, long n, double secs);
/* Prints "bench: n=N failed=F p50=X ms p99=Y ms mean=Z ms rate=R/s ..." */
void bu_print(FILE *f, const struct bu_result *r);
/* Writes the samples one a line to path; 0, or -1 after a message. */
int bu_write_samples(const char *path, const double *t, long n, const char *prog);
void bu_result_free(struct bu_result *r);

#endif
