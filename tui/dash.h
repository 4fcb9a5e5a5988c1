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
	struct dm_tui_tune *tune;         /* the live tune's table, open when not NULL */
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
/* Pause or resume the session, the header following at once; why is
 * the log line. */
void dm_tui_dash_pause(struct dm_tui_dash *d, int paused, const char *why);
/* The chunk size from the next chunk, logged with key_name. */
void dm_tui_dash_set_chunk(struct dm_tui_dash *d, uint64_t next, const char *key_name);

/* The live tune (livetune.c). T opens it on the selected file (or the
 * one at work): the session is paused while it measures, the table is
 * drawn over the panels as it fills. */
void dm_tui_tune_open(struct dm_tui_dash *d);
/* Each pass of the loop: the tuner's rows into the table; at the end of
 * the sweep the choice, and the session's pause state as it was. */
void dm_tui_tune_poll(struct dm_tui_dash *d);
/* A key while the table is open (w, a, Esc, T, q). */
void dm_tui_tune_key(struct dm_tui_dash *d, int ch);
void dm_tui_tune_draw(struct dm_tui_dash *d);
/* Stop the sweep (the thread joined), restore the pause state, close the
 * table. Nothing when it is not open. */
void dm_tui_tune_close(struct dm_tui_dash *d);
/* A sweep is measuring now. */
int dm_tui_tune_measuring(const struct dm_tui_dash *d);

#endif
