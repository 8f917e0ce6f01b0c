/*
 * mailq.c - the durable delivery state of waiting notices (see mailq.h).
 */
#include "mailq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "log.h"
#include "spool.h"

#define STATE_DIR "state"
#define STATE_MAX 1024

static atomic_ulong retry_count;
static void (*retry_hook)(void);

static int
state_path(const char *spool_dir, uint64_t txn, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s/" STATE_DIR "/%llu.state", spool_dir,
			 (unsigned long long)txn);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* Makes the entries of dir durable.  0, or -1 (logged). */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0) {
		log_warn("mail spool: cannot sync directory %s", dir);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
mailq_load(const char *spool_dir, uint64_t txn, struct mailq_state *st)
{
	char path[PATH_MAX], buf[STATE_MAX], *line, *save = NULL;
	ssize_t n;
	int fd;

	memset(st, 0, sizeof(*st));
	if (state_path(spool_dir, txn, path, sizeof(path)) < 0) {
		log_warnx("mail spool: path under %s is too long", spool_dir);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("mail spool: cannot open %s", path);
		return -1;
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		log_warn("mail spool: cannot read %s", path);
		return -1;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "tries=", 6) == 0)
			st->tries = (int)strtol(line + 6, NULL, 10);
		else if (strncmp(line, "next_ms=", 8) == 0)
			st->next_ms = strtoll(line + 8, NULL, 10);
		else if (strncmp(line, "warned=", 7) == 0)
			st->warned = line[7] == '1';
		else if (strncmp(line, "submitting=", 11) == 0)
			st->submitting = line[11] == '1';
		else if (strncmp(line, "to=", 3) == 0)
			snprintf(st->to, sizeof(st->to), "%s", line + 3);
		else if (strncmp(line, "sent=", 5) == 0)
			st->sent = line[5] == '1';
		else if (strncmp(line, "error=", 6) == 0)
			snprintf(st->error, sizeof(st->error), "%s", line + 6);
	}
	if (st->tries < 0)
		st->tries = 0;
	return 0;
}

/* The error text on one printable line. */
static void
one_line(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && in[i] != '\0'; i++)
		out[i] = (unsigned char)in[i] < 0x20 || (unsigned char)in[i] > 0x7e ? '?' : in[i];
	out[i] = '\0';
}

