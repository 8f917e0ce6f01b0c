/*
 * client.c - requests, round trip and reply mapping (see client.h).
 */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "kv.h"
#include "sockio.h"

const char *
client_phase_name(enum client_phase phase)
{
	switch (phase) {
	case CP_AUTH: return "auth";
	case CP_ACCOUNT: return "account";
	case CP_ACK: return "acknowledgement";
	}
	return "unknown";
}

const char *
client_rc_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_INCOMPLETE: return "PAM_INCOMPLETE";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	}
	return "PAM_(other)";
}

enum proto_err
client_build(struct proto_buf *b, uint8_t *data, size_t cap, enum client_phase phase,
	     const struct args *a, const struct client_items *it, uint32_t deadline_ms)
{
	uint32_t flags = 0;

	if (a->authenticate)
		flags |= PF_AUTHENTICATE;
	if (a->redaction)
		flags |= PF_REDACTION;
	if (phase == CP_AUTH)
		flags |= PF_WITH_ACCOUNT;
	proto_begin(b, data, cap, phase == CP_AUTH ? PT_AUTH : PT_ACCOUNT);
	proto_put_u32(b, PT_DEADLINE_MS, deadline_ms);
	proto_put_u32(b, PT_REALM, a->realm);
	proto_put_str(b, PT_USER, it->user);
	if (it->password != NULL && (phase != CP_AUTH || a->authenticate))
		proto_put_str(b, PT_PASSWORD, it->password);
	proto_put_u32(b, PT_FLAGS, flags);
	proto_put_str(b, PT_SERVICE, it->service);
	proto_put_str(b, PT_RHOST, it->rhost);
	proto_put_str(b, PT_TTY, it->tty);
	proto_put_str(b, PT_RUSER, it->ruser);
	return proto_finish(b);
}

enum proto_err
client_build_ack(struct proto_buf *b, uint8_t *data, size_t cap, const char *token,
		 bool accepted, uint32_t deadline_ms)
{
	proto_begin(b, data, cap, PT_ACK);
	proto_put_u32(b, PT_DEADLINE_MS, deadline_ms);
	proto_put_str(b, PT_TOKEN, token);
	proto_put_u32(b, PT_ANSWER, accepted ? 1 : 0);
	return proto_finish(b);
}

int
client_exchange(const struct args *a, enum client_phase phase, const struct proto_buf *req,
		uint8_t *rbuf, struct proto_msg *reply, int64_t deadline, char *err,
		size_t errlen)
{
	const char *what = client_phase_name(phase);
	uint16_t want = (uint16_t)((phase == CP_AUTH ? PT_AUTH
				    : phase == CP_ACCOUNT ? PT_ACCOUNT : PT_ACK) | PROTO_REPLY);
	char why[SOCKIO_ERRLEN];
	size_t len;
	int fd, rc = -1;

	fd = sockio_connect_pref(a->socket, deadline, why, sizeof(why));
	if (fd < 0)
		return sockio_errf(err, errlen, "ecflinkd unreachable at %s for the %s request: %s; "
			    "failing closed", a->socket, what, why);
	if (sockio_write_all(fd, req->data, req->len, deadline, why, sizeof(why)) < 0) {
		sockio_errf(err, errlen, "ecflinkd at %s did not take the %s request: %s; failing closed",
		     a->socket, what, why);
		goto out;
	}
	if (sockio_read_frame(fd, rbuf, PROTO_MAX_FRAME, &len, reply, deadline, why,
			      sizeof(why)) < 0) {
		if (clock_now_ms() >= deadline)
			sockio_errf(err, errlen, "ecflinkd at %s did not answer the %s request within "
			     "%u ms (%s); failing closed", a->socket, what, a->timeout_ms, why);
		else
			sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s request: "
			     "%s; failing closed", a->socket, what, why);
		goto out;
	}
	if (reply->type != want) {
		sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s request: reply "
		     "type %#x does not answer it; failing closed", a->socket, what, reply->type);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* True when s is present and holds no control byte (safe for pam_putenv). */
static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

