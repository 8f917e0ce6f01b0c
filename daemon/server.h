/*
 * server.h - ecflinkd's socket, event loop and worker pool.
 *
 * The main thread owns the listening socket, signals and every connection
 * until its request frame has fully arrived (so a slow or silent client
 * holds no worker); whole requests go through a bounded queue to a fixed
 * pool of worker threads, each with its own LDAP connections.  No thread
 * or LDAP connection is made per request.
 */
#ifndef ECFLINK_SERVER_H
#define ECFLINK_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "directory.h"
#include "proto.h"

/* A whole request, handed from the event loop to a worker. */
struct request {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t groups[1024];	/* peer's supplementary groups (SO_PEERGROUPS) */
	int ngroups;
	int64_t received;	/* monotonic ms */
	uint64_t received_ns;	/* monotonic ns, for the ms= log field */
	size_t len;
	uint8_t *frame;
};

/* What a worker owns. */
struct worker {
	int id;
	struct dir_conns dc;
	uint8_t reply[PROTO_MAX_FRAME];
};

/* Binds cfg->socket_path (mode 0666); exits on failure. */
int server_listen(const struct config *cfg);
/* Runs until SIGTERM/SIGINT, then drains and returns 0. */
int server_run(int lfd, const char *config_path);

/*
 * The live configuration: server_config() takes a reference (never
 * blocking on a reload) that the caller gives back with
 * server_config_release(cfg); a replaced configuration is freed once its
 * last reference is given back.  server_set_config(NULL) retires the last.
 */
const struct config *server_config(unsigned int *gen);
void server_config_release(const struct config *cfg);
void server_set_config(struct config *cfg);

#endif
