/*
 * test_proto.c - common/proto.c: encoder round trips and limits, every
 * decoder fault produced by a hand-made frame, and a deterministic mutation
 * loop checking that whatever the decoder accepts is well-formed.
 *
 * Frames that the decoder reads are copied into heap buffers of exactly
 * their length, so that ASan reports a read one byte past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

#define FIELD_HDR 6
#define MUTATIONS 200000

/* A frame under construction by hand, for frames the encoder cannot make. */
struct raw {
	uint8_t b[PROTO_MAX_FRAME + 64];
	size_t len;
};

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

/* Starts r with a header; the body length is fixed later by raw_seal(). */
static void
raw_hdr(struct raw *r, uint32_t magic, uint16_t version, uint16_t type)
{
	w32(r->b, magic);
	w16(r->b + 4, version);
	w16(r->b + 6, type);
	w32(r->b + 8, 0);
	r->len = PROTO_HDR_LEN;
}

/* Appends a field whose header says flen bytes, followed by vlen bytes of val. */
static void
raw_field(struct raw *r, uint16_t tag, uint32_t flen, const void *val, size_t vlen)
{
	assert_true(r->len + FIELD_HDR + vlen <= sizeof(r->b));
	w16(r->b + r->len, tag);
	w32(r->b + r->len + 2, flen);
	if (vlen > 0)
		memcpy(r->b + r->len + FIELD_HDR, val, vlen);
	r->len += FIELD_HDR + vlen;
}

/* Appends a field whose header length matches its value. */
static void
raw_put(struct raw *r, uint16_t tag, const void *val, size_t vlen)
{
	raw_field(r, tag, (uint32_t)vlen, val, vlen);
}

/* Writes the body length that matches what was appended. */
static void
raw_seal(struct raw *r)
{
	w32(r->b + 8, (uint32_t)(r->len - PROTO_HDR_LEN));
}

/* Decodes len bytes of p from an exact-size heap copy; returns the result. */
static enum proto_err
decode_copy(const uint8_t *p, size_t len, struct proto_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum proto_err e;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, p, len);
	e = proto_decode(copy, len, m);
	free(copy);
	return e;
}

static enum proto_err
decode_raw(const struct raw *r)
{
	struct proto_msg m;

	return decode_copy(r->b, r->len, &m);
}

/* A frame holding one field of tag with vlen bytes of val, sealed. */
static enum proto_err
decode_one(uint16_t tag, uint32_t flen, const void *val, size_t vlen)
{
	struct raw r;

	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	raw_field(&r, tag, flen, val, vlen);
	raw_seal(&r);
	return decode_raw(&r);
}

/* The value each tag gets in the every-tag round trip. */
static uint32_t
val32(unsigned int tag)
{
	return 0x9e3779b9u * tag;
}

static uint64_t
val64(unsigned int tag)
{
	return 0x9e3779b97f4a7c15ull * tag;
}

static void
valstr(char *s, size_t n, unsigned int tag)
{
	size_t i, len = tag % 7 == 0 ? 0 : tag * 3 % (n - 1);

	for (i = 0; i < len; i++)
		s[i] = (char)(1 + (tag + i) % 255);	/* every byte but NUL */
	s[len] = '\0';
}

static void
test_every_tag_round_trip(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	struct proto_buf b;
	struct proto_msg m;
	unsigned int tag, n = 0;
	char s[300];

	(void)state;
	proto_begin(&b, buf, sizeof(buf), PT_LOOKUP);
	for (tag = 0; tag < PT_TAG_MAX; tag++) {
		switch (proto_tag_kind(tag)) {
		case PK_U32:
			proto_put_u32(&b, (uint16_t)tag, val32(tag));
			break;
		case PK_U64:
			proto_put_u64(&b, (uint16_t)tag, val64(tag));
			break;
		case PK_STR:
			valstr(s, sizeof(s), tag);
			proto_put_str(&b, (uint16_t)tag, s);
			break;
		case PK_NONE:
			assert_int_equal(tag, 0);
			continue;
		}
		n++;
	}
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(n, PT_TAG_MAX - 1);
	assert_int_equal(decode_copy(buf, b.len, &m), PE_OK);
	assert_int_equal(m.nfields, n);
	/* proto_decode points into its buffer, so decode the original now. */
	assert_int_equal(proto_decode(buf, b.len, &m), PE_OK);
	for (tag = 1; tag < PT_TAG_MAX; tag++) {
		uint32_t u32;
		uint64_t u64;

		switch (proto_tag_kind(tag)) {
		case PK_U32:
			assert_int_equal(proto_u32(&m, (uint16_t)tag, &u32), 0);
			assert_int_equal(u32, val32(tag));
			break;
		case PK_U64:
			assert_int_equal(proto_u64(&m, (uint16_t)tag, &u64), 0);
			assert_true(u64 == val64(tag));
			break;
		case PK_STR:
			valstr(s, sizeof(s), tag);
			assert_non_null(proto_str(&m, (uint16_t)tag));
			assert_string_equal(proto_str(&m, (uint16_t)tag), s);
			break;
		case PK_NONE:
			fail();
		}
	}
}

