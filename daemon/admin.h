/*
 * admin.h - clerk operations on one CM/ECF account (ADMIN_RESET_CODE,
 * ADMIN_UNLINK).  Report and lint, which read whole bases, are in
 * report.h and lint.h.
 */
#ifndef ECFLINK_ADMIN_H
#define ECFLINK_ADMIN_H

#include "request.h"

void admin_reset_code(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);
void admin_unlink(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
