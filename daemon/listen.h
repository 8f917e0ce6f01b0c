/*
 * listen.h - binding ecflinkd's sockets at start: the public one every
 * PAM caller uses (socket.path, 0666) and the private one of root and
 * front ends (socket.private_path, 0660), which a flood of other local
 * users cannot fill (DESIGN.md "Who may ask what").  Each refuses to
 * start over a live daemon and removes a stale socket file; failures are
 * fatal (start-up only).
 */
#ifndef ECFLINK_LISTEN_H
#define ECFLINK_LISTEN_H

#include "config.h"

/* Binds cfg->socket_path (mode 0666) and listens; returns the fd. */
int listen_public(const struct config *cfg);
/* Binds cfg->private_path (mode 0660, group socket.frontend_group when it
 * can be given; a warning says when not) and listens; returns the fd. */
int listen_private(const struct config *cfg);

#endif
