/*
 * logsink.c - a syslog datagram sink for the tests: the private /dev/log.
 *
 *   logsink [-r READY_FILE] SOCKET_PATH OUTPUT_FILE
 *
 * Binds a SOCK_DGRAM UNIX socket at SOCKET_PATH (mode 0666, so processes
 * that dropped privileges can log too) and appends every datagram it
 * receives to OUTPUT_FILE as exactly one line, written with one write(2)
 * and no buffering, so a test reading the file sees whole lines.  A raw
 * newline inside a datagram is written as the two characters "\n", a raw
 * carriage return as "\r" and a NUL as "\0": a datagram that tried to forge
 * a second log line stays on its line and the forgery is visible.  One
 * trailing newline (which some syslog clients send) is dropped.  After the
 * socket is bound, READY_FILE is created.  SIGTERM or SIGINT: unlinks the
 * socket and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_DGRAM 65536

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Installs on_signal for SIGTERM and SIGINT and blocks both; the main loop
 * unblocks them only inside ppoll(), so a signal can never slip in between
 * testing stop and waiting (which would leave logsink deaf to it).  Stores
 * the mask to wait with in waitmask.  Returns 0 or -1. */
static int signals_install(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) < 0) {
		fprintf(stderr, "logsink: sigprocmask: %s\n", strerror(errno));
		return -1;
	}
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0) {
		fprintf(stderr, "logsink: sigaction: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds a datagram socket at path, replacing a stale socket file there.
 * Returns the fd, or -1 after printing why. */
static int sink_bind(const char *path)
{
	struct sockaddr_un sun;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "logsink: socket path %s: longer than %zu bytes\n", path,
			sizeof(sun.sun_path) - 1);
		goto out;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "logsink: socket: %s\n", strerror(errno));
		goto out;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "logsink: unlink %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "logsink: bind %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0666) < 0) {
		fprintf(stderr, "logsink: chmod %s: %s\n", path, strerror(errno));
		goto fail;
	}
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	return fd;
}

/* Writes the datagram in[0..n) to out as one line (see the file comment);
 * out must hold 2 * n + 1 bytes.  Returns the line's length. */
static size_t line_format(const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	if (n > 0 && in[n - 1] == '\n')
		n--;
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (c == '\n' || c == '\r' || c == '\0') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : '0';
		} else {
			out[o++] = c;
		}
	}
	out[o++] = '\n';
	return o;
}

/* Writes all of buf to fd, retrying short writes and EINTR.  Returns 0 or
 * -1 after printing why. */
static int write_all(int fd, const char *buf, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "logsink: write %s: %s\n", path, strerror(errno));
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: logsink [-r READY_FILE] SOCKET_PATH OUTPUT_FILE\n");
}

int main(int argc, char **argv)
{
	static char dgram[MAX_DGRAM];
	static char line[2 * MAX_DGRAM + 1];
	const char *ready = NULL, *sock_path, *out_path;
	int opt, sfd = -1, ofd = -1, rfd, rc = 1;
	sigset_t waitmask;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			usage();
			return 2;
		}
		ready = optarg;
	}
	if (argc - optind != 2) {
		usage();
		return 2;
	}
	sock_path = argv[optind];
	out_path = argv[optind + 1];

	if (signals_install(&waitmask) < 0)
		goto out;
	ofd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (ofd < 0) {
		fprintf(stderr, "logsink: open %s: %s\n", out_path, strerror(errno));
		goto out;
	}
	sfd = sink_bind(sock_path);
	if (sfd < 0)
		goto out;
	if (ready) {
		rfd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (rfd < 0) {
			fprintf(stderr, "logsink: create %s: %s\n", ready, strerror(errno));
			goto out;
		}
		close(rfd);
	}
	while (!stop) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		ssize_t n;

		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "logsink: ppoll on %s: %s\n", sock_path, strerror(errno));
			goto out;
		}
		n = recv(sfd, dgram, sizeof(dgram), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			fprintf(stderr, "logsink: recv on %s: %s\n", sock_path, strerror(errno));
			goto out;
		}
		if (write_all(ofd, line, line_format(dgram, (size_t)n, line), out_path) < 0)
			goto out;
	}
	rc = 0;
out:
	if (sfd >= 0) {
		close(sfd);
		unlink(sock_path);
	}
	if (ofd >= 0)
		close(ofd);
	return rc;
}
