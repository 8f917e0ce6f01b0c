/*
 * rundir.h - the socket's directory, made at start when it is missing.
 */
#ifndef ECFLINK_RUNDIR_H
#define ECFLINK_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Makes sure the directory of socket_path exists.  When it is missing and
 * its parent exists, creates it (mode 0755) and, when running as root with
 * user set (daemon.user), gives it to that user, as systemd's
 * RuntimeDirectory= would.  Returns 0 and sets *created when it made the
 * directory; -1 with err (errlen bytes) saying what failed.
 */
int rundir_ensure(const char *socket_path, const char *user, bool *created, char *err,
		  size_t errlen);

#endif
