/* The live tune's thread on generated deliveries: the table fills with
 * every round of every setting, each run charged to the accountant it
 * was given (and all of it given back), a budget too small for a chunk
 * fails that setting alone with the memory limit, runs end when their
 * time is up, and a cancel ends the thread mid-run. */
#include "config.h"
#include "tuner.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define K 1024ull
#define M (1024ull * 1024)

static char small[128], big[128];

static void make(char *path, size_t size, const char *stem, uint64_t bytes)
{
	snprintf(path, size, "/tmp/dm-tuner-%s-%ld.xml", stem, (long)getpid());
	FILE *f = fopen(path, "w");
	cr_assert(f);
	struct dm_gen_opts o = {.size = bytes, .seed = 5, .ern = 43};
	struct dm_error err;
	cr_assert_eq(dm_gen_write(f, &o, NULL, &err), 0);
	cr_assert_eq(fclose(f), 0);
}

static void setup(void)
{
	make(small, sizeof small, "small", 2 * M);
	make(big, sizeof big, "big", 16 * M);
}

static void teardown(void)
{
	unlink(small);
	unlink(big);
}

TestSuite(tuner, .init = setup, .fini = teardown, .timeout = 120);

/* Read until the tuner has ended (bounded by the suite's timeout). */
static void wait_end(struct dm_tuner *t, struct dm_tune_row *rows, size_t n,
                     struct dm_tuner_progress *p)
{
	for (;;) {
		dm_tuner_read(t, rows, n, p);
		if (p->phase != DM_TUNER_RUNNING)
			return;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

Test(tuner, the_table_fills_round_after_round)
{
	struct dm_acct *budget = dm_acct_new(NULL, 64 * M);
	struct dm_config cfg;
	dm_config_init(&cfg);
	uint64_t chunks[] = {16 * K, 64 * K, 256 * K};
	struct dm_tuner_opts o = {.run_seconds = 30, .rounds = 3};
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_tuner *t = dm_tuner_start(budget, &cfg, small, chunks, 3, &o, &err);
	cr_assert(t, "%s", err.msg);
	struct dm_tune_row rows[3];
	struct dm_tuner_progress p;
	wait_end(t, rows, 3, &p);
	cr_assert_eq(p.phase, DM_TUNER_DONE);
	cr_assert_eq(p.done, 9);
	cr_assert_eq(p.planned, 9);
	cr_assert_eq(p.current, -1);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rows[i].chunk, chunks[i]);
		cr_assert(rows[i].ok, "chunk %d: %s", i, rows[i].error);
		cr_assert_eq(rows[i].runs, 3);
		cr_assert_gt(rows[i].median, 0);
		cr_assert(rows[i].min <= rows[i].median && rows[i].median <= rows[i].max);
		cr_assert_gt(rows[i].acct_peak, 0);
		cr_assert_gt(rows[i].mallocs, 0);
		/* each run went to the end of the file: the same records */
		cr_assert_gt(rows[i].records, 0);
		cr_assert_eq(rows[i].records, rows[0].records);
	}
	/* expat's buffer grows with the chunk: so does the accounted peak */
	cr_assert_gt(rows[2].acct_peak, rows[0].acct_peak);
	struct dm_tune_choice c;
	dm_tune_choose(rows, 3, &c);
	cr_assert_geq(c.best, 0);
	struct dm_acct_stats st;
	dm_acct_stats(budget, &st);
	cr_assert_geq(st.peak, rows[2].acct_peak, "the runs were charged to the given accountant");
	dm_tuner_free(t);
	cr_assert_eq(dm_acct_live(budget), 0, "everything given back");
	dm_acct_free(budget);
}

