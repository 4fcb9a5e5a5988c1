/* tune's choice on made-up rows: order statistics, the within-noise rule,
 * the least memory among settings within noise, the sentence saying why,
 * and what limited a failed setting (measured in a small file). */
#include "config.h"
#include "tune.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#define K 1024ull
#define M (1024ull * 1024)

/* A row that parsed in every run, with these MB/s. */
static void row(struct dm_tune_row *w, uint64_t chunk, uint64_t acct, int runs, ...)
{
	memset(w, 0, sizeof *w);
	w->chunk = chunk;
	w->buffer = M;
	w->ok = 1;
	w->acct_peak = acct;
	w->maxrss = 4 * M;
	va_list ap;
	va_start(ap, runs);
	for (int i = 0; i < runs; i++)
		w->mbps[w->runs++] = va_arg(ap, double);
	va_end(ap);
	dm_tune_row_stats(w);
}

static void failed(struct dm_tune_row *w, uint64_t chunk, uint64_t buffer, int code, const char *msg)
{
	memset(w, 0, sizeof *w);
	w->chunk = chunk;
	w->buffer = buffer;
	w->code = code;
	w->exit_code = code == DM_ENOMEM ? DM_EXIT_MEMORY : DM_EXIT_INPUT;
	snprintf(w->error, sizeof w->error, "%s", msg);
}

Test(tune, stats_of_the_runs)
{
	struct dm_tune_row w;
	row(&w, 64 * K, 0, 5, 110.0, 74.0, 108.5, 100.0, 109.0);
	cr_assert_float_eq(w.median, 108.5, 1e-9);
	cr_assert_float_eq(w.min, 74.0, 1e-9);
	cr_assert_float_eq(w.max, 110.0, 1e-9);
	/* sorted 74 100 108.5 109 110: quartiles at ranks 1 and 3 */
	cr_assert_float_eq(w.q1, 100.0, 1e-9);
	cr_assert_float_eq(w.q3, 109.0, 1e-9);
	row(&w, 64 * K, 0, 4, 10.0, 20.0, 30.0, 40.0);
	cr_assert_float_eq(w.median, 25.0, 1e-9);
	cr_assert_float_eq(w.q1, 17.5, 1e-9);
	cr_assert_float_eq(w.q3, 32.5, 1e-9);
	row(&w, 64 * K, 0, 1, 42.0);
	cr_assert_float_eq(w.median, 42.0, 1e-9);
	cr_assert_float_eq(w.q1, 42.0, 1e-9);
	cr_assert_float_eq(w.q3, 42.0, 1e-9);
	row(&w, 64 * K, 0, 0);
	cr_assert_float_eq(w.median, 0.0, 1e-9);
}

Test(tune, within_noise_picks_the_smaller_memory)
{
	/* the case: 256K a hair faster, 64K within its noise */
	struct dm_tune_row r[3];
	row(&r[0], 4 * K, 34 * K, 5, 40.0, 41.0, 42.0, 43.0, 44.0);
	row(&r[1], 64 * K, 209 * K, 5, 74.0, 100.0, 108.5, 109.0, 110.0);
	row(&r[2], 256 * K, 789 * K, 5, 76.0, 104.0, 109.3, 110.0, 111.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 3, &c);
	cr_assert_eq(c.fastest, 2);
	cr_assert_eq(c.best, 1, "the smaller accounted peak within noise, got %d", c.best);
	cr_assert_eq(c.nnoise, 2);
	cr_assert(c.judged);
	cr_assert(!r[0].noise);
	cr_assert(r[1].noise && r[2].noise);
	char why[512];
	dm_tune_explain(r, 3, &c, 0, DM_TUNE_MBPS, why, sizeof why);
	cr_assert_str_eq(why, "64K and 256K are within noise (108.5 vs 109.3 MB/s, middle halves "
	                      "of the runs 100.0-109.0 and 104.0-110.0 overlap): 64K chosen, it "
	                      "uses less memory (accounted peak 209K vs 789K for the fastest)");
}

Test(tune, a_clear_winner_is_chosen_even_if_it_uses_more)
{
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 3, 60.0, 61.0, 62.0);
	row(&r[1], 64 * K, 209 * K, 3, 84.0, 85.0, 86.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	cr_assert_eq(c.best, 1);
	cr_assert_eq(c.nnoise, 1);
	char why[512];
	dm_tune_explain(r, 2, &c, 0, DM_TUNE_MBPS, why, sizeof why);
	cr_assert_str_eq(why, "64K is the fastest beyond the noise (85.0 MB/s, middle half of the "
	                      "runs 84.5-85.5; next 16K at 61.0, 60.5-61.5)");
}

