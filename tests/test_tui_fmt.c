/* The dashboard's text: sizes, rates, times, counts, bars, fitted
 * names, braille and ASCII graphs, the time axis and the trend line, as
 * exact strings. */
#include "config.h"
#include "fmt.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define S(expr) ((expr), buf)

static char buf[4096];

Test(fmt, sizes_three_digits_at_most_five_columns)
{
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 0)), "0");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 812)), "812B");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 1023)), "1023B");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 1024)), "1K");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 1536)), "1.5K");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 12 * 1024)), "12K");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 205 * 1024)), "205K");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 6501171)), "6.2M");       /* 6.2 MiB */
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 512ull << 20)), "512M");
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 1159641170ull)), "1.08G"); /* 1.08 GiB */
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, 2480343613ull)), "2.31G");
	/* 1023.99K rounds to 1024: shown as the next unit */
	cr_assert_str_eq(S(dm_tui_size(buf, sizeof buf, (1 << 20) - 1)), "1M");
	for (uint64_t v = 1; v < (1ull << 50); v = v * 3 + 7) {
		dm_tui_size(buf, sizeof buf, v);
		cr_assert_leq(strlen(buf), 5, "%llu -> %s", (unsigned long long)v, buf);
	}
}

Test(fmt, deltas_signed_with_unicode_minus)
{
	cr_assert_str_eq(S(dm_tui_delta(buf, sizeof buf, -2202010, 1)), "\xe2\x88\x92" "2.1M");
	cr_assert_str_eq(S(dm_tui_delta(buf, sizeof buf, -2202010, 0)), "-2.1M");
	cr_assert_str_eq(S(dm_tui_delta(buf, sizeof buf, 151ll << 20, 1)), "+151M");
	cr_assert_str_eq(S(dm_tui_delta(buf, sizeof buf, 0, 1)), "0");
}

/* One unit family for sizes and rates: dm_tui_size's binary units with
 * "/s", so the same rate reads the same in the header, the chart, the
 * leak panel and the log. */
Test(fmt, rates_in_the_units_of_sizes)
{
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 91.2 * 1048576)), "91.2M/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 40.0 * 1048576)), "40M/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 812)), "812B/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 0)), "0B/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, NAN)), "0B/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, -5)), "0B/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, INFINITY)), "0B/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 1.5 * 1073741824.0)), "1.5G/s");
	char size[16];
	for (double r = 1; r < 1e15; r = r * 2.7 + 3) {
		dm_tui_rate(buf, sizeof buf, r);
		dm_tui_size(size, sizeof size, (uint64_t)(r + 0.5));
		cr_assert_str_eq(buf, strcat(size, "/s"), "rate %.0f", r);
	}
}

Test(fmt, slopes_signed_in_the_same_units)
{
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 204.8, 1)), "+205B/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 0.2, 1)), "0B/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, -3.1 * 1048576, 1)),
	                 "\xe2\x88\x92" "3.1M/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, -3.1 * 1048576, 0)), "-3.1M/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 2048, 0)), "+2K/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 52.7e6, 0)), "+50.3M/s");
	/* what the leak panel, the log and the header print for one rate */
	char a[32], b[32];
	dm_tui_slope(a, sizeof a, 12.0 * 1048576, 0);
	dm_tui_rate(b, sizeof b, 12.0 * 1048576);
	cr_assert_str_eq(a + 1, b);
}

Test(fmt, si_counts)
{
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 3)), "3");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 999)), "999");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 999.6)), "1K");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 1200)), "1.2K");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 110000)), "110K");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, 1.2e6)), "1.2M");
	cr_assert_str_eq(S(dm_tui_si(buf, sizeof buf, -1)), "0");
}

Test(fmt, clocks_and_durations)
{
	cr_assert_str_eq(S(dm_tui_clock(buf, sizeof buf, 72.9)), "00:01:12");
	cr_assert_str_eq(S(dm_tui_clock(buf, sizeof buf, 0)), "00:00:00");
	cr_assert_str_eq(S(dm_tui_clock(buf, sizeof buf, -5)), "00:00:00");
	cr_assert_str_eq(S(dm_tui_clock(buf, sizeof buf, 360001)), "100:00:01");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, 11.83, 1)), "11.8s");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, 0.04, 1)), "0.0s");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, 125, 1)), "2m05s");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, 3720, 1)), "1h02m");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, -1, 1)), "\xe2\x80\x94");
	cr_assert_str_eq(S(dm_tui_secs(buf, sizeof buf, -1, 0)), "-");
}

