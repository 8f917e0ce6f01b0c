/*
 * trust.h - what each class of caller may learn and claim, and how its
 * failed credential checks are counted (DESIGN.md "Who may ask what" and
 * "Linking details").
 *
 * The socket is open to every local user, so every difference between
 * root, a login front end, an admin and any other uid is decided here, in
 * one table: the handlers ask trust_policy() and never test PC_* bits for
 * these questions themselves.
 */
#ifndef ECFLINK_TRUST_H
#define ECFLINK_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "peer.h"
#include "throttle.h"

/* Whose failures a peer key counts. */
enum trust_peer_count {
	TPC_NONE,	/* root: only the entries it names are counted */
	TPC_ADDRESS,	/* a front end: the client address it sends, else its uid */
	TPC_UID,	/* anyone else: its uid, with policy.peer_max_failures */
};

struct class_policy {
	const char *name;	/* root, frontend, admin, other (for logs) */
	bool tell_reasons;	/* PT_REASON, ENV and role fields, refusal causes */
	bool password_always;	/* every PAM decision needs a verified password */
	bool origin_trusted;	/* service, rhost, tty logged as facts, not claims */
	bool record_ack;	/* its redaction acknowledgements are recorded */
	bool vouch_pacer;	/* may link without the PACER password */
	bool fair_share;	/* counted in the share of the queue "other" peers get */
	enum trust_peer_count count;
};

/* The policy of a caller with the PC_* bits classes (never NULL). */
const struct class_policy *trust_policy(unsigned int classes);

/*
 * Writes the key that counts pol's caller's failures into out: "uid:N"
 * (uid), "addr:ADDR" (a front end's client address, folded to lower
 * case) or "" (root: no peer key).  addr may be NULL.
 */
void trust_peer_key(const struct class_policy *pol, uid_t uid, const char *addr, char *out,
		    size_t len);
/* The throttle policy of such a key: peer_max_failures for a uid, else the
 * per-login one. */
struct throttle_policy trust_peer_throttle(const struct config *cfg,
					   const struct class_policy *pol);
/* The per-entry policy: link_max_failures per link_window_s. */
struct throttle_policy trust_entry_throttle(const struct config *cfg);

/*
 * Writes "PREFIX:DN" into out, the DN folded to lower case: a key names
 * the entry the directory found, never the string someone typed, so that
 * spellings slapd matches to one entry share one count.
 */
void trust_entry_key(const char *prefix, const char *dn, char *out, size_t len);

#endif
