/*
 * loadgen - `make bench`'s load generator, calling PAM the way a login
 * front end does: one process, CLIENTS threads, each running whole
 * transactions (pam_start -> pam_authenticate -> pam_acct_mgmt -> pam_end)
 * back to back, with every module named by -M loaded once for the
 * process (dlopen, never closed), so pam_end does not unload it.
 *
 *   loadgen -m pam  -C CONFDIR -s SERVICE [-M MODULE]... [-A CODE] [-B CODE]
 *   loadgen -m sock -S SOCKET [-r cmecf|pacer] [-B CODE]
 *   loadgen -m exec -X PAMDRIVE -C CONFDIR -s SERVICE [-A CODE] [-B CODE]
 *   loadgen -m link -S SOCKET -P CMECF_PASSWORD
 *   common:  -U USERFILE -p PASSWORD [-c CLIENTS] [-t SECONDS] [-w WARMUP_S]
 *            [-o] [-L SAMPLES]
 *
 * pam: the transaction above.  The conversation answers a hidden prompt
 * with PASSWORD and a visible one (the redaction question) with "y".  -A
 * is the PAM code pam_authenticate must return (default PAM_SUCCESS); when
 * it is not PAM_SUCCESS the transaction ends there, as a front end's does.
 * -B is the code pam_acct_mgmt must return (default PAM_SUCCESS).
 * sock: ecflinkd's AUTH request straight over its socket (authenticate,
 * the account answer asked for), no libpam; the reply must say PS_OK and
 * -A's result (default success) with an account answer of -B.
 * exec: one pamdrive process per login (fork + exec + libpam + the module
 * loaded afresh), as sshd pays for each connection.
 * link: a whole link over the socket, as the web page makes it: each line
 * of USERFILE is "PACER_LOGIN CMECF_LOGIN", LINK_PREPARE with PASSWORD and
 * CMECF_PASSWORD, then LINK_COMMIT with its token, confirmed; both must
 * answer PLR_OK.  Use -o: a pair links once.
 * -o: each login at most once (each client walks its own slice of the
 * list); otherwise logins are drawn at random.  -t SECONDS (default 3) are
 * timed after -w WARMUP_S (default 0.5) untimed.  Prints one line
 *
 *   bench: n=N failed=F p50=X ms p99=Y ms mean=Z ms rate=R/s secs=S
 *
 * Exit status: 0 when every timed transaction went as expected, 1 if not,
 * 2 for a usage error.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "benchutil.h"
#include "proto.h"
#include "sockio.h"

#define MAX_MODULES 8
#define SOCK_TIMEOUT_MS 5000

extern char **environ;

struct gen {
	const char *mode, *confdir, *service, *password, *socket, *pamdrive, *cmecf_password;
	int want_auth, want_acct;
	uint32_t realm;
};

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

static void
usage(void)
{
	fputs("usage: loadgen -m pam|sock|exec|link -U USERFILE -p PASSWORD [-c CLIENTS] "
	      "[-t SECONDS] [-w WARMUP_S] [-o] [-L SAMPLES] [-C CONFDIR -s SERVICE] "
	      "[-M MODULE]... [-A CODE] [-B CODE] [-S SOCKET] [-r cmecf|pacer] "
	      "[-X PAMDRIVE] [-P CMECF_PASSWORD]\n", stderr);
	exit(2);
}

/* A PAM code from its name, or exits with a usage error. */
static int
code_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (strcmp(code_names[i], name) == 0)
			return (int)i;
	fprintf(stderr, "loadgen: unknown PAM code %s\n", name);
	usage();
	return -1;
}

