/*
 * test_spool.c - daemon/spool.c and daemon/mailtext.c: the rendered notice
 * (headers, the procedure's opening sentence, the seven lines, its closing
 * NOTE, the court's time zone), the go-live announcement, header injection refused, the
 * pending -> ready / dropped moves with their modes, start-up
 * reconciliation, and what a crash mid-write leaves behind.  A fake
 * fsync(2) below records what is synced and fails on demand, so a spool that
 * skipped a sync, or ignored its failure, is caught.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "mailtext.h"
#include "spool.h"

#define BODY_1000 \
	"This email is notification that the change you requested to your NextGen CM/ECF " \
	"account has been processed. The status is listed below.\n" \
	"\n" \
	"Account Number: 4412345\n" \
	"Court: SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT\n" \
	"Date/Time Submitted: 12/01/2015 02:04:05 CST\n" \
	"Transaction ID: 1000\n" \
	"Request: Link\n" \
	"Transaction Status: Processed\n" \
	"Comment: Your PACER account has been linked to your CM/ECF account\n" \
	"\n" \
	"NOTE: Each time you log in to e-file with your PACER account, you will be asked " \
	"to read and acknowledge the redaction notice (Fed. R. App. P. 25(a)(5), Fed. R. " \
	"Civ. P. 5.2, Fed. R. Crim. P. 49.1 and Fed. R. Bankr. P. 9037).\n"

/*
 * The fake fsync(2): linked into this program, it takes the place of libc's
 * for spool.c.  It records the path of every descriptor synced, and the
 * fail_at-th call from the last reset fails with EIO (0: none fails).
 */
static struct {
	int calls, fail_at;
	char paths[8][PATH_MAX];
} fsyncs;

static void
fsync_reset(int fail_at)
{
	memset(&fsyncs, 0, sizeof(fsyncs));
	fsyncs.fail_at = fail_at;
}

int
fsync(int fd)
{
	char link[64];
	ssize_t n;

	if (fsyncs.calls < 8) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, fsyncs.paths[fsyncs.calls], PATH_MAX - 1);
		fsyncs.paths[fsyncs.calls][n > 0 ? n : 0] = '\0';
	}
	if (++fsyncs.calls == fsyncs.fail_at) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

struct fixture {
	char dir[512];
	struct config cfg;
	struct link_notice n;
};

static void
notice(struct link_notice *n, uint64_t txn, const char *to)
{
	memset(n, 0, sizeof(*n));
	n->txn = txn;
	snprintf(n->account_no, sizeof(n->account_no), "4412345");
	snprintf(n->to, sizeof(n->to), "%s", to);
	snprintf(n->pacer_login, sizeof(n->pacer_login), "tattorneythree");
	snprintf(n->cmecf_login, sizeof(n->cmecf_login), "tattorney03");
	n->submitted = 1448957045;	/* 2015-12-01 08:04:05 UTC */
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_spool.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	f->cfg.spool_dir = f->dir;
	f->cfg.mail_from = "ecflink@iasb.uscourts.example";
	f->cfg.court_name = "SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT";
	notice(&f->n, 1000, "tattorney@example.org");
	setenv("TZ", "America/Chicago", 1);
	tzset();
	*state = f;
	return 0;
}

/* Removes the spool tree (two levels: pending/ and ready/ hold only files). */
static void
rm_tree(const char *dir)
{
	static const char *const subs[] = { "pending", "ready", "announce", "" };
	char sub[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	size_t i;
	DIR *d;

	for (i = 0; i < 4; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		d = opendir(sub);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, de->d_name);
			unlink(path);
		}
		closedir(d);
		rmdir(sub);
	}
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rm_tree(f->dir);
	free(f);
	fsync_reset(0);
	return 0;
}

