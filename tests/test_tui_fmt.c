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

Test(fmt, rates_in_decimal_megabytes)
{
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 91.2e6)), "91.2 MB/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 0)), "0.0 MB/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, NAN)), "0.0 MB/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, -5)), "0.0 MB/s");
	cr_assert_str_eq(S(dm_tui_rate(buf, sizeof buf, 12345.6e6)), "12346 MB/s");
}

Test(fmt, slopes_in_binary_units_with_sign)
{
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 204.8, 1)), "+205 B/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 0.2, 1)), "0 B/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, -3.1 * 1048576, 1)),
	                 "\xe2\x88\x92" "3.1 MiB/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, -3.1 * 1048576, 0)), "-3.1 MiB/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 2048, 0)), "+2.0 KiB/s");
	cr_assert_str_eq(S(dm_tui_slope(buf, sizeof buf, 52.7e6, 0)), "+50.3 MiB/s");
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
	cr_assert_float_eq(dm_tui_nice_top(0), 1024, 0);
	cr_assert_float_eq(dm_tui_nice_top(6501171), 7 << 20, 0);           /* 6.2M -> 7M */
	cr_assert_float_eq(dm_tui_nice_top(512 << 20), 640 << 20, 0);       /* room over the budget */
	char label[16];
	for (double y = 1000; y < 1e13; y *= 1.7) {
		double top = dm_tui_nice_top(y);
		cr_assert_geq(top, y * 1.1);
		cr_assert_leq(top, y * 1.1 * 1.26);
		cr_assert_leq(strlen(dm_tui_size(label, sizeof label, (uint64_t)top)), 5);
	}
}

Test(graph, time_axis_marks_and_labels)
{
	int marks[] = {3, 10};
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 20, marks, 2, "60s", 0)),
	                 "---+------+-- 60s --");
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 8, marks, 1, NULL, 1)),
	                 "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\xac"
	                 "\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80");
	/* no room for the label: left out */
	cr_assert_str_eq(S(dm_tui_axis(buf, sizeof buf, 6, NULL, 0, "60s", 0)), "------");

	int cols[] = {2, 8, 20};
	const char *labels[] = {"GC -2.1M", "GC -1M", "GC -3K"};
	cr_assert_str_eq(S(dm_tui_mark_labels(buf, sizeof buf, 30, cols, labels, 3)),
	                 "  GC -2.1M          GC -3K    ");
	int edge[] = {8};
	cr_assert_str_eq(S(dm_tui_mark_labels(buf, sizeof buf, 10, edge, labels + 1, 1)),
	                 "    GC -1M");
}

Test(fmt, trend_line)
{
	struct dm_trend t = {.kind = DM_TREND_STABLE, .rate = 204.8, .to_budget = -1, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 1)),
	                 "trend: stable (+205 B/s)   time to budget: \xe2\x80\x94");
	t = (struct dm_trend){.kind = DM_TREND_GROWING, .rate = 3.0 * 1048576, .to_budget = 125, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: growing (+3.0 MiB/s)   time to budget: 2m05s");
	t = (struct dm_trend){.kind = DM_TREND_GROWING, .rate = 3.0 * 1048576, .to_budget = 0, .n = 10};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: growing (+3.0 MiB/s)   time to budget: reached");
	t = (struct dm_trend){.kind = DM_TREND_UNKNOWN, .rate = 0, .to_budget = -1, .n = 1};
	cr_assert_str_eq(S(dm_tui_trend_text(buf, sizeof buf, &t, 0)),
	                 "trend: unknown   time to budget: -");
}
