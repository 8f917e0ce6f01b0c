/*
 * settle.c - settling link notices and announcements left pending (see
 * settle.h).
 */
#include "settle.h"

#include <sys/stat.h>

#include "clock.h"
#include "live_config.h"
#include "log.h"
#include "spool.h"
#include "txn.h"

/* A pending notice this old outlived any request's deadline. */
#define STALE_PENDING_S 600

int
settle_txn_holder(uint64_t txn, void *ctx)
{
	struct worker *w = ctx;
	struct ldconn_err err = { "" };
	const struct config *cfg;
	int kind;

	cfg = live_config_get();
	kind = txn_holder(&w->dc.write, &(struct ldop){ cfg, clock_now_ms() + cfg->timeout_ms, &err },
			  txn);
	live_config_put(cfg);
	if (kind < 0)
		log_warnx("cannot tell whether transaction %llu was linked or announced: %s",
			  (unsigned long long)txn, err.msg);
	return kind;
}

void
settle_stale(struct worker *w)
{
	const struct config *cfg;
	struct stat st;

	cfg = live_config_get();
	if (cfg != NULL && stat(cfg->spool_dir, &st) == 0)
		spool_reconcile_stale(cfg, STALE_PENDING_S, settle_txn_holder, w);
	live_config_put(cfg);
}
