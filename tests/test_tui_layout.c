/* Panel placement for every terminal size from the minimum to 300x100
 * and file counts from none to more than fit: no two panels overlap,
 * every panel lies on the screen, the rows between the header and the
 * key bar are all used, each shown panel keeps its minimum size, and the
 * modes switch at the documented sizes. The sizes the panel tests draw
 * (250x80, 120x40, 80x24, 60x20, 40x12) are also checked by name. */
#include "config.h"
#include "layout.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

static const char *const names[DM_TUI_NPANELS] = {
	[DM_TUI_HEADER] = "header", [DM_TUI_FILES] = "files", [DM_TUI_MEMCHART] = "memchart",
	[DM_TUI_ALLOC] = "alloc", [DM_TUI_POOLS] = "pools", [DM_TUI_LEAKS] = "leaks",
	[DM_TUI_LOG] = "log", [DM_TUI_KEYS] = "keys",
};

static int shown(const struct dm_tui_layout *l, int id)
{
	return l->box[id].h > 0;
}

/* Smallest useful height: a box costs two rows in the full layout, a
 * title rule one in the compact one; then at least one line of content
 * (the chart: the rows its axis labels need). */
static int min_height(enum dm_tui_mode mode, int id)
{
	switch (id) {
	case DM_TUI_HEADER:
	case DM_TUI_KEYS:
		return 1;
	case DM_TUI_MEMCHART:
		return mode == DM_TUI_FULL ? 9 : 5;
	case DM_TUI_ALLOC:
	case DM_TUI_POOLS:
		return mode == DM_TUI_FULL ? 9 : 3;
	case DM_TUI_LEAKS:
	case DM_TUI_LOG:
		return mode == DM_TUI_FULL ? 5 : 2;
	default:
		return mode == DM_TUI_FULL ? 3 : 2;
	}
}

static void check(int cols, int lines, size_t nfiles)
{
	struct dm_tui_layout l;
	memset(&l, 0xa5, sizeof l);   /* nothing may be left from before */
	dm_tui_layout(&l, cols, lines, nfiles);
	cr_assert_eq(l.cols, cols);
	cr_assert_eq(l.lines, lines);
	cr_assert_eq(l.nfiles, nfiles);
	if (cols < DM_TUI_MIN_COLS || lines < DM_TUI_MIN_LINES) {
		cr_assert_eq(l.mode, DM_TUI_TOO_SMALL, "%dx%d", cols, lines);
		for (int i = 0; i < DM_TUI_NPANELS; i++)
			cr_assert(!shown(&l, i), "%dx%d too small, yet %s shown", cols, lines, names[i]);
		return;
	}
	enum dm_tui_mode want = cols >= DM_TUI_FULL_COLS && lines >= DM_TUI_FULL_LINES
	                        ? DM_TUI_FULL : DM_TUI_COMPACT;
	cr_assert_eq(l.mode, want, "%dx%d: mode %d", cols, lines, l.mode);

	/* every cell of the screen belongs to at most one panel; count them */
	static unsigned char owner[128][320];
	cr_assert(lines <= 128 && cols <= 320);
	for (int y = 0; y < lines; y++)
		memset(owner[y], 0xff, (size_t)cols);
	for (int i = 0; i < DM_TUI_NPANELS; i++) {
		const struct dm_tui_box *b = &l.box[i];
		if (!shown(&l, i))
			continue;
		cr_assert(b->y >= 0 && b->x >= 0 && b->w > 0 && b->y + b->h <= lines &&
		          b->x + b->w <= cols, "%dx%d n=%zu: %s at %d,%d %dx%d is off the screen",
		          cols, lines, nfiles, names[i], b->y, b->x, b->w, b->h);
		cr_assert_geq(b->h, min_height(l.mode, i), "%dx%d n=%zu: %s only %d rows", cols,
		              lines, nfiles, names[i], b->h);
		/* plain ifs in the cell loops: an assertion a cell is slow */
		for (int y = b->y; y < b->y + b->h; y++)
			for (int x = b->x; x < b->x + b->w; x++) {
				if (owner[y][x] != 0xff)
					cr_assert_fail("%dx%d n=%zu: %s overlaps %s at %d,%d", cols, lines,
					               nfiles, names[i], names[owner[y][x]], y, x);
				owner[y][x] = (unsigned char)i;
			}
	}
	/* the essentials are always there, and no cell of the screen is wasted */
	cr_assert(shown(&l, DM_TUI_HEADER) && shown(&l, DM_TUI_KEYS) && shown(&l, DM_TUI_FILES) &&
	          shown(&l, DM_TUI_MEMCHART) && shown(&l, DM_TUI_LEAKS), "%dx%d", cols, lines);
	cr_assert_eq(l.box[DM_TUI_HEADER].y, 0);
	cr_assert_eq(l.box[DM_TUI_KEYS].y, lines - 1);
	for (int y = 0; y < lines; y++)
		for (int x = 0; x < cols; x++)
			if (owner[y][x] == 0xff)
				cr_assert_fail("%dx%d n=%zu: %d,%d belongs to no panel", cols, lines, nfiles,
				               y, x);
	/* a pools table alone, or a log without leaks, would be a layout bug */
	if (shown(&l, DM_TUI_POOLS))
		cr_assert(shown(&l, DM_TUI_ALLOC));
	if (shown(&l, DM_TUI_LOG))
		cr_assert(shown(&l, DM_TUI_LEAKS));
	/* the full layout shows everything, boxed panels at least 40 wide */
	if (l.mode == DM_TUI_FULL)
		for (int i = 0; i < DM_TUI_NPANELS; i++) {
			cr_assert(shown(&l, i), "%dx%d full, %s missing", cols, lines, names[i]);
			cr_assert_geq(l.box[i].w, 40, "%dx%d: %s %d wide", cols, lines, names[i],
			              l.box[i].w);
		}
	/* a file list never has more rows than files (but always one) */
	int frame = l.mode == DM_TUI_FULL ? 2 : 1;
	int rows = l.box[DM_TUI_FILES].h - frame;
	cr_assert_leq(rows, nfiles > 1 ? (int)(nfiles < 1000 ? nfiles : 1000) : 1,
	              "%dx%d n=%zu: %d file rows", cols, lines, nfiles, rows);
}

