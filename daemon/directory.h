/*
 * directory.h - reading CM/ECF and PACER identities from LDAP.
 *
 * An account is a fixed-size value (no pointers), so the cache can copy it
 * and a worker can keep one on its stack.
 */
#ifndef ECFLINK_DIRECTORY_H
#define ECFLINK_DIRECTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ldops.h"
#include "proto.h"

#define DIR_LOGIN_MAX 256
#define DIR_DN_MAX 1024

struct account {
	enum proto_realm realm;		/* where it was found */
	enum proto_state state;
	char dn[DIR_DN_MAX];
	char login[DIR_LOGIN_MAX + 1];	/* uid as stored */
	char name[DIR_LOGIN_MAX + 1];	/* cn */
	char role[DIR_LOGIN_MAX + 1];	/* ecfRole (CM/ECF; for PACER: the linked one's) */
	char mail[DIR_LOGIN_MAX + 1];
	char account_no[64];		/* pacerAccountNumber */
	char linked[DIR_LOGIN_MAX + 1];	/* login on the other side of the link */
	char linked_name[DIR_LOGIN_MAX + 1];
	char linked_dn[DIR_DN_MAX];
	time_t link_time;
	uint64_t txn;
	bool replica_only;		/* CM/ECF read from a consumer: the provider was down */
	bool not_upgraded;		/* PACER: pacerUpgraded FALSE (absent = upgraded) */
};

/* A worker's LDAP connections. */
struct dir_conns {
	struct ldconn read;	/* ldap.uris, as the service DN */
	struct ldconn bind;	/* ldap.uris, user binds (PACER passwords) */
	struct ldconn write;	/* ldap.write_uri, as the service DN */
	struct ldconn wbind;	/* ldap.write_uri, user binds (CM/ECF passwords) */
};

void dir_conns_init(struct dir_conns *dc);
void dir_conns_close(struct dir_conns *dc);

/* True when user may be sent to LDAP at all: 1..DIR_LOGIN_MAX bytes of
 * [A-Za-z0-9._@-] (DESIGN.md: logins are ASCII).  Anything else is refused
 * as an unknown login before any lookup. */
bool dir_valid_login(const char *user);

/*
 * Finds user in realm (PR_REALM_ANY: CM/ECF first, then PACER).  DIR_OK
 * with *a filled, DIR_NOT_FOUND, or a failure with err set.
 */
enum dir_rc dir_find(struct dir_conns *dc, const struct ldop *op, enum proto_realm realm,
		     const char *user, struct account *a);

/*
 * True when entry e (read with userPassword) has a usable password: the
 * rule that tells a locked CM/ECF account from a live one.  Wipes the
 * password values it looked at.
 */
bool dir_usable_password(LDAP *ld, LDAPMessage *e);

/* Parses an LDAP GeneralizedTime ("YYYYMMDDHHMMSSZ"); -1 when malformed. */
int dir_parse_gentime(const char *s, time_t *out);

#endif
