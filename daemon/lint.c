/*
 * lint.c - the pre-go-live check of both bases, ADMIN_LINT (see lint.h).
 *
 * Lists at most LINT_LISTED entries per kind of finding, with the full
 * counts.
 */
#include "lint.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

#define LINT_LISTED 50		/* entries listed per lint kind */
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
lint_run(struct req_ctx *c, const struct proto_msg *m, struct proto_buf *b)
{
	struct bulk k;
	struct lint *lt;

	(void)m;
	if (bulk_begin(&k, c, "lint", b) < 0)
		return;
	lt = calloc(1, sizeof(*lt));
	if (lt == NULL || lint_scan(&k.cs, lt) < 0) {
		bulk_fail(&k, PS_INTERNAL, "no_memory", "out of memory while checking the bases");
	} else {
		k.findings = (long long)lt->total;
		lint_text(c->cfg, &k.cs, lt, &k.text);
		lint_json(c->cfg, &k.cs, lt, &k.json);
		bulk_reply(&k, lt->total > 0);
	}
	free(lt);
	bulk_end(&k);
}
