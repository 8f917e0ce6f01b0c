/*
 * settle.h - settling messages left pending in the spool: a link Modify
 * or an announcement's mark whose answer never came (a crash, a lost
 * server).  The directory, read at ldap.write_uri, tells whether the
 * transaction happened: then the message goes out, else it is dropped.
 */
#ifndef ECFLINK_SETTLE_H
#define ECFLINK_SETTLE_H

#include <stdint.h>

#include "request.h"

/*
 * For spool_reconcile: what holds txn (txn.h txn_holder: a link, an
 * announcement, 0 for nothing, -1 when the directory cannot tell, logged).
 * ctx is a struct worker, whose write connection is used.
 */
int settle_txn_holder(uint64_t txn, void *ctx);

/*
 * Settles the pending messages older than ten minutes, far past any
 * request's deadline, on worker w's connections.  A timer chore.
 */
void settle_stale(struct worker *w);

#endif