static void
test_round_trip_values(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	static char big[PROTO_MAX_STR];
	struct proto_buf b;
	struct proto_msg m;
	uint32_t u32;
	uint64_t u64;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';	/* PROTO_MAX_STR - 1 bytes + NUL */
	proto_begin(&b, buf, sizeof(buf), PT_PING | PROTO_REPLY);
	proto_put_u32(&b, PT_STATUS, 0);
	proto_put_u32(&b, PT_DEADLINE_MS, UINT32_MAX);
	proto_put_u64(&b, PT_GOLIVE, 0x0123456789abcdefull);
	proto_put_u64(&b, PT_TXN, 0);
	proto_put_u64(&b, PT_LINK_TIME, UINT64_MAX);
	proto_put_str(&b, PT_ERROR, "");
	proto_put_str(&b, PT_USER, "alice");
	proto_put_str(&b, PT_NOTICE, big);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(b.len, PROTO_HDR_LEN + 8 * FIELD_HDR + 4 + 4 + 3 * 8 + 1 + 6 +
					PROTO_MAX_STR);

	/* The header as the wire sees it. */
	assert_memory_equal(buf, "ECF1", 4);
	assert_int_equal(buf[4], 0);
	assert_int_equal(buf[5], PROTO_VERSION);
	assert_int_equal(buf[6], 0x80);
	assert_int_equal(buf[7], PT_PING);
	assert_int_equal((uint32_t)buf[8] << 24 | buf[9] << 16 | buf[10] << 8 | buf[11],
			 b.len - PROTO_HDR_LEN);
	/* First field: PT_STATUS, length 4, value 0, big-endian. */
	assert_memory_equal(buf + 12, "\0\1\0\0\0\4\0\0\0\0", 10);

	assert_int_equal(decode_copy(buf, b.len, &m), PE_OK);
	assert_int_equal(proto_decode(buf, b.len, &m), PE_OK);
	assert_int_equal(m.version, PROTO_VERSION);
	assert_int_equal(m.type, PT_PING | PROTO_REPLY);
	assert_int_equal(m.nfields, 8);
	assert_int_equal(proto_u32(&m, PT_STATUS, &u32), 0);
	assert_int_equal(u32, 0);
	assert_int_equal(proto_u32(&m, PT_DEADLINE_MS, &u32), 0);
	assert_int_equal(u32, UINT32_MAX);
	assert_int_equal(proto_u64(&m, PT_GOLIVE, &u64), 0);
	assert_true(u64 == 0x0123456789abcdefull);
	assert_int_equal(proto_u64(&m, PT_TXN, &u64), 0);
	assert_true(u64 == 0);
	assert_int_equal(proto_u64(&m, PT_LINK_TIME, &u64), 0);
	assert_true(u64 == UINT64_MAX);
	assert_string_equal(proto_str(&m, PT_ERROR), "");
	assert_string_equal(proto_str(&m, PT_USER), "alice");
	assert_int_equal(strlen(proto_str(&m, PT_NOTICE)), PROTO_MAX_STR - 1);
	assert_string_equal(proto_str(&m, PT_NOTICE), big);
}