static char *
slurp(const char *path)
{
	static char buf[SPOOL_MSG_MAX * 2];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static bool
exists_at(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return access(path, F_OK) == 0;
}

static unsigned int
mode_of(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s%s", dir, sub, name[0] ? "/" : "", name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static size_t
count_entries(const char *dir, const char *sub)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_render_headers_and_body(void **state)
{
	struct fixture *f = *state;
	char buf[SPOOL_MSG_MAX];
	const char *body;
	int len;

	len = mailtext_link(&f->cfg, &f->n, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(buf));
	assert_non_null(strstr(buf, "From: ecflink@iasb.uscourts.example\n"));
	assert_non_null(strstr(buf, "\nTo: tattorney@example.org\n"));
	assert_non_null(strstr(buf, "\nSubject: CM/ECF account link: Transaction ID 1000\n"));
	assert_non_null(strstr(buf, "\nDate: Tue, 01 Dec 2015 02:04:05 -0600\n"));
	assert_non_null(strstr(buf, "\nMessage-ID: <ecflink.link.1000.1448957045@"
				    "iasb.uscourts.example>\n"));
	assert_non_null(strstr(buf, "\nMIME-Version: 1.0\n"));
	assert_non_null(strstr(buf, "\nContent-Type: text/plain; charset=us-ascii\n"));
	/* The body is the opening sentence, exactly the seven lines in order,
	 * and the NOTE about the redaction notice: nothing else. */
	body = strstr(buf, "\n\n");
	assert_non_null(body);
	assert_string_equal(body + 2, BODY_1000);
	/* The logins are for the logs only. */
	assert_null(strstr(buf, "tattorneythree"));
	assert_null(strstr(buf, "tattorney03"));
	/* No header line after the blank line, no CR anywhere. */
	assert_null(strchr(buf, '\r'));
}

static void
test_render_daylight_time(void **state)
{
	struct fixture *f = *state;
	char buf[SPOOL_MSG_MAX];

	f->n.submitted = 1435752000;	/* 2015-07-01 12:00:00 UTC */
	assert_true(mailtext_link(&f->cfg, &f->n, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nDate/Time Submitted: 07/01/2015 07:00:00 CDT\n"));
	assert_non_null(strstr(buf, "\nDate: Wed, 01 Jul 2015 07:00:00 -0500\n"));

	/* Another court's zone: the same instant, its own clock and abbreviation. */
	setenv("TZ", "America/New_York", 1);
	tzset();
	f->n.submitted = 1448957045;
	assert_true(mailtext_link(&f->cfg, &f->n, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nDate/Time Submitted: 12/01/2015 03:04:05 EST\n"));
	setenv("TZ", "America/Chicago", 1);
	tzset();
}

/* Renders with one field changed and expects a refusal with an empty buffer. */
static void
expect_refused(struct fixture *f, const char *what)
{
	char buf[SPOOL_MSG_MAX];

	memset(buf, 'x', sizeof(buf));
	if (mailtext_link(&f->cfg, &f->n, buf, sizeof(buf)) != -1)
		fail_msg("%s was not refused", what);
	assert_int_equal(buf[0], '\0');
}

static void
test_render_refuses_injection(void **state)
{
	static const char *const bad_to[] = {
		"victim@example.org\r\nBcc: all@example.org",
		"victim@example.org\nSubject: x",
		"victim@example.org, other@example.org",
		"victim@example.org other@example.org",
		"Victim <victim@example.org>",
		"no-at-sign.example.org",
		"@example.org",
		"victim@",
		"a@b@c",
		"",
		"caf\xc3\xa9@example.org",
		"tab\t@example.org",
	};
	struct fixture *f = *state;
	char buf[SPOOL_MSG_MAX], saved[64];
	size_t i;

	for (i = 0; i < sizeof(bad_to) / sizeof(bad_to[0]); i++) {
		notice(&f->n, 1000, bad_to[i]);
		expect_refused(f, bad_to[i]);
	}
	notice(&f->n, 1000, "tattorney@example.org");
	memcpy(saved, f->n.account_no, sizeof(saved));
	snprintf(f->n.account_no, sizeof(f->n.account_no), "4412345\nTransaction ID: 1");
	expect_refused(f, "account number with LF");
	snprintf(f->n.account_no, sizeof(f->n.account_no), "%s", "");
	expect_refused(f, "empty account number");
	memset(f->n.account_no, '7', sizeof(f->n.account_no));	/* not terminated */
	expect_refused(f, "unterminated account number");
	memcpy(f->n.account_no, saved, sizeof(saved));

	f->cfg.court_name = "IOWA\rBcc: x@y";
	expect_refused(f, "court name with CR");
	f->cfg.court_name = "SOUTHERN DISTRICT OF IOWA BANKRUPTCY COURT";
	f->cfg.mail_from = "ecflink@court\nBcc: x@y";
	expect_refused(f, "mail_from with LF");
	f->cfg.mail_from = "ecflink";
	expect_refused(f, "mail_from without @");
	f->cfg.mail_from = "ecflink@iasb.uscourts.example";

	/* Too small a buffer: refused, never cut. */
	assert_int_equal(mailtext_link(&f->cfg, &f->n, buf, 100), -1);
	assert_int_equal(buf[0], '\0');
	assert_true(mailtext_link(&f->cfg, &f->n, buf, sizeof(buf)) > 0);
}

static void
test_write_pending_then_ready(void **state)
{
	struct fixture *f = *state;
	char want[SPOOL_MSG_MAX], path[PATH_MAX];
	mode_t old = umask(077);	/* the modes must not depend on the umask */
	char *got;

	assert_true(mailtext_link(&f->cfg, &f->n, want, sizeof(want)) > 0);
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	umask(old);
	assert_int_equal(mode_of(f->dir, "pending", ""), 0750);
	assert_int_equal(mode_of(f->dir, "ready", ""), 0750);
	assert_int_equal(mode_of(f->dir, "pending", "1000.msg"), 0640);
	assert_int_equal(count_entries(f->dir, "pending"), 1);	/* no temporary file left */
	assert_int_equal(count_entries(f->dir, "ready"), 0);
	assert_int_equal(spool_path(f->dir, "pending", 1000, path, sizeof(path)), 0);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, want);

	assert_int_equal(spool_mark_ready(&f->cfg, 1000), 0);
	assert_false(exists_at(f->dir, "pending", "1000.msg"));
	assert_true(exists_at(f->dir, "ready", "1000.msg"));
	assert_int_equal(mode_of(f->dir, "ready", "1000.msg"), 0640);
	assert_int_equal(spool_path(f->dir, "ready", 1000, path, sizeof(path)), 0);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, want);

	/* Nothing pending under that number any more. */
	assert_int_equal(spool_mark_ready(&f->cfg, 1000), -1);
	assert_true(exists_at(f->dir, "ready", "1000.msg"));
}

static void
test_write_pending_then_drop(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	assert_true(exists_at(f->dir, "pending", "1000.msg"));
	assert_int_equal(spool_drop(&f->cfg, 1000), 0);
	assert_false(exists_at(f->dir, "pending", "1000.msg"));
	assert_int_equal(count_entries(f->dir, "pending"), 0);
	assert_int_equal(count_entries(f->dir, "ready"), 0);
	/* Dropping again (or what was never written) is fine. */
	assert_int_equal(spool_drop(&f->cfg, 1000), 0);
}

static void
test_write_pending_refuses_bad_notice(void **state)
{
	struct fixture *f = *state;

	notice(&f->n, 1001, "victim@example.org\nBcc: all@example.org");
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), -1);
	/* Refused before anything is written, not even a temporary file. */
	assert_false(exists_at(f->dir, "pending", ""));
}

static void
test_write_pending_without_spool_dir(void **state)
{
	struct fixture *f = *state;
	char missing[PATH_MAX + 16];

	snprintf(missing, sizeof(missing), "%s/absent", f->dir);
	f->cfg.spool_dir = missing;
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), -1);
	f->cfg.spool_dir = f->dir;
}

