/*
 * test_mailq.c - daemon/mailq.c: a notice's delivery state written and read
 * back (one line each, whatever the error text holds), the hand-over
 * removing the message before its state, orphan states pruned, the listing
 * for `ecflinkctl mail`, and the retry request.
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
#include <unistd.h>

#include <cmocka.h>

#include "mailq.h"
#include "spool.h"

struct fixture {
	char dir[512];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char sub[600];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_mailq.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(sub, sizeof(sub), "%s/ready", f->dir);
	assert_int_equal(mkdir(sub, 0750), 0);
	*state = f;
	return 0;
}

static void
rm_dir(const char *dir)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char sub[600];

	snprintf(sub, sizeof(sub), "%s/ready", f->dir);
	rm_dir(sub);
	snprintf(sub, sizeof(sub), "%s/state", f->dir);
	rm_dir(sub);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Writes ready/<txn>.msg with a To: header. */
static void
ready_msg(const struct fixture *f, uint64_t txn, const char *to)
{
	char path[PATH_MAX], body[400];
	int fd, n;

	assert_int_equal(spool_path(f->dir, "ready", txn, path, sizeof(path)), 0);
	n = snprintf(body, sizeof(body), "From: a@b\nTo: %s\nSubject: x\n\nbody\n", to);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, (size_t)n), n);
	close(fd);
}

static bool
exists(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	return access(path, F_OK) == 0;
}

static void
test_missing_state_is_zero(void **state)
{
	struct fixture *f = *state;
	struct mailq_state st;

	memset(&st, 0xff, sizeof(st));
	assert_int_equal(mailq_load(f->dir, 7, &st), 0);
	assert_int_equal(st.tries, 0);
	assert_true(st.next_ms == 0);
	assert_false(st.warned);
	assert_false(st.submitting);
	assert_false(st.sent);
	assert_string_equal(st.error, "");
}

static void
test_save_and_load(void **state)
{
	struct fixture *f = *state;
	struct mailq_state st = { .tries = 3, .next_ms = 1765000000123LL, .warned = true,
				  .submitting = true };
	struct mailq_state got;
	struct stat sb;
	char path[PATH_MAX];

	/* An MTA's words with a newline and a control byte: still one line. */
	snprintf(st.error, sizeof(st.error), "sendmail_exit: exit 75: no\nsubmitting=0\x01");
	assert_int_equal(mailq_save(f->dir, 9, &st), 0);
	assert_int_equal(mailq_load(f->dir, 9, &got), 0);
	assert_int_equal(got.tries, 3);
	assert_true(got.next_ms == 1765000000123LL);
	assert_true(got.warned);
	assert_true(got.submitting);
	assert_false(got.sent);
	assert_string_equal(got.error, "sendmail_exit: exit 75: no?submitting=0?");
	snprintf(path, sizeof(path), "%s/state/9.state", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);

	/* Replaced whole. */
	got.submitting = false;
	got.sent = true;
	assert_int_equal(mailq_save(f->dir, 9, &got), 0);
	assert_int_equal(mailq_load(f->dir, 9, &st), 0);
	assert_false(st.submitting);
	assert_true(st.sent);
}

static void
test_handed_over(void **state)
{
	struct fixture *f = *state;
	struct mailq_state st = { .tries = 1, .submitting = true };

	ready_msg(f, 11, "x@example.org");
	assert_int_equal(mailq_save(f->dir, 11, &st), 0);
	assert_int_equal(mailq_handed_over(f->dir, "ready", 11), 0);
	assert_false(exists(f, "ready/11.msg"));
	assert_false(exists(f, "state/11.state"));
	/* Again: nothing left, not an error. */
	assert_int_equal(mailq_handed_over(f->dir, "ready", 11), 0);
}

static void
test_prune_and_list(void **state)
{
	struct fixture *f = *state;
	struct mailq_state st = { .tries = 2, .next_ms = 1 };
	struct mailq_entry *e = NULL;
	uint64_t ready[] = { 20, 21 };
	char path[PATH_MAX];
	size_t n = 0;
	int fd;

	ready_msg(f, 21, "b@example.org");
	ready_msg(f, 20, "a@example.org");
	snprintf(st.error, sizeof(st.error), "timeout: no answer");
	assert_int_equal(mailq_save(f->dir, 21, &st), 0);
	assert_int_equal(mailq_save(f->dir, 99, &st), 0);	/* its message is gone */
	snprintf(path, sizeof(path), "%s/state/.tmp-99-abcdef", f->dir);
	fd = open(path, O_WRONLY | O_CREAT, 0640);	/* a write cut short */
	assert_true(fd >= 0);
	close(fd);
	mailq_prune(f->dir, ready, 2);
	assert_false(exists(f, "state/99.state"));
	assert_false(exists(f, "state/.tmp-99-abcdef"));
	assert_true(exists(f, "state/21.state"));

	assert_int_equal(mailq_list(f->dir, &e, &n), 0);
	assert_int_equal(n, 2);
	assert_true(e[0].txn == 20);
	assert_string_equal(e[0].to, "a@example.org");
	assert_int_equal(e[0].st.tries, 0);
	assert_true(e[1].txn == 21);
	assert_string_equal(e[1].to, "b@example.org");
	assert_int_equal(e[1].st.tries, 2);
	assert_string_equal(e[1].st.error, "timeout: no answer");
	assert_true(e[1].since > 0);
	free(e);
}

static int woken;

static void
wake(void)
{
	woken++;
}

static void
test_retry_request(void **state)
{
	unsigned long before = mailq_retry_count();

	(void)state;
	mailq_on_retry(wake);
	mailq_request_retry();
	assert_int_equal(woken, 1);
	assert_true(mailq_retry_count() == before + 1);
	mailq_on_retry(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_state_is_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_and_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handed_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_and_list, setup, teardown),
		cmocka_unit_test(test_retry_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