static void
test_accessors_absent_and_kind(void **state)
{
	uint8_t buf[256];
	struct proto_buf b;
	struct proto_msg m;
	uint32_t u32 = 7;
	uint64_t u64 = 7;

	(void)state;
	proto_begin(&b, buf, sizeof(buf), PT_AUTH);
	proto_put_str(&b, PT_USER, "bob");
	proto_put_u32(&b, PT_DEADLINE_MS, 500);
	proto_put_u64(&b, PT_GOLIVE, 42);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(proto_decode(buf, b.len, &m), PE_OK);

	/* Absent fields. */
	assert_null(proto_str(&m, PT_PASSWORD));
	assert_int_equal(proto_u32(&m, PT_FLAGS, &u32), -1);
	assert_int_equal(proto_u64(&m, PT_TXN, &u64), -1);
	/* Present, but asked for as another kind. */
	assert_int_equal(proto_u32(&m, PT_USER, &u32), -1);
	assert_int_equal(proto_u64(&m, PT_USER, &u64), -1);
	assert_int_equal(proto_u64(&m, PT_DEADLINE_MS, &u64), -1);
	assert_int_equal(proto_u32(&m, PT_GOLIVE, &u32), -1);
	assert_null(proto_str(&m, PT_DEADLINE_MS));
	assert_null(proto_str(&m, PT_GOLIVE));
	/* Tags that do not exist. */
	assert_null(proto_str(&m, 0));
	assert_null(proto_str(&m, PT_TAG_MAX));
	assert_null(proto_str(&m, 0xffff));
	assert_int_equal(proto_u32(&m, 0, &u32), -1);
	assert_int_equal(proto_u64(&m, 0xffff, &u64), -1);
	/* The right kind still works. */
	assert_string_equal(proto_str(&m, PT_USER), "bob");
	assert_int_equal(proto_u32(&m, PT_DEADLINE_MS, &u32), 0);
	assert_int_equal(u32, 500);
	assert_int_equal(proto_u64(&m, PT_GOLIVE, &u64), 0);
	assert_true(u64 == 42);

	/* An empty message has no fields at all. */
	proto_begin(&b, buf, sizeof(buf), PT_PING);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(b.len, PROTO_HDR_LEN);
	assert_int_equal(proto_decode(buf, b.len, &m), PE_OK);
	assert_int_equal(m.nfields, 0);
	assert_null(proto_str(&m, PT_USER));
}

static void
test_tag_kinds(void **state)
{
	unsigned int tag, known = 0;

	(void)state;
	assert_int_equal(proto_tag_kind(0), PK_NONE);
	assert_int_equal(proto_tag_kind(PT_TAG_MAX), PK_NONE);
	assert_int_equal(proto_tag_kind(0xffff), PK_NONE);
	assert_int_equal(proto_tag_kind(0xffffffffu), PK_NONE);
	assert_int_equal(proto_tag_kind(PT_STATUS), PK_U32);
	assert_int_equal(proto_tag_kind(PT_GOLIVE), PK_U64);
	assert_int_equal(proto_tag_kind(PT_PASSWORD), PK_STR);
	for (tag = 0; tag <= 0xffff; tag++)
		if (proto_tag_kind(tag) != PK_NONE)
			known++;
	/* Every tag of enum proto_tag has a kind. */
	assert_int_equal(known, PT_TAG_MAX - 1);
}

static void
test_encoder_string_limit(void **state)
{
	static uint8_t buf[PROTO_MAX_FRAME];
	static char s[PROTO_MAX_STR + 1];
	struct proto_buf b;

	(void)state;
	memset(s, 'y', PROTO_MAX_STR);
	s[PROTO_MAX_STR] = '\0';	/* PROTO_MAX_STR bytes + NUL: one too many */
	proto_begin(&b, buf, sizeof(buf), PT_LOOKUP);
	proto_put_u32(&b, PT_DEADLINE_MS, 1);
	proto_put_str(&b, PT_USER, s);
	assert_int_equal(b.err, PE_OVERFLOW);
	assert_int_equal(b.len, PROTO_HDR_LEN + FIELD_HDR + 4);
	/* Later puts are no-ops, and finish reports the first error. */
	proto_put_str(&b, PT_SERVICE, "login");
	proto_put_u32(&b, PT_FLAGS, 1);
	assert_int_equal(b.len, PROTO_HDR_LEN + FIELD_HDR + 4);
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);

	/* One byte shorter fits. */
	s[PROTO_MAX_STR - 1] = '\0';
	proto_begin(&b, buf, sizeof(buf), PT_LOOKUP);
	proto_put_str(&b, PT_USER, s);
	assert_int_equal(proto_finish(&b), PE_OK);
}

