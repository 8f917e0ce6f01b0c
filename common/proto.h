/*
 * proto.h - the wire protocol between ecflinkd and its clients
 * (pam_ecflink.so, ecflinkctl, the linking web front end).
 *
 * One request frame and one reply frame per connection over a SOCK_STREAM
 * UNIX socket.  A frame is a 12-byte header followed by a body:
 *
 *   u32 magic    PROTO_MAGIC
 *   u16 version  PROTO_VERSION; bumped only for incompatible changes
 *   u16 type     a request type, or request type | PROTO_REPLY
 *   u32 length   body length in bytes, at most PROTO_MAX_BODY
 *
 * The body is a sequence of fields, each
 *
 *   u16 tag      one of enum proto_tag; the tag fixes the field's kind
 *   u32 length   value length in bytes
 *   value        u32: 4 bytes; u64: 8 bytes; str: bytes + one NUL, no NUL
 *                before it, at most PROTO_MAX_STR bytes including the NUL
 *
 * All integers are big-endian.  A tag may appear at most once.  The decoder
 * rejects anything else (unknown tag, wrong size, duplicate, trailing bytes)
 * with a specific error, so a garbled or hostile frame is never half-read.
 *
 * Every request carries PT_DEADLINE_MS, the time the caller still waits for
 * the answer; every reply carries PT_STATUS (enum proto_status) and, when it
 * is not PS_OK, PT_ERROR with a sentence for the log.
 *
 * Nothing here allocates, logs or exits: this file is linked into the PAM
 * module, which runs inside other people's processes.
 */
#ifndef ECFLINK_PROTO_H
#define ECFLINK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAGIC	0x45434631u	/* "ECF1" */
#define PROTO_VERSION	1
#define PROTO_HDR_LEN	12
#define PROTO_MAX_BODY	65536
#define PROTO_MAX_FRAME	(PROTO_HDR_LEN + PROTO_MAX_BODY)
#define PROTO_MAX_STR	16384
#define PROTO_MAX_FIELDS 64
#define PROTO_REPLY	0x8000

/* Request types.  The reply to type T has type T | PROTO_REPLY. */
enum proto_type {
	PT_PING = 1,		/* -> PT_VERSION_STR, PT_COURT */
	PT_LOOKUP = 2,		/* PT_REALM?, PT_USER -> state fields */
	PT_AUTH = 3,		/* PAM auth phase */
	PT_ACCOUNT = 4,		/* PAM account phase */
	PT_ACK = 5,		/* redaction acknowledgement for a PT_ACCOUNT */
	PT_LINK_PREPARE = 16,	/* PACER + CM/ECF credentials -> names, grade, token */
	PT_LINK_COMMIT = 17,	/* PT_TOKEN, PT_CONFIRM -> PT_TXN */
	PT_ADMIN_RESET_CODE = 32, /* PT_LOGIN, PT_TTL_S -> PT_CODE, PT_EXPIRES */
	PT_ADMIN_UNLINK = 33,	/* PT_LOGIN, PT_NOTE */
	PT_ADMIN_REPORT = 34,	/* -> PT_TEXT, PT_JSON */
	PT_ADMIN_LINT = 35,	/* -> PT_TEXT, PT_JSON, PT_RESULT (1: findings) */
	PT_ADMIN_ANNOUNCE = 36,	/* PT_AGAIN?, PT_TXN? -> PT_RESULT, PT_TOLD, PT_ALREADY,
				 * PT_NO_ADDRESS, PT_MORE, PT_TXN */
	PT_ADMIN_MAIL = 37,	/* PT_RETRY? -> PT_TEXT, PT_COUNT: the waiting notices */
};

