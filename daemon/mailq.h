/*
 * mailq.h - what the spool knows about each notice waiting in ready/:
 * its delivery state, kept durable beside the message so that a restart
 * neither forgets the tries nor hides a submission it cut short.
 *
 * <spool_dir>/state/<txn>.state holds a few "key=value" lines:
 *
 *   tries=N        attempts made so far (all runs of the daemon)
 *   next_ms=MS     epoch milliseconds before which no new try is made (0: none)
 *   warned=0|1     the "waiting longer than mail.warn_after_s" line was logged
 *   submitting=0|1 the message was being handed to the MTA
 *   sent=0|1       the MTA accepted it, but the file could not be removed:
 *                  never sent again; its removal is tried again each pass
 *   to=ADDRESS     the recipient (for the log once the message is gone)
 *   error=TEXT     why the last attempt failed ("reason: detail")
 *
 * It is written as the message files are (temporary file, fsync, rename,
 * fsync of the directory).  The sender sets submitting=1 before it starts
 * the MTA; once the MTA has accepted, mailq_handed_over removes the message
 * and makes that durable before anything else.  So a notice found at start
 * with submitting=1 was cut short somewhere between those two points: it
 * is sent again (same Message-ID) and logged as a possible duplicate.
 *
 * A missing state file is a notice never tried.  Every function is safe
 * from any thread.
 */
#ifndef ECFLINK_MAILQ_H
#define ECFLINK_MAILQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct mailq_state {
	int tries;
	int64_t next_ms;
	bool warned;
	bool submitting;
	bool sent;
	char to[300];
	char error[240];
};

/* One waiting notice, for `ecflinkctl mail`. */
struct mailq_entry {
	uint64_t txn;
	char to[300];		/* its To:, "" when unreadable */
	time_t since;		/* when it was spooled (the file's mtime) */
	struct mailq_state st;
};

/* Reads the state of txn into *st (zeros when there is none).  0, or -1
 * (logged) when it exists but cannot be read. */
int mailq_load(const char *spool_dir, uint64_t txn, struct mailq_state *st);

/* Replaces the state of txn, durably.  0, or -1 (logged). */
int mailq_save(const char *spool_dir, uint64_t txn, const struct mailq_state *st);

/*
 * The MTA accepted txn of queue sub (ready, announce): removes
 * <sub>/<txn>.msg and fsyncs <sub>/ (the record that the message was
 * handed over), then removes its state.  0; -1 (logged, errno kept) when
 * the message cannot be removed.
 */
int mailq_handed_over(const char *spool_dir, const char *sub, uint64_t txn);

/*
 * Removes the state files of messages no longer waiting: keeps those of
 * the n transactions in waiting[] (both queues).  One still marked
 * submitting was handed over by the helper of an earlier run's submission
 * after that run ended (mta.h): it is logged as sent (event=mail
 * result=sent) before its state goes.
 */
void mailq_prune(const char *spool_dir, const uint64_t *waiting, size_t n);

/*
 * Lists the notices in ready/ with their state, lowest transaction first,
 * into *out (the caller frees it).  0, or -1 (logged).
 */
int mailq_list(const char *spool_dir, struct mailq_entry **out, size_t *n);

/* When txn's message in queue sub was spooled (its mtime), or -1. */
time_t mailq_since(const char *spool_dir, const char *sub, uint64_t txn);

/*
 * Asks the sender to try every waiting notice now, whatever their next
 * try time and a hold on an unavailable MTA.  The sender reads the count
 * with mailq_retry_count and compares it with the one it last saw; fn set
 * by mailq_on_retry (mailer_wake) wakes it.
 */
void mailq_request_retry(void);
unsigned long mailq_retry_count(void);
void mailq_on_retry(void (*fn)(void));

#endif
