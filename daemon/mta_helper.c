/*
 * mta_helper.c - ecflink-mta, the small program ecflinkd starts (with
 * posix_spawn) for each message it hands to mail.sendmail (see mta.h).
 *
 *   ecflink-mta LIMIT_S SPOOLED_FILE MTA [ARG...]
 *
 * On entry: descriptor 0 is the message (ecflinkd's flock on it is
 * inherited), 1 and 2 the pipe ecflinkd reads the MTA's first line from,
 * 3 a pipe on which it tells ecflinkd the errno when the MTA cannot be
 * started (a started MTA closes it on exec).  It is the leader of its own
 * process group, with default signal actions and nothing blocked.
 *
 * It starts MTA with PR_SET_PDEATHSIG SIGKILL (the MTA dies with it) and
 * waits.  The moment the MTA exits 0 it removes SPOOLED_FILE ("-": none)
 * and syncs its directory, so the hand-over is recorded even when
 * ecflinkd was killed meanwhile; alarm(LIMIT_S) ends it, and so the MTA,
 * should nobody be left to time it out.  Its exit status is the MTA's, or
 * 128 + the signal that ended it; 125 to 127 when it could not wait for,
 * start or be given the MTA.
 *
 * A program of its own so that ecflinkd never forks itself: a fork of the
 * big threaded daemon copies its page tables and makes every thread fault
 * on its next writes, which halved the link rate while notices went out.
 * It links libc alone, so that starting it costs little.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR_FD 3

/* Tells ecflinkd why the MTA did not start, and exits. */
static void __attribute__((noreturn))
tell_errno(int e)
{
	if (write(ERR_FD, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Closes every descriptor above ERR_FD: none of ecflinkd's may reach the MTA. */
static void
close_rest(void)
{
	int fd;

	if (syscall(SYS_close_range, ERR_FD + 1U, ~0U, 0U) == 0)
		return;
	/* A kernel before 5.9: one by one, up to a limit no daemon reaches. */
	for (fd = ERR_FD + 1; fd < 65536; fd++)
		close(fd);
}

/* The MTA's side of the fork. */
static void __attribute__((noreturn))
start_mta(char *const argv[], pid_t helper)
{
	/* Dies with the helper: no copy is queued that nobody would record. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != helper ||
	    fcntl(ERR_FD, F_SETFD, FD_CLOEXEC) < 0)
		tell_errno(errno);
	execv(argv[0], argv);
	tell_errno(errno);
}

/* Removes the spooled file and syncs its directory: the MTA has it. */
static void
record_handover(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int d;

	if (unlink(path) < 0 || slash == NULL || (size_t)(slash - path) >= sizeof(dir))
		return;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	d = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		fsync(d);
		close(d);
	}
}

int
main(int argc, char **argv)
{
	unsigned long limit_s;
	char *end;
	pid_t self, pid;
	int status;

	if (argc < 4 || fcntl(ERR_FD, F_GETFD) < 0) {
		fputs("ecflink-mta: ecflinkd's helper for mail.sendmail; not meant to be run "
		      "by hand\n", stderr);
		return 64;
	}
	errno = 0;
	limit_s = strtoul(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || limit_s == 0 || limit_s > 86400)
		tell_errno(EINVAL);
	close_rest();
	/* Bounded without ecflinkd too: SIGALRM ends the helper, the MTA with it. */
	alarm((unsigned int)limit_s);
	self = getpid();
	if (getpgrp() != self && setpgid(0, 0) < 0)
		tell_errno(errno);
	pid = fork();
	if (pid < 0)
		tell_errno(errno);
	if (pid == 0)
		start_mta(argv + 3, self);
	/* Only the MTA holds the pipes now: ecflinkd sees their ends with it. */
	close(1);
	close(2);
	close(ERR_FD);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(125);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* The MTA has it: record that now, whatever became of ecflinkd. */
		if (strcmp(argv[2], "-") != 0)
			record_handover(argv[2]);
		_exit(0);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
