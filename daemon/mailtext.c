/*
 * mailtext.c - the words of ecflinkd's mails (see mailtext.h).
 */
#include "mailtext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 5322 allows 998 bytes a line; no field may come near it. */
#define FIELD_MAX 900

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A field may go into a header or the body: printable ASCII only, bounded. */
static bool
clean_field(const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; i < max && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e)
			return false;
	}
	return i < max && i <= FIELD_MAX;
}

bool
mailtext_plain_address(const char *s, size_t max)
{
	const char *at;

	if (!clean_field(s, max) || strpbrk(s, " ,;:<>()[]\"\\") != NULL)
		return false;
	at = strchr(s, '@');
	return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL;
}

/* The domain of mail_from for the Message-ID; "localhost" when it has none usable. */
static void
from_domain(const char *from, char *out, size_t len)
{
	const char *at = strrchr(from, '@');
	size_t n = at != NULL ? strspn(at + 1, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") : 0;

	if (n == 0 || n >= len) {
		snprintf(out, len, "localhost");
		return;
	}
	memcpy(out, at + 1, n);
	out[n] = '\0';
}

/* The checks every message shares: sender, court and recipient. */
static bool
sendable(const struct config *cfg, const char *to, size_t to_max)
{
	return cfg->mail_from != NULL && clean_field(cfg->mail_from, SIZE_MAX) &&
	       strchr(cfg->mail_from, '@') != NULL && clean_field(cfg->court_name, SIZE_MAX) &&
	       mailtext_plain_address(to, to_max);
}

/*
 * Writes the header block (ending with the blank line) for a message to
 * `to` about `kind` number txn, dated `when` in local time.  The length,
 * or -1 when it does not fit or the time cannot be shown.
 */
static int
headers(const struct config *cfg, const char *to, const char *subject, const char *kind,
	uint64_t txn, time_t when, const struct tm *tm, char *buf, size_t len)
{
	char domain[256];
	long off;
	int w;

	if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 || tm->tm_mon > 11)
		return -1;
	from_domain(cfg->mail_from, domain, sizeof(domain));
	/* Day and month names by hand: %a and %b follow the locale. */
	off = tm->tm_gmtoff / 60;
	w = snprintf(buf, len,
		     "From: %s\n"
		     "To: %s\n"
		     "Subject: %s\n"
		     "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\n"
		     "Message-ID: <ecflink.%s.%llu.%lld@%s>\n"
		     "MIME-Version: 1.0\n"
		     "Content-Type: text/plain; charset=us-ascii\n"
		     "Content-Transfer-Encoding: 7bit\n"
		     "\n",
		     cfg->mail_from, to, subject, wdays[tm->tm_wday], tm->tm_mday,
		     months[tm->tm_mon], tm->tm_year + 1900, tm->tm_hour, tm->tm_min, tm->tm_sec,
		     off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60, kind,
		     (unsigned long long)txn, (long long)when, domain);
	return w < 0 || (size_t)w >= len ? -1 : w;
}

/* Finishes a render: the total length, or -1 (buf emptied) when cut. */
static int
done(char *buf, size_t len, int head, int body)
{
	if (head < 0 || body < 0 || (size_t)head + (size_t)body >= len) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return head + body;
}

int
mailtext_link(const struct config *cfg, const struct link_notice *n, char *buf, size_t len)
{
	char submitted[64], zone[16], subject[80];
	struct tm tm;
	int h, b;

	if (len > 0)
		buf[0] = '\0';
	if (!sendable(cfg, n->to, sizeof(n->to)) ||
	    !clean_field(n->account_no, sizeof(n->account_no)))
		return -1;
	if (localtime_r(&n->submitted, &tm) == NULL ||
	    strftime(submitted, sizeof(submitted), "%m/%d/%Y %H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%Z", &tm) == 0)
		return -1;
	snprintf(subject, sizeof(subject), "CM/ECF account link: Transaction ID %llu",
		 (unsigned long long)n->txn);
	h = headers(cfg, n->to, subject, "link", n->txn, n->submitted, &tm, buf, len);
	if (h < 0)
		return done(buf, len, -1, 0);
	b = snprintf(buf + h, len - (size_t)h,
		     MAILTEXT_OPENING "\n"
		     "\n"
		     "Account Number: %s\n"
		     "Court: %s\n"
		     "Date/Time Submitted: %s %s\n"
		     "Transaction ID: %llu\n"
		     "Request: Link\n"
		     "Transaction Status: Processed\n"
		     "Comment: Your PACER account has been linked to your CM/ECF account\n"
		     "\n"
		     MAILTEXT_NOTE "\n",
		     n->account_no, cfg->court_name, submitted, zone, (unsigned long long)n->txn);
	return done(buf, len, h, b);
}

