/*
 * report.c - migration progress and the pre-go-live lint (see report.h).
 *
 * Both requests take a census first: every CM/ECF and PACER entry, read
 * with paged searches on the worker's read connection, reduced to the few
 * fields the two views need.  Password values are only tested for a usable
 * one (and wiped); reset code hashes are never requested.  A court has up
 * to ~100k entries while a reply field holds 16 KiB, so the report is an
 * aggregate and lint lists at most LINT_LISTED entries per kind, with the
 * full counts.
 */
#include "report.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "decide.h"
#include "directory.h"
#include "dispatch.h"
#include "events.h"
#include "kv.h"
#include "log.h"

#define PAGE_SIZE 500		/* entries per paged-results round trip */
#define DAYS_LISTED 31		/* links-per-day rows: the most recent days with links */
#define LINT_LISTED 50		/* entries listed per lint kind */
#define VALUE_SHOWN 96		/* bytes of a login or value shown in a listing */
#define OUT_RESERVE 2048	/* room kept for headers and closers while listing */

/*
 * The characters a CM/ECF login may hold: ASCII letters, digits, '.', '_'
 * and '-'.  Logins travel unquoted through login front ends, the linking
 * page and mail, so anything else is flagged before go-live.  A court that
 * issues other logins would want this as a config key (policy.login_chars);
 * until then it is this constant, and lint prints it.
 */
static const char LOGIN_CHARS[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
#define LOGIN_CHARS_SHOWN "A-Z a-z 0-9 . _ -"

/* --- census ------------------------------------------------------------- */

/* One CM/ECF entry.  Strings are owned; absent attributes are "". */
struct cmecf_rec {
	char *login;
	char *name;
	char *mail;
	char *linked;		/* ecfLinkedPacer */
	char *name_key;		/* name folded for comparison */
	char *mail_key;
	time_t link_time;	/* 0: none or unreadable */
	time_t secret_expires;	/* 0: no reset code */
	bool usable;		/* has a usable password */
	bool dangling;		/* linked to a PACER login that does not exist */
};

struct pacer_rec {
	char *login;
	char *name;
	bool has_mail;
	bool linked;		/* some CM/ECF entry links to it */
};

struct census {
	struct cmecf_rec *cm;
	size_t n_cm, cap_cm;
	struct pacer_rec *pa;
	size_t n_pa, cap_pa;
};

static void
census_free(struct census *cs)
{
	size_t i;

	for (i = 0; i < cs->n_cm; i++) {
		free(cs->cm[i].login);
		free(cs->cm[i].name);
		free(cs->cm[i].mail);
		free(cs->cm[i].linked);
		free(cs->cm[i].name_key);
		free(cs->cm[i].mail_key);
	}
	for (i = 0; i < cs->n_pa; i++) {
		free(cs->pa[i].login);
		free(cs->pa[i].name);
	}
	free(cs->cm);
	free(cs->pa);
	memset(cs, 0, sizeof(*cs));
}

/* Grows *arr (of *cap elements of size sz) to hold one more than n. */
static int
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	p = reallocarray(*arr, ncap, sz);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A copy of attr's first value ("" when absent), or NULL when out of
 * memory.  A value with a NUL byte is cut there. */
static char *
dup_first(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *s;

	if (v == NULL || v[0] == NULL)
		s = strdup("");
	else
		s = strndup(v[0]->bv_val, v[0]->bv_len);
	ldap_value_free_len(v);
	return s;
}

/* attr's first value as a GeneralizedTime; 0 when absent or malformed. */
static time_t
first_time(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char buf[64];
	time_t t = 0;

	if (v != NULL && v[0] != NULL && v[0]->bv_len < sizeof(buf)) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
		if (dir_parse_gentime(buf, &t) < 0)
			t = 0;
	}
	ldap_value_free_len(v);
	return t;
}

/*
 * A comparison key: ASCII letters lower-cased, runs of blanks made one
 * space, leading and trailing blanks dropped ("Dana  DUP " = "dana dup").
 * NULL when out of memory.
 */
static char *
fold(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	bool blank = false;

	if (out == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t') {
			blank = o != out;
			continue;
		}
		if (blank)
			*o++ = ' ';
		blank = false;
		*o++ = (char)(ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
	}
	*o = '\0';
	return out;
}

