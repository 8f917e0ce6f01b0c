/*
 * fakesrv - a stand-in for ecflinkd on a UNIX socket, to test how
 * pam_ecflink.so behaves when the daemon misbehaves, and to drive its reply
 * handling through the real libpam before (and besides) the real daemon.
 *
 *   fakesrv -m MODE [-t LIFETIME_S] [-d DUMPFILE] [-A AUTH_RESULT]
 *           [-r RESULT] [-M MESSAGE] [-y error|info] [-E LOGIN] [-O ROLE]
 *           [-f NOTICE_FILE] [-e ERROR] [-W] SOCKETPATH
 *
 * MODE: hang (accept, never answer), close (accept and close at once),
 * garbage (answer bytes that are no frame), badversion (a frame of
 * protocol version 99), error (PS_UNAVAILABLE with -e text), reply (PS_OK
 * with PT_RESULT -A for AUTH, -r for ACCOUNT, plus -M/-y/-E/-O), redaction
 * (like reply, but ACCOUNT answers PRS_REDACTION with the notice from -f or
 * a built-in 10 KiB one, and ACK answers success with -E/-O if the answer
 * was 1 and the token matches, else PERM_DENIED).
 * -W: an AUTH asking for it (PF_WITH_ACCOUNT) whose result is success or
 * ignore also carries the account answer (PT_ACCT_*: -r, or the redaction
 * question in redaction mode), as ecflinkd answers root and front ends.
 * -d appends one escaped key=value line per request to DUMPFILE (the
 * password only as present/absent).  Exits on SIGTERM or after LIFETIME_S
 * (default 60) and removes the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kv.h"
#include "proto.h"
#include "sockio.h"

#define MAX_HELD 256

struct opts {
	const char *mode, *path, *dump, *message, *login, *role, *error;
	char *notice;
	uint32_t auth_result, result, style;
	bool auth_result_set;
	bool with_account;
	long lifetime_s;
};

static volatile sig_atomic_t stop;
static unsigned int token_seq;
static char last_token[64];

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
die(const char *what)
{
	fprintf(stderr, "fakesrv: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Reads a whole file into a NUL-terminated string, or exits. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, PROTO_MAX_STR);
	size_t n;

	if (f == NULL || s == NULL)
		die(path);
	n = fread(s, 1, PROTO_MAX_STR - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* A 10 KiB notice of numbered lines, to exercise message splitting. */
static char *
builtin_notice(void)
{
	char *s = calloc(1, 10240 + 128);
	size_t len = 0;
	int i;

	if (s == NULL)
		die("calloc");
	for (i = 1; len < 10240; i++)
		len += (size_t)snprintf(s + len, 10240 + 128 - len, "Redaction rule line %03d: "
					"filers must redact personal identifiers.\n", i);
	return s;
}

/* Appends one line describing the request m to the dump file. */
static void
dump(const struct opts *o, const struct proto_msg *m)
{
	const char *user = proto_str(m, PT_USER);
	uint32_t v;
	struct kv kv;
	FILE *f;

	if (o->dump == NULL)
		return;
	kv_init(&kv);
	kv_int(&kv, "type", m->type);
	if (proto_u32(m, PT_REALM, &v) == 0)
		kv_int(&kv, "realm", v);
	kv_quoted(&kv, "user", user);
	kv_int(&kv, "user_len", user != NULL ? (long long)strlen(user) : -1);
	kv_str(&kv, "password", proto_str(m, PT_PASSWORD) != NULL ? "present" : "absent");
	if (proto_u32(m, PT_FLAGS, &v) == 0)
		kv_int(&kv, "flags", v);
	kv_str(&kv, "service", proto_str(m, PT_SERVICE));
	kv_str(&kv, "rhost", proto_str(m, PT_RHOST));
	kv_str(&kv, "tty", proto_str(m, PT_TTY));
	kv_str(&kv, "ruser", proto_str(m, PT_RUSER));
	if (proto_u32(m, PT_DEADLINE_MS, &v) == 0)
		kv_int(&kv, "deadline_ms", v);
	if (proto_str(m, PT_TOKEN) != NULL)
		kv_str(&kv, "token", proto_str(m, PT_TOKEN));
	if (proto_u32(m, PT_ANSWER, &v) == 0)
		kv_int(&kv, "answer", v);
	f = fopen(o->dump, "a");
	if (f == NULL)
		die(o->dump);
	fprintf(f, "%s\n", kv_line(&kv));
	fclose(f);
}

