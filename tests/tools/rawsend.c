/*
 * rawsend - test tool: sends standard input, byte for byte, to a UNIX
 * socket as one request, then prints the reply ecflinkd sends back:
 *
 *   rawsend SOCKET < frame-bytes
 *   status=1 (malformed request) error="bad frame header: ..."
 *   no reply: peer closed the connection mid-frame
 *
 * (an AUTH reply that answers the account phase too adds account_result=,
 * account_reason= and env_login=).
 *
 * With -k N it first holds a silent connection open for N ms (a slow
 * client), then sends.  With -n N it sends the same bytes N times, one
 * connection each, and prints only the last reply.  Exit 0 when a reply
 * was decoded, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "sockio.h"

/* One connection: sends in[0..n), prints the reply when print is set. */
static int
exchange(const char *path, const uint8_t *in, size_t n, int hold, int print)
{
	static uint8_t out[PROTO_MAX_FRAME];
	char err[SOCKIO_ERRLEN];
	struct proto_msg m;
	uint32_t st, result;
	size_t len;
	int fd, rc = 1;

	fd = sockio_connect(path, clock_now_ms() + 2000, err, sizeof(err));
	if (fd < 0) {
		printf("no connection: %s\n", err);
		return 1;
	}
	if (hold > 0)
		usleep((useconds_t)hold * 1000);
	if (n > 0 && sockio_write_all(fd, in, n, clock_now_ms() + 2000, err, sizeof(err)) < 0) {
		printf("send failed: %s\n", err);
		goto out;
	}
	shutdown(fd, SHUT_WR);
	if (sockio_read_frame(fd, out, sizeof(out), &len, &m, clock_now_ms() + 10000, err,
			      sizeof(err)) < 0) {
		printf("no reply: %s\n", err);
		goto out;
	}
	rc = 0;
	if (!print)
		goto out;
	if (proto_u32(&m, PT_STATUS, &st) < 0)
		st = 999;
	printf("status=%u (%s) error=\"%s\"", st, proto_status_str((enum proto_status)st),
	       proto_str(&m, PT_ERROR) ? proto_str(&m, PT_ERROR) : "");
	if (proto_u32(&m, PT_RESULT, &result) == 0)
		printf(" result=%u reason=%s", result,
		       proto_str(&m, PT_REASON) ? proto_str(&m, PT_REASON) : "-");
	if (proto_u32(&m, PT_ACCT_RESULT, &result) == 0)
		printf(" account_result=%u account_reason=%s", result,
		       proto_str(&m, PT_ACCT_REASON) ? proto_str(&m, PT_ACCT_REASON) : "-");
	if (proto_str(&m, PT_ENV_LOGIN) != NULL)
		printf(" env_login=%s", proto_str(&m, PT_ENV_LOGIN));
	printf("\n");
out:
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	static uint8_t in[2 * PROTO_MAX_FRAME];
	size_t n;
	int hold = 0, times = 1, ch, i, rc = 0;

	while ((ch = getopt(argc, argv, "k:n:")) != -1) {
		if (ch == 'k')
			hold = atoi(optarg);
		else if (ch == 'n')
			times = atoi(optarg);
		else
			return 2;
	}
	if (optind + 1 != argc || times < 1) {
		fprintf(stderr, "usage: rawsend [-k ms] [-n times] SOCKET < bytes\n");
		return 2;
	}
	n = fread(in, 1, sizeof(in), stdin);
	for (i = 0; i < times; i++)
		rc = exchange(argv[optind], in, n, hold, i == times - 1);
	return rc;
}
