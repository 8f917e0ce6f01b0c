/*
 * listen.c - ecflinkd's two sockets (see listen.h).
 */
#include "listen.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/* Refuses to start over a live daemon; removes a stale socket file. */
static void
clear_old_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			fatal("socket.path %s", path);
		return;
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("socket.path %s exists and is not a socket; remove it or choose another path",
		       path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	/* Only a refused connection proves nobody listens; a full queue
	 * (EAGAIN) means a daemon is there, just busy. */
	if (rc == 0 || errno != ECONNREFUSED)
		fatalx("another ecflinkd already answers on %s", path);
	if (unlink(path) < 0)
		fatal("remove stale socket %s", path);
}

/* Binds path with mode (set through the umask, so the socket never
 * exists with other permissions) and listens on it. */
static int
bind_socket(const char *path, const char *key, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path))
		fatalx("%s %s is too long", key, path);
	clear_old_socket(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fatal("socket");
	old = umask(~mode & 0777);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		fatal("bind %s", path);
	}
	umask(old);
	if (chmod(path, mode) < 0)
		fatal("chmod %04o %s", (unsigned)mode, path);
	if (listen(fd, 128) < 0)
		fatal("listen on %s", path);
	return fd;
}

int
listen_public(const struct config *cfg)
{
	/* PAM callers run as any user, hence 0666. */
	return bind_socket(cfg->socket_path, "socket.path", 0666);
}

int
listen_private(const struct config *cfg)
{
	struct group *gr;
	int fd;

	fd = bind_socket(cfg->private_path, "socket.private_path", 0660);
	if (cfg->frontend_group == NULL)
		return fd;
	gr = getgrnam(cfg->frontend_group);
	if (gr == NULL || chown(cfg->private_path, (uid_t)-1, gr->gr_gid) < 0)
		log_warnx("socket.private_path %s: cannot give it to group %s (%s); front ends "
			  "use the public socket until ecflinkd's user is a member of that group",
			  cfg->private_path, cfg->frontend_group,
			  gr == NULL ? "no such group" : strerror(errno));
	return fd;
}