Test(fmt, counts_with_commas)
{
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, 0)), "0");
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, 999)), "999");
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, 1000)), "1,000");
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, 259844)), "259,844");
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, 1234567)), "1,234,567");
	cr_assert_str_eq(S(dm_tui_count(buf, sizeof buf, UINT64_MAX)), "18,446,744,073,709,551,615");
}

#define FULL "\xe2\x96\x88"
#define LIGHT "\xe2\x96\x91"

Test(fmt, progress_bars)
{
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 0.5, 10, 1)),
	                 FULL FULL FULL FULL FULL LIGHT LIGHT LIGHT LIGHT LIGHT);
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 0.5, 10, 0)), "#####-----");
	/* full only when done */
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 0.999, 10, 0)), "#########-");
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 1.0, 10, 0)), "##########");
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 7.5, 4, 0)), "####");
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, -1, 4, 0)), "----");
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, NAN, 4, 0)), "----");
	cr_assert_str_eq(S(dm_tui_bar(buf, sizeof buf, 0.5, 0, 1)), "");
	/* too small a buffer: whole cells or nothing, never half a character */
	char small[8];
	dm_tui_bar(small, sizeof small, 1, 10, 1);
	cr_assert_str_eq(small, FULL FULL);
}

Test(fmt, widths_and_fitting)
{
	cr_assert_eq(dm_tui_width("abc"), 3);
	cr_assert_eq(dm_tui_width(FULL LIGHT), 2);
	cr_assert_eq(dm_tui_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);      /* 日本 */
	cr_assert_eq(dm_tui_width("e\xcc\x81"), 1);                     /* e + combining acute */
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "catalogue-2026-11.xml", 10, 1)),
	                 "catalogue\xe2\x80\xa6");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "catalogue-2026-11.xml", 10, 0)), "catalogue~");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "abc", 5, 1)), "abc  ");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "abc", 3, 1)), "abc");
	/* a wide character that would straddle the edge is left out, then padded */
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, 1)),
	                 "\xe6\x97\xa5\xe2\x80\xa6 ");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "\xc3\xa9.xml", 8, 0)), "??.xml  ");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "a\tb", 3, 1)), "a?b");
	/* a name cannot move the cursor or start an escape: C0, ESC, DEL, C1 */
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "a\n\x1b[31m\x7f\xc2\x9b", 9, 1)), "a??[31m??");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "a\x1b\x7f", 3, 0)), "a??");
	cr_assert_str_eq(S(dm_tui_fit(buf, sizeof buf, "abc", 0, 1)), "");
}

#define ROWB DM_TUI_ROW_BYTES(64)
static char rows[16 * ROWB];
#define ROW(r) (rows + (size_t)(r) * ROWB)

static size_t graph(const double *area, const double *line, size_t n, double ymax, int w, int h,
                    int utf8, const struct dm_tui_hline *hl, size_t nhl)
{
	struct dm_tui_graph g = {area, line, n, ymax, w, h, utf8, hl, nhl};
	memset(rows, 'X', sizeof rows);
	return dm_tui_graph(&g, rows, ROWB);
}

Test(graph, braille_two_values_a_cell_four_dots_high)
{
	/* levels: 0 -> none, 4 of 8 -> two dots, 8 -> four dots */
	double v[] = {0, 4, 8};
	cr_assert_eq(graph(v, NULL, 3, 8, 2, 1, 1, NULL, 0), 3);
	cr_assert_str_eq(ROW(0), "\xe2\xa2\xa0\xe2\xa1\x87");        /* ⢠⡇ */

	double w[] = {8, 2};
	graph(w, NULL, 2, 8, 1, 2, 1, NULL, 0);
	cr_assert_str_eq(ROW(0), "\xe2\xa1\x87");                    /* ⡇ */
	cr_assert_str_eq(ROW(1), "\xe2\xa3\xa7");                    /* ⣧ */

	/* anything above zero shows a dot: the flat line of the sketch */
	double low[] = {1, 1, 1, 1, 1, 1};
	graph(low, NULL, 6, 512, 3, 1, 1, NULL, 0);
	cr_assert_str_eq(ROW(0), "\xe2\xa3\x80\xe2\xa3\x80\xe2\xa3\x80");   /* ⣀⣀⣀ */
}

