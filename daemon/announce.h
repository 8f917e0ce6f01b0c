/*
 * announce.h - the go-live announcement (ADMIN_ANNOUNCE, `ecflinkctl
 * announce`): "The Court will notify you once we are live".
 *
 * After go-live, spools one announcement (mailtext_announce: linking is
 * open, the steps, court.link_url) for each legacy CM/ECF account that is
 * not linked, has a usable mail address, holds an eligible role (when
 * policy.eligible_roles is set), and was not told before.  Each one takes
 * its own Transaction ID and goes through the never-lost spool exactly as
 * a link notice does: written pending, then one Modify of the entry that
 * records ecfAnnounced = that ID under the assertion "not linked and not
 * told (in this run)", then moved to announce/, where the sender sends it
 * at mail.rate_per_min.  A crash in between is settled at the next start
 * by the entry's ecfAnnounced, so running twice never tells anyone twice;
 * PT_AGAIN tells accounts told by earlier runs once more.
 *
 * A request stops taking accounts shortly before its deadline and answers
 * PT_MORE = 1; the client asks again (with PT_TXN = the first ID of the
 * run, so that a run with PT_AGAIN does not tell anyone twice either).
 * Root or socket.admin_group only (dispatch.c); one log line per request.
 */
#ifndef ECFLINK_ANNOUNCE_H
#define ECFLINK_ANNOUNCE_H

#include "request.h"

void announce_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b);

#endif
