/*
 * mailer.c - the sender thread for spooled link notices (see mailer.h).
 */
#include "mailer.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "live_config.h"
#include "log.h"
#include "mailrate.h"
#include "spool.h"

#define MAX_ARGS 32
#define REASON_LEN 32
#define DETAIL_LEN 200

enum outcome {
	SEND_OK,		/* the MTA accepted it */
	SEND_GONE,		/* the file vanished: nothing to do */
	SEND_STUCK,		/* accepted, but the file cannot be removed */
	SEND_REJECTED,		/* this notice failed; others may still go */
	SEND_UNAVAILABLE,	/* the MTA cannot take mail now: hold the queue */
};

/* What one pass needs from the live configuration, copied. */
struct mail_cfg {
	char *spool_dir;
	char *sendmail;
	char *smtp_url;
	char *mail_from;
	int rate_per_min;
};

/* A notice that failed: when it may be tried again. */
struct retry {
	uint64_t txn;
	int tries;
	int64_t due_ms;
	bool seen;
};

struct attempt {
	char to[300];
	char reason[REASON_LEN];
	char detail[DETAIL_LEN];
};

/* Records why an attempt failed: a reason word and a detail line. */
static void __attribute__((format(printf, 3, 4)))
fail(struct attempt *at, const char *reason, const char *fmt, ...)
{
	char line[DETAIL_LEN];
	va_list ap;

	snprintf(at->reason, sizeof(at->reason), "%s", reason);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(at->detail, line, sizeof(line));
}

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* CLOCK_MONOTONIC; valid while running */
	pthread_t tid;
	bool running, stop, wake;
	long min_ms, max_ms, timeout_ms, rescan_ms;

	/* The sender thread's own state. */
	struct retry *retries;
	size_t nretries, capretries;
	int64_t hold_until_ms;
	struct mailrate rate;	/* mail.rate_per_min, over both queues */
} M = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.min_ms = 30 * 1000L,
	.max_ms = 3600 * 1000L,
	.timeout_ms = 30 * 1000L,
	.rescan_ms = 60 * 1000L,
};

void
mailer_set_backoff_ms(long min_ms, long max_ms)
{
	pthread_mutex_lock(&M.lock);
	M.min_ms = min_ms > 0 ? min_ms : 1;
	M.max_ms = max_ms > M.min_ms ? max_ms : M.min_ms;
	pthread_mutex_unlock(&M.lock);
}

void
mailer_set_timeout_ms(long ms)
{
	pthread_mutex_lock(&M.lock);
	M.timeout_ms = ms > 0 ? ms : 1;
	pthread_mutex_unlock(&M.lock);
}

void
mailer_set_rescan_ms(long ms)
{
	pthread_mutex_lock(&M.lock);
	M.rescan_ms = ms > 0 ? ms : 1;
	pthread_mutex_unlock(&M.lock);
}

static bool
stopping(void)
{
	bool s;

	pthread_mutex_lock(&M.lock);
	s = M.stop;
	pthread_mutex_unlock(&M.lock);
	return s;
}

static void
mail_cfg_free(struct mail_cfg *mc)
{
	free(mc->spool_dir);
	free(mc->sendmail);
	free(mc->smtp_url);
	free(mc->mail_from);
	memset(mc, 0, sizeof(*mc));
}

static char *
dup_or_null(const char *s, bool *ok)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*ok = false;
	return d;
}