Test(graph, braille_line_series_is_single_dots)
{
	double area[] = {0, 0}, line[] = {8, 8};
	graph(area, line, 2, 8, 1, 2, 1, NULL, 0);
	cr_assert_str_eq(ROW(0), "\xe2\xa0\x89");                    /* ⠉ top dots */
	cr_assert_str_eq(ROW(1), " ");
	/* the line above the area: both in one cell */
	double a2[] = {2, 2}, l2[] = {4, 4};
	graph(a2, l2, 2, 4, 1, 1, 1, NULL, 0);
	cr_assert_str_eq(ROW(0), "\xe2\xa3\xad");                    /* ⣭: dots 1,3,4,6,7,8 */
}

Test(graph, ascii_one_value_a_column_half_cells)
{
	double v[] = {4, 1, 2, 3};
	graph(v, NULL, 4, 4, 4, 2, 0, NULL, 0);
	cr_assert_str_eq(ROW(0), "#  .");
	cr_assert_str_eq(ROW(1), "#.##");
	double line[] = {4, 4, 4, 4};
	graph(NULL, line, 4, 4, 4, 2, 0, NULL, 0);
	cr_assert_str_eq(ROW(0), "~~~~");
	cr_assert_str_eq(ROW(1), "    ");
}

Test(graph, budget_and_threshold_lines_in_empty_cells)
{
	struct dm_tui_hline hl[] = {{9, DM_TUI_LINE_DASH}, {4, DM_TUI_LINE_DOT}, {10, DM_TUI_LINE_DASH}};
	graph(NULL, NULL, 0, 9, 6, 3, 1, hl, 3);
	cr_assert_str_eq(ROW(0), "- - - ");
	cr_assert_str_eq(ROW(1), "\xc2\xb7 \xc2\xb7 \xc2\xb7 ");
	cr_assert_str_eq(ROW(2), "      ");
	graph(NULL, NULL, 0, 9, 6, 3, 0, hl, 3);
	cr_assert_str_eq(ROW(1), ". . . ");
	/* data wins over the line */
	double v[] = {4};
	struct dm_tui_hline top = {4, DM_TUI_LINE_DASH};
	graph(v, NULL, 1, 4, 3, 1, 0, &top, 1);
	cr_assert_str_eq(ROW(0), "# -");
}

Test(graph, scrolls_once_full)
{
	double v[] = {2, 2, 0, 0};
	cr_assert_eq(graph(v, NULL, 4, 2, 2, 1, 0, NULL, 0), 2);
	cr_assert_str_eq(ROW(0), "  ");
	cr_assert_eq(dm_tui_graph_col(0, 4, 2, 0), -1);
	cr_assert_eq(dm_tui_graph_col(2, 4, 2, 0), 0);
	cr_assert_eq(dm_tui_graph_col(3, 4, 2, 0), 1);
	cr_assert_eq(dm_tui_graph_col(3, 4, 2, 1), 1);
	cr_assert_eq(dm_tui_graph_col(0, 4, 2, 1), 0);
	cr_assert_eq(dm_tui_graph_col(4, 4, 2, 1), -1);
	cr_assert_eq(graph(v, NULL, 4, 2, 0, 1, 0, NULL, 0), 0);
}

Test(graph, rows_and_scales)
{
	cr_assert_eq(dm_tui_graph_row(512, 640, 10), 1);
	cr_assert_eq(dm_tui_graph_row(640, 640, 10), 0);
	cr_assert_eq(dm_tui_graph_row(0, 640, 10), 9);
	cr_assert_eq(dm_tui_graph_row(700, 640, 10), -1);
	cr_assert_eq(dm_tui_graph_row(-1, 640, 10), -1);
}

/* Round ticks: every multiple of the step up to the top prints as a
 * short round figure (1M, 2M, 5M, 500K, not 3.89M). */
