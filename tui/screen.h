/* The panels' windows for the current terminal size, and drawing the
 * dirty ones. No session: the panel tests drive this on a newterm screen
 * with a hand-made model. UI thread only. */
#ifndef DM_TUI_SCREEN_H
#define DM_TUI_SCREEN_H

#include "layout.h"
#include "model.h"
#include "panel.h"

struct dm_tui_screen;

struct dm_tui_screen *dm_tui_screen_new(void);
void dm_tui_screen_free(struct dm_tui_screen *s);

/* Lay the panels out again when the terminal size or the file count
 * changed, or when force is set; then every panel is dirty. Returns 1
 * when it did, 0 when nothing changed, -1 when a window could not be
 * made. */
int dm_tui_screen_layout(struct dm_tui_screen *s, struct dm_tui_model *m, int force);
/* Draw the panels the model marks dirty into the virtual screen
 * (wnoutrefresh; the caller calls doupdate) and clear the marks. Returns
 * 1 when anything was drawn. */
int dm_tui_screen_draw(struct dm_tui_screen *s, struct dm_tui_model *m,
                       const struct dm_tui_view *v);
const struct dm_tui_layout *dm_tui_screen_current(const struct dm_tui_screen *s);

/* Overlays, drawn over the panels into a centred window of their own. */
void dm_tui_draw_help(const struct dm_tui_view *v);
void dm_tui_draw_prompt(const struct dm_tui_view *v, const char *text);
/* One line of narration over the line above the key bar. */
void dm_tui_draw_caption(const struct dm_tui_view *v, const char *text);

#endif
