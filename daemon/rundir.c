/*
 * rundir.c - the socket's directory (/run/ecflink), made at start when the
 * daemon runs without systemd's RuntimeDirectory=.
 */
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
rundir_ensure(const char *socket_path, const char *user, bool *created, char *err,
	      size_t errlen)
{
	char copy[4096], *dir;
	struct passwd *pw;
	struct stat st;
	int fd = -1, rc = -1;

	*created = false;
	if ((size_t)snprintf(copy, sizeof(copy), "%s", socket_path) >= sizeof(copy)) {
		snprintf(err, errlen, "%s: too long", socket_path);
		return -1;
	}
	dir = dirname(copy);
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errlen, "%s: %s is not a directory", socket_path, dir);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: directory %s: %s", socket_path, dir,
			 strerror(errno));
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create directory %s: %s",
			 socket_path, dir, strerror(errno));
		return -1;
	}
	/* By descriptor, never following a link: in a parent others may write
	 * to, the name could be swapped between mkdir and chown. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot open directory %s: %s", socket_path,
			 dir, strerror(errno));
		goto out;
	}
	if (user != NULL && geteuid() == 0) {
		errno = 0;
		pw = getpwnam(user);
		if (pw == NULL) {
			snprintf(err, errlen, "daemon.user %s: no such user", user);
			goto out;
		}
		if (st.st_uid == 0 && fchown(fd, pw->pw_uid, pw->pw_gid) < 0) {
			snprintf(err, errlen, "%s: cannot give %s to %s: %s",
				 socket_path, dir, user, strerror(errno));
			goto out;
		}
	}
	*created = true;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
