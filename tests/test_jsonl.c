/* The JSON-lines reader: values, escapes and numbers come out as written;
 * corrupt, cut, over-long and out-of-order lines are skipped with the
 * right count and a FILE:LINE message; files that are not recordings are
 * refused; gzip is read through zlib; memory stays what the reader
 * allocates at open, and nothing is left allocated after free. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "acct.h"
#include "error.h"
#include "jsonl.h"
#include "teardown.h"

static char dir[64];
static struct dm_acct *ac;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-jsonl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ac = dm_acct_new(NULL, 0);
	cr_assert_not_null(ac);
}

static void teardown(void)
{
	char cmd[128];
	TEARDOWN_CHECK(dm_acct_live(ac) == 0, "reader left %llu bytes allocated",
	             (unsigned long long)dm_acct_live(ac));
	dm_acct_free(ac);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(jsonl, .init = setup, .fini = teardown);

static const char *put(const char *name, const void *data, size_t len)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *puts_file(const char *name, const char *text)
{
	return put(name, text, strlen(text));
}

#define START "{\"event\":\"start\",\"t\":0.001,\"profile\":\"default\",\"version\":\"" PACKAGE_VERSION "\"}\n"

Test(jsonl, values_and_escapes)
{
	const char *p = puts_file("v.jsonl",
		"{\"s\":\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\\u0000x\",\"n\":-12.5e2,\"u\":18446744073709551615,"
		"\"i\":-9223372036854775807,\"b\":true,\"f\":false,\"z\":null,\"o\":{\"k\":[1,{\"d\":2}]},\"e\":\"\"}\n");
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	cr_assert_eq(dm_jsonl_next(r, &err), 1, "%s", err.msg);
	cr_expect_str_eq(dm_jsonl_str(r, 0, "s"), "a\"b\\c/\n\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBDx");
	double d;
	cr_expect_eq(dm_jsonl_num(r, 0, "n", &d), 0);
	cr_expect_float_eq(d, -1250.0, 1e-9);
	uint64_t u;
	cr_expect_eq(dm_jsonl_u64(r, 0, "u", &u), 0);
	cr_expect_eq(u, UINT64_MAX);
	int64_t i;
	cr_expect_eq(dm_jsonl_i64(r, 0, "i", &i), 0);
	cr_expect_eq(i, -INT64_MAX);
	cr_expect_eq(dm_jsonl_u64(r, 0, "n", &u), -1, "a negative fraction is not a u64");
	cr_expect_eq(dm_jsonl_bool(r, 0, "b"), 1);
	cr_expect_eq(dm_jsonl_bool(r, 0, "f"), 0);
	cr_expect_eq(dm_jsonl_bool(r, 0, "z"), -1);
	cr_expect_eq(dm_jsonl_type(r, dm_jsonl_get(r, 0, "z")), DM_J_NULL);
	cr_expect_str_eq(dm_jsonl_str(r, 0, "e"), "");
	cr_expect_null(dm_jsonl_str(r, 0, "missing"));
	int o = dm_jsonl_get(r, 0, "o");
	int k = dm_jsonl_get(r, o, "k");
	cr_assert_eq(dm_jsonl_type(r, k), DM_J_ARRAY);
	int e1 = dm_jsonl_first(r, k), e2 = dm_jsonl_next_sibling(r, e1);
	cr_expect_eq(dm_jsonl_type(r, e1), DM_J_NUMBER);
	cr_expect_eq(dm_jsonl_u64(r, e2, "d", &u), 0);
	cr_expect_eq(u, 2);
	cr_expect_eq(dm_jsonl_next_sibling(r, e2), -1);
	size_t len;
	const char *raw = dm_jsonl_raw(r, dm_jsonl_get(r, 0, "n"), &len);
	cr_expect(len == 7 && memcmp(raw, "-12.5e2", 7) == 0, "a number's text as written");
	cr_expect_eq(dm_jsonl_next(r, &err), 0);
	dm_jsonl_free(r);
}

/* Each of these is skipped as corrupt, never read as an object. */
static const char *const corrupt[] = {
	"{", "}", "[]", "\"s\"", "12", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{\"a\":1}}",
	"{\"a\":1} x", "{\"a\":tru}", "{\"a\":-}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":1e}",
	"{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"unterminated}", "{\"a\":\"tab\there\"}",
	"{\"a\":[1,2}", "{\"a\":{\"b\":1]", "{1:2}", "{\"a\":nul}", "\xff\xfe{}",
	"{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}",
};

