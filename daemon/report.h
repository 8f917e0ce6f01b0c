/*
 * report.h - the clerk's view of migration progress (ADMIN_REPORT).
 *
 * Reads the CM/ECF and PACER bases in full (census.h) and answers with
 * PT_TEXT (a plain-text table) and PT_JSON (the same numbers); root or
 * socket.admin_group only (dispatch.c); one log line per request.
 */
#ifndef ECFLINK_REPORT_H
#define ECFLINK_REPORT_H

#include "request.h"

void report_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
