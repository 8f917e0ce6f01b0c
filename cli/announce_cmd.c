/*
 * announce_cmd.c - ecflinkctl announce [--again]: the go-live announcement
 * (ADMIN_ANNOUNCE).  The daemon spools one mail per unlinked CM/ECF account
 * with a mail address and not told before; a request that runs out of time
 * answers "more", and this command asks again until the base is done,
 * passing back the run's first Transaction ID so that --again tells no
 * account twice either.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "proto.h"

/* One request may spend up to the daemon's limit. */
#define ANNOUNCE_TIMEOUT_MS 60000
/* A base of 100k accounts at a few ms each: bounded, never endless. */
#define MAX_ROUNDS 1000

int
cmd_announce(struct ctl *c, int argc, char **argv)
{
	unsigned long long told = 0, told_earlier = 0;
	uint32_t again = 0, n = 0, already = 0, no_address = 0, more = 1;
	uint64_t floor = 0;
	struct proto_buf b;
	int i, rc = EX_DONE, round;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--again") == 0) {
			again = 1;
		} else {
			fprintf(stderr, "usage: ecflinkctl announce [--again]\n");
			return EX_USAGE;
		}
	}
	if (!c->timeout_set)
		c->timeout_ms = ANNOUNCE_TIMEOUT_MS;
	for (round = 0; more && round < MAX_ROUNDS; round++) {
		ctl_begin(c, &b, PT_ADMIN_ANNOUNCE);
		proto_put_u32(&b, PT_AGAIN, again);
		if (floor != 0)
			proto_put_u64(&b, PT_TXN, floor);
		rc = ctl_call_result(c, &b, "the daemon refused the announcement");
		if (rc != EX_DONE)
			break;
		n = already = no_address = more = 0;
		proto_u32(&c->reply, PT_TOLD, &n);
		proto_u32(&c->reply, PT_ALREADY, &already);
		proto_u32(&c->reply, PT_NO_ADDRESS, &no_address);
		proto_u32(&c->reply, PT_MORE, &more);
		if (floor == 0)
			proto_u64(&c->reply, PT_TXN, &floor);
		told_earlier = told;
		told += n;
		if (more && n == 0) {
			fprintf(stderr, "ecflinkctl: ecflinkd made no progress within %d ms; "
					"try again with a longer -T\n", c->timeout_ms);
			rc = EX_FAILED;
			break;
		}
		if (more)
			fprintf(stderr, "ecflinkctl: %llu announcements spooled so far; going on\n",
				told);
	}
	if (rc == EX_DONE && more) {
		fprintf(stderr, "ecflinkctl: stopped after %d requests; run it again to go on\n",
			MAX_ROUNDS);
		rc = EX_FAILED;
	}
	if (rc != EX_DONE && round == 0)
		return rc;
	if (rc != EX_DONE) {
		fprintf(stderr, "ecflinkctl: %llu announcements spooled by earlier requests of this "
				"run; the daemon's event=announce lines tell the rest. Running "
				"announce again goes on where it stopped.\n", told);
		return rc;
	}
	printf("%llu announcement%s spooled (sent at most mail.rate_per_min a minute)\n", told,
	       told == 1 ? "" : "s");
	/* The last request read the whole base: its "already" counts the
	 * accounts this run told in earlier requests as well. */
	if (already >= told_earlier)
		already -= (uint32_t)told_earlier;
	if (already > 0)
		printf("%u account%s told before skipped%s\n", already, already == 1 ? "" : "s",
		       again ? "" : " (--again tells them again)");
	if (no_address > 0)
		printf("%u unlinked account%s without a usable mail address skipped\n", no_address,
		       no_address == 1 ? "" : "s");
	return EX_DONE;
}
