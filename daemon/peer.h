/*
 * peer.h - who is on the other end of a connection, and what class of
 * caller that makes it (DESIGN.md "Who may ask what").
 *
 * The kernel tells the uid, gid and pid (SO_PEERCRED) and the
 * supplementary groups (SO_PEERGROUPS); nothing the client sends counts.
 */
#ifndef ECFLINK_PEER_H
#define ECFLINK_PEER_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

#define PEER_MAX_GROUPS 1024

struct peer {
	uid_t uid;		/* (uid_t)-1 when the kernel did not say */
	gid_t gid;
	pid_t pid;
	gid_t groups[PEER_MAX_GROUPS];
	int ngroups;
};

/*
 * Peer classes, as bits: root has all three named ones; a member of
 * socket.frontend_group is a front end, of socket.admin_group an admin
 * (one peer may be both); everyone else is "other".
 */
#define PC_ROOT		0x1u
#define PC_FRONTEND	0x2u
#define PC_ADMIN	0x4u
#define PC_OTHER	0x8u
#define PC_ANY		(PC_ROOT | PC_FRONTEND | PC_ADMIN | PC_OTHER)

/* Reads the credentials of the connected socket fd into p (logs when the
 * groups cannot be read: then only the primary group counts). */
void peer_read(int fd, struct peer *p);

/* True when p is root or a member of group (a name; NULL: root only). */
bool peer_in_group(const struct peer *p, const char *group);

/* The PC_* bits of p under cfg's socket.admin_group and frontend_group. */
unsigned int peer_classify(const struct peer *p, const struct config *cfg);

/* "root", "frontend", "admin", "frontend+admin" or "other", for logs. */
const char *peer_class_name(unsigned int classes);

#endif
