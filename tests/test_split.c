/* split_workers through the session: byte-identical to the one-thread parse
 * on the fixtures (and, built as test_split_corpus with DM_TEST_CORPUS, on
 * every corpus file) cut into many small segments, on generated deliveries, on files it must not
 * split (DOCTYPE, UTF-16, a comment across a split point); the budget
 * holds; every accounted byte comes back. */
#include "config.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "buf.h"
#include "gen.h"
#include "session.h"
#include "split.h"
#include "testutil.h"

/* What a split parse through the session gave: the JSON lines, the
 * result, and why it fell back to one thread (its NOTE). */
struct sink {
	pthread_mutex_t mu;
	char *data;
	size_t len, cap;
	char why[200];
};

static void append(struct sink *k, const char *d, size_t n)
{
	pthread_mutex_lock(&k->mu);
	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->data = realloc(k->data, k->cap);
		cr_assert(k->data);
	}
	memcpy(k->data + k->len, d, n);
	k->len += n;
	k->data[k->len] = '\0';
	pthread_mutex_unlock(&k->mu);
}

static int on_lines(void *ctx, int file, const char *d, size_t n)
{
	(void)file;
	append(ctx, d, n);
	return 0;
}

static struct dm_acct *out_acct;   /* the one-thread JSON, outside the budget */

static int on_record(void *ctx, int file, const struct dm_record *r)
{
	(void)file;
	struct dm_buf b;
	dm_buf_init(&b, out_acct, DM_TAG_OUTPUT);
	int rc = dm_record_to_json(r, &b);
	dm_buf_putc(&b, '\n');
	if (!rc && !b.failed)
		append(ctx, b.data, b.len);
	dm_buf_fini(&b);
	return 0;
}

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct sink *k = ctx;
	if (ev->type == DM_EV_NOTE && ev->u.note.path)
		snprintf(k->why, sizeof k->why, "%s", ev->u.note.text);
}

static const struct dm_session_ops ops = {.event = on_event, .record = on_record, .lines = on_lines};

/* Parse path in a session with split_workers = n at this forced segment
 * size (0: the default). Returns the file's code; fi gets its result. */
static int split(const char *path, unsigned n, unsigned seg, uint64_t budget, struct sink *k,
                 struct dm_file_info *fi)
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
	cfg.max_concurrent = 1;
	cfg.split_workers = n ? n : 1;
	if (budget)
		cfg.max_memory = budget;
	memset(k, 0, sizeof *k);
	pthread_mutex_init(&k->mu, NULL);
	if (!out_acct)
		out_acct = dm_acct_new(NULL, 0);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session_opts o = {.force = 1};
	struct dm_session *s = dm_session_new(&cfg, &o, &ops, k, &err);
	cr_assert_not_null(s, "%s", err.msg);
	cr_assert_eq(dm_session_add(s, path), 0);
	cr_assert_eq(dm_session_start(s, &err), 0, "%s", err.msg);
	dm_session_wait(s);
	cr_assert_eq(dm_session_file(s, 0, fi), 0);
	static char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	snprintf(msg, sizeof msg, "%s", fi->error ? fi->error : "");
	fi->error = msg;
	struct dm_session_summary sum;
	dm_session_summary(s, &sum);
	if (budget)
		cr_assert_leq(sum.acct_peak, budget);
	dm_session_free(s);
	pthread_mutex_destroy(&k->mu);
	return fi->code;
}

