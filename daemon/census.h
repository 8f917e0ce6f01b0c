/*
 * census.h - the whole directory, reduced to what report and lint need.
 *
 * census_read() reads every CM/ECF and PACER entry with paged searches
 * (ldconn_search_paged) on one connection, keeping a few fields of each.
 * Password values are only tested for a usable one (and wiped); reset code
 * hashes are never requested.  A court has up to ~100k entries, so a
 * census costs a few tens of MiB at most, for the length of one request.
 */
#ifndef ECFLINK_CENSUS_H
#define ECFLINK_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ldops.h"

/* One CM/ECF entry.  Strings are owned; absent attributes are "". */
struct cmecf_rec {
	char *login;
	char *name;
	char *mail;
	char *linked;		/* ecfLinkedPacer */
	char *name_key;		/* name folded for comparison */
	char *mail_key;
	time_t link_time;	/* 0: none or unreadable */
	time_t secret_expires;	/* 0: no reset code */
	bool usable;		/* has a usable password */
	bool dangling;		/* linked to a PACER login that does not exist */
};

struct pacer_rec {
	char *login;
	char *name;
	bool has_mail;
	bool not_upgraded;	/* pacerUpgraded FALSE: linking is refused */
	bool linked;		/* some CM/ECF entry links to it */
};

struct census {
	struct cmecf_rec *cm;
	size_t n_cm, cap_cm;
	struct pacer_rec *pa;
	size_t n_pa, cap_pa;
};

/* Reads both bases into cs (zeroed by the caller); on failure op->err
 * says which and why, and the caller frees what was gathered. */
enum dir_rc census_read(struct ldconn *c, const struct ldop *op, struct census *cs);
/* Frees what cs holds and zeroes it. */
void census_free(struct census *cs);

#endif
