/*
 * sockio.c - deadline-bounded socket I/O (see sockio.h).
 */
#include "sockio.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
sockio_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Waits until fd is ready for events or the deadline passes; 0 when ready. */
static int
wait_fd(int fd, short events, int64_t deadline, const char *what, char *err, size_t errlen)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - clock_now_ms();
		int n;

		if (left <= 0)
			return sockio_errf(err, errlen, "timed out %s", what);
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return sockio_errf(err, errlen, "poll while %s: %s", what, strerror(errno));
	}
}

int
sockio_connect(const char *path, int64_t deadline, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, soerr = 0, saved = 0;
	socklen_t sl = sizeof(soerr);

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path))
		return sockio_errf(err, errlen, "socket path %s is longer than %zu bytes", path,
			    sizeof(sa.sun_path) - 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sockio_errf(err, errlen, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	/* EAGAIN on a UNIX socket: listen queue full, the socket is not connecting. */
	if (errno != EINPROGRESS) {
		saved = errno;
		sockio_errf(err, errlen, "connect to %s: %s", path, strerror(errno));
		goto out;
	}
	if (wait_fd(fd, POLLOUT, deadline, "connecting to ecflinkd", err, errlen) < 0)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
		sockio_errf(err, errlen, "connect to %s: %s", path, strerror(soerr ? soerr : errno));
		goto out;
	}
	return fd;
out:
	close(fd);
	/* errno says why for sockio_connect_retry: EAGAIN is worth a retry. */
	errno = saved;
	return -1;
}

int
sockio_connect_retry(const char *path, int64_t deadline, char *err, size_t errlen)
{
	unsigned int pause_us = 1000;
	int fd;

	for (;;) {
		fd = sockio_connect(path, deadline, err, errlen);
		if (fd >= 0 || errno != EAGAIN || clock_now_ms() + pause_us / 1000 >= deadline)
			return fd;
		usleep(pause_us);
		if (pause_us < 20000)
			pause_us *= 2;
	}
}

int
sockio_connect_pref(const char *path, int64_t deadline, char *err, size_t errlen)
{
	char priv[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;

	if (sockio_private_path(path, priv, sizeof(priv)) == 0 &&
	    (fd = sockio_connect_retry(priv, deadline, err, errlen)) >= 0)
		return fd;
	return sockio_connect_retry(path, deadline, err, errlen);
}

int
sockio_private_path(const char *pub, char *out, size_t len)
{
	size_t n = strlen(pub);
	int w;

	if (n > 5 && strcmp(pub + n - 5, ".sock") == 0)
		w = snprintf(out, len, "%.*s-private.sock", (int)(n - 5), pub);
	else
		w = snprintf(out, len, "%s.private", pub);
	if (w < 0 || (size_t)w >= len) {
		if (len > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
sockio_write_all(int fd, const void *buf, size_t len, int64_t deadline, char *err,
		 size_t errlen)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return sockio_errf(err, errlen, "send: %s", strerror(errno));
		if (wait_fd(fd, POLLOUT, deadline, "sending", err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Reads exactly len bytes; a peer that closes early is an error. */
static int
read_exact(int fd, uint8_t *buf, size_t len, int64_t deadline, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return sockio_errf(err, errlen, "peer closed the connection mid-frame");
		if (errno != EAGAIN && errno != EINTR)
			return sockio_errf(err, errlen, "recv: %s", strerror(errno));
		if (wait_fd(fd, POLLIN, deadline, "waiting for the reply", err, errlen) < 0)
			return -1;
	}
	return 0;
}

int
sockio_read_frame(int fd, uint8_t *buf, size_t cap, size_t *len, struct proto_msg *m,
		  int64_t deadline, char *err, size_t errlen)
{
	uint16_t version, type;
	uint32_t body;
	enum proto_err e;

	if (cap < PROTO_HDR_LEN)
		return sockio_errf(err, errlen, "frame buffer too small");
	if (read_exact(fd, buf, PROTO_HDR_LEN, deadline, err, errlen) < 0)
		return -1;
	e = proto_header(buf, &version, &type, &body);
	if (e == PE_VERSION)
		return sockio_errf(err, errlen, "peer speaks protocol version %u, this side %u",
			    version, PROTO_VERSION);
	if (e != PE_OK)
		return sockio_errf(err, errlen, "bad frame header: %s", proto_strerror(e));
	if (body > cap - PROTO_HDR_LEN)
		return sockio_errf(err, errlen, "frame of %u bytes exceeds the buffer", body);
	if (read_exact(fd, buf + PROTO_HDR_LEN, body, deadline, err, errlen) < 0)
		return -1;
	*len = PROTO_HDR_LEN + body;
	e = proto_decode(buf, *len, m);
	if (e != PE_OK)
		return sockio_errf(err, errlen, "bad frame: %s", proto_strerror(e));
	return 0;
}

int
sockio_call(const char *path, const struct proto_buf *req, uint8_t *rbuf,
	    struct proto_msg *reply, int64_t deadline, char *err, size_t errlen)
{
	uint16_t want = (uint16_t)(((uint16_t)req->data[6] << 8 | req->data[7]) | PROTO_REPLY);
	size_t len;
	int fd, rc = -1;

	fd = sockio_connect_pref(path, deadline, err, errlen);
	if (fd < 0)
		return -1;
	if (sockio_write_all(fd, req->data, req->len, deadline, err, errlen) < 0)
		goto out;
	if (sockio_read_frame(fd, rbuf, PROTO_MAX_FRAME, &len, reply, deadline, err,
			      errlen) < 0)
		goto out;
	if (reply->type != want) {
		sockio_errf(err, errlen, "reply of type %#x does not answer request %#x", reply->type,
		     want & ~PROTO_REPLY);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}
