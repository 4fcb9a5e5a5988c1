/* Fuzz harness: configuration from two header bytes, the document fed in
 * data-derived pieces, records serialised to JSON and validated, and the
 * invariants checked: errors are well-formed, memory errors only come from
 * refusals, nothing stays on the ledger, and (with no memory pressure) the
 * records and the verdict do not depend on how the input was cut up. */
#include "config.h"
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acct.h"
#include "buf.h"
#include "parser.h"
#include "pool.h"

/* Header byte 0 */
#define H_CHUNK     0x07   /* index into chunk_sizes */
#define H_DTD       0x08   /* allow_dtd_entities */
#define H_CONTINUE  0x10   /* continue_on_error, max_errors 3 */
#define H_POOLS     0x20   /* record buffers from pools, as a `run` worker */
#define H_TIGHT     0x40   /* small limits: buffer_size, depth, element count */
#define H_PRESSURE  0x80   /* byte 1 < 128: fail allocation byte1 + 1;
                              else a budget of 16K + (byte1 - 128) * 2K */
/* Header byte 1 without H_PRESSURE: seed of the feed-piece sizes. */

static const size_t chunk_sizes[8] = {65536, 1, 2, 3, 7, 61, 509, 4096};

static char why[512];

static const char *finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *finding(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return why;
}

/* ---- a strict JSON checker: a record line must be one JSON object ------ */

struct jp {
	const unsigned char *s, *end;
	int depth;
};

static int j_value(struct jp *p);

static void j_ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int j_lit(struct jp *p, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n) != 0)
		return -1;
	p->s += n;
	return 0;
}