static void same_as_one_thread(const char *path, unsigned n, unsigned seg, int *really_split)
{
	struct sink one, many;
	struct dm_file_info f1, f2;
	int r1 = split(path, 1, 0, 0, &one, &f1);
	char e1[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	snprintf(e1, sizeof e1, "%s", f1.error);
	int r2 = split(path, n, seg, 0, &many, &f2);
	cr_assert_eq(r1, r2, "%s: rc %d vs %d", path, r1, r2);
	cr_assert_eq(one.len, many.len, "%s (segment %u, %u threads): %zu vs %zu bytes (%s)", path,
	             seg, n, one.len, many.len, many.why);
	cr_assert(one.len == 0 || memcmp(one.data, many.data, one.len) == 0, "%s: output differs",
	          path);
	for (int t = 0; t < DM_REC_TYPES; t++)
		cr_assert_eq(f1.records[t], f2.records[t]);
	if (r1)
		cr_assert_str_eq(e1, f2.error);
	cr_assert_eq(f1.segments, 0);
	if (f2.segments > 1)
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
	struct dm_file_info fi;
	/* enough for the segments: split, and under the budget */
	int rc = split(gen_path, 2, 0, 64u << 20, &k, &fi);
	cr_assert_eq(rc, 0, "%s", fi.error);
	cr_assert_gt(fi.segments, 1);
	free(k.data);
	/* far too little: a clean memory error */
	rc = split(gen_path, 2, 0, 96u << 10, &k, &fi);
	cr_assert_eq(rc, DM_ENOMEM, "rc %d: %s", rc, fi.error);
	cr_assert(strstr(fi.error, "memory limit exceeded"), "%s", fi.error);
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
	struct dm_file_info fi;
	int rc = split(path2, 2, 100000, 0, &k, &fi);
	cr_assert_eq(rc, 0, "%s", fi.error);
	cr_assert_eq(fi.segments, 0);
	cr_assert_str_eq(k.why, "parsed on one thread (DOCTYPE present)");
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
/* ---- the planner ring, through dm_split_parse itself ------------------ */

/* What the ordered writer handed out: the bytes, how many writes, and the
 * progress it reported (which must only go forward). */
struct capture {
	char *data;
	size_t len, cap;
	unsigned writes;
	uint64_t bytes;
	int backwards;
};

static int cap_write(void *ctx, const char *d, size_t n)
{
	struct capture *c = ctx;
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->data = realloc(c->data, c->cap);
		cr_assert(c->data);
	}
	memcpy(c->data + c->len, d, n);
	c->len += n;
	c->data[c->len] = '\0';
	c->writes++;
	return 0;
}

static int cap_progress(void *ctx, uint64_t bytes, const uint64_t *records)
{
	(void)records;
	struct capture *c = ctx;
	if (bytes <= c->bytes)
		c->backwards = 1;
	c->bytes = bytes;
	return 0;
}

/* path on n segment threads at this forced segment size, into c, under
 * this budget (0: the default) with the fail_after-th allocation of the
 * split's own refused (0: none); the accountant's peak goes to *peak, and
 * every byte must come back. */
static int ring_under(const char *path, unsigned n, unsigned seg, uint64_t budget, long fail_after,
                      struct capture *c, struct dm_split_stats *st, uint64_t *peak)
{
	char v[32];
	snprintf(v, sizeof v, "%u", seg);
	setenv("DDEXMON_SPLIT_SEGMENT", v, 1);
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.max_element_count = 0;
	struct dm_acct *a = dm_acct_new(NULL, budget ? budget : cfg.max_memory);
	cr_assert(a);
	if (fail_after)
		dm_acct_fail_after(a, fail_after);
	memset(c, 0, sizeof *c);
	struct dm_split_out out = {.write = cap_write, .progress = cap_progress, .ctx = c};
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_split_parse(path, &cfg, a, n, &out, st, &err);
	struct dm_acct_stats as;
	dm_acct_stats(a, &as);
	*peak = as.peak;
	cr_assert_eq(as.live, 0, "%llu accounted bytes left", (unsigned long long)as.live);
	dm_acct_free(a);
	unsetenv("DDEXMON_SPLIT_SEGMENT");
	cr_assert_not(c->backwards, "progress went backwards");
	return rc;
}

static int ring(const char *path, unsigned n, unsigned seg, struct capture *c,
                struct dm_split_stats *st, uint64_t *peak)
{
	return ring_under(path, n, seg, 0, 0, c, st, peak);
}

/* The one-thread records of path, through the session. */
static char *one_thread(const char *path, size_t *len)
{
	struct sink k;
	struct dm_file_info fi;
	split(path, 1, 0, 0, &k, &fi);
	*len = k.len;
	return k.data;
}

static size_t count_lines(const char *d, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += d[i] == '\n';
	return n;
}

/* A fallback: what was written is whole records, the first st->emitted
 * records of the one-thread parse and nothing more. */
static void written_is_a_prefix(const char *path, const struct capture *c,
                                const struct dm_split_stats *st)
{
	size_t len;
	char *one = one_thread(path, &len);
	cr_assert_leq(c->len, len);
	cr_assert(c->len == 0 || memcmp(one, c->data, c->len) == 0, "written lines differ");
	cr_assert(c->len == 0 || c->data[c->len - 1] == '\n');
	cr_assert_eq(count_lines(c->data, c->len), st->emitted);
	free(one);
}

static void recording(FILE *f, int k)
{
	fprintf(f,
	        "<SoundRecording><ResourceReference>A%d</ResourceReference><SoundRecordingId>"
	        "<ISRC>QZ0000%07d</ISRC></SoundRecordingId><DisplayTitleText>Song %d"
	        "</DisplayTitleText></SoundRecording>\n",
	        k, k, k);
}

/* ERN 4.3: `before` sound recordings, `gap` bytes of resources of a kind
 * that is no split point, then `after` sound recordings. */
static void synth(const char *path, int before, long gap, int after)
{
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	      "<ern:NewReleaseMessage xmlns:ern=\"http://ddex.net/xml/ern/43\">\n"
	      "<MessageHeader><MessageId>M1</MessageId></MessageHeader>\n<ResourceList>\n",
	      f);
	int k = 0;
	for (; k < before; k++)
		recording(f, k);
	for (long w = 0; w < gap; k++)
		w += fprintf(f, "<Gadget><ResourceReference>G%d</ResourceReference>"
		                "<GadgetType>Tool</GadgetType></Gadget>\n", k);
	for (int i = 0; i < after; i++, k++)
		recording(f, k);
	fputs("</ResourceList>\n</ern:NewReleaseMessage>\n", f);
	cr_assert_eq(fclose(f), 0);
}

