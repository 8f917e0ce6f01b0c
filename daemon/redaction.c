/*
 * redaction.c - redaction notice and acknowledgement tokens (see
 * redaction.h).
 */
#include "redaction.h"

#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tokens.h"

#define NOTICE_MAX (PROTO_MAX_STR - 1)
#define MAX_PENDING 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *notice_text;
static char notice_ver[REDACTION_VER_LEN];
static struct token_store pending;
static pthread_once_t pending_once = PTHREAD_ONCE_INIT;

static void
pending_init(void)
{
	tokens_init(&pending, sizeof(struct redaction_pending), MAX_PENDING);
}

/* Reads a whole small file into a new NUL-terminated buffer. */
static char *
read_file(const char *path)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_warn("redaction notice %s", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    st.st_size > NOTICE_MAX) {
		log_warnx("redaction notice %s: must be a regular file of 1..%d bytes", path,
			  NOTICE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto out;
	n = read(fd, buf, (size_t)st.st_size);
	if (n != st.st_size) {
		log_warnx("redaction notice %s: short read", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n) {
		log_warnx("redaction notice %s: contains a NUL byte", path);
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

int
redaction_load(const struct config *cfg)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char ver[REDACTION_VER_LEN];
	char *text;
	int i;

	text = read_file(cfg->notice_file);
	if (text == NULL)
		return -1;
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(text), (const uint8_t *)text);
	sha256_digest(&ctx, sizeof(digest), digest);
	memcpy(ver, "sha256:", 7);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(ver + 7 + 2 * i, 3, "%02x", digest[i]);
	pthread_mutex_lock(&lock);
	free(notice_text);
	notice_text = text;
	memcpy(notice_ver, ver, sizeof(notice_ver));
	pthread_mutex_unlock(&lock);
	log_info("redaction notice %s loaded, version %s", cfg->notice_file, ver);
	return 0;
}

void
redaction_free(void)
{
	pthread_mutex_lock(&lock);
	free(notice_text);
	notice_text = NULL;
	pthread_mutex_unlock(&lock);
}

int
redaction_notice(char *text, size_t len, char ver[REDACTION_VER_LEN])
{
	int rc = -1;

	pthread_mutex_lock(&lock);
	if (notice_text != NULL) {
		snprintf(text, len, "%s", notice_text);
		memcpy(ver, notice_ver, REDACTION_VER_LEN);
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
redaction_issue(struct redaction_pending *p, int ttl_s, token_expired_fn unanswered)
{
	pthread_once(&pending_once, pending_init);
	return tokens_issue(&pending, p, p->peer_uid, ttl_s, p->token, unanswered);
}

int
redaction_redeem(const char *token, uid_t peer_uid, struct redaction_pending *out)
{
	pthread_once(&pending_once, pending_init);
	return tokens_redeem(&pending, token, peer_uid, out);
}

void
redaction_sweep(bool all, token_expired_fn unanswered)
{
	pthread_once(&pending_once, pending_init);
	tokens_sweep(&pending, all, unanswered);
}