static void
test_encoder_null_string(void **state)
{
	uint8_t buf[64];
	struct proto_buf b;
	struct proto_msg m;

	(void)state;
	proto_begin(&b, buf, sizeof(buf), PT_AUTH);
	proto_put_str(&b, PT_RHOST, NULL);
	assert_int_equal(b.len, PROTO_HDR_LEN);
	assert_int_equal(b.err, PE_OK);
	proto_put_str(&b, PT_USER, "u");
	proto_put_str(&b, PT_TTY, NULL);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(proto_decode(buf, b.len, &m), PE_OK);
	assert_int_equal(m.nfields, 1);
	assert_null(proto_str(&m, PT_RHOST));
	assert_null(proto_str(&m, PT_TTY));
}

static void
test_encoder_capacity(void **state)
{
	static uint8_t big[2 * PROTO_MAX_FRAME];
	static char s[PROTO_MAX_STR];
	uint8_t buf[PROTO_HDR_LEN + FIELD_HDR + 4];
	struct proto_buf b;
	struct proto_msg m;

	(void)state;
	/* Below the header size nothing fits. */
	proto_begin(&b, buf, PROTO_HDR_LEN - 1, PT_PING);
	assert_int_equal(b.err, PE_OVERFLOW);
	proto_put_u32(&b, PT_STATUS, 0);
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);

	/* Exactly one u32 field fits; one byte less does not. */
	proto_begin(&b, buf, sizeof(buf), PT_PING);
	proto_put_u32(&b, PT_STATUS, 3);
	assert_int_equal(b.err, PE_OK);
	assert_int_equal(b.len, sizeof(buf));
	proto_put_u32(&b, PT_DEADLINE_MS, 3);
	assert_int_equal(b.err, PE_OVERFLOW);
	assert_int_equal(b.len, sizeof(buf));
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);
	proto_begin(&b, buf, sizeof(buf) - 1, PT_PING);
	proto_put_u32(&b, PT_STATUS, 3);
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);
	assert_int_equal(b.len, PROTO_HDR_LEN);
	/* A field header alone does not fit in less than 6 bytes. */
	proto_begin(&b, buf, PROTO_HDR_LEN + FIELD_HDR - 1, PT_PING);
	proto_put_str(&b, PT_USER, "");
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);

	/*
	 * A larger buffer is capped at PROTO_MAX_FRAME: 3 strings of
	 * PROTO_MAX_STR and one of PROTO_MAX_STR - 24 fill the body exactly.
	 */
	memset(s, 's', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	proto_begin(&b, big, sizeof(big), PT_ADMIN_REPORT);
	assert_int_equal(b.cap, PROTO_MAX_FRAME);
	proto_put_str(&b, PT_NOTICE, s);
	proto_put_str(&b, PT_MESSAGE, s);
	proto_put_str(&b, PT_ERROR, s);
	s[PROTO_MAX_STR - 1 - 4 * FIELD_HDR] = '\0';
	proto_put_str(&b, PT_NAME, s);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(b.len, PROTO_MAX_FRAME);
	assert_int_equal(decode_copy(big, b.len, &m), PE_OK);
	assert_int_equal(m.nfields, 4);
	/* Not one more byte. */
	proto_put_str(&b, PT_USER, "");
	assert_int_equal(proto_finish(&b), PE_OVERFLOW);
	assert_int_equal(b.len, PROTO_MAX_FRAME);
}

