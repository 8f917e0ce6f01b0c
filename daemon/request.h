/*
 * request.h - a request as the workers see it, and the context every
 * handler is given.
 *
 * The event loop (server.c) fills a struct request once its frame has
 * fully arrived and hands it to a worker; dispatch.c decodes it, builds a
 * struct req_ctx and calls the handler its table names for the type.
 */
#ifndef ECFLINK_REQUEST_H
#define ECFLINK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "directory.h"
#include "peer.h"
#include "proto.h"
#include "trust.h"

/* A whole request, handed from the event loop to a worker. */
struct request {
	int fd;
	struct peer peer;
	int64_t received;	/* monotonic ms */
	uint64_t received_ns;	/* monotonic ns, for the ms= log field */
	bool shared;		/* holds a place in the fair share (share.h) */
	size_t len;
	uint8_t *frame;
};

/* What a worker owns: its LDAP connections and its reply buffer. */
struct worker {
	int id;
	struct dir_conns dc;
	uint8_t reply[PROTO_MAX_FRAME];
};

/* One request being answered. */
struct req_ctx {
	struct worker *w;
	const struct request *rq;
	const struct config *cfg;	/* referenced for the whole request */
	int64_t deadline;		/* monotonic ms by which to have answered */
	unsigned int peer;		/* PC_* bits of the sender */
	const struct class_policy *pol;	/* what that class may learn and claim */
	struct ldconn_err err;		/* why the last directory call failed */
	struct ldop op;			/* { cfg, deadline, &err } for ldconn and dir_find */
	/* Sends the reply in b now, for a handler with work left that the
	 * caller need not wait for (set by the dispatcher); nothing may be
	 * put into b afterwards, and the reply is not sent again. */
	void (*reply_now)(struct req_ctx *c, struct proto_buf *b);
	bool replied;
};

/* A handler answers one decoded request into b and writes its log line. */
typedef void (*req_handler)(struct req_ctx *c, const struct proto_msg *m,
			    struct proto_buf *b);

#endif