Test(split, ring_of_many_small_segments)
{
	static const unsigned threads[] = {2, 3, 5};
	uint64_t peak3 = 0;
	gen(3000000, 43);
	size_t len;
	char *one = one_thread(gen_path, &len);
	for (size_t i = 0; i < sizeof threads / sizeof *threads; i++) {
		struct capture c;
		struct dm_split_stats st;
		uint64_t peak;
		int rc = ring(gen_path, threads[i], 1500, &c, &st, &peak);
		cr_assert_eq(rc, 0, "%u threads: rc %d (%s)", threads[i], rc, st.why);
		/* each of the 2n slots reused many times over */
		cr_assert_gt(st.segments, 100 * 2 * threads[i], "%u segments", st.segments);
		cr_assert_gt(c.writes, 100 * 2 * threads[i]);
		cr_assert_eq(c.len, len);
		cr_assert(memcmp(c.data, one, len) == 0, "%u threads: output differs", threads[i]);
		cr_assert_eq(st.emitted, count_lines(one, len));
		cr_assert_eq(c.bytes, st.bytes);
		if (threads[i] == 2)
			peak3 = peak;
		free(c.data);
	}
	free(one);
	unlink(gen_path);
	/* four times the file, four times the segments: the same memory (a
	 * table of every segment would be a few hundred KiB more here) */
	gen(12000000, 43);
	struct capture c;
	struct dm_split_stats st;
	uint64_t peak12;
	cr_assert_eq(ring(gen_path, 2, 1500, &c, &st, &peak12), 0, "%s", st.why);
	cr_assert_gt(st.segments, 4000);
	cr_assert_leq(peak12, peak3 + (16u << 10), "peak %llu at 12 MB against %llu at 3 MB",
	              (unsigned long long)peak12, (unsigned long long)peak3);
	free(c.data);
	unlink(gen_path);
}

/* A stretch with no split point within the cap (4 MB) in the middle of
 * the file, or at its end: the segments before it are written, then the
 * file falls back to one thread, and the session's output is the same. */
