/* dm_split_parse: byte-identical to the one-thread parse on the fixtures
 * (and, built as test_split_corpus with DM_TEST_CORPUS, on every corpus
 * file) cut into many small segments, on generated deliveries, on files it must not
 * split (DOCTYPE, UTF-16, a comment across a split point); the budget
 * holds; every accounted byte comes back. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "buf.h"
#include "gen.h"
#include "split.h"
#include "testutil.h"

struct sink {
	char *data;
	size_t len, cap;
};

static int sink_write(void *ctx, const char *d, size_t n)
{
	struct sink *k = ctx;
	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->data = realloc(k->data, k->cap);
		cr_assert(k->data);
	}
	memcpy(k->data + k->len, d, n);
	k->len += n;
	k->data[k->len] = '\0';
	return 0;
}

/* Parse path with n threads at this forced segment size (0: the default). */
static int split(const char *path, unsigned n, unsigned seg, uint64_t budget, struct sink *k,
                 struct dm_split_stats *st, struct dm_error *err)
{
	char v[32];
	if (seg) {
		snprintf(v, sizeof v, "%u", seg);
		setenv("DDEXMON_SPLIT_SEGMENT", v, 1);
	} else {
		unsetenv("DDEXMON_SPLIT_SEGMENT");
	}
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.max_element_count = 0;
	struct dm_acct *a = dm_acct_new(NULL, budget);
	memset(k, 0, sizeof *k);
	struct dm_split_out out = {.write = sink_write, .ctx = k};
	dm_error_clear(err);
	int rc = dm_split_parse(path, &cfg, a, n, &out, NULL, st, err);
	cr_assert_eq(dm_acct_live(a), 0, "%s: %llu bytes still accounted", path,
	             (unsigned long long)dm_acct_live(a));
	struct dm_acct_stats as;
	dm_acct_stats(a, &as);
	if (budget)
		cr_assert_leq(as.peak, budget);
	dm_acct_free(a);
	return rc;
}

static void same_as_one_thread(const char *path, unsigned n, unsigned seg, int *really_split)
{
	struct sink one, many;
	struct dm_split_stats s1, s2;
	struct dm_error e1, e2;
	int r1 = split(path, 1, 0, 0, &one, &s1, &e1);
	int r2 = split(path, n, seg, 0, &many, &s2, &e2);
	cr_assert_eq(r1, r2, "%s: rc %d vs %d", path, r1, r2);
	cr_assert_eq(one.len, many.len, "%s (segment %u, %u threads): %zu vs %zu bytes (%s)", path,
	             seg, n, one.len, many.len, s2.why);
	cr_assert(one.len == 0 || memcmp(one.data, many.data, one.len) == 0, "%s: output differs",
	          path);
	for (int t = 0; t < DM_REC_TYPES; t++)
		cr_assert_eq(s1.records[t], s2.records[t]);
	if (r1)
		cr_assert_str_eq(e1.msg, e2.msg);
	if (s2.segments > 1 && !s2.fell_back)
		(*really_split)++;
	free(one.data);
	free(many.data);
}

#ifdef DM_TEST_CORPUS
Test(split, corpus_files_in_small_segments)
{
	struct tu_table t;
	char *manifest = tu_corpus_path("MANIFEST.tsv");
	tu_table_load(&t, manifest);
	free(manifest);
	int files = 0, really = 0;
	for (size_t r = 0; r < t.nrows; r++) {
		char *path = tu_corpus_path(tu_cell(&t, r, "file"));
		if (access(path, R_OK) == 0) {
			files++;
			same_as_one_thread(path, 2, 1500, &really);
			same_as_one_thread(path, 3, 20000, &really);
		}
		free(path);
	}
	tu_table_free(&t);
	cr_assert_gt(files, 100);
	cr_assert_gt(really, files, "only %d of %d parses were really split", really, 2 * files);
}
#else
Test(split, fixtures_in_small_segments)
{
	struct tu_table t;
	char *table = tu_fixture_path("FIXTURES.tsv");
	tu_table_load(&t, table);
	free(table);
	int files = 0, really = 0;
	for (size_t r = 0; r < t.nrows; r++) {
		char *path = tu_fixture_path(tu_cell(&t, r, "file"));
		files++;
		same_as_one_thread(path, 2, 200, &really);
		same_as_one_thread(path, 3, 600, &really);
		free(path);
	}
	tu_table_free(&t);
	cr_assert_geq(files, 12);
	/* the small refused ones and the one-record messages have nothing to
	 * split at; the others must really be cut */
	cr_assert_geq(really, 8, "only %d of %d parses were really split", really, 2 * files);
}