static int
oom(struct ldconn_err *err, const char *what)
{
	snprintf(err->msg, sizeof(err->msg), "out of memory while reading %s", what);
	return -1;
}

/* ldconn_entry_fn for the CM/ECF base. */
static int
take_cmecf(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err)
{
	struct census *cs = ctx;
	struct cmecf_rec *r;
	bool usable = dir_usable_password(ld, e);	/* always: it wipes the values */

	if (grow((void **)&cs->cm, &cs->cap_cm, cs->n_cm, sizeof(*cs->cm)) < 0)
		return oom(err, "the CM/ECF base");
	r = &cs->cm[cs->n_cm];
	memset(r, 0, sizeof(*r));
	r->usable = usable;
	r->login = dup_first(ld, e, "uid");
	r->name = dup_first(ld, e, "cn");
	r->mail = dup_first(ld, e, "mail");
	r->linked = dup_first(ld, e, "ecfLinkedPacer");
	r->name_key = r->name ? fold(r->name) : NULL;
	r->mail_key = r->mail ? fold(r->mail) : NULL;
	r->link_time = first_time(ld, e, "ecfLinkTime");
	r->secret_expires = first_time(ld, e, "ecfLinkSecretExpires");
	cs->n_cm++;	/* counted first, so that census_free frees what was copied */
	if (r->login == NULL || r->name == NULL || r->mail == NULL || r->linked == NULL ||
	    r->name_key == NULL || r->mail_key == NULL)
		return oom(err, "the CM/ECF base");
	return 0;
}

/* ldconn_entry_fn for the PACER base. */
static int
take_pacer(LDAP *ld, LDAPMessage *e, void *ctx, struct ldconn_err *err)
{
	struct census *cs = ctx;
	struct pacer_rec *r;
	char *mail;

	if (grow((void **)&cs->pa, &cs->cap_pa, cs->n_pa, sizeof(*cs->pa)) < 0)
		return oom(err, "the PACER base");
	r = &cs->pa[cs->n_pa];
	memset(r, 0, sizeof(*r));
	r->login = dup_first(ld, e, "uid");
	r->name = dup_first(ld, e, "cn");
	mail = dup_first(ld, e, "mail");
	cs->n_pa++;
	if (r->login == NULL || r->name == NULL || mail == NULL) {
		free(mail);
		return oom(err, "the PACER base");
	}
	r->has_mail = mail[strspn(mail, " \t")] != '\0';
	free(mail);
	return 0;
}

static int
cmp_cmecf_login(const void *a, const void *b)
{
	return strcmp(((const struct cmecf_rec *)a)->login, ((const struct cmecf_rec *)b)->login);
}

/* PACER logins compare without case, as uid's caseIgnoreMatch does. */
static int
cmp_pacer_login(const void *a, const void *b)
{
	return strcasecmp(((const struct pacer_rec *)a)->login,
			  ((const struct pacer_rec *)b)->login);
}

/* Marks every PACER account some CM/ECF entry links to, and every CM/ECF
 * link whose PACER login is missing. */
static void
census_match_links(struct census *cs)
{
	struct pacer_rec key, *p;
	size_t i;

	qsort(cs->cm, cs->n_cm, sizeof(*cs->cm), cmp_cmecf_login);
	qsort(cs->pa, cs->n_pa, sizeof(*cs->pa), cmp_pacer_login);
	for (i = 0; i < cs->n_cm; i++) {
		if (cs->cm[i].linked[0] == '\0')
			continue;
		key.login = cs->cm[i].linked;
		p = bsearch(&key, cs->pa, cs->n_pa, sizeof(*cs->pa), cmp_pacer_login);
		if (p != NULL)
			p->linked = true;
		else
			cs->cm[i].dangling = true;
	}
}

/* Reads both bases; on failure err says which and why. */
static enum dir_rc
census_read(struct worker *w, const struct config *cfg, unsigned int gen, int64_t deadline,
	    struct census *cs, struct ldconn_err *err)
{
	static char *cm_attrs[] = { "uid", "cn", "mail", "ecfLinkedPacer", "ecfLinkTime",
				    "ecfLinkSecretExpires", "userPassword", NULL };
	static char *pa_attrs[] = { "uid", "cn", "mail", NULL };
	enum dir_rc rc;

