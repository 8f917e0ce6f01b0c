/*
 * backend.h - ecflink-web's requests to ecflinkd over its UNIX socket.
 *
 * ecflink-web is a front end (a member of socket.frontend_group): it
 * proves a PACER login with AUTH, learns the account's state with ACCOUNT,
 * and links with LINK_PREPARE (without the PACER password: it vouches for
 * the login it proved) and LINK_COMMIT, always passing the browser's
 * address as RHOST.  Each call is one connection with one deadline.
 * Secrets given are wiped from the request buffer before returning.
 */
#ifndef ECFLINK_BACKEND_H
#define ECFLINK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define BACKEND_STR 1024
#define BACKEND_NAME 257	/* logins and names: ecflinkd sends at most 256 bytes */

/* What ecflinkd answered; strings are empty when absent. */
struct backend_reply {
	bool reached;			/* an answer with status PS_OK came */
	uint32_t result;		/* PT_RESULT (PRS_* or PLR_*) */
	char reason[64];
	char message[BACKEND_STR];
	char login[BACKEND_NAME], name[BACKEND_NAME];	/* CM/ECF side */
	char linked[BACKEND_NAME], name2[BACKEND_NAME];	/* PACER side */
	char env_login[BACKEND_NAME];
	char token[128];
	uint32_t grade;
	uint64_t txn;
	char error[640];		/* why not reached, for the log */
};

struct backend {
	const char *socket;
	int timeout_ms;
};

/* AUTH of a PACER login and password. */
void backend_auth(const struct backend *be, const char *user, const char *password,
		  const char *rhost, struct backend_reply *r);
/* ACCOUNT of a proven PACER login (no redaction question). */
void backend_account(const struct backend *be, const char *user, const char *rhost,
		     struct backend_reply *r);
/* LINK_PREPARE; exactly one of password and code is non-NULL. */
void backend_prepare(const struct backend *be, const char *pacer, const char *cmecf,
		     const char *password, const char *code, const char *rhost,
		     struct backend_reply *r);
void backend_commit(const struct backend *be, const char *token, bool confirm,
		    const char *rhost, struct backend_reply *r);

#endif
