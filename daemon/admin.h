/*
 * admin.h - clerk operations on one CM/ECF account (ADMIN_RESET_CODE,
 * ADMIN_UNLINK).  Report and lint, which read whole bases, are in
 * report.h.
 */
#ifndef ECFLINK_ADMIN_H
#define ECFLINK_ADMIN_H

#include <stdint.h>

#include "config.h"
#include "proto.h"
#include "server.h"

void admin_reset_code(struct worker *w, const struct config *cfg, unsigned int gen,
		      const struct request *rq, const struct proto_msg *m, int64_t deadline,
		      struct proto_buf *b);
void admin_unlink(struct worker *w, const struct config *cfg, unsigned int gen,
		  const struct request *rq, const struct proto_msg *m, int64_t deadline,
		  struct proto_buf *b);

#endif
