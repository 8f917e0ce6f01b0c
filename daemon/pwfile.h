/*
 * pwfile.h - the file that holds the password of ldap.bind_dn.
 */
#ifndef ECFLINK_PWFILE_H
#define ECFLINK_PWFILE_H

#include <stdbool.h>
#include <stddef.h>

/* The daemon's group as packaged: it may read the file, no one else. */
#define PWFILE_GROUP "ecflink"

/*
 * Reads the bind password from path into a new string (*out, for the
 * caller to wipe and free), after checking that the file is regular, owned
 * by root or this process, in the daemon's group (root's, this process's,
 * daemon_user's primary group, or PWFILE_GROUP; daemon_user may be
 * NULL), not writable by that group and neither readable nor writable by
 * others.  who names the bind DN in the advice.  As for OpenLDAP's
 * "ldapwhoami -y", the whole file is the password, except that one
 * trailing newline is accepted and reported in *newline (ldapwhoami would
 * send it: ecflinkd -t warns); a second line, a NUL byte or a trailing CR
 * is refused.
 */
int pwfile_read(const char *path, const char *who, const char *daemon_user, char **out,
		     bool *newline, char *why, size_t len);

#endif