Test(tune, outliers_do_not_make_noise)
{
	/* the ranges overlap through one slow run, the middle halves do not */
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 5, 60.0, 61.0, 62.0, 63.0, 90.0);
	row(&r[1], 64 * K, 209 * K, 5, 50.0, 84.0, 85.0, 86.0, 87.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	cr_assert_eq(c.best, 1);
	cr_assert(!dm_tune_within_noise(&r[0], &r[1]));
}

Test(tune, the_fastest_with_the_least_memory_says_so)
{
	struct dm_tune_row r[3];
	row(&r[0], 16 * K, 65 * K, 3, 80.0, 84.0, 88.0);
	row(&r[1], 64 * K, 209 * K, 3, 79.0, 83.0, 87.0);
	row(&r[2], 256 * K, 789 * K, 3, 78.0, 82.0, 86.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 3, &c);
	cr_assert_eq(c.best, 0);
	cr_assert_eq(c.nnoise, 3);
	char why[512];
	dm_tune_explain(r, 3, &c, 0, DM_TUNE_MBPS, why, sizeof why);
	cr_assert(strstr(why, "16K, 64K and 256K are within noise (84.0 vs 83.0 vs 82.0 MB/s"), "%s", why);
	cr_assert(strstr(why, "16K chosen, it is the fastest and uses the least memory of them "
	                      "(accounted peak 65.0K vs up to 789K)"), "%s", why);
}

Test(tune, equal_memory_falls_back_to_the_fastest)
{
	struct dm_tune_row r[2];
	row(&r[0], 64 * K, 209 * K, 3, 80.0, 84.0, 88.0);
	row(&r[1], 64 * K, 209 * K, 3, 81.0, 85.0, 89.0);
	r[1].buffer = 4 * M;
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	cr_assert_eq(c.best, 1);
	char why[512];
	dm_tune_explain(r, 2, &c, 1, DM_TUNE_MBPS, why, sizeof why);
	cr_assert(strstr(why, "chunk 64K buffer 1M and chunk 64K buffer 4M are within noise"), "%s", why);
	cr_assert(strstr(why, "they use the same memory (accounted peak 209K), so the fastest"), "%s", why);
}

Test(tune, one_run_cannot_tell_noise)
{
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 1, 84.9);
	row(&r[1], 64 * K, 209 * K, 1, 85.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	cr_assert_eq(c.best, 1, "with no spread the fastest stands");
	cr_assert(!c.judged);
	cr_assert(!r[0].noise);
	char why[512];
	dm_tune_explain(r, 2, &c, 0, DM_TUNE_MBPS, why, sizeof why);
	cr_assert(strstr(why, "one run gives no spread"), "%s", why);
}

Test(tune, failed_and_retried_rows_are_not_chosen)
{
	struct dm_tune_row r[3];
	row(&r[0], 16 * K, 65 * K, 3, 60.0, 61.0, 62.0);
	row(&r[1], 1 * M, 3 * M, 3, 90.0, 91.0, 92.0);
	r[1].retried = 1;
	failed(&r[2], 4 * M, M, DM_ENOMEM, "x.xml: byte 0: memory limit exceeded");
	struct dm_tune_choice c;
	dm_tune_choose(r, 3, &c);
	cr_assert_eq(c.best, 0);
	cr_assert_eq(c.fastest, 0);
	char one[256];
	dm_tune_explain(r, 3, &c, 0, DM_TUNE_MBPS, one, sizeof one);
	cr_assert_str_eq(one, "16K is the only setting that qualified (61.0 MB/s, middle half 60.5-61.5)");
	failed(&r[0], 16 * K, M, DM_EXML, "x.xml:1:1: not well-formed");
	r[1].ok = 0;
	dm_tune_choose(r, 3, &c);
	cr_assert_eq(c.best, -1);
	char why[64] = "poison";
	dm_tune_explain(r, 3, &c, 0, DM_TUNE_MBPS, why, sizeof why);
	cr_assert_str_eq(why, "");
}

Test(tune, a_long_sentence_is_cut_not_overrun)
{
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 3, 80.0, 84.0, 88.0);
	row(&r[1], 64 * K, 209 * K, 3, 79.0, 83.0, 87.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	char why[24];
	memset(why, 'x', sizeof why);
	dm_tune_explain(r, 2, &c, 0, DM_TUNE_MBPS, why, 20);
	cr_assert_eq(strlen(why), 19);
	cr_assert_eq(why[20], 'x');
}

Test(tune, the_dashboard_reads_the_sentence_in_its_units)
{
	/* 1.048576 MB/s is 1 M/s (MiB/s): the same sentence, other numbers */
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 3, 104.8576, 110.100480, 115.343360);
	row(&r[1], 64 * K, 209 * K, 3, 20.0, 21.0, 22.0);
	struct dm_tune_choice c;
	dm_tune_choose(r, 2, &c);
	char mb[256], mib[256];
	dm_tune_explain(r, 2, &c, 0, DM_TUNE_MBPS, mb, sizeof mb);
	dm_tune_explain(r, 2, &c, 0, DM_TUNE_MIBPS, mib, sizeof mib);
	cr_assert(strstr(mb, "(110.1 MB/s, middle half of the runs 107.5-112.7"), "%s", mb);
	cr_assert(strstr(mib, "(105.0 M/s, middle half of the runs 102.5-107.5"), "%s", mib);
	cr_assert(strstr(mib, "next 64K at 20.0, "), "%s", mib);
}

