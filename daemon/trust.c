/*
 * trust.c - the peer class table and throttle keys (see trust.h).
 */
#include "trust.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/*
 * The one table.  A peer in several classes takes the first row it
 * belongs to: root, then front end, then admin.  An admin is a person's
 * uid: it may look accounts up (so reasons tell it nothing new), but what
 * it claims about a login's origin is still only a claim.
 */
static const struct {
	unsigned int bits;
	struct class_policy pol;
} table[] = {
	{ PC_ROOT, { "root", true, false, true, true, true, false, TPC_NONE } },
	{ PC_FRONTEND, { "frontend", true, false, true, true, true, false, TPC_ADDRESS } },
	{ PC_ADMIN, { "admin", true, false, false, false, false, true, TPC_UID } },
	{ PC_OTHER, { "other", false, true, false, false, false, true, TPC_UID } },
};

const struct class_policy *
trust_policy(unsigned int classes)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (classes & table[i].bits)
			return &table[i].pol;
	return &table[sizeof(table) / sizeof(table[0]) - 1].pol;
}

static void
fold(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

void
trust_peer_key(const struct class_policy *pol, uid_t uid, const char *addr, char *out,
	       size_t len)
{
	out[0] = '\0';
	if (pol->count == TPC_NONE)
		return;
	if (pol->count == TPC_ADDRESS && addr != NULL && addr[0] != '\0') {
		snprintf(out, len, "addr:%s", addr);
		fold(out);
		return;
	}
	snprintf(out, len, "uid:%u", (unsigned)uid);
}

struct throttle_policy
trust_peer_throttle(const struct config *cfg, const struct class_policy *pol)
{
	struct throttle_policy p = { cfg->link_max_failures, cfg->link_window_s,
				     cfg->link_lockout_s };

	if (pol->count == TPC_UID)
		p.max_failures = cfg->peer_max_failures;
	return p;
}

struct throttle_policy
trust_entry_throttle(const struct config *cfg)
{
	struct throttle_policy p = { cfg->link_max_failures, cfg->link_window_s,
				     cfg->link_lockout_s };

	return p;
}

void
trust_entry_key(const char *prefix, const char *dn, char *out, size_t len)
{
	snprintf(out, len, "%s:%s", prefix, dn);
	fold(out);
}
