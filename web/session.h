/*
 * session.h - ecflink-web's sessions: who the browser proved to be, and
 * where it is in the linking steps.
 *
 * Ids and CSRF tokens are 256 random bits from getrandom(2), written as
 * 64 hex digits.  A session idles out after idle_s; the store holds at
 * most max sessions, and when full a new one replaces an expired one, else
 * the one idle longest.  Callers work on copies (session_get / session_put)
 * so that no lock is held while ecflinkd is asked.  Nothing secret but the
 * ids themselves is kept: never a password, never a reset code.
 */
#ifndef ECFLINK_SESSION_H
#define ECFLINK_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#define SESSION_ID_LEN 64
#define SESSION_LOGIN_MAX 256

enum session_state {
	SS_ANON = 0,		/* not logged in */
	SS_UNLINKED,		/* PACER login proven, not linked */
	SS_BEFORE_GOLIVE,	/* proven; the court is not live */
	SS_LINKED,		/* proven and already linked */
};

struct session {
	char id[SESSION_ID_LEN + 1];
	char csrf[SESSION_ID_LEN + 1];
	int64_t last_ms;
	enum session_state state;
	bool sso;				/* identity from the SSO header */
	char pacer[SESSION_LOGIN_MAX + 1];	/* the proven PACER login */
	char linked[SESSION_LOGIN_MAX + 1];	/* its CM/ECF login when linked */
	char notice[1024];			/* ecflinkd's word on the account */
	/* A prepared link waiting for confirmation. */
	char token[128];
	char cmecf_login[SESSION_LOGIN_MAX + 1];
	char cmecf_name[SESSION_LOGIN_MAX + 1];
	char pacer_name[SESSION_LOGIN_MAX + 1];
	uint32_t grade;
	/* The link this session made. */
	uint64_t txn;
};

/* Sizes the store; 0 or -1 (out of memory). */
int session_init(int max, int idle_s);
/* Fills s with the live session id names and marks it used; false when
 * there is none (unknown or idled out). */
bool session_get(const char *id, int64_t now_ms, struct session *s);
/* Starts a fresh anonymous session in s and stores it; 0 or -1. */
int session_new(int64_t now_ms, struct session *s);
/* Stores s back under s->id (a session dropped meanwhile stays dropped). */
void session_put(const struct session *s);
/* Gives s new id and CSRF token (at login, so a planted id is worthless). */
int session_rotate(struct session *s);
void session_drop(const char *id);
/* Compares two strings in time independent of where they differ. */
bool session_equal(const char *a, const char *b);

#endif