static void
test_decode_header_faults(void **state)
{
	struct raw r;
	uint16_t version = 0, type = 0;
	uint32_t body = 0;

	(void)state;
	/* Short header: 0 and 11 bytes. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_PING);
	assert_int_equal(decode_copy(r.b, 0, &(struct proto_msg){ 0 }), PE_SHORT);
	assert_int_equal(decode_copy(r.b, PROTO_HDR_LEN - 1, &(struct proto_msg){ 0 }),
			 PE_SHORT);
	assert_int_equal(decode_raw(&r), PE_OK);

	raw_hdr(&r, PROTO_MAGIC ^ 1, PROTO_VERSION, PT_PING);
	assert_int_equal(decode_raw(&r), PE_MAGIC);
	raw_hdr(&r, 0, PROTO_VERSION, PT_PING);
	assert_int_equal(decode_raw(&r), PE_MAGIC);

	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION + 1, PT_PING);
	assert_int_equal(decode_raw(&r), PE_VERSION);
	assert_int_equal(proto_header(r.b, &version, &type, &body), PE_VERSION);
	assert_int_equal(version, PROTO_VERSION + 1);
	raw_hdr(&r, PROTO_MAGIC, 0, PT_PING);
	assert_int_equal(proto_header(r.b, &version, &type, &body), PE_VERSION);
	assert_int_equal(version, 0);
	raw_hdr(&r, PROTO_MAGIC, 0xffff, PT_PING);
	assert_int_equal(proto_header(r.b, &version, &type, &body), PE_VERSION);
	assert_int_equal(version, 0xffff);

	/* Body length over the limit, whatever follows. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_PING);
	w32(r.b + 8, PROTO_MAX_BODY + 1);
	assert_int_equal(decode_raw(&r), PE_TOO_BIG);
	assert_int_equal(proto_header(r.b, &version, &type, &body), PE_TOO_BIG);
	w32(r.b + 8, UINT32_MAX);
	assert_int_equal(decode_raw(&r), PE_TOO_BIG);
	/* At the limit the header is fine; the frame is then short. */
	w32(r.b + 8, PROTO_MAX_BODY);
	assert_int_equal(proto_header(r.b, &version, &type, &body), PE_OK);
	assert_int_equal(version, PROTO_VERSION);
	assert_int_equal(type, PT_PING);
	assert_int_equal(body, PROTO_MAX_BODY);
	assert_int_equal(decode_raw(&r), PE_SHORT);
}

static void
test_decode_length_faults(void **state)
{
	struct raw r;
	uint8_t v[8] = { 0 };

	(void)state;
	/* Frame shorter than its body length. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	raw_put(&r, PT_DEADLINE_MS, v, 4);
	raw_seal(&r);
	r.len--;
	assert_int_equal(decode_raw(&r), PE_SHORT);

	/* Bytes after the body length. */
	r.len++;
	assert_int_equal(decode_raw(&r), PE_OK);
	r.b[r.len++] = 0;
	assert_int_equal(decode_raw(&r), PE_TRAILING);

	/* Field header cut: body of 5 bytes. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	memset(r.b + r.len, 0, 5);
	r.b[r.len + 1] = PT_DEADLINE_MS;
	r.len += 5;
	raw_seal(&r);
	assert_int_equal(decode_raw(&r), PE_SHORT);
	/* ... after a good field. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	raw_put(&r, PT_DEADLINE_MS, v, 4);
	r.b[r.len++] = 0;
	raw_seal(&r);
	assert_int_equal(decode_raw(&r), PE_SHORT);

	/* Field length past the end of the body. */
	assert_int_equal(decode_one(PT_DEADLINE_MS, 5, v, 4), PE_SHORT);
	assert_int_equal(decode_one(PT_USER, 100, "abc", 4), PE_SHORT);
	assert_int_equal(decode_one(PT_USER, UINT32_MAX, "abc", 4), PE_SHORT);
	assert_int_equal(decode_one(PT_USER, UINT32_MAX - 5, "abc", 4), PE_SHORT);
	/* Field length shorter than the value: the rest reads as a field. */
	assert_int_equal(decode_one(PT_DEADLINE_MS, 4, v, 8), PE_SHORT);
}

static void
test_decode_field_faults(void **state)
{
	static char s[PROTO_MAX_STR + 1];
	struct raw r;
	uint8_t v[8] = { 0 };

	(void)state;
	/* Unknown tags, even with a plausible value. */
	assert_int_equal(decode_one(0, 4, v, 4), PE_TAG);
	assert_int_equal(decode_one(PT_TAG_MAX, 4, v, 4), PE_TAG);
	assert_int_equal(decode_one(0xffff, 4, v, 4), PE_TAG);
	assert_int_equal(decode_one(0xffff, 0, v, 0), PE_TAG);

	/* A repeated tag. */
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	raw_put(&r, PT_USER, "a", 2);
	raw_put(&r, PT_DEADLINE_MS, v, 4);
	raw_put(&r, PT_USER, "b", 2);
	raw_seal(&r);
	assert_int_equal(decode_raw(&r), PE_DUP);

	/* Integer sizes. */
	assert_int_equal(decode_one(PT_DEADLINE_MS, 3, v, 3), PE_SIZE);
	assert_int_equal(decode_one(PT_DEADLINE_MS, 5, v, 5), PE_SIZE);
	assert_int_equal(decode_one(PT_DEADLINE_MS, 0, v, 0), PE_SIZE);
	assert_int_equal(decode_one(PT_GOLIVE, 7, v, 7), PE_SIZE);
	assert_int_equal(decode_one(PT_GOLIVE, 4, v, 4), PE_SIZE);
	assert_int_equal(decode_one(PT_GOLIVE, 8, v, 8), PE_OK);

	/* Strings. */
	assert_int_equal(decode_one(PT_USER, 3, "abc", 3), PE_STRING);
	assert_int_equal(decode_one(PT_USER, 4, "a\0c", 4), PE_STRING);
	assert_int_equal(decode_one(PT_USER, 2, "\0", 2), PE_STRING);
	assert_int_equal(decode_one(PT_USER, 0, "", 0), PE_SIZE);
	assert_int_equal(decode_one(PT_USER, 1, "", 1), PE_OK);
	memset(s, 'z', sizeof(s));
	s[PROTO_MAX_STR - 1] = '\0';
	assert_int_equal(decode_one(PT_USER, PROTO_MAX_STR, s, PROTO_MAX_STR), PE_OK);
	s[PROTO_MAX_STR - 1] = 'z';
	s[PROTO_MAX_STR] = '\0';
	assert_int_equal(decode_one(PT_USER, PROTO_MAX_STR + 1, s, PROTO_MAX_STR + 1),
			 PE_SIZE);
}

