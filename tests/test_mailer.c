/*
 * test_mailer.c - daemon/mailer.c: the sender thread against
 * tests/tools/fakesendmail.sh (delivery and deletion, retry with backoff
 * while sendmail fails, a hanging sendmail killed at the timeout and
 * reaped, oldest first, delivered once, spooled mail sent after a
 * restart) and against a small SMTP sink on 127.0.0.1 (mail.smtp_url).
 *
 * The live configuration comes from live_config_set(), as in the daemon.
 * The daemon's log lines (stderr with log_init(..., true)) are teed into a
 * buffer the tests read.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "mailer.h"
#include "mta.h"
#include "live_config.h"
#include "sockio.h"
#include "spool.h"

/* stderr, teed: everything still reaches the real stderr. */
static struct {
	int saved, rfd;
	pthread_t tid;
	pthread_mutex_t lock;
	char buf[256 * 1024];
	size_t len;
} T = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *
tee_main(void *arg)
{
	char b[4096];
	ssize_t n;

	(void)arg;
	while ((n = read(T.rfd, b, sizeof(b))) > 0) {
		size_t room;

		if (write(T.saved, b, (size_t)n) < 0) {
			/* the real stderr is gone; keep collecting */
		}
		pthread_mutex_lock(&T.lock);
		room = sizeof(T.buf) - 1 - T.len;
		if ((size_t)n > room)
			n = (ssize_t)room;
		memcpy(T.buf + T.len, b, (size_t)n);
		T.len += (size_t)n;
		T.buf[T.len] = '\0';
		pthread_mutex_unlock(&T.lock);
	}
	return NULL;
}

static void
tee_start(void)
{
	int p[2];

	fflush(stderr);
	T.saved = dup(2);
	assert_true(T.saved >= 0);
	assert_int_equal(pipe(p), 0);
	dup2(p[1], 2);
	close(p[1]);
	T.rfd = p[0];
	T.len = 0;
	T.buf[0] = '\0';
	assert_int_equal(pthread_create(&T.tid, NULL, tee_main, NULL), 0);
}

static void
tee_stop(void)
{
	fflush(stderr);
	dup2(T.saved, 2);	/* closes the pipe's last write end: the reader sees EOF */
	close(T.saved);
	pthread_join(T.tid, NULL);
	close(T.rfd);
}

/* How many times needle appears in the log so far. */
static int
log_count(const char *needle)
{
	const char *p;
	int n = 0;

	pthread_mutex_lock(&T.lock);
	for (p = T.buf; (p = strstr(p, needle)) != NULL; p++)
		n++;
	pthread_mutex_unlock(&T.lock);
	return n;
}

static bool
log_has(const char *needle)
{
	return log_count(needle) > 0;
}

struct fixture {
	char dir[256];
	char spool[300];
	char out[300];
	char script[PATH_MAX];
};

