/*
 * spool.c - the link notification mail spool (see spool.h).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "log.h"

#define DIR_MODE 0750
#define FILE_MODE 0640
#define TMP_PREFIX ".tmp-"

/* The queue directory of each kind of notice that may be sent. */
static const char *
queue_of(enum spool_kind kind)
{
	return kind == SPOOL_ANNOUNCE ? "announce" : "ready";
}
int
spool_parse_name(const char *name, uint64_t *txn)
{
	uint64_t v = 0;
	const char *p = name;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '.'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (strcmp(p, ".msg") != 0)
		return -1;
	*txn = v;
	return 0;
}

int
spool_path(const char *spool_dir, const char *sub, uint64_t txn, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s/%s/%llu.msg", spool_dir, sub, (unsigned long long)txn);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* Makes the directory entries in dir durable. */
static int
fsync_dir(const char *dir)
{
	int fd, rc = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		log_warn("mail spool: cannot open directory %s to sync it", dir);
		return -1;
	}
	if (fsync(fd) < 0) {
		log_warn("mail spool: cannot sync directory %s", dir);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Formats "<spool_dir>/<sub>" into buf. */
static int
sub_dir(const char *spool_dir, const char *sub, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s/%s", spool_dir, sub);

	if (w < 0 || (size_t)w >= len) {
		log_warnx("mail spool: path %s/%s is too long", spool_dir, sub);
		return -1;
	}
	return 0;
}

/* Creates pending/, ready/ and announce/ (0750, whatever the umask) when missing. */
static int
ensure_dirs(const char *spool_dir)
{
	static const char *const subs[] = { "pending", "ready", "announce" };
	char dir[PATH_MAX];
	bool made = false;
	size_t i;

	if (spool_dir == NULL) {
		log_warnx("mail spool: mail.spool_dir is not set");
		return -1;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (sub_dir(spool_dir, subs[i], dir, sizeof(dir)) < 0)
			return -1;
		if (mkdir(dir, DIR_MODE) < 0) {
			if (errno == EEXIST)
				continue;
			log_warn("mail spool: cannot create %s", dir);
			return -1;
		}
		if (chmod(dir, DIR_MODE) < 0) {
			log_warn("mail spool: cannot set mode 0750 on %s", dir);
			return -1;
		}
		made = true;
	}
	return made ? fsync_dir(spool_dir) : 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Writes msg (len bytes, rendered by the caller, who wipes it) as
 * <dest>/<txn>.msg (dest "pending", or a queue); who names the notice in
 * the debug line.  The temporary file is always made in pending/, where
 * spool_reconcile removes one a crash left behind.
 */
static int
write_msg(const struct config *cfg, const char *dest, uint64_t txn64, const char *msg, int len,
	  const char *who)
{
	char dir[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX], ddir[PATH_MAX];
	unsigned long long txn = (unsigned long long)txn64;
	int fd = -1, rc = -1, w;
	bool made_tmp = false;

	if (ensure_dirs(cfg->spool_dir) < 0 || sub_dir(cfg->spool_dir, "pending", dir,
							sizeof(dir)) < 0)
		goto out;
	w = snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%llu-XXXXXX", dir, txn);
	if (w < 0 || (size_t)w >= sizeof(tmp) ||
	    spool_path(cfg->spool_dir, dest, txn64, path, sizeof(path)) < 0 ||
	    sub_dir(cfg->spool_dir, dest, ddir, sizeof(ddir)) < 0) {
		log_warnx("mail spool: path under %s is too long", dir);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_warn("mail spool: cannot create a file in %s", dir);
		goto out;
	}
	made_tmp = true;
	if (fchmod(fd, FILE_MODE) < 0 || write_all(fd, msg, (size_t)len) < 0 || fsync(fd) < 0) {
		log_warn("mail spool: cannot write %s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		log_warn("mail spool: cannot write %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		log_warn("mail spool: cannot rename %s to %s", tmp, path);
		goto out;
	}
	made_tmp = false;
	if (fsync_dir(ddir) < 0) {
		/* Not known to be durable: fail the caller rather than risk the notice. */
		unlink(path);
		goto out;
	}
	log_debug("mail spool: %s, transaction %llu, is %s", who, txn, dest);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (made_tmp)
		unlink(tmp);
	return rc;
}

int
spool_write_pending(const struct config *cfg, const struct link_notice *n)
{
	char msg[SPOOL_MSG_MAX], who[900];
	int len, rc;

	len = mailtext_link(cfg, n, msg, sizeof(msg));
	if (len < 0) {
		log_warnx("mail spool: cannot write the notice for transaction %llu: the address "
			  "\"%.64s\", account number or court name is empty, too long or holds "
			  "characters a mail header cannot carry", (unsigned long long)n->txn,
			  n->to);
		return -1;
	}
	snprintf(who, sizeof(who), "link notice to %.256s (%.256s -> %.256s)", n->to,
		 n->pacer_login, n->cmecf_login);
	rc = write_msg(cfg, "pending", n->txn, msg, len, who);
	explicit_bzero(msg, sizeof(msg));
	return rc;
}

int
spool_write_pending_announce(const struct config *cfg, const struct announce_notice *a)
{
	char msg[SPOOL_MSG_MAX], who[600];
	int len, rc;

	len = mailtext_announce(cfg, a, msg, sizeof(msg));
	if (len < 0) {
		log_warnx("mail spool: cannot write the announcement for transaction %llu: the "
			  "address \"%.64s\", login, court name or court.link_url is empty, too "
			  "long or holds characters a mail cannot carry",
			  (unsigned long long)a->txn, a->to);
		return -1;
	}
	snprintf(who, sizeof(who), "announcement to %.256s (%.256s)", a->to, a->cmecf_login);
	rc = write_msg(cfg, "pending", a->txn, msg, len, who);
	explicit_bzero(msg, sizeof(msg));
	return rc;
}

/* Moves pending/<txn>.msg to its kind's queue; the sender syncs it (spool.h). */
static int
move_ready(const char *spool_dir, uint64_t txn, enum spool_kind kind)
{
	const char *q = queue_of(kind);
	char from[PATH_MAX], to[PATH_MAX];

	if (spool_path(spool_dir, "pending", txn, from, sizeof(from)) < 0 ||
	    spool_path(spool_dir, q, txn, to, sizeof(to)) < 0) {
		log_warnx("mail spool: path under %s is too long", spool_dir);
		return -1;
	}
	if (rename(from, to) < 0) {
		log_warn("mail spool: cannot move %s to %s", from, to);
		return -1;
	}
	return 0;
}

int
spool_sync_queues(const char *spool_dir)
{
	static const char *const subs[] = { "ready", "announce", "pending" };
	char dir[PATH_MAX];
	size_t i;

	/* The queues first: once their entries are durable nothing is lost. */
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (sub_dir(spool_dir, subs[i], dir, sizeof(dir)) < 0 || fsync_dir(dir) < 0)
			return -1;
	return 0;
}

static void (*ready_hook)(void);

void
spool_on_ready(void (*fn)(void))
{
	ready_hook = fn;
}

static void
tell_ready(void)
{
	if (ready_hook != NULL)
		ready_hook();
}

int
spool_mark_ready(const struct config *cfg, uint64_t txn)
{
	if (cfg->spool_dir == NULL || move_ready(cfg->spool_dir, txn, SPOOL_LINK) < 0)
		return -1;
	tell_ready();
	return 0;
}

int
spool_mark_announce(const struct config *cfg, uint64_t txn)
{
	if (cfg->spool_dir == NULL || move_ready(cfg->spool_dir, txn, SPOOL_ANNOUNCE) < 0)
		return -1;
	tell_ready();
	return 0;
}

/* Removes pending/<txn>.msg; a missing file is not an error. */
static int
remove_pending(const char *spool_dir, uint64_t txn)
{
	char path[PATH_MAX], dir[PATH_MAX];

	if (spool_path(spool_dir, "pending", txn, path, sizeof(path)) < 0) {
		log_warnx("mail spool: path under %s is too long", spool_dir);
		return -1;
	}
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("mail spool: cannot remove %s", path);
		return -1;
	}
	if (sub_dir(spool_dir, "pending", dir, sizeof(dir)) < 0 || fsync_dir(dir) < 0)
		return -1;
	return 0;
}

int
spool_write_alert(const struct config *cfg, const struct alert_notice *a)
{
	char msg[SPOOL_MSG_MAX], who[600];
	int len, rc;

	len = mailtext_alert(cfg, a, msg, sizeof(msg));
	if (len < 0) {
		log_warnx("mail spool: cannot write the retired-login alert for transaction %llu: "
			  "the address \"%.64s\", login or court name is empty, too long or holds "
			  "characters a mail cannot carry", (unsigned long long)a->txn, a->to);
		return -1;
	}
	snprintf(who, sizeof(who), "retired-login alert to %.256s (%.256s)", a->to,
		 a->cmecf_login);
	/* Straight into ready/: nothing in the directory is left to decide. */
	rc = write_msg(cfg, queue_of(SPOOL_LINK), a->txn, msg, len, who);
	explicit_bzero(msg, sizeof(msg));
	if (rc < 0)
		return -1;
	tell_ready();
	return 0;
}

int
spool_drop(const struct config *cfg, uint64_t txn)
{
	if (cfg->spool_dir == NULL || remove_pending(cfg->spool_dir, txn) < 0)
		return -1;
	log_debug("mail spool: notice for transaction %llu dropped: the link was not made",
		  (unsigned long long)txn);
	return 0;
}

int
spool_file_header(int fd, const char *name, char *out, size_t len)
{
	char head[SPOOL_MSG_MAX];
	size_t nlen = strlen(name), vlen;
	const char *p, *end, *v;
	ssize_t got;

	do
		got = pread(fd, head, sizeof(head) - 1, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	head[got] = '\0';
	for (p = head; *p != '\0' && *p != '\n' && *p != '\r'; p = end + 1) {
		end = strchr(p, '\n');
		if (end == NULL)
			return -1;	/* headers cut: do not trust a partial line */
		if (strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		v = p + nlen + 1;
		v += strspn(v, " \t");
		vlen = (size_t)(end - v);
		if (vlen > 0 && v[vlen - 1] == '\r')
			vlen--;
		if (vlen >= len)
			return -1;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return 0;
	}
	return -1;
}

static int
cmp_txn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Lists the notice files in dir, sorted by transaction, into *out (the
 * caller frees it).  With clean_tmp, also removes leftover temporary files.
 * A missing directory is an empty list.
 */
static int
list_dir(const char *dir, bool clean_tmp, uint64_t **out, size_t *count)
{
	uint64_t *txns = NULL, txn;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char path[PATH_MAX];
	int rc = -1;
	DIR *d;

	*out = NULL;
	*count = 0;
	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT) {
			log_debug("mail spool: %s does not exist yet", dir);
			return 0;
		}
		log_warn("mail spool: cannot read directory %s", dir);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) {
			/* A write cut short by a crash: the link was never attempted. */
			if (!clean_tmp || snprintf(path, sizeof(path), "%s/%s", dir,
						   de->d_name) >= (int)sizeof(path))
				continue;
			if (unlink(path) < 0)
				log_warn("mail spool: cannot remove unfinished file %s", path);
			else
				log_info("mail spool: removed unfinished file %s", path);
			continue;
		}
		if (spool_parse_name(de->d_name, &txn) < 0) {
			if (clean_tmp && de->d_name[0] != '.')
				log_warnx("mail spool: ignoring %s/%s: not a notice file", dir,
					  de->d_name);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint64_t *nt = realloc(txns, ncap * sizeof(*nt));

			if (nt == NULL) {
				log_warnx("mail spool: out of memory listing %s", dir);
				goto out;
			}
			txns = nt;
			cap = ncap;
		}
		txns[n++] = txn;
	}
	if (errno != 0) {
		log_warn("mail spool: cannot read directory %s", dir);
		goto out;
	}
	if (n > 0)
		qsort(txns, n, sizeof(*txns), cmp_txn);
	*out = txns;
	*count = n;
	txns = NULL;
	rc = 0;
out:
	closedir(d);
	free(txns);
	return rc;
}

int
spool_list(const char *spool_dir, const char *sub, uint64_t **txns, size_t *n)
{
	char dir[PATH_MAX];

	*txns = NULL;
	*n = 0;
	if (sub_dir(spool_dir, sub, dir, sizeof(dir)) < 0)
		return -1;
	return list_dir(dir, false, txns, n);
}

/* Removes the pending notice of a link that was never made, and logs it. */
static int
drop_unlinked(const char *spool_dir, uint64_t txn)
{
	char path[PATH_MAX], to[300] = "";
	int fd;

	if (spool_path(spool_dir, "pending", txn, path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (spool_file_header(fd, "To", to, sizeof(to)) < 0)
			to[0] = '\0';
		close(fd);
	}
	if (remove_pending(spool_dir, txn) < 0)
		return -1;
	event_mail(&(struct mail_event){ txn, to, 0, -1, "dropped", "link_not_made",
					 "no link or announcement holds this transaction" });
	return 0;
}

/* True when pending/<txn>.msg was last written less than min_age_s ago
 * (its link may still be under way). */
static bool
too_young(const char *spool_dir, uint64_t txn, int min_age_s)
{
	char path[PATH_MAX];
	struct stat st;

	if (min_age_s <= 0 || spool_path(spool_dir, "pending", txn, path, sizeof(path)) < 0)
		return false;
	return stat(path, &st) == 0 && st.st_mtime > time(NULL) - min_age_s;
}

/* spool_reconcile and spool_reconcile_stale: with min_age_s > 0, notices
 * younger than that, and temporary files, are left alone. */
static int
reconcile(const struct config *cfg, int min_age_s, int (*exists)(uint64_t txn, void *ctx),
	  void *ctx)
{
	char dir[PATH_MAX];
	uint64_t *txns = NULL;
	size_t n = 0, i;
	int undecided = 0, moved = 0, rc = -1;

	if (ensure_dirs(cfg->spool_dir) < 0 ||
	    sub_dir(cfg->spool_dir, "pending", dir, sizeof(dir)) < 0 ||
	    list_dir(dir, min_age_s <= 0, &txns, &n) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		unsigned long long t = (unsigned long long)txns[i];
		int r;

		if (too_young(cfg->spool_dir, txns[i], min_age_s))
			continue;
		r = exists(txns[i], ctx);

		if (r < 0) {
			undecided++;
			log_warnx("mail spool: cannot tell whether transaction %llu was linked; "
				  "its notice stays in %s and is looked at again later", t, dir);
			continue;
		}
		if (r == 0) {
			if (drop_unlinked(cfg->spool_dir, txns[i]) < 0)
				goto out;
			continue;
		}
		if (move_ready(cfg->spool_dir, txns[i], (enum spool_kind)r) < 0)
			goto out;
		moved++;
		log_info("mail spool: transaction %llu was %s; its notice is ready", t,
			 r == SPOOL_ANNOUNCE ? "announced" : "linked");
	}
	if (moved > 0)
		tell_ready();
	rc = undecided;
out:
	free(txns);
	return rc;
}

int
spool_reconcile(const struct config *cfg, int (*exists)(uint64_t txn, void *ctx), void *ctx)
{
	return reconcile(cfg, 0, exists, ctx);
}

int
spool_reconcile_stale(const struct config *cfg, int min_age_s,
		      int (*exists)(uint64_t txn, void *ctx), void *ctx)
{
	return reconcile(cfg, min_age_s, exists, ctx);
}
