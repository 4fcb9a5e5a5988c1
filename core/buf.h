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
};

/* In place; no allocation until the first append. */
void dm_buf_init(struct dm_buf *b, struct dm_acct *a, enum dm_tag tag);
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
static inline void dm_buf_put(struct dm_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len >= n && !b->failed) {
		memcpy(b->data + b->len, p, n);
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