/* One UTF-8 sequence, shortest form, no surrogates. */
static int j_utf8(struct jp *p)
{
	unsigned c = *p->s, len, min;
	if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
	else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
	else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
	else return -1;
	if ((size_t)(p->end - p->s) < len)
		return -1;
	unsigned cp = c & (0xFFu >> (len + 1));
	for (unsigned i = 1; i < len; i++) {
		if ((p->s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (p->s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	p->s += len;
	return 0;
}

static int j_string(struct jp *p)
{
	if (p->s >= p->end || *p->s != '"')
		return -1;
	p->s++;
	while (p->s < p->end) {
		unsigned c = *p->s;
		if (c == '"') {
			p->s++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++p->s >= p->end)
				return -1;
			c = *p->s++;
			if (c == 'u') {
				if (p->end - p->s < 4)
					return -1;
				for (int i = 0; i < 4; i++, p->s++)
					if (!((*p->s >= '0' && *p->s <= '9') || (*p->s >= 'a' && *p->s <= 'f') ||
					      (*p->s >= 'A' && *p->s <= 'F')))
						return -1;
			} else if (!strchr("\"\\/bfnrt", (int)c)) {
				return -1;
			}
		} else if (c >= 0x80) {
			if (j_utf8(p))
				return -1;
		} else {
			p->s++;
		}
	}
	return -1;
}

static int j_number(struct jp *p)
{
	const unsigned char *start = p->s;
	if (p->s < p->end && *p->s == '-')
		p->s++;
	if (p->s >= p->end || *p->s < '0' || *p->s > '9')
		return -1;
	if (*p->s == '0')
		p->s++;
	else
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	if (p->s < p->end && *p->s == '.') {
		p->s++;
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return -1;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
		p->s++;
		if (p->s < p->end && (*p->s == '+' || *p->s == '-'))
			p->s++;
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return -1;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	return p->s > start ? 0 : -1;
}

static int j_members(struct jp *p, int object)
{
	char close = object ? '}' : ']';
	p->s++;
	j_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		return 0;
	}
	for (;;) {
		if (object) {
			j_ws(p);
			if (j_string(p))
				return -1;
			j_ws(p);
			if (p->s >= p->end || *p->s++ != ':')
				return -1;
		}
		if (j_value(p))
			return -1;
		j_ws(p);
		if (p->s >= p->end)
			return -1;
		if (*p->s == close) {
			p->s++;
			return 0;
		}
		if (*p->s++ != ',')
			return -1;
	}
}

static int j_value(struct jp *p)
{
	j_ws(p);
	if (p->s >= p->end)
		return -1;
	if (++p->depth > 64)
		return -1;
	int rc;
	switch (*p->s) {
	case '{': rc = j_members(p, 1); break;
	case '[': rc = j_members(p, 0); break;
	case '"': rc = j_string(p); break;
	case 't': rc = j_lit(p, "true"); break;
	case 'f': rc = j_lit(p, "false"); break;
	case 'n': rc = j_lit(p, "null"); break;
	default: rc = j_number(p); break;
	}
	p->depth--;
	return rc;
}

/* 0 if s[0..n) is exactly one JSON object. */
static int json_object_ok(const char *s, size_t n)
{
	struct jp p = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
	j_ws(&p);
	if (p.s >= p.end || *p.s != '{' || j_value(&p))
		return -1;
	j_ws(&p);
	return p.s == p.end ? 0 : -1;
}

/* ---- one parse ---------------------------------------------------------- */

struct sink {
	struct dm_buf line;        /* on the parse's accountant, as in the CLI */
	struct dm_buf all;         /* every line, on an unlimited accountant */
	int bad_json;
	int bad_error;             /* a record_error without a message or code */
	char first_bad[160];
};

static int on_record(void *ctx, const struct dm_record *r)
{
	struct sink *k = ctx;
	dm_buf_reset(&k->line);
	if (dm_record_to_json(r, &k->line) != 0 || k->line.failed)
		return DM_ENOMEM;
	if (!k->bad_json && json_object_ok(k->line.data, k->line.len) != 0) {
		k->bad_json = 1;
		snprintf(k->first_bad, sizeof k->first_bad, "%.*s",
		         (int)(k->line.len < 150 ? k->line.len : 150), k->line.data);
	}
	dm_buf_put(&k->all, k->line.data, k->line.len);
	dm_buf_putc(&k->all, '\n');
	return 0;
}

/* A message is printed as one line of a terminal or a log: no control
 * characters (C0, DEL, C1), whatever the input held. */
static int one_line(const char *msg)
{
	if (!msg[0])
		return 0;
	for (const unsigned char *c = (const unsigned char *)msg; *c; c++)
		if (*c < 0x20 || *c == 0x7F || (c[0] == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F))
			return 0;
	return 1;
}

static void on_record_error(void *ctx, const struct dm_error *e)
{
	struct sink *k = ctx;
	if (e->code != DM_ERECORD || !one_line(e->msg))
		k->bad_error = 1;
}

static const struct dm_consumer consumer = {
	.record = on_record,
	.record_error = on_record_error,
};

struct plan {
	struct dm_config cfg;
	int pools;
	long fail_after;
	uint64_t budget;
	uint32_t split_seed;       /* 0: one feed call */
};

struct result {
	int rc;
	struct dm_error err;
	uint64_t refused, live_after, peak;
	int bad_json, bad_error;
	char first_bad[160];
};

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static int feed_all(struct dm_parser *p, const uint8_t *doc, size_t len, uint32_t seed)
{
	if (!seed)
		return dm_parser_feed(p, doc, len, 1);
	size_t off = 0;
	while (off < len) {
		size_t n = 1 + xorshift(&seed) % 300;
		if (n > len - off)
			n = len - off;
		int rc = dm_parser_feed(p, doc + off, n, 0);
		if (rc)
			return rc;
		off += n;
	}
	/* the end arrives as an empty final piece, as after a read of 0 */
	static const uint8_t none[1];
	return dm_parser_feed(p, none, 0, 1);
}

/* Returns NULL or a finding; out is always filled and all is the output. */
static const char *parse(const struct plan *pl, const uint8_t *doc, size_t len,
                         struct dm_acct *out_acct, struct dm_buf *all, struct result *out)
{
	memset(out, 0, sizeof *out);
	dm_buf_init(all, out_acct, DM_TAG_OUTPUT);
	struct dm_acct *a = dm_acct_new(NULL, pl->budget);
	if (!a)
		return finding("dm_acct_new failed");
	struct sink k;
	memset(&k, 0, sizeof k);
	dm_buf_init(&k.line, a, DM_TAG_OUTPUT);
	dm_buf_init(&k.all, out_acct, DM_TAG_OUTPUT);
	if (pl->fail_after)
		dm_acct_fail_after(a, pl->fail_after);

	struct dm_pool *text = NULL, *vals = NULL;
	if (pl->pools) {
		text = dm_pool_new(a, "text", 0, 2);
		vals = dm_pool_new(a, "values", 0, 2);
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_parser *p = NULL;
	const char *bad = NULL;
	if (!pl->pools || (text && vals))
		p = dm_parser_new(a, &pl->cfg, &consumer, &k, &err);
	if (!p) {
		out->rc = DM_ENOMEM;
		dm_error_set(&out->err, DM_ENOMEM, "memory limit exceeded (set-up)");
	} else {
		if (pl->pools)
			dm_parser_set_pools(p, text, vals);
		out->rc = dm_parser_begin(p, "fuzz-input");
		if (!out->rc)
			out->rc = feed_all(p, doc, len, pl->split_seed);
		out->err = *dm_parser_error(p);
		/* an input that failed must leave the parser reusable; the
		 * budget is lifted for that, so take the counters first */
		struct dm_acct_stats st;
		dm_acct_stats(a, &st);
		out->refused = st.refused;
		out->peak = st.peak;
		if (out->rc) {
			dm_acct_fail_after(a, 0);
			dm_acct_set_budget(a, 0);
			static const char ok[] =
				"<NewReleaseMessage xmlns=\"http://ddex.net/xml/ern/43\"><MessageHeader>"
				"<MessageId>M</MessageId></MessageHeader></NewReleaseMessage>";
			size_t before = k.all.len;
			int rc2 = dm_parser_begin(p, "after-failure");
			if (!rc2)
				rc2 = dm_parser_feed(p, ok, sizeof ok - 1, 1);
			if (rc2)
				bad = finding("a parser that failed (%d) cannot parse again: %d %s", out->rc,
				              rc2, dm_parser_error(p)->msg);
			k.all.len = before;
		}
	}
	if (!p) {
		struct dm_acct_stats st;
		dm_acct_stats(a, &st);
		out->refused = st.refused;
		out->peak = st.peak;
	}
	dm_parser_free(p);
	dm_pool_free(text);
	dm_pool_free(vals);
	dm_buf_fini(&k.line);
	out->live_after = dm_acct_live(a);
	dm_acct_free(a);
	out->bad_json = k.bad_json;
	out->bad_error = k.bad_error;
	memcpy(out->first_bad, k.first_bad, sizeof out->first_bad);
	*all = k.all;
	return bad;
}

/* Invariants of one parse on its own. */
static const char *check_one(const struct plan *pl, const struct result *r)
{
	if (r->live_after)
		return finding("%llu bytes live after dm_parser_free", (unsigned long long)r->live_after);
	if (pl->budget && r->peak > pl->budget)
		return finding("accounted peak %llu passed the budget %llu",
		               (unsigned long long)r->peak, (unsigned long long)pl->budget);
	if (r->bad_json)
		return finding("a record is not a valid JSON object: %s", r->first_bad);
	if (r->bad_error)
		return finding("record_error without a code or a one-line message");
	if (r->rc > 0 || r->rc < DM_EPARTIAL)
		return finding("return value %d is not a DM_E* code", r->rc);
	if (r->rc) {
		if (r->err.code != r->rc)
			return finding("returned %d but the error says %d", r->rc, r->err.code);
		if (!one_line(r->err.msg))
			return finding("error message empty or not one line: '%s'", r->err.msg);
		/* the core decides: a memory error is a refusal, and a refusal
		 * is a memory error, never dressed up as bad XML */
		if (r->rc == DM_ENOMEM && !r->refused)
			return finding("DM_ENOMEM without a refused allocation: %s", r->err.msg);
		if (r->rc != DM_ENOMEM && r->refused)
			return finding("an allocation was refused but the error is %d: %s", r->rc,
			               r->err.msg);
		if (r->rc == DM_ENOMEM && !strstr(r->err.msg, "memory limit exceeded"))
			return finding("memory error without 'memory limit exceeded': %s", r->err.msg);
		if (r->rc != DM_ENOMEM && r->rc != DM_EIO && !r->err.has_pos &&
		    r->err.code != DM_ERECORD)
			return finding("error %d without a position: %s", r->rc, r->err.msg);
	} else if (r->refused && !pl->fail_after && !pl->budget) {
		return finding("an allocation was refused without a budget");
	}
	return NULL;
}

const char *dm_fuzz_check(const uint8_t *data, size_t size)
{
	if (size < 2)
		return NULL;
	uint8_t h0 = data[0], h1 = data[1];
	const uint8_t *doc = data + 2;
	size_t len = size - 2;

	struct plan pl;
	memset(&pl, 0, sizeof pl);
	dm_config_init(&pl.cfg);
	pl.cfg.chunk_size = chunk_sizes[h0 & H_CHUNK];
	pl.cfg.allow_dtd_entities = !!(h0 & H_DTD);
	if (h0 & H_CONTINUE) {
		pl.cfg.continue_on_error = 1;
		pl.cfg.max_errors = 3;
	}
	pl.pools = !!(h0 & H_POOLS);
	if (h0 & H_TIGHT) {
		pl.cfg.buffer_size = 256;
		pl.cfg.max_element_depth = 16;
		pl.cfg.max_element_count = 200;
	}
	/* fuzz inputs are small: keep the run cheap and any blow-up visible */
	pl.cfg.max_memory = 64u << 20;
	pl.budget = pl.cfg.max_memory;
	if (h0 & H_PRESSURE) {
		if (h1 < 128)
			pl.fail_after = h1 + 1;
		else
			pl.budget = (16u << 10) + (uint64_t)(h1 - 128) * (2u << 10);
	} else {
		pl.split_seed = h1 ? h1 * 2654435761u : 0;
	}

	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	if (!out_acct)
		return finding("dm_acct_new failed");
	struct dm_buf out1, out2;
	struct result r1, r2;
	const char *bad = parse(&pl, doc, len, out_acct, &out1, &r1);
	if (!bad)
		bad = check_one(&pl, &r1);

	/* The same document and limits in one piece with 64K chunks and no
	 * pressure: the records and the verdict must not depend on chunking,
	 * piece sizes or pools. Under pressure only a success is comparable. */
	if (!bad) {
		struct plan ref = pl;
		ref.cfg.chunk_size = 65536;
		ref.pools = 0;
		ref.fail_after = 0;
		ref.budget = pl.cfg.max_memory;
		ref.split_seed = 0;
		bad = parse(&ref, doc, len, out_acct, &out2, &r2);
		if (!bad)
			bad = check_one(&ref, &r2);
		int pressured = (h0 & H_PRESSURE) != 0;
		/* A token longer than buffer_size is refused at the first chunk
		 * boundary past the limit, in stream order; in one piece expat
		 * may first meet a syntax error further inside that token. Both
		 * are input errors, and the records before them are the same. */
		int limit_or_syntax = (r1.rc == DM_ELIMIT && r2.rc == DM_EXML) ||
		                      (r1.rc == DM_EXML && r2.rc == DM_ELIMIT);
		if (!bad && (!pressured || r1.rc == 0)) {
			if (r1.rc != r2.rc && !limit_or_syntax)
				bad = finding("chunk %zu: verdict %d (%s) but %d (%s) in one piece",
				              pl.cfg.chunk_size, r1.rc, r1.err.msg, r2.rc, r2.err.msg);
			else if (out1.len != out2.len || (out1.len && memcmp(out1.data, out2.data, out1.len)))
				bad = finding("chunk %zu: records differ from the one-piece parse",
				              pl.cfg.chunk_size);
		} else if (!bad &&
		           (out1.len > out2.len || (out1.len && memcmp(out1.data, out2.data, out1.len)))) {
			/* under pressure, what was written must be a prefix */
			bad = finding("records before a refusal are not a prefix of the full output");
		}
		dm_buf_fini(&out2);
	}
	dm_buf_fini(&out1);
	if (!bad && dm_acct_live(out_acct))
		bad = finding("output ledger not empty");
	dm_acct_free(out_acct);
	return bad;
}