/* Copies the mail settings, holding the live config only for the copy. */
static int
mail_cfg_load(struct mail_cfg *mc)
{
	const struct config *cfg;
	bool ok = true;

	memset(mc, 0, sizeof(*mc));
	cfg = live_config_get();
	if (cfg != NULL) {
		mc->spool_dir = dup_or_null(cfg->spool_dir, &ok);
		mc->sendmail = dup_or_null(cfg->sendmail, &ok);
		mc->smtp_url = dup_or_null(cfg->smtp_url, &ok);
		mc->mail_from = dup_or_null(cfg->mail_from, &ok);
		mc->rate_per_min = cfg->rate_per_min;
	}
	live_config_put(cfg);
	if (cfg == NULL || !ok || mc->spool_dir == NULL) {
		if (!ok)
			log_warnx("mail sender: out of memory copying the mail settings");
		mail_cfg_free(mc);
		return -1;
	}
	return 0;
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
static enum outcome
judge_status(int status, struct attempt *at)
{
	char line[DETAIL_LEN];

	snprintf(line, sizeof(line), "%s", at->detail);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return SEND_OK;
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		fail(at, "sendmail_exit", "exit %d%s%s", code, line[0] ? ": " : "", line);
		/* EX_DATAERR, EX_NOUSER, EX_NOHOST: about this message only. */
		if (code == 65 || code == 67 || code == 68)
			return SEND_REJECTED;
		return SEND_UNAVAILABLE;
	}
	fail(at, "sendmail_signal", "killed by signal %d%s%s",
	     WIFSIGNALED(status) ? WTERMSIG(status) : 0, line[0] ? ": " : "", line);
	return SEND_UNAVAILABLE;
}

/*
 * Waits up to timeout_ms for the child, collecting the first line of its
 * output from rfd (which the caller closes).  On time-out kills its
 * process group and reaps it.
 */
static enum outcome
wait_child(pid_t pid, int rfd, long timeout_ms, struct attempt *at)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	bool have_line = false;
	int status = 0;
	char buf[512];

	for (;;) {
		int64_t left = deadline - clock_now_ms();
		pid_t w;

		if (rfd >= 0) {
			struct pollfd pfd = { .fd = rfd, .events = POLLIN };

			if (poll(&pfd, 1, left < 0 ? 0 : left > 100 ? 100 : (int)left) > 0) {
				ssize_t n = read(rfd, buf, sizeof(buf));

				if (n > 0)
					keep_first_line(at->detail, sizeof(at->detail), &have_line,
							buf, (size_t)n);
				else if (n == 0 || (errno != EINTR && errno != EAGAIN))
					rfd = -1;
			}
		} else if (left > 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			/* What it wrote just before exiting is still in the pipe. */
			int k;

			for (k = 0; rfd >= 0 && k < 16; k++) {
				struct pollfd pfd = { .fd = rfd, .events = POLLIN };
				ssize_t n;

				if (poll(&pfd, 1, 0) <= 0 || (n = read(rfd, buf, sizeof(buf))) <= 0)
					break;
				keep_first_line(at->detail, sizeof(at->detail), &have_line, buf,
						(size_t)n);
			}
			return judge_status(status, at);
		}
		if (w < 0 && errno != EINTR) {
			fail(at, "wait_failed", "waitpid %d: %s", (int)pid, strerror(errno));
			return SEND_UNAVAILABLE;
		}
		if (clock_now_ms() >= deadline)
			break;
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	fail(at, "timeout", "no answer within %ld ms; killed%s%s", timeout_ms,
	     at->detail[0] ? ": " : "", at->detail);
	return SEND_UNAVAILABLE;
}

/* Runs mail.sendmail with the message on standard input. */
static enum outcome
send_sendmail(const char *cmd, int msgfd, long timeout_ms, struct attempt *at)
{
	char copy[1024], *argv[MAX_ARGS + 1], *save = NULL, *tok;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	enum outcome oc = SEND_UNAVAILABLE;
	int argc = 0, p[2] = { -1, -1 }, err;
	pid_t pid;

	if ((size_t)snprintf(copy, sizeof(copy), "%s", cmd) >= sizeof(copy)) {
		fail(at, "bad_command", "mail.sendmail is too long");
		return SEND_UNAVAILABLE;
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0 || tok != NULL) {
		fail(at, "bad_command", "mail.sendmail must name a program and "
		     "at most %d arguments", MAX_ARGS - 1);
		return SEND_UNAVAILABLE;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		fail(at, "spawn_failed", "pipe: %s", strerror(errno));
		return SEND_UNAVAILABLE;
	}
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGALRM);
	sigaddset(&dflt, SIGUSR1);
	sigaddset(&dflt, SIGUSR2);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The message on 0, output to the pipe, nothing else of the daemon's. */
	err = posix_spawn_file_actions_adddup2(&fa, msgfd, 0);
	if (err == 0)
		err = posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (err == 0)
		err = posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	if (err == 0)
		err = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (err == 0)
		err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	if (err == 0)
		err = posix_spawnattr_setsigmask(&attr, &none);
	if (err == 0)
		err = posix_spawnattr_setsigdefault(&attr, &dflt);
	if (err == 0)
		err = posix_spawnattr_setpgroup(&attr, 0);
	if (err == 0)
		err = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (err != 0) {
		fail(at, "spawn_failed", "cannot run %s: %s", argv[0], strerror(err));
		goto out;
	}
	oc = wait_child(pid, p[0], timeout_ms, at);