Test(tuner, a_chunk_over_the_budget_fails_alone)
{
	struct dm_acct *budget = dm_acct_new(NULL, 0);
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.max_memory = 1 * M;
	uint64_t chunks[] = {16 * K, 4 * M};
	struct dm_tuner_opts o = {.run_seconds = 30, .rounds = 3};
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_tuner *t = dm_tuner_start(budget, &cfg, small, chunks, 2, &o, &err);
	cr_assert(t, "%s", err.msg);
	struct dm_tune_row rows[2];
	struct dm_tuner_progress p;
	wait_end(t, rows, 2, &p);
	dm_tuner_free(t);
	cr_assert(rows[0].ok && rows[0].runs == 3, "16K: %s", rows[0].error);
	cr_assert(!rows[1].ok);
	cr_assert_eq(rows[1].code, DM_ENOMEM, "4M failed with %d: %s", rows[1].code, rows[1].error);
	cr_assert_eq(rows[1].runs, 0);
	cr_assert(strstr(rows[1].error, "memory limit"), "%s", rows[1].error);
	/* a failed setting is not run again: 3 + 1 runs */
	cr_assert_eq(p.done, 4);
	cr_assert_eq(p.planned, 4);
	char limit[256];
	dm_tune_limit_text(&rows[1], rows, 2, &cfg, small, limit, sizeof limit);
	cr_assert(strstr(limit, "max_memory 1M"), "%s", limit);
	cr_assert_eq(dm_acct_live(budget), 0);
	dm_acct_free(budget);
}

/* One tuner over path at one chunk size; its row. */
static void tune_one(const char *path, uint64_t chunk, double secs, int rounds,
                     struct dm_tune_row *row)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_tuner_opts o = {.run_seconds = secs, .rounds = rounds};
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_tuner *t = dm_tuner_start(NULL, &cfg, path, &chunk, 1, &o, &err);
	cr_assert(t, "%s", err.msg);
	struct dm_tuner_progress p;
	wait_end(t, row, 1, &p);
	dm_tuner_free(t);
	cr_assert(row->ok, "%s", row->error);
	cr_assert_eq(row->runs, rounds);
}

Test(tuner, a_run_ends_when_its_time_is_up)
{
	struct dm_tune_row whole, cut;
	tune_one(big, 64 * K, 600, 1, &whole);
	/* 20 ms of a 16M file at 4K chunks: far from its end */
	tune_one(big, 4 * K, 0.02, 2, &cut);
	cr_assert_gt(cut.median, 0);
	cr_assert_gt(cut.records, 0);
	cr_assert_lt(cut.records, whole.records, "%llu of %llu records: the run was not cut",
	             (unsigned long long)cut.records, (unsigned long long)whole.records);
}

Test(tuner, a_cancel_ends_the_run_in_progress)
{
	struct dm_acct *budget = dm_acct_new(NULL, 0);
	struct dm_config cfg;
	dm_config_init(&cfg);
	uint64_t chunks[] = {4 * K, 64 * K};
	struct dm_tuner_opts o = {.run_seconds = 600, .rounds = 3};
	struct dm_error err;
	dm_error_clear(&err);
	/* a 16M file again and again for 10 minutes a run: only a cancel ends it */
	struct dm_tuner *t = dm_tuner_start(budget, &cfg, big, chunks, 2, &o, &err);
	cr_assert(t, "%s", err.msg);
	struct dm_tune_row rows[2];
	struct dm_tuner_progress p;
	do {
		dm_tuner_read(t, rows, 2, &p);
	} while (p.current < 0 && p.phase == DM_TUNER_RUNNING);
	cr_assert_eq(p.current, 0, "4K runs first");
	dm_tuner_cancel(t);
	wait_end(t, rows, 2, &p);
	cr_assert_eq(p.phase, DM_TUNER_CANCELLED);
	cr_assert_eq(p.current, -1);
	dm_tuner_free(t);
	cr_assert_eq(dm_acct_live(budget), 0);
	dm_acct_free(budget);
}

Test(tuner, only_a_regular_file)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	uint64_t chunks[] = {64 * K};
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_null(dm_tuner_start(NULL, &cfg, "/tmp", chunks, 1, NULL, &err));
	cr_assert_eq(err.code, DM_EUSAGE);
	cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
	dm_error_clear(&err);
	cr_assert_null(dm_tuner_start(NULL, &cfg, "/nonexistent/x.xml", chunks, 1, NULL, &err));
	cr_assert_eq(err.code, DM_EIO);
	cr_assert(strstr(err.msg, "/nonexistent/x.xml"), "%s", err.msg);
	dm_error_clear(&err);
	cr_assert_null(dm_tuner_start(NULL, &cfg, small, chunks, 0, NULL, &err));
	cr_assert_eq(err.code, DM_EUSAGE);
}
