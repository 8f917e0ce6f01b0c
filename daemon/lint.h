/*
 * lint.h - the pre-go-live check of the bases (ADMIN_LINT): logins with
 * odd characters, accounts without mail, shared names and mail addresses,
 * links to PACER logins that do not exist.
 *
 * Answers with PT_TEXT, PT_JSON and PT_RESULT (0: nothing found, 1:
 * findings); root or socket.admin_group only; one log line per request.
 */
#ifndef ECFLINK_LINT_H
#define ECFLINK_LINT_H

#include "request.h"

void lint_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
