/*
 * lookup.h - PING (is the daemon there, and what court is it) and LOOKUP
 * (an account's state, for clerks).  Neither decides anything.
 */
#ifndef ECFLINK_LOOKUP_H
#define ECFLINK_LOOKUP_H

#include "request.h"

void lookup_ping(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);
void lookup_account(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