/* ---- a run into its row; the order of the runs ---- */

static struct dm_tune_run ran(double secs, uint64_t bytes, uint64_t peak)
{
	struct dm_tune_run r;
	memset(&r, 0, sizeof r);
	r.done = r.ok = 1;
	r.seconds = secs;
	r.bytes = bytes;
	r.acct_peak = peak;
	r.records = 7;
	return r;
}

Test(tune, runs_fold_into_their_row)
{
	struct dm_tune_row w;
	dm_tune_row_init(&w, 64 * K, M);
	cr_assert(w.ok && w.runs == 0 && w.chunk == 64 * K && w.buffer == M);
	struct dm_tune_run r = ran(2.0, 200000000, 300 * K);
	cr_assert_eq(dm_tune_row_add(&w, &r), 0);
	r = ran(0.5, 40000000, 200 * K);
	cr_assert_eq(dm_tune_row_add(&w, &r), 0);
	r = ran(1.0, 90000000, 250 * K);
	cr_assert_eq(dm_tune_row_add(&w, &r), 0);
	cr_assert_eq(w.runs, 3);
	cr_assert_float_eq(w.mbps[0], 100.0, 1e-9);
	cr_assert_float_eq(w.mbps[1], 80.0, 1e-9);
	cr_assert_float_eq(w.median, 90.0, 1e-9, "the stats are kept up to date");
	cr_assert_float_eq(w.min, 80.0, 1e-9);
	cr_assert_eq(w.acct_peak, 300 * K, "the highest peak of the runs");
	cr_assert_eq(w.records, 7);
	/* a failure fails the row and keeps the runs it had */
	struct dm_tune_run bad;
	memset(&bad, 0, sizeof bad);
	bad.done = 1;
	bad.code = DM_ENOMEM;
	bad.exit_code = DM_EXIT_MEMORY;
	snprintf(bad.error, sizeof bad.error, "x.xml: memory limit exceeded");
	cr_assert_eq(dm_tune_row_add(&w, &bad), -1);
	cr_assert(!w.ok);
	cr_assert_eq(w.code, DM_ENOMEM);
	cr_assert_eq(w.exit_code, DM_EXIT_MEMORY);
	cr_assert_str_eq(w.error, "x.xml: memory limit exceeded");
	cr_assert_eq(w.runs, 3);
	/* a run with no result at all */
	dm_tune_row_init(&w, 4 * K, M);
	memset(&bad, 0, sizeof bad);
	cr_assert_eq(dm_tune_row_add(&w, &bad), -1);
	cr_assert_eq(w.exit_code, DM_EXIT_INPUT);
	cr_assert_str_eq(w.error, "failed");
	cr_assert_str_eq(dm_tune_error_class(&w), "run");
}

Test(tune, settings_take_turns_backwards_every_other_round)
{
	size_t order[3][4];
	for (int round = 0; round < 3; round++)
		for (size_t k = 0; k < 4; k++)
			order[round][k] = dm_tune_order(round, k, 4);
	size_t want[3][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {0, 1, 2, 3}};
	cr_assert_arr_eq(order, want, sizeof want);
}

Test(tune, time_left_from_the_runs_so_far)
{
	cr_assert_float_eq(dm_tune_left(0, 18, 0.0), -1.0, 1e-9, "no estimate before a run ends");
	cr_assert_float_eq(dm_tune_left(3, 18, 7.5), 37.5, 1e-9);
	cr_assert_float_eq(dm_tune_left(18, 18, 45.0), 0.0, 1e-9);
	cr_assert_float_eq(dm_tune_left(5, 4, 10.0), 0.0, 1e-9, "never below zero");
}

Test(tune, lists_of_sizes)
{
	uint64_t v[4];
	size_t n;
	struct dm_error e;
	dm_error_clear(&e);
	cr_assert_eq(dm_tune_sizes(DM_TUNE_CHUNKS, "chunk_size", v, 4, &n, &e), DM_EUSAGE,
	             "six sizes do not fit in four");
	cr_assert(strstr(e.msg, "at most 4 sizes"), "%s", e.msg);
	cr_assert_eq(dm_tune_sizes("16K, 1M,4096", "chunk_size", v, 4, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0], 16 * K);
	cr_assert_eq(v[1], M);
	cr_assert_eq(v[2], 4 * K);
	dm_error_clear(&e);
	cr_assert_eq(dm_tune_sizes("16K,lots", "buffer_size", v, 4, &n, &e), DM_EUSAGE);
	cr_assert(strstr(e.msg, "buffer_size") && strstr(e.msg, "lots"), "%s", e.msg);
	dm_error_clear(&e);
	cr_assert_eq(dm_tune_sizes(",", "chunk_size", v, 4, &n, &e), DM_EUSAGE);
	cr_assert(strstr(e.msg, "empty"), "%s", e.msg);
}

