/* Test helpers: corpus location, TSV manifests, parse-to-JSON-lines, and a
 * bare expat pass used as an independent witness of what a document holds. */
#include "config.h"
#include "testutil.h"

#include <criterion/criterion.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acct.h"
#include "buf.h"
#include "parser.h"

#ifndef DM_TEST_SRCDIR
#define DM_TEST_SRCDIR "."
#endif

const char *tu_corpus_find(void)
{
	static char dir[1024];
	if (!dir[0]) {
		const char *env = getenv("DM_CORPUS");
		if (env && *env)
			snprintf(dir, sizeof dir, "%s", env);
		else
			snprintf(dir, sizeof dir, "%s/../shared/corpus", DM_TEST_SRCDIR);
	}
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

const char *tu_corpus(void)
{
	const char *dir = tu_corpus_find();
	cr_assert_not_null(dir, "corpus not found: set DM_CORPUS=/path/to/corpus");
	return dir;
}

static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);
	cr_assert_not_null(p);
	snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

char *tu_corpus_path(const char *rel)
{
	return join(tu_corpus(), "/", rel);
}

char *tu_fixture_path(const char *rel)
{
	const char *src = getenv("DM_SRCDIR");
	return join(src && *src ? src : DM_TEST_SRCDIR, "/tests/fixtures/", rel);
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	cr_assert_not_null(buf);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	cr_assert(!ferror(f), "read error on %s", path);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- TSV ---------------------------------------------------------------- */

static char **split_tabs(char *line, size_t *n)
{
	size_t cap = 8, k = 0;
	char **cells = malloc(cap * sizeof *cells);
	cr_assert_not_null(cells);
	for (char *p = line;;) {
		if (k == cap) {
			cap *= 2;
			cells = realloc(cells, cap * sizeof *cells);
			cr_assert_not_null(cells);
		}
		cells[k++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	*n = k;
	return cells;
}

void tu_table_load(struct tu_table *t, const char *path)
{
	memset(t, 0, sizeof *t);
	t->text = tu_read_file(path, NULL);
	size_t cap = 64;
	t->rows = malloc(cap * sizeof *t->rows);
	cr_assert_not_null(t->rows);
	char *save = NULL;
	int first = 1;
	for (char *line = strtok_r(t->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);
		if (l && line[l - 1] == '\r')
			line[l - 1] = '\0';
		if (!*line)
			continue;
		size_t n;
		char **cells = split_tabs(line, &n);
		if (first) {
			t->head = cells;
			t->ncols = n;
			first = 0;
			continue;
		}
		cr_assert(n <= t->ncols, "%s: row %zu has %zu cells, header has %zu",
		          path, t->nrows + 1, n, t->ncols);
		if (n < t->ncols) {
			cells = realloc(cells, t->ncols * sizeof *cells);
			cr_assert_not_null(cells);
			for (size_t i = n; i < t->ncols; i++)
				cells[i] = (char *)"";
		}
		if (t->nrows == cap) {
			cap *= 2;
			t->rows = realloc(t->rows, cap * sizeof *t->rows);
			cr_assert_not_null(t->rows);
		}
		t->rows[t->nrows++] = cells;
	}
	cr_assert(t->ncols > 0 && t->nrows > 0, "%s: empty table", path);
}

void tu_table_free(struct tu_table *t)
{
	for (size_t i = 0; i < t->nrows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->head);
	free(t->text);
	memset(t, 0, sizeof *t);
}

const char *tu_cell(const struct tu_table *t, size_t r, const char *col)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (strcmp(t->head[c], col) == 0)
			return t->rows[r][c];
	cr_assert_fail("table has no column '%s'", col);
	return "";
}

long tu_cell_long(const struct tu_table *t, size_t r, const char *col)
{
	const char *s = tu_cell(t, r, col);
	if (!*s)
		return 0;
	char *end;
	long v = strtol(s, &end, 10);
	cr_assert(*end == '\0', "column %s: '%s' is not a number", col, s);
	return v;
}

/* ---- parsing ------------------------------------------------------------ */

struct tu_ctx {
	struct tu_result *r;
	struct dm_buf out;
	int flags;
};

static int tu_on_record(void *ctx, const struct dm_record *rec)
{
	struct tu_ctx *c = ctx;
	struct tu_result *r = c->r;
	r->counts[rec->type]++;
	if (rec->type == DM_REC_RESOURCE || rec->type == DM_REC_RELEASE) {
		size_t i;
		for (i = 0; i < r->nkinds; i++)
			if (r->kinds[i].type == (int)rec->type &&
			    strlen(r->kinds[i].kind) == rec->kind_len &&
			    memcmp(r->kinds[i].kind, rec->kind, rec->kind_len) == 0)
				break;
		if (i == r->nkinds && i < TU_MAX_KINDS) {
			r->kinds[i].type = (int)rec->type;
			snprintf(r->kinds[i].kind, sizeof r->kinds[i].kind, "%.*s",
			         (int)rec->kind_len, rec->kind);
			r->nkinds++;
		}
		if (i < TU_MAX_KINDS)
			r->kinds[i].n++;
	}
	if (c->flags & TU_POSITIONS)
		dm_buf_printf(&c->out, "@%llu:%llu:%llu ", (unsigned long long)rec->line,
		              (unsigned long long)rec->column, (unsigned long long)rec->offset);
	if (dm_record_to_json(rec, &c->out) != 0)
		return DM_ENOMEM;
	dm_buf_putc(&c->out, '\n');
	return c->out.failed ? DM_ENOMEM : 0;
}

static void tu_on_record_error(void *ctx, const struct dm_error *e)
{
	(void)e;
	struct tu_ctx *c = ctx;
	c->r->record_errors++;
}

static const struct dm_consumer tu_consumer = {
	.record = tu_on_record,
	.record_error = tu_on_record_error,
};

void tu_parse(const char *data, size_t len, const struct dm_config *cfg_in,
              size_t chunk, int flags, long fail_after, uint64_t budget,
              struct tu_result *r)
{
	memset(r, 0, sizeof *r);
	struct dm_config cfg;
	if (cfg_in)
		cfg = *cfg_in;
	else
		dm_config_init(&cfg);
	if (chunk)
		cfg.chunk_size = chunk;

	/* output is charged elsewhere so that only the parser's own bytes meet
	 * the budget and the fail injection */
	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	struct dm_acct *acct = dm_acct_new(NULL, budget ? budget : cfg.max_memory);
	cr_assert(out_acct && acct);
	struct tu_ctx c = {.r = r, .flags = flags};
	dm_buf_init(&c.out, out_acct, DM_TAG_OUTPUT);
	if (fail_after > 0)
		dm_acct_fail_after(acct, fail_after);

	struct dm_error err;
	dm_error_clear(&err);
	struct dm_parser *p = dm_parser_new(acct, &cfg, &tu_consumer, &c, &err);
	if (!p) {
		r->rc = err.code ? err.code : DM_ENOMEM;
		r->err = err;
	} else {
		if (flags & TU_FROM_FD) {
			r->rc = dm_parser_parse_file(p, data);
		} else {
			r->rc = dm_parser_begin(p, "test-input");
			if (!r->rc)
				r->rc = dm_parser_feed(p, data, len, 1);
		}
		r->err = *dm_parser_error(p);
		snprintf(r->ern_version, sizeof r->ern_version, "%s", dm_parser_ern_version(p));
		dm_parser_free(p);
	}
	dm_acct_fail_after(acct, 0);
	struct dm_acct_stats st;
	dm_acct_stats(acct, &st);
	r->live_after = st.live;
	r->peak = st.peak;

	r->json = malloc(c.out.len + 1);
	cr_assert_not_null(r->json);
	if (c.out.len)
		memcpy(r->json, c.out.data, c.out.len);
	r->json[c.out.len] = '\0';
	r->json_len = c.out.len;
	dm_buf_fini(&c.out);
	cr_assert_eq(dm_acct_live(out_acct), 0);
	dm_acct_free(acct);
	dm_acct_free(out_acct);
}

static void parse_path(char *path, size_t chunk, int flags, struct tu_result *r)
{
	if (flags & TU_FROM_FD) {
		tu_parse(path, 0, NULL, chunk, flags, 0, 0, r);
	} else {
		size_t len;
		char *data = tu_read_file(path, &len);
		tu_parse(data, len, NULL, chunk, flags, 0, 0, r);
		free(data);
	}
	free(path);
}

void tu_parse_corpus(const char *rel, size_t chunk, int flags, struct tu_result *r)
{
	parse_path(tu_corpus_path(rel), chunk, flags, r);
}

void tu_parse_fixture(const char *rel, size_t chunk, int flags, struct tu_result *r)
{
	parse_path(tu_fixture_path(rel), chunk, flags, r);
}

void tu_parse_str(const char *xml, const struct dm_config *cfg, struct tu_result *r)
{
	tu_parse(xml, strlen(xml), cfg, 0, 0, 0, 0, r);
}

void tu_result_fini(struct tu_result *r)
{
	free(r->json);
	r->json = NULL;
}

uint64_t tu_kind_count(const struct tu_result *r, enum dm_rec_type t, const char *kind)
{
	for (size_t i = 0; i < r->nkinds; i++)
		if (r->kinds[i].type == (int)t && strcmp(r->kinds[i].kind, kind) == 0)
			return r->kinds[i].n;
	return 0;
}

char *tu_find_line(const char *json, ...)
{
	for (const char *line = json; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = malloc(n + 1);
		cr_assert_not_null(copy);
		memcpy(copy, line, n);
		copy[n] = '\0';
		va_list ap;
		va_start(ap, json);
		int all = 1;
		for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
			if (!strstr(copy, s)) {
				all = 0;
				break;
			}
		va_end(ap);
		if (all)
			return copy;
		free(copy);
		if (!nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

size_t tu_count_prefixed(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

size_t tu_count_lines(const char *json, const char *needle)
{
	size_t n = 0;
	for (const char *line = json; *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *hit = strstr(line, needle);
		if (hit && hit + strlen(needle) <= end)
			n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	return n;
}

/* ---- a bare expat pass -------------------------------------------------- */

struct count_ctx {
	const char *local, *parent;
	long n;
	const char *stack[512];
	int depth;
	char names[512][64];
};

static const char *local_of(const char *name)
{
	const char *sep = strchr(name, '\x01');
	return sep ? sep + 1 : name;
}

static void XMLCALL count_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)atts;
	struct count_ctx *c = ud;
	const char *local = local_of(name);
	if (strcmp(local, c->local) == 0 &&
	    (!c->parent || (c->depth > 0 && strcmp(c->names[c->depth - 1], c->parent) == 0)))
		c->n++;
	if (c->depth < 512)
		snprintf(c->names[c->depth], sizeof c->names[0], "%s", local);
	c->depth++;
}

static void XMLCALL count_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct count_ctx *c = ud;
	c->depth--;
}

long tu_expat_count(const char *data, size_t len, const char *local, const char *parent)
{
	struct count_ctx *c = calloc(1, sizeof *c);
	cr_assert_not_null(c);
	c->local = local;
	c->parent = parent;
	XML_Parser xp = XML_ParserCreateNS(NULL, '\x01');
	cr_assert_not_null(xp);
	XML_SetUserData(xp, c);
	XML_SetElementHandler(xp, count_start, count_end);
	enum XML_Status st = XML_Parse(xp, data, (int)len, 1);
	XML_ParserFree(xp);
	long n = st == XML_STATUS_OK ? c->n : -1;
	free(c);
	return n;
}

int tu_expat_wellformed(const char *data, size_t len)
{
	XML_Parser xp = XML_ParserCreateNS(NULL, '\x01');
	cr_assert_not_null(xp);
	enum XML_Status st = XML_Parse(xp, data, (int)len, 1);
	XML_ParserFree(xp);
	return st == XML_STATUS_OK;
}

/* ---- UTF-16 --------------------------------------------------------------- */

static void put16(char *out, size_t *o, unsigned u, int be)
{
	out[(*o)++] = (char)(be ? u >> 8 : u & 0xFF);
	out[(*o)++] = (char)(be ? u & 0xFF : u >> 8);
}

char *tu_utf16(const char *utf8, size_t len, int big_endian, size_t *out_len)
{
	/* the declaration must agree with the bytes */
	const char *decl = strstr(utf8, "encoding=\"UTF-8\"");
	size_t cut = decl && decl < utf8 + 100 ? (size_t)(decl - utf8) : len;
	char *out = malloc(2 * (len + 16) + 2);
	cr_assert_not_null(out);
	size_t o = 0;
	put16(out, &o, 0xFEFF, big_endian);
	const unsigned char *s = (const unsigned char *)utf8;
	for (size_t i = 0; i < len;) {
		if (i == cut) {
			for (const char *e = "encoding=\"UTF-16\""; *e; e++)
				put16(out, &o, (unsigned char)*e, big_endian);
			i += strlen("encoding=\"UTF-8\"");
			continue;
		}
		unsigned c = s[i], n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		cr_assert(c < 0x80 || (c >= 0xC2 && c <= 0xF4), "not UTF-8 at byte %zu", i);
		cr_assert_leq(i + n, len, "UTF-8 cut at byte %zu", i);
		unsigned u = n == 1 ? c : c & (0x7F >> n);
		for (unsigned k = 1; k < n; k++)
			u = (u << 6) | (s[i + k] & 0x3F);
		i += n;
		if (u >= 0x10000) {
			u -= 0x10000;
			put16(out, &o, 0xD800 | (u >> 10), big_endian);
			put16(out, &o, 0xDC00 | (u & 0x3FF), big_endian);
		} else {
			put16(out, &o, u, big_endian);
		}
	}
	*out_len = o;
	return out;
}
