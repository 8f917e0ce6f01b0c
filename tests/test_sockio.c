/*
 * test_sockio.c - common/sockio.c over real UNIX sockets: connect errors,
 * deadlines, peers that hang up or send bad frames, SIGPIPE, and
 * sockio_call against a small server thread.
 *
 * Sockets live in a private temp directory.  Timing checks are loose (the
 * test machine may be busy): a timeout must not fire before its deadline
 * and must fire within SLACK_MS after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto.h"
#include "sockio.h"

#define SLACK_MS 1000
#define BUDGET_MS 400

static char dir[64];
static char sock_path[96];	/* fits sun_path */

/* How the server thread treats the one connection it accepts. */
enum srv_mode {
	SRV_ANSWER,	/* read the request, reply with reply_type */
	SRV_CLOSE,	/* read the request, close without a word */
	SRV_SILENT,	/* read the request, wait for the client to give up */
	SRV_GARBAGE,	/* read the request, send a frame with an unknown tag */
};

struct server {
	int lfd;
	enum srv_mode mode;
	uint16_t reply_type;
	uint16_t req_type;	/* what the server received */
	int got_request;
	pthread_t th;
};

static int
setup(void **state)
{
	(void)state;
	/* A SIGPIPE must kill the test, so that "no SIGPIPE" is really checked. */
	signal(SIGPIPE, SIG_DFL);
	snprintf(dir, sizeof(dir), "%s", "/tmp/ecflink-sockio.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/srv.sock", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(sock_path);
	return rmdir(dir);
}

/* A listening socket at sock_path with the given backlog. */
static int
listen_at(int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	unlink(sock_path);
	memcpy(sa.sun_path, sock_path, sizeof(sock_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

static void *
serve(void *arg)
{
	struct server *s = arg;
	static uint8_t buf[PROTO_MAX_FRAME];
	uint8_t out[256];
	struct proto_buf b;
	struct proto_msg m;
	char err[SOCKIO_ERRLEN];
	size_t len;
	int fd;

	fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (sockio_read_frame(fd, buf, sizeof(buf), &len, &m, clock_now_ms() + 5000, err,
			      sizeof(err)) == 0) {
		s->got_request = 1;
		s->req_type = m.type;
	}
	switch (s->mode) {
	case SRV_ANSWER:
		proto_begin(&b, out, sizeof(out), s->reply_type);
		proto_put_u32(&b, PT_STATUS, PS_OK);
		proto_put_str(&b, PT_VERSION_STR, "test");
		if (proto_finish(&b) == PE_OK)
			sockio_write_all(fd, out, b.len, clock_now_ms() + 5000, err, sizeof(err));
		break;
	case SRV_GARBAGE:
		proto_begin(&b, out, sizeof(out), s->reply_type);
		proto_put_u32(&b, PT_TAG_MAX, 0);
		if (proto_finish(&b) == PE_OK)
			sockio_write_all(fd, out, b.len, clock_now_ms() + 5000, err, sizeof(err));
		break;
	case SRV_SILENT: {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		poll(&p, 1, 10000);	/* until the client closes */
		break;
	}
	case SRV_CLOSE:
		break;
	}
	close(fd);
	return NULL;
}

static void
server_start(struct server *s, enum srv_mode mode, uint16_t reply_type)
{
	memset(s, 0, sizeof(*s));
	s->lfd = listen_at(4);
	s->mode = mode;
	s->reply_type = reply_type;
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void
server_stop(struct server *s)
{
	assert_int_equal(pthread_join(s->th, NULL), 0);
	close(s->lfd);
	unlink(sock_path);
}

/* A finished PING request in buf. */
static void
ping_request(struct proto_buf *b, uint8_t *buf, size_t cap)
{
	proto_begin(b, buf, cap, PT_PING);
	proto_put_u32(b, PT_DEADLINE_MS, 2000);
	assert_int_equal(proto_finish(b), PE_OK);
}

static void
test_connect_missing(void **state)
{
	char err[SOCKIO_ERRLEN] = "", path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/nothing-here.sock", dir);
	assert_int_equal(sockio_connect(path, clock_now_ms() + 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
}

static void
test_connect_refused(void **state)
{
	char err[SOCKIO_ERRLEN] = "";
	int fd = listen_at(1);

	(void)state;
	close(fd);	/* the socket file stays, nobody listens */
	assert_int_equal(sockio_connect(sock_path, clock_now_ms() + 1000, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, sock_path));
	assert_non_null(strstr(err, strerror(ECONNREFUSED)));
	unlink(sock_path);
}

static void
test_connect_path_too_long(void **state)
{
	struct sockaddr_un sa;
	char err[SOCKIO_ERRLEN] = "", path[sizeof(sa.sun_path) + 8];

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(sockio_connect(path, clock_now_ms() + 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	/* Exactly sizeof(sun_path) bytes leave no room for the NUL. */
	path[sizeof(sa.sun_path)] = '\0';
	assert_int_equal(sockio_connect(path, clock_now_ms() + 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
}

static void
test_connect_flags(void **state)
{
	char err[SOCKIO_ERRLEN] = "";
	int lfd = listen_at(4), fd;

	(void)state;
	fd = sockio_connect(sock_path, clock_now_ms() + 1000, err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(lfd);
	unlink(sock_path);
}

/*
 * A listener whose queue is full (backlog 0, nobody accepts): a UNIX
 * connect() then fails with EAGAIN and leaves the socket unconnected, so
 * sockio_connect must fail rather than hand back a socket that is not
 * connected to anything.
 */
static void
test_connect_queue_full(void **state)
{
	char err[SOCKIO_ERRLEN] = "";
	int lfd = listen_at(0), fds[8], i, n = 0, rc = 0;

	(void)state;
	for (i = 0; i < 8 && rc >= 0; i++) {
		rc = sockio_connect(sock_path, clock_now_ms() + 500, err, sizeof(err));
		if (rc >= 0)
			fds[n++] = rc;
	}
	assert_int_equal(rc, -1);
	assert_true(n >= 1);
	assert_non_null(strstr(err, sock_path));
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
	unlink(sock_path);
}

/* sockio_connect_retry keeps trying a full queue until its deadline. */
static void
test_connect_retry_queue_full(void **state)
{
	char err[SOCKIO_ERRLEN] = "";
	int lfd = listen_at(0), fds[8], i, n = 0, rc = 0;
	int64_t t0;

	(void)state;
	for (i = 0; i < 8 && rc >= 0; i++) {
		rc = sockio_connect(sock_path, clock_now_ms() + 500, err, sizeof(err));
		if (rc >= 0)
			fds[n++] = rc;
	}
	assert_int_equal(rc, -1);
	t0 = clock_now_ms();
	rc = sockio_connect_retry(sock_path, t0 + 300, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_true(clock_now_ms() - t0 >= 250);
	assert_non_null(strstr(err, "Resource temporarily unavailable"));
	/* One place frees up: the next try gets in. */
	close(accept(lfd, NULL, NULL));
	rc = sockio_connect_retry(sock_path, clock_now_ms() + 300, err, sizeof(err));
	assert_true(rc >= 0);
	close(rc);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(lfd);
	unlink(sock_path);
}

/* The private socket's name beside the public one. */
static void
test_private_path(void **state)
{
	char out[108], longp[200];

	(void)state;
	assert_int_equal(sockio_private_path("/run/ecflink/ecflinkd.sock", out, sizeof(out)), 0);
	assert_string_equal(out, "/run/ecflink/ecflinkd-private.sock");
	assert_int_equal(sockio_private_path("/tmp/s", out, sizeof(out)), 0);
	assert_string_equal(out, "/tmp/s.private");
	memset(longp, 'x', 100);
	snprintf(longp + 100, sizeof(longp) - 100, ".sock");
	assert_int_equal(sockio_private_path(longp, out, sizeof(out)), -1);
	assert_string_equal(out, "");
}

static void
test_read_timeout(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_msg m;
	int64_t deadline, done;
	size_t len;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	deadline = clock_now_ms() + BUDGET_MS;
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m, deadline, err,
					   sizeof(err)), -1);
	done = clock_now_ms();
	assert_true(done >= deadline);
	assert_true(done <= deadline + SLACK_MS);
	assert_non_null(strstr(err, "timed out"));

	/* Half a header, then silence: still the deadline. */
	assert_int_equal(write(sv[1], "ECF1\0", 5), 5);
	deadline = clock_now_ms() + BUDGET_MS;
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m, deadline, err,
					   sizeof(err)), -1);
	done = clock_now_ms();
	assert_true(done >= deadline);
	assert_true(done <= deadline + SLACK_MS);
	assert_non_null(strstr(err, "timed out"));

	/* A deadline already past fails at once. */
	deadline = clock_now_ms() - 1;
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m, deadline, err,
					   sizeof(err)), -1);
	assert_true(clock_now_ms() <= deadline + SLACK_MS);
	close(sv[0]);
	close(sv[1]);
}

static void
test_read_peer_closes(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	uint8_t frame[64];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;
	struct proto_msg m;
	size_t len;
	int sv[2];

	(void)state;
	/* Nothing at all. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m,
					   clock_now_ms() + 5000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "closed"));
	close(sv[0]);

	/* A whole header, half the body. */
	ping_request(&b, frame, sizeof(frame));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], frame, b.len - 3), (ssize_t)(b.len - 3));
	close(sv[1]);
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m,
					   clock_now_ms() + 5000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "closed"));
	close(sv[0]);
}

static void
test_read_valid_frame(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	uint8_t frame[256];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;
	struct proto_msg m;
	uint32_t v;
	size_t len = 0;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	proto_begin(&b, frame, sizeof(frame), PT_LOOKUP);
	proto_put_u32(&b, PT_DEADLINE_MS, 1234);
	proto_put_str(&b, PT_USER, "jsmith");
	assert_int_equal(proto_finish(&b), PE_OK);
	/* Two frames back to back: each read takes exactly one. */
	assert_int_equal(write(sv[1], frame, b.len), (ssize_t)b.len);
	assert_int_equal(write(sv[1], frame, b.len), (ssize_t)b.len);
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m,
					   clock_now_ms() + 5000, err, sizeof(err)), 0);
	assert_int_equal(len, b.len);
	assert_int_equal(m.type, PT_LOOKUP);
	assert_int_equal(proto_u32(&m, PT_DEADLINE_MS, &v), 0);
	assert_int_equal(v, 1234);
	assert_string_equal(proto_str(&m, PT_USER), "jsmith");
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sockio_read_frame(sv[0], buf, sizeof(buf), &len, &m,
					   clock_now_ms() + 5000, err, sizeof(err)), 0);
	assert_string_equal(proto_str(&m, PT_USER), "jsmith");
	close(sv[0]);
	close(sv[1]);
}

