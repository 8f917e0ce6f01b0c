/*
 * proto.c - encoder and strict decoder for ecflink frames (see proto.h).
 */
#include "proto.h"

#include <string.h>

static const unsigned char tag_kind[PT_TAG_MAX] = {
	[PT_STATUS] = PK_U32,	[PT_ERROR] = PK_STR,	[PT_DEADLINE_MS] = PK_U32,
	[PT_REALM] = PK_U32,	[PT_USER] = PK_STR,	[PT_PASSWORD] = PK_STR,
	[PT_SERVICE] = PK_STR,	[PT_RHOST] = PK_STR,	[PT_TTY] = PK_STR,
	[PT_RUSER] = PK_STR,	[PT_FLAGS] = PK_U32,	[PT_STATE] = PK_U32,
	[PT_LOGIN] = PK_STR,	[PT_NAME] = PK_STR,	[PT_LINKED] = PK_STR,
	[PT_ROLE] = PK_STR,	[PT_GOLIVE] = PK_U64,	[PT_LIVE] = PK_U32,
	[PT_RESULT] = PK_U32,	[PT_REASON] = PK_STR,	[PT_MESSAGE] = PK_STR,
	[PT_MSG_STYLE] = PK_U32, [PT_NOTICE] = PK_STR,	[PT_NOTICE_VER] = PK_STR,
	[PT_TOKEN] = PK_STR,	[PT_ANSWER] = PK_U32,	[PT_VERSION_STR] = PK_STR,
	[PT_COURT] = PK_STR,	[PT_NAME2] = PK_STR,	[PT_LINK_TIME] = PK_U64,
	[PT_TXN] = PK_U64,	[PT_ENV_LOGIN] = PK_STR, [PT_ENV_ROLE] = PK_STR,
	[PT_MAIL] = PK_STR,	[PT_ACCOUNT_NO] = PK_STR, [PT_CMECF_LOGIN] = PK_STR,
	[PT_CMECF_PASSWORD] = PK_STR, [PT_RESET_CODE] = PK_STR, [PT_GRADE] = PK_U32,
	[PT_CONFIRM] = PK_U32,	[PT_TTL_S] = PK_U32,	[PT_CODE] = PK_STR,
	[PT_EXPIRES] = PK_U64,	[PT_NOTE] = PK_STR,	[PT_JSON] = PK_STR,
	[PT_TEXT] = PK_STR,	[PT_ACCT_RESULT] = PK_U32, [PT_ACCT_REASON] = PK_STR,
	[PT_ACCT_MESSAGE] = PK_STR, [PT_ACCT_MSG_STYLE] = PK_U32, [PT_TIMEZONE] = PK_STR,
	[PT_AGAIN] = PK_U32,	[PT_TOLD] = PK_U32,	[PT_ALREADY] = PK_U32,
	[PT_NO_ADDRESS] = PK_U32, [PT_MORE] = PK_U32, [PT_RETRY] = PK_U32,
	[PT_COUNT] = PK_U32,
};

/* Field header: u16 tag + u32 length. */
#define FIELD_HDR_LEN 6

enum proto_kind
proto_tag_kind(unsigned int tag)
{
	if (tag >= PT_TAG_MAX)
		return PK_NONE;
	return (enum proto_kind)tag_kind[tag];
}

const char *
proto_strerror(enum proto_err e)
{
	switch (e) {
	case PE_OK: return "no error";
	case PE_SHORT: return "frame shorter than its lengths say";
	case PE_MAGIC: return "not an ecflink frame (bad magic)";
	case PE_VERSION: return "unsupported protocol version";
	case PE_TOO_BIG: return "frame larger than the protocol limit";
	case PE_TRAILING: return "trailing bytes after the last field";
	case PE_TAG: return "unknown field tag";
	case PE_DUP: return "field repeated";
	case PE_SIZE: return "field size wrong for its type";
	case PE_STRING: return "string field not NUL-terminated or with an inner NUL";
	case PE_FIELDS: return "too many fields";
	case PE_OVERFLOW: return "message exceeds the protocol limits";
	}
	return "unknown protocol error";
}

const char *
proto_status_str(enum proto_status s)
{
	switch (s) {
	case PS_OK: return "ok";
	case PS_BAD_REQUEST: return "malformed request";
	case PS_BAD_VERSION: return "protocol version mismatch";
	case PS_UNKNOWN_TYPE: return "unknown request type";
	case PS_UNAVAILABLE: return "directory unavailable";
	case PS_DENIED: return "permission denied";
	case PS_INTERNAL: return "internal error in ecflinkd";
	case PS_BUSY: return "ecflinkd is busy or stopping";
	}
	return "unknown status";
}

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

void
proto_begin(struct proto_buf *b, uint8_t *data, size_t cap, uint16_t type)
{
	b->data = data;
	b->cap = cap < PROTO_MAX_FRAME ? cap : PROTO_MAX_FRAME;
	b->len = 0;
	b->err = PE_OK;
	if (b->cap < PROTO_HDR_LEN) {
		b->err = PE_OVERFLOW;
		return;
	}
	be32(data, PROTO_MAGIC);
	be16(data + 4, PROTO_VERSION);
	be16(data + 6, type);
	be32(data + 8, 0);
	b->len = PROTO_HDR_LEN;
}

