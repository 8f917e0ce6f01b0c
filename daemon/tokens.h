/*
 * tokens.h - short-lived single-use tokens that bind a second request to
 * the first one's answer (a redaction question to its acknowledgement, a
 * link preparation to its commit).
 *
 * A store keeps a fixed-size payload per token, bound to the peer uid that
 * received it.  Tokens are 128 random bits in hex.  Each payload leaves
 * the store exactly once: redeemed, or handed to the sweep callback when
 * it expires (or at shutdown), so the caller can log it exactly once.
 */
#ifndef ECFLINK_TOKENS_H
#define ECFLINK_TOKENS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TOKEN_LEN 32		/* hex characters */

struct token_node;

struct token_store {
	pthread_mutex_t lock;
	struct token_node *head;
	size_t count, max;
	size_t payload_len;
};

/* Called for each payload that expired (expired = 1) or is swept at stop. */
typedef void (*token_expired_fn)(const void *payload, int expired);

void tokens_init(struct token_store *s, size_t payload_len, size_t max);
/*
 * Files a copy of payload; writes the new token.  A uid holding a quarter
 * of the store has its oldest token dropped (handed to fn, expired = 1).
 * -1 when full or no randomness (logged).
 */
int tokens_issue(struct token_store *s, const void *payload, uid_t uid, int ttl_s,
		 char token[TOKEN_LEN + 1], token_expired_fn fn);
/* Takes the payload of token if uid made it and it has not expired. */
int tokens_redeem(struct token_store *s, const char *token, uid_t uid, void *payload);
/* Hands expired payloads (all when all != 0) to fn, outside the lock. */
void tokens_sweep(struct token_store *s, int all, token_expired_fn fn);

#endif
