/*
 * pages.c - the linking screens (see pages.h).
 *
 * Markup follows the U.S. Web Design System's form patterns: a label above
 * each field, an error summary at the top linking to each field in error,
 * one primary button per form, the page title naming the step.  No
 * script, no inline style (the Content-Security-Policy forbids both).
 */
#include "pages.h"

#include <stdio.h>
#include <string.h>

#include "proto.h"

/* Colours: text #1b1b1b on white 17:1, links and buttons #005ea2 7.1:1,
 * errors #b50909 7.4:1, hints #565c65 6.6:1, banner white on #162e51. */
const char pages_css[] =
	"*,*::before,*::after{box-sizing:border-box}\n"
	"html{font-size:100%}\n"
	"body{margin:0;font-family:\"Source Sans Pro\",\"Helvetica Neue\",Helvetica,Arial,"
	"sans-serif;line-height:1.5;color:#1b1b1b;background:#fff}\n"
	"a{color:#005ea2}\n"
	"a:visited{color:#54278f}\n"
	":focus{outline:0.25rem solid #2491ff;outline-offset:0}\n"
	".skip{position:absolute;left:-999em;top:0;background:#fff;color:#005ea2;padding:.5rem}\n"
	".skip:focus{left:0}\n"
	".banner{background:#162e51;color:#fff;padding:.75rem 1rem;display:flex;"
	"flex-wrap:wrap;align-items:center;gap:.75rem}\n"
	".banner .logo{width:3.5rem;height:3.5rem;flex:none}\n"
	".banner p{margin:0}\n"
	".court{font-weight:700;font-size:1.1rem}\n"
	".system{font-size:.95rem}\n"
	".who{flex-basis:100%;font-size:.95rem;display:flex;flex-wrap:wrap;gap:.5rem;"
	"align-items:center}\n"
	".who form{display:inline}\n"
	".who button{background:transparent;color:#fff;border:1px solid #fff;padding:.2rem .6rem;"
	"min-height:2rem;font-size:.9rem}\n"
	"main{max-width:40rem;padding:1rem;margin:0 auto}\n"
	"h1{font-size:1.6rem;line-height:1.2;margin:.5rem 0 1rem}\n"
	"h2{font-size:1.2rem;margin:1rem 0 .5rem}\n"
	".field{margin:0 0 1.25rem}\n"
	"label{display:block;font-weight:700;margin-bottom:.25rem}\n"
	".hint{font-weight:400;color:#565c65}\n"
	"input[type=text],input[type=password]{display:block;width:100%;max-width:30rem;"
	"font-size:1rem;padding:.5rem;border:1px solid #565c65;border-radius:0;color:#1b1b1b;"
	"background:#fff;min-height:2.75rem}\n"
	"input[aria-invalid=true]{border:.25rem solid #b50909}\n"
	".field-error{display:block;color:#b50909;font-weight:700;margin-bottom:.25rem}\n"
	".buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.5rem 0}\n"
	"button{font-size:1rem;font-weight:700;padding:.6rem 1.25rem;min-height:2.75rem;"
	"border-radius:.25rem;border:2px solid #005ea2;background:#fff;color:#005ea2;"
	"cursor:pointer}\n"
	"button.primary{background:#005ea2;color:#fff}\n"
	"button.primary:hover{background:#1a4480;border-color:#1a4480}\n"
	".error-summary{border-left:.5rem solid #b50909;background:#f4e3db;padding:.75rem 1rem;"
	"margin:0 0 1.5rem}\n"
	".error-summary h2{margin-top:0}\n"
	".error-summary a{color:#1b1b1b;font-weight:700}\n"
	".warning{border-left:.5rem solid #ffbe2e;background:#faf3d1;padding:.75rem 1rem;"
	"margin:1rem 0}\n"
	".success{border-left:.5rem solid #00a91c;background:#ecf3ec;padding:.75rem 1rem;"
	"margin:1rem 0}\n"
	".info{border-left:.5rem solid #00bde3;background:#e7f6f8;padding:.75rem 1rem;"
	"margin:1rem 0}\n"
	".notice{border-top:1px solid #dfe1e2;margin-top:2rem;padding-top:1rem;font-size:.95rem}\n"
	".menu,.menu ul{list-style:none;padding-left:1rem;margin:.25rem 0}\n"
	".menu{padding-left:0}\n"
	".menu .off{color:#565c65}\n"
	"table.names{border-collapse:collapse;width:100%;margin:1rem 0;table-layout:fixed}\n"
	"table.names caption{text-align:left;font-weight:700;margin-bottom:.25rem}\n"
	"table.names th,table.names td{border:1px solid #a9aeb1;padding:.5rem;text-align:left;"
	"vertical-align:top;overflow-wrap:anywhere}\n"
	"table.names thead th{background:#f0f0f0}\n"
	"dl.facts dt{font-weight:700}\n"
	"dl.facts dd{margin:0 0 .75rem}\n"
	"footer{border-top:1px solid #dfe1e2;background:#f0f0f0;padding:1rem;margin-top:2rem}\n"
	"footer p{max-width:40rem;margin:0 auto}\n"
	"@media (max-width:30em){h1{font-size:1.35rem}button{flex:1 1 auto}}\n";

