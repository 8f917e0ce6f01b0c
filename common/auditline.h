/*
 * auditline.h - the layout of one audit file record, shared by the writer
 * (ecflinkd's audit.c) and the checker (ecflinkctl audit-verify):
 *
 *   {"seq":N,"time":"...","event":"...",...,"prev":"<64 hex digits>"}
 *
 * "seq" first, counting up by one; "prev" last, the SHA-256 of the line
 * before (the line's bytes without its newline).  Not linked into the PAM
 * module (it needs nettle).
 */
#ifndef ECFLINK_AUDITLINE_H
#define ECFLINK_AUDITLINE_H

#include <stddef.h>

#define AUDIT_HASH_HEX 64

/* The SHA-256 of line[0..len) as 64 lowercase hex digits and a NUL. */
void auditline_hash(const char *line, size_t len, char out[AUDIT_HASH_HEX + 1]);

/*
 * Reads seq and prev (pointing into line) of a record line[0..len); -1
 * when the line is not laid out as a record.
 */
int auditline_parse(const char *line, size_t len, unsigned long long *seq, const char **prev);

#endif
