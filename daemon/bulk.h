/*
 * bulk.h - the frame of a whole-directory request (ADMIN_REPORT,
 * ADMIN_LINT): take the census, give the view two output buffers, answer
 * with PT_TEXT and PT_JSON, and write the one log line.
 */
#ifndef ECFLINK_BULK_H
#define ECFLINK_BULK_H

#include "census.h"
#include "request.h"
#include "textout.h"

struct bulk {
	struct req_ctx *c;
	struct proto_buf *b;
	const char *action;		/* report | lint */
	struct census cs;
	struct sbuf text, json;
	long long findings;		/* lint's count, or -1 */
	bool counted;
	char detail[2048];
};

/*
 * Takes the census and makes the buffers.  0 when the view may go on (it
 * then ends with bulk_reply or bulk_fail, and bulk_end); otherwise the
 * reply and the log line are written and nothing is left to free.
 */
int bulk_begin(struct bulk *k, struct req_ctx *c, const char *action, struct proto_buf *b);
/* Answers with the texts (and PT_RESULT unless result is -1), or an error
 * when they did not fit, and logs. */
void bulk_reply(struct bulk *k, int result);
/* Answers with status st and logs reason and why. */
void bulk_fail(struct bulk *k, enum proto_status st, const char *reason, const char *why);
/* Frees the census and the buffers. */
void bulk_end(struct bulk *k);

#endif
