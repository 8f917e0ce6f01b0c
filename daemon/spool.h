/*
 * spool.h - the link notification mail spool.
 *
 * A notice lives as one RFC 5322 message file, named after its Transaction
 * ID, in one of two directories under mail.spool_dir:
 *
 *   pending/<txn>.msg   written (fsync'd) before the link Modify
 *   ready/<txn>.msg     the Modify succeeded; the sender (mailer.h) owns it
 *
 * A file only ever appears under its final name by rename(2) after fsync,
 * and each rename is followed by an fsync of the directory, so a crash at
 * any point leaves either nothing (the link was never attempted), a whole
 * pending notice (decided by spool_reconcile at the next start) or a whole
 * ready one (sent after the restart).  Temporary files are named
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

/* A rendered message is never longer than this. */
#define SPOOL_MSG_MAX 8192

struct link_notice {
	uint64_t txn;			/* Transaction ID */
	char account_no[64];		/* PACER account number */
	char to[257];			/* PACER account's mail */
	char pacer_login[257];		/* for the caller's logs; not in the message */
	char cmecf_login[257];		/* for the caller's logs; not in the message */
	time_t submitted;		/* epoch seconds; shown in the court's time zone */
};

/*
 * Renders the notice into buf as a NUL-terminated message with LF line
 * ends: From (cfg->mail_from), To, Subject "CM/ECF account link:
 * Transaction ID N", Date, Message-ID (derived from the transaction, so a
 * resent copy carries the same one), MIME-Version, Content-Type text/plain
 * us-ascii, and a body of exactly seven lines (Account Number, Court,
 * Date/Time Submitted as MM/DD/YYYY HH:MM:SS TZ in local time, Transaction
 * ID, Request: Link, Transaction Status: Processed, Comment).  Local time
 * is the process's TZ (the daemon sets it once at start).
 *
 * Returns the message length, or -1 when buf is too small, a field holds a
 * control or non-ASCII byte (no header injection), n->to is not a plain
 * address (exactly one '@', no blanks, no ",;:<>()[]\"" characters) or
 * cfg->mail_from has no '@'.
 */
int spool_render(const struct config *cfg, const struct link_notice *n, char *buf, size_t len);

/*
 * Writes the rendered notice as <spool_dir>/pending/<txn>.msg (temporary
 * file, write, fsync, rename, fsync of the directory), creating pending/
 * and ready/ when missing.  Called before the link Modify.  0, or -1 after
 * logging what failed.
 */
int spool_write_pending(const struct config *cfg, const struct link_notice *n);

/*
 * Sets the function called when a notice becomes ready (the sender's
 * wake-up, mailer_wake); set once at start, before any worker runs.
 */
void spool_on_ready(void (*fn)(void));

/*
 * The Modify succeeded: renames pending/<txn>.msg to ready/<txn>.msg,
 * fsyncs both directories and calls the spool_on_ready function.  0, or
 * -1 (logged).
 */
int spool_mark_ready(const struct config *cfg, uint64_t txn);

/*
 * The Modify failed: removes pending/<txn>.msg (a missing file is fine).
 * 0, or -1 (logged).
 */
int spool_drop(const struct config *cfg, uint64_t txn);

/*
 * At start, before any worker writes to the spool and before the sender
 * runs: removes leftover temporary files, then for each pending/<txn>.msg
 * asks exists(txn, ctx): 1, the link was made (moved to ready/); 0, it was
 * not (removed, logged as event=mail result=dropped reason=link_not_made);
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