/* Maps a result to a PAM code for the phase; -1 when it is out of place. */
static int
map_result(uint32_t result, enum client_phase phase, const struct args *a)
{
	switch (result) {
	case PRS_SUCCESS:
		/* Without authenticate no password was checked: never PAM_SUCCESS. */
		return phase == CP_AUTH && !a->authenticate ? -1 : PAM_SUCCESS;
	case PRS_IGNORE: return PAM_IGNORE;
	case PRS_AUTH_ERR: return PAM_AUTH_ERR;
	case PRS_PERM_DENIED: return PAM_PERM_DENIED;
	case PRS_USER_UNKNOWN: return a->ignore_unknown_user ? PAM_IGNORE : PAM_USER_UNKNOWN;
	case PRS_UNAVAIL: return PAM_AUTHINFO_UNAVAIL;
	case PRS_REDACTION:
		return phase == CP_ACCOUNT && a->redaction ? PAM_PERM_DENIED : -1;
	}
	return -1;
}

int
client_map_reply(const struct proto_msg *m, enum client_phase phase, const struct args *a,
		 struct client_decision *d, char *err, size_t errlen)
{
	const char *what = client_phase_name(phase);
	uint32_t status, result, style;
	struct kv kv;

	memset(d, 0, sizeof(*d));
	d->rc = PAM_AUTHINFO_UNAVAIL;
	kv_init(&kv);
	if (proto_u32(m, PT_STATUS, &status) < 0)
		return sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s request: "
			    "no status; failing closed", a->socket, what);
	if (status != PS_OK) {
		kv_quoted(&kv, "error", proto_str(m, PT_ERROR));
		return sockio_errf(err, errlen, "ecflinkd at %s refused the %s request: %s %s; "
			    "failing closed", a->socket, what,
			    proto_status_str((enum proto_status)status), kv_line(&kv));
	}
	if (proto_u32(m, PT_RESULT, &result) < 0)
		return sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s request: "
			    "no result; failing closed", a->socket, what);
	if (map_result(result, phase, a) < 0)
		return sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s request: "
			    "result %u is not expected here; failing closed", a->socket, what,
			    result);
	d->reason = proto_str(m, PT_REASON);
	d->message = proto_str(m, PT_MESSAGE);
	d->msg_style = PAM_ERROR_MSG;
	if (proto_u32(m, PT_MSG_STYLE, &style) == 0 && style == PMS_INFO)
		d->msg_style = PAM_TEXT_INFO;
	if (result == PRS_REDACTION) {
		d->redaction = true;
		d->notice = proto_str(m, PT_NOTICE);
		d->notice_ver = proto_str(m, PT_NOTICE_VER);
		d->token = proto_str(m, PT_TOKEN);
		d->prompt = d->message;
		d->message = NULL;
		if (d->notice == NULL || d->token == NULL || d->prompt == NULL)
			return sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s "
				    "request: redaction without notice, token or prompt; "
				    "failing closed", a->socket, what);
	}
	if (result == PRS_SUCCESS && phase != CP_AUTH) {
		d->env_login = proto_str(m, PT_ENV_LOGIN);
		d->env_role = proto_str(m, PT_ENV_ROLE);
		if ((d->env_login != NULL && !printable(d->env_login)) ||
		    (d->env_role != NULL && !printable(d->env_role)))
			return sockio_errf(err, errlen, "garbled reply from ecflinkd at %s to the %s "
				    "request: control bytes in ECF_LOGIN or ECF_ROLE; failing "
				    "closed", a->socket, what);
	}
	d->rc = map_result(result, phase, a);
	return 0;
}