/* Puts the usual result fields of a successful decision. */
static void
put_result(struct proto_buf *b, const struct opts *o, uint32_t result, bool env)
{
	proto_put_u32(b, PT_RESULT, result);
	proto_put_str(b, PT_REASON, "fake");
	if (o->message != NULL) {
		proto_put_str(b, PT_MESSAGE, o->message);
		proto_put_u32(b, PT_MSG_STYLE, o->style);
	}
	if (env) {
		proto_put_str(b, PT_ENV_LOGIN, o->login);
		proto_put_str(b, PT_ENV_ROLE, o->role);
	}
}

/* The account answer of an AUTH reply (-W). */
static void
put_account(struct proto_buf *b, const struct opts *o)
{
	if (strcmp(o->mode, "redaction") == 0) {
		snprintf(last_token, sizeof(last_token), "tok-%u-%d", ++token_seq, (int)getpid());
		proto_put_u32(b, PT_ACCT_RESULT, PRS_REDACTION);
		proto_put_str(b, PT_NOTICE, o->notice);
		proto_put_str(b, PT_NOTICE_VER, "sha256:fake");
		proto_put_str(b, PT_TOKEN, last_token);
		proto_put_str(b, PT_ACCT_MESSAGE, "I understand the redaction rules above. [y/N]");
		return;
	}
	proto_put_u32(b, PT_ACCT_RESULT, o->result);
	proto_put_str(b, PT_ACCT_REASON, "fake");
	if (o->message != NULL) {
		proto_put_str(b, PT_ACCT_MESSAGE, o->message);
		proto_put_u32(b, PT_ACCT_MSG_STYLE, o->style);
	}
	if (o->result == PRS_SUCCESS) {
		proto_put_str(b, PT_ENV_LOGIN, o->login);
		proto_put_str(b, PT_ENV_ROLE, o->role);
	}
}

/* Builds the reply to request m into b according to the mode. */
static void
build_reply(struct proto_buf *b, uint8_t *buf, const struct opts *o, const struct proto_msg *m)
{
	uint32_t answer = 0;
	const char *token;

	proto_begin(b, buf, PROTO_MAX_FRAME, m->type | PROTO_REPLY);
	if (strcmp(o->mode, "error") == 0) {
		proto_put_u32(b, PT_STATUS, PS_UNAVAILABLE);
		proto_put_str(b, PT_ERROR, o->error);
		return;
	}
	proto_put_u32(b, PT_STATUS, PS_OK);
	if (m->type == PT_AUTH) {
		uint32_t flags = 0, r = o->auth_result_set ? o->auth_result : o->result;

		put_result(b, o, r, false);
		proto_u32(m, PT_FLAGS, &flags);
		if (o->with_account && (flags & PF_WITH_ACCOUNT) &&
		    (r == PRS_SUCCESS || r == PRS_IGNORE))
			put_account(b, o);
	} else if (m->type == PT_ACCOUNT && strcmp(o->mode, "redaction") == 0) {
		snprintf(last_token, sizeof(last_token), "tok-%u-%d", ++token_seq, (int)getpid());
		proto_put_u32(b, PT_RESULT, PRS_REDACTION);
		proto_put_str(b, PT_NOTICE, o->notice);
		proto_put_str(b, PT_NOTICE_VER, "sha256:fake");
		proto_put_str(b, PT_TOKEN, last_token);
		proto_put_str(b, PT_MESSAGE, "I understand the redaction rules above. [y/N]");
	} else if (m->type == PT_ACK) {
		token = proto_str(m, PT_TOKEN);
		proto_u32(m, PT_ANSWER, &answer);
		if (answer == 1 && token != NULL && strcmp(token, last_token) == 0) {
			put_result(b, o, PRS_SUCCESS, true);
		} else {
			proto_put_u32(b, PT_RESULT, PRS_PERM_DENIED);
			proto_put_str(b, PT_REASON, "redaction_declined");
			proto_put_str(b, PT_MESSAGE, "The redaction notice was not acknowledged.");
			proto_put_u32(b, PT_MSG_STYLE, PMS_ERROR);
		}
		last_token[0] = '\0';
	} else {
		put_result(b, o, o->result, o->result == PRS_SUCCESS);
	}
}