	rc = ldconn_search_paged(&w->dc.read, cfg, gen, cfg->cmecf_base,
				 "(objectClass=ecfAccount)", cm_attrs, PAGE_SIZE, deadline,
				 take_cmecf, cs, err);
	if (rc == DIR_NOT_FOUND)
		snprintf(err->msg, sizeof(err->msg), "CM/ECF base %s does not exist",
			 cfg->cmecf_base);
	if (rc != DIR_OK)
		return rc == DIR_NOT_FOUND ? DIR_ERROR : rc;
	rc = ldconn_search_paged(&w->dc.read, cfg, gen, cfg->pacer_base,
				 "(objectClass=pacerAccount)", pa_attrs, PAGE_SIZE, deadline,
				 take_pacer, cs, err);
	if (rc == DIR_NOT_FOUND)
		snprintf(err->msg, sizeof(err->msg), "PACER base %s does not exist",
			 cfg->pacer_base);
	if (rc != DIR_OK)
		return rc == DIR_NOT_FOUND ? DIR_ERROR : rc;
	census_match_links(cs);
	return DIR_OK;
}

/* --- bounded output ------------------------------------------------------- */

/* Text written into cap bytes.  An append that does not fit writes nothing
 * and sets full. */
struct sbuf {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void
sb_init(struct sbuf *s, char *p, size_t cap)
{
	s->p = p;
	s->cap = cap;
	s->len = 0;
	s->full = false;
	p[0] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= s->cap - s->len) {
		s->p[s->len] = '\0';
		s->full = true;
		return;
	}
	s->len += (size_t)n;
}