/* Appends one field; the value is copied from val. */
static void
put_field(struct proto_buf *b, uint16_t tag, const void *val, size_t len)
{
	if (b->err != PE_OK)
		return;
	if (len > b->cap - b->len || b->cap - b->len - len < FIELD_HDR_LEN) {
		b->err = PE_OVERFLOW;
		return;
	}
	be16(b->data + b->len, tag);
	be32(b->data + b->len + 2, (uint32_t)len);
	memcpy(b->data + b->len + FIELD_HDR_LEN, val, len);
	b->len += FIELD_HDR_LEN + len;
}

void
proto_put_u32(struct proto_buf *b, uint16_t tag, uint32_t v)
{
	uint8_t raw[4];

	be32(raw, v);
	put_field(b, tag, raw, sizeof(raw));
}

void
proto_put_u64(struct proto_buf *b, uint16_t tag, uint64_t v)
{
	uint8_t raw[8];

	be32(raw, (uint32_t)(v >> 32));
	be32(raw + 4, (uint32_t)v);
	put_field(b, tag, raw, sizeof(raw));
}

void
proto_put_str(struct proto_buf *b, uint16_t tag, const char *s)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s) + 1;
	if (n > PROTO_MAX_STR) {
		if (b->err == PE_OK)
			b->err = PE_OVERFLOW;
		return;
	}
	put_field(b, tag, s, n);
}

enum proto_err
proto_finish(struct proto_buf *b)
{
	if (b->err != PE_OK)
		return b->err;
	be32(b->data + 8, (uint32_t)(b->len - PROTO_HDR_LEN));
	return PE_OK;
}

enum proto_err
proto_header(const uint8_t *hdr, uint16_t *version, uint16_t *type, uint32_t *body_len)
{
	/* Set before any check, so a refused frame's reply has a defined
	 * type: the sender's own for a frame of another version. */
	*version = 0;
	*type = 0;
	*body_len = 0;
	if (rd32(hdr) != PROTO_MAGIC)
		return PE_MAGIC;
	*version = rd16(hdr + 4);
	*type = rd16(hdr + 6);
	if (*version != PROTO_VERSION)
		return PE_VERSION;
	*body_len = rd32(hdr + 8);
	if (*body_len > PROTO_MAX_BODY)
		return PE_TOO_BIG;
	return PE_OK;
}

/* Checks that a value fits the kind its tag demands. */
static enum proto_err
check_value(enum proto_kind kind, const uint8_t *val, uint32_t len)
{
	switch (kind) {
	case PK_U32:
		return len == 4 ? PE_OK : PE_SIZE;
	case PK_U64:
		return len == 8 ? PE_OK : PE_SIZE;
	case PK_STR:
		if (len == 0 || len > PROTO_MAX_STR)
			return PE_SIZE;
		if (val[len - 1] != '\0' || memchr(val, '\0', len - 1) != NULL)
			return PE_STRING;
		return PE_OK;
	case PK_NONE:
		break;
	}
	return PE_TAG;
}

enum proto_err
proto_decode(const uint8_t *frame, size_t len, struct proto_msg *m)
{
	uint32_t body_len, seen[(PT_TAG_MAX + 31) / 32] = { 0 };
	size_t off;
	enum proto_err e;

	m->nfields = 0;
	m->version = 0;
	m->type = 0;
	if (len < PROTO_HDR_LEN)
		return PE_SHORT;
	e = proto_header(frame, &m->version, &m->type, &body_len);
	if (e != PE_OK)
		return e;
	if (len < PROTO_HDR_LEN + (size_t)body_len)
		return PE_SHORT;
	if (len > PROTO_HDR_LEN + (size_t)body_len)
		return PE_TRAILING;
	for (off = PROTO_HDR_LEN; off < len;) {
		uint16_t tag;
		uint32_t flen;

		if (len - off < FIELD_HDR_LEN)
			return PE_SHORT;
		tag = rd16(frame + off);
		flen = rd32(frame + off + 2);
		off += FIELD_HDR_LEN;
		if (flen > len - off)
			return PE_SHORT;
		if (proto_tag_kind(tag) == PK_NONE)
			return PE_TAG;
		if (seen[tag / 32] & (1u << (tag % 32)))
			return PE_DUP;
		seen[tag / 32] |= 1u << (tag % 32);
		e = check_value(proto_tag_kind(tag), frame + off, flen);
		if (e != PE_OK)
			return e;
		if (m->nfields == PROTO_MAX_FIELDS)
			return PE_FIELDS;
		m->f[m->nfields].tag = tag;
		m->f[m->nfields].len = flen;
		m->f[m->nfields].val = frame + off;
		m->nfields++;
		off += flen;
	}
	return PE_OK;
}

static const struct proto_field *
find(const struct proto_msg *m, uint16_t tag, enum proto_kind kind)
{
	size_t i;

	if (proto_tag_kind(tag) != kind)
		return NULL;
	for (i = 0; i < m->nfields; i++)
		if (m->f[i].tag == tag)
			return &m->f[i];
	return NULL;
}

const char *
proto_str(const struct proto_msg *m, uint16_t tag)
{
	const struct proto_field *f = find(m, tag, PK_STR);

	return f ? (const char *)f->val : NULL;
}

int
proto_u32(const struct proto_msg *m, uint16_t tag, uint32_t *out)
{
	const struct proto_field *f = find(m, tag, PK_U32);

	if (f == NULL)
		return -1;
	*out = rd32(f->val);
	return 0;
}

int
proto_u64(const struct proto_msg *m, uint16_t tag, uint64_t *out)
{
	const struct proto_field *f = find(m, tag, PK_U64);

	if (f == NULL)
		return -1;
	*out = (uint64_t)rd32(f->val) << 32 | rd32(f->val + 4);
	return 0;
}
