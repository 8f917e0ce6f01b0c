/*
 * ldapbench - raw libldap on kept connections, the yardstick `make bench`
 * sets beside ecflinkd: what a daemon without a cache would do for one
 * auth + account transaction.
 *
 *   ldapbench -H URI -D BINDDN -y PWFILE -b PACER_BASE -c CMECF_BASE
 *             -U USERFILE -p USERPW [-t THREADS] [-n COUNT] [-m full|bind]
 *             [-L FILE]
 *
 * Each of THREADS threads opens two connections before the clock starts:
 * one bound as BINDDN (password: the first line of PWFILE) for searches,
 * one for user binds.  A "full" transaction searches PACER_BASE for the
 * login's PACER account, searches CMECF_BASE for the CM/ECF account linked
 * to it and binds as the PACER DN with USERPW (bench data only); a "bind"
 * transaction only binds as uid=LOGIN,PACER_BASE.  Thread k takes the
 * logins of USERFILE (one a line) round-robin from line k * lines /
 * THREADS, COUNT transactions (default 1000).  Every LDAP call has a 5 s
 * time-out.  Prints one line like pamdrive -n:
 *
 *   bench: n=N failed=F p50=X ms p99=Y ms mean=Z ms rate=R/s
 *
 * (rate over the wall time of all threads) and, with -L, every
 * transaction's time in ms, one a line.  Exit status: 0 when every
 * transaction succeeded, 1 otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#define MAX_THREADS 64
#define MAX_USERS 1000000
#define OP_TIMEOUT_S 5

struct bench {
	const char *uri, *bind_dn, *pacer_base, *cmecf_base, *user_pw;
	char svc_pw[256];
	bool bind_only;
	char **users;
	long nusers;
	long count;		/* transactions per thread */
	double *t;		/* count * threads samples, ms */
};

struct worker {
	struct bench *b;
	int index;
	int nthreads;
	long failed;
	pthread_t tid;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Opens a connection to uri with time-outs set and, when dn is not NULL,
 * binds it as dn/pw; returns it, or NULL after a message.
 */
static LDAP *
open_conn(const char *uri, const char *dn, const char *pw)
{
	struct timeval tv = { .tv_sec = OP_TIMEOUT_S };
	int version = LDAP_VERSION3, rc;
	struct berval cred;
	LDAP *ld = NULL;

	rc = ldap_initialize(&ld, uri);
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "ldapbench: ldap_initialize %s: %s\n", uri, ldap_err2string(rc));
		return NULL;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS) {
		fprintf(stderr, "ldapbench: cannot set the options of a connection to %s\n", uri);
		goto fail;
	}
	if (dn == NULL)
		return ld;
	cred.bv_val = (char *)pw;
	cred.bv_len = strlen(pw);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "ldapbench: bind as %s to %s: %s\n", dn, uri, ldap_err2string(rc));
		goto fail;
	}
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/*
 * Searches base (subtree) for filter; on exactly one entry copies its DN
 * to dn (when not NULL) and returns 0, else -1 (a message only for an LDAP
 * error).
 */
static int
search_one(LDAP *ld, const char *base, const char *filter, char *attrs[], char *dn,
	   size_t dnsize)
{
	struct timeval tv = { .tv_sec = OP_TIMEOUT_S };
	LDAPMessage *res = NULL, *e;
	char *got = NULL;
	int rc, ret = -1;

	rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, &tv,
			       2, &res);
	if (rc != LDAP_SUCCESS) {
		fprintf(stderr, "ldapbench: search %s under %s: %s\n", filter, base,
			ldap_err2string(rc));
		goto out;
	}
	if (ldap_count_entries(ld, res) != 1)
		goto out;
	e = ldap_first_entry(ld, res);
	if (dn != NULL) {
		got = ldap_get_dn(ld, e);
		if (got == NULL || (size_t)snprintf(dn, dnsize, "%s", got) >= dnsize)
			goto out;
	}
	ret = 0;
out:
	ldap_memfree(got);
	ldap_msgfree(res);
	return ret;
}

