/*
 * link.h - linking a PACER account to a CM/ECF account (DESIGN.md rules
 * 3-6, "Linking details").
 *
 * LINK_PREPARE checks both credentials and every refusal, grades the two
 * display names, and files what it found under a short-lived token bound
 * to the caller.  LINK_COMMIT redeems the token and writes the link: next
 * Transaction ID (Modify-Increment + post-read), notice spooled as
 * pending, then one Modify of the CM/ECF entry under the assertion
 * (!(ecfLinkedPacer=*)) that adds the link and retires the legacy
 * credential, then the notice marked ready.  Each attempt is one log line:
 * a refused preparation, a commit, or a preparation never committed.
 */
#ifndef ECFLINK_LINK_H
#define ECFLINK_LINK_H

#include <stdint.h>

#include "request.h"

void link_prepare(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);
void link_commit(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);
/* Logs and drops preparations never committed (all of them at stop). */
void link_sweep(int all);

#endif