/*
 * PE_FIELDS: tags may not repeat, so a frame can hold more than
 * PROTO_MAX_FIELDS fields only if there are more known tags than that.
 * While there are not (51 tags, 64 fields today), PE_FIELDS cannot be
 * produced: a frame of every tag decodes and one field more is PE_DUP.
 * Once there are, the test takes the other branch and expects PE_FIELDS.
 */
static void
test_decode_max_fields(void **state)
{
	struct raw r;
	struct proto_msg m;
	uint8_t v[8] = { 0 };
	unsigned int tag, n = 0;

	(void)state;
	raw_hdr(&r, PROTO_MAGIC, PROTO_VERSION, PT_LOOKUP);
	for (tag = 1; tag < PT_TAG_MAX && n <= PROTO_MAX_FIELDS; tag++, n++) {
		switch (proto_tag_kind(tag)) {
		case PK_U32:
			raw_put(&r, (uint16_t)tag, v, 4);
			break;
		case PK_U64:
			raw_put(&r, (uint16_t)tag, v, 8);
			break;
		default:
			raw_put(&r, (uint16_t)tag, "", 1);
			break;
		}
	}
	raw_seal(&r);
	if (n > PROTO_MAX_FIELDS) {
		assert_int_equal(decode_raw(&r), PE_FIELDS);
		return;
	}
	assert_int_equal(decode_copy(r.b, r.len, &m), PE_OK);
	assert_int_equal(m.nfields, PT_TAG_MAX - 1);
	raw_put(&r, PT_USER, "", 1);
	raw_seal(&r);
	assert_int_equal(decode_raw(&r), PE_DUP);
}

/* xorshift64*: a fixed sequence, so every run mutates the same way. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/*
 * Checks everything a PE_OK decode promises about the frame in p: the
 * header, fields that tile the body exactly, unique known tags, values of
 * the right size, strings NUL-terminated with no inner NUL; and that the
 * accessors agree, and that encoding the fields again gives the same bytes.
 */
