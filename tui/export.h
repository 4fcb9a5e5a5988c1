/* The dashboard's export (e): the report of a recording, drawn by
 * `ddexmon report`'s own code and written next to it. UI thread. */
#ifndef DM_TUI_EXPORT_H
#define DM_TUI_EXPORT_H

struct dm_tui_dash;

/* Draw the recording at path as HTML into path's name with .html (as
 * `ddexmon report path` would) and say where in the log. 0 or -1 (said
 * in the log too). */
int dm_tui_export_report(struct dm_tui_dash *d, const char *path);

#endif
