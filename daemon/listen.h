/*
 * listen.h - ecflinkd's listening sockets, made at start (fatal on
 * failure): socket.path, mode 0666, for PAM callers of every uid; and
 * socket.private_path, mode 0660, group socket.frontend_group, which root
 * and front ends reach first.  Each refuses to start over a daemon that
 * answers there, removes a stale socket file, and is bound with the right
 * mode from its first instant (umask before bind).
 */
#ifndef ECFLINK_LISTEN_H
#define ECFLINK_LISTEN_H

#include "config.h"

int server_listen(const struct config *cfg);
int server_listen_private(const struct config *cfg);

#endif