Test(jsonl, corrupt_lines_skipped_and_counted)
{
	char text[4096] = "";
	for (size_t i = 0; i < sizeof corrupt / sizeof *corrupt; i++) {
		strcat(text, corrupt[i]);
		strcat(text, "\n{\"ok\":1}\n");
	}
	const char *p = puts_file("c.jsonl", text);
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	size_t good = 0, bad = 0;
	for (;;) {
		int rc = dm_jsonl_next(r, &err);
		if (rc == 0)
			break;
		if (rc == 1) {
			uint64_t v;
			cr_expect_eq(dm_jsonl_u64(r, 0, "ok", &v), 0);
			good++;
			continue;
		}
		cr_assert_eq(rc, DM_EXML, "line %llu: %d", (unsigned long long)dm_jsonl_lineno(r), rc);
		char msg[1024], want[128];
		dm_error_format(&err, msg, sizeof msg);
		snprintf(want, sizeof want, "%s:%llu: ", p, (unsigned long long)dm_jsonl_lineno(r));
		cr_expect(strncmp(msg, want, strlen(want)) == 0, "'%s' starts with '%s'", msg, want);
		cr_expect_eq(dm_jsonl_lineno(r) % 2, 1, "the bad lines are the odd ones");
		bad++;
	}
	cr_expect_eq(good, sizeof corrupt / sizeof *corrupt);
	cr_expect_eq(bad, sizeof corrupt / sizeof *corrupt);
	cr_expect_eq(dm_jsonl_skipped(r)->corrupt, bad);
	cr_expect_eq(dm_jsonl_skipped(r)->total, bad);
	dm_jsonl_free(r);
}

/* Random bytes and every prefix of a real line: never a crash, always an
 * end, and no line is both skipped and read. */
Test(jsonl, fuzzish_inputs_end)
{
	static const char line[] =
		"{\"event\":\"sample\",\"t\":1.5,\"rss\":7102464,\"tags\":{\"parser\":{\"live\":146461,\"peak\":2},"
		"\"leak\":{\"live\":1}},\"trend\":\"growing\",\"to_budget\":null,\"s\":\"\\u00e9\\\"\"}";
	char why[96];
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open("/dev/null", ac, &err);
	cr_assert_not_null(r);
	size_t n = strlen(line);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(dm_jsonl_parse(r, line, i, why, sizeof why), DM_EXML, "prefix %zu parsed", i);
	cr_expect_eq(dm_jsonl_parse(r, line, n, why, sizeof why), 0, "%s", why);
	/* one flipped byte at each position, to each of a few values */
	static const char flips[] = "{}[]\":,\\0e-\x01\xff";
	char buf[sizeof line];
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < sizeof flips - 1; f++) {
			memcpy(buf, line, n);
			buf[i] = flips[f];
			int rc = dm_jsonl_parse(r, buf, n, why, sizeof why);
			cr_assert(rc == 0 || rc == DM_EXML);
		}
	dm_jsonl_free(r);

	unsigned seed = 7;
	char *junk = malloc(200000);
	cr_assert_not_null(junk);
	for (size_t i = 0; i < 200000; i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (char)(seed >> 16);
	}
	const char *p = put("junk", junk, 200000);
	free(junk);
	r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	uint64_t skipped = 0, lines = 0;
	int rc;
	while ((rc = dm_jsonl_next(r, &err)) != 0) {
		cr_assert(rc == DM_EXML || rc == DM_ELIMIT || rc == 1);
		skipped += rc < 0;
		cr_assert(++lines < 10000000);
	}
	cr_expect_eq(dm_jsonl_skipped(r)->total, skipped);
	dm_jsonl_free(r);
}

