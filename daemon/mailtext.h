/*
 * mailtext.h - the words of the mails ecflinkd sends: the link notice
 * (DESIGN.md rule 6, with the procedure's opening sentence and its closing
 * NOTE about the redaction notice) and the go-live announcement that
 * `ecflinkctl announce` spools.  Pure functions: nothing here touches a
 * file, the directory or a clock.
 */
#ifndef ECFLINK_MAILTEXT_H
#define ECFLINK_MAILTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/* A rendered message is never longer than this. */
#define MAILTEXT_MAX 8192

/* The procedure's words around the seven lines of a link notice. */
#define MAILTEXT_OPENING \
	"This email is notification that the change you requested to your NextGen " \
	"CM/ECF account has been processed. The status is listed below."
#define MAILTEXT_NOTE \
	"NOTE: Each time you log in to e-file with your PACER account, you will be asked " \
	"to read and acknowledge the redaction notice (Fed. R. App. P. 25(a)(5), Fed. R. " \
	"Civ. P. 5.2, Fed. R. Crim. P. 49.1 and Fed. R. Bankr. P. 9037)."

struct link_notice {
	uint64_t txn;			/* Transaction ID */
	char account_no[64];		/* PACER account number */
	char to[257];			/* PACER account's mail */
	char pacer_login[257];		/* for the caller's logs; not in the message */
	char cmecf_login[257];		/* for the caller's logs; not in the message */
	time_t submitted;		/* epoch seconds; shown in the court's time zone */
};

/* The go-live announcement to one legacy CM/ECF account. */
struct announce_notice {
	uint64_t txn;			/* its own Transaction ID: names the file, the
					 * Message-ID and the entry's ecfAnnounced */
	char to[257];			/* the CM/ECF entry's mail */
	char cmecf_login[257];		/* named in the body: which account to link */
	time_t written;			/* epoch seconds, for the Date: header */
};

/* The alert that a retired (linked) CM/ECF login was tried. */
struct alert_notice {
	uint64_t txn;			/* its own Transaction ID (Message-ID, file name) */
	char to[257];			/* the linked PACER entry's mail */
	char cmecf_login[257];		/* the retired login, named in the body */
	char rhost[257];		/* where the attempt came from; "" = unknown */
	time_t tried;			/* epoch seconds; shown in the court's time zone */
};

/*
 * True when s is one plain addr-spec a mail may go to: printable ASCII,
 * exactly one '@' with text on both sides, none of " ,;:<>()[]\"\\", at
 * most max bytes (with its NUL).  So no value can name a second recipient
 * or a group, or break a header.
 */
bool mailtext_plain_address(const char *s, size_t max);

/*
 * Renders the link notice into buf as a NUL-terminated message with LF
 * line ends: From (cfg->mail_from), To, Subject "CM/ECF account link:
 * Transaction ID N", Date, Message-ID (derived from the transaction, so a
 * resent copy carries the same one), MIME-Version, Content-Type text/plain
 * us-ascii; a body of MAILTEXT_OPENING, a blank line, exactly seven lines
 * (Account Number, Court, Date/Time Submitted as MM/DD/YYYY HH:MM:SS TZ in
 * local time, Transaction ID, Request: Link, Transaction Status:
 * Processed, Comment), a blank line and MAILTEXT_NOTE.  Local time is the
 * process's TZ (the daemon sets it once at start).
 *
 * Returns the message length, or -1 when buf is too small, a field holds a
 * control or non-ASCII byte (no header injection), n->to is not a plain
 * address or cfg->mail_from has no '@'.
 */
int mailtext_link(const struct config *cfg, const struct link_notice *n, char *buf, size_t len);

/*
 * Renders the go-live announcement: the same headers (Subject "Linking is
 * open: <court.name>", Message-ID <ecflink.announce.TXN.T@domain>), and a
 * body saying that the court is live and linking is open, the steps, the
 * linking page (cfg->link_url) and the CM/ECF login to link.  -1 as
 * mailtext_link, and when cfg->link_url is unset.
 */
int mailtext_announce(const struct config *cfg, const struct announce_notice *a, char *buf,
		      size_t len);

/*
 * Renders the retired-login alert: the same headers (Subject "Your old
 * CM/ECF login was tried: <court.name>", Message-ID
 * <ecflink.alert.TXN.T@domain>), and a body saying that someone tried the
 * old CM/ECF login for this court on the date (MM/DD/YYYY HH:MM:SS TZ,
 * local time) from a->rhost ("an unknown address" when empty or not
 * printable ASCII), and to contact the court if it was not them.  -1 as
 * mailtext_link.
 */
int mailtext_alert(const struct config *cfg, const struct alert_notice *a, char *buf,
		   size_t len);

#endif
