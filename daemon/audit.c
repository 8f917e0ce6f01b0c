/*
 * audit.c - the hash-chained audit file (see audit.h).
 */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auditline.h"
#include "log.h"

#define LINE_MAX_AUDIT 8192

static struct {
	pthread_mutex_t lock;
	int fd;
	char *path;
	char prev[AUDIT_HASH_HEX + 1];	/* hash of the last line written or found */
	unsigned long long seq;		/* of the last line */
	bool have_prev;
} A = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

/*
 * Reads the last line of the open file fd (size bytes): its hash becomes
 * A.prev and its "seq" A.seq.  -1 when the file does not end in a whole
 * line we wrote.
 */
static int
read_tail(int fd, off_t size)
{
	char buf[LINE_MAX_AUDIT + 2], *start, *end;
	const char *prev;
	off_t from = size > (off_t)sizeof(buf) - 1 ? size - ((off_t)sizeof(buf) - 1) : 0;
	ssize_t n = pread(fd, buf, (size_t)(size - from), from);

	if (n <= 0 || buf[n - 1] != '\n')
		return -1;
	buf[n - 1] = '\0';
	end = buf + n - 1;
	start = memrchr(buf, '\n', (size_t)(end - buf));
	start = start != NULL ? start + 1 : buf;
	if (auditline_parse(start, (size_t)(end - start), &A.seq, &prev) < 0)
		return -1;
	auditline_hash(start, (size_t)(end - start), A.prev);
	A.have_prev = true;
	return 0;
}

/* Appends line (no newline) and a newline; the caller holds the lock. */
static int
append(const char *line, size_t len)
{
	char buf[LINE_MAX_AUDIT + 1];
	ssize_t n;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\n';
	do
		n = write(A.fd, buf, len + 1);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len + 1 ? 0 : -1;
}

/* Writes r (already holding its fields) with seq, time and prev; the
 * caller holds the lock. */
static void
commit_locked(struct audit_rec *r)
{
	char line[LINE_MAX_AUDIT], when[32], *fields = r->buf;
	time_t now = time(NULL);
	struct tm tm;
	int len;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!A.have_prev)
		memset(A.prev, '0', AUDIT_HASH_HEX);
	A.prev[AUDIT_HASH_HEX] = '\0';
	len = snprintf(line, sizeof(line), "{\"seq\":%llu,\"time\":\"%s\",%s,\"prev\":\"%s\"}",
		       A.seq + 1, when, fields, A.prev);
	if (r->sb.full || len < 0 || (size_t)len >= sizeof(line)) {
		log_warnx("audit file %s: a %s record too long to write; skipped", A.path,
			  fields);
		return;
	}
	if (append(line, (size_t)len) < 0) {
		log_warn("audit file %s: write", A.path);
		return;
	}
	A.seq++;
	auditline_hash(line, (size_t)len, A.prev);
	A.have_prev = true;
}

int
audit_open(const char *path)
{
	struct audit_rec start;
	struct stat st;
	int fd;

	audit_close();
	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warn("audit file %s: cannot open it for appending; no audit records", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pthread_mutex_lock(&A.lock);
	A.fd = fd;
	A.path = strdup(path);
	if (st.st_size > 0 && read_tail(fd, st.st_size) < 0)
		log_warnx("audit file %s does not end in an ecflink record; its chain is "
			  "broken from here (ecflinkctl audit-verify shows where)", path);
	if (st.st_size == 0) {
		audit_begin(&start, "chain_start");
		audit_str(&start, "follows", A.have_prev ? "previous_file" : "nothing");
		commit_locked(&start);
	}
	pthread_mutex_unlock(&A.lock);
	log_info("audit file %s open, record %llu", path, A.seq);
	return 0;
}

void
audit_close(void)
{
	pthread_mutex_lock(&A.lock);
	if (A.fd >= 0)
		close(A.fd);
	A.fd = -1;
	free(A.path);
	A.path = NULL;
	pthread_mutex_unlock(&A.lock);
}

bool
audit_enabled(void)
{
	bool on;

	pthread_mutex_lock(&A.lock);
	on = A.fd >= 0;
	pthread_mutex_unlock(&A.lock);
	return on;
}

void
audit_begin(struct audit_rec *r, const char *event)
{
	sb_init(&r->sb, r->buf, sizeof(r->buf));
	sb_printf(&r->sb, "\"event\":");
	sb_json_str(&r->sb, event);
}

void
audit_str(struct audit_rec *r, const char *key, const char *value)
{
	sb_printf(&r->sb, ",\"%s\":", key);
	sb_json_str(&r->sb, value != NULL ? value : "");
}

void
audit_num(struct audit_rec *r, const char *key, long long value)
{
	sb_printf(&r->sb, ",\"%s\":%lld", key, value);
}

void
audit_commit(struct audit_rec *r)
{
	pthread_mutex_lock(&A.lock);
	if (A.fd >= 0)
		commit_locked(r);
	pthread_mutex_unlock(&A.lock);
}