static void
sb_write(struct sbuf *s, const void *data, size_t n)
{
	if (n >= s->cap - s->len) {
		s->full = true;
		return;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
}

/* Undoes everything appended since mark when it overflowed or passed
 * limit; true when it was kept. */
static bool
sb_keep(struct sbuf *s, size_t mark, size_t limit)
{
	if (!s->full && s->len <= limit)
		return true;
	s->len = mark;
	s->p[mark] = '\0';
	s->full = false;
	return false;
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 when there is none. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned int cp;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Appends str as a JSON string: quote and backslash escaped, control bytes
 * as \u00XX, and a byte that is not valid UTF-8 as U+FFFD, so the document
 * parses whatever the directory holds.
 */
static void
sb_json_str(struct sbuf *s, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	sb_write(s, "\"", 1);
	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (n == 0) {
			sb_printf(s, "\\ufffd");
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			sb_printf(s, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_printf(s, "\\u%04x", *p);
		else
			sb_write(s, p, n);
		p += n;
	}
	sb_write(s, "\"", 1);
}

/*
 * Appends str for a terminal: control bytes as \xHH, at most VALUE_SHOWN
 * bytes (then "..."), padded with spaces to width columns.
 */
static void
sb_text(struct sbuf *s, const char *str, int width)
{
	size_t shown = 0;
	int cols = 0;

	for (; *str != '\0'; str++) {
		unsigned char ch = (unsigned char)*str;

		if (shown >= VALUE_SHOWN) {
			sb_printf(s, "...");
			cols += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f) {
			sb_printf(s, "\\x%02x", ch);
			cols += 4;
		} else {
			sb_write(s, str, 1);
			cols += (ch & 0xc0) != 0x80;	/* one column per UTF-8 character */
		}
		shown++;
	}
	if (cols < width)
		sb_printf(s, "%*s", width - cols, "");
}

/* --- the log line and the common start -------------------------------------- */

struct run_log {
	const char *event;	/* report | lint */
	const char *result;
	const char *reason;
	bool counted;
	size_t cmecf, pacer;
	long long findings;	/* lint only; -1: not counted */
	char detail[2048];
};

static void
log_run(const struct request *rq, const struct run_log *l)
{
	struct kv kv;

	kv_init(&kv);
	kv_str(&kv, "event", l->event);
	kv_int(&kv, "admin_uid", (long long)rq->uid);
	kv_str(&kv, "result", l->result);
	if (l->reason != NULL)
		kv_str(&kv, "reason", l->reason);
	if (l->counted) {
		kv_int(&kv, "cmecf", (long long)l->cmecf);
		kv_int(&kv, "pacer", (long long)l->pacer);
	}
	if (l->findings >= 0)
		kv_int(&kv, "findings", l->findings);
	if (l->detail[0] != '\0')
		kv_quoted(&kv, "detail", l->detail);
	kv_fmt(&kv, "ms", "%.2f", event_elapsed_ms(rq));
	log_event(&kv);
}

static void
fail(const struct request *rq, struct run_log *l, enum proto_status st, const char *reason,
     const char *why, struct proto_buf *b)
{
	proto_put_u32(b, PT_STATUS, st);
	proto_put_str(b, PT_ERROR, why);
	l->result = st == PS_DENIED ? "denied" : "error";
	l->reason = reason;
	if (st != PS_DENIED)
		snprintf(l->detail, sizeof(l->detail), "%s", why);
	log_run(rq, l);
}

/*
 * Checks the caller and takes the census, and makes the two output
 * buffers.  0 when the caller may go on (and must free *text and *json);
 * otherwise the reply and the log line are written.
 */
static int
run_begin(struct worker *w, const struct config *cfg, unsigned int gen,
	  const struct request *rq, int64_t deadline, struct census *cs, struct run_log *l,
	  char **text, char **json, struct proto_buf *b)
{
	struct ldconn_err err = { "" };
	char why[256];
	enum dir_rc rc;

	*text = *json = NULL;
	memset(cs, 0, sizeof(*cs));
	if (!dispatch_peer_in_group(rq, cfg->admin_group)) {
		snprintf(why, sizeof(why), "the %s needs root or socket.admin_group", l->event);
		fail(rq, l, PS_DENIED, "not_admin", why, b);
		return -1;
	}
	rc = census_read(w, cfg, gen, deadline, cs, &err);
	if (rc != DIR_OK) {
		census_free(cs);
		fail(rq, l, rc == DIR_UNAVAILABLE ? PS_UNAVAILABLE : PS_INTERNAL,
		     rc == DIR_UNAVAILABLE ? "ldap_unavailable" : "ldap_error", err.msg, b);
		return -1;
	}
	*text = malloc(PROTO_MAX_STR);
	*json = malloc(PROTO_MAX_STR);
	if (*text == NULL || *json == NULL) {
		free(*text);
		free(*json);
		census_free(cs);
		fail(rq, l, PS_INTERNAL, "no_memory", "out of memory for the reply", b);
		return -1;
	}
	l->counted = true;
	l->cmecf = cs->n_cm;
	l->pacer = cs->n_pa;
	return 0;
}

/* Sends text and json (and PT_RESULT unless result is -1) as the reply,
 * or an error when they did not fit. */
static void
run_reply(const struct request *rq, struct run_log *l, const struct sbuf *text,
	  const struct sbuf *json, int result, struct proto_buf *b)
{
	if (text->full || json->full) {
		fail(rq, l, PS_INTERNAL, "reply_too_large",
		     "the result does not fit a reply (is court.name very long?)", b);
		return;
	}
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_str(b, PT_TEXT, text->p);
	proto_put_str(b, PT_JSON, json->p);
	if (result >= 0)
		proto_put_u32(b, PT_RESULT, (uint32_t)result);
	l->result = "ok";
	log_run(rq, l);
}

/* --- report --------------------------------------------------------------- */

struct tally {
	size_t total, linked, unlinked, locked, pending, expired, dangling;
	size_t pa_total, pa_linked;
	size_t ndays;		/* distinct days with links */
	int day[DAYS_LISTED];	/* YYYYMMDD, oldest first: the most recent days */
	size_t links[DAYS_LISTED];
	size_t nshown;
};

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Counts links per day in the court's time zone (TZ, set at start) and
 * keeps the DAYS_LISTED most recent days.  -1 when out of memory. */
static int
tally_days(const struct census *cs, struct tally *t)
{
	int *days = malloc((cs->n_cm ? cs->n_cm : 1) * sizeof(*days));
	size_t i, n = 0, run;

	if (days == NULL)
		return -1;
	for (i = 0; i < cs->n_cm; i++) {
		struct tm tm;

		if (cs->cm[i].linked[0] == '\0' || cs->cm[i].link_time == 0 ||
		    localtime_r(&cs->cm[i].link_time, &tm) == NULL)
			continue;
		days[n++] = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
	}
	qsort(days, n, sizeof(*days), cmp_int);
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && days[i + run] == days[i]; run++)
			;
		if (t->nshown == DAYS_LISTED) {
			memmove(t->day, t->day + 1, (DAYS_LISTED - 1) * sizeof(*t->day));
			memmove(t->links, t->links + 1, (DAYS_LISTED - 1) * sizeof(*t->links));
			t->nshown--;
		}
		t->day[t->nshown] = days[i];
		t->links[t->nshown] = run;
		t->nshown++;
		t->ndays++;
	}
	free(days);
	return 0;
}

static void
tally(const struct census *cs, time_t now, struct tally *t)
{
	size_t i;

	t->total = cs->n_cm;
	for (i = 0; i < cs->n_cm; i++) {
		const struct cmecf_rec *r = &cs->cm[i];

		if (r->linked[0] != '\0') {
			t->linked++;
			t->dangling += r->dangling;
			continue;
		}
		if (r->usable)
			t->unlinked++;
		else
			t->locked++;
		if (r->secret_expires > now)
			t->pending++;
		else if (r->secret_expires != 0)
			t->expired++;
	}
	t->pa_total = cs->n_pa;
	for (i = 0; i < cs->n_pa; i++)
		t->pa_linked += cs->pa[i].linked;
}

static void
report_text(const struct config *cfg, bool live, const struct tally *t, struct sbuf *s)
{
	char when[64];
	struct tm tm;
	size_t i;

	sb_printf(s, "Court: %s\n", cfg->court_name);
	if (!cfg->golive_set)
		sb_printf(s, "Go-live: not set\n");
	else if (localtime_r(&cfg->golive, &tm) != NULL &&
		 strftime(when, sizeof(when), "%m/%d/%Y %H:%M %Z", &tm) > 0)
		sb_printf(s, "Go-live: %s (%s)\n", when, live ? "live" : "not yet");
	sb_printf(s, "\n%-24s%8zu\n", "CM/ECF accounts", t->total);
	sb_printf(s, "%-24s%8zu\n", "  linked", t->linked);
	if (t->dangling > 0)
		sb_printf(s, "%-24s%8zu\n", "    to a missing PACER", t->dangling);
	sb_printf(s, "%-24s%8zu\n", "  not linked", t->unlinked);
	sb_printf(s, "%-24s%8zu\n", "  locked (no password)", t->locked);
	sb_printf(s, "%-24s%8zu\n", "  reset code pending", t->pending);
	sb_printf(s, "%-24s%8zu\n", "  reset code expired", t->expired);
	sb_printf(s, "%-24s%8zu\n", "PACER accounts", t->pa_total);
	sb_printf(s, "%-24s%8zu\n", "  linked", t->pa_linked);
	sb_printf(s, "%-24s%8zu\n", "  not linked", t->pa_total - t->pa_linked);
	if (t->ndays == 0) {
		sb_printf(s, "\nLinks per day: none yet\n");
		return;
	}
	if (t->ndays > t->nshown)
		sb_printf(s, "\nLinks per day (the %zu most recent of %zu days with links)\n",
			  t->nshown, t->ndays);
	else
		sb_printf(s, "\nLinks per day\n");
	for (i = 0; i < t->nshown; i++)
		sb_printf(s, "  %04d-%02d-%02d%*s%8zu\n", t->day[i] / 10000, t->day[i] / 100 % 100,
			  t->day[i] % 100, 12, "", t->links[i]);
}

static void
report_json(const struct config *cfg, bool live, const struct tally *t, struct sbuf *s)
{
	char when[32];
	struct tm tm;
	size_t i;

	sb_printf(s, "{\"court\":");
	sb_json_str(s, cfg->court_name);
	if (cfg->golive_set && gmtime_r(&cfg->golive, &tm) != NULL &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		sb_printf(s, ",\"golive\":\"%s\"", when);
	else
		sb_printf(s, ",\"golive\":null");
	sb_printf(s, ",\"live\":%s", live ? "true" : "false");
	sb_printf(s, ",\"cmecf\":{\"total\":%zu,\"linked\":%zu,\"linked_missing_pacer\":%zu,"
		     "\"not_linked\":%zu,\"locked\":%zu,\"reset_pending\":%zu,"
		     "\"reset_expired\":%zu}",
		  t->total, t->linked, t->dangling, t->unlinked, t->locked, t->pending,
		  t->expired);
	sb_printf(s, ",\"pacer\":{\"total\":%zu,\"linked\":%zu,\"not_linked\":%zu}",
		  t->pa_total, t->pa_linked, t->pa_total - t->pa_linked);
	sb_printf(s, ",\"days_with_links\":%zu,\"links_per_day\":[", t->ndays);
	for (i = 0; i < t->nshown; i++)
		sb_printf(s, "%s{\"date\":\"%04d-%02d-%02d\",\"links\":%zu}", i ? "," : "",
			  t->day[i] / 10000, t->day[i] / 100 % 100, t->day[i] % 100, t->links[i]);
	sb_printf(s, "]}\n");
}

void
report_run(struct worker *w, const struct config *cfg, unsigned int gen,
	   const struct request *rq, const struct proto_msg *m, int64_t deadline,
	   struct proto_buf *b)
{
	struct run_log l = { .event = "report", .findings = -1 };
	struct sbuf text, json;
	struct census cs;
	struct tally t;
	char *tbuf, *jbuf;
	time_t now = time(NULL);
	bool live = decide_live(cfg, now);

	(void)m;
	if (run_begin(w, cfg, gen, rq, deadline, &cs, &l, &tbuf, &jbuf, b) < 0)
		return;
	memset(&t, 0, sizeof(t));
	tally(&cs, now, &t);
	if (tally_days(&cs, &t) < 0) {
		fail(rq, &l, PS_INTERNAL, "no_memory", "out of memory counting links per day", b);
		goto out;
	}
	sb_init(&text, tbuf, PROTO_MAX_STR);
	sb_init(&json, jbuf, PROTO_MAX_STR);
	report_text(cfg, live, &t, &text);
	report_json(cfg, live, &t, &json);
	run_reply(rq, &l, &text, &json, -1, b);
out:
	census_free(&cs);
	free(tbuf);
	free(jbuf);
}

/* --- lint ------------------------------------------------------------------ */

enum lint_kind {
	LK_BAD_LOGIN,
	LK_CMECF_NO_MAIL,
	LK_PACER_NO_MAIL,
	LK_DUP_NAME,
	LK_SHARED_MAIL,
	LK_DANGLING,
	LK_COUNT
};

static const struct {
	const char *key;	/* JSON name */
	const char *title;	/* text table */
	const char *value;	/* what the value column holds */
} lint_kinds[LK_COUNT] = {
	[LK_BAD_LOGIN] = { "bad_login", "CM/ECF logins with characters outside "
		LOGIN_CHARS_SHOWN, "characters" },
	[LK_CMECF_NO_MAIL] = { "cmecf_no_mail", "CM/ECF accounts without mail", "name" },
	[LK_PACER_NO_MAIL] = { "pacer_no_mail",
		"PACER accounts without mail for the link notice", "name" },
	[LK_DUP_NAME] = { "duplicate_name", "CM/ECF display names (cn) on several accounts",
		"name" },
	[LK_SHARED_MAIL] = { "shared_mail", "CM/ECF mail addresses on several logins", "mail" },
	[LK_DANGLING] = { "dangling_link", "CM/ECF links to a PACER login that does not exist",
		"linked PACER login" },
};

struct finding {
	const char *login;
	const char *value;
	char own[48];		/* value storage for bad_login */
};

struct lint {
	size_t count[LK_COUNT];
	size_t nlist[LK_COUNT];
	struct finding list[LK_COUNT][LINT_LISTED];
	size_t total;
};

/* Counts a finding and lists it while there is room; returns the listed
 * entry, or NULL when it is only counted. */
static struct finding *
add(struct lint *lt, enum lint_kind k, const char *login, const char *value)
{
	struct finding *f;

	lt->count[k]++;
	lt->total++;
	if (lt->nlist[k] == LINT_LISTED)
		return NULL;
	f = &lt->list[k][lt->nlist[k]++];
	f->login = login;
	f->value = value;
	return f;
}

/* Names the characters of login outside LOGIN_CHARS into out ("space @");
 * false when there are none. */
static bool
bad_chars(const char *login, char *out, size_t len)
{
	char seen[256] = { 0 };
	bool found = false;
	size_t o = 0;

	out[0] = '\0';
	for (; *login != '\0'; login++) {
		unsigned char ch = (unsigned char)*login;
		int n;

		if (strchr(LOGIN_CHARS, ch) != NULL || seen[ch])
			continue;
		seen[ch] = 1;
		found = true;
		if (o == len - 1)
			continue;	/* named as many as fit */
		if (ch == ' ')
			n = snprintf(out + o, len - o, "%sspace", o ? " " : "");
		else if (ch > 0x20 && ch < 0x7f)
			n = snprintf(out + o, len - o, "%s%c", o ? " " : "", ch);
		else
			n = snprintf(out + o, len - o, "%s\\x%02x", o ? " " : "", ch);
		if (n < 0 || (size_t)n >= len - o) {
			out[o] = '\0';
			o = len - 1;
			continue;
		}
		o += (size_t)n;
	}
	return found;
}

/* The CM/ECF entries sorted by a key, for grouping equal ones. */
struct keyed {
	const char *key;
	const struct cmecf_rec *r;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->r->login, y->r->login);
}

/* Adds every CM/ECF entry whose key (name_key or mail_key) another entry
 * shares as a finding of kind k; entries without the attribute are not
 * compared.  -1 when out of memory. */
static int
find_shared(const struct census *cs, struct lint *lt, enum lint_kind k, bool by_mail)
{
	struct keyed *v = malloc((cs->n_cm ? cs->n_cm : 1) * sizeof(*v));
	size_t i, j, n = 0;

	if (v == NULL)
		return -1;
	for (i = 0; i < cs->n_cm; i++) {
		const char *key = by_mail ? cs->cm[i].mail_key : cs->cm[i].name_key;

		if (key[0] != '\0')
			v[n++] = (struct keyed){ key, &cs->cm[i] };
	}
	qsort(v, n, sizeof(*v), cmp_keyed);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[j].key, v[i].key) == 0; j++)
			;
		if (j - i < 2)
			continue;
		for (; i < j; i++)
			add(lt, k, v[i].r->login, by_mail ? v[i].r->mail : v[i].r->name);
	}
	free(v);
	return 0;
}

