/*
 * sockio.h - deadline-bounded I/O on UNIX stream sockets, and the client
 * side of one request/reply exchange with ecflinkd.
 *
 * Deadlines are absolute CLOCK_MONOTONIC times in milliseconds
 * (clock_now_ms() + budget, clock.h).  Functions return 0 on success and -1 on
 * failure with a sentence in err (what failed, on what, why); they never
 * log, never raise SIGPIPE and never block past the deadline.
 */
#ifndef ECFLINK_SOCKIO_H
#define ECFLINK_SOCKIO_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "proto.h"

#define SOCKIO_ERRLEN 256

/* Formats a message into err (truncated to errlen) and returns -1, for
 * "return sockio_errf(err, len, ...)" on error paths. */
int sockio_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Connects to the UNIX socket at path; returns a non-blocking, close-on-exec
 * fd, or -1. */
int sockio_connect(const char *path, int64_t deadline, char *err, size_t errlen);

/*
 * Like sockio_connect, but a full listen queue (EAGAIN) is tried again
 * every few ms until deadline instead of failing at once: a flood of
 * other callers delays a PAM login rather than failing it.
 */
int sockio_connect_retry(const char *path, int64_t deadline, char *err, size_t errlen);

/*
 * Connects (as sockio_connect_retry) to the private socket beside path
 * when this process may open it (root, ecflinkd's front ends), else to
 * path itself; err tells only the public socket's failure.
 */
int sockio_connect_pref(const char *path, int64_t deadline, char *err, size_t errlen);

/*
 * The private socket beside the public one at pub, as both ecflinkd
 * (socket.private_path's default) and pam_ecflink derive it: a trailing
 * ".sock" becomes "-private.sock", any other name gets ".private".
 * Returns -1 when it does not fit len (out is then empty).
 */
int sockio_private_path(const char *pub, char *out, size_t len);
int sockio_write_all(int fd, const void *buf, size_t len, int64_t deadline,
		     char *err, size_t errlen);
/*
 * Reads one whole frame into buf (cap >= PROTO_MAX_FRAME is always enough)
 * and decodes it into m; on success *len is the frame's size.  A frame that
 * does not decode is an error whose message names the protocol fault.
 */
int sockio_read_frame(int fd, uint8_t *buf, size_t cap, size_t *len, struct proto_msg *m,
		      int64_t deadline, char *err, size_t errlen);

/*
 * One exchange: connects to path (its private twin first, see
 * sockio_connect_pref), sends the finished request in req, reads
 * and decodes the reply into reply (pointing into rbuf, which must hold
 * PROTO_MAX_FRAME bytes), checks that its type answers the request, and
 * closes the socket.  The caller wipes req and rbuf if they held secrets.
 */
int sockio_call(const char *path, const struct proto_buf *req, uint8_t *rbuf,
		struct proto_msg *reply, int64_t deadline, char *err, size_t errlen);

#endif
