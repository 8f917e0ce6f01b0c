/*
 * args.h - pam_ecflink's module arguments, parsed once per PAM call.
 *
 * The module has no configuration file: everything it needs is an argument
 * on its line in /etc/pam.d.  A bad value keeps the default and an unknown
 * argument is ignored; both are reported through the log callback, which
 * the module points at pam_syslog and the unit tests at a recorder.
 */
#ifndef ECFLINK_ARGS_H
#define ECFLINK_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#define ARGS_DEFAULT_SOCKET "/run/ecflink/ecflinkd.sock"
#define ARGS_DEFAULT_TIMEOUT_MS 3000
#define ARGS_MAX_TIMEOUT_MS 60000
#define ARGS_SOCKET_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct args {
	uint32_t realm;			/* enum proto_realm; default PR_REALM_CMECF */
	bool authenticate;		/* verify the password through the daemon */
	bool redaction;			/* require the notice acknowledgement */
	bool debug;
	bool ignore_unknown_user;	/* PAM_IGNORE instead of PAM_USER_UNKNOWN */
	bool use_first_pass;		/* read by pam_get_authtok from argv itself */
	bool try_first_pass;
	bool silent;			/* PAM_SILENT was passed */
	unsigned int timeout_ms;	/* bound on each round trip to the daemon */
	char socket[ARGS_SOCKET_MAX];	/* absolute path, fits sun_path */
};

/* Receives one complete log message (priority is a syslog LOG_* level). */
typedef void args_log_fn(void *ctx, int priority, const char *msg);

/*
 * Sets every default in a, then applies argv in order (a later argument
 * wins).  flags are the PAM flags of the call (PAM_SILENT is kept).  Each
 * problem is one message through log (which may be NULL: then nothing is
 * reported).  Never fails: a bad argument leaves its default in force.
 */
void args_parse(struct args *a, int flags, int argc, const char **argv, args_log_fn *log,
		void *ctx);

#endif