static int
lint_scan(const struct census *cs, struct lint *lt)
{
	size_t i;

	for (i = 0; i < cs->n_cm; i++) {
		const struct cmecf_rec *r = &cs->cm[i];
		char chars[sizeof(lt->list[0][0].own)];
		struct finding *f;

		if (bad_chars(r->login, chars, sizeof(chars)) || r->login[0] == '\0') {
			f = add(lt, LK_BAD_LOGIN, r->login, "");
			if (f != NULL) {
				snprintf(f->own, sizeof(f->own), "%s",
					 chars[0] ? chars : "(empty)");
				f->value = f->own;
			}
		}
		if (r->mail_key[0] == '\0')
			add(lt, LK_CMECF_NO_MAIL, r->login, r->name);
		if (r->dangling)
			add(lt, LK_DANGLING, r->login, r->linked);
	}
	for (i = 0; i < cs->n_pa; i++)
		if (!cs->pa[i].has_mail)
			add(lt, LK_PACER_NO_MAIL, cs->pa[i].login, cs->pa[i].name);
	if (find_shared(cs, lt, LK_DUP_NAME, false) < 0 ||
	    find_shared(cs, lt, LK_SHARED_MAIL, true) < 0)
		return -1;
	return 0;
}

/*
 * How many of kind k's listed entries fit: each kind with findings still
 * to come gets an equal share of the room left, so one large kind cannot
 * crowd out the others.  The entries are appended by the caller.
 */
