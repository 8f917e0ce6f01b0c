/*
 * mailcmd.h - ADMIN_MAIL (`ecflinkctl mail [--retry]`): the notices waiting
 * in the spool, and a retry of all of them now.
 */
#ifndef ECFLINK_MAILCMD_H
#define ECFLINK_MAILCMD_H

#include "request.h"

/*
 * Replies PT_TEXT, a table of the notices in ready/ (transaction,
 * recipient, tries, next try, last error; lowest transaction first) and
 * PT_COUNT; with PT_RETRY = 1 first asks the sender to try every one of
 * them now (mailq_request_retry).  Logs one event=mail_queue line.
 */
void mailcmd_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