static char gen_path[256];

static void gen(uint64_t size, int ern)
{
	snprintf(gen_path, sizeof gen_path, "/tmp/dm-split-%ld.xml", (long)getpid());
	FILE *f = fopen(gen_path, "w");
	cr_assert(f);
	struct dm_gen_opts o = {.size = size, .seed = 5, .ern = ern};
	struct dm_gen_counts c;
	struct dm_error err;
	cr_assert_eq(dm_gen_write(f, &o, &c, &err), 0);
	cr_assert_eq(fclose(f), 0);
}

Test(split, generated_deliveries)
{
	static const uint64_t sizes[] = {100000, 2500000, 9000000};
	int really = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		for (int ern = 0; ern < 2; ern++) {
			gen(sizes[i], ern ? 382 : 43);
			same_as_one_thread(gen_path, 2, 0, &really);
			same_as_one_thread(gen_path, 2, 50000, &really);
			unlink(gen_path);
		}
	cr_assert_geq(really, 6);
}

Test(split, the_budget_holds)
{
	gen(6000000, 43);
	struct sink k;
	struct dm_split_stats st;
	struct dm_error err;
	/* enough for the segments: split, and under the budget */
	int rc = split(gen_path, 2, 0, 64u << 20, &k, &st, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_gt(st.segments, 1);
	free(k.data);
	/* far too little: a clean memory error, nothing left accounted */
	rc = split(gen_path, 2, 0, 96u << 10, &k, &st, &err);
	cr_assert_eq(rc, DM_ENOMEM, "rc %d: %s", rc, err.msg);
	cr_assert(strstr(err.msg, "memory limit exceeded"), "%s", err.msg);
	free(k.data);
	unlink(gen_path);
}

Test(split, unsafe_files_fall_back_and_say_why)
{
	gen(3000000, 43);
	size_t len;
	char *xml = tu_read_file(gen_path, &len);
	char path2[300];
	snprintf(path2, sizeof path2, "%s.dt", gen_path);
	FILE *f = fopen(path2, "w");
	const char *nl = strchr(xml, '\n');
	fprintf(f, "<?xml version=\"1.0\"?>\n<!DOCTYPE x>");
	fwrite(nl, 1, len - (size_t)(nl - xml), f);
	fclose(f);
	struct sink k;
	struct dm_split_stats st;
	struct dm_error err;
	int rc = split(path2, 2, 100000, 0, &k, &st, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert(st.fell_back);
	cr_assert_str_eq(st.why, "DOCTYPE present");
	free(k.data);

	/* two whole records commented out: a candidate inside a comment */
	char *a = strstr(xml + len / 2, "<SoundRecording>");
	cr_assert(a);
	char *b = strstr(a + 1, "<SoundRecording>");
	char *c = strstr(b, "</SoundRecording>") + strlen("</SoundRecording>");
	f = fopen(path2, "w");
	fwrite(xml, 1, (size_t)(a - xml), f);
	fputs("<!--", f);
	for (char *p = a; p < c; p++)
		fputc(p[0] == '-' && p[1] == '-' ? '_' : p[0], f);
	fputs("-->", f);
	fputs(c, f);
	fclose(f);
	int really = 0;
	for (unsigned seg = 500; seg < 40000; seg = seg * 3 + 17)
		same_as_one_thread(path2, 2, seg, &really);
	unlink(path2);
	unlink(gen_path);
	free(xml);
}
#endif