static size_t
share_limit(const struct sbuf *s, const struct lint *lt, enum lint_kind k)
{
	size_t room, left = 0;
	int j;

	for (j = k; j < LK_COUNT; j++)
		left += lt->count[j] > 0;
	if (s->cap < s->len + OUT_RESERVE || left == 0)
		return s->len;
	room = s->cap - OUT_RESERVE - s->len;
	return s->len + room / left;
}

/* Writes the text form: the counts, then each kind's entries. */
static void
lint_text(const struct config *cfg, const struct census *cs, const struct lint *lt,
	  struct sbuf *s)
{
	size_t i, shown;
	int k;

	sb_printf(s, "Court: %s\n", cfg->court_name);
	sb_printf(s, "Checked: %zu CM/ECF accounts under %s\n", cs->n_cm, cfg->cmecf_base);
	sb_printf(s, "         %zu PACER accounts under %s\n", cs->n_pa, cfg->pacer_base);
	sb_printf(s, "\n%-58s%7s\n", "Finding", "count");
	for (k = 0; k < LK_COUNT; k++)
		sb_printf(s, "  %-56s%7zu\n", lint_kinds[k].title, lt->count[k]);
	for (k = 0; k < LK_COUNT; k++) {
		size_t limit;

		shown = 0;
		if (lt->count[k] == 0)
			continue;
		sb_printf(s, "\n%s (%zu)\n  %-24s %s\n", lint_kinds[k].title, lt->count[k],
			  "login", lint_kinds[k].value);
		limit = share_limit(s, lt, (enum lint_kind)k);
		for (i = 0; i < lt->nlist[k]; i++) {
			size_t mark = s->len;

			sb_printf(s, "  ");
			sb_text(s, lt->list[k][i].login, 24);
			sb_printf(s, " ");
			sb_text(s, lt->list[k][i].value, 0);
			sb_printf(s, "\n");
			if (!sb_keep(s, mark, limit))
				break;
			shown++;
		}
		if (shown < lt->count[k])
			sb_printf(s, "  ... %zu more not listed\n", lt->count[k] - shown);
	}
	if (lt->total == 0)
		sb_printf(s, "\nNo findings.\n");
	else
		sb_printf(s, "\n%zu finding%s.\n", lt->total, lt->total == 1 ? "" : "s");
}

