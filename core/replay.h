/* Recorded events back into dm_event values: the decoder that lets the
 * dashboard (and anything else that consumes events) run on a recording
 * read with dm_jsonl_next_event().
 *
 * A struct dm_replay_event holds the event and everything it points to;
 * strings point into the reader's current line, so the event is valid
 * until the next call that reads from that reader (the same rule as an
 * event handed to a callback). One thread. */
#ifndef DM_REPLAY_H
#define DM_REPLAY_H

#include "event.h"
#include "jsonl.h"
#include "session.h"

struct dm_replay_event {
	struct dm_event ev;
	struct dm_file_info file;
	struct dm_sample sample;
	struct dm_trend trend;
	struct dm_reclaim_info reclaim;
	struct dm_leak_info leak;
	struct dm_error error;
	struct dm_session_summary summary;
	struct dm_event_losses left_out;
};

/* Decode the reader's current event (after dm_jsonl_next_event returned
 * 1) into out. 0, or DM_ERECORD when its "event" names no event this
 * program knows (skip it). Missing members read as zero or NULL: a
 * recording written by an older build of the same format still replays. */
int dm_replay_decode(const struct dm_jsonl *r, struct dm_replay_event *out);

/* Of interest when stepping through a recording: a reclamation, a leak
 * state change, an error, a pressure change, a file that failed. */
int dm_replay_of_interest(const struct dm_event *ev);

#endif