/* Serves one accepted connection in a frame-speaking mode. */
static void
serve(int fd, const struct opts *o)
{
	static uint8_t in[PROTO_MAX_FRAME], out[PROTO_MAX_FRAME];
	int64_t deadline = clock_now_ms() + 2000;
	char err[SOCKIO_ERRLEN];
	struct proto_msg m;
	struct proto_buf b;
	size_t len;

	if (sockio_read_frame(fd, in, sizeof(in), &len, &m, deadline, err, sizeof(err)) < 0) {
		fprintf(stderr, "fakesrv: reading a request: %s\n", err);
		return;
	}
	dump(o, &m);
	if (strcmp(o->mode, "garbage") == 0) {
		static const char junk[] = "HTTP/1.0 200 OK\r\n\r\nnot an ecflink frame at all";

		sockio_write_all(fd, junk, sizeof(junk) - 1, deadline, err, sizeof(err));
		return;
	}
	build_reply(&b, out, o, &m);
	if (proto_finish(&b) != PE_OK) {
		fprintf(stderr, "fakesrv: building the reply: %s\n", proto_strerror(b.err));
		return;
	}
	if (strcmp(o->mode, "badversion") == 0)
		out[5] = 99;
	if (sockio_write_all(fd, b.data, b.len, deadline, err, sizeof(err)) < 0)
		fprintf(stderr, "fakesrv: sending the reply: %s\n", err);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path)) {
		fprintf(stderr, "fakesrv: socket path too long: %s\n", path);
		exit(1);
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(path);
	if (listen(fd, 64) < 0)
		die("listen");
	return fd;
}

static void
usage(void)
{
	fputs("usage: fakesrv -m hang|close|garbage|badversion|error|reply|redaction "
	      "[-t LIFETIME_S] [-d DUMPFILE] [-A AUTH_RESULT] [-r RESULT] [-M MESSAGE] "
	      "[-y error|info] [-E LOGIN] [-O ROLE] [-f NOTICE] [-e ERROR] [-W] SOCKETPATH\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { .lifetime_s = 60, .style = PMS_ERROR, .error = "fake failure" };
	int held[MAX_HELD], nheld = 0, lfd, c, i;
	int64_t end;

	while ((c = getopt(argc, argv, "m:t:d:A:r:M:y:E:O:f:e:W")) != -1) {
		switch (c) {
		case 'm': o.mode = optarg; break;
		case 't': o.lifetime_s = atol(optarg); break;
		case 'd': o.dump = optarg; break;
		case 'A': o.auth_result = (uint32_t)atol(optarg); o.auth_result_set = true; break;
		case 'r': o.result = (uint32_t)atol(optarg); break;
		case 'M': o.message = optarg; break;
		case 'y': o.style = strcmp(optarg, "info") == 0 ? PMS_INFO : PMS_ERROR; break;
		case 'E': o.login = optarg; break;
		case 'O': o.role = optarg; break;
		case 'f': o.notice = slurp(optarg); break;
		case 'e': o.error = optarg; break;
		case 'W': o.with_account = true; break;
		default: usage();
		}
	}
	if (o.mode == NULL || optind != argc - 1)
		usage();
	o.path = argv[optind];
	if (o.notice == NULL)
		o.notice = builtin_notice();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(o.path);
	end = clock_now_ms() + o.lifetime_s * 1000;
	while (!stop && clock_now_ms() < end) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		if (strcmp(o.mode, "hang") == 0 && nheld < MAX_HELD) {
			held[nheld++] = fd;
			continue;
		}
		if (strcmp(o.mode, "close") != 0 && strcmp(o.mode, "hang") != 0)
			serve(fd, &o);
		close(fd);
	}
	for (i = 0; i < nheld; i++)
		close(held[i]);
	unlink(o.path);
	free(o.notice);
	return 0;
}