static void
lint_json(const struct config *cfg, const struct census *cs, const struct lint *lt,
	  struct sbuf *s)
{
	bool truncated = false;
	size_t i;
	int k;

	sb_printf(s, "{\"court\":");
	sb_json_str(s, cfg->court_name);
	sb_printf(s, ",\"cmecf_accounts\":%zu,\"pacer_accounts\":%zu", cs->n_cm, cs->n_pa);
	sb_printf(s, ",\"login_chars\":");
	sb_json_str(s, LOGIN_CHARS);
	sb_printf(s, ",\"findings\":%zu,\"kinds\":{", lt->total);
	for (k = 0; k < LK_COUNT; k++) {
		size_t limit, listed = 0;

		sb_printf(s, "%s\"%s\":{\"count\":%zu,\"entries\":[", k ? "," : "",
			  lint_kinds[k].key, lt->count[k]);
		limit = share_limit(s, lt, (enum lint_kind)k);
		for (i = 0; i < lt->nlist[k]; i++) {
			size_t mark = s->len;

			sb_printf(s, "%s{\"login\":", i ? "," : "");
			sb_json_str(s, lt->list[k][i].login);
			sb_printf(s, ",\"value\":");
			sb_json_str(s, lt->list[k][i].value);
			sb_printf(s, "}");
			if (!sb_keep(s, mark, limit))
				break;
			listed++;
		}
		truncated |= listed < lt->count[k];
		sb_printf(s, "],\"listed\":%zu}", listed);
	}
	sb_printf(s, "},\"truncated\":%s}\n", truncated ? "true" : "false");
}

void
lint_run(struct worker *w, const struct config *cfg, unsigned int gen,
	 const struct request *rq, const struct proto_msg *m, int64_t deadline,
	 struct proto_buf *b)
{
	struct run_log l = { .event = "lint", .findings = -1 };
	struct sbuf text, json;
	struct census cs;
	struct lint *lt;
	char *tbuf, *jbuf;

	(void)m;
	if (run_begin(w, cfg, gen, rq, deadline, &cs, &l, &tbuf, &jbuf, b) < 0)
		return;
	lt = calloc(1, sizeof(*lt));
	if (lt == NULL || lint_scan(&cs, lt) < 0) {
		fail(rq, &l, PS_INTERNAL, "no_memory", "out of memory while checking the bases",
		     b);
		goto out;
	}
	l.findings = (long long)lt->total;
	sb_init(&text, tbuf, PROTO_MAX_STR);
	sb_init(&json, jbuf, PROTO_MAX_STR);
	lint_text(cfg, &cs, lt, &text);
	lint_json(cfg, &cs, lt, &json);
	run_reply(rq, &l, &text, &json, lt->total > 0, b);
out:
	free(lt);
	census_free(&cs);
	free(tbuf);
	free(jbuf);
}
