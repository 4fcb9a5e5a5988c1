/* JSON values of one line: a recursive-descent parser into a fixed token
 * array over the line buffer (strings decoded in place), and the
 * accessors that read them. */
#include "config.h"
#include "jsonl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonl_int.h"

/* ---- the parser: recursive descent over the line buffer --------------- */

struct pstate {
	struct dm_jsonl *r;
	char *s;
	size_t pos, len;
	const char *why;
};

static void ws(struct pstate *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
	                           p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
		p->pos++;
}

static int new_tok(struct pstate *p, enum dm_jtype type)
{
	if (p->r->ntok >= DM_JSONL_TOKENS_MAX) {
		p->why = "too many values in one line";
		return -1;
	}
	int i = p->r->ntok++;
	p->r->toks[i] = (struct tok){.type = (uint8_t)type, .off = (uint32_t)p->pos, .next = -1};
	return i;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *d, unsigned c)
{
	if (c == 0 || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		c = 0xFFFD;
	if (c < 0x80) {
		d[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		d[0] = (char)(0xC0 | (c >> 6));
		d[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		d[0] = (char)(0xE0 | (c >> 12));
		d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		d[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (c >> 18));
	d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	d[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decoded in place: every escape is longer than what it stands for, so
 * the write position never passes the read position. */
static int parse_string(struct pstate *p)
{
	int t = new_tok(p, DM_J_STRING);
	if (t < 0)
		return -1;
	p->pos++;   /* the quote */
	size_t w = p->pos;
	p->r->toks[t].off = (uint32_t)w;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->r->toks[t].len = (uint32_t)(w - p->r->toks[t].off);
			p->s[w] = '\0';
			p->pos++;
			return t;
		}
		if (c < 0x20) {
			p->why = "control character in a string";
			return -1;
		}
		if (c != '\\') {
			p->s[w++] = (char)c;
			p->pos++;
			continue;
		}
		if (p->pos + 1 >= p->len)
			break;
		char e = p->s[p->pos + 1];
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(from, e) : NULL;
		if (k) {
			p->s[w++] = to[k - from];
			p->pos += 2;
			continue;
		}
		unsigned u, lo;
		if (e != 'u' || p->pos + 6 > p->len || hex4(p->s + p->pos + 2, &u) != 0) {
			p->why = "bad escape in a string";
			return -1;
		}
		p->pos += 6;
		if (u >= 0xD800 && u < 0xDC00 && p->pos + 6 <= p->len && p->s[p->pos] == '\\' &&
		    p->s[p->pos + 1] == 'u' && hex4(p->s + p->pos + 2, &lo) == 0 && lo >= 0xDC00 &&
		    lo < 0xE000) {
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			p->pos += 6;
		}
		w += put_utf8(p->s + w, u);
	}
	p->why = "unterminated string";
	return -1;
}

static int digits(struct pstate *p)
{
	size_t s = p->pos;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > s;
}

static int parse_number(struct pstate *p)
{
	int t = new_tok(p, DM_J_NUMBER);
	if (t < 0)
		return -1;
	size_t start = p->pos;
	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (!digits(p))
		goto bad;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digits(p))
			goto bad;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			goto bad;
	}
	p->r->toks[t].len = (uint32_t)(p->pos - start);
	return t;
bad:
	p->why = "bad number";
	return -1;
}

static int parse_value(struct pstate *p, int depth);

static int parse_container(struct pstate *p, int depth, int object)
{
	if (depth >= DM_JSONL_DEPTH_MAX) {
		p->why = "nested too deep";
		return -1;
	}
	int t = new_tok(p, object ? DM_J_OBJECT : DM_J_ARRAY);
	if (t < 0)
		return -1;
	char close = object ? '}' : ']';
	int prev = -1;
	p->pos++;
	ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return t;
	}
	for (;;) {
		ws(p);
		int child;
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				p->why = p->pos >= p->len ? "line ends inside an object" : "expected a member name";
				return -1;
			}
			child = parse_string(p);
			if (child < 0)
				return -1;
			ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				p->why = "expected ':'";
				return -1;
			}
			p->pos++;
			ws(p);
			if (parse_value(p, depth + 1) < 0)
				return -1;
		} else {
			child = parse_value(p, depth + 1);
			if (child < 0)
				return -1;
		}
		if (prev >= 0)
			p->r->toks[prev].next = child;
		prev = child;
		p->r->toks[t].nchild++;
		ws(p);
		if (p->pos >= p->len) {
			p->why = object ? "line ends inside an object" : "line ends inside an array";
			return -1;
		}
		char c = p->s[p->pos++];
		if (c == close)
			return t;
		if (c != ',') {
			p->why = object ? "expected ',' or '}'" : "expected ',' or ']'";
			return -1;
		}
	}
}