int
client_kept_take(const struct proto_msg *m, const struct args *a, const char *user,
		 int64_t now_ms, uint8_t *scratch, size_t cap, struct client_kept **out,
		 char *err, size_t errlen)
{
	struct client_kept *k;
	struct proto_buf b;
	uint32_t result, style;
	enum proto_err e;
	size_t ulen;

	*out = NULL;
	if (proto_u32(m, PT_ACCT_RESULT, &result) < 0)
		return 0;
	proto_begin(&b, scratch, cap, PT_ACCOUNT | PROTO_REPLY);
	proto_put_u32(&b, PT_STATUS, PS_OK);
	proto_put_u32(&b, PT_RESULT, result);
	proto_put_str(&b, PT_REASON, proto_str(m, PT_ACCT_REASON));
	proto_put_str(&b, PT_MESSAGE, proto_str(m, PT_ACCT_MESSAGE));
	if (proto_u32(m, PT_ACCT_MSG_STYLE, &style) == 0)
		proto_put_u32(&b, PT_MSG_STYLE, style);
	proto_put_str(&b, PT_ENV_LOGIN, proto_str(m, PT_ENV_LOGIN));
	proto_put_str(&b, PT_ENV_ROLE, proto_str(m, PT_ENV_ROLE));
	proto_put_str(&b, PT_NOTICE, proto_str(m, PT_NOTICE));
	proto_put_str(&b, PT_NOTICE_VER, proto_str(m, PT_NOTICE_VER));
	proto_put_str(&b, PT_TOKEN, proto_str(m, PT_TOKEN));
	e = proto_finish(&b);
	if (e != PE_OK)
		return sockio_errf(err, errlen, "cannot keep the account answer of the auth reply "
			    "from ecflinkd at %s: %s; the account phase will ask again",
			    a->socket, proto_strerror(e));
	ulen = strlen(user);
	k = malloc(sizeof(*k) + b.len + ulen + 1);
	if (k == NULL) {
		explicit_bzero(scratch, b.len);
		return sockio_errf(err, errlen, "cannot keep the account answer of the auth reply "
			    "from ecflinkd at %s: out of memory; the account phase will ask "
			    "again", a->socket);
	}
	k->at_ms = now_ms;
	k->realm = a->realm;
	k->redaction = a->redaction;
	snprintf(k->socket, sizeof(k->socket), "%s", a->socket);
	k->len = b.len;
	memcpy(k->frame, scratch, b.len);
	memcpy(k->frame + b.len, user, ulen + 1);
	k->user = (const char *)k->frame + b.len;
	explicit_bzero(scratch, b.len);
	*out = k;
	return 0;
}

bool
client_kept_fits(const struct client_kept *k, const struct args *a, const char *user,
		 int64_t now_ms)
{
	return k != NULL && now_ms >= k->at_ms && now_ms - k->at_ms < CLIENT_KEEP_MS &&
	       k->realm == a->realm && k->redaction == a->redaction &&
	       strcmp(k->socket, a->socket) == 0 && strcmp(k->user, user) == 0;
}

int
client_kept_decision(const struct client_kept *k, const struct args *a, struct proto_msg *m,
		     struct client_decision *d, char *err, size_t errlen)
{
	enum proto_err e = proto_decode(k->frame, k->len, m);

	if (e != PE_OK) {
		memset(d, 0, sizeof(*d));
		d->rc = PAM_AUTHINFO_UNAVAIL;
		return sockio_errf(err, errlen, "garbled account answer in the auth reply from "
			    "ecflinkd at %s: %s; failing closed", a->socket, proto_strerror(e));
	}
	return client_map_reply(m, CP_ACCOUNT, a, d, err, errlen);
}

void
client_kept_free(struct client_kept *k)
{
	if (k == NULL)
		return;
	explicit_bzero(k, sizeof(*k) + k->len + strlen(k->user) + 1);
	free(k);
}

size_t
client_next_piece(const char *text, size_t max)
{
	size_t n, cut;

	if (max < 2)
		max = 2;
	n = strnlen(text, max);
	if (n < max)
		return n;
	/* n == max: the whole window is text; look for the best place to cut. */
	n = max - 1;
	for (cut = n; cut > 0; cut--) {
		if (text[cut - 1] == '\n')
			return cut;
	}
	for (cut = n; cut > 0; cut--) {
		if (text[cut - 1] == ' ' || text[cut - 1] == '\t')
			return cut;
	}
	for (cut = n; cut > 0; cut--) {
		if (((unsigned char)text[cut] & 0xc0) != 0x80)
			return cut;
	}
	return n;
}

bool
client_answer_yes(const char *answer)
{
	size_t n;

	if (answer == NULL)
		return false;
	answer += strspn(answer, " \t");
	n = strcspn(answer, " \t\r\n");
	if (answer[n + strspn(answer + n, " \t\r\n")] != '\0')
		return false;
	return (n == 1 && strncasecmp(answer, "y", 1) == 0) ||
	       (n == 3 && strncasecmp(answer, "yes", 3) == 0);
}