out:
	close(p[0]);
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

/* Sends the message through libcurl SMTP to mail.smtp_url. */
static enum outcome
send_smtp(const struct mail_cfg *mc, int msgfd, long timeout_ms, struct attempt *at)
{
	char errbuf[CURL_ERROR_SIZE] = "", from[300];
	struct curl_slist *rcpt = NULL;
	enum outcome oc = SEND_UNAVAILABLE;
	CURL *c = NULL;
	FILE *f = NULL;
	long code = 0;
	CURLcode res;
	int fd;

	if (at->to[0] == '\0') {
		fail(at, "no_recipient", "the spooled message has no To: field");
		return SEND_REJECTED;
	}
	envelope_from(mc->mail_from ? mc->mail_from : "", from, sizeof(from));
	fd = dup(msgfd);
	if (fd >= 0)
		f = fdopen(fd, "r");
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		fail(at, "spool_read", "cannot read the message: %s", strerror(errno));
		return SEND_UNAVAILABLE;
	}
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, at->to);
	if (c == NULL || rcpt == NULL) {
		fail(at, "smtp_error", "cannot set up libcurl: out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, mc->smtp_url);
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
		oc = SEND_OK;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	fail(at, res == CURLE_OPERATION_TIMEDOUT ? "timeout" : "smtp_error",
	     "%s (SMTP reply %ld)", errbuf[0] ? errbuf : curl_easy_strerror(res), code);
	/* A permanent refusal concerns this message; anything else the server. */
	oc = code >= 500 && code < 600 ? SEND_REJECTED : SEND_UNAVAILABLE;
out:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	fclose(f);
	return oc;
}

/* One attempt at <sub>/<txn>.msg; on success the file is gone. */
static enum outcome
send_one(const struct mail_cfg *mc, const char *sub, uint64_t txn, long timeout_ms,
	 struct attempt *at)
{
	char path[PATH_MAX], dir[PATH_MAX];
	enum outcome oc;
	int fd;

	memset(at, 0, sizeof(*at));
	if (spool_path(mc->spool_dir, sub, txn, path, sizeof(path)) < 0) {
		fail(at, "spool_read", "path under %s is too long", mc->spool_dir);
		return SEND_UNAVAILABLE;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return SEND_GONE;
		fail(at, "spool_read", "cannot open %s: %s", path, strerror(errno));
		return SEND_REJECTED;
	}
	if (spool_file_header(fd, "To", at->to, sizeof(at->to)) < 0)
		at->to[0] = '\0';
	if (mc->smtp_url != NULL)
		oc = send_smtp(mc, fd, timeout_ms, at);
	else
		oc = send_sendmail(mc->sendmail ? mc->sendmail : "/usr/sbin/sendmail -t -oi", fd,
				   timeout_ms, at);
	close(fd);
	if (oc != SEND_OK)
		return oc;
	snprintf(at->reason, sizeof(at->reason), "accepted");
	if (unlink(path) < 0) {
		fail(at, "accepted", "cannot remove %s: %s; it will be sent again after a restart",
		     path, strerror(errno));
		return SEND_STUCK;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", mc->spool_dir, sub) < sizeof(dir)) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		/* Best effort: a lost unlink only means one duplicate after a crash. */
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return SEND_OK;
}

static struct retry *
find_retry(uint64_t txn)
{
	size_t i;

	for (i = 0; i < M.nretries; i++)
		if (M.retries[i].txn == txn)
			return &M.retries[i];
	return NULL;
}

static void
forget_retry(uint64_t txn)
{
	struct retry *r = find_retry(txn);

	if (r != NULL)
		*r = M.retries[--M.nretries];
}

/* Notes a failure; returns the entry, or NULL when out of memory. */
static struct retry *
note_failure(uint64_t txn)
{
	struct retry *r = find_retry(txn);

	if (r == NULL) {
		if (M.nretries == M.capretries) {
			size_t ncap = M.capretries ? M.capretries * 2 : 16;
			struct retry *nr = realloc(M.retries, ncap * sizeof(*nr));

			if (nr == NULL)
				return NULL;
			M.retries = nr;
			M.capretries = ncap;
		}
		r = &M.retries[M.nretries++];
		*r = (struct retry){ .txn = txn };
	}
	r->tries++;
	r->seen = true;
	return r;
}

/* min_ms doubled per earlier failure, up to max_ms. */
static long
backoff_ms(int tries, long min_ms, long max_ms)
{
	long d = min_ms;
	int i;

	for (i = 1; i < tries && d < max_ms; i++)
		d = d > max_ms / 2 ? max_ms : d * 2;
	return d < max_ms ? d : max_ms;
}

/* Drops retry entries whose files are gone (sent by an earlier run, removed by hand). */
static void
prune_retries(const uint64_t *txns, size_t n)
{
	size_t i, j;

	for (i = 0; i < M.nretries; i++)
		M.retries[i].seen = false;
	for (j = 0; j < n; j++) {
		struct retry *r = find_retry(txns[j]);

		if (r != NULL)
			r->seen = true;
	}
	for (i = 0; i < M.nretries;) {
		if (!M.retries[i].seen)
			M.retries[i] = M.retries[--M.nretries];
		else
			i++;
	}
}

/* What one pass works with: the settings and its timing. */
struct pass {
	struct mail_cfg mc;
	long min_ms, max_ms, timeout_ms;
	int64_t next;		/* when the next pass is needed */
};

/*
 * Sends what is due in spool queue sub, oldest first, within the rate.
 * Returns true when the pass must stop here (the MTA is held off, the
 * rate is spent, or the sender is stopping).
 */
static bool
send_queue(struct pass *ps, const char *sub, const uint64_t *txns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct retry *r = find_retry(txns[i]);
		struct attempt at;
		enum outcome oc;
		int64_t now, wait;
		long delay;

		if (stopping())
			return true;
		now = clock_now_ms();
		if (now < M.hold_until_ms)
			return true;
		if (r != NULL && now < r->due_ms)
			continue;
		wait = mailrate_wait_ms(&M.rate, now);
		if (wait > 0) {
			if (now + wait < ps->next)
				ps->next = now + wait;
			return true;
		}
		mailrate_note(&M.rate, now);
		oc = send_one(&ps->mc, sub, txns[i], ps->timeout_ms, &at);
		if (oc == SEND_GONE) {
			forget_retry(txns[i]);
			continue;
		}
		if (oc == SEND_OK || oc == SEND_STUCK) {
			event_mail(&(struct mail_event){ txns[i], at.to, r != NULL ? r->tries + 1 : 1,
							 -1, "sent", at.reason, at.detail });
			forget_retry(txns[i]);
			/* Not removable: never sent again by this run. */
			if (oc == SEND_STUCK && (r = note_failure(txns[i])) != NULL)
				r->due_ms = INT64_MAX;
			continue;
		}
		r = note_failure(txns[i]);
		delay = backoff_ms(r != NULL ? r->tries : 1, ps->min_ms, ps->max_ms);
		now = clock_now_ms();
		if (r != NULL)
			r->due_ms = now + delay;
		event_mail(&(struct mail_event){ txns[i], at.to, r != NULL ? r->tries : 1,
						 (delay + 999) / 1000, "retry", at.reason, at.detail });
		if (oc == SEND_UNAVAILABLE) {
			M.hold_until_ms = now + delay;
			return true;
		}
	}
	return false;
}

/*
 * Sends what is due: link notices (ready/) first, then go-live
 * announcements (announce/), all within mail.rate_per_min.  Returns the
 * monotonic time at which the next pass is needed.
 */
static int64_t
run_pass(void)
{
	uint64_t *links = NULL, *news = NULL, *all = NULL;
	size_t nl = 0, na = 0;
	long rescan_ms;
	struct pass ps;
	size_t i;

	pthread_mutex_lock(&M.lock);
	ps.min_ms = M.min_ms;
	ps.max_ms = M.max_ms;
	ps.timeout_ms = M.timeout_ms;
	rescan_ms = M.rescan_ms;
	pthread_mutex_unlock(&M.lock);
	ps.next = clock_now_ms() + rescan_ms;
	if (mail_cfg_load(&ps.mc) < 0)
		return ps.next;
	if (mailrate_set(&M.rate, (size_t)ps.mc.rate_per_min) < 0)
		log_warnx("mail sender: out of memory for mail.rate_per_min %d; the old rate "
			  "stays", ps.mc.rate_per_min);
	if (spool_list(ps.mc.spool_dir, "ready", &links, &nl) < 0 ||
	    spool_list(ps.mc.spool_dir, "announce", &news, &na) < 0)
		goto out;
	/* The retry table covers both queues (a Transaction ID is in one only). */
	all = malloc((nl + na + 1) * sizeof(*all));
	if (all == NULL) {
		log_warnx("mail sender: out of memory listing the spool");
		goto out;
	}
	for (i = 0; i < nl; i++)
		all[i] = links[i];
	for (i = 0; i < na; i++)
		all[nl + i] = news[i];
	prune_retries(all, nl + na);
	if (!send_queue(&ps, "ready", links, nl))
		send_queue(&ps, "announce", news, na);
	for (i = 0; i < M.nretries; i++)
		if (M.retries[i].due_ms < ps.next)
			ps.next = M.retries[i].due_ms;
	if (M.hold_until_ms > clock_now_ms() && M.hold_until_ms < ps.next)
		ps.next = M.hold_until_ms;
out:
	free(links);
	free(news);
	free(all);
	mail_cfg_free(&ps.mc);
	return ps.next;
}

static void *
sender_main(void *arg)
{
	int64_t next = 0;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&M.lock);
		while (!M.stop && !M.wake) {
			int64_t now = clock_now_ms();
			struct timespec ts;

			if (now >= next)
				break;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)((next - now) / 1000);
			ts.tv_nsec += (long)((next - now) % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&M.cond, &M.lock, &ts);
		}
		if (M.stop) {
			pthread_mutex_unlock(&M.lock);
			break;
		}
		M.wake = false;
		pthread_mutex_unlock(&M.lock);
		next = run_pass();
	}
	return NULL;
}