static int literal(struct pstate *p, const char *word, enum dm_jtype type)
{
	size_t n = strlen(word);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) {
		p->why = "unexpected character";
		return -1;
	}
	int t = new_tok(p, type);
	if (t >= 0) {
		p->r->toks[t].len = (uint32_t)n;
		p->pos += n;
	}
	return t;
}

static int parse_value(struct pstate *p, int depth)
{
	if (p->pos >= p->len) {
		p->why = "line ends where a value should be";
		return -1;
	}
	switch (p->s[p->pos]) {
	case '{': return parse_container(p, depth, 1);
	case '[': return parse_container(p, depth, 0);
	case '"': return parse_string(p);
	case 't': return literal(p, "true", DM_J_TRUE);
	case 'f': return literal(p, "false", DM_J_FALSE);
	case 'n': return literal(p, "null", DM_J_NULL);
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return parse_number(p);
		p->why = "unexpected character";
		return -1;
	}
}

int dm_jsonl_parse_line(struct dm_jsonl *r, size_t len, char *why, size_t whylen)
{
	struct pstate p = {.r = r, .s = r->line, .len = len};
	r->ntok = 0;
	ws(&p);
	if (p.pos >= len || r->line[p.pos] != '{') {
		snprintf(why, whylen, "not a JSON object");
		r->ntok = 0;
		return DM_EXML;
	}
	if (parse_container(&p, 0, 1) < 0) {
		snprintf(why, whylen, "%s at byte %zu", p.why ? p.why : "bad JSON", p.pos + 1);
		r->ntok = 0;
		return DM_EXML;
	}
	ws(&p);
	if (p.pos != len) {
		snprintf(why, whylen, "text after the object at byte %zu", p.pos + 1);
		r->ntok = 0;
		return DM_EXML;
	}
	return 0;
}

int dm_jsonl_parse(struct dm_jsonl *r, const char *text, size_t len, char *why, size_t whylen)
{
	if (len > DM_JSONL_LINE_MAX) {
		snprintf(why, whylen, "longer than %u bytes", DM_JSONL_LINE_MAX);
		r->ntok = 0;
		return DM_ELIMIT;
	}
	memmove(r->line, text, len);
	r->line[len] = '\0';
	r->line_len = len;
	return dm_jsonl_parse_line(r, len, why, whylen);
}

/* ---- access -------------------------------------------------------- */

static int valid(const struct dm_jsonl *r, int tok)
{
	return tok >= 0 && tok < r->ntok;
}

enum dm_jtype dm_jsonl_type(const struct dm_jsonl *r, int tok)
{
	return valid(r, tok) ? (enum dm_jtype)r->toks[tok].type : DM_J_NONE;
}

int dm_jsonl_first(const struct dm_jsonl *r, int tok)
{
	if (!valid(r, tok) || r->toks[tok].nchild == 0)
		return -1;
	return tok + 1;
}

int dm_jsonl_next_sibling(const struct dm_jsonl *r, int tok)
{
	return valid(r, tok) ? r->toks[tok].next : -1;
}

int dm_jsonl_value(const struct dm_jsonl *r, int key)
{
	return valid(r, key + 1) ? key + 1 : -1;
}

