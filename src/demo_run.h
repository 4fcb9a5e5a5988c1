/* Running the demo's story (demo_story.h) on a generated delivery. */
#ifndef DM_DEMO_RUN_H
#define DM_DEMO_RUN_H
#include <stdint.h>
#include "profile.h"

struct dm_demo_run {
	const char *paths[3];      /* the delivery */
	struct dm_config cfg;      /* the demo profile, chunk_size the story's first */
	uint64_t leak_rate;        /* the leak the story injects */
	long max_frames;           /* > 0: the dashboard ends after so many passes */
	int tty;                   /* the dashboard; else events on stdout */
	int loop;                  /* end a while after the story is told */
};

/* Tell the story once. Returns the run's exit code; *again = 1 when the
 * story ended by itself in a loop (not q, a signal or the frame limit). */
int dm_demo_story_run(const struct dm_demo_run *r, int *again);
/* The signal thread's hook while the dashboard is up. */
void dm_demo_post_signal(void *ctx, int sig);
#endif