Test(split, ring_falls_back_where_it_cannot_cut)
{
	static const struct {
		int before, after;
		long gap;
		int falls_back;
	} cases[] = {
		{3000, 3000, 5L << 20, 1},   /* in the middle */
		{3000, 0, 5L << 20, 1},      /* at the end */
		{3000, 0, 3L << 20, 0},      /* at the end, short enough for one segment */
	};
	char path[300];
	snprintf(path, sizeof path, "/tmp/dm-split-gap-%ld.xml", (long)getpid());
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		synth(path, cases[i].before, cases[i].gap, cases[i].after);
		for (unsigned n = 2; n <= 4; n += 2) {
			struct capture c;
			struct dm_split_stats st;
			uint64_t peak;
			int rc = ring(path, n, 3000, &c, &st, &peak);
			if (!cases[i].falls_back) {
				cr_assert_eq(rc, 0, "case %zu: %s", i, st.why);
				size_t len;
				char *one = one_thread(path, &len);
				cr_assert(c.len == len && memcmp(c.data, one, len) == 0, "case %zu differs", i);
				cr_assert_eq(st.emitted, count_lines(one, len));
				free(one);
				free(c.data);
				continue;
			}
			cr_assert_eq(rc, DM_SPLIT_ONE_THREAD, "case %zu: rc %d", i, rc);
			cr_assert(st.fell_back);
			cr_assert(strstr(st.why, "no split point within 4 MB after byte "), "%s", st.why);
			/* the planner went as far as the gap: all but the records of
			 * the segment that reaches into it are written */
			cr_assert_gt(st.segments, 50);
			cr_assert_gt(st.emitted, (uint64_t)cases[i].before - 100);
			cr_assert_leq(st.emitted, (uint64_t)cases[i].before + 1);
			written_is_a_prefix(path, &c, &st);
			free(c.data);
		}
		int really = 0;
		same_as_one_thread(path, 2, 3000, &really);
		cr_assert_eq(really, !cases[i].falls_back);
	}
	unlink(path);
}

/* A malformed last segment: everything before it written, then one
 * thread gives the error at the same place. */
Test(split, ring_error_in_the_last_segment)
{
	gen(2000000, 43);
	size_t len;
	char *xml = tu_read_file(gen_path, &len);
	char *at = xml + len - 1;
	while (at > xml && strncmp(at, "</Deal>", 7) != 0)
		at--;
	cr_assert(at > xml + len / 2);
	memcpy(at + 2, "Xxxx", 4);
	FILE *f = fopen(gen_path, "w");
	fwrite(xml, 1, len, f);
	fclose(f);
	free(xml);
	struct capture c;
	struct dm_split_stats st;
	uint64_t peak;
	int rc = ring(gen_path, 3, 4000, &c, &st, &peak);
	cr_assert_eq(rc, DM_SPLIT_ONE_THREAD);
	cr_assert(strstr(st.why, "segment ") && strstr(st.why, " failed"), "%s", st.why);
	/* every segment before the failed one is written */
	cr_assert_eq(st.segments, (unsigned)strtoul(st.why + strlen("segment "), NULL, 10));
	cr_assert_gt(st.segments, 300);
	written_is_a_prefix(gen_path, &c, &st);
	free(c.data);
	int really = 0;
	same_as_one_thread(gen_path, 3, 4000, &really);
	unlink(gen_path);
}
/* Short of memory anywhere (a budget too small for the segments, or the
 * split's own allocations refused one by one): never more than the budget,
 * never a crash, every byte back, and what was written before giving up is
 * whole records of the one-thread output, for the one thread to go on. */
Test(split, ring_short_of_memory)
{
	gen(1000000, 43);
	int split_ok = 0, fell = 0;
	for (uint64_t budget = 16u << 10; budget < (8u << 20); budget += budget / 3) {
		struct capture c;
		struct dm_split_stats st;
		uint64_t peak;
		int rc = ring_under(gen_path, 3, 3000, budget, 0, &c, &st, &peak);
		cr_assert(rc == 0 || rc == DM_SPLIT_ONE_THREAD, "budget %llu: rc %d",
		          (unsigned long long)budget, rc);
		cr_assert_leq(peak, budget);
		if (rc == 0) {
			split_ok++;
		} else {
			fell++;
			written_is_a_prefix(gen_path, &c, &st);
		}
		free(c.data);
	}
	cr_assert_gt(split_ok, 0);
	cr_assert_gt(fell, 0);
	for (long k = 1; k <= 8; k++) {
		struct capture c;
		struct dm_split_stats st;
		uint64_t peak;
		int rc = ring_under(gen_path, 2, 3000, 0, k, &c, &st, &peak);
		cr_assert(rc == 0 || rc == DM_SPLIT_ONE_THREAD, "allocation %ld refused: rc %d", k, rc);
		if (rc)
			written_is_a_prefix(gen_path, &c, &st);
		free(c.data);
	}
	unlink(gen_path);
}
#endif
