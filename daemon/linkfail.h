/*
 * linkfail.h - failed link-credential checks of a CM/ECF entry, kept on
 * the entry itself at ldap.write_uri (ecfLinkFailure, one GeneralizedTime
 * per failure), so that every ecflinkd of a court counts them together:
 * N daemons allow no more than policy.link_max_failures per window in all.
 *
 * The rule is the per-process throttle's (common/throttle.h): the
 * max_failures-th failure within window_s locks the entry for lockout_s
 * from that failure, and counting starts over after it.
 */
#ifndef ECFLINK_LINKFAIL_H
#define ECFLINK_LINKFAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ldops.h"
#include "throttle.h"

/* Values read beyond this many are ignored (link_max_failures <= 100). */
#define LINKFAIL_MAX 160
#define LINKFAIL_VALLEN 32		/* "YYYYMMDDHHMMSS.uuuuuuZ" and room */

struct linkfail {
	size_t n;
	int64_t us[LINKFAIL_MAX];		/* epoch microseconds, ascending */
	char val[LINKFAIL_MAX][LINKFAIL_VALLEN];	/* as stored */
};

/* Reads dn's failures at the provider (c: an LDCONN_WRITE connection). */
enum dir_rc linkfail_read(struct ldconn *c, const struct ldop *op, const char *dn,
			  struct linkfail *lf);
/* Parses one stored value; -1 when it is not a GeneralizedTime. */
int linkfail_parse(const char *val, int64_t *us);
/*
 * True when lf locks the entry at now_us under p; *until_us is then when
 * the lockout ends.
 */
bool linkfail_locked(const struct linkfail *lf, const struct throttle_policy *p, int64_t now_us,
		     int64_t *until_us);
/*
 * Adds a failure at now_us to dn, and in the same Modify removes the read
 * values too old to matter (older than window_s + lockout_s).  When
 * another daemon removed them first, the failure is added alone.
 */
enum dir_rc linkfail_add(struct ldconn *c, const struct ldop *op, const char *dn,
			 const struct linkfail *lf, const struct throttle_policy *p,
			 int64_t now_us);
/* The wall clock in epoch microseconds. */
int64_t linkfail_now_us(void);

#endif
