/*
 * mta.c - one submission of one spooled message to the MTA (see mta.h).
 */
#include "mta.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

#define MAX_ARGS 32

/* The helper program (mta_helper.c), when not beside ecflinkd's own file. */
#ifndef ECFLINK_MTA_HELPER
#define ECFLINK_MTA_HELPER "/usr/libexec/ecflink/ecflink-mta"
#endif
#define HELPER_NAME "ecflink-mta"

extern char **environ;

/* Signals the daemon handles or ignores; the helper gets default actions. */
static const int reset_signals[] = { SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM,
				     SIGALRM, SIGUSR1, SIGUSR2 };

static struct {
	pthread_once_t once;
	char path[PATH_MAX];
} H = { .once = PTHREAD_ONCE_INIT };

/* The helper beside ecflinkd's own file (a build tree), else the installed one. */
static void
find_helper(void)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (H.path[0] != '\0')
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL && (size_t)(slash - exe) + sizeof(HELPER_NAME) + 1 < sizeof(H.path)) {
			snprintf(H.path, sizeof(H.path), "%.*s/" HELPER_NAME, (int)(slash - exe), exe);
			if (access(H.path, X_OK) == 0)
				return;
		}
	}
	snprintf(H.path, sizeof(H.path), "%s", ECFLINK_MTA_HELPER);
}

void
mta_set_helper(const char *path)
{
	snprintf(H.path, sizeof(H.path), "%s", path);
}

const char *
mta_helper(void)
{
	pthread_once(&H.once, find_helper);
	return H.path;
}

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

/* Moves *fd above the helper's four (0-3) so no dup2 there can clobber it. */
static int
above_helper_fds(int *fd, int *moved)
{
	if (*fd > 3)
		return 0;
	*moved = fcntl(*fd, F_DUPFD_CLOEXEC, 4);
	if (*moved < 0)
		return errno;
	*fd = *moved;
	return 0;
}

/*
 * Starts the helper (mta_helper.c) with msgfd as 0, outfd as 1 and 2 and
 * errfd as 3, in a process group of its own, default signal actions and
 * nothing blocked.  posix_spawn shares the daemon's memory until the
 * exec instead of copying it.  0, or an errno.
 */
static int
spawn_helper(pid_t *pid, char *const mta_argv[], int msgfd, int outfd, int errfd,
	     long timeout_ms, const char *path)
{
	char limit[24], *argv[MAX_ARGS + 4];
	int moved[3] = { -1, -1, -1 }, rc, i;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, dfl;
	size_t k;

	/* The MTA's own timeout is the daemon's; the helper's alarm a backstop. */
	snprintf(limit, sizeof(limit), "%ld", timeout_ms / 1000 + 2);
	argv[0] = (char *)mta_helper();
	argv[1] = limit;
	argv[2] = (char *)(path != NULL ? path : "-");
	for (i = 0; mta_argv[i] != NULL; i++)
		argv[3 + i] = mta_argv[i];
	argv[3 + i] = NULL;
	sigemptyset(&none);
	sigemptyset(&dfl);
	for (k = 0; k < sizeof(reset_signals) / sizeof(reset_signals[0]); k++)
		sigaddset(&dfl, reset_signals[k]);
	rc = above_helper_fds(&msgfd, &moved[0]);
	if (rc == 0)
		rc = above_helper_fds(&outfd, &moved[1]);
	if (rc == 0)
		rc = above_helper_fds(&errfd, &moved[2]);
	if (rc == 0 && (rc = posix_spawn_file_actions_init(&fa)) == 0) {
		if ((rc = posix_spawnattr_init(&sa)) == 0) {
			if ((rc = posix_spawn_file_actions_adddup2(&fa, msgfd, 0)) == 0 &&
			    (rc = posix_spawn_file_actions_adddup2(&fa, outfd, 1)) == 0 &&
			    (rc = posix_spawn_file_actions_adddup2(&fa, outfd, 2)) == 0 &&
			    (rc = posix_spawn_file_actions_adddup2(&fa, errfd, 3)) == 0 &&
			    (rc = posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP |
							   POSIX_SPAWN_SETSIGMASK |
							   POSIX_SPAWN_SETSIGDEF)) == 0 &&
			    (rc = posix_spawnattr_setpgroup(&sa, 0)) == 0 &&
			    (rc = posix_spawnattr_setsigmask(&sa, &none)) == 0 &&
			    (rc = posix_spawnattr_setsigdefault(&sa, &dfl)) == 0)
				rc = posix_spawn(pid, argv[0], &fa, &sa, argv, environ);
			posix_spawnattr_destroy(&sa);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	for (i = 0; i < 3; i++)
		if (moved[i] >= 0)
			close(moved[i]);
	return rc;
}

enum mta_outcome
mta_sendmail(const char *cmd, int msgfd, const char *path, long timeout_ms,
	     struct mta_attempt *at)
{
	char copy[1024], *argv[MAX_ARGS + 1];
	enum mta_outcome oc = MTA_UNAVAILABLE;
	int p[2] = { -1, -1 }, ep[2] = { -1, -1 }, pidfd = -1, e = 0;
	pid_t pid;
	ssize_t n;

	if (split_command(cmd, copy, sizeof(copy), argv, at) < 0)
		return MTA_UNAVAILABLE;
	if (pipe2(p, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		mta_fail(at, "spawn_failed", "pipe: %s", strerror(errno));
		goto out;
	}
	e = spawn_helper(&pid, argv, msgfd, p[1], ep[1], timeout_ms, path);
	if (e != 0) {
		mta_fail(at, "spawn_failed", "cannot run %s: %s", mta_helper(), strerror(e));
		goto out;
	}
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