static void
check_accepted(const uint8_t *p, size_t len, const struct proto_msg *m)
{
	static uint8_t again[PROTO_MAX_FRAME];
	uint32_t body = (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11];
	struct proto_buf b;
	size_t i, j, off = PROTO_HDR_LEN;

	assert_int_equal(m->version, PROTO_VERSION);
	assert_int_equal(len, PROTO_HDR_LEN + (size_t)body);
	assert_true(body <= PROTO_MAX_BODY);
	assert_true(m->nfields <= PROTO_MAX_FIELDS);
	proto_begin(&b, again, sizeof(again), m->type);
	for (i = 0; i < m->nfields; i++) {
		const struct proto_field *f = &m->f[i];
		uint32_t u32;
		uint64_t u64;

		assert_true(f->val == p + off + FIELD_HDR);
		assert_true(f->len <= len - off - FIELD_HDR);
		off += FIELD_HDR + f->len;
		for (j = 0; j < i; j++)
			assert_int_not_equal(m->f[j].tag, f->tag);
		switch (proto_tag_kind(f->tag)) {
		case PK_U32:
			assert_int_equal(f->len, 4);
			assert_int_equal(proto_u32(m, f->tag, &u32), 0);
			proto_put_u32(&b, f->tag, u32);
			break;
		case PK_U64:
			assert_int_equal(f->len, 8);
			assert_int_equal(proto_u64(m, f->tag, &u64), 0);
			proto_put_u64(&b, f->tag, u64);
			break;
		case PK_STR:
			assert_true(f->len >= 1 && f->len <= PROTO_MAX_STR);
			assert_int_equal(f->val[f->len - 1], 0);
			assert_null(memchr(f->val, 0, f->len - 1));
			assert_true(proto_str(m, f->tag) == (const char *)f->val);
			proto_put_str(&b, f->tag, (const char *)f->val);
			break;
		case PK_NONE:
			fail_msg("accepted unknown tag %u", f->tag);
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(proto_finish(&b), PE_OK);
	assert_int_equal(b.len, len);
	assert_memory_equal(again, p, len);
}

/* Builds seed frame i of a few small valid frames into buf; returns its length. */
static size_t
seed_frame(unsigned int i, uint8_t *buf, size_t cap)
{
	struct proto_buf b;
	char s[200];

	switch (i) {
	case 0:
		proto_begin(&b, buf, cap, PT_PING);
		proto_put_u32(&b, PT_DEADLINE_MS, 2000);
		break;
	case 1:
		proto_begin(&b, buf, cap, PT_AUTH);
		proto_put_u32(&b, PT_DEADLINE_MS, 1500);
		proto_put_u32(&b, PT_REALM, PR_REALM_CMECF);
		proto_put_str(&b, PT_USER, "jsmith");
		proto_put_str(&b, PT_PASSWORD, "hunter2");
		proto_put_str(&b, PT_SERVICE, "sshd");
		proto_put_str(&b, PT_RHOST, "");
		proto_put_u32(&b, PT_FLAGS, PF_AUTHENTICATE | PF_REDACTION);
		break;
	case 2:
		proto_begin(&b, buf, cap, PT_LOOKUP | PROTO_REPLY);
		proto_put_u32(&b, PT_STATUS, PS_OK);
		proto_put_u32(&b, PT_STATE, PST_LEGACY_LINKED);
		proto_put_str(&b, PT_LOGIN, "jsmith");
		proto_put_str(&b, PT_LINKED, "pacer123");
		proto_put_u64(&b, PT_GOLIVE, 1700000000);
		proto_put_u64(&b, PT_LINK_TIME, 1710000000);
		proto_put_u64(&b, PT_TXN, UINT64_MAX);
		break;
	default:
		memset(s, 'n', sizeof(s) - 1);
		s[sizeof(s) - 1] = '\0';
		proto_begin(&b, buf, cap, PT_ACCOUNT | PROTO_REPLY);
		proto_put_u32(&b, PT_STATUS, PS_UNAVAILABLE);
		proto_put_str(&b, PT_ERROR, "directory down");
		proto_put_str(&b, PT_NOTICE, s);
		proto_put_u32(&b, PT_RESULT, PRS_REDACTION);
		break;
	}
	assert_int_equal(proto_finish(&b), PE_OK);
	return b.len;
}

/* Applies one random edit to p[0..*len) (capacity cap). */
static void
mutate(uint8_t *p, size_t *len, size_t cap)
{
	size_t pos = *len ? rng() % *len : 0;
	size_t n = *len;

	switch (rng() % 8) {
	case 0:		/* flip bits */
		if (n)
			p[pos] ^= (uint8_t)(1 + rng() % 255);
		break;
	case 1:		/* set a byte to a boundary value */
		if (n)
			p[pos] = (const uint8_t[]){ 0, 1, 0x7f, 0x80, 0xff }[rng() % 5];
		break;
	case 2:		/* insert a byte */
		if (n < cap) {
			memmove(p + pos + 1, p + pos, n - pos);
			p[pos] = (uint8_t)rng();
			(*len)++;
		}
		break;
	case 3:		/* delete a byte */
		if (n) {
			memmove(p + pos, p + pos + 1, n - pos - 1);
			(*len)--;
		}
		break;
	case 4:		/* truncate */
		*len = pos;
		break;
	case 5:		/* a field-length-sized word of an interesting value */
		if (n >= 4 && pos <= n - 4)
			w32(p + pos, (const uint32_t[]){ 0, 1, 3, 4, 5, 7, 8, 9, PROTO_MAX_STR,
							 PROTO_MAX_STR + 1, UINT32_MAX,
							 UINT32_MAX - 5 }[rng() % 12]);
		break;
	case 6:		/* duplicate a chunk in place */
		if (n > 0) {
			size_t k = 1 + rng() % 16;

			if (k > n - pos)
				k = n - pos;
			if (n + k <= cap) {
				memmove(p + pos + k, p + pos, n - pos);
				*len += k;
			}
		}
		break;
	default:	/* random byte */
		if (n)
			p[pos] = (uint8_t)rng();
		break;
	}
}

static void
test_mutation_loop(void **state)
{
	static uint8_t seeds[4][512];
	size_t seed_len[4];
	unsigned int i, hits[PE_OVERFLOW + 1] = { 0 };
	enum proto_err e;

	(void)state;
	for (i = 0; i < 4; i++)
		seed_len[i] = seed_frame(i, seeds[i], sizeof(seeds[i]));
	for (i = 0; i < MUTATIONS; i++) {
		unsigned int s = rng() % 4, k, edits = 1 + rng() % 4;
		size_t len = seed_len[s], cap = len + 64;
		uint8_t work[512 + 64], *p;
		struct proto_msg m;

		memcpy(work, seeds[s], len);
		for (k = 0; k < edits; k++)
			mutate(work, &len, cap);
		/* Most of the time keep the body length honest, to get past it. */
		if (len >= PROTO_HDR_LEN && rng() % 4 != 0)
			w32(work + 8, (uint32_t)(len - PROTO_HDR_LEN));
		p = malloc(len ? len : 1);
		assert_non_null(p);
		memcpy(p, work, len);
		e = proto_decode(p, len, &m);
		assert_true(e <= PE_FIELDS);
		hits[e]++;
		if (e == PE_OK)
			check_accepted(p, len, &m);
		free(p);
	}
	/* The loop reached past the header into every field check. */
	assert_true(hits[PE_OK] > 100);
	for (e = PE_SHORT; e <= PE_STRING; e++)
		if (hits[e] == 0)
			fail_msg("mutations never produced %s", proto_strerror(e));
	print_message("# mutation loop: %u ok, %u short, %u magic, %u version, %u too big, "
		      "%u trailing, %u tag, %u dup, %u size, %u string\n",
		      hits[PE_OK], hits[PE_SHORT], hits[PE_MAGIC], hits[PE_VERSION],
		      hits[PE_TOO_BIG], hits[PE_TRAILING], hits[PE_TAG], hits[PE_DUP],
		      hits[PE_SIZE], hits[PE_STRING]);
}

static void
test_strings(void **state)
{
	int i, j;

	(void)state;
	for (i = PE_OK; i <= PE_OVERFLOW; i++) {
		const char *s = proto_strerror((enum proto_err)i);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, proto_strerror((enum proto_err)99));
		for (j = PE_OK; j < i; j++)
			assert_string_not_equal(s, proto_strerror((enum proto_err)j));
	}
	assert_true(proto_strerror((enum proto_err)99)[0] != '\0');
	assert_true(proto_strerror((enum proto_err)-1)[0] != '\0');
	for (i = PS_OK; i <= PS_BUSY; i++) {
		const char *s = proto_status_str((enum proto_status)i);

		assert_non_null(s);
		assert_true(s[0] != '\0');
		assert_string_not_equal(s, proto_status_str((enum proto_status)99));
		for (j = PS_OK; j < i; j++)
			assert_string_not_equal(s, proto_status_str((enum proto_status)j));
	}
	assert_true(proto_status_str((enum proto_status)99)[0] != '\0');
	assert_true(proto_status_str((enum proto_status)-1)[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_tag_round_trip),
		cmocka_unit_test(test_round_trip_values),
		cmocka_unit_test(test_accessors_absent_and_kind),
		cmocka_unit_test(test_tag_kinds),
		cmocka_unit_test(test_encoder_string_limit),
		cmocka_unit_test(test_encoder_null_string),
		cmocka_unit_test(test_encoder_capacity),
		cmocka_unit_test(test_decode_header_faults),
		cmocka_unit_test(test_decode_length_faults),
		cmocka_unit_test(test_decode_field_faults),
		cmocka_unit_test(test_decode_max_fields),
		cmocka_unit_test(test_mutation_loop),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