const char *dm_jsonl_text(const struct dm_jsonl *r, int tok)
{
	if (!valid(r, tok))
		return NULL;
	return r->toks[tok].type == DM_J_STRING ? r->line + r->toks[tok].off : NULL;
}

const char *dm_jsonl_raw(const struct dm_jsonl *r, int tok, size_t *len)
{
	if (!valid(r, tok) || r->toks[tok].type == DM_J_OBJECT || r->toks[tok].type == DM_J_ARRAY)
		return NULL;
	*len = r->toks[tok].len;
	return r->line + r->toks[tok].off;
}

int dm_jsonl_get(const struct dm_jsonl *r, int obj, const char *key)
{
	if (dm_jsonl_type(r, obj) != DM_J_OBJECT)
		return -1;
	for (int k = dm_jsonl_first(r, obj); k >= 0; k = r->toks[k].next)
		if (strcmp(r->line + r->toks[k].off, key) == 0)
			return k + 1;
	return -1;
}

const char *dm_jsonl_str(const struct dm_jsonl *r, int obj, const char *key)
{
	int v = dm_jsonl_get(r, obj, key);
	return dm_jsonl_type(r, v) == DM_J_STRING ? r->line + r->toks[v].off : NULL;
}

/* A decimal number's value: integer digits exactly, then scaled. */
static double to_double(const char *s, size_t n)
{
	size_t i = 0;
	int neg = 0, exp10 = 0, esign = 1, e = 0;
	uint64_t m = 0;
	if (i < n && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (m < UINT64_MAX / 10 - 9)
			m = m * 10 + (uint64_t)(s[i] - '0');
		else
			exp10++;
	}
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (m < UINT64_MAX / 10 - 9) {
				m = m * 10 + (uint64_t)(s[i] - '0');
				exp10--;
			}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			esign = s[i++] == '-' ? -1 : 1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (e < 10000)
				e = e * 10 + (s[i] - '0');
	}
	exp10 += esign * e;
	double v = (double)m;
	if (exp10 > 0)
		v *= pow(10, exp10);
	else if (exp10 < 0)
		v /= pow(10, -exp10);
	return neg ? -v : v;
}

int dm_jsonl_num(const struct dm_jsonl *r, int obj, const char *key, double *out)
{
	int v = dm_jsonl_get(r, obj, key);
	if (dm_jsonl_type(r, v) != DM_J_NUMBER)
		return -1;
	*out = to_double(r->line + r->toks[v].off, r->toks[v].len);
	return 0;
}

int dm_jsonl_u64(const struct dm_jsonl *r, int obj, const char *key, uint64_t *out)
{
	int v = dm_jsonl_get(r, obj, key);
	if (dm_jsonl_type(r, v) != DM_J_NUMBER)
		return -1;
	const char *s = r->line + r->toks[v].off;
	size_t n = r->toks[v].len;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			double d = to_double(s, n);
			if (!(d >= 0 && d < 1.8446744073709552e19) || d != floor(d))
				return -1;
			*out = (uint64_t)d;
			return 0;
		}
		unsigned dgt = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - dgt) / 10)
			return -1;
		x = x * 10 + dgt;
	}
	*out = x;
	return 0;
}

int dm_jsonl_i64(const struct dm_jsonl *r, int obj, const char *key, int64_t *out)
{
	int v = dm_jsonl_get(r, obj, key);
	if (dm_jsonl_type(r, v) != DM_J_NUMBER)
		return -1;
	const char *s = r->line + r->toks[v].off;
	int neg = s[0] == '-';
	uint64_t x = 0;
	for (size_t i = (size_t)neg; i < r->toks[v].len; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (uint64_t)INT64_MAX / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

int dm_jsonl_bool(const struct dm_jsonl *r, int obj, const char *key)
{
	int v = dm_jsonl_get(r, obj, key);
	enum dm_jtype t = dm_jsonl_type(r, v);
	return t == DM_J_TRUE ? 1 : t == DM_J_FALSE ? 0 : -1;
}
