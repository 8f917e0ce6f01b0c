/*
 * mailer.h - the sender thread for spooled link notices (see spool.h).
 *
 * The sender hands each ready/<txn>.msg (link notices), lowest Transaction
 * ID first, then each announce/<txn>.msg (go-live announcements) to the
 * MTA, starting at most mail.rate_per_min attempts in any 60 seconds
 * (mailrate.h), so a court's announcement to thousands of accounts trickles
 * out and a link notice never waits behind it for more than a minute: mail.sendmail (argv split on blanks, no shell; the file on
 * standard input; exit 0 = accepted) or, when mail.smtp_url is set,
 * libcurl SMTP.  Once the MTA has accepted a notice the file is unlinked
 * (event=mail result=sent).  A failed attempt keeps the file and logs
 * result=retry; that notice is tried again after a backoff that starts at
 * 30 s and doubles up to 1 h.  When the failure says the MTA itself is
 * unavailable (timeout, temporary failure, no connection) the whole queue
 * waits for that backoff; a notice the MTA rejected waits alone.
 *
 * Delivery is at least once, and twice only across one instant.  Before
 * the MTA starts, the notice's state (mailq.h) says "submitting" and the
 * sender takes flock(2) on the message file.  The sendmail MTA runs under
 * a helper (mta.h) that removes the file the moment the MTA exits 0, even
 * if ecflinkd was killed meanwhile; helper and MTA hold the lock until they
 * end.  After a restart, a notice still "submitting" is looked at once its
 * lock is free: gone, it was handed over (logged result=sent); still there,
 * the submission failed, and it is sent again, logged result=resend
 * reason=possible_duplicate.  Every copy carries the same Message-ID.
 *
 * The tries of each notice, its next try and last error are kept in its
 * state across restarts.  The first pass after a start, and a pass after
 * mailq_request_retry (`ecflinkctl mail --retry`), tries every notice at
 * once.  A notice waiting longer than mail.warn_after_s is logged once
 * (result=waiting reason=overdue).
 *
 * Each attempt is bounded (30 s): a sendmail child that does not finish in
 * time is killed with SIGKILL (its whole process group) and reaped.
 * SIGCHLD must keep its default action in the daemon (the sender reaps its
 * own children with waitpid).
 *
 * The sender reads mail.spool_dir, mail.sendmail, mail.smtp_url,
 * mail.from, mail.rate_per_min and mail.warn_after_s from the live
 * configuration at each pass, so a reload applies to the next attempt.
 */
#ifndef ECFLINK_MAILER_H
#define ECFLINK_MAILER_H

/*
 * Starts the sender thread (with every signal blocked in it) and
 * initializes libcurl.  Call once, after spool_reconcile and before the
 * workers serve requests.  0, or -1 (logged).
 */
int mailer_start(void);

/* Makes the sender rescan ready/ now.  Safe from any thread, and a no-op
 * when the sender is not running. */
void mailer_wake(void);

/*
 * Stops the sender and waits for it: an attempt under way finishes or is
 * abandoned within its timeout; unsent notices stay spooled.  A no-op when
 * the sender is not running.
 */
void mailer_stop(void);

/* For tests, before mailer_start: the retry backoff (default 30 s doubling
 * to 1 h), the per-attempt timeout (default 30 s) and the idle rescan
 * interval (default 60 s), in milliseconds. */
void mailer_set_backoff_ms(long min_ms, long max_ms);
void mailer_set_timeout_ms(long ms);
void mailer_set_rescan_ms(long ms);

#endif