/* Binds ld as dn with pw; 0 or -1 (a message for errors other than 49). */
static int
bind_user(LDAP *ld, const char *dn, const char *pw)
{
	struct berval cred = { .bv_val = (char *)pw, .bv_len = strlen(pw) };
	int rc;

	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return 0;
	if (rc != LDAP_INVALID_CREDENTIALS)
		fprintf(stderr, "ldapbench: bind as %s: %s\n", dn, ldap_err2string(rc));
	return -1;
}

/* One transaction for login on the two connections; 0 or -1. */
static int
transaction(struct bench *b, LDAP *svc, LDAP *usr, const char *login)
{
	static char *pacer_attrs[] = { "uid", "cn", "mail", NULL };
	static char *cmecf_attrs[] = { "uid", "cn", "ecfRole", NULL };
	struct berval val = { .bv_val = (char *)login, .bv_len = strlen(login) }, out = { 0 };
	char dn[512], filter[512], *esc;
	int ret = -1;

	if (b->bind_only) {
		if ((size_t)snprintf(dn, sizeof(dn), "uid=%s,%s", login, b->pacer_base) >=
		    sizeof(dn))
			return -1;
		return bind_user(usr, dn, b->user_pw);
	}
	if (ldap_bv2escaped_filter_value(&val, &out) != 0)
		return -1;
	esc = out.bv_val;
	if ((size_t)snprintf(filter, sizeof(filter), "(&(objectClass=pacerAccount)(uid=%s))",
			     esc) >= sizeof(filter) ||
	    search_one(svc, b->pacer_base, filter, pacer_attrs, dn, sizeof(dn)) < 0)
		goto out;
	if ((size_t)snprintf(filter, sizeof(filter),
			     "(&(objectClass=ecfAccount)(ecfLinkedPacer=%s))", esc) >=
		    sizeof(filter) ||
	    search_one(svc, b->cmecf_base, filter, cmecf_attrs, NULL, 0) < 0)
		goto out;
	ret = bind_user(usr, dn, b->user_pw);
out:
	ldap_memfree(esc);
	return ret;
}