int
mailtext_announce(const struct config *cfg, const struct announce_notice *a, char *buf,
		  size_t len)
{
	char subject[FIELD_MAX + 32];
	struct tm tm;
	int h, b;

	if (len > 0)
		buf[0] = '\0';
	if (!sendable(cfg, a->to, sizeof(a->to)) || cfg->link_url == NULL ||
	    !clean_field(cfg->link_url, SIZE_MAX) ||
	    !clean_field(a->cmecf_login, sizeof(a->cmecf_login)) ||
	    localtime_r(&a->written, &tm) == NULL)
		return -1;
	snprintf(subject, sizeof(subject), "Linking is open: %s", cfg->court_name);
	h = headers(cfg, a->to, subject, "announce", a->txn, a->written, &tm, buf, len);
	if (h < 0)
		return done(buf, len, -1, 0);
	b = snprintf(buf + h, len - (size_t)h,
		     "The %s is now live on NextGen CM/ECF, and linking is open.\n"
		     "\n"
		     "To keep e-filing in this court, link your CM/ECF account %s to your\n"
		     "upgraded or new individual PACER account. Until you link your two\n"
		     "accounts you will not be able to e-file.\n"
		     "\n"
		     "To link:\n"
		     "1. Go to the court's linking page:\n"
		     "   %s\n"
		     "2. Log in with your upgraded or new individual PACER account.\n"
		     "3. Choose Utilities > NextGen Release 1.1 Menu Items > Link a CM/ECF\n"
		     "   account to my PACER account.\n"
		     "4. Enter your CM/ECF login (%s) and CM/ECF password, and press\n"
		     "   Submit.\n"
		     "5. Check the two names shown and confirm. An email confirms the link.\n"
		     "\n"
		     "If you use CM/ECF for PACER only, no action is necessary. If you do\n"
		     "not know your password, you can contact the court to have it reset\n"
		     "for linking purposes.\n",
		     cfg->court_name, a->cmecf_login, cfg->link_url, a->cmecf_login);
	return done(buf, len, h, b);
}

int
mailtext_alert(const struct config *cfg, const struct alert_notice *a, char *buf, size_t len)
{
	char subject[FIELD_MAX + 64], tried[64], zone[16];
	const char *from;
	struct tm tm;
	int h, b;

	if (len > 0)
		buf[0] = '\0';
	if (!sendable(cfg, a->to, sizeof(a->to)) ||
	    !clean_field(a->cmecf_login, sizeof(a->cmecf_login)) ||
	    localtime_r(&a->tried, &tm) == NULL ||
	    strftime(tried, sizeof(tried), "%m/%d/%Y %H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%Z", &tm) == 0)
		return -1;
	/* The address is the PAM caller's word: shown only when it is plain text. */
	from = clean_field(a->rhost, sizeof(a->rhost)) ? a->rhost : "an unknown address";
	snprintf(subject, sizeof(subject), "Your old CM/ECF login was tried: %s",
		 cfg->court_name);
	h = headers(cfg, a->to, subject, "alert", a->txn, a->tried, &tm, buf, len);
	if (h < 0)
		return done(buf, len, -1, 0);
	b = snprintf(buf + h, len - (size_t)h,
		     "Someone tried your old CM/ECF login (%s) for the %s\n"
		     "on %s %s from %s.\n"
		     "\n"
		     "That login was retired when you linked it to your PACER account, so\n"
		     "it was refused. Log in with your PACER account instead.\n"
		     "\n"
		     "If it was not you, contact the court.\n",
		     a->cmecf_login, cfg->court_name, tried, zone, from);
	return done(buf, len, h, b);
}
