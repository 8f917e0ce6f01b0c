/*
 * mta.h - one submission of one spooled message to the mail transfer agent.
 *
 * mta_sendmail runs mail.sendmail (argv split on blanks, no shell) with the
 * message on standard input; exit 0 means the MTA took it.  The child
 * cannot outlive the thread that started it: it gets PR_SET_PDEATHSIG
 * SIGKILL before exec, so when ecflinkd is killed mid-submission the MTA
 * never finishes queueing a copy the restarted daemon would send again.
 * It runs in its own process group with an empty signal mask, default
 * signal actions and only descriptors 0-2 open, and is killed (the whole
 * group) and reaped when it does not finish within the timeout.  Its exit
 * is seen at once (a pidfd), so the caller can record the hand-over in the
 * spool before anything else happens.
 *
 * mta_smtp sends through libcurl SMTP to mail.smtp_url; curl_easy_perform
 * returns once the server answered the end of DATA.  libcurl must have
 * been initialized (curl_global_init) by the caller.
 *
 * Both fill *at with a reason word and a one-line detail when they fail.
 */
#ifndef ECFLINK_MTA_H
#define ECFLINK_MTA_H

#include <stdarg.h>

enum mta_outcome {
	MTA_OK,			/* the MTA accepted it */
	MTA_REJECTED,		/* this message failed; others may still go */
	MTA_UNAVAILABLE,	/* the MTA cannot take mail now */
};

struct mta_attempt {
	char to[300];		/* the message's To: (the SMTP recipient) */
	char reason[32];	/* machine word: sendmail_exit, timeout, smtp_error... */
	char detail[200];	/* one line for the log and `ecflinkctl mail` */
};

/* Sets at->reason and at->detail. */
void mta_fail(struct mta_attempt *at, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Runs cmd with the open message file msgfd (offset 0) as standard input
 * and waits up to timeout_ms.  Exit 0: MTA_OK; exit 65, 67 or 68 (EX_DATAERR,
 * EX_NOUSER, EX_NOHOST): MTA_REJECTED; anything else, a signal, a time-out
 * or a failure to start it: MTA_UNAVAILABLE.  The first line the child
 * wrote (stdout or stderr) goes into at->detail.
 *
 * The parent-death signal follows the calling THREAD: call it from a
 * thread that lives until the child has been reaped (the sender thread).
 */
enum mta_outcome mta_sendmail(const char *cmd, int msgfd, long timeout_ms,
			      struct mta_attempt *at);

/*
 * Sends the message in msgfd (LF line ends; sent as CRLF) to at->to
 * through the SMTP server at url, envelope sender from mail_from ("Name
 * <a@b>" or "a@b").  A 5xx answer: MTA_REJECTED; any other failure:
 * MTA_UNAVAILABLE.
 */
enum mta_outcome mta_smtp(const char *url, const char *mail_from, int msgfd, long timeout_ms,
			  struct mta_attempt *at);

#endif