/* Sends frame[0..n) on a fresh pair and returns the read's error text. */
static int
read_bad(const uint8_t *frame, size_t n, size_t cap, char *err)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	struct proto_msg m;
	size_t len;
	int sv[2], rc;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], frame, n), (ssize_t)n);
	rc = sockio_read_frame(sv[0], buf, cap, &len, &m, clock_now_ms() + 5000, err,
			       SOCKIO_ERRLEN);
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static void
test_read_bad_frames(void **state)
{
	uint8_t frame[256];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;

	(void)state;
	ping_request(&b, frame, sizeof(frame));

	/* Another protocol version: the message names both. */
	frame[5] = 7;
	assert_int_equal(read_bad(frame, b.len, PROTO_MAX_FRAME, err), -1);
	assert_non_null(strstr(err, "version 7"));
	frame[5] = PROTO_VERSION;

	/* Not our magic. */
	frame[0] = 'X';
	assert_int_equal(read_bad(frame, b.len, PROTO_MAX_FRAME, err), -1);
	assert_non_null(strstr(err, proto_strerror(PE_MAGIC)));
	frame[0] = 'E';

	/* A body bigger than the caller's buffer, and bigger than the limit. */
	assert_int_equal(read_bad(frame, b.len, b.len - 1, err), -1);
	assert_non_null(strstr(err, "exceeds the buffer"));
	assert_int_equal(read_bad(frame, b.len, PROTO_HDR_LEN - 1, err), -1);
	assert_non_null(strstr(err, "too small"));
	frame[8] = 0x7f;
	assert_int_equal(read_bad(frame, b.len, PROTO_MAX_FRAME, err), -1);
	assert_non_null(strstr(err, proto_strerror(PE_TOO_BIG)));
	frame[8] = 0;

	/* A whole frame whose body does not decode. */
	frame[PROTO_HDR_LEN + 1] = PT_TAG_MAX;
	assert_int_equal(read_bad(frame, b.len, PROTO_MAX_FRAME, err), -1);
	assert_non_null(strstr(err, proto_strerror(PE_TAG)));
	frame[PROTO_HDR_LEN + 1] = PT_DEADLINE_MS;
	assert_int_equal(read_bad(frame, b.len, b.len, err), 0);
}