Test(jsonl, long_line_skipped_then_next)
{
	size_t big = DM_JSONL_LINE_MAX + 10;
	char *text = malloc(big + 64);
	cr_assert_not_null(text);
	strcpy(text, "{\"a\":\"");
	memset(text + 6, 'x', big);
	strcpy(text + 6 + big, "\"}\n{\"b\":2}\n");
	const char *p = put("long.jsonl", text, strlen(text));
	free(text);
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	cr_expect_eq(dm_jsonl_next(r, &err), DM_ELIMIT);
	cr_expect(strstr(err.msg, "longer than") != NULL, "%s", err.msg);
	cr_expect_eq(err.line, 1);
	cr_assert_eq(dm_jsonl_next(r, &err), 1);
	cr_expect_eq(dm_jsonl_lineno(r), 2);
	cr_expect_eq(dm_jsonl_skipped(r)->too_long, 1);
	/* the reader's memory is what it took at open, whatever the line */
	struct dm_acct_stats st;
	dm_acct_stats(ac, &st);
	cr_expect_lt(st.peak, (uint64_t)DM_JSONL_LINE_MAX + 256 * 1024);
	dm_jsonl_free(r);
}

Test(jsonl, recording_checks)
{
	struct dm_error err;
	/* not a recording: first line not a start event */
	const char *p = puts_file("a.jsonl", "{\"event\":\"sample\",\"t\":0.1}\n" START);
	struct dm_jsonl *r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	cr_expect_eq(dm_jsonl_next_event(r, &err), DM_ENOTERN);
	cr_expect_eq(err.line, 1);
	dm_jsonl_free(r);
	/* another major version, another format */
	p = puts_file("b.jsonl", "{\"event\":\"start\",\"t\":0,\"version\":\"99.0\"}\n");
	r = dm_jsonl_open(p, ac, &err);
	cr_expect_eq(dm_jsonl_next_event(r, &err), DM_ENOTERN);
	cr_expect(strstr(err.msg, "99.0") != NULL, "%s", err.msg);
	dm_jsonl_free(r);
	p = puts_file("c.jsonl", "{\"event\":\"start\",\"t\":0,\"version\":\"" PACKAGE_VERSION "\",\"format\":2}\n");
	r = dm_jsonl_open(p, ac, &err);
	cr_expect_eq(dm_jsonl_next_event(r, &err), DM_ENOTERN);
	dm_jsonl_free(r);
	/* empty, and a corrupt first line */
	p = puts_file("d.jsonl", "");
	r = dm_jsonl_open(p, ac, &err);
	cr_expect_eq(dm_jsonl_next_event(r, &err), DM_ENOTERN);
	dm_jsonl_free(r);
	p = puts_file("e.jsonl", "{\"event\":\"sta\n" START);
	r = dm_jsonl_open(p, ac, &err);
	cr_expect_eq(dm_jsonl_next_event(r, &err), DM_ENOTERN);
	dm_jsonl_free(r);

	/* a good one with every kind of skip */
	p = puts_file("f.jsonl", START
		"{\"event\":\"sample\",\"t\":5.0}\n"
		"{\"event\":\"sample\",\"t\":4.5}\n"          /* within the slack: kept */
		"{\"event\":\"sample\",\"t\":1.0}\n"          /* out of order */
		"{\"event\":\"start\",\"t\":6,\"version\":\"" PACKAGE_VERSION "\"}\n"
		"{\"t\":7}\n"                                /* no event */
		"{\"event\":\"sample\",\"t\":\"x\"}\n"        /* t not a number */
		"\n"
		"{\"event\":\"sample\",\"t\":8}\n"
		"{\"event\":\"summary\",\"t\":9,\"files\":1");   /* cut */
	r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	int rc, n = 0;
	double ts[8];
	while ((rc = dm_jsonl_next_event(r, &err)) != 0) {
		cr_assert_neq(rc, DM_ENOTERN, "%s", err.msg);
		if (rc == 1) {
			cr_assert_lt(n, 8);
			ts[n++] = dm_jsonl_t(r);
		}
	}
	cr_expect_eq(n, 4);
	cr_expect_float_eq(ts[0], 0.001, 1e-12);
	cr_expect_float_eq(ts[2], 4.5, 1e-12);
	cr_expect_float_eq(ts[3], 8, 1e-12);
	const struct dm_jsonl_skips *s = dm_jsonl_skipped(r);
	cr_expect_eq(s->out_of_order, 1);
	cr_expect_eq(s->misplaced, 1);
	cr_expect_eq(s->corrupt, 2);
	cr_expect_eq(s->truncated, 1);
	cr_expect_eq(s->total, 5);
	cr_expect_eq(dm_jsonl_lineno(r), 10);
	dm_jsonl_free(r);
}

