/*
 * report.h - the clerk's whole-directory views: migration progress
 * (ADMIN_REPORT) and the pre-go-live check of the bases (ADMIN_LINT).
 *
 * Both read the CM/ECF and PACER bases in full with paged searches, answer
 * with PT_TEXT (a plain-text table) and PT_JSON (the same numbers), and are
 * for root or socket.admin_group only; each request writes one log line.
 * A LINT reply also carries PT_RESULT: 0 when nothing was found, 1 when
 * there are findings.
 */
#ifndef ECFLINK_REPORT_H
#define ECFLINK_REPORT_H

#include <stdint.h>

#include "config.h"
#include "proto.h"
#include "server.h"

void report_run(struct worker *w, const struct config *cfg, unsigned int gen,
		const struct request *rq, const struct proto_msg *m, int64_t deadline,
		struct proto_buf *b);
void lint_run(struct worker *w, const struct config *cfg, unsigned int gen,
	      const struct request *rq, const struct proto_msg *m, int64_t deadline,
	      struct proto_buf *b);

#endif
