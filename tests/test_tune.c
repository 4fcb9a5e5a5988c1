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