Test(jsonl, gzip_and_a_cut_gzip)
{
	char path[128];
	snprintf(path, sizeof path, "%s/r.jsonl.gz", dir);
	gzFile gz = gzopen(path, "wb");
	cr_assert_not_null(gz);
	gzputs(gz, START);
	for (int i = 0; i < 20000; i++)
		gzprintf(gz, "{\"event\":\"sample\",\"t\":%d.5,\"rss\":%d}\n", i, 1000 + i);
	cr_assert_eq(gzclose(gz), Z_OK);
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open(path, ac, &err);
	cr_assert_not_null(r);
	int rc, n = 0;
	uint64_t last = 0;
	while ((rc = dm_jsonl_next_event(r, &err)) == 1)
		if (dm_jsonl_u64(r, 0, "rss", &last) == 0)
			n++;
	cr_expect_eq(rc, 0, "%s", err.msg);
	cr_expect_eq(n, 20000);
	cr_expect_eq(last, 20999);
	dm_jsonl_free(r);

	/* half of the compressed file: the events up to the cut, then a note */
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	static char half[200000];
	size_t len = fread(half, 1, sizeof half, f);
	fclose(f);
	const char *p = put("cut.jsonl.gz", half, len / 2);
	r = dm_jsonl_open(p, ac, &err);
	cr_assert_not_null(r);
	n = 0;
	int cut = 0;
	while ((rc = dm_jsonl_next_event(r, &err)) != 0) {
		cr_assert(rc == 1 || rc == DM_EXML, "rc %d: %s", rc, err.msg);
		n += rc == 1;
		cut += rc == DM_EXML;
	}
	cr_expect_gt(n, 100);
	cr_expect_lt(n, 20001);
	cr_expect_eq(cut, 1, "one line reported cut short");
	cr_expect_eq(dm_jsonl_skipped(r)->truncated, 1);
	dm_jsonl_free(r);
}

Test(jsonl, open_errors)
{
	struct dm_error err;
	dm_error_clear(&err);
	cr_expect_null(dm_jsonl_open("/nonexistent/x.jsonl", ac, &err));
	cr_expect_eq(err.code, DM_EIO);
	cr_expect_null(dm_jsonl_open(dir, ac, &err));
	cr_expect(strstr(err.msg, "directory") != NULL, "%s", err.msg);
	/* a budget too small for the buffers is a clean refusal */
	struct dm_acct *tiny = dm_acct_new(NULL, 4096);
	cr_expect_null(dm_jsonl_open("/dev/null", tiny, &err));
	cr_expect_eq(err.code, DM_ENOMEM);
	cr_expect_eq(dm_acct_live(tiny), 0);
	dm_acct_free(tiny);
}

/* unget gives the same line back once, for a look at the first line */
Test(jsonl, unget)
{
	const char *p = puts_file("u.jsonl", START "{\"event\":\"x\",\"t\":1}\n");
	struct dm_error err;
	struct dm_jsonl *r = dm_jsonl_open(p, ac, &err);
	const char *line;
	size_t len;
	cr_assert_eq(dm_jsonl_getline(r, &line, &len, &err), 1);
	dm_jsonl_unget(r);
	cr_assert_eq(dm_jsonl_next_event(r, &err), 1);
	cr_expect_str_eq(dm_jsonl_event(r), "start");
	cr_expect_eq(dm_jsonl_lineno(r), 1);
	cr_assert_eq(dm_jsonl_next_event(r, &err), 1);
	cr_expect_str_eq(dm_jsonl_event(r), "x");
	dm_jsonl_free(r);
}

/* every allocation the reader makes, refused in turn: a clean ENOMEM and
 * nothing left allocated */
Test(jsonl, allocation_failure_sweep)
{
	for (long n = 1; n <= 8; n++) {
		struct dm_acct *a = dm_acct_new(NULL, 0);
		struct dm_error err;
		dm_error_clear(&err);
		dm_acct_fail_after(a, n);
		struct dm_jsonl *r = dm_jsonl_open("/dev/null", a, &err);
		if (r) {
			cr_expect_geq(n, 5, "open succeeded with allocation %ld refused", n);
			cr_expect_eq(dm_jsonl_next(r, &err), 0);
			dm_jsonl_free(r);
		} else {
			cr_expect_eq(err.code, DM_ENOMEM, "n=%ld: %s", n, err.msg);
		}
		cr_expect_eq(dm_acct_live(a), 0, "n=%ld", n);
		dm_acct_free(a);
	}
}