/* The conversation: the password for hidden prompts, "y" for visible ones. */
static int
converse(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	const struct gen *g = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const char *a = msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ? g->password
				: msg[i]->msg_style == PAM_PROMPT_ECHO_ON ? "y" : NULL;

		if (a != NULL && (r[i].resp = strdup(a)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static void *
setup(int client, void *arg)
{
	(void)client;
	return arg;
}

/* One front-end login through libpam; 0 when both codes were as wanted. */
static int
pam_op(void *ctx, const char *user)
{
	const struct gen *g = ctx;
	struct pam_conv conv = { .conv = converse, .appdata_ptr = (void *)g };
	pam_handle_t *h = NULL;
	int rc, ok;

	rc = pam_start_confdir(g->service, user, &conv, g->confdir, &h);
	if (rc != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(h, 0);
	ok = rc == g->want_auth;
	if (ok && rc == PAM_SUCCESS) {
		rc = pam_acct_mgmt(h, 0);
		ok = rc == g->want_acct;
	}
	pam_end(h, rc);
	return ok ? 0 : -1;
}

/*
 * Sends the request in b to ecflinkd and reads its reply into m (rbuf
 * holds it); 0 when the reply says PS_OK.
 */
static int
sock_call(const struct gen *g, const struct proto_buf *b, uint8_t *rbuf, size_t rlen,
	  struct proto_msg *m)
{
	int64_t deadline = clock_now_ms() + SOCK_TIMEOUT_MS;
	char err[SOCKIO_ERRLEN];
	uint32_t st = 99;
	size_t len;
	int fd, ok = -1;

	fd = sockio_connect(g->socket, deadline, err, sizeof(err));
	if (fd < 0)
		return -1;
	if (sockio_write_all(fd, b->data, b->len, deadline, err, sizeof(err)) == 0 &&
	    sockio_read_frame(fd, rbuf, rlen, &len, m, deadline, err, sizeof(err)) == 0 &&
	    proto_u32(m, PT_STATUS, &st) == 0 && st == PS_OK)
		ok = 0;
	close(fd);
	return ok;
}

/* ecflinkd's AUTH for user, asking for the account answer too. */
static int
sock_op(void *ctx, const char *user)
{
	const struct gen *g = ctx;
	static _Thread_local uint8_t req[4096], rbuf[PROTO_MAX_FRAME];
	uint32_t result = 99, acct = 99;
	struct proto_msg m;
	struct proto_buf b;

	proto_begin(&b, req, sizeof(req), PT_AUTH);
	proto_put_u32(&b, PT_DEADLINE_MS, SOCK_TIMEOUT_MS);
	proto_put_u32(&b, PT_REALM, g->realm);
	proto_put_str(&b, PT_USER, user);
	proto_put_str(&b, PT_PASSWORD, g->password);
	proto_put_u32(&b, PT_FLAGS, PF_AUTHENTICATE | PF_WITH_ACCOUNT);
	proto_put_str(&b, PT_SERVICE, "loadgen");
	if (proto_finish(&b) != PE_OK || sock_call(g, &b, rbuf, sizeof(rbuf), &m) < 0)
		return -1;
	proto_u32(&m, PT_RESULT, &result);
	proto_u32(&m, PT_ACCT_RESULT, &acct);
	if ((int)result != (g->want_auth == PAM_SUCCESS ? PRS_SUCCESS : PRS_AUTH_ERR))
		return -1;
	return result != PRS_SUCCESS ||
			       acct == (g->want_acct == PAM_SUCCESS ? PRS_SUCCESS : PRS_PERM_DENIED)
		       ? 0
		       : -1;
}

/* A whole link of the pair on line "PACER CMECF": prepare, then commit. */
static int
link_op(void *ctx, const char *line)
{
	const struct gen *g = ctx;
	static _Thread_local uint8_t req[4096], rbuf[PROTO_MAX_FRAME];
	char pacer[256], token[128];
	const char *cmecf = strchr(line, ' '), *tok;
	uint32_t result = 99;
	struct proto_msg m;
	struct proto_buf b;

	if (cmecf == NULL || (size_t)(cmecf - line) >= sizeof(pacer))
		return -1;
	snprintf(pacer, sizeof(pacer), "%.*s", (int)(cmecf - line), line);
	cmecf++;
	proto_begin(&b, req, sizeof(req), PT_LINK_PREPARE);
	proto_put_u32(&b, PT_DEADLINE_MS, SOCK_TIMEOUT_MS);
	proto_put_str(&b, PT_USER, pacer);
	proto_put_str(&b, PT_PASSWORD, g->password);
	proto_put_str(&b, PT_CMECF_LOGIN, cmecf);
	proto_put_str(&b, PT_CMECF_PASSWORD, g->cmecf_password);
	if (proto_finish(&b) != PE_OK || sock_call(g, &b, rbuf, sizeof(rbuf), &m) < 0 ||
	    proto_u32(&m, PT_RESULT, &result) < 0 || result != PLR_OK ||
	    (tok = proto_str(&m, PT_TOKEN)) == NULL || strlen(tok) >= sizeof(token))
		return -1;
	snprintf(token, sizeof(token), "%s", tok);
	proto_begin(&b, req, sizeof(req), PT_LINK_COMMIT);
	proto_put_u32(&b, PT_DEADLINE_MS, SOCK_TIMEOUT_MS);
	proto_put_str(&b, PT_TOKEN, token);
	proto_put_u32(&b, PT_CONFIRM, 1);
	result = 99;
	if (proto_finish(&b) != PE_OK || sock_call(g, &b, rbuf, sizeof(rbuf), &m) < 0 ||
	    proto_u32(&m, PT_RESULT, &result) < 0)
		return -1;
	return result == PLR_OK ? 0 : -1;
}

/* One pamdrive process for the login, as sshd forks one per connection. */
static int
exec_op(void *ctx, const char *user)
{
	const struct gen *g = ctx;
	char *argv[] = { (char *)g->pamdrive, "-C", (char *)g->confdir, "-s",
			 (char *)g->service, "-u", (char *)user, "-p", (char *)g->password,
			 "-a", "y", "auth", "account", NULL };
	posix_spawn_file_actions_t fa;
	int status;
	pid_t pid;

	if (g->want_auth != PAM_SUCCESS || g->want_acct != PAM_SUCCESS)
		argv[12] = NULL;	/* auth only: its failure is what is wanted */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	errno = posix_spawn(&pid, g->pamdrive, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (errno != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status))
		return -1;
	/* pamdrive exits 0 when every phase succeeded, 1 otherwise. */
	return (WEXITSTATUS(status) == 0) == (g->want_auth == PAM_SUCCESS) ? 0 : -1;
}

static double
parse_num(const char *s, double min, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (*end != '\0' || !(v >= min && v <= max))
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct gen g = { .want_auth = PAM_SUCCESS, .want_acct = PAM_SUCCESS,
			 .realm = PR_REALM_PACER };
	struct bu_plan p = { .clients = 1, .warmup_s = 0.5, .seconds = 3, .setup = setup };
	const char *userfile = NULL, *samples = NULL, *modules[MAX_MODULES];
	struct bu_users users;
	struct bu_result r;
	int c, i, nmod = 0, rc = 1;

	while ((c = getopt(argc, argv, "m:C:s:M:A:B:S:r:X:U:p:P:c:t:w:oL:")) != -1) {
		switch (c) {
		case 'm': g.mode = optarg; break;
		case 'C': g.confdir = optarg; break;
		case 's': g.service = optarg; break;
		case 'M':
			if (nmod == MAX_MODULES)
				usage();
			modules[nmod++] = optarg;
			break;
		case 'A': g.want_auth = code_of(optarg); break;
		case 'B': g.want_acct = code_of(optarg); break;
		case 'S': g.socket = optarg; break;
		case 'r':
			if (strcmp(optarg, "cmecf") != 0 && strcmp(optarg, "pacer") != 0)
				usage();
			g.realm = strcmp(optarg, "cmecf") == 0 ? PR_REALM_CMECF : PR_REALM_PACER;
			break;
		case 'X': g.pamdrive = optarg; break;
		case 'U': userfile = optarg; break;
		case 'p': g.password = optarg; break;
		case 'P': g.cmecf_password = optarg; break;
		case 'c': p.clients = (int)parse_num(optarg, 1, BU_MAX_CLIENTS); break;
		case 't': p.seconds = parse_num(optarg, 0.1, 86400); break;
		case 'w': p.warmup_s = parse_num(optarg, 0, 600); break;
		case 'o': p.sequential = true; break;
		case 'L': samples = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || g.mode == NULL || userfile == NULL || g.password == NULL)
		usage();
	if (strcmp(g.mode, "pam") == 0) {
		if (g.confdir == NULL || g.service == NULL)
			usage();
		p.op = pam_op;
	} else if (strcmp(g.mode, "sock") == 0) {
		if (g.socket == NULL)
			usage();
		p.op = sock_op;
	} else if (strcmp(g.mode, "link") == 0) {
		if (g.socket == NULL || g.cmecf_password == NULL)
			usage();
		p.op = link_op;
	} else if (strcmp(g.mode, "exec") == 0) {
		if (g.confdir == NULL || g.service == NULL || g.pamdrive == NULL)
			usage();
		p.op = exec_op;
	} else {
		usage();
	}
	for (i = 0; i < nmod; i++) {
		/* Kept for the life of the process: libpam's dlclose at
		 * pam_end then only drops its own reference. */
		if (dlopen(modules[i], RTLD_NOW | RTLD_GLOBAL) == NULL) {
			fprintf(stderr, "loadgen: cannot load %s: %s\n", modules[i], dlerror());
			return 1;
		}
	}
	if (bu_users_read(&users, userfile, "loadgen") < 0)
		return 1;
	p.users = &users;
	p.arg = &g;
	if (bu_run(&p, &r, "loadgen") < 0)
		goto out;
	bu_print(stdout, &r);
	if (samples != NULL && bu_write_samples(samples, r.t, r.n, "loadgen") < 0)
		r.failed++;
	rc = r.failed > 0 || r.n == 0;
	bu_result_free(&r);
out:
	bu_users_free(&users);
	return rc;
}
