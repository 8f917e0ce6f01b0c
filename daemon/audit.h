/*
 * audit.h - the optional audit file (audit.file; DESIGN.md "Audit file"):
 * links, unlinks, reset codes, redaction answers and retired-credential
 * attempts, one JSON object a line, each carrying the SHA-256 of the line
 * before it, so that removing, editing or reordering a record breaks the
 * chain (ecflinkctl audit-verify finds where).
 *
 * A line reads {"seq":N,"time":"UTC ISO 8601","event":"...",...,
 * "prev":"64 hex digits"} with "seq" first and "prev" last.  A file opened
 * empty starts with {"seq":N,...,"event":"chain_start",...} whose prev is
 * the last hash of the file before it (after a rotation) or 64 zeros; a
 * file opened with records continues their chain.  syslog stays the
 * primary record: a failed write is logged and the decision goes on.
 * Thread-safe.
 */
#ifndef ECFLINK_AUDIT_H
#define ECFLINK_AUDIT_H

#include <stdbool.h>

#include "textout.h"

struct audit_rec {
	struct sbuf sb;
	char buf[4096];
};

/*
 * Opens path for appending (NULL: no audit file), closing any file open
 * before; reopening the same path after a rotation starts a new chain
 * that names the old one's last hash.  0, or -1 (logged) when it cannot.
 */
int audit_open(const char *path);
void audit_close(void);
/* True while an audit file is open. */
bool audit_enabled(void);

/* Builds one record: begin, then fields, then commit (a no-op when no file
 * is open). */
void audit_begin(struct audit_rec *r, const char *event);
void audit_str(struct audit_rec *r, const char *key, const char *value);
void audit_num(struct audit_rec *r, const char *key, long long value);
void audit_commit(struct audit_rec *r);

#endif
