/* The dashboard's state, shared by the loop (dashboard.c) and the key
 * actions (actions.c). Internal to tui/. */
#ifndef DM_TUI_DASH_H
#define DM_TUI_DASH_H

#include "chooser.h"
#include "dashboard.h"
#include "keys.h"
#include "model.h"
#include "queue.h"
#include "screen.h"
#include "session.h"

struct dm_tui_dash {
	struct dm_session *s;
	struct dm_tui_queue *q;
	struct dm_tui_model *m;
	struct dm_tui_screen *scr;
	struct dm_tui_view view;
	struct dm_tui_chooser *chooser;   /* open when not NULL */
	WINDOW *chooser_win;
	int help, confirm_quit, quit;
	int overlay_dirty;                /* an overlay needs drawing again */
	struct dm_recorder *recorder;     /* --record: e exports it */
	struct dm_tui_replay *replay;     /* replaying a recording: no session */
	int started;
	int start_code;                   /* DM_EXIT_* when it could not start */
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 32];
};

struct dm_tui_dash_opts;
/* The loop itself (dashboard.h), for the live dashboard and the replay:
 * until q, a signal or the frame limit. 0 or DM_EXIT_*, err filled. */
int dm_tui_dash_loop(struct dm_tui_dash *d, const struct dm_tui_dash_opts *o, char *err,
                     size_t errlen);

/* Carry out a key's action; every action is echoed in the log. */
void dm_tui_act(struct dm_tui_dash *d, enum dm_tui_action a);
/* Open the chooser on the current directory. 0 or -1 (logged). */
int dm_tui_dash_open_chooser(struct dm_tui_dash *d);
/* Start the session once it has files. 0 or -1 (d->error set). */
int dm_tui_dash_start(struct dm_tui_dash *d);

#endif
