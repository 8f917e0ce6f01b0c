/*
 * audit_cmd.c - ecflinkctl audit-verify FILE: checks the hash chain of an
 * ecflinkd audit file (ecflinkd(8), AUDIT FILE) and names the first record
 * that was removed, edited or reordered.  Reads the file only; needs no
 * daemon.
 *
 * Each line is {"seq":N,...,"prev":"H"} where H is the SHA-256 (hex) of
 * the line before it, and seq counts up by one.  So for the first line
 * that breaks the chain: a seq that jumps ahead means records were
 * removed before it, one that does not count up means records were moved,
 * and a right seq with a wrong prev means the line before it was edited.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditline.h"
#include "ctl.h"

/* Prints why line n breaks the chain after the one before (seq was
 * want_seq - 1, its hash want_prev). */
static void
explain(const char *path, size_t n, unsigned long long seq, unsigned long long want_seq,
	const char *prev, const char *want_prev)
{
	if (seq > want_seq)
		printf("%s:%zu: BROKEN: record %llu follows record %llu: %llu record(s) removed "
		       "before this line\n", path, n, seq, want_seq - 1, seq - want_seq);
	else if (seq < want_seq)
		printf("%s:%zu: BROKEN: record %llu comes after record %llu: records were "
		       "reordered or copied\n", path, n, seq, want_seq - 1);
	else if (strncmp(prev, want_prev, AUDIT_HASH_HEX) != 0)
		printf("%s:%zu: BROKEN: the line before this one (record %llu) was edited: its "
		       "hash is not the one this record carries\n", path, n - 1, want_seq - 1);
}

int
cmd_audit_verify(int argc, char **argv)
{
	char *line = NULL, want_prev[AUDIT_HASH_HEX + 1] = "";
	unsigned long long seq, want_seq = 0;
	size_t cap = 0, n = 0, records = 0;
	const char *prev;
	ssize_t len;
	FILE *f;
	int rc = EX_DONE;

	if (argc != 1) {
		fprintf(stderr, "usage: ecflinkctl audit-verify FILE\n");
		return EX_USAGE;
	}
	if ((f = fopen(argv[0], "re")) == NULL) {
		fprintf(stderr, "ecflinkctl: %s: %s\n", argv[0], strerror(errno));
		return EX_FAILED;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		n++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (auditline_parse(line, (size_t)len, &seq, &prev) < 0) {
			printf("%s:%zu: BROKEN: not an ecflinkd audit record\n", argv[0], n);
			rc = EX_FAILED;
			break;
		}
		if (records > 0 && (seq != want_seq || strncmp(prev, want_prev, AUDIT_HASH_HEX) != 0)) {
			explain(argv[0], n, seq, want_seq, prev, want_prev);
			rc = EX_FAILED;
			break;
		}
		auditline_hash(line, (size_t)len, want_prev);
		want_seq = seq + 1;
		records++;
	}
	if (ferror(f)) {
		fprintf(stderr, "ecflinkctl: reading %s: %s\n", argv[0], strerror(errno));
		rc = EX_FAILED;
	}
	fclose(f);
	free(line);
	if (rc == EX_DONE && records == 0) {
		printf("%s: empty: no records to verify\n", argv[0]);
		rc = EX_FAILED;
	} else if (rc == EX_DONE) {
		printf("%s: %zu records, chain intact (records %llu to %llu)\n", argv[0], records,
		       want_seq - records, want_seq - 1);
	}
	return rc;
}