/* Field tags.  proto_tag_kind() gives each one's kind. */
enum proto_tag {
	PT_STATUS = 1,		/* u32 enum proto_status (replies) */
	PT_ERROR = 2,		/* str: why the status is not PS_OK */
	PT_DEADLINE_MS = 3,	/* u32: caller's remaining wait */
	PT_REALM = 4,		/* u32 enum proto_realm */
	PT_USER = 5,		/* str: login as the user typed it */
	PT_PASSWORD = 6,	/* str: secret; never logged */
	PT_SERVICE = 7,		/* str: PAM_SERVICE */
	PT_RHOST = 8,		/* str: PAM_RHOST */
	PT_TTY = 9,		/* str: PAM_TTY */
	PT_RUSER = 10,		/* str: PAM_RUSER */
	PT_FLAGS = 11,		/* u32 PF_* */
	PT_STATE = 12,		/* u32 enum proto_state */
	PT_LOGIN = 13,		/* str: the entry's login (uid) */
	PT_NAME = 14,		/* str: the entry's display name (cn) */
	PT_LINKED = 15,		/* str: the login on the other side of a link */
	PT_ROLE = 16,		/* str: ecfRole of the CM/ECF account */
	PT_GOLIVE = 17,		/* u64: go-live, seconds since the epoch; 0 = unset */
	PT_LIVE = 18,		/* u32: 1 when the court has gone live */
	PT_RESULT = 19,		/* u32 enum proto_result */
	PT_REASON = 20,		/* str: machine word for the log, e.g. not_linked */
	PT_MESSAGE = 21,	/* str: text to show the user */
	PT_MSG_STYLE = 22,	/* u32 enum proto_msg_style */
	PT_NOTICE = 23,		/* str: redaction notice text */
	PT_NOTICE_VER = 24,	/* str: sha256:<hex> of the notice */
	PT_TOKEN = 25,		/* str: single-use redaction token */
	PT_ANSWER = 26,		/* u32: 1 accepted, 0 declined */
	PT_VERSION_STR = 27,	/* str: daemon version */
	PT_COURT = 28,		/* str: court.name */
	PT_NAME2 = 29,		/* str: display name of the linked entry */
	PT_LINK_TIME = 30,	/* u64: when the link was made, epoch seconds */
	PT_TXN = 31,		/* u64: link transaction id */
	PT_ENV_LOGIN = 32,	/* str: ECF_LOGIN for pam_putenv */
	PT_ENV_ROLE = 33,	/* str: ECF_ROLE for pam_putenv */
	PT_MAIL = 34,		/* str: mail address */
	PT_ACCOUNT_NO = 35,	/* str: PACER account number */
	PT_CMECF_LOGIN = 36,	/* str: CM/ECF login named for a link */
	PT_CMECF_PASSWORD = 37,	/* str: secret: its current password */
	PT_RESET_CODE = 38,	/* str: secret: a clerk's link-only reset code */
	PT_GRADE = 39,		/* u32 enum proto_grade: how alike the two names are */
	PT_CONFIRM = 40,	/* u32: 1 = the user confirmed differing names */
	PT_TTL_S = 41,		/* u32: lifetime of a reset code, seconds */
	PT_CODE = 42,		/* str: secret: a newly issued reset code */
	PT_EXPIRES = 43,	/* u64: expiry, epoch seconds */
	PT_NOTE = 44,		/* str: admin's free text (unlink reason) */
	PT_JSON = 45,		/* str: a report or lint result as JSON */
	PT_TEXT = 46,		/* str: the same as a plain-text table */
	/* The account phase answered with an AUTH reply (PF_WITH_ACCOUNT):
	 * its result, reason, message and style; its ECF_LOGIN/ECF_ROLE and
	 * redaction question ride in PT_ENV_*, PT_NOTICE*, PT_TOKEN, which an
	 * AUTH reply carries for no other purpose. */
	PT_ACCT_RESULT = 47,	/* u32 enum proto_result */
	PT_ACCT_REASON = 48,	/* str */
	PT_ACCT_MESSAGE = 49,	/* str: text, or the redaction question */
	PT_ACCT_MSG_STYLE = 50,	/* u32 enum proto_msg_style */
	PT_TIMEZONE = 51,	/* str: court.timezone, for dates shown to people */
	PT_AGAIN = 52,		/* u32: 1 = announce also to accounts told before */
	PT_TOLD = 53,		/* u32: announcements spooled by this request */
	PT_ALREADY = 54,	/* u32: accounts skipped as told before */
	PT_NO_ADDRESS = 55,	/* u32: accounts skipped: mail address unusable */
	PT_MORE = 56,		/* u32: 1 = stopped for time; ask again to go on */
	PT_RETRY = 57,		/* u32: 1 = try every waiting notice now */
	PT_COUNT = 58,		/* u32: how many entries a listing has */
	PT_TAG_MAX
};

enum proto_kind { PK_NONE = 0, PK_U32, PK_U64, PK_STR };

enum proto_status {
	PS_OK = 0,
	PS_BAD_REQUEST = 1,	/* malformed frame or missing field */
	PS_BAD_VERSION = 2,	/* version not spoken by the daemon */
	PS_UNKNOWN_TYPE = 3,	/* request type not known */
	PS_UNAVAILABLE = 4,	/* directory unreachable or too slow */
	PS_DENIED = 5,		/* caller may not make this request */
	PS_INTERNAL = 6,	/* daemon-side failure */
	PS_BUSY = 7,		/* daemon is overloaded or stopping */
};

enum proto_realm { PR_REALM_ANY = 0, PR_REALM_CMECF = 1, PR_REALM_PACER = 2 };

/* What a login is, as LOOKUP reports it. */
enum proto_state {
	PST_UNKNOWN = 0,
	PST_LEGACY_UNLINKED = 1,	/* CM/ECF login with a usable password */
	PST_LEGACY_LINKED = 2,		/* CM/ECF login retired by a link */
	PST_LEGACY_LOCKED = 3,		/* CM/ECF login, no password, not linked */
	PST_PACER_UNLINKED = 4,
	PST_PACER_LINKED = 5,
};

