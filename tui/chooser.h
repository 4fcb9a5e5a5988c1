/* The file chooser: a list of a directory's subdirectories and .xml
 * files. Arrows move, Enter enters a directory, space selects a file,
 * Enter with a selection (or on a file) finishes, Esc cancels. The
 * selection is kept across directories as absolute paths.
 *
 * It is a mode of the dashboard, not a loop of its own, so events keep
 * being drained while it is open. UI thread only. */
#ifndef DM_TUI_CHOOSER_H
#define DM_TUI_CHOOSER_H

#include <stddef.h>
#include "panel.h"

struct dm_tui_chooser;

enum dm_tui_chooser_result {
	DM_TUI_CHOOSER_OPEN,       /* still choosing */
	DM_TUI_CHOOSER_DONE,       /* the selection is ready */
	DM_TUI_CHOOSER_CANCEL,
};

/* A chooser on dir (NULL = the current directory). NULL when dir cannot
 * be read or out of memory. */
struct dm_tui_chooser *dm_tui_chooser_new(const char *dir);
void dm_tui_chooser_free(struct dm_tui_chooser *c);

enum dm_tui_chooser_result dm_tui_chooser_key(struct dm_tui_chooser *c, int key);
/* Draw into w (framed; the whole window). */
void dm_tui_chooser_draw(WINDOW *w, struct dm_tui_chooser *c, const struct dm_tui_view *v);
/* The selected files, in the order chosen; owned by the chooser. */
size_t dm_tui_chooser_selection(const struct dm_tui_chooser *c, const char *const **paths);

#endif
