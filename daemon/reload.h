/*
 * reload.h - SIGHUP: reads the configuration file again.  A file with any
 * fault is logged and ignored (the running configuration stays); keys
 * that cannot change live (socket.path, ldap.pool_size ...) keep their
 * running value, with a warning that a restart is needed.  The cache is
 * emptied, the redaction notice read again and the audit file reopened
 * (so a rotation starts a new one).  One event=reload line either way.
 */
#ifndef ECFLINK_RELOAD_H
#define ECFLINK_RELOAD_H

#include <sys/types.h>

/* Called in the event loop; sender is the uid that sent the signal. */
void reload_config(const char *path, uid_t sender);

#endif
