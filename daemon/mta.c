/*
 * mta.c - one submission of one spooled message to the MTA (see mta.h).
 */
#include "mta.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define MAX_ARGS 32

/* Signals the daemon handles or ignores; the child gets default actions. */
static const int reset_signals[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM,
				     SIGALRM, SIGUSR1, SIGUSR2 };

void
mta_fail(struct mta_attempt *at, const char *reason, const char *fmt, ...)
{
	char line[sizeof(at->detail)];
	va_list ap;

	snprintf(at->reason, sizeof(at->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(at->detail, line, sizeof(line));
}

/* Copies the first line of what the child wrote, if not done yet. */
static void
keep_first_line(char *detail, size_t len, bool *have, const char *buf, size_t n)
{
	size_t used = strlen(detail), i;

	for (i = 0; i < n && !*have; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			*have = used > 0;
			continue;
		}
		if (used + 1 < len) {
			detail[used++] = buf[i];
			detail[used] = '\0';
		}
	}
}

/* Sorts an exit status into an outcome; the reason and detail say why. */
static enum mta_outcome
judge_status(int status, struct mta_attempt *at)
{
	char line[sizeof(at->detail)];

	snprintf(line, sizeof(line), "%s", at->detail);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return MTA_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) > 128) {
		mta_fail(at, "sendmail_signal", "killed by signal %d%s%s", WEXITSTATUS(status) - 128,
			 line[0] ? ": " : "", line);
		return MTA_UNAVAILABLE;
	}
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		mta_fail(at, "sendmail_exit", "exit %d%s%s", code, line[0] ? ": " : "", line);
		/* EX_DATAERR, EX_NOUSER, EX_NOHOST: about this message only. */
		if (code == 65 || code == 67 || code == 68)
			return MTA_REJECTED;
		return MTA_UNAVAILABLE;
	}
	mta_fail(at, "sendmail_signal", "killed by signal %d%s%s",
		 WIFSIGNALED(status) ? WTERMSIG(status) : 0, line[0] ? ": " : "", line);
	return MTA_UNAVAILABLE;
}

/* Reads what is in rfd now into the detail; -1 once it is at its end. */
static int
drain(int rfd, struct mta_attempt *at, bool *have_line)
{
	char buf[512];
	ssize_t n = read(rfd, buf, sizeof(buf));

	if (n > 0) {
		keep_first_line(at->detail, sizeof(at->detail), have_line, buf, (size_t)n);
		return 0;
	}
	return n < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : -1;
}

/*
 * Waits up to timeout_ms for the child, collecting the first line of its
 * output from rfd (non-blocking; the caller closes it).  The child's exit
 * wakes the poll through pidfd at once; without a pidfd (an old kernel)
 * waitpid is polled every 5 ms.  On time-out kills its process group and
 * reaps it.
 */
static enum mta_outcome
wait_child(pid_t pid, int pidfd, int rfd, long timeout_ms, struct mta_attempt *at)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	bool have_line = false;
	int status = 0;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = pidfd, .events = POLLIN },
					 { .fd = rfd, .events = POLLIN } };
		int64_t left = deadline - clock_now_ms();
		int wait_ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left;
		pid_t w;

		if (pidfd < 0 && wait_ms > 5)
			wait_ms = 5;
		if (poll(pfd, 2, wait_ms) > 0 && (pfd[1].revents & (POLLIN | POLLHUP)) &&
		    drain(rfd, at, &have_line) < 0)
			rfd = -1;
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			/* What it wrote just before exiting is still in the pipe. */
			int k;

			for (k = 0; rfd >= 0 && k < 16 && drain(rfd, at, &have_line) == 0; k++)
				;
			return judge_status(status, at);
		}
		if (w < 0 && errno != EINTR) {
			mta_fail(at, "wait_failed", "waitpid %d: %s", (int)pid, strerror(errno));
			return MTA_UNAVAILABLE;
		}
		if (clock_now_ms() >= deadline)
			break;
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	mta_fail(at, "timeout", "no answer within %ld ms; killed%s%s", timeout_ms,
		 at->detail[0] ? ": " : "", at->detail);
	return MTA_UNAVAILABLE;
}

