/* A growable byte buffer charged to an accountant, with JSON helpers.
 * Used for record text, JSON lines and event lines. */
#ifndef DM_BUF_H
#define DM_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "acct.h"

struct dm_buf {
	char *data;
	size_t len, cap;
	struct dm_acct *acct;
	enum dm_tag tag;
	int failed;            /* an append could not grow the buffer */
	/* What a writer into the buffer keeps between appends (the record
	 * JSON writer's plans): one block from acct, freed with the buffer. */
	void *memo;
};

/* In place; no allocation until the first append. */
void dm_buf_init(struct dm_buf *b, struct dm_acct *a, enum dm_tag tag);
/* Frees the data and the memo. */
void dm_buf_fini(struct dm_buf *b);
/* Keep capacity, forget contents (and the failed flag). */
static inline void dm_buf_reset(struct dm_buf *b) { b->len = 0; b->failed = 0; }

/* Make room for n more bytes. 0 or -1 (and b->failed set). */
int dm_buf_reserve(struct dm_buf *b, size_t n);
/* Shrink capacity to at most cap bytes (used by reclamation). */
void dm_buf_shrink(struct dm_buf *b, size_t cap);

/* Appends. On allocation failure they set b->failed and do nothing, so a
 * caller can append a whole line and check once. */
void dm_buf_put_slow(struct dm_buf *b, const void *p, size_t n);
/* Inline: JSON writing is a stream of these, mostly a few bytes each. */
/* n bytes from p to o: short copies (most values, most keys) as two
 * overlapping loads and stores, never a byte outside either span. */
static inline void dm_copy(char *o, const void *src, size_t n)
{
	const char *p = src;
	if (n > 16) {
		memcpy(o, p, n);
	} else if (n >= 8) {
		uint64_t a, z;
		memcpy(&a, p, 8);
		memcpy(&z, p + n - 8, 8);
		memcpy(o, &a, 8);
		memcpy(o + n - 8, &z, 8);
	} else if (n >= 4) {
		uint32_t a, z;
		memcpy(&a, p, 4);
		memcpy(&z, p + n - 4, 4);
		memcpy(o, &a, 4);
		memcpy(o + n - 4, &z, 4);
	} else if (n) {
		o[0] = p[0];
		o[n / 2] = p[n / 2];
		o[n - 1] = p[n - 1];
	}
}

static inline void dm_buf_put(struct dm_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len >= n && !b->failed) {
		dm_copy(b->data + b->len, p, n);
		b->len += n;
	} else {
		dm_buf_put_slow(b, p, n);
	}
}
static inline void dm_buf_putc(struct dm_buf *b, char c)
{
	if (b->cap > b->len && !b->failed)
		b->data[b->len++] = c;
	else
		dm_buf_put_slow(b, &c, 1);
}
void dm_buf_puts(struct dm_buf *b, const char *s);
void dm_buf_u64(struct dm_buf *b, uint64_t v);
void dm_buf_i64(struct dm_buf *b, int64_t v);
/* Shortest decimal that reads back exactly enough for humans: %.6g, never
 * exponent for typical values; NaN/inf become null. */
void dm_buf_double(struct dm_buf *b, double v);
void dm_buf_printf(struct dm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- JSON string text, for writers that fill the buffer themselves ---- */

#if defined(__SSE2__)
#include <emmintrin.h>
/* A bit for each of the 16 bytes that is not plain (printable ASCII but
 * '"' and '\\'): as signed bytes, control characters and every byte of
 * a multi-byte character are below 0x20. */
static inline unsigned dm_json_not_plain16(__m128i v)
{
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	                           _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                                        _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
	return (unsigned)_mm_movemask_epi8(bad);
}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes at once: a mask whose lowest set bit is in the first byte
 * that is not plain, 0 if all are. The borrows of the subtractions only
 * ever mark bytes above a true hit, so the lowest mark is exact. */
static inline uint64_t dm_json_not_plain8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
	return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | w) & high;
}
#endif

