/* Memory under faults: allocation-failure and budget sweeps over the
 * project's fixtures, and (built as test_faults_corpus, DM_TEST_CORPUS)
 * over real files of the external corpus.
 *
 * The harness is set up like `ddexmon parse` and a `run` worker: records
 * are serialised with dm_record_to_json into a buffer charged to the same
 * accountant as the parser, optionally with the record pools, so every
 * allocation a real parse makes is in the sweep. After a refusal the same
 * parser must parse the file again, untouched by the failure, and after
 * dm_parser_free nothing may be left on the ledger. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_MALLINFO2
#include <malloc.h>
#endif

#include "acct.h"
#include "buf.h"
#include "parser.h"
#include "pool.h"
#include "testutil.h"

/* No .timeout on these tests: Criterion 2.4.1 leaks a watchdog record when
 * tests with timeouts overlap, which fails the suite under LeakSanitizer.
 *
 * Messages of different shapes: ERN 4.3 with deals, ERN 3.x with a comment
 * before the root, ERN 4.x with a PartyList, and (corpus) a larger one. */
#ifdef DM_TEST_CORPUS
static const char *const files[] = {
	"daddykev__ddex-suite/benchmark-suite__test-data__10kb.xml",
	"miqwit__dedex/tests__samples__001_audioalbum_complete.xml",
	"sshaw__ddex/spec__fixtures__ern__43__1 Audio.xml",
	"daddykev__ddex-suite/benchmark-suite__test-data__100kb.xml",
};
#define input_path tu_corpus_path
#else
static const char *const files[] = {
	"ern43-album.xml",
	"ern382-album.xml",
	"ern41-party-list.xml",
	"ern382-purge.xml",
};
#define input_path tu_fixture_path
#endif
#define NFILES (sizeof files / sizeof *files)

struct harness {
	struct dm_buf line;        /* one record's JSON, on the parse's accountant */
	char *out;                 /* every line so far: preallocated, unaccounted */
	size_t len, cap;
	int overflow;
	int sample_heap;
	size_t heap_base, heap_peak;
};

