/*
 * client.h - pam_ecflink's side of the protocol: building AUTH, ACCOUNT
 * and ACK requests, the bounded round trip to ecflinkd, and turning a
 * reply into a PAM return code.  Nothing here calls libpam, so the unit
 * tests exercise it without a PAM handle; pam_ecflink.c does the
 * conversation, pam_putenv and pam_syslog.
 */
#ifndef ECFLINK_CLIENT_H
#define ECFLINK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "proto.h"

#define CLIENT_ERRLEN 1024

enum client_phase { CP_AUTH, CP_ACCOUNT, CP_ACK };

/* What the module tells the daemon; NULL members are left out. */
struct client_items {
	const char *user;
	const char *password;	/* auth: sent only with authenticate; NULL: none */
	const char *service;
	const char *rhost;
	const char *tty;
	const char *ruser;
};

/* A reply turned into what the module does.  Strings point into the
 * reply buffer and live as long as it does. */
struct client_decision {
	int rc;			/* PAM return code */
	const char *reason;	/* log word, for debug lines */
	const char *message;	/* to show the user, or NULL */
	int msg_style;		/* PAM_ERROR_MSG or PAM_TEXT_INFO */
	const char *env_login;	/* ECF_LOGIN, only on a successful account phase */
	const char *env_role;	/* ECF_ROLE, likewise */
	bool redaction;		/* the notice must be acknowledged first */
	const char *notice;
	const char *notice_ver;
	const char *token;
	const char *prompt;
};

/*
 * The account answer an AUTH reply carried (PF_WITH_ACCOUNT), kept by the
 * module with pam_set_data for the account phase of the same transaction,
 * so a login is one round trip.  It is rebuilt as the ACCOUNT reply it
 * stands for, so the account phase maps it with client_map_reply like any
 * other.  Used once, for the same user, realm, socket and redaction
 * argument, within CLIENT_KEEP_MS; otherwise the module asks again.
 */
#define CLIENT_KEEP_MS 5000

struct client_kept {
	int64_t at_ms;			/* clock_now_ms() when it arrived */
	uint32_t realm;
	bool redaction;
	char socket[ARGS_SOCKET_MAX];
	const char *user;		/* in the same allocation, after frame */
	size_t len;
	uint8_t frame[];		/* the ACCOUNT reply, len bytes */
};

/* The request's name in log lines: "auth", "account" or "acknowledgement". */
const char *client_phase_name(enum client_phase phase);
/* The symbolic name of a PAM return code ("PAM_AUTH_ERR"), for logs. */
const char *client_rc_name(int rc);

/*
 * Builds an AUTH (phase CP_AUTH) or ACCOUNT (CP_ACCOUNT) request into data
 * (cap bytes, PROTO_MAX_FRAME is always enough) with deadline_ms as the
 * caller's wait.  The password goes in when it->password is set: for
 * CP_AUTH only with a->authenticate; an account phase sets it only in a
 * caller that is not root (ecflinkd allows nothing for other local users
 * without it).  Returns PE_OK or the encoder's error (PE_OVERFLOW when
 * the items do not fit a frame).  The caller wipes data: it may hold the
 * password.
 */
enum proto_err client_build(struct proto_buf *b, uint8_t *data, size_t cap,
			    enum client_phase phase, const struct args *a,
			    const struct client_items *it, uint32_t deadline_ms);
/* Builds the ACK of a redaction exchange: the token and the answer. */
enum proto_err client_build_ack(struct proto_buf *b, uint8_t *data, size_t cap,
				const char *token, bool accepted, uint32_t deadline_ms);

/*
 * One round trip to the daemon at a->socket, bounded by deadline
 * (clock_now_ms() based).  rbuf holds PROTO_MAX_FRAME bytes; reply points
 * into it.  On failure returns -1 with one log sentence in err saying
 * whether the daemon was unreachable, too slow or garbled, and why.
 */
int client_exchange(const struct args *a, enum client_phase phase, const struct proto_buf *req,
		    uint8_t *rbuf, struct proto_msg *reply, int64_t deadline, char *err,
		    size_t errlen);

/*
 * Maps the reply to a request of the given phase.  Returns 0 with d filled,
 * or -1 with d->rc = PAM_AUTHINFO_UNAVAIL and a log sentence in err when the
 * daemon reported an error or the reply is garbled or unexpected (a result
 * out of range, PRS_REDACTION outside an account phase that asked for it,
 * success for a password never sent).  Never yields PAM_SUCCESS for
 * anything it does not understand.
 */
int client_map_reply(const struct proto_msg *m, enum client_phase phase, const struct args *a,
		     struct client_decision *d, char *err, size_t errlen);

/*
 * Takes the account answer out of AUTH reply m, if it carries one, for
 * user under the arguments a of the auth call; scratch (cap bytes,
 * PROTO_MAX_FRAME is enough) is used to rebuild it and wiped after.  0 with *out NULL when there is none, 0 with *out (the caller
 * frees it with client_kept_free), or -1 with a log sentence in err when it
 * cannot be kept (the account phase will then ask).
 */
int client_kept_take(const struct proto_msg *m, const struct args *a, const char *user,
		     int64_t now_ms, uint8_t *scratch, size_t cap, struct client_kept **out,
		     char *err, size_t errlen);
/* True when k answers the account phase of user under arguments a at now_ms. */
bool client_kept_fits(const struct client_kept *k, const struct args *a, const char *user,
		      int64_t now_ms);
/*
 * Maps k as the reply to an ACCOUNT request (see client_map_reply); m
 * receives the decoded frame, and d's strings point into k, which must
 * outlive them.
 */
int client_kept_decision(const struct client_kept *k, const struct args *a, struct proto_msg *m,
			 struct client_decision *d, char *err, size_t errlen);
/* Wipes (it may hold a redaction token) and frees k; NULL is fine. */
void client_kept_free(struct client_kept *k);

/*
 * Length of the next piece of text to show as one conversation message:
 * at most max - 1 bytes (so the piece and a NUL fit max), cut after the
 * last newline that fits, else after the last blank, else before a UTF-8
 * continuation byte.  Returns 0 only at the end of the text.  Successive
 * pieces concatenate to the original.
 */
size_t client_next_piece(const char *text, size_t max);

/* True when answer is y or yes, in any case, with blanks around ignored. */
bool client_answer_yes(const char *answer);

#endif
