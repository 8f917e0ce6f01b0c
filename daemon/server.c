/*
 * server.c - socket, event loop, request queue and workers (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "audit.h"
#include "cache.h"
#include "clock.h"
#include "dispatch.h"
#include "events.h"
#include "live_config.h"
#include "log.h"
#include "peer.h"
#include "redaction.h"
#include "reload.h"
#include "share.h"
#include "trust.h"

/* A client has this long to send its whole request frame. */
#define READ_TIMEOUT_MS 5000

/*
 * At most this many connections are taken from the shared socket per turn
 * of the loop.  Flooders that reconnect as fast as they are refused keep
 * its queue from ever running dry; without a bound, accepting would starve
 * the private socket and the reads of requests already in.
 */
#define ACCEPT_BATCH 16

struct conn {
	struct request rq;
	uint8_t hdr[PROTO_HDR_LEN];
	size_t have;		/* bytes received so far */
	size_t want;		/* whole frame size once the header is in */
	int64_t deadline;
};

/* A unit of work for a worker: a client's request, or a chore. */
struct job {
	struct request *rq;
	const struct server_timer *chore;
};

/* A ring of jobs. */
struct ring {
	struct job *q;
	size_t cap, head, len;
};

/*
 * Two rings: root's and front ends' requests and the chores in one, the
 * fair-share peers' in the other.  A worker takes from the first while it
 * has work, and from the second only while fewer than other_max workers
 * run such requests, so those peers never hold every worker.
 */
static struct {
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct ring main, other;
	size_t other_running, other_max;
	bool qstop;
} S = {
	.qlock = PTHREAD_MUTEX_INITIALIZER,
	.qcond = PTHREAD_COND_INITIALIZER,
};

static void
request_free(struct request *rq)
{
	if (rq->fd >= 0)
		close(rq->fd);
	if (rq->frame != NULL) {
		explicit_bzero(rq->frame, rq->len);
		free(rq->frame);
	}
	free(rq);
}

static bool
ring_put(struct ring *r, struct job job)
{
	if (r->len == r->cap)
		return false;
	r->q[(r->head + r->len) % r->cap] = job;
	r->len++;
	return true;
}

static struct job
ring_take(struct ring *r)
{
	struct job job = r->q[r->head];

	r->head = (r->head + 1) % r->cap;
	r->len--;
	return job;
}

/* With qlock held: the ring a worker may take from now, or NULL. */
static struct ring *
next_ring(void)
{
	if (S.main.len > 0)
		return &S.main;
	if (S.other.len > 0 && S.other_running < S.other_max)
		return &S.other;
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	dir_conns_init(&w->dc);
	for (;;) {
		struct ring *r;
		struct job job;
		bool shared;

		pthread_mutex_lock(&S.qlock);
		while ((r = next_ring()) == NULL && !S.qstop)
			pthread_cond_wait(&S.qcond, &S.qlock);
		if (r == NULL) {
			pthread_mutex_unlock(&S.qlock);
			break;
		}
		job = ring_take(r);
		shared = r == &S.other;
		S.other_running += shared;
		pthread_mutex_unlock(&S.qlock);
		if (job.chore != NULL) {
			job.chore->run(w);
		} else {
			uid_t uid = job.rq->peer.uid;

			dispatch_request(w, job.rq);
			request_free(job.rq);
			if (shared)
				share_release(uid);
		}
		if (shared) {
			pthread_mutex_lock(&S.qlock);
			S.other_running--;
			/* A worker may be waiting for this place. */
			pthread_cond_broadcast(&S.qcond);
			pthread_mutex_unlock(&S.qlock);
		}
	}
	dir_conns_close(&w->dc);
	return NULL;
}

/* Queues a job; false when its ring is full. */
static bool
enqueue(struct job job)
{
	bool ok;

	pthread_mutex_lock(&S.qlock);
	ok = ring_put(job.rq != NULL && job.rq->shared ? &S.other : &S.main, job);
	if (ok)
		pthread_cond_signal(&S.qcond);
	pthread_mutex_unlock(&S.qlock);
	return ok;
}

static void
conn_close(struct conn *c)
{
	if (c->rq.shared)
		share_release(c->rq.peer.uid);
	if (c->rq.fd >= 0)
		close(c->rq.fd);
	if (c->rq.frame != NULL) {
		explicit_bzero(c->rq.frame, c->have);
		free(c->rq.frame);
	}
	memset(c, 0, sizeof(*c));
	c->rq.fd = -1;
}

/* Reads what is available.  Returns 1 when the frame is whole, 0 to wait,
 * -1 when the connection is done (the reason is logged and any error reply
 * sent). */
