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

/* Length of a valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80) return 1;
	if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
	else return 0;
	if (n < len) return 0;
	unsigned cp = c & (0xFF >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
	return len;
}

void dm_buf_json_str(struct dm_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	/* worst case 6 bytes per input byte, plus quotes */
	if (dm_buf_reserve(b, n + 2) != 0)
		return;
	b->data[b->len++] = '"';
	while (p < end) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			dm_buf_put(b, run, (size_t)(p - run));
		if (p >= end)
			break;
		unsigned c = *p;
		if (c >= 0x80) {
			size_t l = utf8_len(p, (size_t)(end - p));
			if (l) {
				dm_buf_put(b, p, l);
				p += l;
			} else {
				dm_buf_put(b, "\xEF\xBF\xBD", 3);
				p++;
			}
			continue;
		}
		char esc[6] = {'\\', 0};
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			el = 6;
		}
		dm_buf_put(b, esc, el);
		p++;
	}
	dm_buf_putc(b, '"');
}

void dm_buf_json_key(struct dm_buf *b, const char *key, int *first)
{
	if (!*first)
		dm_buf_putc(b, ',');
	*first = 0;
	dm_buf_putc(b, '"');
	dm_buf_puts(b, key);
	dm_buf_put(b, "\":", 2);
}
