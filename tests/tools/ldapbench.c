/*
 * ldapbench - raw libldap on kept connections, the yardstick `make bench`
 * sets beside ecflinkd: what a daemon without a cache would do for one
 * auth + account transaction.
 *
 *   ldapbench -H URI -D BINDDN -y PWFILE -b PACER_BASE -c CMECF_BASE
 *             -U USERFILE -p USERPW [-t THREADS] [-n COUNT | -s SECONDS
 *             [-w WARMUP_S]] [-m full|bind] [-L FILE]
 *
 * Each of THREADS threads opens two connections before the clock starts:
 * one bound as BINDDN (password: the first line of PWFILE) for searches,
 * one for user binds.  A "full" transaction searches PACER_BASE for the
 * login's PACER account, searches CMECF_BASE for the CM/ECF account linked
 * to it and binds as the PACER DN with USERPW (bench data only); a "bind"
 * transaction only binds as uid=LOGIN,PACER_BASE.  With -n, thread k
 * takes the logins of USERFILE (one a line) round-robin from line k *
 * lines / THREADS, COUNT transactions (default 1000); with -s, logins at
 * random for SECONDS after WARMUP_S (default 0.5) untimed (the run of
 * tests/tools/benchutil.c, as loadgen's).  Every LDAP call has a 5 s
 * time-out.  Prints one line like pamdrive -n and loadgen:
 *
 *   bench: n=N failed=F p50=X ms p99=Y ms mean=Z ms rate=R/s secs=S
 *
 * and, with -L, every transaction's time in ms, one a line.  Exit status: 0 when every
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

#include "benchutil.h"

#define OP_TIMEOUT_S 5

struct bench {
	const char *uri, *bind_dn, *pacer_base, *cmecf_base, *user_pw;
	char svc_pw[256];
	bool bind_only;
};

/* A thread's two connections. */
struct conns {
	struct bench *b;
	LDAP *svc, *usr;
};

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

static void conns_close(void *ctx);

/* A client's two connections, opened before the clock starts; NULL on failure. */
static void *
conns_open(int client, void *arg)
{
	struct bench *b = arg;
	struct conns *c = calloc(1, sizeof(*c));

	(void)client;
	if (c == NULL)
		return NULL;
	c->b = b;
	c->svc = open_conn(b->uri, b->bind_dn, b->svc_pw);
	c->usr = open_conn(b->uri, NULL, NULL);
	if (c->svc != NULL && c->usr != NULL)
		return c;
	conns_close(c);
	return NULL;
}

static void
conns_close(void *ctx)
{
	struct conns *c = ctx;

	if (c->svc != NULL)
		ldap_unbind_ext_s(c->svc, NULL, NULL);
	if (c->usr != NULL)
		ldap_unbind_ext_s(c->usr, NULL, NULL);
	free(c);
}

static int
conns_op(void *ctx, const char *login)
{
	struct conns *c = ctx;

	return transaction(c->b, c->svc, c->usr, login);
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

static void
usage(void)
{
	fputs("usage: ldapbench -H URI -D BINDDN -y PWFILE -b PACER_BASE -c CMECF_BASE "
	      "-U USERFILE -p USERPW [-t THREADS] [-n COUNT | -s SECONDS [-w WARMUP_S]] "
	      "[-m full|bind] [-L FILE]\n",
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
	struct bench b = { 0 };
	struct bu_plan p = { .clients = 1, .count = 1000, .warmup_s = 0.5, .sequential = true,
			     .setup = conns_open, .op = conns_op, .teardown = conns_close };
	const char *pwfile = NULL, *userfile = NULL, *samples = NULL;
	struct bu_users users = { 0 };
	struct bu_result r;
	char *end;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "H:D:y:b:c:U:p:t:n:s:w:m:L:")) != -1) {
		switch (c) {
		case 'H': b.uri = optarg; break;
		case 'D': b.bind_dn = optarg; break;
		case 'y': pwfile = optarg; break;
		case 'b': b.pacer_base = optarg; break;
		case 'c': b.cmecf_base = optarg; break;
		case 'U': userfile = optarg; break;
		case 'p': b.user_pw = optarg; break;
		case 't': p.clients = (int)parse_count(optarg, BU_MAX_CLIENTS); break;
		case 'n': p.count = parse_count(optarg, 10000000); break;
		case 's':
			p.seconds = strtod(optarg, &end);
			if (*end != '\0' || !(p.seconds > 0 && p.seconds <= 3600))
				usage();
			p.sequential = false;
			break;
		case 'w':
			p.warmup_s = strtod(optarg, &end);
			if (*end != '\0' || !(p.warmup_s >= 0 && p.warmup_s <= 600))
				usage();
			break;
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
	if (read_password(&b, pwfile) < 0 ||
	    bu_users_read(&users, userfile, "ldapbench") < 0)
		goto out;
	p.users = &users;
	p.arg = &b;
	if (bu_run(&p, &r, "ldapbench") < 0)
		goto out;
	bu_print(stdout, &r);
	if (samples != NULL && bu_write_samples(samples, r.t, r.n, "ldapbench") < 0)
		r.failed++;
	rc = r.failed > 0 || r.n == 0;
	bu_result_free(&r);
out:
	explicit_bzero(b.svc_pw, sizeof(b.svc_pw));
	bu_users_free(&users);
	return rc;
}
