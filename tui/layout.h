/* Where each panel goes for a terminal size: the full layout (boxes,
 * side-by-side tables), the compact one (title rules, one line a file, a
 * six-row chart) or "terminal too small". Pure arithmetic. */
#ifndef DM_TUI_LAYOUT_H
#define DM_TUI_LAYOUT_H

#include <stddef.h>

#define DM_TUI_MIN_COLS 40
#define DM_TUI_MIN_LINES 12
#define DM_TUI_FULL_COLS 100
#define DM_TUI_FULL_LINES 30

enum dm_tui_mode { DM_TUI_FULL, DM_TUI_COMPACT, DM_TUI_TOO_SMALL };

enum dm_tui_panel_id {
	DM_TUI_HEADER,
	DM_TUI_FILES,
	DM_TUI_MEMCHART,
	DM_TUI_ALLOC,
	DM_TUI_POOLS,
	DM_TUI_LEAKS,
	DM_TUI_LOG,
	DM_TUI_KEYS,
	DM_TUI_NPANELS
};

/* A panel's window; h == 0 means the panel is not shown. */
struct dm_tui_box {
	int y, x, h, w;
};

struct dm_tui_layout {
	enum dm_tui_mode mode;
	int cols, lines;
	size_t nfiles;                  /* the file count it was made for */
	struct dm_tui_box box[DM_TUI_NPANELS];
};

void dm_tui_layout(struct dm_tui_layout *l, int cols, int lines, size_t nfiles);
/* Watching another process: no files, allocation or pools panels (they
 * are about our parser); the chart, the leaks and the log. */
void dm_tui_layout_watch(struct dm_tui_layout *l, int cols, int lines);

#endif
