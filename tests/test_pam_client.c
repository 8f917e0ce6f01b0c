/*
 * test_pam_client.c - pam_module/client.c: request building, reply
 * mapping, notice splitting, answer parsing, the round trip's failure
 * reports; and that the built pam_ecflink.so exports only pam_sm_*.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>

#include "args.h"
#include "client.h"
#include "proto.h"
#include "sockio.h"

static uint8_t frame[PROTO_MAX_FRAME];
static uint8_t reply_frame[PROTO_MAX_FRAME];

/* Default arguments with the given switches. */
static struct args
mkargs(bool authenticate, bool redaction, bool ignore_unknown)
{
	struct args a;

	args_parse(&a, 0, 0, NULL, NULL, NULL);
	a.authenticate = authenticate;
	a.redaction = redaction;
	a.ignore_unknown_user = ignore_unknown;
	return a;
}

static const struct client_items items = {
	.user = "tattorney03", .password = "Legacy03!", .service = "ecf-legacy",
	.rhost = "203.0.113.7", .tty = NULL, .ruser = "web",
};

/* Builds a request and decodes it into m. */
static void
build_decode(enum client_phase phase, const struct args *a, const struct client_items *it,
	     struct proto_msg *m)
{
	struct proto_buf b;

	assert_int_equal(client_build(&b, frame, sizeof(frame), phase, a, it, 2500), PE_OK);
	assert_int_equal(proto_decode(frame, b.len, m), PE_OK);
}

static void
auth_request_with_password(void **state)
{
	struct args a = mkargs(true, true, false);
	struct proto_msg m;
	uint32_t v;

	(void)state;
	a.realm = PR_REALM_PACER;
	build_decode(CP_AUTH, &a, &items, &m);
	assert_int_equal(m.type, PT_AUTH);
	assert_int_equal(proto_u32(&m, PT_DEADLINE_MS, &v), 0);
	assert_int_equal(v, 2500);
	assert_int_equal(proto_u32(&m, PT_REALM, &v), 0);
	assert_int_equal(v, PR_REALM_PACER);
	assert_int_equal(proto_u32(&m, PT_FLAGS, &v), 0);
	assert_int_equal(v, PF_AUTHENTICATE | PF_REDACTION | PF_WITH_ACCOUNT);
	assert_string_equal(proto_str(&m, PT_USER), "tattorney03");
	assert_string_equal(proto_str(&m, PT_PASSWORD), "Legacy03!");
	assert_string_equal(proto_str(&m, PT_SERVICE), "ecf-legacy");
	assert_string_equal(proto_str(&m, PT_RHOST), "203.0.113.7");
	assert_null(proto_str(&m, PT_TTY));
	assert_string_equal(proto_str(&m, PT_RUSER), "web");
}

static void
no_password_without_authenticate(void **state)
{
	struct args gate = mkargs(false, false, false), auth = mkargs(true, false, false);
	struct proto_msg m;
	uint32_t v;

	(void)state;
	build_decode(CP_AUTH, &gate, &items, &m);
	assert_null(proto_str(&m, PT_PASSWORD));
	assert_int_equal(proto_u32(&m, PT_FLAGS, &v), 0);
	assert_int_equal(v, PF_WITH_ACCOUNT);
	assert_int_equal(proto_u32(&m, PT_REALM, &v), 0);
	assert_int_equal(v, PR_REALM_CMECF);

	/* The account phase carries a password only when the module set one
	 * (in a caller that is not root), with or without authenticate. */
	build_decode(CP_ACCOUNT, &gate, &items, &m);
	assert_int_equal(m.type, PT_ACCOUNT);
	assert_string_equal(proto_str(&m, PT_PASSWORD), items.password);
	{
		struct client_items none = items;

		none.password = NULL;
		build_decode(CP_ACCOUNT, &auth, &none, &m);
		assert_null(proto_str(&m, PT_PASSWORD));
		assert_string_equal(proto_str(&m, PT_USER), "tattorney03");
	}
}

