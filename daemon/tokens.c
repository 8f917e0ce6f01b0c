/*
 * tokens.c - single-use token store (see tokens.h).
 */
#include "tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "clock.h"

struct token_node {
	struct token_node *next;
	char token[TOKEN_LEN + 1];
	uid_t uid;
	int64_t expires;
	unsigned char payload[];
};

void
tokens_init(struct token_store *s, size_t payload_len, size_t max)
{
	pthread_mutex_init(&s->lock, NULL);
	s->head = NULL;
	s->count = 0;
	s->max = max;
	s->payload_len = payload_len;
}

static void
node_free(const struct token_store *s, struct token_node *n)
{
	explicit_bzero(n, sizeof(*n) + s->payload_len);
	free(n);
}

/* How many tokens uid holds; under the lock. */
static size_t
count_uid(const struct token_store *s, uid_t uid)
{
	const struct token_node *n;
	size_t c = 0;

	for (n = s->head; n != NULL; n = n->next)
		c += n->uid == uid;
	return c;
}

/* Unlinks uid's oldest token (new ones go in front); under the lock. */
static struct token_node *
unlink_oldest(struct token_store *s, uid_t uid)
{
	struct token_node **pp, **oldest = NULL, *n;

	for (pp = &s->head; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->uid == uid)
			oldest = pp;
	if (oldest == NULL)
		return NULL;
	n = *oldest;
	*oldest = n->next;
	s->count--;
	return n;
}

int
tokens_issue(struct token_store *s, const void *payload, uid_t uid, int ttl_s,
	     char token[TOKEN_LEN + 1], token_expired_fn fn)
{
	unsigned char raw[TOKEN_LEN / 2];
	struct token_node *n, *evicted = NULL;
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("getrandom for a token");
		return -1;
	}
	n = malloc(sizeof(*n) + s->payload_len);
	if (n == NULL) {
		log_warn("token");
		return -1;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(n->token + 2 * i, 3, "%02x", raw[i]);
	n->uid = uid;
	n->expires = clock_now_ms() + (int64_t)ttl_s * 1000;
	memcpy(n->payload, payload, s->payload_len);
	pthread_mutex_lock(&s->lock);
	/* One uid may hold a quarter of the store: a local user flooding it
	 * spends its own oldest tokens, not everybody's. */
	if (count_uid(s, uid) >= s->max / 4)
		evicted = unlink_oldest(s, uid);
	if (evicted == NULL && s->count >= s->max) {
		pthread_mutex_unlock(&s->lock);
		node_free(s, n);
		log_warnx("%zu tokens pending; refusing another", s->max);
		return -1;
	}
	n->next = s->head;
	s->head = n;
	s->count++;
	pthread_mutex_unlock(&s->lock);
	memcpy(token, n->token, TOKEN_LEN + 1);
	if (evicted != NULL) {
		log_warnx("uid %u holds %zu pending tokens; its oldest was dropped", (unsigned)uid,
			  s->max / 4);
		if (fn != NULL)
			fn(evicted->payload, 1);
		node_free(s, evicted);
	}
	return 0;
}

int
tokens_redeem(struct token_store *s, const char *token, uid_t uid, void *payload)
{
	struct token_node **pp, *n = NULL;
	int64_t now = clock_now_ms();

	if (strlen(token) != TOKEN_LEN)
		return -1;
	pthread_mutex_lock(&s->lock);
	for (pp = &s->head; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->token, token) == 0 && (*pp)->uid == uid && (*pp)->expires > now) {
			n = *pp;
			*pp = n->next;
			s->count--;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (n == NULL)
		return -1;
	memcpy(payload, n->payload, s->payload_len);
	node_free(s, n);
	return 0;
}

void
tokens_sweep(struct token_store *s, int all, token_expired_fn fn)
{
	struct token_node *gone = NULL, **pp, *n;
	int64_t now = clock_now_ms();

	pthread_mutex_lock(&s->lock);
	for (pp = &s->head; *pp != NULL;) {
		n = *pp;
		if (all || n->expires <= now) {
			*pp = n->next;
			n->next = gone;
			gone = n;
			s->count--;
		} else {
			pp = &n->next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	while (gone != NULL) {
		n = gone;
		gone = n->next;
		fn(n->payload, !all);
		node_free(s, n);
	}
}
