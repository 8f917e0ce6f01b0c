/*
 * txn.h - the next link Transaction ID: one Modify-Increment of
 * ecfNextTransaction on ldap.counter_dn over the write connection, with
 * the post-read control (RFC 4527) returning the new value, so that two
 * daemons never hand out one ID twice.
 */
#ifndef ECFLINK_TXN_H
#define ECFLINK_TXN_H

#include <stdint.h>

#include "directory.h"

/* Takes the next ID into *txn on dc->write; DIR_OK, or a failure with
 * op->err set.  An ID taken is used up whatever happens next. */
enum dir_rc txn_next(struct dir_conns *dc, const struct ldop *op, uint64_t *txn);

#endif
