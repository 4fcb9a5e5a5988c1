/* Text for the dashboard: sizes, rates, times, counts, progress bars,
 * braille and ASCII graphs, the chart's time axis and the trend line.
 *
 * Pure: no curses, no clock, no locale. Each formatter writes a
 * NUL-terminated string truncated to size and returns buf, so calls nest
 * in printf arguments. utf8 selects Unicode glyphs (blocks, braille, box
 * lines, the minus sign) or their ASCII stand-ins. */
#ifndef DM_TUI_FMT_H
#define DM_TUI_FMT_H

#include <stddef.h>
#include <stdint.h>
#include "trend.h"

/* Bytes in powers of 1024 with three significant digits, at most five
 * columns: "0", "812B", "12K", "6.2M", "1.08G", "512M". */
char *dm_tui_size(char *buf, size_t size, uint64_t bytes);
/* Signed size: "+0.4M", "−2.1M" ("-2.1M" in ASCII), "0". */
char *dm_tui_delta(char *buf, size_t size, int64_t bytes, int utf8);
/* A rate in the units of dm_tui_size, the one family the dashboard uses
 * for sizes and rates alike (K = KiB, M = MiB): "91.2M/s", "812B/s",
 * "0B/s". */
char *dm_tui_rate(char *buf, size_t size, double bytes_per_s);
/* A growth rate with its sign: "+205B/s", "−3.1M/s", "0B/s". */
char *dm_tui_slope(char *buf, size_t size, double bytes_per_s, int utf8);
/* A count in SI units for narrow columns: "3", "999", "1.2K", "110K",
 * "1.2M". */
char *dm_tui_si(char *buf, size_t size, double n);
/* Elapsed time as a clock: "00:01:12"; hours grow past 99. */
char *dm_tui_clock(char *buf, size_t size, double secs);
/* A time-axis label, secs before the newest sample: "now", "-10s",
 * "-1m30s", "-10m", "-2h". */
char *dm_tui_ago(char *buf, size_t size, double secs);
/* A short duration, the one rule for every duration shown: tenths below
 * a minute ("4.0s", "11.8s"), then "2m05s", "1h02m"; "—" ("-") when
 * secs < 0 (unknown or never). */
char *dm_tui_secs(char *buf, size_t size, double secs, int utf8);
/* Thousands separated by commas, whatever the locale: "259,844". */
char *dm_tui_count(char *buf, size_t size, uint64_t n);

/* A progress bar exactly width cells wide: "███░░░" or "###---". Full
 * only when frac >= 1; frac is clamped to [0, 1]. */
char *dm_tui_bar(char *buf, size_t size, double frac, int width, int utf8);

/* Display columns of a UTF-8 string (wide East Asian characters count 2,
 * combining marks 0, a byte that is not UTF-8 counts 1). */
int dm_tui_width(const char *s);
/* s cut to at most width columns, ending in "…" ("~") when cut, then
 * padded with spaces to exactly width columns. In ASCII mode every
 * non-ASCII byte becomes '?'. */
char *dm_tui_fit(char *buf, size_t size, const char *s, int width, int utf8);
/* Bytes of the longest start of s that fits in width columns, never
 * ending inside a character (for wrapping). */
size_t dm_tui_cut(const char *s, int width, int utf8);
/* As dm_tui_fit, but a string too long loses its middle, so names that
 * share a prefix stay apart: "samples__ERN-27…Audio.xml". The head gets
 * the odd column; characters are never split. */
char *dm_tui_fit_mid(char *buf, size_t size, const char *s, int width, int utf8);

/* ---- graphs ---------------------------------------------------------- */

enum dm_tui_line_style {
	DM_TUI_LINE_DASH,     /* "- - -": the budget */
	DM_TUI_LINE_DOT,      /* "· · ·" (". . ."): the flush threshold */
};

struct dm_tui_hline {
	double y;
	enum dm_tui_line_style style;
};

/* Values one cell column holds: braille packs two, ASCII one. */
#define DM_TUI_PER_CELL(utf8) ((utf8) ? 2 : 1)
/* Bytes a graph row may take: braille cells are 3 bytes. */
#define DM_TUI_ROW_BYTES(width) ((size_t)(width) * 3 + 1)

/* A graph of up to two series of n values each (oldest first): area is
 * filled from the bottom, line is drawn as single dots (ASCII '~') on top
 * of it; either may be NULL. Braille (utf8) gives 2x4 dots a cell, ASCII
 * one value a column with '#' for a full cell and '.' for a half. ymax is
 * the top of the top row. The graph fills from the left and scrolls once
 * full. Horizontal lines are drawn in the row where their y falls (not
 * when above ymax), in the cells the data leave empty. */
struct dm_tui_graph {
	const double *area, *line;
	size_t n;
	double ymax;
	int width, height, utf8;
	const struct dm_tui_hline *lines;
	size_t nlines;
};

/* Row r (0 = top) is written to rows + r * rowsize, which must be at
 * least DM_TUI_ROW_BYTES(width). Returns how many values were drawn (the
 * last ones). */
size_t dm_tui_graph(const struct dm_tui_graph *g, char *rows, size_t rowsize);
/* The row (0 = top) where a horizontal line at y falls, or -1 when y is
 * above ymax or negative. */
int dm_tui_graph_row(double y, double ymax, int height);
/* The column where the value with index i of n (oldest first) falls in a
 * graph drawn by dm_tui_graph, or -1 when it has scrolled out. */
int dm_tui_graph_col(size_t i, size_t n, int width, int utf8);
/* A scale for values up to max (with 5 % headroom) in at most maxticks
 * round steps: the step is 1, 2 or 5 x 10^k of a binary unit (500K, 1M,
 * 2M, 5M, 10M, ... 1G) and the ticks stay below the next unit, so every
 * tick reads as a round figure as dm_tui_size prints it (at least 1K).
 * Returns the top (a whole number of steps); *step may be NULL. */
double dm_tui_nice_scale(double max, int maxticks, double *step);
/* Seconds between time-axis labels so they are at least min_gap cells
 * apart on width cells spanning span seconds: 1, 2, 5, 10, 15, 30 s, 1,
 * 2, 5, 10, 15, 30 min, hours. 0 when span or width is not positive. */
double dm_tui_time_step(double span, int width, int min_gap);

/* The time axis under a graph: width cells of '─' ('-') with '┬' ('+') at
 * each mark column, and time labels (ASCII) starting at their columns, set
 * off by a space either side: "──┬── -20s ──── -10s ── now ──". A label that
 * would cover a mark or another label is left out; one past the right
 * end is pulled back in. */
char *dm_tui_axis(char *buf, size_t size, int width, const int *marks, size_t nmarks,
                  const int *tcols, const char *const *tlabels, size_t nt, int utf8);
/* A line of labels, each starting at its column (pulled left to fit the
 * width); where two would overlap, the later one (the newest mark) is
 * kept. Exactly width columns. */
char *dm_tui_mark_labels(char *buf, size_t size, int width, const int *cols,
                         const char *const *labels, size_t n);

/* "trend: stable (+0.2 KiB/s)   time to budget: —" */
char *dm_tui_trend_text(char *buf, size_t size, const struct dm_trend *t, int utf8);

#endif
