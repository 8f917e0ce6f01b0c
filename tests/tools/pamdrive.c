/*
 * pamdrive - drives the real libpam through a PAM service read from a
 * private directory (pam_start_confdir), for the integration tests and a
 * quick latency figure.
 *
 *   pamdrive -C CONFDIR -s SERVICE [-u USER] [-p PASSWORD]... [-a ANSWER]...
 *            [-S] [-N] [-w] [-r RHOST] [-t TTY] [-R RUSER]
 *            [-n N [-U FILE] [-L FILE]] PHASE...
 *
 * PHASE is auth, account or setcred.  The conversation answers
 * PAM_PROMPT_ECHO_OFF with the next -p value and PAM_PROMPT_ECHO_ON with the
 * next -a value (none left: PAM_CONV_ERR) and prints every message as one
 * line, "conv STYLE: text", newlines written as \n.  Each phase prints
 * "PHASE: PAM_CODE (T ms)"; then "env NAME=VALUE" for the PAM environment.
 * -w adds to each phase how long the calling thread was ready but waiting
 * for a CPU, and how long it ran on one (the run-queue wait and run time
 * of /proc/thread-self/schedstat): "PHASE: PAM_CODE (T ms; W ms waiting
 * for a CPU; C ms on a CPU)".  T - W is what a deadline bounds however busy
 * the machine is; the rest of T - W - C is asleep (in poll, or blocked).
 * W and C are "?" when the kernel keeps no such figures.
 * -S passes PAM_SILENT, -N gives libpam a conversation without a function.
 * -n N runs the whole transaction N times, quietly, and prints p50, p99 and
 * mean.  With -n, -U FILE takes the user of transaction i from line
 * i % lines of FILE (one login a line; -u is then ignored) and -L FILE
 * writes every transaction's time in ms, one a line, for `make bench` to
 * merge the figures of parallel clients; the first failures are told on
 * stderr, "pamdrive: transaction I: PHASE: PAM_CODE (T ms)".  Exit status: 0 when every phase
 * returned PAM_SUCCESS, 1 otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "benchutil.h"

#define MAX_VALUES 32
#define MAX_PHASES 16

struct answers {
	const char *v[MAX_VALUES];
	int n;
	int next;
};

struct drive {
	const char *confdir, *service, *user, *rhost, *tty, *ruser;
	struct answers pw, ans;
	bool silent, noconv, quiet, cpu_wait;
	const char *phase[MAX_PHASES];
	int nphase;
	struct bu_users users;	/* -U: logins taken round-robin, or none */
	const char *samples;	/* -L: where the per-transaction times go */
	long txn;		/* -n: the transaction running, from 1 */
	int told;		/* -n: failures told on stderr so far */
};

/* How many failed phases -n tells on stderr before it only counts them. */
#define MAX_TOLD 5

static const char *const code_names[] = {
	"PAM_SUCCESS", "PAM_OPEN_ERR", "PAM_SYMBOL_ERR", "PAM_SERVICE_ERR",
	"PAM_SYSTEM_ERR", "PAM_BUF_ERR", "PAM_PERM_DENIED", "PAM_AUTH_ERR",
	"PAM_CRED_INSUFFICIENT", "PAM_AUTHINFO_UNAVAIL", "PAM_USER_UNKNOWN", "PAM_MAXTRIES",
	"PAM_NEW_AUTHTOK_REQD", "PAM_ACCT_EXPIRED", "PAM_SESSION_ERR", "PAM_CRED_UNAVAIL",
	"PAM_CRED_EXPIRED", "PAM_CRED_ERR", "PAM_NO_MODULE_DATA", "PAM_CONV_ERR",
	"PAM_AUTHTOK_ERR", "PAM_AUTHTOK_RECOVERY_ERR", "PAM_AUTHTOK_LOCK_BUSY",
	"PAM_AUTHTOK_DISABLE_AGING", "PAM_TRY_AGAIN", "PAM_IGNORE", "PAM_ABORT",
	"PAM_AUTHTOK_EXPIRED", "PAM_MODULE_UNKNOWN", "PAM_BAD_ITEM", "PAM_CONV_AGAIN",
	"PAM_INCOMPLETE",
};

/* The symbolic name of a PAM return code. */
static const char *
code_name(int rc)
{
	if (rc >= 0 && (size_t)rc < sizeof(code_names) / sizeof(code_names[0]))
		return code_names[rc];
	return "PAM_(unknown)";
}