/* Closes the descriptors in [lo, hi] (hi ~0U: all above lo). */
static void
close_span(unsigned int lo, unsigned int hi)
{
	unsigned int fd;

	if (lo > hi || syscall(SYS_close_range, lo, hi, 0U) == 0)
		return;
	/* A kernel before 5.9: one by one, up to a limit no daemon reaches. */
	for (fd = lo; fd <= hi && fd < 65536; fd++)
		close((int)fd);
}

/*
 * Closes every descriptor from 3 up but the three given: the helper must
 * not hold the daemon's sockets (a restarted ecflinkd would find its
 * socket still answered) nor its LDAP and client connections.
 */
static void
close_all_but(int a, int b, int c)
{
	int keep[3] = { a, b, c }, t, i, j;
	unsigned int lo = 3;

	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i < 3; i++) {
		if (keep[i] < (int)lo)
			continue;
		if ((unsigned int)keep[i] > lo)
			close_span(lo, (unsigned int)keep[i] - 1);
		lo = (unsigned int)keep[i] + 1;
	}
	close_span(lo, ~0U);
}

/*
 * The child between fork and exec: async-signal-safe calls only.  Tells
 * the parent why exec failed by writing errno to errfd (close-on-exec, so
 * a successful exec writes nothing).
 */
static void __attribute__((noreturn))
child_exec(char *const argv[], pid_t parent, int msgfd, int outfd, int errfd)
{
	int e;

	/* Dies with the helper: no copy is queued that nobody would record. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		goto fail;
	if (dup2(msgfd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		goto fail;
	/* errfd moves to 3 and stays open until exec closes it; the rest goes now. */
	if (errfd != 3) {
		if (dup2(errfd, 3) < 0)
			goto fail;
		errfd = 3;
	}
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	close_span(4, ~0U);
	execv(argv[0], argv);
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/*
 * The helper between fork and exit: async-signal-safe calls only.  In a
 * process group of its own (the daemon's time-out kills the group; should
 * ecflinkd be gone, alarm(limit_s) ends the helper and so the MTA), with
 * default signal actions and nothing blocked, it starts the MTA and waits
 * for it.  When the MTA exits 0 it removes h->path and syncs h->dir at
 * once, so the hand-over is recorded even when ecflinkd was killed
 * meanwhile.  Its exit status is the MTA's, or 128 + the signal that
 * ended it.
 */
static void __attribute__((noreturn))
helper(char *const argv[], const char *path, const char *dir, unsigned int limit_s, int msgfd,
       int outfd, int errfd)
{
	struct sigaction dfl;
	sigset_t none;
	pid_t self, pid;
	size_t i;
	int status, e, d;

	close_all_but(msgfd, outfd, errfd);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < sizeof(reset_signals) / sizeof(reset_signals[0]); i++)
		sigaction(reset_signals[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Bounded without ecflinkd too: SIGALRM ends the helper, the MTA with it. */
	alarm(limit_s);
	self = getpid();
	if (setpgid(0, 0) < 0 || (pid = fork()) < 0) {
		e = errno;
		if (write(errfd, &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	if (pid == 0)
		child_exec(argv, self, msgfd, outfd, errfd);
	close(outfd);
	close(errfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* The MTA has it: record that now, whatever became of ecflinkd. */
		if (path != NULL && unlink(path) == 0 &&
		    (d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(d);
			close(d);
		}
		_exit(0);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* Splits cmd on blanks into argv (pointing into copy). */
static int
split_command(const char *cmd, char *copy, size_t len, char **argv, struct mta_attempt *at)
{
	char *save = NULL, *tok;
	int argc = 0;

	if ((size_t)snprintf(copy, len, "%s", cmd) >= len) {
		mta_fail(at, "bad_command", "mail.sendmail is too long");
		return -1;
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0 || tok != NULL) {
		mta_fail(at, "bad_command", "mail.sendmail must name a program and "
			 "at most %d arguments", MAX_ARGS - 1);
		return -1;
	}
	return 0;
}

enum mta_outcome
mta_sendmail(const char *cmd, int msgfd, const char *path, long timeout_ms,
	     struct mta_attempt *at)
{
	char dir[PATH_MAX];
	char copy[1024], *argv[MAX_ARGS + 1];
	enum mta_outcome oc = MTA_UNAVAILABLE;
	int p[2] = { -1, -1 }, ep[2] = { -1, -1 }, pidfd = -1, e = 0;
	pid_t pid;
	ssize_t n;

	if (split_command(cmd, copy, sizeof(copy), argv, at) < 0)
		return MTA_UNAVAILABLE;
	if (path != NULL) {
		const char *slash = strrchr(path, '/');

		if (slash == NULL || (size_t)(slash - path) >= sizeof(dir)) {
			mta_fail(at, "spool_read", "no directory in %s", path);
			return MTA_UNAVAILABLE;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		mta_fail(at, "spawn_failed", "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		mta_fail(at, "spawn_failed", "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		helper(argv, path, dir, (unsigned int)(timeout_ms / 1000 + 2), msgfd, p[1], ep[1]);
	close(p[1]);
	close(ep[1]);
	p[1] = ep[1] = -1;
	/* A successful exec closes ep[1] and the read sees its end. */
	do
		n = read(ep[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		mta_fail(at, "spawn_failed", "cannot run %s: %s", argv[0], strerror(e));
		goto out;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	oc = wait_child(pid, pidfd, p[0], timeout_ms, at);
out:
	if (pidfd >= 0)
		close(pidfd);
	for (int i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	return oc;
}

/* The bare address of mail.from ("Name <a@b>" or "a@b"). */
static void
envelope_from(const char *from, char *out, size_t len)
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	if (lt != NULL && gt != NULL && (size_t)(gt - lt - 1) < len) {
		memcpy(out, lt + 1, (size_t)(gt - lt - 1));
		out[gt - lt - 1] = '\0';
		return;
	}
	snprintf(out, len, "%s", from);
}

enum mta_outcome
mta_smtp(const char *url, const char *mail_from, int msgfd, long timeout_ms,
	 struct mta_attempt *at)
{
	char errbuf[CURL_ERROR_SIZE] = "", from[300];
	struct curl_slist *rcpt = NULL;
	enum mta_outcome oc = MTA_UNAVAILABLE;
	CURL *c = NULL;
	FILE *f = NULL;
	long code = 0;
	CURLcode res;
	int fd;

	if (at->to[0] == '\0') {
		mta_fail(at, "no_recipient", "the spooled message has no To: field");
		return MTA_REJECTED;
	}
	envelope_from(mail_from ? mail_from : "", from, sizeof(from));
	fd = dup(msgfd);
	if (fd >= 0)
		f = fdopen(fd, "r");
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		mta_fail(at, "spool_read", "cannot read the message: %s", strerror(errno));
		return MTA_UNAVAILABLE;
	}
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, at->to);
	if (c == NULL || rcpt == NULL) {
		mta_fail(at, "smtp_error", "cannot set up libcurl: out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READDATA, f);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	/* The spool holds LF line ends; SMTP wants CRLF. */
	curl_easy_setopt(c, CURLOPT_CRLF, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	res = curl_easy_perform(c);
	if (res == CURLE_OK) {
		oc = MTA_OK;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	mta_fail(at, res == CURLE_OPERATION_TIMEDOUT ? "timeout" : "smtp_error",
		 "%s (SMTP reply %ld)", errbuf[0] ? errbuf : curl_easy_strerror(res), code);
	/* A permanent refusal concerns this message; anything else the server. */
	oc = code >= 500 && code < 600 ? MTA_REJECTED : MTA_UNAVAILABLE;
out:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	fclose(f);
	return oc;
}
