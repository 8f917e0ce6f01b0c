/*
 * mailer.c - the sender thread for spooled link notices and go-live
 * announcements (see mailer.h).
 */
#include "mailer.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "live_config.h"
#include "log.h"
#include "mailq.h"
#include "mailrate.h"
#include "mta.h"
#include "spool.h"

enum outcome {
	SEND_OK,		/* the MTA accepted it */
	SEND_GONE,		/* the file vanished: nothing to do */
	SEND_STUCK,		/* accepted, but the file cannot be removed */
	SEND_REJECTED,		/* this notice failed; others may still go */
	SEND_UNAVAILABLE,	/* the MTA cannot take mail now: hold the queue */
	SEND_BUSY,		/* an earlier submission of it is still under way */
};

/* What one pass needs from the live configuration, copied. */
struct mail_cfg {
	char *spool_dir;
	char *sendmail;
	char *smtp_url;
	char *mail_from;
	long warn_after_s;
	int rate_per_min;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* CLOCK_MONOTONIC; valid while running */
	pthread_t tid;
	bool running, stop, wake;
	long min_ms, max_ms, timeout_ms, rescan_ms;

	/* The sender thread's own state. */
	int64_t hold_until_ms;
	unsigned long retries_seen;	/* mailq_retry_count at the last pass */
	bool started;			/* the first pass (after a start) is done */
	struct mailrate rate;		/* mail.rate_per_min, over both queues */
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
		mc->warn_after_s = cfg->mail_warn_after_s;
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

/*
 * One attempt at <sub>/<txn>.msg.  st is marked submitting (durably) before
 * the MTA starts; once the MTA accepted, the hand-over is recorded before
 * anything else (mailq_handed_over).
 */
static enum outcome
send_one(const struct mail_cfg *mc, const char *sub, uint64_t txn, struct mailq_state *st,
	 long timeout_ms, struct mta_attempt *at)
{
	char path[PATH_MAX];
	enum mta_outcome oc;
	int fd;

	memset(at, 0, sizeof(*at));
	if (spool_path(mc->spool_dir, sub, txn, path, sizeof(path)) < 0) {
		mta_fail(at, "spool_read", "path under %s is too long", mc->spool_dir);
		return SEND_UNAVAILABLE;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return SEND_GONE;
		mta_fail(at, "spool_read", "cannot open %s: %s", path, strerror(errno));
		return SEND_REJECTED;
	}
	/* Held by the MTA and its helper too, for as long as they run. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		close(fd);
		return SEND_BUSY;
	}
	if (spool_file_header(fd, "To", at->to, sizeof(at->to)) < 0)
		at->to[0] = '\0';
	st->tries++;
	st->submitting = true;
	snprintf(st->to, sizeof(st->to), "%s", at->to);
	/* Sent anyway when this fails: a notice is never held back for its count. */
	if (mailq_save(mc->spool_dir, txn, st) < 0)
		log_warnx("mail sender: the try count of transaction %llu is not recorded; "
			  "a crash during this attempt would resend it unannounced",
			  (unsigned long long)txn);
	if (mc->smtp_url != NULL)
		oc = mta_smtp(mc->smtp_url, mc->mail_from, fd, timeout_ms, at);
	else
		oc = mta_sendmail(mc->sendmail ? mc->sendmail : "/usr/sbin/sendmail -t -oi", fd,
				  path, timeout_ms, at);
	if (oc == MTA_OK && mailq_handed_over(mc->spool_dir, sub, txn) < 0) {
		mta_fail(at, "accepted", "cannot remove %s: %s; it is not sent again, and its "
			 "removal is tried at each pass", path, strerror(errno));
		close(fd);
		return SEND_STUCK;
	}
	close(fd);
	if (oc == MTA_OK) {
		snprintf(at->reason, sizeof(at->reason), "accepted");
		return SEND_OK;
	}
	st->submitting = false;
	return oc == MTA_REJECTED ? SEND_REJECTED : SEND_UNAVAILABLE;
}

/*
 * A notice of queue sub an earlier run was handing to the MTA: 1, that
 * submission ended without handing it over (send it again); 0, it was
 * handed over (its helper removed the file); -1, it is still under way
 * (its MTA and helper outlived that run and hold the file's lock).
 */
static int
earlier_submission(const char *spool_dir, const char *sub, uint64_t txn)
{
	char path[PATH_MAX];
	struct stat sb;
	int fd, gone;

	if (spool_path(spool_dir, sub, txn, path, sizeof(path)) < 0)
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : 1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		close(fd);
		return -1;
	}
	gone = fstat(fd, &sb) == 0 && sb.st_nlink == 0;
	close(fd);
	return gone ? 0 : 1;
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

/* The To: of <sub>/<txn>.msg into to ("" when unreadable). */
static void
read_to(const char *spool_dir, const char *sub, uint64_t txn, char *to, size_t len)
{
	char path[PATH_MAX];
	int fd;

	to[0] = '\0';
	if (spool_path(spool_dir, sub, txn, path, sizeof(path)) == 0 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (spool_file_header(fd, "To", to, len) < 0)
			to[0] = '\0';
		close(fd);
	}
}

/* Logs, once per notice, that it has waited longer than mail.warn_after_s;
 * returns when that will be due (epoch seconds), or 0 when done. */
static time_t
warn_overdue(const struct mail_cfg *mc, const char *sub, uint64_t txn, struct mailq_state *st,
	     time_t now)
{
	char to[300], detail[sizeof(st->error) + 64];
	time_t since;

	if (st->warned || mc->warn_after_s <= 0 ||
	    (since = mailq_since(mc->spool_dir, sub, txn)) < 0)
		return 0;
	if (now - since < mc->warn_after_s)
		return since + mc->warn_after_s;
	read_to(mc->spool_dir, sub, txn, to, sizeof(to));
	snprintf(detail, sizeof(detail), "waiting for %lld s; last error: %s",
		 (long long)(now - since), st->error[0] ? st->error : "none");
	event_mail(&(struct mail_event){ txn, to, st->tries, -1, "waiting", "overdue", detail });
	st->warned = true;
	mailq_save(mc->spool_dir, txn, st);
	return 0;
}

/* The wall clock in epoch milliseconds. */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The monotonic time at which epoch second t comes. */
static int64_t
mono_at(time_t t, time_t now)
{
	return clock_now_ms() + (int64_t)(t - now) * 1000;
}

/* What one pass works with: the settings, its timing and its scope. */
struct pass {
	struct mail_cfg mc;
	long min_ms, max_ms, timeout_ms;
	bool all;		/* every notice is due (a start, or ecflinkctl mail --retry) */
	int64_t next;		/* when the next pass is needed */
};

/* Notes that the next pass is needed by monotonic time t. */
static void
need_pass_by(struct pass *ps, int64_t t)
{
	if (t < ps->next)
		ps->next = t;
}

/* One notice of queue sub: tried if due and the rate allows.  Returns
 * true when the pass must stop here (rate spent, or stopping). */
static bool
send_due(struct pass *ps, const char *sub, uint64_t txn)
{
	struct mailq_state st;
	struct mta_attempt at;
	enum outcome oc;
	time_t now = time(NULL), warn_at;
	int64_t wait;
	long delay;

	if (mailq_load(ps->mc.spool_dir, txn, &st) < 0)
		return false;
	if (st.sent) {
		/* Accepted already: only its file is left to remove. */
		mailq_handed_over(ps->mc.spool_dir, sub, txn);
		return false;
	}
	warn_at = warn_overdue(&ps->mc, sub, txn, &st, now);
	if (warn_at > 0)
		need_pass_by(ps, mono_at(warn_at, now));
	if (clock_now_ms() < M.hold_until_ms)
		return false;
	if (!ps->all && st.next_ms > wall_ms()) {
		need_pass_by(ps, clock_now_ms() + (st.next_ms - wall_ms()));
		return false;
	}
	wait = mailrate_wait_ms(&M.rate, clock_now_ms());
	if (wait > 0) {
		need_pass_by(ps, clock_now_ms() + wait);
		return true;
	}
	mailrate_note(&M.rate, clock_now_ms());
	if (st.submitting) {
		char to[300];
		int r;

		read_to(ps->mc.spool_dir, sub, txn, to, sizeof(to));
		r = earlier_submission(ps->mc.spool_dir, sub, txn);
		if (r < 0) {
			/* Its MTA is still at work: look again in a second. */
			need_pass_by(ps, clock_now_ms() + 1000);
			return false;
		}
		if (r == 0) {
			mailq_handed_over(ps->mc.spool_dir, sub, txn);
			event_mail(&(struct mail_event){ txn, to, st.tries, -1, "sent", "accepted",
							 "handed over by a submission that outlived "
							 "the previous ecflinkd" });
			return false;
		}
		event_mail(&(struct mail_event){ txn, to, st.tries, -1, "resend",
						 "possible_duplicate",
						 "ecflinkd stopped while the MTA had this notice; it "
						 "is sent again with the same Message-ID" });
	}
	oc = send_one(&ps->mc, sub, txn, &st, ps->timeout_ms, &at);
	if (oc == SEND_GONE)
		return false;
	if (oc == SEND_BUSY) {
		need_pass_by(ps, clock_now_ms() + 1000);
		return false;
	}
	if (oc == SEND_OK || oc == SEND_STUCK) {
		event_mail(&(struct mail_event){ txn, at.to, st.tries, -1, "sent", at.reason,
						 at.detail });
		if (oc == SEND_STUCK) {
			/* Not removable: never sent again, by this run or another. */
			st.sent = true;
			snprintf(st.error, sizeof(st.error), "%s", at.detail);
			mailq_save(ps->mc.spool_dir, txn, &st);
		}
		return false;
	}
	delay = backoff_ms(st.tries, ps->min_ms, ps->max_ms);
	st.next_ms = wall_ms() + delay;
	snprintf(st.error, sizeof(st.error), "%s: %s", at.reason, at.detail);
	mailq_save(ps->mc.spool_dir, txn, &st);
	need_pass_by(ps, clock_now_ms() + delay);
	event_mail(&(struct mail_event){ txn, at.to, st.tries, (delay + 999) / 1000, "retry",
					 at.reason, at.detail });
	if (oc == SEND_UNAVAILABLE)
		M.hold_until_ms = clock_now_ms() + delay;
	return false;
}

/* Sends what is due in queue sub, oldest first; true when the pass must
 * stop. */
static bool
send_queue(struct pass *ps, const char *sub, const uint64_t *txns, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (stopping() || send_due(ps, sub, txns[i]))
			return true;
	return false;
}

/*
 * Sends what is due: link notices (ready/) first, then go-live
 * announcements (announce/), all within mail.rate_per_min.  Every notice
 * is due at the first pass after a start and after mailq_request_retry.
 * Returns the monotonic time at which the next pass is needed.
 */
static int64_t
run_pass(void)
{
	uint64_t *links = NULL, *news = NULL, *both = NULL;
	unsigned long asked = mailq_retry_count();
	size_t nl = 0, na = 0, i;
	long rescan_ms;
	struct pass ps;

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
	/* The workers' moves into the queues are renames alone (spool.h). */
	if (nl + na > 0 && spool_sync_queues(ps.mc.spool_dir) < 0)
		goto out;
	ps.all = !M.started || asked != M.retries_seen;
	/* The state files cover both queues (a Transaction ID is in one). */
	both = malloc((nl + na + 1) * sizeof(*both));
	if (both == NULL)
		goto out;
	for (i = 0; i < nl; i++)
		both[i] = links[i];
	for (i = 0; i < na; i++)
		both[nl + i] = news[i];
	mailq_prune(ps.mc.spool_dir, both, nl + na);
	M.started = true;
	M.retries_seen = asked;
	if (ps.all)
		M.hold_until_ms = 0;
	if (!send_queue(&ps, "ready", links, nl))
		send_queue(&ps, "announce", news, na);
	if (M.hold_until_ms > clock_now_ms())
		need_pass_by(&ps, M.hold_until_ms);
out:
	free(links);
	free(news);
	free(both);
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
	M.started = false;
	mailrate_free(&M.rate);
	curl_global_cleanup();
}