const size_t pages_css_len = sizeof(pages_css) - 1;

static const char notice_text[] =
	"This is a restricted government web site for official PACER use only. Unauthorized "
	"entry is prohibited and subject to prosecution under Title 18 of the U.S. Code. All "
	"activities and access attempts are logged.";

static void
head(struct html *h, const struct page *p, const char *step)
{
	const struct webconf *c = p->cfg;

	html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	if (p->n_errors > 0 || p->alert != NULL)
		html_raw(h, "Error: ");
	html_text(h, step);
	html_raw(h, " - ");
	html_text(h, c->court_name);
	html_raw(h, "</title>\n<link rel=\"stylesheet\" href=\"");
	html_text(h, c->prefix);
	html_raw(h, "/style.css\">\n</head>\n<body>\n"
		    "<a class=\"skip\" href=\"#main\">Skip to main content</a>\n"
		    "<header class=\"banner\">\n");
	if (c->logo != NULL) {
		html_raw(h, "<img class=\"logo\" src=\"");
		html_text(h, c->prefix);
		html_raw(h, "/logo\" alt=\"Seal of the ");
		html_text(h, c->court_name);
		html_raw(h, "\">\n");
	}
	html_raw(h, "<div>\n<p class=\"court\">");
	html_text(h, c->court_name);
	html_raw(h, "</p>\n<p class=\"system\">CM/ECF and PACER account linking</p>\n</div>\n");
	if (p->s != NULL && p->s->state != SS_ANON) {
		html_raw(h, "<div class=\"who\"><span>PACER user <strong>");
		html_text(h, p->s->pacer);
		html_raw(h, "</strong></span>");
		if (!p->s->sso) {
			html_raw(h, "<form method=\"post\" action=\"");
			html_text(h, c->prefix);
			html_raw(h, "/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
			html_text(h, p->s->csrf);
			html_raw(h, "\"><button type=\"submit\">Log out</button></form>");
		}
		html_raw(h, "</div>\n");
	}
	html_raw(h, "</header>\n<main id=\"main\">\n");
}

static void
foot(struct html *h, const struct page *p)
{
	html_raw(h, "</main>\n<footer>\n<p>");
	html_text(h, p->cfg->contact);
	html_raw(h, "</p>\n</footer>\n</body>\n</html>\n");
}

/* The USWDS error summary: a refusal and/or one link per field in error. */
static void
error_summary(struct html *h, const struct page *p)
{
	size_t i;

	if (p->n_errors == 0 && p->alert == NULL)
		return;
	html_raw(h, "<div class=\"error-summary\" role=\"alert\" aria-labelledby=\"error-heading\">"
		    "\n<h2 id=\"error-heading\">There is a problem</h2>\n");
	if (p->alert != NULL) {
		html_raw(h, "<p>");
		html_text(h, p->alert);
		html_raw(h, "</p>\n");
	}
	if (p->n_errors > 0) {
		html_raw(h, "<ul>\n");
		for (i = 0; i < p->n_errors; i++) {
			html_raw(h, "<li><a href=\"#");
			html_text(h, p->errors[i].field);
			html_raw(h, "\">");
			html_text(h, p->errors[i].text);
			html_raw(h, "</a></li>\n");
		}
		html_raw(h, "</ul>\n");
	}
	html_raw(h, "</div>\n");
}

static const char *
field_error(const struct page *p, const char *field)
{
	size_t i;

	for (i = 0; i < p->n_errors; i++)
		if (strcmp(p->errors[i].field, field) == 0)
			return p->errors[i].text;
	return NULL;
}

/* One labelled input; type is text or password. */
static void
input(struct html *h, const struct page *p, const char *id, const char *label,
      const char *hint, const char *type, const char *autocomplete)
{
	const char *err = field_error(p, id);

	html_raw(h, "<div class=\"field\">\n<label for=\"");
	html_raw(h, id);
	html_raw(h, "\">");
	html_text(h, label);
	if (hint != NULL) {
		html_raw(h, " <span class=\"hint\">");
		html_text(h, hint);
		html_raw(h, "</span>");
	}
	html_raw(h, "</label>\n");
	if (err != NULL) {
		html_fmt(h, "<span class=\"field-error\" id=\"%s-error\">", id);
		html_text(h, err);
		html_raw(h, "</span>\n");
	}
	html_fmt(h, "<input id=\"%s\" name=\"%s\" type=\"%s\" autocomplete=\"%s\" "
		    "maxlength=\"256\" spellcheck=\"false\" autocapitalize=\"none\"",
		 id, id, type, autocomplete);
	if (err != NULL)
		html_fmt(h, " aria-invalid=\"true\" aria-describedby=\"%s-error\"", id);
	html_raw(h, ">\n</div>\n");
}

static void
form_open(struct html *h, const struct page *p, const char *path)
{
	html_raw(h, "<form method=\"post\" action=\"");
	html_text(h, p->cfg->prefix);
	html_raw(h, path);
	html_raw(h, "\" novalidate>\n<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(h, p->s != NULL ? p->s->csrf : "");
	html_raw(h, "\">\n");
}

void
page_login(struct html *h, const struct page *p)
{
	head(h, p, "PACER Login");
	html_raw(h, "<h1>PACER Login</h1>\n");
	error_summary(h, p);
	html_raw(h, "<p>Log in with your upgraded PACER account to link it to your CM/ECF "
		    "e-filing account in this court.</p>\n");
	form_open(h, p, "/login");
	input(h, p, "login", "PACER username", NULL, "text", "username");
	input(h, p, "password", "Password", NULL, "password", "current-password");
	input(h, p, "client_code", "Client Code", "(optional)", "text", "off");
	html_raw(h, "<div class=\"buttons\">\n<button type=\"submit\" class=\"primary\">Login"
		    "</button>\n<button type=\"reset\">Clear</button>\n</div>\n</form>\n"
		    "<div class=\"notice\">\n<p><strong>NOTICE:</strong> ");
	html_text(h, notice_text);
	html_raw(h, "</p>\n</div>\n");
	foot(h, p);
}

static void
link_menu(struct html *h, const struct page *p)
{
	html_raw(h, "<nav aria-labelledby=\"menu-heading\">\n<h2 id=\"menu-heading\">Menu</h2>\n"
		    "<ul class=\"menu\">\n<li>Utilities\n<ul>\n"
		    "<li>NextGen Release 1.1 Menu Items\n<ul>\n<li><a href=\"");
	html_text(h, p->cfg->prefix);
	html_raw(h, "/link\">Link a CM/ECF account to my PACER account</a></li>\n</ul>\n</li>\n"
		    "</ul>\n</li>\n</ul>\n</nav>\n");
}

void
page_menu(struct html *h, const struct page *p)
{
	const struct session *s = p->s;

	if (s->state == SS_LINKED) {
		head(h, p, "Accounts linked");
		html_raw(h, "<h1>Your accounts are linked</h1>\n<p>Your PACER account <strong>");
		html_text(h, s->pacer);
		html_raw(h, "</strong> is linked to CM/ECF account <strong>");
		html_text(h, s->linked);
		html_raw(h, "</strong> in this court. Use your upgraded PACER account to e-file in "
			    "this court. Only the court can undo a link.</p>\n");
		foot(h, p);
		return;
	}
	head(h, p, "PACER Search only");
	html_raw(h, "<h1>PACER Search only</h1>\n<p>Your PACER account is not linked to a CM/ECF "
		    "e-filing account in this court. Until you link your two accounts you will "
		    "not be able to e-file; you have PACER Search access only.</p>\n");
	if (s->notice[0] != '\0') {
		html_raw(h, "<div class=\"info\"><p>");
		html_text(h, s->notice);
		html_raw(h, "</p></div>\n");
	}
	link_menu(h, p);
	foot(h, p);
}

void
page_link(struct html *h, const struct page *p)
{
	head(h, p, "Link a CM/ECF account to my PACER account");
	html_raw(h, "<h1>Link a CM/ECF account to my PACER account</h1>\n");
	error_summary(h, p);
	html_raw(h, "<p>This utility links your PACER account with your e-filer account in this "
		    "court.</p>\n<p>If you use CM/ECF for PACER only, no action is necessary.</p>\n"
		    "<p>Enter your CM/ECF login and CM/ECF password, or the reset code the court "
		    "gave you for linking.</p>\n");
	form_open(h, p, "/link");
	input(h, p, "cmecf_login", "CM/ECF login", NULL, "text", "off");
	input(h, p, "cmecf_password", "CM/ECF password", NULL, "password", "off");
	input(h, p, "reset_code", "Reset code", "(only if the court gave you one)", "text", "off");
	html_raw(h, "<div class=\"buttons\">\n<button type=\"submit\" class=\"primary\">Submit"
		    "</button>\n<button type=\"reset\">Clear</button>\n</div>\n</form>\n"
		    "<p>If you do not know your password you can contact the court to have it reset "
		    "for linking purposes. ");
	html_text(h, p->cfg->contact);
	html_raw(h, "</p>\n");
	foot(h, p);
}

static const char *
grade_words(uint32_t g)
{
	switch (g) {
	case PG_EXACT: return "the same.";
	case PG_EQUIVALENT: return "written differently (the same once spacing, case and "
				   "numbers are set aside).";
	case PG_SIMILAR: return "similar but not the same.";
	default: return "different.";
	}
}

void
page_confirm(struct html *h, const struct page *p)
{
	const struct session *s = p->s;

	head(h, p, "Confirm the link");
	html_raw(h, "<h1>Do you want to link these accounts?</h1>\n<table class=\"names\">\n"
		    "<caption>The two accounts</caption>\n<thead><tr><td></td>"
		    "<th scope=\"col\">CM/ECF account</th><th scope=\"col\">PACER account</th>"
		    "</tr></thead>\n<tbody>\n<tr><th scope=\"row\">Name</th><td>");
	html_text(h, s->cmecf_name);
	html_raw(h, "</td><td>");
	html_text(h, s->pacer_name);
	html_raw(h, "</td></tr>\n<tr><th scope=\"row\">Login</th><td>");
	html_text(h, s->cmecf_login);
	html_raw(h, "</td><td>");
	html_text(h, s->pacer);
	html_raw(h, "</td></tr>\n</tbody>\n</table>\n<p>The names on the two accounts are ");
	html_raw(h, grade_words(s->grade));
	html_raw(h, "</p>\n<div class=\"warning\"><p><strong>Warning:</strong> After you submit "
		    "this screen, your old e-filing credentials for the CM/ECF account will be "
		    "permanently linked to your upgraded PACER account. Use your upgraded PACER "
		    "account to e-file in this court.</p></div>\n");
	form_open(h, p, "/confirm");
	html_raw(h, "<div class=\"buttons\">\n<button type=\"submit\" name=\"action\" "
		    "value=\"link\" class=\"primary\">Submit</button>\n<button type=\"submit\" "
		    "name=\"action\" value=\"cancel\">Cancel</button>\n</div>\n</form>\n");
	foot(h, p);
}

void
page_done(struct html *h, const struct page *p)
{
	const struct session *s = p->s;

	head(h, p, "Accounts linked");
	html_raw(h, "<h1>Accounts linked</h1>\n<div class=\"success\" role=\"status\"><p>Your "
		    "PACER account has been linked to your CM/ECF account</p></div>\n"
		    "<dl class=\"facts\">\n<dt>Transaction ID</dt><dd>");
	html_fmt(h, "%llu", (unsigned long long)s->txn);
	html_raw(h, "</dd>\n<dt>CM/ECF account</dt><dd>");
	html_text(h, s->linked);
	html_raw(h, "</dd>\n<dt>PACER account</dt><dd>");
	html_text(h, s->pacer);
	html_raw(h, "</dd>\n</dl>\n<p>An email notification of this transaction will be sent to "
		    "the email address of your PACER account.</p>\n<p>Use your upgraded PACER "
		    "account to e-file in this court; the old CM/ECF login and password no longer "
		    "work.</p>\n");
	foot(h, p);
}

void
page_message(struct html *h, const struct page *p, const char *title, const char *text,
	     const char *next_path, const char *next_label)
{
	head(h, p, title);
	html_raw(h, "<h1>");
	html_text(h, title);
	html_raw(h, "</h1>\n<p>");
	html_text(h, text);
	html_raw(h, "</p>\n");
	if (next_path != NULL) {
		html_raw(h, "<p><a href=\"");
		html_text(h, p->cfg->prefix);
		html_raw(h, next_path);
		html_raw(h, "\">");
		html_text(h, next_label);
		html_raw(h, "</a></p>\n");
	}
	foot(h, p);
}