static void
ack_request(void **state)
{
	struct proto_msg m;
	struct proto_buf b;
	uint32_t v;

	(void)state;
	assert_int_equal(client_build_ack(&b, frame, sizeof(frame), "tok-1", true, 3000), PE_OK);
	assert_int_equal(proto_decode(frame, b.len, &m), PE_OK);
	assert_int_equal(m.type, PT_ACK);
	assert_string_equal(proto_str(&m, PT_TOKEN), "tok-1");
	assert_int_equal(proto_u32(&m, PT_ANSWER, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(proto_u32(&m, PT_DEADLINE_MS, &v), 0);
	assert_int_equal(v, 3000);
	assert_int_equal(client_build_ack(&b, frame, sizeof(frame), "tok-1", false, 1), PE_OK);
	assert_int_equal(proto_decode(frame, b.len, &m), PE_OK);
	assert_int_equal(proto_u32(&m, PT_ANSWER, &v), 0);
	assert_int_equal(v, 0);
}

static void
oversized_request(void **state)
{
	char *big = malloc(PROTO_MAX_STR);
	struct args a = mkargs(true, false, false);
	struct client_items it;
	struct proto_buf b;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', PROTO_MAX_STR - 1);
	big[PROTO_MAX_STR - 1] = '\0';
	it = (struct client_items){ big, big, big, big, big, big };
	assert_int_equal(client_build(&b, frame, sizeof(frame), CP_AUTH, &a, &it, 1),
			 PE_OVERFLOW);
	free(big);
}

/* Reply fields for mk_reply; absent ones are left out. */
struct r {
	int status;		/* -1: no PT_STATUS */
	int result;		/* -1: no PT_RESULT */
	const char *error, *reason, *message, *login, *role, *notice, *token;
	int style;
};

/* Encodes a reply to type and decodes it into m. */
static void
mk_reply(uint16_t type, const struct r *r, struct proto_msg *m)
{
	struct proto_buf b;

	proto_begin(&b, reply_frame, sizeof(reply_frame), type | PROTO_REPLY);
	if (r->status >= 0)
		proto_put_u32(&b, PT_STATUS, (uint32_t)r->status);
	proto_put_str(&b, PT_ERROR, r->error);
	if (r->result >= 0)
		proto_put_u32(&b, PT_RESULT, (uint32_t)r->result);
	proto_put_str(&b, PT_REASON, r->reason);
	proto_put_str(&b, PT_MESSAGE, r->message);
	if (r->style > 0)
		proto_put_u32(&b, PT_MSG_STYLE, (uint32_t)r->style);
	proto_put_str(&b, PT_ENV_LOGIN, r->login);
	proto_put_str(&b, PT_ENV_ROLE, r->role);
	proto_put_str(&b, PT_NOTICE, r->notice);
	proto_put_str(&b, PT_TOKEN, r->token);
	if (r->notice != NULL)
		proto_put_str(&b, PT_NOTICE_VER, "sha256:00");
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(proto_decode(reply_frame, b.len, m), PE_OK);
}

/* Maps result for phase and arguments; returns the PAM code or -1. */
static int
map(enum client_phase phase, const struct args *a, int result)
{
	struct r r = { .status = PS_OK, .result = result, .style = 0 };
	struct client_decision d;
	struct proto_msg m;
	char err[CLIENT_ERRLEN];

	mk_reply(phase == CP_AUTH ? PT_AUTH : phase == CP_ACCOUNT ? PT_ACCOUNT : PT_ACK, &r,
		 &m);
	if (client_map_reply(&m, phase, a, &d, err, sizeof(err)) < 0) {
		assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
		assert_non_null(strstr(err, "garbled reply"));
		return -1;
	}
	return d.rc;
}

static void
result_mapping(void **state)
{
	struct args auth = mkargs(true, false, false), gate = mkargs(false, false, false);
	struct args ign = mkargs(true, false, true), red = mkargs(true, true, false);

	(void)state;
	assert_int_equal(map(CP_AUTH, &auth, PRS_SUCCESS), PAM_SUCCESS);
	assert_int_equal(map(CP_AUTH, &auth, PRS_IGNORE), PAM_IGNORE);
	assert_int_equal(map(CP_AUTH, &auth, PRS_AUTH_ERR), PAM_AUTH_ERR);
	assert_int_equal(map(CP_AUTH, &auth, PRS_PERM_DENIED), PAM_PERM_DENIED);
	assert_int_equal(map(CP_AUTH, &auth, PRS_USER_UNKNOWN), PAM_USER_UNKNOWN);
	assert_int_equal(map(CP_AUTH, &ign, PRS_USER_UNKNOWN), PAM_IGNORE);
	assert_int_equal(map(CP_ACCOUNT, &ign, PRS_USER_UNKNOWN), PAM_IGNORE);
	assert_int_equal(map(CP_AUTH, &auth, PRS_UNAVAIL), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(map(CP_ACCOUNT, &auth, PRS_SUCCESS), PAM_SUCCESS);
	assert_int_equal(map(CP_ACCOUNT, &gate, PRS_SUCCESS), PAM_SUCCESS);
	assert_int_equal(map(CP_ACCOUNT, &auth, PRS_PERM_DENIED), PAM_PERM_DENIED);
	assert_int_equal(map(CP_ACK, &red, PRS_SUCCESS), PAM_SUCCESS);
	assert_int_equal(map(CP_ACK, &red, PRS_PERM_DENIED), PAM_PERM_DENIED);
	/* Never PAM_SUCCESS for a password the module did not send. */
	assert_int_equal(map(CP_AUTH, &gate, PRS_SUCCESS), -1);
	assert_int_equal(map(CP_AUTH, &gate, PRS_IGNORE), PAM_IGNORE);
	assert_int_equal(map(CP_AUTH, &gate, PRS_AUTH_ERR), PAM_AUTH_ERR);
	/* PRS_REDACTION only answers an account request that asked for it. */
	assert_int_equal(map(CP_AUTH, &red, PRS_REDACTION), -1);
	assert_int_equal(map(CP_ACCOUNT, &auth, PRS_REDACTION), -1);
	assert_int_equal(map(CP_ACK, &red, PRS_REDACTION), -1);
	/* Out of range, and missing. */
	assert_int_equal(map(CP_AUTH, &auth, 7), -1);
	assert_int_equal(map(CP_ACCOUNT, &auth, 0x7fffffff), -1);
	assert_int_equal(map(CP_ACCOUNT, &auth, -1), -1);
}

static void
status_errors(void **state)
{
	struct args a = mkargs(true, false, false);
	struct r nostatus = { .status = -1, .result = PRS_SUCCESS };
	struct r unavail = { .status = PS_UNAVAILABLE, .result = PRS_SUCCESS,
			     .error = "ldap down\nforged line" };
	struct client_decision d;
	struct proto_msg m;
	char err[CLIENT_ERRLEN];

	(void)state;
	mk_reply(PT_AUTH, &nostatus, &m);
	assert_int_equal(client_map_reply(&m, CP_AUTH, &a, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
	mk_reply(PT_AUTH, &unavail, &m);
	assert_int_equal(client_map_reply(&m, CP_AUTH, &a, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
	assert_non_null(strstr(err, "refused the auth request"));
	assert_non_null(strstr(err, "ldap down\\x0aforged line"));
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, "failing closed"));
}

static void
messages_and_env(void **state)
{
	struct args a = mkargs(false, false, false);
	struct r ok = { .status = PS_OK, .result = PRS_SUCCESS, .login = "jdoe1",
			.role = "attorney", .reason = "linked", .message = "Welcome",
			.style = PMS_INFO };
	struct r denied = { .status = PS_OK, .result = PRS_PERM_DENIED, .reason = "not_linked",
			    .message = "PACER Search only", .style = PMS_ERROR,
			    .login = "x" };
	struct r bad_env = { .status = PS_OK, .result = PRS_SUCCESS, .login = "a\nb" };
	struct client_decision d;
	struct proto_msg m;
	char err[CLIENT_ERRLEN];

	(void)state;
	mk_reply(PT_ACCOUNT, &ok, &m);
	assert_int_equal(client_map_reply(&m, CP_ACCOUNT, &a, &d, err, sizeof(err)), 0);
	assert_int_equal(d.rc, PAM_SUCCESS);
	assert_string_equal(d.env_login, "jdoe1");
	assert_string_equal(d.env_role, "attorney");
	assert_string_equal(d.reason, "linked");
	assert_string_equal(d.message, "Welcome");
	assert_int_equal(d.msg_style, PAM_TEXT_INFO);
	assert_false(d.redaction);

	/* Environment only with success; the auth phase never sets it. */
	mk_reply(PT_ACCOUNT, &denied, &m);
	assert_int_equal(client_map_reply(&m, CP_ACCOUNT, &a, &d, err, sizeof(err)), 0);
	assert_int_equal(d.rc, PAM_PERM_DENIED);
	assert_null(d.env_login);
	assert_int_equal(d.msg_style, PAM_ERROR_MSG);
	assert_string_equal(d.message, "PACER Search only");
	a.authenticate = true;
	mk_reply(PT_AUTH, &ok, &m);
	assert_int_equal(client_map_reply(&m, CP_AUTH, &a, &d, err, sizeof(err)), 0);
	assert_null(d.env_login);

	mk_reply(PT_ACCOUNT, &bad_env, &m);
	assert_int_equal(client_map_reply(&m, CP_ACCOUNT, &a, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
}

/* An AUTH reply carrying the account answer, decoded into m. */
static void
mk_auth_with_account(struct proto_msg *m, uint32_t acct_result, const char *token)
{
	struct proto_buf b;

	proto_begin(&b, reply_frame, sizeof(reply_frame), PT_AUTH | PROTO_REPLY);
	proto_put_u32(&b, PT_STATUS, PS_OK);
	proto_put_u32(&b, PT_RESULT, PRS_SUCCESS);
	proto_put_str(&b, PT_REASON, "password_ok");
	proto_put_u32(&b, PT_ACCT_RESULT, acct_result);
	proto_put_str(&b, PT_ACCT_REASON, "linked");
	proto_put_str(&b, PT_ACCT_MESSAGE, token ? "Acknowledge? [y/N]" : "Welcome");
	proto_put_u32(&b, PT_ACCT_MSG_STYLE, PMS_INFO);
	if (acct_result == PRS_SUCCESS) {
		proto_put_str(&b, PT_ENV_LOGIN, "jdoe1");
		proto_put_str(&b, PT_ENV_ROLE, "attorney");
	}
	if (token != NULL) {
		proto_put_str(&b, PT_NOTICE, "The notice.");
		proto_put_str(&b, PT_NOTICE_VER, "sha256:00");
		proto_put_str(&b, PT_TOKEN, token);
	}
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(proto_decode(reply_frame, b.len, m), PE_OK);
}

/* The account answer of an AUTH reply: kept, matched and mapped. */
static void
kept_account(void **state)
{
	static uint8_t scratch[PROTO_MAX_FRAME];
	struct args a = mkargs(true, false, false), other;
	struct client_kept *k = NULL;
	struct client_decision d;
	struct proto_msg m, km;
	char err[CLIENT_ERRLEN];

	(void)state;
	a.realm = PR_REALM_PACER;
	/* No account answer: nothing kept. */
	mk_reply(PT_AUTH, &(struct r){ .status = PS_OK, .result = PRS_SUCCESS }, &m);
	assert_int_equal(client_kept_take(&m, &a, "janedoe", 1000, scratch, sizeof(scratch), &k,
					  err, sizeof(err)), 0);
	assert_null(k);

	mk_auth_with_account(&m, PRS_SUCCESS, NULL);
	assert_int_equal(client_kept_take(&m, &a, "janedoe", 1000, scratch, sizeof(scratch), &k,
					  err, sizeof(err)), 0);
	assert_non_null(k);
	assert_true(client_kept_fits(k, &a, "janedoe", 1000));
	assert_true(client_kept_fits(k, &a, "janedoe", 1000 + CLIENT_KEEP_MS - 1));
	assert_false(client_kept_fits(k, &a, "janedoe", 1000 + CLIENT_KEEP_MS));
	assert_false(client_kept_fits(k, &a, "janedoe", 999));
	assert_false(client_kept_fits(k, &a, "JaneDoe", 1000));
	assert_false(client_kept_fits(k, &a, "janedoe2", 1000));
	other = a;
	other.realm = PR_REALM_CMECF;
	assert_false(client_kept_fits(k, &other, "janedoe", 1000));
	other = a;
	other.redaction = true;
	assert_false(client_kept_fits(k, &other, "janedoe", 1000));
	other = a;
	snprintf(other.socket, sizeof(other.socket), "/run/other.sock");
	assert_false(client_kept_fits(k, &other, "janedoe", 1000));
	assert_false(client_kept_fits(NULL, &a, "janedoe", 1000));
	/* Mapped exactly as an ACCOUNT reply. */
	assert_int_equal(client_kept_decision(k, &a, &km, &d, err, sizeof(err)), 0);
	assert_int_equal(d.rc, PAM_SUCCESS);
	assert_string_equal(d.env_login, "jdoe1");
	assert_string_equal(d.env_role, "attorney");
	assert_string_equal(d.message, "Welcome");
	assert_int_equal(d.msg_style, PAM_TEXT_INFO);
	client_kept_free(k);

	/* A redaction question: kept under the redaction argument only. */
	a.redaction = true;
	mk_auth_with_account(&m, PRS_REDACTION, "tok-1");
	assert_int_equal(client_kept_take(&m, &a, "janedoe", 5, scratch, sizeof(scratch), &k,
					  err, sizeof(err)), 0);
	assert_int_equal(client_kept_decision(k, &a, &km, &d, err, sizeof(err)), 0);
	assert_true(d.redaction);
	assert_string_equal(d.token, "tok-1");
	assert_string_equal(d.notice, "The notice.");
	assert_string_equal(d.prompt, "Acknowledge? [y/N]");
	/* The scratch buffer holds no token afterwards. */
	assert_null(memmem(scratch, sizeof(scratch), "tok-1", 5));
	a.redaction = false;
	assert_int_equal(client_kept_decision(k, &a, &km, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
	client_kept_free(k);

	/* A result out of range fails closed in the account phase. */
	mk_auth_with_account(&m, 99, NULL);
	assert_int_equal(client_kept_take(&m, &a, "janedoe", 5, scratch, sizeof(scratch), &k,
					  err, sizeof(err)), 0);
	assert_int_equal(client_kept_decision(k, &a, &km, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
	client_kept_free(k);
	client_kept_free(NULL);
}

static void
redaction_reply(void **state)
{
	struct args a = mkargs(true, true, false);
	struct r full = { .status = PS_OK, .result = PRS_REDACTION, .notice = "Notice text",
			  .token = "tok", .message = "I understand [y/N]" };
	struct r notoken = { .status = PS_OK, .result = PRS_REDACTION, .notice = "Notice",
			     .message = "I understand [y/N]" };
	struct client_decision d;
	struct proto_msg m;
	char err[CLIENT_ERRLEN];

	(void)state;
	mk_reply(PT_ACCOUNT, &full, &m);
	assert_int_equal(client_map_reply(&m, CP_ACCOUNT, &a, &d, err, sizeof(err)), 0);
	assert_true(d.redaction);
	assert_int_equal(d.rc, PAM_PERM_DENIED);
	assert_string_equal(d.notice, "Notice text");
	assert_string_equal(d.notice_ver, "sha256:00");
	assert_string_equal(d.token, "tok");
	assert_string_equal(d.prompt, "I understand [y/N]");
	assert_null(d.message);
	mk_reply(PT_ACCOUNT, &notoken, &m);
	assert_int_equal(client_map_reply(&m, CP_ACCOUNT, &a, &d, err, sizeof(err)), -1);
	assert_int_equal(d.rc, PAM_AUTHINFO_UNAVAIL);
}

/* Splits text and checks every piece's size and the concatenation. */
static size_t
check_split(const char *text, bool lines)
{
	size_t total = strlen(text), off = 0, n, pieces = 0;
	char *joined = calloc(1, total + 1);

	assert_non_null(joined);
	while ((n = client_next_piece(text + off, PAM_MAX_MSG_SIZE)) > 0) {
		assert_true(n < PAM_MAX_MSG_SIZE);
		if (lines && off + n < total)
			assert_int_equal(text[off + n - 1], '\n');
		memcpy(joined + off, text + off, n);
		off += n;
		pieces++;
	}
	assert_int_equal(off, total);
	assert_string_equal(joined, text);
	free(joined);
	return pieces;
}

static void
notice_splitting(void **state)
{
	char *notice = calloc(1, 10240 + 200), *line = calloc(1, 4000);
	size_t len = 0;
	int i;

	(void)state;
	assert_non_null(notice);
	assert_non_null(line);
	for (i = 0; len < 10240; i++)
		len += (size_t)snprintf(notice + len, 10240 + 200 - len,
					"Rule %d: redact social security numbers, birth dates, "
					"minors' names and financial account numbers.%s\n", i,
					i % 7 == 0 ? "\n" : "");
	assert_true(check_split(notice, true) >= 20);

	/* One long line with blanks is cut after a blank. */
	for (i = 0; i < 3999; i++)
		line[i] = i % 10 == 9 ? ' ' : 'a';
	line[3999] = '\0';
	assert_true(check_split(line, false) >= 8);
	assert_int_equal(line[client_next_piece(line, PAM_MAX_MSG_SIZE) - 1], ' ');

	/* No blank at all: cut at the limit, but never inside a UTF-8 sequence. */
	for (i = 0; i + 2 < 3999; i += 2) {
		line[i] = (char)0xc3;
		line[i + 1] = (char)0xa9;
	}
	line[i] = '\0';
	assert_true(check_split(line, false) >= 8);
	assert_int_equal(client_next_piece(line, PAM_MAX_MSG_SIZE) % 2, 0);

	assert_int_equal(client_next_piece("", PAM_MAX_MSG_SIZE), 0);
	assert_int_equal(client_next_piece("short\n", PAM_MAX_MSG_SIZE), 6);
	free(notice);
	free(line);
}

static void
answers(void **state)
{
	(void)state;
	assert_true(client_answer_yes("y"));
	assert_true(client_answer_yes("Y"));
	assert_true(client_answer_yes("yes"));
	assert_true(client_answer_yes("YES"));
	assert_true(client_answer_yes("Yes"));
	assert_true(client_answer_yes(" yes "));
	assert_true(client_answer_yes("\ty\n"));
	assert_false(client_answer_yes("n"));
	assert_false(client_answer_yes("no"));
	assert_false(client_answer_yes(""));
	assert_false(client_answer_yes("   "));
	assert_false(client_answer_yes(NULL));
	assert_false(client_answer_yes("yess"));
	assert_false(client_answer_yes("ye"));
	assert_false(client_answer_yes("y y"));
	assert_false(client_answer_yes("yes please"));
}

static void
exchange_failures(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct args a = mkargs(false, false, false);
	struct client_items it = { .user = "u" };
	char err[CLIENT_ERRLEN], dir[] = "/tmp/test_pam_client.XXXXXX";
	struct proto_msg m;
	struct proto_buf b;
	int64_t t0;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a.socket, sizeof(a.socket), "%s/none.sock", dir);
	a.timeout_ms = 200;
	assert_int_equal(client_build(&b, frame, sizeof(frame), CP_ACCOUNT, &a, &it, 200), PE_OK);
	assert_int_equal(client_exchange(&a, CP_ACCOUNT, &b, reply_frame, &m,
					 clock_now_ms() + 200, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ecflinkd unreachable at "));
	assert_non_null(strstr(err, "No such file or directory"));
	assert_non_null(strstr(err, "failing closed"));

	/* A socket that listens but never answers: bounded by the deadline. */
	snprintf(a.socket, sizeof(a.socket), "%s/mute.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", a.socket);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	t0 = clock_now_ms();
	assert_int_equal(client_exchange(&a, CP_ACCOUNT, &b, reply_frame, &m, t0 + 200, err,
					 sizeof(err)), -1);
	assert_true(clock_now_ms() - t0 >= 190);
	assert_true(clock_now_ms() - t0 < 1000);
	assert_non_null(strstr(err, "did not answer the account request within 200 ms"));
	close(fd);
	unlink(a.socket);
	rmdir(dir);
}

static void
exports_only_pam_sm(void **state)
{
	static const char *const entry[] = { "pam_sm_authenticate", "pam_sm_setcred",
					     "pam_sm_acct_mgmt", "pam_sm_open_session",
					     "pam_sm_close_session" };
	static const char *const internal[] = { "args_parse", "client_build",
						"client_map_reply", "proto_decode",
						"sockio_call", "kv_init" };
	const char *path = getenv("ECF_PAM_SO"), *build = getenv("ECF_BUILD");
	char buf[4096];
	void *h;
	size_t i;

	(void)state;
	if (path == NULL && build != NULL) {
		snprintf(buf, sizeof(buf), "%s/pam_ecflink.so", build);
		path = buf;
	}
	if (path == NULL)
		path = "build/check/pam_ecflink.so";
	if (access(path, R_OK) != 0) {
		printf("# skip: %s is not built (set ECF_PAM_SO)\n", path);
		skip();
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		fail_msg("dlopen %s: %s", path, dlerror());
	for (i = 0; i < sizeof(entry) / sizeof(entry[0]); i++)
		assert_non_null(dlsym(h, entry[i]));
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		assert_null(dlsym(h, internal[i]));
	dlclose(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auth_request_with_password),
		cmocka_unit_test(no_password_without_authenticate),
		cmocka_unit_test(ack_request),
		cmocka_unit_test(oversized_request),
		cmocka_unit_test(result_mapping),
		cmocka_unit_test(status_errors),
		cmocka_unit_test(messages_and_env),
		cmocka_unit_test(redaction_reply),
		cmocka_unit_test(kept_account),
		cmocka_unit_test(notice_splitting),
		cmocka_unit_test(answers),
		cmocka_unit_test(exchange_failures),
		cmocka_unit_test(exports_only_pam_sm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
