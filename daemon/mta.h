/*
 * mta.h - one submission of one spooled message to the mail transfer agent.
 *
 * mta_sendmail runs mail.sendmail (argv split on blanks, no shell) with the
 * message on standard input; exit 0 means the MTA took it.  It runs under a
 * small helper program, ecflink-mta (mta_helper.c; started with
 * posix_spawn, so the daemon is never copied by fork), that waits for it
 * and, the moment it exits 0, removes the spooled file and syncs its
 * directory: the hand-over is recorded even if ecflinkd is killed while
 * the MTA works, so the only instant left for a second copy is between
 * the MTA's exit and that unlink.  The MTA gets PR_SET_PDEATHSIG SIGKILL
 * (it dies with the helper: nothing is queued that nobody would record).
 * Helper and MTA run in their own process group with an empty signal mask,
 * default signal actions and only descriptors 0-2 open (the MTA), and are
 * killed (the whole group) and reaped when they do not finish within the
 * timeout; should ecflinkd be gone, the helper's alarm(2) ends both 2 s
 * after it.  The caller should hold flock(LOCK_EX) on msgfd: the helper and
 * the MTA inherit it, so a restarted daemon can tell a submission still
 * under way.
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
 * The helper program: ecflink-mta beside the running executable when there
 * is one (a build tree), else the installed one (ECFLINK_MTA_HELPER, set
 * by the Makefile from LIBEXECDIR).  mta_set_helper names another (the
 * unit tests); call it before the first message.
 */
const char *mta_helper(void);
void mta_set_helper(const char *path);

/*
 * Runs cmd with the open message file msgfd (offset 0) as standard input
 * and waits up to timeout_ms.  Exit 0: MTA_OK; exit 65, 67 or 68 (EX_DATAERR,
 * EX_NOUSER, EX_NOHOST): MTA_REJECTED; anything else, a signal, a time-out
 * or a failure to start it: MTA_UNAVAILABLE.  The first line the child
 * wrote (stdout or stderr) goes into at->detail.  path: the spooled file
 * the helper removes once the MTA exits 0 (NULL: none).
 */
enum mta_outcome mta_sendmail(const char *cmd, int msgfd, const char *path, long timeout_ms,
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
