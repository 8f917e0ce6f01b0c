/*
 * dispatch.h - decoding a request, answering it, and its log line.
 */
#ifndef ECFLINK_DISPATCH_H
#define ECFLINK_DISPATCH_H

#include "proto.h"
#include "server.h"

/* Answers rq (decoded here) on rq->fd; logs one line. */
void dispatch_request(struct worker *w, struct request *rq);
/* Answers a frame whose header was refused, and logs it. */
void dispatch_reject_header(struct request *rq, enum proto_err e, uint16_t version,
			    uint16_t type);
/* Answers "busy" when the queue is full, and logs it. */
void dispatch_reply_busy(struct request *rq);
/* True when the peer is root or in group (a group name; NULL: root only). */
bool dispatch_peer_in_group(const struct request *rq, const char *group);

#endif
