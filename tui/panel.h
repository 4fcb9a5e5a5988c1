/* Panels: each draws one part of the dashboard into its own WINDOW from
 * the model alone (no session, so tests can draw a hand-made model).
 *
 * A panel erases its window, draws its frame (a box in the full layout, a
 * title rule in the compact one) and fits every line to the width: the
 * text comes from fmt.h, the curses calls are here. UI thread only. */
#ifndef DM_TUI_PANEL_H
#define DM_TUI_PANEL_H

/* the wide-character API (cchar_t, winnwstr) whatever the feature macros */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <stdarg.h>
#include "model.h"

/* How to draw: decided once by crt.c from the locale and the terminal. */
struct dm_tui_view {
	int utf8;        /* Unicode blocks, braille and box lines */
	int color;       /* colour pairs are set up (not under NO_COLOR) */
	int compact;     /* title rules instead of boxes, fewer columns */
};

/* Colour pairs set up by crt.c. */
enum {
	DM_TUI_PAIR_GOOD = 1,
	DM_TUI_PAIR_WARN,
	DM_TUI_PAIR_BAD,
	DM_TUI_PAIR_TITLE,
	DM_TUI_PAIR_COUNT
};

/* What a piece of text means; the attribute follows from the view:
 * colour when there is colour, else bold / reverse for the serious ones
 * (the words always say it too). */
enum dm_tui_tone {
	DM_TUI_PLAIN,
	DM_TUI_GOOD,     /* within budget, stable, done */
	DM_TUI_NOTICE,   /* above the flush threshold, suspected, paused */
	DM_TUI_ALERT,    /* confirmed leak, failed file, > 90 % of the budget */
	DM_TUI_TITLE,
	DM_TUI_DIM,
	DM_TUI_STRONG,
};

/* The part of a window inside its frame. */
struct dm_tui_rect {
	int y, x, h, w;
};

attr_t dm_tui_attr(const struct dm_tui_view *v, enum dm_tui_tone t);
/* Erase w and draw its frame with a title on the left and right (right
 * may be NULL); returns the content area. */
struct dm_tui_rect dm_tui_frame(WINDOW *w, const struct dm_tui_view *v, const char *title,
                                const char *right, enum dm_tui_tone right_tone);
/* Write s at (y, x), cut to width columns (nothing past the window),
 * with the view's cut mark. */
void dm_tui_put(WINDOW *w, const struct dm_tui_view *v, int y, int x, int width, const char *s,
                attr_t a);

/* One table row: cells padded to their column widths (negative width =
 * right-aligned), separated by gap spaces; columns that do not fit in
 * width are left out. Returns buf. */
struct dm_tui_col {
	int width;
};
char *dm_tui_row(char *buf, size_t size, const struct dm_tui_col *cols, size_t ncols,
                 const char *const *cells, int gap, int width, int utf8);

void dm_tui_panel_header(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_keys(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_files(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_memchart(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_alloc(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_pools(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_leaks(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
void dm_tui_panel_log(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v);
/* The first file row shown when rows of them fit (the selection kept in
 * view). */
size_t dm_tui_files_first(const struct dm_tui_model *m, int rows);
/* A file row's state cell in width columns: the state and, while it runs,
 * its current rate (the last ~2 s, beside the average in the rate column)
 * as "now 12.3M/s", which is kept before the time and the word "running"
 * when the cell is narrow (80 and 60 columns). */
char *dm_tui_files_state(char *buf, size_t size, const struct dm_tui_file *f, int width,
                         int compact, int utf8);
/* The details of file i over the panels (Enter): path, state, the whole
 * error, counts, bytes, rates, peak memory, chunk and buffer, retries. */
void dm_tui_draw_details(const struct dm_tui_model *m, const struct dm_tui_view *v, long i);
/* The whole screen when it is below the minimum size. */
void dm_tui_panel_too_small(WINDOW *w, const struct dm_tui_view *v);

#endif