int
mailq_save(const char *spool_dir, uint64_t txn, const struct mailq_state *st)
{
	char dir[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX], err[sizeof(st->error)];
	char to[sizeof(st->to)];
	char buf[STATE_MAX];
	int fd = -1, len, rc = -1;
	size_t off;

	if (snprintf(dir, sizeof(dir), "%s/" STATE_DIR, spool_dir) >= (int)sizeof(dir) ||
	    snprintf(tmp, sizeof(tmp), "%s/.tmp-%llu-XXXXXX", dir,
		     (unsigned long long)txn) >= (int)sizeof(tmp) ||
	    state_path(spool_dir, txn, path, sizeof(path)) < 0) {
		log_warnx("mail spool: path under %s is too long", spool_dir);
		return -1;
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		log_warn("mail spool: cannot create %s", dir);
		return -1;
	}
	one_line(st->error, err, sizeof(err));
	one_line(st->to, to, sizeof(to));
	len = snprintf(buf, sizeof(buf), "tries=%d\nnext_ms=%lld\nwarned=%d\nsubmitting=%d\nsent=%d\n"
		       "to=%s\nerror=%s\n", st->tries, (long long)st->next_ms, st->warned,
		       st->submitting, st->sent, to, err);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_warn("mail spool: cannot create a file in %s", dir);
		return -1;
	}
	for (off = 0; off < (size_t)len;) {
		ssize_t w = write(fd, buf + off, (size_t)len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, 0640) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	rc = sync_dir(dir);
	return rc;
fail:
	log_warn("mail spool: cannot write %s", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int
mailq_handed_over(const char *spool_dir, const char *sub, uint64_t txn)
{
	char msg[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	int e;

	if (spool_path(spool_dir, sub, txn, msg, sizeof(msg)) < 0 ||
	    snprintf(dir, sizeof(dir), "%s/%s", spool_dir, sub) >= (int)sizeof(dir) ||
	    state_path(spool_dir, txn, path, sizeof(path)) < 0) {
		errno = ENAMETOOLONG;
		log_warn("mail spool: path under %s", spool_dir);
		return -1;
	}
	/* First and alone: the record that the MTA has it. */
	if (unlink(msg) < 0 && errno != ENOENT) {
		e = errno;
		log_warn("mail spool: cannot remove %s", msg);
		errno = e;
		return -1;
	}
	/* Not durable only on a power loss before it: one copy more, then. */
	sync_dir(dir);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("mail spool: cannot remove %s", path);
	return 0;
}

void
mailq_prune(const char *spool_dir, const uint64_t *ready, size_t n)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/" STATE_DIR, spool_dir) >= (int)sizeof(dir))
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		unsigned long long t = 0;
		char *end;
		size_t i;
		bool keep = false;

		if (de->d_name[0] == '.' && strncmp(de->d_name, ".tmp-", 5) != 0)
			continue;
		if (de->d_name[0] != '.') {
			errno = 0;
			t = strtoull(de->d_name, &end, 10);
			if (errno != 0 || end == de->d_name || strcmp(end, ".state") != 0)
				continue;
			for (i = 0; i < n && !keep; i++)
				keep = ready[i] == t;
		}
		if (keep || snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
				    (int)sizeof(path))
			continue;
		if (de->d_name[0] != '.') {
			struct mailq_state st;

			if (mailq_load(spool_dir, t, &st) == 0 && st.submitting && !st.sent)
				event_mail(&(struct mail_event){ t, st.to, st.tries, -1, "sent",
								 "accepted",
								 "handed over by a submission that "
								 "outlived the previous ecflinkd" });
		}
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn("mail spool: cannot remove %s", path);
	}
	closedir(d);
}

time_t
mailq_since(const char *spool_dir, const char *sub, uint64_t txn)
{
	char path[PATH_MAX];
	struct stat st;

	if (spool_path(spool_dir, sub, txn, path, sizeof(path)) < 0 || stat(path, &st) < 0)
		return -1;
	return st.st_mtime;
}

int
mailq_list(const char *spool_dir, struct mailq_entry **out, size_t *count)
{
	struct mailq_entry *e = NULL;
	uint64_t *txns = NULL;
	size_t n = 0, i, k = 0;

	*out = NULL;
	*count = 0;
	if (spool_list(spool_dir, "ready", &txns, &n) < 0)
		return -1;
	if (n > 0 && (e = calloc(n, sizeof(*e))) == NULL) {
		log_warnx("mail spool: out of memory listing the waiting notices");
		free(txns);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char path[PATH_MAX];
		int fd;

		e[k].txn = txns[i];
		e[k].since = mailq_since(spool_dir, "ready", txns[i]);
		if (e[k].since < 0)
			continue;	/* sent meanwhile */
		if (spool_path(spool_dir, "ready", txns[i], path, sizeof(path)) == 0 &&
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			if (spool_file_header(fd, "To", e[k].to, sizeof(e[k].to)) < 0)
				e[k].to[0] = '\0';
			close(fd);
		}
		mailq_load(spool_dir, txns[i], &e[k].st);
		k++;
	}
	free(txns);
	*out = e;
	*count = k;
	return 0;
}

void
mailq_on_retry(void (*fn)(void))
{
	retry_hook = fn;
}

void
mailq_request_retry(void)
{
	atomic_fetch_add(&retry_count, 1);
	if (retry_hook != NULL)
		retry_hook();
}

unsigned long
mailq_retry_count(void)
{
	return atomic_load(&retry_count);
}