/* The notice is synced before its rename and pending/ after it. */
static void
test_write_pending_syncs_file_and_dir(void **state)
{
	struct fixture *f = *state;
	char pending[PATH_MAX + 16], tmp_prefix[PATH_MAX + 32];

	/* The directories exist already: only the notice's own syncs count. */
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	assert_int_equal(spool_drop(&f->cfg, 1000), 0);
	fsync_reset(0);
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	snprintf(pending, sizeof(pending), "%s/pending", f->dir);
	snprintf(tmp_prefix, sizeof(tmp_prefix), "%s/.tmp-1000-", pending);
	assert_int_equal(fsyncs.calls, 2);
	if (strncmp(fsyncs.paths[0], tmp_prefix, strlen(tmp_prefix)) != 0)
		fail_msg("first sync on %s, not the notice's temporary file", fsyncs.paths[0]);
	assert_string_equal(fsyncs.paths[1], pending);
}

/*
 * The move to ready/ after the Modify is a rename alone; the sender's
 * spool_sync_queues makes the queues durable, the queues first, and says
 * so when it cannot.
 */
static void
test_mark_ready_leaves_sync_to_sender(void **state)
{
	struct fixture *f = *state;
	const char *const order[] = { "ready", "announce", "pending" };
	char want[PATH_MAX + 16];
	int i;

	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	fsync_reset(0);
	assert_int_equal(spool_mark_ready(&f->cfg, 1000), 0);
	assert_int_equal(fsyncs.calls, 0);
	assert_true(exists_at(f->dir, "ready", "1000.msg"));

	assert_int_equal(spool_sync_queues(f->dir), 0);
	assert_int_equal(fsyncs.calls, 3);
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "%s/%s", f->dir, order[i]);
		assert_string_equal(fsyncs.paths[i], want);
	}
	for (i = 1; i <= 3; i++) {
		fsync_reset(i);
		if (spool_sync_queues(f->dir) != -1)
			fail_msg("fsync call %d failed, yet the queues were reported synced", i);
	}
	fsync_reset(0);
}

