/* Growable accounted buffer and JSON escaping. */
#include "config.h"
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dm_buf_init(struct dm_buf *b, struct dm_acct *a, enum dm_tag tag)
{
	memset(b, 0, sizeof *b);
	b->acct = a;
	b->tag = tag;
}

void dm_buf_fini(struct dm_buf *b)
{
	dm_acct_dealloc(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	dm_acct_dealloc(b->memo);
	b->memo = NULL;
}

int dm_buf_reserve(struct dm_buf *b, size_t n)
{
	if (b->failed)
		return -1;
	if (b->cap - b->len >= n)
		return 0;
	if (n > SIZE_MAX / 2 - b->len) {
		b->failed = 1;
		return -1;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	char *p = dm_acct_realloc(b->acct, b->tag, b->data, cap);
	if (!p) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void dm_buf_shrink(struct dm_buf *b, size_t cap)
{
	if (b->cap <= cap || b->len > cap)
		return;
	if (cap == 0) {
		dm_acct_dealloc(b->data);
		b->data = NULL;
		b->cap = 0;
		return;
	}
	char *p = dm_acct_realloc(b->acct, b->tag, b->data, cap);
	if (p) {
		b->data = p;
		b->cap = cap;
	}
}

void dm_buf_put_slow(struct dm_buf *b, const void *p, size_t n)
{
	if (dm_buf_reserve(b, n) == 0) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
	}
}

void dm_buf_puts(struct dm_buf *b, const char *s)
{
	dm_buf_put(b, s, strlen(s));
}


void dm_buf_u64(struct dm_buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	dm_buf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void dm_buf_i64(struct dm_buf *b, int64_t v)
{
	if (v < 0) {
		dm_buf_putc(b, '-');
		dm_buf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		dm_buf_u64(b, (uint64_t)v);
	}
}

void dm_buf_double(struct dm_buf *b, double v)
{
	if (!isfinite(v)) {
		dm_buf_puts(b, "null");
		return;
	}
	char tmp[64];
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(tmp, sizeof tmp, "%.0f", v);
	else
		snprintf(tmp, sizeof tmp, "%.6g", v);
	dm_buf_puts(b, tmp);
}

void dm_buf_printf(struct dm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || dm_buf_reserve(b, (size_t)n + 1) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence at s (n bytes available), 0 if invalid:
 * no overlong forms, no surrogates, nothing past U+10FFFF (each of which
 * shows in the first two bytes). */
static inline size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* The escape of an ASCII byte that is not plain; returns its length. */
static size_t escape(unsigned c, char *esc)
{
	static const char hex[] = "0123456789abcdef";
	esc[0] = '\\';
	switch (c) {
	case '"': esc[1] = '"'; return 2;
	case '\\': esc[1] = '\\'; return 2;
	case '\n': esc[1] = 'n'; return 2;
	case '\r': esc[1] = 'r'; return 2;
	case '\t': esc[1] = 't'; return 2;
	case '\b': esc[1] = 'b'; return 2;
	case '\f': esc[1] = 'f'; return 2;
	}
	esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
	esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
	return 6;
}

char *dm_buf_json_rest(struct dm_buf *b, char *o, const char *s, const char *e)
{
	const unsigned char *p = (const unsigned char *)s, *end = (const unsigned char *)e;
	/* Plain bytes and valid UTF-8 are copied as they are, so as long as
	 * nothing grew, the room left is at least what remains plus one: the
	 * copies write straight into the buffer. An escape or a replacement
	 * makes room first. Characters of several bytes (a whole name in
	 * another script) are copied here one after another; a run of plain
	 * bytes goes to dm_json_copy_plain. */
	while (p < end) {
		unsigned c = *p;
		size_t l = c >= 0x80 ? utf8_len(p, (size_t)(end - p)) : 0;
		if (l) {
			o[0] = (char)c;
			o[1] = (char)p[1];
			if (l > 2) {
				o[2] = (char)p[2];
				if (l > 3)
					o[3] = (char)p[3];
			}
			o += l;
			p += l;
			continue;
		}
		if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\') {
			/* grows the text: make room for it and the rest */
			char esc[6];
			size_t el = c >= 0x80 ? (memcpy(esc, "\xEF\xBF\xBD", 3), 3) : escape(c, esc);
			p++;
			b->len = (size_t)(o - b->data);
			if (dm_buf_reserve(b, el + (size_t)(end - p) + 1) != 0)
				return NULL;
			o = b->data + b->len;
			memcpy(o, esc, el);
			o += el;
			continue;
		}
		size_t k = dm_json_copy_plain(o, (const char *)p, (size_t)(end - p));
		o += k;
		p += k;
	}
	return o;
}

void dm_buf_json_str(struct dm_buf *b, const char *s, size_t n)
{
	/* room for the text as it is and both quotes */
	if ((b->cap - b->len < n + 2 || b->failed) && dm_buf_reserve(b, n + 2) != 0)
		return;
	char *o = b->data + b->len;
	*o++ = '"';
	size_t k = dm_json_copy_plain(o, s, n);
	o = k == n ? o + n : dm_buf_json_rest(b, o + k, s + k, s + n);
	if (!o)
		return;
	*o++ = '"';
	b->len = (size_t)(o - b->data);
}

void dm_buf_json_key(struct dm_buf *b, const char *key, int *first)
{
	dm_buf_json_keyn(b, key, strlen(key), first);
}
