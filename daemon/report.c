/*
 * report.c - migration progress, ADMIN_REPORT (see report.h).
 *
 * A court has up to ~100k entries while a reply field holds 16 KiB, so the
 * report is an aggregate: counts by state, and links per day.
 */
#include "report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "decide.h"

#define DAYS_LISTED 31		/* links-per-day rows: the most recent days with links */

struct tally {
	size_t total, linked, unlinked, locked, pending, expired, dangling;
	size_t pa_total, pa_linked, pa_not_upgraded;
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
	for (i = 0; i < cs->n_pa; i++) {
		t->pa_linked += cs->pa[i].linked;
		t->pa_not_upgraded += cs->pa[i].not_upgraded;
	}
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
	sb_printf(s, "%-24s%8zu\n", "  not upgraded", t->pa_not_upgraded);
	if (t->ndays == 0) {
		sb_printf(s, "\nLinks per day: none yet\n");
		return;
	}
	/* Days are the court's (TZ, set at start), as every date shown. */
	if (t->ndays > t->nshown)
		sb_printf(s, "\nLinks per day, %s dates (the %zu most recent of %zu days with "
			     "links)\n", cfg->timezone ? cfg->timezone : "local", t->nshown,
			  t->ndays);
	else
		sb_printf(s, "\nLinks per day, %s dates\n",
			  cfg->timezone ? cfg->timezone : "local");
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
	sb_printf(s, ",\"pacer\":{\"total\":%zu,\"linked\":%zu,\"not_linked\":%zu,"
		     "\"not_upgraded\":%zu}",
		  t->pa_total, t->pa_linked, t->pa_total - t->pa_linked, t->pa_not_upgraded);
	sb_printf(s, ",\"days_with_links\":%zu,\"links_per_day\":[", t->ndays);
	for (i = 0; i < t->nshown; i++)
		sb_printf(s, "%s{\"date\":\"%04d-%02d-%02d\",\"links\":%zu}", i ? "," : "",
			  t->day[i] / 10000, t->day[i] / 100 % 100, t->day[i] % 100, t->links[i]);
	sb_printf(s, "]}\n");
}

void
report_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct bulk k;
	struct tally t;
	time_t now = time(NULL);
	bool live = decide_live(c->cfg, now);

	(void)m;
	if (bulk_begin(&k, c, "report", b) < 0)
		return;
	memset(&t, 0, sizeof(t));
	tally(&k.cs, now, &t);
	if (tally_days(&k.cs, &t) < 0) {
		bulk_fail(&k, PS_INTERNAL, "no_memory", "out of memory counting links per day");
	} else {
		report_text(c->cfg, live, &t, &k.text);
		report_json(c->cfg, live, &t, &k.json);
		bulk_reply(&k, -1);
	}
	bulk_end(&k);
}
