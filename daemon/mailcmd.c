/*
 * mailcmd.c - ADMIN_MAIL, the waiting notices (see mailcmd.h).
 */
#include "mailcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "mailq.h"
#include "textout.h"

/* Writes epoch milliseconds as local "YYYY-MM-DD HH:MM:SS" (the court's zone). */
static void
when(int64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

/* The table; entries that do not fit are counted on the last line. */
static void
table(struct sbuf *s, const struct mailq_entry *e, size_t n, bool retry)
{
	int64_t now = (int64_t)time(NULL) * 1000;
	size_t i, shown = 0;
	time_t oldest = 0;
	char next[32], since[32];

	if (n == 0) {
		sb_printf(s, "No notices are waiting.\n");
		return;
	}
	sb_printf(s, "%-12s %-32s %5s  %-19s  %s\n", "TRANSACTION", "RECIPIENT", "TRIES",
		  "NEXT TRY", "LAST ERROR");
	for (i = 0; i < n; i++) {
		size_t mark = s->len;

		if (oldest == 0 || e[i].since < oldest)
			oldest = e[i].since;
		if (e[i].st.sent)
			snprintf(next, sizeof(next), "never (sent)");
		else if (retry || e[i].st.next_ms <= now)
			snprintf(next, sizeof(next), "now");
		else
			when(e[i].st.next_ms, next, sizeof(next));
		sb_printf(s, "%-12llu ", (unsigned long long)e[i].txn);
		sb_text(s, e[i].to[0] ? e[i].to : "?", 32);
		sb_printf(s, " %5d  %-19s  ", e[i].st.tries, next);
		sb_text(s, e[i].st.error[0] ? e[i].st.error : "-", 0);
		sb_printf(s, "\n");
		/* Room kept for the summary lines. */
		if (!sb_keep(s, mark, s->cap - 200))
			break;
		shown++;
	}
	if (shown < n)
		sb_printf(s, "... and %zu more not shown\n", n - shown);
	when((int64_t)oldest * 1000, since, sizeof(since));
	sb_printf(s, "%zu notice%s waiting; the oldest since %s%s\n", n, n == 1 ? "" : "s", since,
		  retry ? "; all are being tried now" : "");
}

void
mailcmd_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	const char *action = "list";
	struct mailq_entry *e = NULL;
	uint32_t retry = 0;
	struct sbuf s;
	size_t n = 0;
	char *text;

	if (proto_u32(m, PT_RETRY, &retry) == 0 && retry > 1) {
		proto_put_u32(b, PT_STATUS, PS_BAD_REQUEST);
		proto_put_str(b, PT_ERROR, "PT_RETRY must be 0 or 1");
		event_mail_queue(c->rq, "list", -1, "error", "bad_request", "PT_RETRY not 0 or 1");
		return;
	}
	if (retry)
		action = "retry";
	text = malloc(PROTO_MAX_STR);
	if (text == NULL || c->cfg->spool_dir == NULL ||
	    mailq_list(c->cfg->spool_dir, &e, &n) < 0) {
		proto_put_u32(b, PT_STATUS, PS_INTERNAL);
		proto_put_str(b, PT_ERROR, text == NULL ? "out of memory for the reply"
				  : "cannot read the mail spool (see ecflinkd's log)");
		event_mail_queue(c->rq, action, -1, "error", text == NULL ? "no_memory" :
				 "spool_read", NULL);
		free(text);
		return;
	}
	if (retry)
		mailq_request_retry();
	sb_init(&s, text, PROTO_MAX_STR);
	table(&s, e, n, retry);
	proto_put_u32(b, PT_STATUS, PS_OK);
	proto_put_str(b, PT_TEXT, text);
	proto_put_u32(b, PT_COUNT, (uint32_t)n);
	event_mail_queue(c->rq, action, (long)n, "ok", NULL, NULL);
	free(e);
	free(text);
}
