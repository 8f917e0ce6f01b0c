/*
 * pamreq.h - the PAM module's requests: AUTH and ACCOUNT (one decision
 * each, from decide.h) and ACK (the answer to the redaction notice an
 * allowed ACCOUNT asked).
 */
#ifndef ECFLINK_PAMREQ_H
#define ECFLINK_PAMREQ_H

#include "request.h"

void pamreq_decide(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);
void pamreq_ack(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
