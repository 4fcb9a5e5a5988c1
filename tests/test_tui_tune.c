/* The live tune's table as text, on made-up rows: the cells in the
 * dashboard's units as runs come in, each row's state through the sweep
 * (queued, running, measured, failed with what limited it, chosen, within
 * noise), and the progress line. */
#include "config.h"
#include "tune_table.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define K 1024ull
#define M (1024ull * 1024)

static void add_run(struct dm_tune_row *w, double mibps, uint64_t peak)
{
	struct dm_tune_run r;
	memset(&r, 0, sizeof r);
	r.done = r.ok = 1;
	r.seconds = 1.0;
	r.bytes = (uint64_t)(mibps * M);
	r.acct_peak = peak;
	cr_assert_eq(dm_tune_row_add(w, &r), 0);
}

static struct dm_tuner_progress running(int current, int done)
{
	struct dm_tuner_progress p = {.phase = DM_TUNER_RUNNING, .current = current, .round = 1,
	                              .rounds = 3, .done = done, .planned = 9, .elapsed = 7.5,
	                              .left = -1};
	return p;
}

Test(tune_table, cells_fill_as_runs_come_in)
{
	struct dm_tune_row rows[3];
	dm_tune_row_init(&rows[0], 16 * K, M);
	dm_tune_row_init(&rows[1], 64 * K, M);
	dm_tune_row_init(&rows[2], 256 * K, M);
	struct dm_tuner_progress p = running(1, 1);
	struct dm_tui_tune_cells c;
	dm_tui_tune_cells(rows, 1, &p, NULL, NULL, &c);
	cr_assert_str_eq(c.chunk, "64K");
	cr_assert_str_eq(c.runs, "0/3");
	cr_assert_str_eq(c.median, "-");
	cr_assert_str_eq(c.range, "-");
	cr_assert_str_eq(c.peak, "-");
	cr_assert_str_eq(c.state, "running (run 1 of 3)");
	cr_assert_str_eq(c.mark, " ");

	add_run(&rows[0], 90.0, 65 * K);
	dm_tui_tune_cells(rows, 0, &p, NULL, NULL, &c);
	cr_assert_str_eq(c.runs, "1/3");
	cr_assert_str_eq(c.median, "90M/s", "MiB/s, as the rest of the dashboard");
	cr_assert_str_eq(c.range, "90M-90M");
	cr_assert_str_eq(c.spread, "-", "one run has no spread");
	cr_assert_str_eq(c.peak, "65K");
	cr_assert_str_eq(c.state, "queued");

	add_run(&rows[0], 100.0, 66 * K);
	add_run(&rows[0], 110.0, 64 * K);
	dm_tui_tune_cells(rows, 0, &p, NULL, NULL, &c);
	cr_assert_str_eq(c.runs, "3/3");
	cr_assert_str_eq(c.median, "100M/s");
	cr_assert_str_eq(c.range, "90M-110M");
	cr_assert_str_eq(c.spread, "10.0%", "the middle half (95-105) over the median");
	cr_assert_str_eq(c.peak, "66K", "the highest peak of the runs");
	cr_assert_str_eq(c.state, "measured", "all its rounds, the sweep still going");
}

Test(tune_table, a_failed_row_says_what_limited_it)
{
	struct dm_tune_row rows[2];
	dm_tune_row_init(&rows[0], 16 * K, M);
	dm_tune_row_init(&rows[1], 4 * M, M);
	struct dm_tune_run bad;
	memset(&bad, 0, sizeof bad);
	bad.done = 1;
	bad.code = DM_ENOMEM;
	snprintf(bad.error, sizeof bad.error, "x.xml: memory limit exceeded");
	dm_tune_row_add(&rows[1], &bad);
	struct dm_tuner_progress p = running(0, 2);
	struct dm_tui_tune_cells c;
	dm_tui_tune_cells(rows, 1, &p, NULL, "max_memory 1M < expat's buffer for a 4M chunk", &c);
	cr_assert_str_eq(c.state, "failed (memory): max_memory 1M < expat's buffer for a 4M chunk");
	dm_tui_tune_cells(rows, 1, &p, NULL, "", &c);
	cr_assert_str_eq(c.state, "failed (memory): x.xml: memory limit exceeded",
	                 "no limit: the error itself");
	cr_assert_str_eq(c.median, "-");
}

Test(tune_table, the_choice_marks_the_rows)
{
	struct dm_tune_row rows[3];
	double runs[3][3] = {{60, 61, 62}, {100, 104, 108}, {101, 105, 109}};
	uint64_t peaks[3] = {65 * K, 209 * K, 785 * K};
	for (int i = 0; i < 3; i++) {
		dm_tune_row_init(&rows[i], (16 * K) << (2 * i), M);
		for (int k = 0; k < 3; k++)
			add_run(&rows[i], runs[i][k], peaks[i]);
	}
	struct dm_tune_choice ch;
	dm_tune_choose(rows, 3, &ch);
	cr_assert_eq(ch.best, 1, "within noise of 256K, 64K uses less memory");
	struct dm_tuner_progress p = running(-1, 9);
	p.phase = DM_TUNER_DONE;
	const char *state[3] = {"", "chosen", "within noise"};
	const char *mark[3] = {" ", "*", "~"};
	for (size_t i = 0; i < 3; i++) {
		struct dm_tui_tune_cells c;
		dm_tui_tune_cells(rows, i, &p, &ch, NULL, &c);
		cr_assert_str_eq(c.state, state[i], "row %zu: %s", i, c.state);
		cr_assert_str_eq(c.mark, mark[i], "row %zu", i);
	}
	/* while it runs, nothing is marked yet */
	p = running(-1, 8);
	struct dm_tui_tune_cells c;
	dm_tui_tune_cells(rows, 1, &p, NULL, NULL, &c);
	cr_assert_str_eq(c.mark, " ");
	cr_assert_str_eq(c.state, "measured");
}

Test(tune_table, the_progress_line)
{
	struct dm_tune_row rows[3];
	for (int i = 0; i < 3; i++)
		dm_tune_row_init(&rows[i], (16 * K) << (2 * i), M);
	char line[160];
	struct dm_tuner_progress p = running(2, 3);
	p.round = 2;
	dm_tui_tune_progress(line, sizeof line, rows, 3, &p, 1);
	cr_assert_str_eq(line, "round 2 of 3: chunk 256K, run 4 of 9, 7.5s so far");
	p.left = 12.5;
	dm_tui_tune_progress(line, sizeof line, rows, 3, &p, 1);
	cr_assert_str_eq(line, "round 2 of 3: chunk 256K, run 4 of 9, 7.5s so far, about 12.5s left");
	p.current = -1;
	p.done = 9;
	dm_tui_tune_progress(line, sizeof line, rows, 3, &p, 1);
	cr_assert_str_eq(line, "round 2 of 3: run 9 of 9, 7.5s so far, about 12.5s left",
	                 "between runs, never past the last");
	p.phase = DM_TUNER_DONE;
	p.elapsed = 41.25;
	dm_tui_tune_progress(line, sizeof line, rows, 3, &p, 1);
	cr_assert_str_eq(line, "done: 9 runs in 41.2s");
	p.phase = DM_TUNER_CANCELLED;
	p.done = 4;
	dm_tui_tune_progress(line, sizeof line, rows, 3, &p, 1);
	cr_assert_str_eq(line, "cancelled after 4 of 9 runs");
}
