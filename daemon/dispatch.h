/*
 * dispatch.h - decoding a request, checking who may send it, answering it.
 *
 * dispatch.c holds the one table of request types: for each, the peer
 * classes (peer.h) that may send it and the handler that answers it.
 */
#ifndef ECFLINK_DISPATCH_H
#define ECFLINK_DISPATCH_H

#include "proto.h"
#include "request.h"

/* Answers rq (decoded here) on rq->fd; one log line is written. */
void dispatch_request(struct worker *w, struct request *rq);
/* Answers a frame whose header was refused, and logs it. */
void dispatch_reject_header(struct request *rq, enum proto_err e, uint16_t version,
			    uint16_t type);
/* Answers "busy" when the queue is full (the caller counts it for a
 * summary line: share_count_drop). */
void dispatch_reply_busy(struct request *rq);

#endif
