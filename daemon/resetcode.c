/*
 * resetcode.c - reset codes (see resetcode.h).
 *
 * The hash is libxcrypt's yescrypt at its default cost, through the
 * reentrant crypt_gensalt_rn and crypt_rn.  struct crypt_data is about
 * 32 KiB, so it lives on the heap, and it is wiped before it is freed
 * because crypt_rn leaves the phrase's derived state in it.
 */
#include "resetcode.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define CRYPT_PREFIX "{CRYPT}"
#define CRYPT_PREFIX_LEN (sizeof(CRYPT_PREFIX) - 1)
#define GROUP 5

static const char b32[32] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Fills buf with n random bytes from getrandom(2); 0, or -1 with errno. */
static int
random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

int
resetcode_new(char out[RESETCODE_LEN], char *err, size_t errlen)
{
	unsigned char rnd[RESETCODE_CHARS];
	size_t i, o = 0;
	int rc = -1;

	if (random_bytes(rnd, sizeof(rnd)) < 0) {
		snprintf(err, errlen, "reset code: getrandom: %s", strerror(errno));
		goto out;
	}
	/* 256 is a multiple of 32, so the low five bits of a byte are uniform. */
	for (i = 0; i < RESETCODE_CHARS; i++) {
		if (i > 0 && i % GROUP == 0)
			out[o++] = '-';
		out[o++] = b32[rnd[i] & 31];
	}
	out[o] = '\0';
	rc = 0;
out:
	explicit_bzero(rnd, sizeof(rnd));
	return rc;
}

int
resetcode_normalize(const char *in, char out[RESETCODE_CHARS + 1])
{
	size_t n = 0;

	if (in == NULL)
		goto bad;
	for (; *in != '\0'; in++) {
		char c = *in;

		if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')) || n == RESETCODE_CHARS)
			goto bad;
		out[n++] = c;
	}
	if (n != RESETCODE_CHARS)
		goto bad;
	out[n] = '\0';
	return 0;
bad:
	explicit_bzero(out, RESETCODE_CHARS + 1);
	return -1;
}

/* A crypt_data on the heap, or NULL; free it with crypt_data_free. */
static struct crypt_data *
crypt_data_new(void)
{
	return calloc(1, sizeof(struct crypt_data));
}

static void
crypt_data_free(struct crypt_data *cd)
{
	if (cd == NULL)
		return;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
}

/* True for a crypt_rn result that is a hash, not a failure token. */
static bool
crypt_ok(const char *h)
{
	return h != NULL && h[0] != '\0' && h[0] != '*';
}

int
resetcode_hash(const char *code, char *out, size_t outlen, char *err, size_t errlen)
{
	char norm[RESETCODE_CHARS + 1];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = NULL;
	const char *h;
	int n, rc = -1;

	if (resetcode_normalize(code, norm) < 0) {
		snprintf(err, errlen, "reset code hash: the code is not %d base32 characters",
			 RESETCODE_CHARS);
		goto out;
	}
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) == NULL) {
		snprintf(err, errlen, "reset code hash: crypt_gensalt_rn(yescrypt): %s",
			 strerror(errno));
		goto out;
	}
	cd = crypt_data_new();
	if (cd == NULL) {
		snprintf(err, errlen, "reset code hash: crypt_data: %s", strerror(errno));
		goto out;
	}
	errno = 0;
	h = crypt_rn(norm, setting, cd, sizeof(*cd));
	if (!crypt_ok(h)) {
		snprintf(err, errlen, "reset code hash: crypt_rn(yescrypt): %s",
			 errno ? strerror(errno) : "failed");
		goto out;
	}
	n = snprintf(out, outlen, "%s%s", CRYPT_PREFIX, h);
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "reset code hash: %zu bytes are too few for the hash",
			 outlen);
		if (outlen > 0)
			out[0] = '\0';
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(norm, sizeof(norm));
	crypt_data_free(cd);
	return rc;
}

/* Compares a and b, both len bytes, in time independent of their contents. */
static bool
equal_ct(const char *a, const char *b, size_t len)
{
	volatile unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool
resetcode_verify(const char *code, const char *stored)
{
	char norm[RESETCODE_CHARS + 1];
	struct crypt_data *cd = NULL;
	const char *setting, *h;
	bool ok = false;
	size_t len;

	if (stored == NULL || strncasecmp(stored, CRYPT_PREFIX, CRYPT_PREFIX_LEN) != 0)
		return false;
	setting = stored + CRYPT_PREFIX_LEN;
	if (setting[0] != '$')
		return false;
	if (resetcode_normalize(code, norm) < 0)
		goto out;
	cd = crypt_data_new();
	if (cd == NULL)
		goto out;
	h = crypt_rn(norm, setting, cd, sizeof(*cd));
	if (!crypt_ok(h))
		goto out;
	len = strlen(setting);
	ok = strlen(h) == len && equal_ct(h, setting, len);
out:
	explicit_bzero(norm, sizeof(norm));
	crypt_data_free(cd);
	return ok;
}