int
mailer_start(void)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err, rc = -1;

	pthread_mutex_lock(&M.lock);
	if (M.running) {
		log_warnx("mail sender: already running");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("mail sender: cannot initialize libcurl");
		goto out;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&M.cond, &ca);
	pthread_condattr_destroy(&ca);
	M.stop = false;
	M.wake = false;
	M.hold_until_ms = 0;
	/* The daemon takes its signals through a signalfd; none may land here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&M.tid, NULL, sender_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		log_warnx("mail sender: cannot start its thread: %s", strerror(err));
		pthread_cond_destroy(&M.cond);
		curl_global_cleanup();
		goto out;
	}
	M.running = true;
	rc = 0;
out:
	pthread_mutex_unlock(&M.lock);
	return rc;
}

void
mailer_wake(void)
{
	pthread_mutex_lock(&M.lock);
	if (M.running) {
		M.wake = true;
		pthread_cond_signal(&M.cond);
	}
	pthread_mutex_unlock(&M.lock);
}

void
mailer_stop(void)
{
	pthread_mutex_lock(&M.lock);
	if (!M.running || M.stop) {
		pthread_mutex_unlock(&M.lock);
		return;
	}
	M.stop = true;
	pthread_cond_signal(&M.cond);
	pthread_mutex_unlock(&M.lock);
	pthread_join(M.tid, NULL);
	pthread_mutex_lock(&M.lock);
	M.running = false;
	M.stop = false;
	pthread_cond_destroy(&M.cond);
	pthread_mutex_unlock(&M.lock);
	free(M.retries);
	M.retries = NULL;
	M.nretries = M.capretries = 0;
	mailrate_free(&M.rate);
	curl_global_cleanup();
}