static void
write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_text(const char *path)
{
	static char buf[256 * 1024];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int
count_in(const char *text, const char *needle)
{
	const char *p;
	int n = 0;

	for (p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* rel (a path in the source tree): from the working directory, else beside the build tree. */
static void
find_in_tree(const char *rel, char *out, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int up;

	if (realpath(rel, out) != NULL)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (up = 0; up < 4 && (slash = strrchr(exe, '/')) != NULL; up++) {
		char cand[PATH_MAX + 64];

		*slash = '\0';
		snprintf(cand, sizeof(cand), "%s/%s", exe, rel);
		if (realpath(cand, out) != NULL)
			return;
	}
	(void)len;
	fail_msg("cannot find %s from the working directory or the test binary", rel);
}

/*
 * The helper ecflink-mta of this build: BUILD/ecflink-mta for the test
 * builds (BUILD/tests/test_mailer), else the plain build's
 * daemon/ecflink-mta (the package build's unit tests).
 */
static void
use_built_helper(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int up;

	assert_true(n > 0);
	exe[n] = '\0';
	for (up = 0; up < 2; up++) {
		slash = strrchr(exe, '/');
		assert_non_null(slash);
		*slash = '\0';
	}
	snprintf(path, sizeof(path), "%s/ecflink-mta", exe);
	if (access(path, X_OK) != 0)
		find_in_tree("daemon/ecflink-mta", path, sizeof(path));
	mta_set_helper(path);
}

/* Installs a hand-built live configuration; smtp_url NULL means sendmail. */
static void
set_config(const struct fixture *f, const char *sendmail, const char *smtp_url)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	cfg->spool_dir = strdup(f->spool);
	cfg->sendmail = strdup(sendmail);
	cfg->smtp_url = smtp_url ? strdup(smtp_url) : NULL;
	cfg->mail_from = strdup("ecflink@iasb.uscourts.example");
	cfg->court_name = strdup("SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT");
	assert_true(cfg->spool_dir && cfg->sendmail && cfg->mail_from && cfg->court_name);
	live_config_set(cfg);
	use_built_helper();
	spool_on_ready(mailer_wake);	/* as main.c wires them */
}

static void
use_fake_sendmail(const struct fixture *f)
{
	char cmd[PATH_MAX + 400];

	snprintf(cmd, sizeof(cmd), "/bin/sh %s %s -t -oi", f->script, f->out);
	set_config(f, cmd, NULL);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_mailer.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/out", f->dir);
	assert_int_equal(mkdir(f->spool, 0750), 0);
	find_in_tree("tests/tools/fakesendmail.sh", f->script, sizeof(f->script));
	use_fake_sendmail(f);
	mailer_set_backoff_ms(30000, 3600000);
	mailer_set_timeout_ms(30000);
	mailer_set_rescan_ms(60000);
	setenv("TZ", "America/Chicago", 1);
	tzset();
	tee_start();
	log_init(LOG_USER, false, true);
	*state = f;
	return 0;
}

static void
rm_rf(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL) {
		unlink(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rm_rf(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mailer_stop();
	log_init(LOG_USER, false, false);
	tee_stop();
	live_config_set(NULL);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* Spools a notice for txn and marks it ready, as link.c does around the Modify. */
static void
spool_ready(uint64_t txn)
{
	struct link_notice n = { .txn = txn, .submitted = 1448957045 };
	const struct config *cfg;
	int rc;

	snprintf(n.account_no, sizeof(n.account_no), "4412345");
	snprintf(n.to, sizeof(n.to), "tattorney@example.org");
	cfg = live_config_get();
	rc = spool_write_pending(cfg, &n);
	if (rc == 0)
		rc = spool_mark_ready(cfg, txn);
	live_config_put(cfg);
	assert_int_equal(rc, 0);
}

static bool
ready_exists(const struct fixture *f, uint64_t txn)
{
	char path[PATH_MAX];

	assert_int_equal(spool_path(f->spool, "ready", txn, path, sizeof(path)), 0);
	return access(path, F_OK) == 0;
}

/* Waits up to ms for ready/<txn>.msg to be gone. */
static bool
wait_gone(const struct fixture *f, uint64_t txn, int ms)
{
	int64_t end = clock_now_ms() + ms;

	while (ready_exists(f, txn)) {
		if (clock_now_ms() > end)
			return false;
		usleep(20 * 1000);
	}
	return true;
}

/* Waits up to ms for needle to appear n times in the log. */
static bool
wait_log(const char *needle, int n, int ms)
{
	int64_t end = clock_now_ms() + ms;

	while (log_count(needle) < n) {
		if (clock_now_ms() > end)
			return false;
		usleep(20 * 1000);
	}
	return true;
}

static int
messages(const struct fixture *f)
{
	return count_in(read_text(f->out), "From fakesendmail ");
}

/* The attempt times (ms) fakesendmail recorded. */
static int
attempt_times(const struct fixture *f, long long *t, int max)
{
	char path[400];
	const char *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s.attempts", f->out);
	for (p = read_text(path); *p != '\0' && n < max; p = strchr(p, '\n') + 1) {
		t[n++] = atoll(p);
		if (strchr(p, '\n') == NULL)
			break;
	}
	return n;
}

/* What the child inherited: descriptors 0-2 only, no blocked or ignored signal. */
static void
check_child_env(const struct fixture *f, int leaked_fd)
{
	char path[400], want[32];
	const char *env, *p;

	snprintf(path, sizeof(path), "%s.env", f->out);
	env = read_text(path);
	assert_non_null(strstr(env, "fd 0\n"));
	assert_non_null(strstr(env, "fd 1\n"));
	assert_non_null(strstr(env, "fd 2\n"));
	snprintf(want, sizeof(want), "fd %d\n", leaked_fd);
	if (strstr(env, want) != NULL)
		fail_msg("sendmail inherited descriptor %d:\n%s", leaked_fd, env);
	assert_non_null(strstr(env, "SigBlk:\t0000000000000000\n"));
	p = strstr(env, "SigIgn:\t");
	assert_non_null(p);
	/* SIGPIPE (13) is ignored in the daemon, not in the child. */
	assert_int_equal(strtoull(p + 8, NULL, 16) & (1ULL << (SIGPIPE - 1)), 0);
}

static void
test_delivers_and_deletes(void **state)
{
	struct fixture *f = *state;
	const char *out;
	sigset_t block, old;
	int leak;

	/* As in the daemon: a descriptor without O_CLOEXEC, signals blocked. */
	leak = open("/dev/null", O_RDONLY);
	assert_true(leak >= 0);
	assert_int_equal(dup2(leak, 77), 77);
	close(leak);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);

	spool_ready(7);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_gone(f, 7, 10000));
	assert_int_equal(messages(f), 1);
	out = read_text(f->out);
	assert_non_null(strstr(out, "From fakesendmail -t -oi\n"));
	assert_non_null(strstr(out, "\nTo: tattorney@example.org\n"));
	assert_non_null(strstr(out, "\nTransaction ID: 7\n"));
	assert_true(wait_log("event=mail txn=7 to=\"tattorney@example.org\" tries=1 "
			     "result=sent reason=accepted", 1, 2000));
	check_child_env(f, 77);
	close(77);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	/* A notice made ready while the sender idles goes out at once (the
	 * rescan interval is a minute): spool_mark_ready wakes it. */
	spool_ready(8);
	assert_true(wait_gone(f, 8, 5000));
	assert_int_equal(messages(f), 2);
	assert_non_null(strstr(read_text(f->out), "\nTransaction ID: 8\n"));

	/* Once each. */
	mailer_wake();
	usleep(300 * 1000);
	assert_int_equal(messages(f), 2);
	assert_int_equal(log_count("result=sent"), 2);
	assert_int_equal(log_count("result=retry"), 0);
}

static void
test_retries_with_backoff(void **state)
{
	struct fixture *f = *state;
	char marker[400];
	long long t[16];
	int n, i;

	snprintf(marker, sizeof(marker), "%s.fail", f->out);
	write_text(marker, "");
	mailer_set_backoff_ms(400, 1600);
	spool_ready(21);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_log("result=retry", 1, 5000));
	/* Being woken right after a failure must not bring the retry forward. */
	for (i = 0; i < 5; i++) {
		mailer_wake();
		usleep(20 * 1000);
	}
	assert_true(wait_log("result=retry", 2, 5000));
	assert_true(ready_exists(f, 21));
	assert_int_equal(messages(f), 0);
	assert_true(log_has("event=mail txn=21 to=\"tattorney@example.org\" "
				      "tries=1 retry_in_s=1 result=retry reason=sendmail_exit "
				      "detail=\"exit 75: fakesendmail: temporary failure\""));
	assert_true(log_has("tries=2 retry_in_s=1"));
	n = attempt_times(f, t, 16);
	assert_true(n >= 2);
	if (t[1] - t[0] < 400)
		fail_msg("second attempt %lld ms after the first; the backoff is 400 ms",
			 t[1] - t[0]);

	unlink(marker);
	assert_true(wait_gone(f, 21, 10000));
	assert_int_equal(messages(f), 1);
	assert_true(wait_log("event=mail txn=21 to=\"tattorney@example.org\" tries=3 result=sent", 1,
			     2000));
	n = attempt_times(f, t, 16);
	/* The third wait doubled: 800 ms (the clock here has ms resolution). */
	if (n >= 3 && t[2] - t[1] < 800)
		fail_msg("third attempt %lld ms after the second; want >= 800", t[2] - t[1]);
	usleep(300 * 1000);
	assert_int_equal(messages(f), 1);
}

static void
test_hanging_sendmail_is_killed(void **state)
{
	struct fixture *f = *state;
	char marker[400], pidfile[400];
	int64_t t0, took;
	pid_t pid;
	int status;

	snprintf(marker, sizeof(marker), "%s.hang", f->out);
	snprintf(pidfile, sizeof(pidfile), "%s.pid", f->out);
	write_text(marker, "");
	mailer_set_timeout_ms(1000);
	mailer_set_backoff_ms(60000, 60000);
	spool_ready(30);
	t0 = clock_now_ms();
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_log("result=retry reason=timeout", 1, 10000));
	took = clock_now_ms() - t0;
	if (took < 1000 || took > 5000)
		fail_msg("the timeout took %lld ms; want about 1000", (long long)took);
	assert_true(log_has("txn=30"));
	assert_true(ready_exists(f, 30));
	assert_int_equal(messages(f), 0);

	/* Killed and reaped: no such process, not even a zombie.  The MTA's
	 * parent is the helper, killed with it; init reaps the MTA. */
	pid = (pid_t)atol(read_text(pidfile));
	assert_true(pid > 0);
	for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* Stopping while the queue is held is prompt, and the notice stays spooled. */
	t0 = clock_now_ms();
	mailer_stop();
	assert_true(clock_now_ms() - t0 < 1000);
	assert_true(ready_exists(f, 30));
}

static void
test_oldest_first(void **state)
{
	struct fixture *f = *state;
	const char *out, *a, *b, *c;

	spool_ready(12);
	spool_ready(3);
	spool_ready(100);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_gone(f, 100, 10000));
	assert_true(wait_gone(f, 12, 1000));
	assert_true(wait_gone(f, 3, 1000));
	assert_int_equal(messages(f), 3);
	out = read_text(f->out);
	a = strstr(out, "\nTransaction ID: 3\n");
	b = strstr(out, "\nTransaction ID: 12\n");
	c = strstr(out, "\nTransaction ID: 100\n");
	assert_true(a != NULL && b != NULL && c != NULL);
	assert_true(a < b && b < c);
}