/* ---- what limited a failed setting ---- */

static struct dm_config base;

static void init_base(void)
{
	dm_config_init(&base);
	base.max_memory = M;
	base.max_element_count = 100;
}

Test(tune, the_budget_against_expats_buffer, .init = init_base)
{
	struct dm_tune_row r[2];
	row(&r[0], 16 * K, 65 * K, 3, 60.0, 61.0, 62.0);
	failed(&r[1], 4 * M, M, DM_ENOMEM,
	       "x.xml: byte 0: memory limit exceeded: limit 1.00M, in use 5.16K (tag parser), "
	       "growing expat's buffer (set max_memory=N above 1M to allow more)");
	char t[256];
	dm_tune_limit_text(&r[1], r, 2, &base, "x.xml", t, sizeof t);
	cr_assert_str_eq(t, "max_memory 1M < expat's buffer for a 4M chunk "
	                    "(chunk 16K fits: accounted peak 65.0K)");
	dm_tune_limit_text(&r[0], r, 2, &base, "x.xml", t, sizeof t);
	cr_assert_str_eq(t, "", "a row that parsed has no limit");
	r[0].retried = 1;
	dm_tune_limit_text(&r[0], r, 2, &base, "x.xml", t, sizeof t);
	cr_assert(strstr(t, "max_memory 1M: the 16K chunk parsed only after the half-chunk retry"), "%s", t);
}

Test(tune, a_count_limit_names_its_key, .init = init_base)
{
	struct dm_tune_row w;
	failed(&w, 16 * K, M, DM_ELIMIT, "x.xml:3:9: more than max_element_count (100) elements");
	char t[256];
	dm_tune_limit_text(&w, &w, 1, &base, "x.xml", t, sizeof t);
	cr_assert_str_eq(t, "max_element_count 100");
	failed(&w, 16 * K, M, DM_EXML, "x.xml:1:1: not well-formed (invalid token)");
	dm_tune_limit_text(&w, &w, 1, &base, "x.xml", t, sizeof t);
	cr_assert_str_eq(t, "", "a malformed file is not a setting's limit");
}

Test(tune, a_long_text_value_is_measured, .init = init_base)
{
	char path[] = "/tmp/dm-test-tune.XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("<?xml version=\"1.0\"?>\n<Msg>\n  <!-- it's a comment -->\n  <Title a=\"b>c\">", f);
	for (int i = 0; i < 3000; i++)
		fputc(i % 50 == 49 ? '\n' : 'x', f);
	fputs("</Title>\n</Msg>\n", f);
	fclose(f);
	struct dm_tune_row r[2];
	char msg[600];
	/* the error's place is inside the value, a few lines into it */
	snprintf(msg, sizeof msg, "%s:6:3: text value longer than buffer_size (1K) "
	         "(set buffer_size=N above 1K to accept)", path);
	failed(&r[0], 4 * K, K, DM_ELIMIT, msg);
	row(&r[1], 4 * K, 34 * K, 3, 60.0, 61.0, 62.0);
	r[1].buffer = 4 * K;
	char t[256];
	dm_tune_limit_text(&r[0], r, 2, &base, path, t, sizeof t);
	cr_assert_str_eq(t, "buffer_size 1K < a 2.93K Title value at line 6 (buffer 4K parsed it)");
	/* another chunk size fails elsewhere in the same value: measured once */
	unlink(path);
	snprintf(msg, sizeof msg, "%s:8:5: text value longer than buffer_size (1K)", path);
	failed(&r[0], 64 * K, K, DM_ELIMIT, msg);
	dm_tune_limit_text(&r[0], r, 1, &base, path, t, sizeof t);
	cr_assert_str_eq(t, "buffer_size 1K < a 2.93K Title value at line 8", "not read again: %s", t);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs("<?xml version=\"1.0\"?>\n<Msg>\n  <!-- it's a comment -->\n  <Title a=\"b>c\">", f);
	fclose(f);
	/* a place in markup is not measured */
	snprintf(msg, sizeof msg, "%s:4:12: text value longer than buffer_size (1K)", path);
	failed(&r[0], 4 * K, K, DM_ELIMIT, msg);
	dm_tune_limit_text(&r[0], r, 1, &base, path, t, sizeof t);
	cr_assert_str_eq(t, "buffer_size 1K < a longer value at line 4");
	unlink(path);
}
