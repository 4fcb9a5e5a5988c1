/* The live tune's table as text: a row's cells and state, the progress
 * line. Pure (no curses, no clock), so the panel tests fill it from
 * made-up rows; rates and sizes in the dashboard's one family (fmt.h). */
#ifndef DM_TUI_TUNE_TABLE_H
#define DM_TUI_TUNE_TABLE_H

#include <stddef.h>
#include "tuner.h"

#define DM_TUI_TUNE_STATE_MAX (DM_ERRMSG_MAX + DM_ERRFILE_MAX + 96)

struct dm_tui_tune_cells {
	char mark[4];      /* "*" chosen, "~" within noise of the fastest, " " */
	char chunk[16];
	char runs[16];     /* "2/3" */
	char median[24];   /* "91.2M/s", "-" before a run */
	char range[32];    /* min-max: "88.0M-93.1M", "-" */
	char spread[16];   /* middle half over the median: "2.1%", "-" */
	char peak[16];     /* accounted peak */
	char state[DM_TUI_TUNE_STATE_MAX];
};

/* Row i of rows as cells. choice is the tune's choice once the sweep is
 * done (NULL while it runs); limit is what limited the row when it
 * failed (dm_tune_limit_text; "" or NULL: its error is shown). States:
 * "running (run 2 of 3)", "queued", "measured" (all rounds, sweep still
 * going), "chosen", "within noise", "" (done, not chosen), "failed
 * (memory): max_memory 1M < ...", "cancelled" (no run ended). */
void dm_tui_tune_cells(const struct dm_tune_row *rows, size_t i, const struct dm_tuner_progress *p,
                       const struct dm_tune_choice *choice, const char *limit,
                       struct dm_tui_tune_cells *out);

/* The line under the table: "round 2 of 3: chunk 256K, 8 of 18 runs,
 * 12.0s so far, about 20.0s left" while it runs, "done: 18 runs in
 * 41.2s" or "cancelled after 8 of 18 runs" after. Returns buf. */
char *dm_tui_tune_progress(char *buf, size_t size, const struct dm_tune_row *rows, size_t n,
                           const struct dm_tuner_progress *p, int utf8);

#endif
