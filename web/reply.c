/*
 * reply.c - the pages every ecflink-web screen answers with (see reply.h).
 */
#include "reply.h"

#include <microhttpd.h>

static const struct webconf *cfg;

const char reply_unavailable[] =
	"Linking is temporarily unavailable. Nothing was changed. Please try again later.";

void
reply_init(const struct webconf *c)
{
	cfg = c;
}

void
reply_redirect(struct reply *rp, const char *path)
{
	rp->status = MHD_HTTP_SEE_OTHER;
	rp->location = path;
}

void
reply_message(struct reply *rp, const struct session *s, unsigned status, const char *title,
	      const char *text, const char *next, const char *label)
{
	struct page p = { .cfg = cfg, .s = s };

	rp->status = status;
	page_message(&rp->h, &p, title, text, next, label);
}

void
reply_unavailable_page(struct reply *rp, const struct session *s, const char *next,
		       const char *label)
{
	reply_message(rp, s, MHD_HTTP_SERVICE_UNAVAILABLE, "Linking is temporarily unavailable",
		      reply_unavailable, next, label);
}

void
reply_login(struct reply *rp, const struct session *s, const struct field_error *errs, size_t n,
	    const char *alert)
{
	struct page p = { .cfg = cfg, .s = s, .errors = errs, .n_errors = n, .alert = alert };

	rp->status = MHD_HTTP_OK;
	page_login(&rp->h, &p);
}

void
reply_link(struct reply *rp, const struct session *s, const struct field_error *errs, size_t n,
	   const char *alert)
{
	struct page p = { .cfg = cfg, .s = s, .errors = errs, .n_errors = n, .alert = alert };

	rp->status = MHD_HTTP_OK;
	page_link(&rp->h, &p);
}