static size_t heap_in_use(void)
{
#ifdef HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

static void sample(struct harness *h)
{
	if (!h->sample_heap)
		return;
	size_t now = heap_in_use();
	if (now > h->heap_peak)
		h->heap_peak = now;
}

static int on_record(void *ctx, const struct dm_record *r)
{
	struct harness *h = ctx;
	dm_buf_reset(&h->line);
	/* a refused output buffer stops the parse, as in `ddexmon parse` */
	if (dm_record_to_json(r, &h->line) != 0 || h->line.failed)
		return DM_ENOMEM;
	if (h->len + h->line.len + 1 > h->cap) {
		h->overflow = 1;
	} else {
		memcpy(h->out + h->len, h->line.data, h->line.len);
		h->len += h->line.len;
		h->out[h->len++] = '\n';
	}
	sample(h);
	return 0;
}

static int on_progress(void *ctx, uint64_t bytes)
{
	(void)bytes;
	sample(ctx);
	return 0;
}

static const struct dm_consumer consumer = {
	.record = on_record,
	.progress = on_progress,
};

struct input {
	const char *rel;
	char *path;
	char *data;
	size_t len;
	char *want;                /* the unconstrained parse's output */
	size_t want_len;
	uint64_t want_peak;
};

struct setup {
	size_t chunk;
	int pools;                 /* records' buffers from pools, as in `run` */
	int from_fd;               /* read the file, not memory */
	uint64_t budget;           /* 0: unlimited */
	long fail_after;           /* 0: no injected failure */
};

struct outcome {
	int made;                  /* the parser could be created */
	int rc;
	struct dm_error err;
	uint64_t refused, peak, live_after;
	size_t heap_growth;
};

static int parse_once(struct dm_parser *p, const struct input *in, const struct setup *s)
{
	if (s->from_fd)
		return dm_parser_parse_file(p, in->path);
	int rc = dm_parser_begin(p, in->rel);
	return rc ? rc : dm_parser_feed(p, in->data, in->len, 1);
}

/* Is the error the clean memory error the issue asks for? */
static void expect_clean_enomem(const struct input *in, const struct setup *s,
                                const struct outcome *o, const char *what)
{
	char line[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(&o->err, line, sizeof line);
	cr_assert_eq(o->rc, DM_ENOMEM, "%s: %s chunk %zu: rc %d, not DM_ENOMEM: %s", what, in->rel,
	             s->chunk, o->rc, line);
	cr_assert_eq(o->err.code, DM_ENOMEM, "%s: %s", what, line);
	cr_assert(strstr(o->err.msg, "memory limit exceeded"), "%s: %s", what, line);
	cr_assert_eq(dm_exit_code(o->rc), DM_EXIT_MEMORY);
	if (o->made) {
		/* a refusal while parsing a file names that file */
		const char *name = s->from_fd ? in->path : in->rel;
		cr_assert(strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == ':',
		          "%s: the error does not name the input: %s", what, line);
	}
}

/* One parse under s; then, when the parser exists and the parse failed, the
 * same parser again with the faults lifted: it must give the full output. */
static void run_one(const struct input *in, const struct setup *s, struct harness *h,
                    struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.chunk_size = s->chunk;
	struct dm_acct *a = dm_acct_new(NULL, s->budget);
	cr_assert_not_null(a);
	h->len = 0;
	h->overflow = 0;
	dm_buf_init(&h->line, a, DM_TAG_OUTPUT);
	h->heap_base = h->heap_peak = heap_in_use();
	if (s->fail_after)
		dm_acct_fail_after(a, s->fail_after);

	struct dm_pool *text = NULL, *vals = NULL;
	int pools_ok = 1;
	if (s->pools) {
		text = dm_pool_new(a, "text", 0, 4);
		vals = dm_pool_new(a, "values", 0, 4);
		pools_ok = text && vals;
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_parser *p = pools_ok ? dm_parser_new(a, &cfg, &consumer, h, &err) : NULL;
	if (!p) {
		o->rc = pools_ok ? err.code : DM_ENOMEM;
		o->err = err;
		if (!pools_ok)
			dm_error_set(&o->err, DM_ENOMEM, "memory limit exceeded creating the pools");
	} else {
		o->made = 1;
		if (s->pools)
			dm_parser_set_pools(p, text, vals);
		o->rc = parse_once(p, in, s);
		o->err = *dm_parser_error(p);
	}
	sample(h);
	struct dm_acct_stats st;
	dm_acct_stats(a, &st);
	o->refused = st.refused;
	o->peak = st.peak;
	o->heap_growth = h->heap_peak - h->heap_base;

	if (p && o->rc) {
		/* the failure left nothing behind: the parser starts over cleanly */
		dm_acct_fail_after(a, 0);
		dm_acct_set_budget(a, 0);
		size_t failed_len = h->len;
		h->len = 0;
		int rc = parse_once(p, in, s);
		cr_assert_eq(rc, 0, "%s: the parse after a refusal failed: %s", in->rel,
		             dm_parser_error(p)->msg);
		cr_assert(!h->overflow && h->len == in->want_len &&
		          memcmp(h->out, in->want, h->len) == 0,
		          "%s: the parse after a refusal gave different records", in->rel);
		h->len = failed_len;
	}
	dm_parser_free(p);
	dm_pool_free(text);
	dm_pool_free(vals);
	dm_buf_fini(&h->line);
	o->live_after = dm_acct_live(a);
	dm_acct_free(a);
}

/* The records written before a failure are whole lines of the full output. */
static void expect_prefix(const struct input *in, const struct harness *h, const char *what)
{
	cr_assert(!h->overflow, "%s: more output than the full parse", what);
	cr_assert(h->len <= in->want_len && memcmp(h->out, in->want, h->len) == 0,
	          "%s: %s: output before the failure is not a prefix of the full output",
	          what, in->rel);
}

static void load(struct input *in, const char *rel, struct harness *h)
{
	memset(in, 0, sizeof *in);
	in->rel = rel;
	in->path = input_path(rel);
	in->data = tu_read_file(in->path, &in->len);
	/* the reference: unlimited, no faults, growing output buffer */
	h->cap = 1 << 20;
	for (;;) {
		h->out = malloc(h->cap);
		cr_assert_not_null(h->out);
		struct setup s = {.chunk = 65536};
		struct outcome o;
		in->want = NULL;
		in->want_len = 0;
		run_one(in, &s, h, &o);
		cr_assert_eq(o.rc, 0, "%s does not parse: %s", rel, o.err.msg);
		cr_assert_eq(o.live_after, 0);
		if (!h->overflow) {
			in->want_peak = o.peak;
			break;
		}
		free(h->out);
		h->cap *= 4;
	}
	in->want = malloc(h->len + 1);
	cr_assert_not_null(in->want);
	memcpy(in->want, h->out, h->len);
	in->want_len = h->len;
	cr_assert_gt(in->want_len, 0, "%s gave no records", rel);
	/* later runs write into this buffer without allocating */
}

static void unload(struct input *in, struct harness *h)
{
	free(in->path);
	free(in->data);
	free(in->want);
	free(h->out);
	h->out = NULL;
}

/* Fail the n-th allocation for n = 1, 2, ... until the parse succeeds
 * because there was no n-th allocation. Returns how many were failed. */
static long alloc_sweep(const struct input *in, struct setup s, struct harness *h)
{
	long n;
	for (n = 1; n < 100000; n++) {
		s.fail_after = n;
		struct outcome o;
		run_one(in, &s, h, &o);
		char what[96];
		snprintf(what, sizeof what, "chunk %zu%s%s, failing allocation %ld", s.chunk,
		         s.pools ? ", pools" : "", s.from_fd ? ", from fd" : "", n);
		cr_assert_eq(o.live_after, 0, "%s: %s: %llu bytes live after free", what, in->rel,
		             (unsigned long long)o.live_after);
		if (o.rc == 0) {
			/* a refusal the parse could absorb must not change the output */
			cr_assert(!h->overflow && h->len == in->want_len &&
			          memcmp(h->out, in->want, h->len) == 0,
			          "%s: %s: succeeded with different records", what, in->rel);
			if (o.refused == 0)
				break;
			continue;
		}
		cr_assert_eq(o.refused, 1, "%s: %s: failed without the injected refusal: %s", what,
		             in->rel, o.err.msg);
		expect_clean_enomem(in, &s, &o, what);
		expect_prefix(in, h, what);
	}
	cr_assert_lt(n, 100000, "%s: the sweep never reached a successful parse", in->rel);
	cr_assert_gt(n, 5, "%s: only %ld allocations: the sweep tested nothing", in->rel, n);
	return n - 1;
}

Test(faults, allocation_failure_sweep)
{
	struct harness h = {0};
	for (size_t i = 0; i < NFILES; i++) {
		struct input in;
		load(&in, files[i], &h);
		long n64 = alloc_sweep(&in, (struct setup){.chunk = 65536}, &h);
		long n7 = alloc_sweep(&in, (struct setup){.chunk = 7}, &h);
		long np = alloc_sweep(&in, (struct setup){.chunk = 4096, .pools = 1}, &h);
		cr_log_info("%s: %ld, %ld, %ld allocations failed one by one", files[i], n64, n7, np);
		unload(&in, &h);
	}
}

Test(faults, allocation_failure_sweep_reading_the_file)
{
	struct harness h = {0};
	struct input in;
	load(&in, files[1], &h);
	alloc_sweep(&in, (struct setup){.chunk = 65536, .from_fd = 1}, &h);
	alloc_sweep(&in, (struct setup){.chunk = 100, .from_fd = 1, .pools = 1}, &h);
	unload(&in, &h);
}

/* Budgets from start upwards by a quarter each step: below the need a clean
 * DM_ENOMEM, from the need on the full output; the accounted peak never
 * passes the budget, and the heap never grows by more than the budget plus
 * one chunk (the accountant's headers and malloc's own overhead included). */
static void budget_sweep(const struct input *in, struct setup s, uint64_t start,
                         struct harness *h)
{
	/* what this set-up needs when nothing limits it */
	struct outcome o;
	run_one(in, &s, h, &o);
	cr_assert_eq(o.rc, 0, "%s: %s", in->rel, o.err.msg);
	uint64_t need = o.peak;
	int successes = 0, failures = 0;
	uint64_t first_ok = 0;
	size_t max_heap = 0;
	for (uint64_t b = start; successes < 3; b += b / 4) {
		cr_assert_lt(b, (uint64_t)256 << 20, "%s: no budget up to 256M was enough", in->rel);
		s.budget = b;
		h->sample_heap = 1;
		run_one(in, &s, h, &o);
		h->sample_heap = 0;
		char what[96];
		snprintf(what, sizeof what, "chunk %zu%s, budget %llu", s.chunk, s.pools ? ", pools" : "",
		         (unsigned long long)b);
		cr_assert_leq(o.peak, b, "%s: %s: accounted peak %llu passed the budget", what, in->rel,
		              (unsigned long long)o.peak);
		if (o.heap_growth > max_heap)
			max_heap = o.heap_growth;
#ifdef HAVE_MALLINFO2
		cr_assert_leq(o.heap_growth, b + s.chunk,
		              "%s: %s: the heap grew by %zu bytes, more than the budget and one chunk",
		              what, in->rel, o.heap_growth);
#endif
		cr_assert_eq(o.live_after, 0, "%s: %s: %llu bytes live after free", what, in->rel,
		             (unsigned long long)o.live_after);
		if (o.rc == 0) {
			cr_assert(!h->overflow && h->len == in->want_len &&
			          memcmp(h->out, in->want, h->len) == 0,
			          "%s: %s: different records under a budget", what, in->rel);
			if (!successes++)
				first_ok = b;
		} else {
			/* more memory never makes a parse fail */
			cr_assert_eq(successes, 0, "%s: %s: failed after a smaller budget succeeded: %s",
			             what, in->rel, o.err.msg);
			expect_clean_enomem(in, &s, &o, what);
			expect_prefix(in, h, what);
			failures++;
		}
	}
	cr_log_info("%s: chunk %zu%s%s: %d budgets refused, first enough %llu (peak %llu); "
	            "largest heap growth %zu",
	            in->rel, s.chunk, s.pools ? ", pools" : "", s.from_fd ? ", from fd" : "",
	            failures, (unsigned long long)first_ok, (unsigned long long)need, max_heap);
	cr_assert_gt(failures, 0, "%s: the first budget was enough: the sweep tested nothing",
	             in->rel);
	/* the steps are a quarter apart: the first budget that works is within
	 * a quarter of the unconstrained peak, or the budget itself changed
	 * what was allocated */
	cr_assert_leq(first_ok, need + need / 4 + 1, "%s: needed a budget of %llu for a peak of %llu",
	              in->rel, (unsigned long long)first_ok, (unsigned long long)need);
}

Test(faults, budget_sweep)
{
	struct harness h = {0};
	for (size_t i = 0; i < NFILES; i++) {
		struct input in;
		load(&in, files[i], &h);
		/* as `ddexmon parse` reads: 64K chunks from the file, budgets from
		 * 64K (which cannot hold a 64K chunk and the parser) */
		budget_sweep(&in, (struct setup){.chunk = 65536, .from_fd = 1}, 64 * 1024, &h);
		/* small chunks need less: start lower, so that refusals land in
		 * record building and output as well as in expat */
		budget_sweep(&in, (struct setup){.chunk = 4096}, 8 * 1024, &h);
		budget_sweep(&in, (struct setup){.chunk = 4096, .pools = 1}, 8 * 1024, &h);
		unload(&in, &h);
	}
}