Test(layout, every_size_and_file_count)
{
	static const size_t counts[] = {0, 1, 2, 3, 5, 6, 7, 12, 40, 999, 1000, 5000};
	for (int lines = 1; lines <= 100; lines++)
		for (int cols = 1; cols <= 300; cols += cols < 110 ? 1 : 7)
			for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
				check(cols, lines, counts[i]);
}

Test(layout, absurd_file_counts_do_not_wrap)
{
	check(120, 40, (size_t)INT32_MAX + 1);
	check(80, 24, (size_t)INT32_MAX + 1);
	check(80, 24, SIZE_MAX);
	check(120, 40, SIZE_MAX);
}

static struct dm_tui_layout at(int cols, int lines, size_t nfiles)
{
	struct dm_tui_layout l;
	dm_tui_layout(&l, cols, lines, nfiles);
	check(cols, lines, nfiles);
	return l;
}

Test(layout, wide_250x80_gives_the_room_to_the_chart_and_the_log)
{
	struct dm_tui_layout l = at(250, 80, 5);
	cr_assert_eq(l.mode, DM_TUI_FULL);
	cr_assert_eq(l.box[DM_TUI_FILES].h, 5 + 2, "one row a file, no more");
	cr_assert_geq(l.box[DM_TUI_MEMCHART].h, 30);
	cr_assert_geq(l.box[DM_TUI_LOG].h, 20);
	cr_assert_eq(l.box[DM_TUI_ALLOC].y, l.box[DM_TUI_POOLS].y, "tables side by side");
	cr_assert_eq(l.box[DM_TUI_LEAKS].y, l.box[DM_TUI_LOG].y);
}

Test(layout, full_120x40)
{
	struct dm_tui_layout l = at(120, 40, 5);
	cr_assert_eq(l.mode, DM_TUI_FULL);
	cr_assert_eq(l.box[DM_TUI_FILES].h, 7);
	cr_assert_geq(l.box[DM_TUI_MEMCHART].h, 13);
	cr_assert_eq(l.box[DM_TUI_ALLOC].h, 9);
	cr_assert_eq(l.box[DM_TUI_POOLS].x, l.box[DM_TUI_ALLOC].w);
	/* many files: the list stops growing so the rest keep their minimum */
	l = at(120, 40, 500);
	cr_assert_eq(l.box[DM_TUI_MEMCHART].h, 9);
	cr_assert_eq(l.box[DM_TUI_LEAKS].h, 5);
}

Test(layout, full_starts_at_100x30)
{
	cr_assert_eq(at(100, 30, 3).mode, DM_TUI_FULL);
	cr_assert_eq(at(99, 30, 3).mode, DM_TUI_COMPACT);
	cr_assert_eq(at(100, 29, 3).mode, DM_TUI_COMPACT);
}

