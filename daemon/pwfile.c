/*
 * pwfile.c - the LDAP bind password file (see pwfile.h).
 */
#include "pwfile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockio.h"

#define PASSWORD_MAX 1024

/* True when gid is root's, this process's, daemon_user's or the package's group. */
static bool
daemon_group(gid_t gid, const char *daemon_user)
{
	char buf[4096];
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;

	if (gid == 0 || gid == getegid())
		return true;
	if (daemon_user != NULL && getpwnam_r(daemon_user, &pw, buf, sizeof(buf), &pres) == 0 &&
	    pres != NULL && pw.pw_gid == gid)
		return true;
	return getgrnam_r(PWFILE_GROUP, &gr, buf, sizeof(buf), &gres) == 0 && gres != NULL &&
	       gr.gr_gid == gid;
}

/* Checks who may read and change the password file open as fd. */
static int
secret_file_ok(int fd, const char *path, const char *daemon_user, char *why, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return sockio_errf(why, len, "%s is not a regular file", path);
	if ((st.st_mode & 007) != 0)
		return sockio_errf(why, len, "%s has mode %04o, so other users can read or change the "
				    "LDAP password; run chmod 0640 %s", path,
			  (unsigned)(st.st_mode & 07777), path);
	if ((st.st_mode & 020) != 0)
		return sockio_errf(why, len, "%s has mode %04o, so its group can change the LDAP "
				    "password; run chmod 0640 %s", path,
			  (unsigned)(st.st_mode & 07777), path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return sockio_errf(why, len, "%s is owned by uid %u, who could change the LDAP password; "
				    "run chown root %s", path, (unsigned)st.st_uid, path);
	if (!daemon_group(st.st_gid, daemon_user))
		return sockio_errf(why, len, "%s is in group %u, not root's or the daemon's, so that "
				    "group's members can read the LDAP password; run chgrp %s %s",
			  path, (unsigned)st.st_gid,
			  daemon_user != NULL ? daemon_user : PWFILE_GROUP, path);
	return 0;
}

/* Reads all of fd, up to cap - 1 bytes, into buf; -1 on a read error. */
static ssize_t
read_all(int fd, char *buf, size_t cap)
{
	size_t used = 0;
	ssize_t got;

	while (used < cap - 1) {
		got = read(fd, buf + used, cap - 1 - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (got == 0)
			break;
		used += (size_t)got;
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

/* Why buf (n bytes, the file less one trailing newline) is not one
 * password, or NULL when it is. */
static const char *
not_one_password(const char *buf, size_t n)
{
	if (memchr(buf, '\0', n) != NULL)
		return "a NUL byte";
	if (memchr(buf, '\n', n) != NULL)
		return "more than one line";
	if (buf[n - 1] == '\r')
		return "a carriage return at its end";
	return NULL;
}

int
pwfile_read(const char *path, const char *who, const char *daemon_user, char **out,
		 bool *newline, char *why, size_t len)
{
	char buf[PASSWORD_MAX + 3];
	const char *extra;
	ssize_t got;
	size_t n;
	int fd, rc = -1;

	*out = NULL;
	*newline = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return sockio_errf(why, len, "%s does not exist; create it (mode 0640) and write the "
				    "password of %s into it, without a newline: printf '%%s' "
				    "PASSWORD > %s", path, who, path);
	if (fd < 0)
		return sockio_errf(why, len, "cannot open %s: %s", path, strerror(errno));
	if (secret_file_ok(fd, path, daemon_user, why, len) < 0)
		goto out;
	if ((got = read_all(fd, buf, sizeof(buf))) < 0) {
		sockio_errf(why, len, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	n = (size_t)got;
	if (n > 0 && buf[n - 1] == '\n') {
		buf[--n] = '\0';
		*newline = true;
	}
	if (n == 0)
		sockio_errf(why, len, "%s is empty; write the password of %s into it, without a newline: "
			     "printf '%%s' PASSWORD > %s", path, who, path);
	else if (n > PASSWORD_MAX)
		sockio_errf(why, len, "%s is longer than %d bytes", path, PASSWORD_MAX);
	else if ((extra = not_one_password(buf, n)) != NULL)
		sockio_errf(why, len, "%s holds more than the password (%s); the whole file is the "
			     "password, as for ldapwhoami -y: printf '%%s' PASSWORD > %s", path,
		   extra, path);
	else if ((*out = strdup(buf)) == NULL)
		sockio_errf(why, len, "out of memory reading %s", path);
	else
		rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