Test(graph, round_ticks)
{
	double step;
	cr_assert_float_eq(dm_tui_nice_scale(6501171, 4, &step), 8 << 20, 0);   /* 6.2M */
	cr_assert_float_eq(step, 2 << 20, 0);
	cr_assert_float_eq(dm_tui_nice_scale(3.89 * 1048576, 4, &step), 6 << 20, 0);
	cr_assert_float_eq(step, 2 << 20, 0);
	cr_assert_float_eq(dm_tui_nice_scale(3.89 * 1048576, 8, &step), 5 << 20, 0);
	cr_assert_float_eq(step, 1 << 20, 0);
	cr_assert_float_eq(dm_tui_nice_scale(512 << 20, 3, &step), 600ull << 20, 0);
	cr_assert_float_eq(step, 200 << 20, 0);
	cr_assert_float_eq(dm_tui_nice_scale(0, 4, &step), 1024, 0);
	cr_assert_float_eq(dm_tui_nice_scale(1.2 * 1048576, 4, &step), 2 << 20, 0);  /* not 1500K */
	cr_assert_float_eq(dm_tui_nice_scale(400 * 1024, 1, &step), 500 * 1024, 0);
	cr_assert_float_eq(dm_tui_nice_scale(600 * 1024, 1, &step), 1 << 20, 0);
	char label[16];
	for (double y = 1000; y < 1e13; y *= 1.37) {
		for (int ticks = 1; ticks <= 8; ticks++) {
			double top = dm_tui_nice_scale(y, ticks, &step);
			cr_assert_geq(top, y * 1.05, "%.0f in %d ticks: top %.0f", y, ticks, top);
			cr_assert_leq(top / step, ticks + 1e-9);
			cr_assert_leq(top, y * 1.05 * 5.2, "%.0f: top %.0f too far above", y, top);
			for (double t = step; t <= top + 1; t += step) {
				dm_tui_size(label, sizeof label, (uint64_t)llround(t));
				/* a round figure: at most two significant digits and no
				 * decimals except a half ("2.5M" never comes: steps are
				 * 1, 2, 5) */
				cr_assert_null(strchr(label, '.'), "%.0f / %d ticks: tick %s", y, ticks, label);
				/* at most three digits: "500M/s" fits the label column */
				cr_assert_leq(strlen(label), 4, "%.0f / %d ticks: tick %s", y, ticks, label);
			}
		}
	}
}

Test(graph, time_steps_and_labels)
{
	cr_assert_float_eq(dm_tui_time_step(60, 100, 12), 10, 0);
	cr_assert_float_eq(dm_tui_time_step(600, 100, 12), 120, 0);
	cr_assert_float_eq(dm_tui_time_step(60, 40, 12), 30, 0);
	cr_assert_float_eq(dm_tui_time_step(0, 100, 12), 0, 0);
	cr_assert_float_eq(dm_tui_time_step(86400, 100, 12), 14400, 0);
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 0)), "now");
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 10)), "-10s");
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 90)), "-1m30s");
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 600)), "-10m");
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 7200)), "-2h");
	cr_assert_str_eq(S(dm_tui_ago(buf, sizeof buf, 5400)), "-1h30m");
}

Test(graph, time_axis_marks_and_labels)
{
	int marks[] = {3, 10};
	int tc[] = {12};
	const char *tl[] = {"now"};
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 20, marks, 2, tc, tl, 1, 0)),
	                 "---+------+ now ----");
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 8, marks, 1, NULL, NULL, 0, 1)),
	                 "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\xac"
	                 "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
	/* labels where the data is, not at the right end: data over the
	 * first third of 30 cells */
	int t3[] = {1, 9};
	const char *l3[] = {"-5s", "now"};
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 30, NULL, 0, t3, l3, 2, 0)),
	                 " -5s --- now -----------------");
	/* past the end: pulled back in; over a mark or a label: left out */
	int late[] = {18, 19};
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 20, NULL, 0, late, l3, 2, 0)),
	                 "--------------- -5s ");
	int over[] = {2};
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 20, marks, 2, over, tl, 1, 0)),
	                 "---+------+---------");
	/* no room at all: left out */
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 3, NULL, 0, tc, tl, 1, 0)), "---");

	int cols[] = {2, 8, 20};
	const char *labels[] = {"GC -2.1M", "GC -1M", "GC -3K"};
	/* overlapping: the newer keeps its place */
	cr_assert_str_eq(S(dm_tui_mark_labels(buf, sizeof buf, 30, cols, labels, 3)),
	                 "        GC -1M      GC -3K    ");
	int apart[] = {2, 20};
	const char *two[] = {"GC -2.1M", "GC -3K"};
	cr_assert_str_eq(S(dm_tui_mark_labels(buf, sizeof buf, 30, apart, two, 2)),
	                 "  GC -2.1M          GC -3K    ");
	int edge[] = {8};
	cr_assert_str_eq(S(dm_tui_mark_labels(buf, sizeof buf, 10, edge, labels + 1, 1)),
	                 "    GC -1M");
}

