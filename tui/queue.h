/* The event queue between the session and the dashboard.
 *
 * The session calls its event callback on worker and sampler threads, and
 * an event is valid only during that call; the dashboard draws on the UI
 * thread. dm_tui_queue_push (any thread) copies what the dashboard keeps
 * into a bounded ring under a mutex; dm_tui_queue_drain (UI thread) takes
 * the copies out. When the ring runs full, progress, samples and record
 * errors are dropped first (the next ones supersede them) and counted. */
#ifndef DM_TUI_QUEUE_H
#define DM_TUI_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define DM_TUI_NAME_MAX 96
#define DM_TUI_TEXT_MAX 320

/* One event, copied: no pointers into session memory. */
struct dm_tui_event {
	enum dm_event_type type;
	double t;
	int64_t wall_ms;
	int on;                              /* PRESSURE */
	int has_file, has_sample, has_trend, has_reclaim, has_leak;
	struct dm_file_info file;            /* its strings are NULL: see name */
	struct dm_sample sample;
	struct dm_trend trend;
	struct dm_reclaim_info reclaim;      /* reason in text2 */
	struct dm_leak_info leak;
	int has_change;                      /* the multiscale detector's figures */
	struct dm_detect_change change;
	int code;                            /* ERROR: the error code */
	char name[DM_TUI_NAME_MAX];          /* the file's base name */
	/* ERROR and failed FILE_DONE: the message; LEAK_CONFIRMED: the report
	 * path; NOTE: the text; SETTING: the key */
	char text[DM_TUI_TEXT_MAX];
	char text2[64];                      /* SETTING: value; RECLAIM: reason */
	int exit_code;                       /* SUMMARY */
	unsigned workers;                    /* START */
};

struct dm_tui_queue;

/* A queue holding at most cap events. NULL when out of memory. */
struct dm_tui_queue *dm_tui_queue_new(size_t cap);
void dm_tui_queue_free(struct dm_tui_queue *q);

/* Copy ev into the queue. Any thread. Returns 0, or -1 when it was
 * dropped because the queue was full. */
int dm_tui_queue_push(struct dm_tui_queue *q, const struct dm_event *ev);
/* Move up to max events, oldest first, into out; returns how many. */
size_t dm_tui_queue_drain(struct dm_tui_queue *q, struct dm_tui_event *out, size_t max);
/* Events dropped since the last call (and reset the count). */
uint64_t dm_tui_queue_dropped(struct dm_tui_queue *q);

/* Copy an event into a plain struct (what push does, without a queue). */
void dm_tui_event_copy(struct dm_tui_event *dst, const struct dm_event *ev);

#endif