/* Prints text on one line: newline as \n, other control bytes as \xHH. */
static void
print_escaped(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static const char *
style_name(int style)
{
	switch (style) {
	case PAM_ERROR_MSG: return "ERROR_MSG";
	case PAM_TEXT_INFO: return "TEXT_INFO";
	case PAM_PROMPT_ECHO_ON: return "PROMPT_ECHO_ON";
	case PAM_PROMPT_ECHO_OFF: return "PROMPT_ECHO_OFF";
	}
	return "OTHER";
}

/* Frees n responses, wiping what they hold. */
static void
free_responses(struct pam_response *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
}

/* The conversation function: answers prompts from the -p / -a lists. */
static int
converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct drive *d = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		struct answers *src = NULL;

		if (!d->quiet) {
			printf("conv %s: ", style_name(msg[i]->msg_style));
			print_escaped(msg[i]->msg);
			putchar('\n');
		}
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			src = &d->pw;
		else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON)
			src = &d->ans;
		if (src == NULL)
			continue;
		if (src->next >= src->n)
			goto fail;
		r[i].resp = strdup(src->v[src->next++]);
		if (r[i].resp == NULL)
			goto fail;
	}
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
fail:
	fflush(stdout);
	free_responses(r, n);
	return PAM_CONV_ERR;
}

/* Sets an item unless value is NULL; 0 or -1 after a message. */
static int
set_item(pam_handle_t *h, int item, const char *value, const char *what)
{
	int rc;

	if (value == NULL)
		return 0;
	rc = pam_set_item(h, item, value);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_set_item %s: %s\n", what, pam_strerror(h, rc));
		return -1;
	}
	return 0;
}

/* The calling thread's time so far on a CPU and waiting for one. */
struct cpu_times {
	double on, waited;	/* ms; -1 when the kernel does not keep them */
};

static struct cpu_times
cpu_times(void)
{
	struct cpu_times c = { -1, -1 };
	unsigned long long on, waited;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");

	if (f == NULL)
		return c;
	if (fscanf(f, "%llu %llu", &on, &waited) == 2) {
		c.on = (double)on / 1e6;
		c.waited = (double)waited / 1e6;
	}
	fclose(f);
	return c;
}

/* Prints one phase's line: its code, its time, and with -w its CPU wait
 * and CPU time (a and b: the thread's figures before and after). */
static void
print_phase(const struct drive *d, const char *phase, int rc, double ms, struct cpu_times a,
	    struct cpu_times b)
{
	printf("%s: %s (%.2f ms", phase, code_name(rc), ms);
	if (d->cpu_wait && (a.on < 0 || b.on < 0))
		fputs("; ? ms waiting for a CPU; ? ms on a CPU", stdout);
	else if (d->cpu_wait)
		printf("; %.2f ms waiting for a CPU; %.2f ms on a CPU", b.waited - a.waited,
		       b.on - a.on);
	puts(")");
}

/* Runs one transaction; returns 0 when every phase succeeded. */
static int
transaction(struct drive *d)
{
	struct pam_conv conv = { .conv = d->noconv ? NULL : converse, .appdata_ptr = d };
	int flags = d->silent ? PAM_SILENT : 0, rc, i, failed = 0;
	pam_handle_t *h = NULL;
	char **env;

	d->pw.next = 0;
	d->ans.next = 0;
	rc = pam_start_confdir(d->service, d->user, &conv, d->confdir, &h);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start_confdir %s in %s: %s\n", d->service,
			d->confdir, pam_strerror(h, rc));
		return 1;
	}
	if (set_item(h, PAM_RHOST, d->rhost, "PAM_RHOST") < 0 ||
	    set_item(h, PAM_TTY, d->tty, "PAM_TTY") < 0 ||
	    set_item(h, PAM_RUSER, d->ruser, "PAM_RUSER") < 0) {
		pam_end(h, PAM_SYSTEM_ERR);
		return 1;
	}
	for (i = 0; i < d->nphase; i++) {
		struct cpu_times c0 = { 0, 0 }, c1 = { 0, 0 };
		double t0, ms;

		if (d->cpu_wait)
			c0 = cpu_times();
		t0 = bu_now_ms();
		if (strcmp(d->phase[i], "auth") == 0)
			rc = pam_authenticate(h, flags);
		else if (strcmp(d->phase[i], "account") == 0)
			rc = pam_acct_mgmt(h, flags);
		else
			rc = pam_setcred(h, flags | PAM_ESTABLISH_CRED);
		ms = bu_now_ms() - t0;
		if (d->cpu_wait)
			c1 = cpu_times();
		if (rc != PAM_SUCCESS)
			failed = 1;
		if (!d->quiet)
			print_phase(d, d->phase[i], rc, ms, c0, c1);
		else if (rc != PAM_SUCCESS && d->told++ < MAX_TOLD)
			fprintf(stderr, "pamdrive: transaction %ld: %s: %s (%.2f ms)\n", d->txn,
				d->phase[i], code_name(rc), ms);
	}
	env = pam_getenvlist(h);
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (!d->quiet) {
			fputs("env ", stdout);
			print_escaped(env[i]);
			putchar('\n');
		}
		free(env[i]);
	}
	free(env);
	fflush(stdout);
	pam_end(h, rc);
	return failed;
}