/* Copy the n bytes at s to o as if all were plain, and return how many
 * from the start are (n if all): many bytes at a time, the tail by loads
 * that overlap what was already checked, never a byte outside either
 * span (o may be written up to o + n). */
static inline size_t dm_json_copy_plain(char *o, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
#if defined(__SSE2__)
	if (n >= 16) {
		size_t i = 0;
		unsigned m;
		for (; i + 16 <= n; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			_mm_storeu_si128((__m128i *)(void *)(o + i), v);
			if ((m = dm_json_not_plain16(v)) != 0)
				return i + (size_t)__builtin_ctz(m);
		}
		if (i == n)
			return n;
		/* the bytes before i in this load were plain: no mark there */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
		_mm_storeu_si128((__m128i *)(void *)(o + n - 16), v);
		m = dm_json_not_plain16(v);
		return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
	}
	if (n >= 8) {
		/* the first eight bytes, then the last eight, in one register */
		__m128i lo = _mm_loadl_epi64((const __m128i *)(const void *)p);
		__m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)(p + n - 8));
		_mm_storel_epi64((__m128i *)(void *)o, lo);
		_mm_storel_epi64((__m128i *)(void *)(o + n - 8), hi);
		unsigned m = dm_json_not_plain16(_mm_unpacklo_epi64(lo, hi));
		if (!m)
			return n;
		size_t k = (size_t)__builtin_ctz(m);
		return k < 8 ? k : n - 16 + k;
	}
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
		unsigned m = dm_json_not_plain16(_mm_set_epi32(0, 0, (int)hi, (int)lo));
		/* (the upper half is zeros: marked, but past the eight bytes) */
		m &= 0xFF;
		if (!m)
			return n;
		size_t k = (size_t)__builtin_ctz(m);
		return k < 4 ? k : n - 8 + k;
	}
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 8) {
		size_t i = 0;
		uint64_t w, m;
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, p + i, 8);
			memcpy(o + i, &w, 8);
			if ((m = dm_json_not_plain8(w)) != 0)
				return i + ((size_t)__builtin_ctzll(m) >> 3);
		}
		if (i == n)
			return n;
		memcpy(&w, p + n - 8, 8);
		memcpy(o + n - 8, &w, 8);
		m = dm_json_not_plain8(w);
		return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
	}
#endif
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' || p[i] == '\\')
			return i;
		o[i] = (char)p[i];
	}
	return n;
}

/* The rest of a JSON string's text, from s (a byte that is not plain) to
 * e, written at o inside b's data with room for (e - s) + 1 bytes: valid
 * UTF-8 as it is, control characters, '"' and '\\' escaped, invalid bytes
 * as U+FFFD. Returns where the text ends (b may have grown: o is then
 * somewhere else), or NULL when b could not grow (b->failed set). */
char *dm_buf_json_rest(struct dm_buf *b, char *o, const char *s, const char *e);

/* A JSON string literal with quotes. Control characters, '"' and '\\' are
 * escaped; invalid UTF-8 bytes become U+FFFD so the line stays valid. */
void dm_buf_json_str(struct dm_buf *b, const char *s, size_t n);
/* "key": — with a leading comma unless it is the first member. */
void dm_buf_json_key(struct dm_buf *b, const char *key, int *first);
/* The same for a key of n bytes (no NUL needed, no quote or control byte
 * in it): one check for room, then straight into the buffer. */
static inline void dm_buf_json_keyn(struct dm_buf *b, const char *key, size_t n, int *first)
{
	if (b->cap - b->len < n + 4 || b->failed) {
		if (dm_buf_reserve(b, n + 4) != 0)
			return;
	}
	char *o = b->data + b->len;
	if (!*first)
		*o++ = ',';
	*first = 0;
	*o++ = '"';
	memcpy(o, key, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	b->len = (size_t)(o - b->data);
}

#endif
