/* Panel placement. The full layout stacks boxed panels: one row a file,
 * the chart, the two tables side by side, leaks beside the log, the spare
 * rows going to the chart first. The compact one gives rows out by
 * priority (files, chart, leaks and log, then the tables) so every panel
 * that fits keeps a useful minimum. */
#include "config.h"
#include "layout.h"

#include <string.h>

static struct dm_tui_box box(int y, int x, int h, int w)
{
	return (struct dm_tui_box){y, x, h > 0 && w > 0 ? h : 0, w};
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* The file count as an int no larger than cap (the count is a size_t). */
static int files_upto(size_t nfiles, int cap)
{
	return nfiles < (size_t)cap ? (int)nfiles : cap;
}

static void full(struct dm_tui_layout *l, int cols, int lines, size_t nfiles)
{
	const int table_h = 9, bottom_min = 5, mem_min = 9;
	int avail = lines - 2;
	int rows = nfiles > 0 ? files_upto(nfiles, 1000) : 1;
	rows = min_int(rows, avail - table_h - bottom_min - mem_min - 2);
	if (rows < 1)
		rows = 1;
	int files_h = rows + 2;
	int extra = avail - files_h - table_h - bottom_min - mem_min;
	/* the chart first, then two more lines of leaks and log, then both */
	int mem_h = mem_min, bottom_h = bottom_min;
	int add = min_int(extra, 4);
	mem_h += add, extra -= add;
	add = min_int(extra, 2);
	bottom_h += add, extra -= add;
	add = min_int(extra, 4);
	mem_h += add, extra -= add;
	mem_h += extra / 2;
	bottom_h += extra - extra / 2;

	int lw = cols * 5 / 12;
	if (lw < 50)
		lw = 50;
	if (cols - lw < 40)
		lw = cols / 2;
	int y = 1;
	l->box[DM_TUI_FILES] = box(y, 0, files_h, cols);
	y += files_h;
	l->box[DM_TUI_MEMCHART] = box(y, 0, mem_h, cols);
	y += mem_h;
	l->box[DM_TUI_ALLOC] = box(y, 0, table_h, lw);
	l->box[DM_TUI_POOLS] = box(y, lw, table_h, cols - lw);
	y += table_h;
	l->box[DM_TUI_LEAKS] = box(y, 0, bottom_h, lw);
	l->box[DM_TUI_LOG] = box(y, lw, bottom_h, cols - lw);
}

static void compact(struct dm_tui_layout *l, int cols, int lines, size_t nfiles)
{
	int rem = lines - 2;
	int files_h = 2, mem_h = 5, ll_h = 2, table_h = 0;
	int nf = nfiles > 0 ? files_upto(nfiles, 6) : 1;
	rem -= files_h + mem_h + ll_h;
	/* two files, the six-row chart, three lines of leaks and log, a
	 * table of three rows; only then more files and more table */
	int add = min_int(rem, min_int(nf, 2) + 1 - files_h);
	files_h += add, rem -= add;
	add = min_int(rem, 3);
	mem_h += add, rem -= add;
	add = min_int(rem, 2);
	ll_h += add, rem -= add;
	if (rem >= 3) {
		table_h = 3;
		rem -= 3;
	}
	add = min_int(rem, nf + 1 - files_h);
	files_h += add, rem -= add;
	if (table_h) {
		add = min_int(rem, 8 - table_h);
		table_h += add, rem -= add;
	}
	ll_h += rem;

	int y = 1;
	l->box[DM_TUI_FILES] = box(y, 0, files_h, cols);
	y += files_h;
	l->box[DM_TUI_MEMCHART] = box(y, 0, mem_h, cols);
	y += mem_h;
	if (table_h) {
		if (cols >= 70) {
			l->box[DM_TUI_ALLOC] = box(y, 0, table_h, cols / 2);
			l->box[DM_TUI_POOLS] = box(y, cols / 2, table_h, cols - cols / 2);
		} else {
			l->box[DM_TUI_ALLOC] = box(y, 0, table_h, cols);
		}
		y += table_h;
	}
	if (cols >= 70) {
		int lw = cols * 2 / 5;
		l->box[DM_TUI_LEAKS] = box(y, 0, ll_h, lw);
		l->box[DM_TUI_LOG] = box(y, lw, ll_h, cols - lw);
	} else if (ll_h >= 4) {
		l->box[DM_TUI_LEAKS] = box(y, 0, 2, cols);
		l->box[DM_TUI_LOG] = box(y + 2, 0, ll_h - 2, cols);
	} else {
		l->box[DM_TUI_LEAKS] = box(y, 0, ll_h, cols);
	}
}

void dm_tui_layout_watch(struct dm_tui_layout *l, int cols, int lines)
{
	dm_tui_layout(l, cols, lines, 0);
	if (l->mode == DM_TUI_TOO_SMALL)
		return;
	l->box[DM_TUI_FILES] = l->box[DM_TUI_ALLOC] = l->box[DM_TUI_POOLS] = box(0, 0, 0, 0);
	int avail = lines - 2;
	int bottom = avail / 3 < 5 ? (avail >= 10 ? 5 : avail / 2) : avail / 3;
	if (l->mode == DM_TUI_COMPACT) {
		l->box[DM_TUI_MEMCHART] = box(1, 0, avail - bottom, cols);
		l->box[DM_TUI_LEAKS] = box(1 + avail - bottom, 0, bottom / 2 + 1, cols);
		l->box[DM_TUI_LOG] = box(1 + avail - bottom + bottom / 2 + 1, 0,
		                         bottom - bottom / 2 - 1, cols);
		if (l->box[DM_TUI_LOG].h < 1)
			l->box[DM_TUI_LOG] = box(0, 0, 0, 0);
		return;
	}
	int lw = cols / 2;
	l->box[DM_TUI_MEMCHART] = box(1, 0, avail - bottom, cols);
	l->box[DM_TUI_LEAKS] = box(1 + avail - bottom, 0, bottom, lw);
	l->box[DM_TUI_LOG] = box(1 + avail - bottom, lw, bottom, cols - lw);
}

void dm_tui_layout(struct dm_tui_layout *l, int cols, int lines, size_t nfiles)
{
	memset(l, 0, sizeof *l);
	l->cols = cols;
	l->lines = lines;
	l->nfiles = nfiles;
	if (cols < DM_TUI_MIN_COLS || lines < DM_TUI_MIN_LINES) {
		l->mode = DM_TUI_TOO_SMALL;
		return;
	}
	l->box[DM_TUI_HEADER] = box(0, 0, 1, cols);
	l->box[DM_TUI_KEYS] = box(lines - 1, 0, 1, cols);
	if (cols >= DM_TUI_FULL_COLS && lines >= DM_TUI_FULL_LINES) {
		l->mode = DM_TUI_FULL;
		full(l, cols, lines, nfiles);
	} else {
		l->mode = DM_TUI_COMPACT;
		compact(l, cols, lines, nfiles);
	}
}
