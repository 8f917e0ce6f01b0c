/*
 * rawsend - test tool: sends standard input, byte for byte, to a UNIX
 * socket as one request, then prints the reply ecflinkd sends back:
 *
 *   rawsend SOCKET < frame-bytes
 *   status=1 (malformed request) error="bad frame header: ..."
 *   no reply: peer closed the connection mid-frame
 *
 * With -k N it first holds a silent connection open for N ms (a slow
 * client), then sends.  Exit 0 when a reply was decoded, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto.h"
#include "sockio.h"

int
main(int argc, char **argv)
{
	static uint8_t in[2 * PROTO_MAX_FRAME], out[PROTO_MAX_FRAME];
	char err[SOCKIO_ERRLEN];
	struct proto_msg m;
	size_t n = 0, len;
	uint32_t st;
	int fd, hold = 0, ch;

	while ((ch = getopt(argc, argv, "k:")) != -1) {
		if (ch != 'k')
			return 2;
		hold = atoi(optarg);
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: rawsend [-k ms] SOCKET < bytes\n");
		return 2;
	}
	n = fread(in, 1, sizeof(in), stdin);
	fd = sockio_connect(argv[optind], sockio_now_ms() + 2000, err, sizeof(err));
	if (fd < 0) {
		printf("no connection: %s\n", err);
		return 1;
	}
	if (hold > 0)
		usleep((useconds_t)hold * 1000);
	if (n > 0 && sockio_write_all(fd, in, n, sockio_now_ms() + 2000, err, sizeof(err)) < 0) {
		printf("send failed: %s\n", err);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	if (sockio_read_frame(fd, out, sizeof(out), &len, &m, sockio_now_ms() + 10000, err,
			      sizeof(err)) < 0) {
		printf("no reply: %s\n", err);
		return 1;
	}
	if (proto_u32(&m, PT_STATUS, &st) < 0)
		st = 999;
	printf("status=%u (%s) error=\"%s\"\n", st, proto_status_str((enum proto_status)st),
	       proto_str(&m, PT_ERROR) ? proto_str(&m, PT_ERROR) : "");
	close(fd);
	return 0;
}