/* Each fsync failing in turn: the write fails and leaves pending/ empty. */
static void
test_write_pending_fsync_fails(void **state)
{
	struct fixture *f = *state;
	int at;

	/* A first start: creating pending/ and ready/ cannot be made durable. */
	fsync_reset(1);
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), -1);
	assert_int_equal(count_entries(f->dir, "pending"), 0);
	/* Then the notice's sync, and the directory's after the rename. */
	for (at = 1; at <= 2; at++) {
		fsync_reset(at);
		if (spool_write_pending(&f->cfg, &f->n) != -1)
			fail_msg("fsync call %d failed, yet the notice was reported written", at);
		assert_true(fsyncs.calls >= at);
		assert_int_equal(count_entries(f->dir, "pending"), 0);
		assert_int_equal(count_entries(f->dir, "ready"), 0);
	}
	/* And with fsync working again, it is written. */
	fsync_reset(0);
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	assert_int_equal(count_entries(f->dir, "pending"), 1);
}

/* exists() for the reconcile test: answers from a table and records calls. */
struct oracle {
	uint64_t calls[16];
	size_t ncalls;
};

static int
oracle_exists(uint64_t txn, void *ctx)
{
	struct oracle *o = ctx;

	if (o->ncalls < 16)
		o->calls[o->ncalls++] = txn;
	switch (txn) {
	case 1:
	case 40:
		return SPOOL_LINK;
	case 41:
		return SPOOL_ANNOUNCE;
	case 2:
		return 0;
	default:
		return -1;
	}
}