/* A PAM decision, mapped to a PAM return code by the module. */
enum proto_result {
	PRS_SUCCESS = 0,
	PRS_IGNORE = 1,
	PRS_AUTH_ERR = 2,
	PRS_PERM_DENIED = 3,
	PRS_USER_UNKNOWN = 4,
	PRS_UNAVAIL = 5,
	PRS_REDACTION = 6,	/* account ok once the notice is acknowledged */
};

enum proto_msg_style { PMS_NONE = 0, PMS_ERROR = 1, PMS_INFO = 2 };

/* Outcome of LINK_PREPARE / LINK_COMMIT (PT_RESULT of those replies). */
enum proto_link_result {
	PLR_OK = 0,			/* prepared / linked */
	PLR_BEFORE_GOLIVE = 1,
	PLR_CMECF_LINKED = 2,		/* the CM/ECF account is already linked */
	PLR_PACER_LINKED = 3,		/* the PACER account is linked elsewhere */
	PLR_BAD_CREDENTIALS = 4,	/* wrong password, unknown login or throttled */
	PLR_NOT_ELIGIBLE = 5,		/* e.g. no e-filing role */
	PLR_CONFIRM_REQUIRED = 6,	/* names differ: commit needs PT_CONFIRM */
	PLR_EXPIRED = 7,		/* prepare token unknown, spent or expired */
	PLR_UNAVAIL = 8,		/* directory or spool unavailable */
	PLR_NOT_FOUND = 9,		/* admin: no such login, or not linked */
};

/* How alike the CM/ECF and PACER display names are. */
enum proto_grade { PG_EXACT = 0, PG_EQUIVALENT = 1, PG_SIMILAR = 2, PG_DIFFERENT = 3 };

/* PT_FLAGS bits of AUTH and ACCOUNT requests. */
#define PF_AUTHENTICATE	0x1u	/* verify PT_PASSWORD */
#define PF_REDACTION	0x2u	/* require the redaction acknowledgement */
#define PF_WITH_ACCOUNT	0x4u	/* AUTH: answer the account phase in the same reply */

enum proto_err {
	PE_OK = 0,
	PE_SHORT,		/* fewer bytes than the header or a field says */
	PE_MAGIC,		/* not an ecflink frame */
	PE_VERSION,		/* a version this side does not speak */
	PE_TOO_BIG,		/* body longer than PROTO_MAX_BODY */
	PE_TRAILING,		/* bytes after the last field */
	PE_TAG,			/* unknown tag */
	PE_DUP,			/* tag repeated */
	PE_SIZE,		/* value size wrong for the tag's kind */
	PE_STRING,		/* string not NUL-terminated or with an inner NUL */
	PE_FIELDS,		/* more than PROTO_MAX_FIELDS fields */
	PE_OVERFLOW,		/* encoder: frame would exceed the limits */
};

struct proto_field {
	uint16_t tag;
	uint32_t len;
	const uint8_t *val;
};

/* A decoded frame.  Its fields point into the buffer given to
 * proto_decode(), which must outlive the message. */
struct proto_msg {
	uint16_t version;
	uint16_t type;
	size_t nfields;
	struct proto_field f[PROTO_MAX_FIELDS];
};

/* An encoder writing into caller-owned storage of cap bytes.  After the
 * first failure every put is a no-op and proto_finish() reports it. */
struct proto_buf {
	uint8_t *data;
	size_t cap;
	size_t len;
	enum proto_err err;
};

enum proto_kind proto_tag_kind(unsigned int tag);
const char *proto_strerror(enum proto_err e);
const char *proto_status_str(enum proto_status s);

void proto_begin(struct proto_buf *b, uint8_t *data, size_t cap, uint16_t type);
void proto_put_u32(struct proto_buf *b, uint16_t tag, uint32_t v);
void proto_put_u64(struct proto_buf *b, uint16_t tag, uint64_t v);
/* A NULL s puts nothing, so optional fields need no test at the caller. */
void proto_put_str(struct proto_buf *b, uint16_t tag, const char *s);
/* Writes the body length into the header; returns PE_OK or the first error. */
enum proto_err proto_finish(struct proto_buf *b);

/*
 * Checks a header.  On PE_OK *type and *body_len are set.  On PE_VERSION
 * *version and *type hold what the frame says, so the daemon can answer
 * in kind and say which version it speaks; on any other error all three
 * are 0.
 */
enum proto_err proto_header(const uint8_t *hdr, uint16_t *version, uint16_t *type,
			    uint32_t *body_len);
/* Decodes a whole frame (header and body) of exactly len bytes. */
enum proto_err proto_decode(const uint8_t *frame, size_t len, struct proto_msg *m);

/* Accessors: NULL / -1 when the field is absent. */
const char *proto_str(const struct proto_msg *m, uint16_t tag);
int proto_u32(const struct proto_msg *m, uint16_t tag, uint32_t *out);
int proto_u64(const struct proto_msg *m, uint16_t tag, uint64_t *out);

#endif