/* Runs n transactions and prints the latency distribution. */
static int
bench(struct drive *d, long n)
{
	double *t = calloc((size_t)n, sizeof(*t)), t0;
	struct bu_result r = { 0 };
	long i, bad = 0;

	if (t == NULL) {
		fprintf(stderr, "pamdrive: out of memory for %ld samples\n", n);
		return 1;
	}
	d->quiet = true;
	t0 = bu_now_ms();
	for (i = 0; i < n; i++) {
		double t1 = bu_now_ms();

		if (d->users.v != NULL)
			d->user = d->users.v[i % d->users.n];
		d->txn = i + 1;
		bad += transaction(d);
		t[i] = bu_now_ms() - t1;
	}
	if (d->samples != NULL && bu_write_samples(d->samples, t, n, "pamdrive") < 0)
		bad++;
	bu_figures(&r, t, n, (bu_now_ms() - t0) / 1e3);
	r.failed = bad;
	bu_print(stdout, &r);
	bu_result_free(&r);
	return bad > 0;
}

static void
usage(void)
{
	fputs("usage: pamdrive -C CONFDIR -s SERVICE [-u USER] [-p PASSWORD]... "
	      "[-a ANSWER]... [-S] [-N] [-w] [-r RHOST] [-t TTY] [-R RUSER] "
	      "[-n N [-U FILE] [-L FILE]] auth|account|setcred...\n", stderr);
	exit(2);
}

/* Adds an answer to a list; exits with a usage error when it is full. */
static void
add(struct answers *a, const char *v)
{
	if (a->n >= MAX_VALUES)
		usage();
	a->v[a->n++] = v;
}

int
main(int argc, char **argv)
{
	struct drive d = { 0 };
	const char *user_file = NULL;
	long repeat = 1;
	char *end;
	int c, i, rc;

	while ((c = getopt(argc, argv, "C:s:u:p:a:SNwr:t:R:n:U:L:")) != -1) {
		switch (c) {
		case 'C': d.confdir = optarg; break;
		case 's': d.service = optarg; break;
		case 'u': d.user = optarg; break;
		case 'p': add(&d.pw, optarg); break;
		case 'a': add(&d.ans, optarg); break;
		case 'S': d.silent = true; break;
		case 'N': d.noconv = true; break;
		case 'w': d.cpu_wait = true; break;
		case 'r': d.rhost = optarg; break;
		case 't': d.tty = optarg; break;
		case 'R': d.ruser = optarg; break;
		case 'U': user_file = optarg; break;
		case 'L': d.samples = optarg; break;
		case 'n':
			repeat = strtol(optarg, &end, 10);
			if (*end != '\0' || repeat < 1 || repeat > 10000000)
				usage();
			break;
		default: usage();
		}
	}
	if (d.confdir == NULL || d.service == NULL || optind >= argc ||
	    argc - optind > MAX_PHASES)
		usage();
	if ((user_file != NULL || d.samples != NULL) && repeat < 2)
		usage();
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "auth") != 0 && strcmp(argv[i], "account") != 0 &&
		    strcmp(argv[i], "setcred") != 0)
			usage();
		d.phase[d.nphase++] = argv[i];
	}
	if (user_file != NULL && bu_users_read(&d.users, user_file, "pamdrive") < 0)
		rc = 1;
	else
		rc = repeat > 1 ? bench(&d, repeat) : transaction(&d);
	bu_users_free(&d.users);
	return rc;
}