Test(fmt, trend_line)
{
	struct dm_trend t = {.kind = DM_TREND_STABLE, .rate = 204.8, .to_budget = -1, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 1)),
	                 "trend: stable (+205B/s)   time to budget: \xe2\x80\x94");
	t = (struct dm_trend){.kind = DM_TREND_GROWING, .rate = 3.0 * 1048576, .to_budget = 125, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: growing (+3M/s)   time to budget: 2m05s");
	t = (struct dm_trend){.kind = DM_TREND_GROWING, .rate = 3.0 * 1048576, .to_budget = 0, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: growing (+3M/s)   time to budget: reached");
	t = (struct dm_trend){.kind = DM_TREND_UNKNOWN, .rate = 0, .to_budget = -1, .n = 1};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: unknown   time to budget: -");
}

/* Middle truncation: the head and the tail of a name stay, the cut mark
 * in between; widths in columns, never a split character. */
Test(fmt, names_cut_in_the_middle)
{
	const char *n = "samples__ERN-27_Malformed_Audio.xml";
	cr_assert_str_eq(S(dm_tui_fit_mid(buf, sizeof buf, n, 25, 1)),
	                 "samples__ERN\xe2\x80\xa6" "ed_Audio.xml");
	cr_assert_eq(dm_tui_width(buf), 25);
	/* the odd column goes to the head */
	cr_assert_str_eq(S(dm_tui_fit_mid(buf, sizeof buf, n, 24, 0)), "samples__ERN~d_Audio.xml");
	/* fits: as it is, padded */
	cr_assert_str_eq(S(dm_tui_fit_mid(buf, sizeof buf, "a.xml", 8, 1)), "a.xml   ");
	/* eight names with one prefix stay apart */
	char a[64], b[64];
	dm_tui_fit_mid(a, sizeof a, "samples__ERN-27_Single_Audio_0001.xml", 20, 1);
	dm_tui_fit_mid(b, sizeof b, "samples__ERN-27_Single_Audio_0002.xml", 20, 1);
	cr_assert_str_neq(a, b);
	dm_tui_fit(a, sizeof a, "samples__ERN-27_Single_Audio_0001.xml", 20, 1);
	dm_tui_fit(b, sizeof b, "samples__ERN-27_Single_Audio_0002.xml", 20, 1);
	cr_assert_str_eq(a, b, "a cut at the end loses what tells them apart");
	/* wide characters: two columns each, never cut in half */
	const char *wide = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x95"
	                   "\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab.xml";  /* 日本語のファイル.xml */
	for (int w = 5; w < 24; w++) {
		dm_tui_fit_mid(buf, sizeof buf, wide, w, 1);
		cr_assert_eq(dm_tui_width(buf), w, "width %d: \"%s\"", w, buf);
		cr_assert(strstr(buf, ".xml") || w < 10, "width %d keeps the end: %s", w, buf);
	}
	/* every byte is a whole character: the output decodes as UTF-8 */
	const char *mixed = "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x8e\xb5-d\xc3\xa9j\xc3\xa0-vu.xml";
	for (int w = 5; w < 30; w++) {
		dm_tui_fit_mid(buf, sizeof buf, mixed, w, 1);
		cr_assert_eq(dm_tui_width(buf), w, "width %d", w);
		const unsigned char *p = (const unsigned char *)buf;
		while (*p) {
			int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
			for (int k = 1; k < len; k++)
				cr_assert_eq(p[k] & 0xC0, 0x80, "width %d: a character split in \"%s\"", w,
				             buf);
			p += len;
		}
	}
	/* a stray byte and a control in a name: shown as '?', still cut in
	 * the middle to the width */
	dm_tui_fit_mid(buf, sizeof buf, "bad\x01name-\xff-with-a-long-tail.xml", 16, 1);
	cr_assert_eq(dm_tui_width(buf), 16);
	cr_assert_null(strchr(buf, '\x01'));
	/* ASCII mode: one column a byte, non-ASCII as '?' */
	dm_tui_fit_mid(buf, sizeof buf, mixed, 12, 0);
	cr_assert_eq(strlen(buf), 12);
	for (const char *p = buf; *p; p++)
		cr_assert((unsigned char)*p < 0x80);
	/* the cut for wrapping: whole characters only */
	cr_assert_eq(dm_tui_cut("ab\xc3\xa9" "cd", 3, 1), 4);
	cr_assert_eq(dm_tui_cut(wide, 3, 1), 3);
	cr_assert_eq(dm_tui_cut(wide, 4, 1), 6);
	cr_assert_eq(dm_tui_cut("abc", 10, 1), 3);
}