/* A thread: its two connections, then its share of the transactions. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;
	double *t = b->t + (size_t)w->index * (size_t)b->count;
	long i, first = (long)w->index * (b->nusers / w->nthreads);
	LDAP *svc = NULL, *usr = NULL;

	svc = open_conn(b->uri, b->bind_dn, b->svc_pw);
	usr = open_conn(b->uri, NULL, NULL);
	if (svc == NULL || usr == NULL) {
		w->failed = b->count;
		goto out;
	}
	for (i = 0; i < b->count; i++) {
		double t0 = now_ms();

		if (transaction(b, svc, usr, b->users[(first + i) % b->nusers]) < 0)
			w->failed++;
		t[i] = now_ms() - t0;
	}
out:
	if (svc != NULL)
		ldap_unbind_ext_s(svc, NULL, NULL);
	if (usr != NULL)
		ldap_unbind_ext_s(usr, NULL, NULL);
	return NULL;
}

/* Reads the logins of path into b->users; 0 or -1 after a message. */
static int
read_users(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **grown;
	size_t cap = 0, room = 0;
	ssize_t len;
	int rc = -1;

	if (f == NULL) {
		fprintf(stderr, "ldapbench: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((size_t)b->nusers == room) {
			room = room == 0 ? 1024 : room * 2;
			if (room > MAX_USERS) {
				fprintf(stderr, "ldapbench: %s: more than %d logins\n", path,
					MAX_USERS);
				goto out;
			}
			grown = realloc(b->users, room * sizeof(*grown));
			if (grown == NULL)
				goto oom;
			b->users = grown;
		}
		b->users[b->nusers] = strdup(line);
		if (b->users[b->nusers] == NULL)
			goto oom;
		b->nusers++;
	}
	if (ferror(f)) {
		fprintf(stderr, "ldapbench: cannot read %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (b->nusers == 0) {
		fprintf(stderr, "ldapbench: %s holds no login\n", path);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "ldapbench: out of memory reading %s\n", path);
out:
	free(line);
	fclose(f);
	return rc;
}

/* Reads the first line of path into b->svc_pw; 0 or -1 after a message. */
static int
read_password(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "ldapbench: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fgets(b->svc_pw, sizeof(b->svc_pw), f) == NULL) {
		fprintf(stderr, "ldapbench: %s holds no password\n", path);
		rc = -1;
	}
	fclose(f);
	b->svc_pw[strcspn(b->svc_pw, "\n")] = '\0';
	return rc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Writes n times (ms), one a line, to path; 0 or -1 after a message. */
static int
write_samples(const char *path, const double *t, long n)
{
	FILE *f = fopen(path, "w");
	long i;

	if (f == NULL) {
		fprintf(stderr, "ldapbench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%.4f\n", t[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "ldapbench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fputs("usage: ldapbench -H URI -D BINDDN -y PWFILE -b PACER_BASE -c CMECF_BASE "
	      "-U USERFILE -p USERPW [-t THREADS] [-n COUNT] [-m full|bind] [-L FILE]\n",
	      stderr);
	exit(2);
}

/* Parses a count in 1..max or exits with a usage error. */
static long
parse_count(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end != '\0' || v < 1 || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct bench b = { .count = 1000 };
	struct worker w[MAX_THREADS] = { { 0 } };
	const char *pwfile = NULL, *userfile = NULL, *samples = NULL;
	long n, failed = 0, nthreads = 1, i;
	double t0, wall, sum = 0;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "H:D:y:b:c:U:p:t:n:m:L:")) != -1) {
		switch (c) {
		case 'H': b.uri = optarg; break;
		case 'D': b.bind_dn = optarg; break;
		case 'y': pwfile = optarg; break;
		case 'b': b.pacer_base = optarg; break;
		case 'c': b.cmecf_base = optarg; break;
		case 'U': userfile = optarg; break;
		case 'p': b.user_pw = optarg; break;
		case 't': nthreads = parse_count(optarg, MAX_THREADS); break;
		case 'n': b.count = parse_count(optarg, 10000000); break;
		case 'm':
			if (strcmp(optarg, "bind") != 0 && strcmp(optarg, "full") != 0)
				usage();
			b.bind_only = strcmp(optarg, "bind") == 0;
			break;
		case 'L': samples = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || b.uri == NULL || b.bind_dn == NULL || pwfile == NULL ||
	    b.pacer_base == NULL || b.cmecf_base == NULL || userfile == NULL ||
	    b.user_pw == NULL)
		usage();
	if (read_password(&b, pwfile) < 0 || read_users(&b, userfile) < 0)
		goto out;
	n = b.count * nthreads;
	b.t = calloc((size_t)n, sizeof(*b.t));
	if (b.t == NULL) {
		fprintf(stderr, "ldapbench: out of memory for %ld samples\n", n);
		goto out;
	}
	t0 = now_ms();
	for (i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .b = &b, .index = (int)i, .nthreads = (int)nthreads };
		errno = pthread_create(&w[i].tid, NULL, worker_run, &w[i]);
		if (errno != 0) {
			fprintf(stderr, "ldapbench: pthread_create: %s\n", strerror(errno));
			while (i-- > 0)
				pthread_join(w[i].tid, NULL);
			goto out;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		failed += w[i].failed;
	}
	wall = now_ms() - t0;
	if (samples != NULL && write_samples(samples, b.t, n) < 0)
		goto out;
	for (i = 0; i < n; i++)
		sum += b.t[i];
	qsort(b.t, (size_t)n, sizeof(*b.t), cmp_double);
	printf("bench: n=%ld failed=%ld p50=%.3f ms p99=%.3f ms mean=%.3f ms rate=%.0f/s\n", n,
	       failed, b.t[n / 2], b.t[(n * 99) / 100], sum / (double)n,
	       wall > 0 ? (double)n * 1e3 / wall : 0.0);
	rc = failed > 0;
out:
	explicit_bzero(b.svc_pw, sizeof(b.svc_pw));
	free(b.t);
	while (b.nusers > 0)
		free(b.users[--b.nusers]);
	free(b.users);
	return rc;
}
