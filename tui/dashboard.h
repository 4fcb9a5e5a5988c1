/* The dashboard loop: drain events -> update the model -> redraw the
 * dirty panels (at most 10 times a second) -> wait for a key for up to
 * 100 ms -> carry the key's action out. KEY_RESIZE lays out again. */
#ifndef DM_TUI_DASHBOARD_H
#define DM_TUI_DASHBOARD_H

#include <stddef.h>
#include "panel.h"
#include "queue.h"
#include "recorder.h"
#include "session.h"

struct dm_tui_dash_opts {
	long max_frames;         /* > 0: end after this many passes of the loop */
	uint64_t leak_rate;      /* the injected leak the session started with */
	const char *record;      /* --record FILE */
	struct dm_recorder *recorder;  /* its writer: e exports from it */
	long watch_pid;          /* > 0: the session watches that process */
	/* Called on the UI thread once a pass once the session has started
	 * (a scripted demo's control calls); NULL for none. Returning
	 * nonzero ends the dashboard as the frame limit does. */
	int (*tick)(void *ctx, struct dm_session *s);
	void *tick_ctx;
};

/* Run the dashboard on a screen set up by dm_tui_crt_begin. s has been
 * created with an event callback that pushes into q, and has its files
 * queued (none: the chooser opens first); the dashboard starts it. Returns
 * when the user quits, the frames run out, or a signal arrives; *started
 * says whether the session was started (then the caller stops and waits
 * for it). Returns 0, DM_EXIT_INTERRUPTED after a signal, or another
 * DM_EXIT_* with a message in err when the run could not start. */
int dm_tui_dashboard_run(struct dm_session *s, struct dm_tui_queue *q,
                         const struct dm_tui_view *v, const struct dm_tui_dash_opts *o,
                         int *started, char *err, size_t errlen);

#endif