static void
test_sent_after_restart(void **state)
{
	struct fixture *f = *state;
	char marker[400];

	snprintf(marker, sizeof(marker), "%s.fail", f->out);
	write_text(marker, "");
	mailer_set_backoff_ms(60000, 60000);
	spool_ready(44);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_log("result=retry", 1, 5000));
	mailer_stop();
	assert_true(ready_exists(f, 44));
	assert_int_equal(messages(f), 0);

	/* The "restarted daemon": a new sender, the MTA back. */
	unlink(marker);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_gone(f, 44, 10000));
	assert_int_equal(messages(f), 1);
}

static void
test_missing_program(void **state)
{
	struct fixture *f = *state;

	set_config(f, "/nonexistent/sendmail -t -oi", NULL);
	mailer_set_backoff_ms(60000, 60000);
	spool_ready(50);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_log("result=retry reason=spawn_failed", 1, 5000));
	assert_true(log_has("cannot run /nonexistent/sendmail"));
	assert_true(ready_exists(f, 50));
}

/* Without the helper program nothing is sent, the notice stays, the log names it. */
static void
test_missing_helper(void **state)
{
	struct fixture *f = *state;
	char helper[PATH_MAX];

	use_fake_sendmail(f);
	snprintf(helper, sizeof(helper), "%s", mta_helper());
	mta_set_helper("/nonexistent/ecflink-mta");
	mailer_set_backoff_ms(60000, 60000);
	spool_ready(51);
	assert_int_equal(mailer_start(), 0);
	assert_true(wait_log("result=retry reason=spawn_failed", 1, 5000));
	assert_true(log_has("cannot run /nonexistent/ecflink-mta: No such file or directory"));
	assert_true(ready_exists(f, 51));
	assert_int_equal(messages(f), 0);
	mta_set_helper(helper);
}

