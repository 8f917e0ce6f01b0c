/*
 * peer.c - peer credentials and classes (see peer.h).
 */
#include "peer.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

void
peer_read(int fd, struct peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	p->pid = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
		p->uid = uc.uid;
		p->gid = uc.gid;
		p->pid = uc.pid;
	}
	len = sizeof(p->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0) {
		p->ngroups = (int)(len / sizeof(gid_t));
	} else {
		p->ngroups = 0;
		log_warnx("peer uid %d: its supplementary groups cannot be read (%s); only its "
			  "primary group counts for socket.admin_group and frontend_group",
			  (int)p->uid, strerror(errno));
	}
}

/* The gid of group, or -1 (logged) when it cannot be had. */
static gid_t
group_gid(const char *group)
{
	struct group gr, *res = NULL;
	size_t len = 4096;
	gid_t gid = (gid_t)-1;
	char *buf = NULL;
	int rc;

	/* A big group's member list can exceed any fixed buffer. */
	do {
		char *nbuf = realloc(buf, len);

		if (nbuf == NULL) {
			rc = ENOMEM;
			break;
		}
		buf = nbuf;
		rc = getgrnam_r(group, &gr, buf, len, &res);
		len *= 2;
	} while (rc == ERANGE && len <= (1u << 24));
	if (rc == 0 && res != NULL)
		gid = gr.gr_gid;
	else
		log_warnx("group %s: %s", group, rc ? strerror(rc) : "no such group");
	free(buf);
	return gid;
}

bool
peer_in_group(const struct peer *p, const char *group)
{
	gid_t gid;
	int i;

	if (p->uid == 0)
		return true;
	if (group == NULL || (gid = group_gid(group)) == (gid_t)-1)
		return false;
	if (p->gid == gid)
		return true;
	for (i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

unsigned int
peer_classify(const struct peer *p, const struct config *cfg)
{
	unsigned int c = 0;

	if (p->uid == 0)
		return PC_ROOT | PC_FRONTEND | PC_ADMIN;
	if (p->uid == (uid_t)-1)
		return PC_OTHER;
	if (peer_in_group(p, cfg->frontend_group))
		c |= PC_FRONTEND;
	if (peer_in_group(p, cfg->admin_group))
		c |= PC_ADMIN;
	return c != 0 ? c : PC_OTHER;
}

const char *
peer_class_name(unsigned int classes)
{
	if (classes & PC_ROOT)
		return "root";
	if ((classes & (PC_FRONTEND | PC_ADMIN)) == (PC_FRONTEND | PC_ADMIN))
		return "frontend+admin";
	if (classes & PC_FRONTEND)
		return "frontend";
	if (classes & PC_ADMIN)
		return "admin";
	return "other";
}