static void
test_write_closed_peer(void **state)
{
	static uint8_t big[1 << 20];
	char err[SOCKIO_ERRLEN] = "";
	int64_t deadline, done;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	/* SIGPIPE is at its default here: were it raised, the test would die. */
	assert_int_equal(sockio_write_all(sv[0], "hello", 5, clock_now_ms() + 1000, err,
					  sizeof(err)), -1);
	assert_non_null(strstr(err, strerror(EPIPE)));
	close(sv[0]);

	/* A peer that stops reading: the write gives up at the deadline. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	deadline = clock_now_ms() + BUDGET_MS;
	assert_int_equal(sockio_write_all(sv[0], big, sizeof(big), deadline, err, sizeof(err)),
			 -1);
	done = clock_now_ms();
	assert_true(done >= deadline);
	assert_true(done <= deadline + SLACK_MS);
	assert_non_null(strstr(err, "timed out"));
	close(sv[0]);
	close(sv[1]);
}

static void
test_call_ok(void **state)
{
	static uint8_t rbuf[PROTO_MAX_FRAME];
	uint8_t req[64];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;
	struct proto_msg reply;
	struct server s;
	uint32_t status = 99;

	(void)state;
	server_start(&s, SRV_ANSWER, PT_PING | PROTO_REPLY);
	ping_request(&b, req, sizeof(req));
	assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, clock_now_ms() + 5000, err,
				     sizeof(err)), 0);
	server_stop(&s);
	assert_true(s.got_request);
	assert_int_equal(s.req_type, PT_PING);
	assert_int_equal(reply.type, PT_PING | PROTO_REPLY);
	assert_int_equal(proto_u32(&reply, PT_STATUS, &status), 0);
	assert_int_equal(status, PS_OK);
	assert_string_equal(proto_str(&reply, PT_VERSION_STR), "test");
}

static void
test_call_wrong_reply_type(void **state)
{
	static uint8_t rbuf[PROTO_MAX_FRAME];
	static const uint16_t wrong[] = { PT_AUTH | PROTO_REPLY, PT_PING, PROTO_REPLY };
	uint8_t req[64];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;
	struct proto_msg reply;
	struct server s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		server_start(&s, SRV_ANSWER, wrong[i]);
		ping_request(&b, req, sizeof(req));
		assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, clock_now_ms() + 5000,
					     err, sizeof(err)), -1);
		server_stop(&s);
		assert_non_null(strstr(err, "does not answer"));
	}
}

static void
test_call_server_faults(void **state)
{
	static uint8_t rbuf[PROTO_MAX_FRAME];
	uint8_t req[64];
	char err[SOCKIO_ERRLEN] = "";
	struct proto_buf b;
	struct proto_msg reply;
	struct server s;
	int64_t deadline, done;

	(void)state;
	ping_request(&b, req, sizeof(req));

	server_start(&s, SRV_CLOSE, 0);
	assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, clock_now_ms() + 5000, err,
				     sizeof(err)), -1);
	server_stop(&s);
	assert_non_null(strstr(err, "closed"));

	server_start(&s, SRV_GARBAGE, PT_PING | PROTO_REPLY);
	assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, clock_now_ms() + 5000, err,
				     sizeof(err)), -1);
	server_stop(&s);
	assert_non_null(strstr(err, proto_strerror(PE_TAG)));

	server_start(&s, SRV_SILENT, 0);
	deadline = clock_now_ms() + BUDGET_MS;
	assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, deadline, err, sizeof(err)),
			 -1);
	done = clock_now_ms();
	server_stop(&s);
	assert_true(s.got_request);
	assert_true(done >= deadline);
	assert_true(done <= deadline + SLACK_MS);
	assert_non_null(strstr(err, "timed out"));

	/* Nobody there at all. */
	assert_int_equal(sockio_call(sock_path, &b, rbuf, &reply, clock_now_ms() + 5000, err,
				     sizeof(err)), -1);
	assert_non_null(strstr(err, sock_path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_missing),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_path_too_long),
		cmocka_unit_test(test_connect_flags),
		cmocka_unit_test(test_connect_queue_full),
		cmocka_unit_test(test_connect_retry_queue_full),
		cmocka_unit_test(test_private_path),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_read_peer_closes),
		cmocka_unit_test(test_read_valid_frame),
		cmocka_unit_test(test_read_bad_frames),
		cmocka_unit_test(test_write_closed_peer),
		cmocka_unit_test(test_call_ok),
		cmocka_unit_test(test_call_wrong_reply_type),
		cmocka_unit_test(test_call_server_faults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