static void
test_not_running(void **state)
{
	(void)state;
	/* Neither may block or crash when the sender is not running. */
	mailer_wake();
	mailer_stop();
	assert_int_equal(mailer_start(), 0);
	assert_int_equal(mailer_start(), -1);
	mailer_stop();
	mailer_stop();
}

/* A one-connection-at-a-time SMTP sink on 127.0.0.1. */
struct sink {
	int lfd, port;
	int conns;		/* connections to serve */
	bool fail_first;	/* answer the first RCPT with 451 */
	char from[1024], rcpt[1024];
	char data[16384];
	size_t dlen;
	pthread_t tid;
};

static int
sink_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;

		if (poll(&p, 1, 10000) <= 0 || read(fd, &c, 1) != 1)
			return -1;
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return 0;
}

static void
sink_say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0) {
		/* the client went away; the test sees it */
	}
}

static void *
sink_main(void *arg)
{
	struct sink *s = arg;
	char line[1024];
	int i;

	for (i = 0; i < s->conns; i++) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		bool data = false;
		int fd;

		if (poll(&p, 1, 20000) <= 0)
			break;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			break;
		sink_say(fd, "220 sink ESMTP\r\n");
		while (sink_line(fd, line, sizeof(line)) == 0) {
			if (data) {
				if (strcmp(line, ".\r\n") == 0) {
					data = false;
					sink_say(fd, "250 queued\r\n");
				} else if (s->dlen + strlen(line) < sizeof(s->data)) {
					memcpy(s->data + s->dlen, line, strlen(line) + 1);
					s->dlen += strlen(line);
				}
			} else if (strncmp(line, "EHLO", 4) == 0 ||
				   strncmp(line, "HELO", 4) == 0) {
				sink_say(fd, "250 sink\r\n");
			} else if (strncmp(line, "MAIL FROM:", 10) == 0) {
				snprintf(s->from, sizeof(s->from), "%s", line);
				sink_say(fd, "250 ok\r\n");
			} else if (strncmp(line, "RCPT TO:", 8) == 0) {
				snprintf(s->rcpt, sizeof(s->rcpt), "%s", line);
				sink_say(fd, i == 0 && s->fail_first ? "451 try again later\r\n"
								    : "250 ok\r\n");
			} else if (strncmp(line, "DATA", 4) == 0) {
				data = true;
				sink_say(fd, "354 go ahead\r\n");
			} else if (strncmp(line, "QUIT", 4) == 0) {
				sink_say(fd, "221 bye\r\n");
				break;
			} else if (strncmp(line, "RSET", 4) == 0) {
				sink_say(fd, "250 ok\r\n");
			} else {
				sink_say(fd, "500 what\r\n");
			}
		}
		close(fd);
	}
	return NULL;
}