static void
write_raw(const char *dir, const char *sub, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Runs fn with stderr going to a file, and returns what was written. */
static char *
capture_stderr(const char *dir, int (*fn)(struct fixture *, struct oracle *),
	       struct fixture *f, struct oracle *o, int *rc)
{
	char path[PATH_MAX];
	int saved, fd;

	snprintf(path, sizeof(path), "%s/stderr.log", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	*rc = fn(f, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	return slurp(path);
}

static int
run_reconcile(struct fixture *f, struct oracle *o)
{
	return spool_reconcile(&f->cfg, oracle_exists, o);
}

static void
test_reconcile(void **state)
{
	struct fixture *f = *state;
	uint64_t txns[] = { 41, 40, 3, 2, 1 };
	struct oracle o = { .ncalls = 0 };
	char log_path[PATH_MAX + 16];
	const char *log;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(txns) / sizeof(txns[0]); i++) {
		notice(&f->n, txns[i], i == 3 ? "dropped@example.org" : "tattorney@example.org");
		assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	}
	/* A crash in the middle of a write, and a stranger's file. */
	write_raw(f->dir, "pending", ".tmp-5-Ab12Cd", "From: ecflink@iasb\nTo: half");
	write_raw(f->dir, "pending", "README", "not a notice\n");

	log_init(LOG_USER, false, true);
	log = capture_stderr(f->dir, run_reconcile, f, &o, &rc);
	log_init(LOG_USER, false, false);
	assert_int_equal(rc, 1);	/* transaction 3 is undecided */

	/* Asked once each, oldest first; never about the temporary file. */
	assert_int_equal(o.ncalls, 5);
	assert_int_equal(o.calls[0], 1);
	assert_int_equal(o.calls[1], 2);
	assert_int_equal(o.calls[2], 3);
	assert_int_equal(o.calls[3], 40);
	assert_int_equal(o.calls[4], 41);
	/* An announcement goes to its own queue. */
	assert_true(exists_at(f->dir, "announce", "41.msg"));
	assert_false(exists_at(f->dir, "ready", "41.msg"));

	assert_true(exists_at(f->dir, "ready", "1.msg"));
	assert_true(exists_at(f->dir, "ready", "40.msg"));
	assert_false(exists_at(f->dir, "pending", "1.msg"));
	assert_false(exists_at(f->dir, "pending", "2.msg"));
	assert_false(exists_at(f->dir, "ready", "2.msg"));
	assert_true(exists_at(f->dir, "pending", "3.msg"));
	assert_false(exists_at(f->dir, "ready", "3.msg"));
	assert_false(exists_at(f->dir, "pending", ".tmp-5-Ab12Cd"));
	assert_true(exists_at(f->dir, "pending", "README"));
	assert_int_equal(count_entries(f->dir, "ready"), 2);

	assert_non_null(log);
	assert_non_null(strstr(log, "event=mail txn=2 to=\"dropped@example.org\" "
				    "result=dropped reason=link_not_made"));
	assert_non_null(strstr(log, "transaction 3"));
	assert_null(strstr(log, "txn=1 "));

	/* At the next start transaction 3 is decided (no link): gone. */
	o.ncalls = 0;
	snprintf(log_path, sizeof(log_path), "%s/pending/README", f->dir);
	unlink(log_path);
	assert_int_equal(spool_reconcile(&f->cfg, oracle_exists, &o), 1);
	assert_int_equal(o.ncalls, 1);
	assert_int_equal(o.calls[0], 3);
}

/* Sets pending/<name>'s modification time age_s seconds back. */
static void
age_file(const char *dir, const char *name, int age_s)
{
	time_t then = time(NULL) - age_s;
	struct timespec ts[2] = { { .tv_sec = then }, { .tv_sec = then } };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pending/%s", dir, name);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_reconcile_stale(void **state)
{
	struct fixture *f = *state;
	struct oracle o = { .ncalls = 0 };

	/* 1 and 2 were left by lost answers long ago; 40 is a link under way. */
	notice(&f->n, 1, "tattorney@example.org");
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	notice(&f->n, 2, "tattorney@example.org");
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	notice(&f->n, 40, "tattorney@example.org");
	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	write_raw(f->dir, "pending", ".tmp-41-Zz99Yy", "being written");
	age_file(f->dir, "1.msg", 3600);
	age_file(f->dir, "2.msg", 3600);

	assert_int_equal(spool_reconcile_stale(&f->cfg, 600, oracle_exists, &o), 0);
	assert_int_equal(o.ncalls, 2);	/* never asked about 40 */
	assert_true(exists_at(f->dir, "ready", "1.msg"));
	assert_false(exists_at(f->dir, "pending", "2.msg"));
	assert_false(exists_at(f->dir, "ready", "2.msg"));
	assert_true(exists_at(f->dir, "pending", "40.msg"));
	assert_true(exists_at(f->dir, "pending", ".tmp-41-Zz99Yy"));
}

static int
no_link(uint64_t txn, void *ctx)
{
	(void)txn;
	(void)ctx;
	return 0;
}

static void
test_reconcile_creates_dirs(void **state)
{
	struct fixture *f = *state;

	assert_false(exists_at(f->dir, "pending", ""));
	assert_int_equal(spool_reconcile(&f->cfg, no_link, NULL), 0);
	assert_int_equal(mode_of(f->dir, "pending", ""), 0750);
	assert_int_equal(mode_of(f->dir, "ready", ""), 0750);
}

static void
announce(struct announce_notice *a, uint64_t txn, const char *to)
{
	memset(a, 0, sizeof(*a));
	a->txn = txn;
	snprintf(a->to, sizeof(a->to), "%s", to);
	snprintf(a->cmecf_login, sizeof(a->cmecf_login), "tattorney03");
	a->written = 1448957045;
}

static void
test_render_announce(void **state)
{
	struct fixture *f = *state;
	struct announce_notice a;
	char buf[SPOOL_MSG_MAX];
	const char *body;

	announce(&a, 1200, "tattorney03@example.org");
	f->cfg.link_url = NULL;
	assert_int_equal(mailtext_announce(&f->cfg, &a, buf, sizeof(buf)), -1);
	f->cfg.link_url = "https://ecf.iasb.uscourts.example/link";
	assert_true(mailtext_announce(&f->cfg, &a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nTo: tattorney03@example.org\n"));
	assert_non_null(strstr(buf, "\nSubject: Linking is open: SOUTHERN DISTRICT OF IOWA "
				    "BANKRUPTCY COURT\n"));
	assert_non_null(strstr(buf, "\nMessage-ID: <ecflink.announce.1200.1448957045@"
				    "iasb.uscourts.example>\n"));
	body = strstr(buf, "\n\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "now live on NextGen CM/ECF, and linking is open."));
	assert_non_null(strstr(body, "\n   https://ecf.iasb.uscourts.example/link\n"));
	assert_non_null(strstr(body, "link your CM/ECF account tattorney03 to your"));
	assert_non_null(strstr(body, "Utilities > NextGen Release 1.1 Menu Items > Link a CM/ECF"));
	assert_null(strchr(buf, '\r'));
	/* The same refusals as a link notice. */
	announce(&a, 1200, "victim@example.org\nBcc: all@example.org");
	assert_int_equal(mailtext_announce(&f->cfg, &a, buf, sizeof(buf)), -1);
	announce(&a, 1200, "tattorney03@example.org");
	snprintf(a.cmecf_login, sizeof(a.cmecf_login), "x\ny");
	assert_int_equal(mailtext_announce(&f->cfg, &a, buf, sizeof(buf)), -1);
	f->cfg.link_url = "https://x.example/\nBcc: a@b";
	announce(&a, 1200, "tattorney03@example.org");
	assert_int_equal(mailtext_announce(&f->cfg, &a, buf, sizeof(buf)), -1);
	assert_int_equal(buf[0], '\0');
}

static void
test_announce_queue(void **state)
{
	struct fixture *f = *state;
	struct announce_notice a;
	char want[SPOOL_MSG_MAX], path[PATH_MAX];
	char *got;

	f->cfg.link_url = "https://ecf.iasb.uscourts.example/link";
	announce(&a, 1201, "tattorney03@example.org");
	assert_true(mailtext_announce(&f->cfg, &a, want, sizeof(want)) > 0);
	assert_int_equal(spool_write_pending_announce(&f->cfg, &a), 0);
	assert_int_equal(mode_of(f->dir, "announce", ""), 0750);
	assert_true(exists_at(f->dir, "pending", "1201.msg"));
	assert_int_equal(spool_mark_announce(&f->cfg, 1201), 0);
	assert_false(exists_at(f->dir, "pending", "1201.msg"));
	assert_false(exists_at(f->dir, "ready", "1201.msg"));
	assert_true(exists_at(f->dir, "announce", "1201.msg"));
	assert_int_equal(spool_path(f->dir, "announce", 1201, path, sizeof(path)), 0);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, want);
	/* An announcement that cannot be rendered is not written. */
	f->cfg.link_url = NULL;
	announce(&a, 1202, "tattorney03@example.org");
	assert_int_equal(spool_write_pending_announce(&f->cfg, &a), -1);
	assert_false(exists_at(f->dir, "pending", "1202.msg"));
}

static void
alert(struct alert_notice *a, uint64_t txn, const char *to, const char *rhost)
{
	memset(a, 0, sizeof(*a));
	a->txn = txn;
	snprintf(a->to, sizeof(a->to), "%s", to);
	snprintf(a->cmecf_login, sizeof(a->cmecf_login), "jdoe1");
	snprintf(a->rhost, sizeof(a->rhost), "%s", rhost);
	a->tried = 1448957045;	/* 2015-12-01 08:04:05 UTC, 02:04:05 CST */
}

static void
test_render_alert(void **state)
{
	struct fixture *f = *state;
	struct alert_notice a;
	char buf[SPOOL_MSG_MAX];
	const char *body;

	alert(&a, 1300, "janedoe@example.org", "203.0.113.7");
	assert_true(mailtext_alert(&f->cfg, &a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nTo: janedoe@example.org\n"));
	assert_non_null(strstr(buf, "\nSubject: Your old CM/ECF login was tried: SOUTHERN "
				    "DISTRICT OF IOWA BANKRUPTCY COURT\n"));
	assert_non_null(strstr(buf, "\nDate: Tue, 01 Dec 2015 02:04:05 -0600\n"));
	assert_non_null(strstr(buf, "\nMessage-ID: <ecflink.alert.1300.1448957045@"
				    "iasb.uscourts.example>\n"));
	body = strstr(buf, "\n\n");
	assert_non_null(body);
	assert_non_null(strstr(body, "Someone tried your old CM/ECF login (jdoe1) for the SOUTHERN "
				     "DISTRICT OF IOWA BANKRUPTCY COURT\non 12/01/2015 02:04:05 CST "
				     "from 203.0.113.7.\n"));
	assert_non_null(strstr(body, "\nIf it was not you, contact the court.\n"));

	/* No address, or one a mail cannot carry: "an unknown address". */
	alert(&a, 1300, "janedoe@example.org", "");
	assert_true(mailtext_alert(&f->cfg, &a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " from an unknown address.\n"));
	alert(&a, 1300, "janedoe@example.org", "evil\nBcc: x@y");
	assert_true(mailtext_alert(&f->cfg, &a, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, " from an unknown address.\n"));
	assert_null(strstr(buf, "Bcc"));

	/* A recipient that is not one plain address, a login with a control byte. */
	alert(&a, 1300, "a@b, c@d", "203.0.113.7");
	assert_int_equal(mailtext_alert(&f->cfg, &a, buf, sizeof(buf)), -1);
	assert_int_equal(buf[0], '\0');
	alert(&a, 1300, "janedoe@example.org", "203.0.113.7");
	snprintf(a.cmecf_login, sizeof(a.cmecf_login), "jdoe1\rX");
	assert_int_equal(mailtext_alert(&f->cfg, &a, buf, sizeof(buf)), -1);
}

static void
test_alert_queue(void **state)
{
	struct fixture *f = *state;
	struct alert_notice a;
	char want[SPOOL_MSG_MAX], path[PATH_MAX];
	char *got;

	alert(&a, 1301, "janedoe@example.org", "203.0.113.7");
	assert_true(mailtext_alert(&f->cfg, &a, want, sizeof(want)) > 0);
	assert_int_equal(spool_write_alert(&f->cfg, &a), 0);
	/* Straight to ready/: the claim was made before, nothing to settle. */
	assert_false(exists_at(f->dir, "pending", "1301.msg"));
	assert_true(exists_at(f->dir, "ready", "1301.msg"));
	assert_int_equal(count_entries(f->dir, "pending"), 0);
	assert_int_equal(mode_of(f->dir, "ready", "1301.msg"), 0640);
	assert_int_equal(spool_path(f->dir, "ready", 1301, path, sizeof(path)), 0);
	got = slurp(path);
	assert_non_null(got);
	assert_string_equal(got, want);
	/* One that cannot be rendered leaves nothing anywhere. */
	alert(&a, 1302, "not an address", "203.0.113.7");
	assert_int_equal(spool_write_alert(&f->cfg, &a), -1);
	assert_false(exists_at(f->dir, "pending", "1302.msg"));
	assert_false(exists_at(f->dir, "ready", "1302.msg"));
}

static void
test_parse_name(void **state)
{
	uint64_t t = 0;

	(void)state;
	assert_int_equal(spool_parse_name("12.msg", &t), 0);
	assert_int_equal(t, 12);
	assert_int_equal(spool_parse_name("0.msg", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(spool_parse_name("18446744073709551615.msg", &t), 0);
	assert_true(t == UINT64_MAX);
	assert_int_equal(spool_parse_name("18446744073709551616.msg", &t), -1);
	assert_int_equal(spool_parse_name("012.msg", &t), -1);
	assert_int_equal(spool_parse_name("12.msg.tmp", &t), -1);
	assert_int_equal(spool_parse_name(".tmp-12-abcdef", &t), -1);
	assert_int_equal(spool_parse_name("-1.msg", &t), -1);
	assert_int_equal(spool_parse_name(".msg", &t), -1);
	assert_int_equal(spool_parse_name("12", &t), -1);
}

static void
test_file_header(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], out[300], small[8];
	int fd;

	assert_int_equal(spool_write_pending(&f->cfg, &f->n), 0);
	assert_int_equal(spool_path(f->dir, "pending", 1000, path, sizeof(path)), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(spool_file_header(fd, "To", out, sizeof(out)), 0);
	assert_string_equal(out, "tattorney@example.org");
	assert_int_equal(spool_file_header(fd, "from", out, sizeof(out)), 0);
	assert_string_equal(out, "ecflink@iasb.uscourts.example");
	assert_int_equal(spool_file_header(fd, "Cc", out, sizeof(out)), -1);
	/* Body lines are not headers. */
	assert_int_equal(spool_file_header(fd, "Court", out, sizeof(out)), -1);
	assert_int_equal(spool_file_header(fd, "To", small, sizeof(small)), -1);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render_headers_and_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_daylight_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_refuses_injection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_then_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_then_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_refuses_bad_notice, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_without_spool_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_syncs_file_and_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mark_ready_leaves_sync_to_sender, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_pending_fsync_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_creates_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_announce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announce_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_queue, setup, teardown),
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test_setup_teardown(test_file_header, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
