/*
 * redaction.h - the redaction notice and its single-use acknowledgement
 * tokens.
 *
 * The account phase that needs an acknowledgement gets a token bound to
 * the request it answers (peer uid, user, service); the answer comes back
 * with the token in a second request.  Each pending acknowledgement is
 * logged exactly once: when its answer arrives, or as declined when its
 * token expires (or the daemon stops); the caller passes the function
 * that writes that line (events.h event_redaction_unanswered).
 */
#ifndef ECFLINK_REDACTION_H
#define ECFLINK_REDACTION_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "directory.h"

#include "tokens.h"

#define REDACTION_TOKEN_LEN TOKEN_LEN
#define REDACTION_VER_LEN 72		/* "sha256:" + 64 hex + NUL */
#define REDACTION_FIELD_MAX 257

/* What a token stands for: the account decision waiting for the answer. */
struct redaction_pending {
	char token[REDACTION_TOKEN_LEN + 1];
	uid_t peer_uid;
	bool origin_claimed;	/* service, rhost, tty are only the caller's word */
	enum proto_realm realm;
	char user[REDACTION_FIELD_MAX];
	char service[REDACTION_FIELD_MAX];
	char rhost[REDACTION_FIELD_MAX];
	char tty[REDACTION_FIELD_MAX];
	char ruser[REDACTION_FIELD_MAX];
	char env_login[REDACTION_FIELD_MAX];
	char env_role[REDACTION_FIELD_MAX];
	char version[REDACTION_VER_LEN];
};

/* (Re)reads cfg->notice_file; on failure keeps the old notice and logs. */
int redaction_load(const struct config *cfg);
void redaction_free(void);
/*
 * Copies the notice text (NUL-terminated, truncated to len) and version;
 * -1 when no notice is loaded.
 */
int redaction_notice(char *text, size_t len, char ver[REDACTION_VER_LEN]);
/* Files p under a new random token (written into p->token), valid ttl_s;
 * unanswered is called for an older entry pushed out to make room. */
int redaction_issue(struct redaction_pending *p, int ttl_s, token_expired_fn unanswered);
/* Takes the pending entry for token if peer_uid made it; -1 otherwise. */
int redaction_redeem(const char *token, uid_t peer_uid, struct redaction_pending *out);
/* Drops expired entries (every entry when all, at stop), calling
 * unanswered for each. */
void redaction_sweep(bool all, token_expired_fn unanswered);

#endif