Test(layout, compact_80x24)
{
	struct dm_tui_layout l = at(80, 24, 5);
	cr_assert_eq(l.mode, DM_TUI_COMPACT);
	cr_assert_eq(l.box[DM_TUI_FILES].h, 6, "a rule and every one of five files");
	cr_assert_eq(l.box[DM_TUI_MEMCHART].h, 8, "the six-row chart");
	cr_assert(shown(&l, DM_TUI_ALLOC) && shown(&l, DM_TUI_POOLS), "both tables at 80");
	cr_assert(shown(&l, DM_TUI_LOG));
	cr_assert_eq(l.box[DM_TUI_LEAKS].y, l.box[DM_TUI_LOG].y, "leaks and log side by side");
}

Test(layout, compact_60x20_stacks_what_is_side_by_side_at_80)
{
	struct dm_tui_layout l = at(60, 20, 5);
	cr_assert_eq(l.mode, DM_TUI_COMPACT);
	cr_assert(shown(&l, DM_TUI_ALLOC));
	cr_assert(!shown(&l, DM_TUI_POOLS), "no room for two tables in 60 columns");
	cr_assert(shown(&l, DM_TUI_LOG));
	cr_assert_eq(l.box[DM_TUI_LOG].y, l.box[DM_TUI_LEAKS].y + l.box[DM_TUI_LEAKS].h,
	             "log under leaks");
	cr_assert_eq(l.box[DM_TUI_LOG].w, 60);
}

Test(layout, minimum_40x12_keeps_the_essentials)
{
	struct dm_tui_layout l = at(40, 12, 10);
	cr_assert_eq(l.mode, DM_TUI_COMPACT);
	cr_assert(shown(&l, DM_TUI_FILES) && shown(&l, DM_TUI_MEMCHART) && shown(&l, DM_TUI_LEAKS));
	cr_assert(!shown(&l, DM_TUI_ALLOC) && !shown(&l, DM_TUI_POOLS) && !shown(&l, DM_TUI_LOG));
}

Test(layout, below_40x12_is_too_small)
{
	cr_assert_eq(at(39, 12, 1).mode, DM_TUI_TOO_SMALL);
	cr_assert_eq(at(40, 11, 1).mode, DM_TUI_TOO_SMALL);
	cr_assert_eq(at(0, 0, 1).mode, DM_TUI_TOO_SMALL);
	cr_assert_eq(at(-5, -5, 0).mode, DM_TUI_TOO_SMALL);
}

/* Watching another process: the chart, the leaks and the log fill the
 * screen between the header and the key bar, nothing about our parser. */
Test(layout, watch_has_no_parser_panels_and_wastes_no_cell)
{
	static unsigned char owner[128][320];
	for (int lines = DM_TUI_MIN_LINES; lines <= 100; lines++)
		for (int cols = DM_TUI_MIN_COLS; cols <= 300; cols += cols < 110 ? 1 : 7) {
			struct dm_tui_layout l;
			memset(&l, 0xa5, sizeof l);
			dm_tui_layout_watch(&l, cols, lines);
			cr_assert(!shown(&l, DM_TUI_FILES) && !shown(&l, DM_TUI_ALLOC) &&
			          !shown(&l, DM_TUI_POOLS), "%dx%d", cols, lines);
			cr_assert(shown(&l, DM_TUI_MEMCHART) && shown(&l, DM_TUI_LEAKS), "%dx%d", cols,
			          lines);
			cr_assert_geq(l.box[DM_TUI_MEMCHART].h, 5, "%dx%d", cols, lines);
			for (int y = 0; y < lines; y++)
				memset(owner[y], 0xff, (size_t)cols);
			for (int i = 0; i < DM_TUI_NPANELS; i++) {
				const struct dm_tui_box *b = &l.box[i];
				if (!shown(&l, i))
					continue;
				cr_assert(b->y >= 0 && b->y + b->h <= lines && b->x + b->w <= cols,
				          "%dx%d: %s off the screen", cols, lines, names[i]);
				for (int y = b->y; y < b->y + b->h; y++)
					for (int x = b->x; x < b->x + b->w; x++) {
						if (owner[y][x] != 0xff)
							cr_assert_fail("%dx%d: %s overlaps %s", cols, lines, names[i],
							               names[owner[y][x]]);
						owner[y][x] = (unsigned char)i;
					}
			}
			for (int y = 0; y < lines; y++)
				for (int x = 0; x < cols; x++)
					if (owner[y][x] == 0xff)
						cr_assert_fail("%dx%d: %d,%d belongs to no panel", cols, lines, y, x);
		}
}
