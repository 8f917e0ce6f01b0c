/*
 * server.h - ecflinkd's socket, event loop and worker pool.
 *
 * The main thread owns the listening socket, signals, the timers and every
 * connection until its request frame has fully arrived (so a slow or
 * silent client holds no worker); whole requests go through a bounded
 * queue to a fixed pool of worker threads, each with its own LDAP
 * connections.  No thread or LDAP connection is made per request.
 */
#ifndef ECFLINK_SERVER_H
#define ECFLINK_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "request.h"

/*
 * A periodic chore.  run is called every interval_ms: in the event loop
 * (w NULL) for quick in-memory work, or by the next free worker (w set,
 * with its LDAP connections) when on_worker is true.  at_stop, if set, is
 * called once in the event loop after the workers have finished.
 */
struct server_timer {
	const char *name;
	int interval_ms;
	bool on_worker;
	void (*run)(struct worker *w);
	void (*at_stop)(void);
};

/*
 * Serves lfd and private_fd (accepted first) until SIGTERM/SIGINT, then drains the requests in flight and
 * returns 0.  SIGHUP reloads config_path.  timers[0..ntimers) are run as
 * their intervals say; the array must outlive the call.
 */
int server_run(int lfd, int private_fd, const char *config_path,
	       const struct server_timer *timers, size_t ntimers);

#endif
