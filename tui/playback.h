/* The dashboard on a recording (`ddexmon replay FILE`): the recorded
 * events, decoded (core/replay.h), go through the same queue and model as
 * a live run's, paced by a replay clock: 1x, 10x, 100x or as fast as the
 * file reads, paused, from the start, to the end, or to the next event of
 * interest. The recording is streamed: the end is reached by reading
 * through it without drawing, in bounded memory. UI thread only. */
#ifndef DM_TUI_PLAYBACK_H
#define DM_TUI_PLAYBACK_H

#include <stddef.h>
#include "dashboard.h"
#include "panel.h"

struct dm_tui_dash;
struct dm_tui_replay;

/* Run the dashboard on the recording at path, on a screen set up by
 * dm_tui_crt_begin. 0 after q or the frame limit, DM_EXIT_INTERRUPTED
 * after a signal, DM_EXIT_INPUT with err when the file cannot be opened or
 * is not a recording. */
int dm_tui_replay_run(const char *path, const struct dm_tui_view *v,
                      const struct dm_tui_dash_opts *o, char *err, size_t errlen);

/* For the loop (dashboard.c): feed the events now due into the model;
 * a key of the replay's own (1 when it was taken); whether it is reading
 * ahead (the loop does not wait for keys then). */
void dm_tui_replay_pump(struct dm_tui_dash *d);
int dm_tui_replay_key(struct dm_tui_dash *d, int ch);
int dm_tui_replay_busy(const struct dm_tui_dash *d);

#endif
