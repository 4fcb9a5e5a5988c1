/* The demo's story: a timeline of control calls on a running session,
 * each act waiting (with a timeout) for the engine's own event before the
 * next, narrated as NOTE events whose text starts with "demo " (the
 * dashboard shows the last one as its caption).
 *
 * The story owns no session. Its caller creates the session with the
 * first file of the delivery queued and chunk_size = DM_STORY_SLOW_CHUNK,
 * passes every event to dm_story_event, and calls dm_story_tick about ten
 * times a second from one thread (the UI thread, or the headless loop). */
#ifndef DM_DEMO_STORY_H
#define DM_DEMO_STORY_H
#include <stdint.h>
#include "event.h"
#include "session.h"

/* The chunk size the session starts with: small enough that expat's
 * per-call cost shows in the throughput. */
#define DM_STORY_SLOW_CHUNK "4"

struct dm_story;

/* paths: the delivery, three files (the story's first parse, the pools'
 * file, the file the leak and the budget end); copied. leak_rate: bytes a
 * second of the injected leak. on_screen: told on the dashboard (its last
 * note says it stays up). NULL when out of memory. */
struct dm_story *dm_story_new(const char *const paths[3], uint64_t leak_rate, int on_screen);
void dm_story_free(struct dm_story *st);
/* Any thread (the session's event callback). */
void dm_story_event(struct dm_story *st, const struct dm_event *ev);
/* One step of the timeline: makes the control calls that are due. One
 * thread. Returns 1 once the story is told (the budget's refusal is
 * narrated), else 0. */
int dm_story_tick(struct dm_story *st, struct dm_session *s);
/* The demo's exit status once the session is over, from the session's
 * own code: DM_EXIT_OK when the story was told to its planned end (the
 * budget's refusal narrated) and every failed file failed with the memory
 * limit (exit 3 each, in the summary), else code unchanged (quit or
 * stopped before the end, or a file failed for another reason). */
int dm_story_exit(struct dm_story *st, struct dm_session *s, int code);
#endif
