/*
 * txn.h - Transaction IDs: the next one from ldap.counter_dn, and what in
 * the CM/ECF base holds a given one.
 *
 * Link notices and go-live announcements both take an ID from the one
 * counter, so an ID names exactly one spooled message and one entry that
 * makes it true: ecfLinkTransaction for a link, ecfAnnounced for an
 * announcement.  That is how a notice left pending by a crash is settled
 * (spool_reconcile).
 */
#ifndef ECFLINK_TXN_H
#define ECFLINK_TXN_H

#include <stdint.h>

#include "ldops.h"

/*
 * Takes the next Transaction ID: Modify-Increment of ecfNextTransaction
 * on ldap.counter_dn with a post-read control, on w (the write URI), so no
 * two callers anywhere get the same one.  DIR_OK with *txn set, or a
 * failure with op->err set.
 */
enum dir_rc txn_next(struct ldconn *w, const struct ldop *op, uint64_t *txn);

/*
 * What holds txn, read on w (the write URI: a replica may lag): SPOOL_LINK
 * (1) when a CM/ECF entry's ecfLinkTransaction does, SPOOL_ANNOUNCE (2)
 * when one's ecfAnnounced does, 0 when none, -1 when the directory cannot
 * tell (op->err says why).
 */
int txn_holder(struct ldconn *w, const struct ldop *op, uint64_t txn);

#endif