static void
sink_start(struct sink *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pthread_create(&s->tid, NULL, sink_main, s), 0);
}

static void
test_smtp(void **state)
{
	struct fixture *f = *state;
	struct sink *s = calloc(1, sizeof(*s));
	char url[64];

	assert_non_null(s);
	s->conns = 2;
	s->fail_first = true;
	sink_start(s);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", s->port);
	set_config(f, "/nonexistent/sendmail", url);
	mailer_set_backoff_ms(300, 300);
	spool_ready(5);
	assert_int_equal(mailer_start(), 0);
	/* First a temporary refusal, retried; then accepted. */
	assert_true(wait_log("result=retry reason=smtp_error", 1, 10000));
	assert_true(log_has("(SMTP reply 451)"));
	assert_true(wait_gone(f, 5, 10000));
	pthread_join(s->tid, NULL);
	close(s->lfd);
	assert_string_equal(s->from, "MAIL FROM:<ecflink@iasb.uscourts.example>\r\n");
	assert_string_equal(s->rcpt, "RCPT TO:<tattorney@example.org>\r\n");
	/* CRLF on the wire, the body as spooled. */
	assert_non_null(strstr(s->data, "To: tattorney@example.org\r\n"));
	assert_non_null(strstr(s->data, "\r\n\r\nAccount Number: 4412345\r\n"));
	assert_non_null(strstr(s->data, "\r\nTransaction ID: 5\r\n"));
	assert_true(wait_log("event=mail txn=5 to=\"tattorney@example.org\" tries=2 result=sent", 1,
			     2000));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delivers_and_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries_with_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_sendmail_is_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sent_after_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
