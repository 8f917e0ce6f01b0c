/*
 * handler.h - ecflink-web's HTTP requests: routing, sessions, CSRF,
 * limits and headers, on libmicrohttpd.
 *
 * Bodies are application/x-www-form-urlencoded of at most HANDLER_BODY_MAX
 * bytes; anything larger is answered 413 without being read.  Every
 * response carries the strict headers (Content-Security-Policy,
 * X-Frame-Options: DENY, Referrer-Policy: no-referrer, no-store).
 */
#ifndef ECFLINK_HANDLER_H
#define ECFLINK_HANDLER_H

#include <microhttpd.h>
#include <stddef.h>

#include "webconf.h"

#define HANDLER_BODY_MAX 4096
#define HANDLER_COOKIE "ecflink_session"

/* Reads the logo (if any) and keeps cfg; 0, or -1 with err set. */
int handler_init(const struct webconf *cfg, char *err, size_t errlen);

enum MHD_Result handler_access(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **req_cls);
void handler_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		       enum MHD_RequestTerminationCode toe);

#endif