static int
conn_read(struct conn *c)
{
	for (;;) {
		uint8_t *dst = c->rq.frame ? c->rq.frame + c->have : c->hdr + c->have;
		size_t want = c->rq.frame ? c->want : PROTO_HDR_LEN;
		ssize_t n;

		if (c->have == want && c->rq.frame != NULL)
			return 1;
		n = recv(c->rq.fd, dst, want - c->have, MSG_DONTWAIT);
		if (n == 0) {
			if (c->have > 0)
				event_drop(&c->rq, "client_closed",
						  "client closed the connection mid-frame");
			return -1;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			event_drop(&c->rq, "io_error", strerror(errno));
			return -1;
		}
		c->have += (size_t)n;
		if (c->rq.frame == NULL && c->have == PROTO_HDR_LEN) {
			uint16_t version, type;
			uint32_t body;
			enum proto_err e = proto_header(c->hdr, &version, &type, &body);

			if (e != PE_OK) {
				dispatch_reject_header(&c->rq, e, version, type);
				return -1;
			}
			c->want = PROTO_HDR_LEN + body;
			c->rq.frame = malloc(c->want);
			if (c->rq.frame == NULL) {
				event_drop(&c->rq, "no_memory", "out of memory");
				return -1;
			}
			memcpy(c->rq.frame, c->hdr, PROTO_HDR_LEN);
			c->rq.len = c->want;
		}
	}
}

static size_t
per_uid_limit(size_t max)
{
	return max / 4 > 16 ? max / 4 : 16;
}

/* How many open connections (the new one included) come from uid. */
static size_t
count_uid(const struct conn *conns, size_t max, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < max; i++)
		n += conns[i].rq.fd >= 0 && conns[i].rq.peer.uid == uid;
	return n;
}

/* True when the peer's class takes its places from the fair share. */
static bool
in_fair_share(const struct peer *p)
{
	const struct config *cfg;
	bool shared;

	if (p->uid == 0)
		return false;
	cfg = live_config_get();
	shared = trust_policy(peer_classify(p, cfg))->fair_share;
	live_config_put(cfg);
	return shared;
}

/*
 * Accepts up to batch connections waiting on lfd.  A refused connection is
 * closed unanswered and counted for the summary line (share.h), never
 * logged alone: a flood must not become a flood of log lines.
 */
static void
accept_clients(int lfd, struct conn *conns, size_t max, size_t *nconns, size_t batch)
{
	for (; *nconns < max && batch > 0; batch--) {
		struct conn *c;
		size_t i;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("accept on the control socket");
			return;
		}
		for (i = 0; conns[i].rq.fd >= 0; i++)
			;
		c = &conns[i];
		c->rq.fd = fd;
		peer_read(fd, &c->rq.peer);
		c->rq.shared = in_fair_share(&c->rq.peer);
		if (c->rq.shared && !share_admit(c->rq.peer.uid)) {
			share_count_drop(c->rq.peer.uid, "over_share");
			close(fd);
			memset(c, 0, sizeof(*c));
			c->rq.fd = -1;
			continue;
		}
		/* Root and front ends: one uid may hold a quarter of the slots
		 * with unfinished requests. */
		if (!c->rq.shared && count_uid(conns, max, c->rq.peer.uid) > per_uid_limit(max)) {
			share_count_drop(c->rq.peer.uid, "too_many_connections");
			close(fd);
			c->rq.fd = -1;
			continue;
		}
		c->rq.received_ns = clock_now_ns();
		c->rq.received = (int64_t)(c->rq.received_ns / 1000000u);
		c->deadline = c->rq.received + READ_TIMEOUT_MS;
		(*nconns)++;
	}
}

/* Hands a whole request to the workers, or answers "busy" itself. */
static void
hand_over(struct conn *c)
{
	struct request *rq = malloc(sizeof(*rq));

	if (rq == NULL) {
		event_drop(&c->rq, "no_memory", "out of memory");
		conn_close(c);
		return;
	}
	*rq = c->rq;
	if (!enqueue((struct job){ .rq = rq })) {
		dispatch_reply_busy(rq);
		share_count_drop(rq->peer.uid, "busy");
		if (rq->shared)
			share_release(rq->peer.uid);
		request_free(rq);
	}
	memset(c, 0, sizeof(*c));
	c->rq.fd = -1;
}

static int
setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		fatalx("cannot block signals");
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/*
 * Runs the timers that are due and returns how long the loop may sleep
 * before the next one.  A worker chore that finds the queue full waits
 * for its next turn.
 */
static int64_t
run_timers(const struct server_timer *timers, size_t n, int64_t *due, int64_t now)
{
	int64_t wait = INT64_MAX;
	size_t i;

	for (i = 0; i < n; i++) {
		if (now >= due[i]) {
			if (!timers[i].on_worker)
				timers[i].run(NULL);
			else if (!enqueue((struct job){ .chore = &timers[i] }))
				log_debug("timer %s: request queue full; next turn", timers[i].name);
			due[i] = now + timers[i].interval_ms;
		}
		if (due[i] - now < wait)
			wait = due[i] - now;
	}
	return wait;
}

