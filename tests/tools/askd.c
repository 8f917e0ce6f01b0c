/*
 * askd - test tool: one request to ecflinkd with the fields given, and
 * every field of the reply on one line, as an attacker's own client
 * would see it (the PAM module hides most of them):
 *
 *   askd [-u USER] [-p PASSWORD] [-r cmecf|pacer] [-A] [-R] [-s SERVICE]
 *        [-h RHOST] [-t TTY] [-c CMECF_LOGIN] [-C CMECF_PASSWORD]
 *        [-T TOKEN] [-a ANSWER] [-L FILE] [-n N | -F SECONDS] SOCKET
 *        auth|account|ack|prepare
 *
 *   status=0 result=2 reason=- message=- env_login=- env_role=- token=-
 *
 * -A sets PF_AUTHENTICATE, -R PF_REDACTION.  -n N sends the request N
 * times, one connection each, and prints the last reply and "rate=R/s";
 * with -L FILE the user of request i is line i % lines of FILE (a spray
 * over many logins).
 * -F S floods for S seconds: connects, sends, closes without reading,
 * as fast as it can, and prints "sent=N refused=M".  Exit 0 when a reply
 * was decoded (or the flood ran), 1 otherwise, 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "proto.h"
#include "sockio.h"

struct ask {
	const char *user, *password, *service, *rhost, *tty, *cmecf, *cmecf_pw, *token;
	uint32_t realm, flags, answer;
	uint16_t type;
};

static void
build(const struct ask *a, struct proto_buf *b, uint8_t *buf, size_t cap)
{
	proto_begin(b, buf, cap, a->type);
	proto_put_u32(b, PT_DEADLINE_MS, 5000);
	if (a->type == PT_AUTH || a->type == PT_ACCOUNT) {
		proto_put_u32(b, PT_REALM, a->realm);
		proto_put_u32(b, PT_FLAGS, a->flags);
	}
	proto_put_str(b, PT_USER, a->user);
	proto_put_str(b, PT_PASSWORD, a->password);
	proto_put_str(b, PT_SERVICE, a->service);
	proto_put_str(b, PT_RHOST, a->rhost);
	proto_put_str(b, PT_TTY, a->tty);
	proto_put_str(b, PT_CMECF_LOGIN, a->cmecf);
	proto_put_str(b, PT_CMECF_PASSWORD, a->cmecf_pw);
	proto_put_str(b, PT_TOKEN, a->token);
	if (a->type == PT_ACK)
		proto_put_u32(b, PT_ANSWER, a->answer);
	proto_finish(b);
}

static const char *
or_dash(const struct proto_msg *m, uint16_t tag)
{
	const char *s = proto_str(m, tag);

	return s != NULL ? s : "-";
}

static void
print_reply(const struct proto_msg *m)
{
	uint32_t st = 999, result = 999;

	proto_u32(m, PT_STATUS, &st);
	proto_u32(m, PT_RESULT, &result);
	printf("status=%u result=%u reason=%s message=\"%s\" env_login=%s env_role=%s token=%s\n",
	       st, result, or_dash(m, PT_REASON), or_dash(m, PT_MESSAGE),
	       or_dash(m, PT_ENV_LOGIN), or_dash(m, PT_ENV_ROLE), or_dash(m, PT_TOKEN));
}

/* Connects, sends and closes at once, for flood seconds. */
static int
flood(const char *path, const struct proto_buf *b, int seconds)
{
	int64_t end = clock_now_ms() + (int64_t)seconds * 1000;
	unsigned long sent = 0, refused = 0;
	char err[SOCKIO_ERRLEN];

	while (clock_now_ms() < end) {
		int fd = sockio_connect(path, clock_now_ms() + 100, err, sizeof(err));

		if (fd < 0) {
			refused++;
			continue;
		}
		if (send(fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)b->len)
			sent++;
		close(fd);
	}
	printf("sent=%lu refused=%lu\n", sent, refused);
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t req[PROTO_MAX_FRAME], rbuf[PROTO_MAX_FRAME];
	struct ask a = { .realm = PR_REALM_CMECF };
	struct proto_buf b;
	struct proto_msg m;
	char err[SOCKIO_ERRLEN];
	int ch, i, n = 1, secs = 0, rc = 1, nusers = 0;
	static char users[1024][128];
	FILE *uf;
	int64_t t0;

	while ((ch = getopt(argc, argv, "u:p:r:ARs:h:t:c:C:T:a:n:F:L:")) != -1) {
		switch (ch) {
		case 'u': a.user = optarg; break;
		case 'p': a.password = optarg; break;
		case 'r': a.realm = strcmp(optarg, "pacer") == 0 ? PR_REALM_PACER : PR_REALM_CMECF;
			break;
		case 'A': a.flags |= PF_AUTHENTICATE; break;
		case 'R': a.flags |= PF_REDACTION; break;
		case 's': a.service = optarg; break;
		case 'h': a.rhost = optarg; break;
		case 't': a.tty = optarg; break;
		case 'c': a.cmecf = optarg; break;
		case 'C': a.cmecf_pw = optarg; break;
		case 'T': a.token = optarg; break;
		case 'a': a.answer = (uint32_t)atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'F': secs = atoi(optarg); break;
		case 'L':
			if ((uf = fopen(optarg, "r")) == NULL) {
				perror(optarg);
				return 2;
			}
			while (nusers < 1024 && fgets(users[nusers], sizeof(users[0]), uf) != NULL) {
				users[nusers][strcspn(users[nusers], "\n")] = '\0';
				nusers += users[nusers][0] != '\0';
			}
			fclose(uf);
			break;
		default: return 2;
		}
	}
	if (optind + 2 != argc || n < 1) {
		fprintf(stderr, "usage: askd [options] SOCKET auth|account|ack|prepare\n");
		return 2;
	}
	if (!strcmp(argv[optind + 1], "auth"))
		a.type = PT_AUTH;
	else if (!strcmp(argv[optind + 1], "account"))
		a.type = PT_ACCOUNT;
	else if (!strcmp(argv[optind + 1], "ack"))
		a.type = PT_ACK;
	else if (!strcmp(argv[optind + 1], "prepare"))
		a.type = PT_LINK_PREPARE;
	else
		return 2;
	build(&a, &b, req, sizeof(req));
	if (secs > 0)
		return flood(argv[optind], &b, secs);
	t0 = clock_now_ms();
	for (i = 0; i < n; i++) {
		if (nusers > 0) {
			a.user = users[i % nusers];
			build(&a, &b, req, sizeof(req));
		}
		rc = sockio_call(argv[optind], &b, rbuf, &m, clock_now_ms() + 5000, err, sizeof(err));
		if (rc < 0) {
			printf("no reply: %s\n", err);
			return 1;
		}
	}
	print_reply(&m);
	if (n > 1)
		printf("rate=%.0f/s\n", n * 1000.0 / (double)(clock_now_ms() - t0 + 1));
	return 0;
}
