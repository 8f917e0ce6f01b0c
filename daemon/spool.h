/*
 * spool.h - the link notification mail spool.
 *
 * A notice lives as one RFC 5322 message file (mailtext.h), named after
 * its Transaction ID, in one of three directories under mail.spool_dir:
 *
 *   pending/<txn>.msg   written (fsync'd) before the directory Modify that
 *                       makes it true (the link; for an announcement, the
 *                       entry's ecfAnnounced)
 *   ready/<txn>.msg     a link notice whose Modify succeeded; the sender
 *                       (mailer.h) owns it
 *   announce/<txn>.msg  the same for a go-live announcement; the sender
 *                       sends these when ready/ is empty
 *
 * A file only ever appears under its final name by rename(2) after fsync.
 * A pending notice is made durable (file and directory fsync'd) before its
 * Modify.  The move to ready/ or announce/ after the Modify is a rename
 * alone: the sender makes the queues durable (spool_sync_queues) before it
 * hands anything to the MTA, once per pass, so the link path does not wait
 * for it.  A crash at any point leaves either nothing (the link was never
 * attempted), a whole pending notice (decided by spool_reconcile at the
 * next start, which moves it again when the Modify was made) or a whole
 * queued one (sent after the restart).  Temporary files are named
 * ".tmp-<txn>-XXXXXX" and are never sent; spool_reconcile removes them.
 *
 * The directories are created 0750 when missing, the files 0640.
 * Every function here is safe to call from several threads at once.
 */
#ifndef ECFLINK_SPOOL_H
#define ECFLINK_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "mailtext.h"

/* A rendered message is never longer than this. */
#define SPOOL_MSG_MAX MAILTEXT_MAX

/* Where a notice waits once it may be sent (the reconcile callback's answer). */
enum spool_kind {
	SPOOL_LINK = 1,		/* ready/: a link notice, sent first */
	SPOOL_ANNOUNCE = 2,	/* announce/: a go-live announcement */
};

/*
 * Writes the rendered notice (mailtext_link) as
 * <spool_dir>/pending/<txn>.msg (temporary file, write, fsync, rename,
 * fsync of the directory), creating pending/, ready/ and announce/ when
 * missing.  Called before the link Modify.  0, or -1 after logging what
 * failed.
 */
int spool_write_pending(const struct config *cfg, const struct link_notice *n);

/* The same for a go-live announcement (mailtext_announce), before the
 * Modify that sets the entry's ecfAnnounced. */
int spool_write_pending_announce(const struct config *cfg, const struct announce_notice *a);

/*
 * Writes the retired-login alert (mailtext_alert) straight into
 * ready/<txn>.msg (its temporary file in pending/, renamed into ready/,
 * the directory fsync'd) and wakes the sender: the alert's claim in the
 * directory (ecfRetiredAlert) is made before, so nothing is left to
 * settle.  0, or -1 after logging what failed (nothing is left in the
 * spool then).
 */
int spool_write_alert(const struct config *cfg, const struct alert_notice *a);

/*
 * Sets the function called when a notice becomes ready (the sender's
 * wake-up, mailer_wake); set once at start, before any worker runs.
 */
void spool_on_ready(void (*fn)(void));

/*
 * The Modify succeeded: renames pending/<txn>.msg to ready/<txn>.msg and
 * calls the spool_on_ready function.  0, or -1 (logged).
 */
int spool_mark_ready(const struct config *cfg, uint64_t txn);

/* The ecfAnnounced Modify succeeded: the same, into announce/. */
int spool_mark_announce(const struct config *cfg, uint64_t txn);

/*
 * The sender, before it hands a queued notice to the MTA: fsyncs ready/,
 * announce/ and pending/, so that no notice it sends can come back as
 * pending after a crash.  0, or -1 (logged: send nothing this time).
 */
int spool_sync_queues(const char *spool_dir);

/*
 * The Modify failed: removes pending/<txn>.msg (a missing file is fine).
 * 0, or -1 (logged).
 */
int spool_drop(const struct config *cfg, uint64_t txn);

/*
 * At start, before any worker writes to the spool and before the sender
 * runs: removes leftover temporary files, then for each pending/<txn>.msg
 * asks exists(txn, ctx): SPOOL_LINK, a link holds txn (moved to ready/);
 * SPOOL_ANNOUNCE, an entry's ecfAnnounced does (moved to announce/); 0,
 * neither (removed, logged as event=mail result=dropped
 * reason=link_not_made);
 * -1, cannot tell now (left for the next start, logged as a warning).
 * Returns how many notices it could not decide, or -1 on a spool I/O error.
 */
int spool_reconcile(const struct config *cfg, int (*exists)(uint64_t txn, void *ctx),
		    void *ctx);

/*
 * While the daemon runs: settles, as spool_reconcile does, the pending
 * notices last written at least min_age_s ago (a link Modify whose answer
 * never came, so the notice was left pending), leaving younger ones and
 * temporary files to the links still under way.  Returns as
 * spool_reconcile.
 */
int spool_reconcile_stale(const struct config *cfg, int min_age_s,
			  int (*exists)(uint64_t txn, void *ctx), void *ctx);

/*
 * Copies the value of the first header field called name ("To", "From")
 * of the message in the open file fd (read with pread: the file offset is
 * unchanged) into out.  0, or -1 when it cannot be read, the field is
 * absent or its value does not fit.
 */
int spool_file_header(int fd, const char *name, char *out, size_t len);

/*
 * Parses a spool file name "<txn>.msg" (decimal, no sign, no leading
 * zero).  0 with *txn set, or -1 for any other name.
 */
int spool_parse_name(const char *name, uint64_t *txn);

/*
 * Lists the notices in <spool_dir>/<sub> ("ready", "pending"), lowest
 * transaction first, into *txns (the caller frees it; NULL when *n is 0).
 * A missing directory is an empty list.  0, or -1 (logged).
 */
int spool_list(const char *spool_dir, const char *sub, uint64_t **txns, size_t *n);

/* Formats "<spool_dir>/<sub>/<txn>.msg" into buf.  0, or -1 when too long. */
int spool_path(const char *spool_dir, const char *sub, uint64_t txn, char *buf, size_t len);

#endif