int
server_run(int lfd, int private_fd, const char *config_path, const struct server_timer *timers,
	   size_t ntimers)
{
	const struct config *cfg;
	struct worker *workers;
	struct conn *conns;
	struct pollfd *pfd;
	pthread_t *tids;
	int64_t *due;
	size_t nconns = 0, max, i;
	int nthreads, sfd, per_uid;
	bool stopping = false;

	sfd = setup_signals();
	if (sfd < 0)
		fatal("signalfd");
	cfg = live_config_get();
	max = (size_t)cfg->max_clients;
	nthreads = cfg->pool_size;
	per_uid = cfg->max_per_uid;
	live_config_put(cfg);

	S.main.cap = max + ntimers;
	S.main.q = calloc(S.main.cap, sizeof(*S.main.q));
	S.other.cap = max / 2 > 0 ? max / 2 : 1;
	S.other.q = calloc(S.other.cap, sizeof(*S.other.q));
	S.other_max = nthreads / 2 > 0 ? (size_t)nthreads / 2 : 1;
	conns = calloc(max, sizeof(*conns));
	pfd = calloc(max + 3, sizeof(*pfd));
	workers = calloc((size_t)nthreads, sizeof(*workers));
	tids = calloc((size_t)nthreads, sizeof(*tids));
	due = calloc(ntimers + 1, sizeof(*due));
	if (!S.main.q || !S.other.q || !conns || !pfd || !workers || !tids || !due ||
	    share_init(max, (size_t)per_uid) < 0)
		fatal("allocating the server tables");
	for (i = 0; i < ntimers; i++)
		due[i] = clock_now_ms() + timers[i].interval_ms;
	for (i = 0; i < max; i++)
		conns[i].rq.fd = -1;
	for (i = 0; i < (size_t)nthreads; i++) {
		workers[i].id = (int)i;
		if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) != 0) {
			if (i == 0)
				fatalx("cannot start a worker thread");
			log_warnx("only %zu of %d worker threads could start; running with them",
				  i, nthreads);
			nthreads = (int)i;
			break;
		}
	}
	sd_notify(0, "READY=1");
	log_info("ready: %d workers (at most %zu for other local users), %zu connections, "
		 "%d per local user", nthreads, S.other_max, max, per_uid);

	while (!stopping || nconns > 0) {
		int64_t now = clock_now_ms(), wait = run_timers(timers, ntimers, due, now);
		size_t np = 0;
		int n;

		pfd[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[np++] = (struct pollfd){ .fd = stopping || nconns == max ? -1 : lfd,
					     .events = POLLIN };
		pfd[np++] = (struct pollfd){ .fd = stopping || nconns == max ? -1 : private_fd,
					     .events = POLLIN };
		if (wait > SHARE_SUMMARY_MS)
			wait = SHARE_SUMMARY_MS;
		for (i = 0; i < max; i++) {
			pfd[np++] = (struct pollfd){ .fd = conns[i].rq.fd, .events = POLLIN };
			if (conns[i].rq.fd >= 0 && conns[i].deadline - now < wait)
				wait = conns[i].deadline - now;
		}
		n = poll(pfd, np, wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait);
		if (n < 0 && errno != EINTR && !stopping) {
			/* Workers are running: drain them rather than exit. */
			log_warn("poll; draining and stopping");
			stopping = true;
			continue;
		}
		if (n < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP && !stopping) {
					reload_config(config_path, si.ssi_uid);
				} else if (si.ssi_signo != SIGHUP && !stopping) {
					log_info("signal %u: draining and stopping", si.ssi_signo);
					sd_notify(0, "STOPPING=1");
					stopping = true;
				}
			}
		}
		/* The private socket first: root's and front ends' own door. */
		if (pfd[2].revents & POLLIN)
			accept_clients(private_fd, conns, max, &nconns, max);
		if (pfd[1].revents & POLLIN)
			accept_clients(lfd, conns, max, &nconns, ACCEPT_BATCH);
		now = clock_now_ms();
		share_flush_drops(now, false);
		for (i = 0; i < max; i++) {
			struct conn *c = &conns[i];
			int r;

			if (c->rq.fd < 0 || pfd[i + 3].fd != c->rq.fd)
				continue;
			if (pfd[i + 3].revents != 0) {
				r = conn_read(c);
				if (r == 1) {
					hand_over(c);
					nconns--;
					continue;
				}
				if (r < 0) {
					conn_close(c);
					nconns--;
					continue;
				}
			}
			if (c->deadline <= now) {
				event_drop(&c->rq, "client_timeout",
						  "no complete request within the read timeout");
				conn_close(c);
				nconns--;
			}
		}
	}

	pthread_mutex_lock(&S.qlock);
	S.qstop = true;
	pthread_cond_broadcast(&S.qcond);
	pthread_mutex_unlock(&S.qlock);
	for (i = 0; i < (size_t)nthreads; i++)
		pthread_join(tids[i], NULL);
	for (i = 0; i < ntimers; i++)
		if (timers[i].at_stop != NULL)
			timers[i].at_stop();
	close(sfd);
	free(due);
	free(tids);
	free(workers);
	free(pfd);
	free(conns);
	free(S.main.q);
	free(S.other.q);
	share_flush_drops(clock_now_ms(), true);
	share_destroy();
	return 0;
}
