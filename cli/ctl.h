/*
 * ctl.h - what every ecflinkctl command shares: the connection settings,
 * one request/reply exchange with ecflinkd, and the exit codes.
 */
#ifndef ECFLINK_CTL_H
#define ECFLINK_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define CTL_DEFAULT_SOCKET "/run/ecflink/ecflinkd.sock"

/* Exit codes (documented in ecflinkctl(8)). */
enum {
	EX_DONE = 0,		/* done */
	EX_FAILED = 1,		/* refused or failed; the reason is printed */
	EX_USAGE = 2,
	EX_CONFIRM = 3,		/* link: names differ and were not confirmed */
	EX_NOT_FOUND = 4,	/* no such login (or nothing to undo) */
	EX_UNREACHABLE = 5,	/* ecflinkd did not answer */
	EX_FINDINGS = 6,	/* lint: the bases have something to fix */
};

struct ctl {
	const char *socket;
	int timeout_ms;
	bool timeout_set;	/* -T given; else whole-base reads wait longer */
	uint32_t realm;
	uint8_t req[PROTO_MAX_FRAME];
	uint8_t rep[PROTO_MAX_FRAME];
	struct proto_msg reply;
};

/* Starts a request of type in c->req with the deadline field set. */
void ctl_begin(struct ctl *c, struct proto_buf *b, uint16_t type);
/*
 * Sends the request in b, reads the reply into c->reply and checks its
 * status; prints why on stderr and returns an exit code.  Wipes the
 * request buffer afterwards (it may hold passwords).
 */
int ctl_call(struct ctl *c, struct proto_buf *b);
/* Formats an epoch time in local time as MM/DD/YYYY HH:MM:SS TZ. */
const char *ctl_when(uint64_t t, char *buf, size_t len);
/* The reply's PT_MESSAGE (escaped as ctl_esc does), or fallback. */
const char *ctl_message(const struct ctl *c, const char *fallback);
/*
 * str with control bytes written \xHH, so that nothing the directory
 * holds (a cn with an escape sequence) can drive the terminal; NULL stays
 * NULL.  The result lives until eight more calls (one command's output).
 */
const char *ctl_esc(const char *str);

/*
 * Sends the request in b and checks the daemon's PT_RESULT; on a refusal
 * prints its message (or fallback) and returns the matching exit code.
 */
int ctl_call_result(struct ctl *c, struct proto_buf *b, const char *fallback);

int cmd_link(struct ctl *c, int argc, char **argv);
/* Reads a file only: no socket. */
int cmd_audit_verify(int argc, char **argv);
int cmd_reset_code(struct ctl *c, int argc, char **argv);
int cmd_unlink(struct ctl *c, int argc, char **argv);
/* ecflinkctl announce [--again] (announce_cmd.c). */
int cmd_announce(struct ctl *c, int argc, char **argv);

#endif
