/* The demo's story, a state machine stepped by dm_story_tick: every act
 * makes the control calls a person could make by key, then waits for the
 * event that shows their effect, so a slow machine only makes the story
 * longer. Its clock stops while the session is paused (space), so a pause
 * holds the story where it is. */
#include "config.h"
#include "demo_story.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fmt.h"
#include "profile.h"

/* How long an act waits for its event before saying so and going on. */
#define WAIT_FILE_S 40.0
#define WAIT_LEAK_S 30.0
#define WAIT_RECLAIM_S 5.0
#define WAIT_PRESSURE_S 3.0
#define WAIT_REFUSAL_S 30.0
/* How long the slow parse runs before the chunk size changes. */
#define FLAT_S 12.0
/* Pause after a result so it can be read off the screen. */
#define DWELL_S 4.0
/* The pools' act: files parsed one after another, each followed by a
 * reclamation; the pools hold a finished file's buffers this long before
 * it, and stay empty this long after it. */
#define SAWTEETH 3
#define TOOTH_FULL_S 2.0
#define TOOTH_EMPTY_S 1.5
/* Big enough that expat's buffers (about twice the chunk) are megabytes
 * on the chart, small enough that one file's stay well under the leak
 * detector's threshold. */
#define POOLS_CHUNK (16u << 20)

enum step {
	S_FLAT,          /* file 0 at 4-byte chunks */
	S_FAST,          /* chunk 64K, until file 0 is done */
	S_POOLS_START,   /* big chunks, file 1 queued */
	S_POOLS_RUN,     /* file 1 parses: its buffers come from the pools */
	S_POOLS_FULL,    /* file 1 done: the pools hold them; a reclamation is due */
	S_RECLAIM,       /* waiting for the reclamation's event */
	S_POOLS_NEXT,    /* the pools are empty: file 1 again, or the leak */
	S_LEAK_START,
	S_SUSPECT,
	S_CONFIRM,
	S_PRESSURE,
	S_REFUSE,
	S_END,
	S_TOLD,
};

struct dm_story {
	char *paths[3];
	uint64_t leak_rate;
	int on_screen;             /* told on the dashboard, else as events */
	enum step step;
	double t0;                 /* when the step began (story clock) */
	int started;               /* the first tick has narrated act 1 */
	int teeth;                 /* reclamations of the pools' act done */
	uint64_t freed_total;      /* what they gave back */
	int idx[3];                /* session index of each file (-1: not added) */
	double hold_until;         /* nothing happens before (story clock) */
	double paused_total, paused_at;   /* the story clock leaves pauses out */
	double slow_rate, change_t;
	uint64_t change_bytes;
	int refused_told;          /* the refusal was narrated: the ending as planned */

	pthread_mutex_t mu;        /* what the events told, below */
	unsigned suspected, confirmed, reclaims, pressure;
	struct dm_reclaim_info last_reclaim;
	int64_t leak_reclaimed;
	int done_code[64];         /* per session index, < 64: 1 + code once done */
	unsigned refused;          /* files failed with the memory limit */
	unsigned suspected_at_leak, confirmed_at_leak;   /* counts before the leak's act */
	char refusal[DM_ERRMSG_MAX];   /* the first one's message */
	struct dm_config orig;     /* the configuration the story began with */
};

struct dm_story *dm_story_new(const char *const paths[3], uint64_t leak_rate, int on_screen)
{
	struct dm_story *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	for (int i = 0; i < 3; i++) {
		st->paths[i] = strdup(paths[i]);
		st->idx[i] = -1;
		if (!st->paths[i]) {
			dm_story_free(st);
			return NULL;
		}
	}
	st->idx[0] = 0;   /* queued by the caller */
	st->leak_rate = leak_rate;
	st->on_screen = on_screen;
	pthread_mutex_init(&st->mu, NULL);
	return st;
}

void dm_story_free(struct dm_story *st)
{
	if (!st)
		return;
	for (int i = 0; i < 3; i++)
		free(st->paths[i]);
	pthread_mutex_destroy(&st->mu);
	free(st);
}

void dm_story_event(struct dm_story *st, const struct dm_event *ev)
{
	pthread_mutex_lock(&st->mu);
	switch (ev->type) {
	case DM_EV_LEAK_SUSPECTED: st->suspected++; break;
	case DM_EV_LEAK_CONFIRMED:
		st->confirmed++;
		if (ev->u.leak.leak)
			st->leak_reclaimed = ev->u.leak.leak->reclaimed;
		break;
	case DM_EV_RECLAIM:
		st->reclaims++;
		if (ev->u.reclaim)
			st->last_reclaim = *ev->u.reclaim;
		st->last_reclaim.reason = NULL;   /* not ours to keep */
		break;
	case DM_EV_PRESSURE: st->pressure += ev->u.pressure.on; break;
	case DM_EV_FILE_DONE: {
		const struct dm_file_info *f = ev->u.file.file;
		if (f && f->index >= 0 && f->index < 64)
			st->done_code[f->index] = 1 + f->code;
		if (f && f->code && dm_exit_code(f->code) == DM_EXIT_MEMORY && !st->refused++)
			snprintf(st->refusal, sizeof st->refusal, "%s", f->error ? f->error : "");
		break;
	}
	default: break;
	}
	pthread_mutex_unlock(&st->mu);
}

static void say(struct dm_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct dm_session *s, const char *fmt, ...)
{
	char text[512] = "demo ";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text + 5, sizeof text - 5, fmt, ap);
	va_end(ap);
	dm_session_note(s, text);
}

/* Seconds the story has run, pauses left out. */
static double story_now(const struct dm_story *st)
{
	return dm_mono_s() - st->paused_total;
}

static void next(struct dm_story *st, enum step to)
{
	st->step = to;
	st->t0 = story_now(st);
}

/* Let what was just narrated be seen before the next step. */
static void hold(struct dm_story *st, double seconds)
{
	st->hold_until = story_now(st) + seconds;
	st->t0 = st->hold_until;
}

static double since(const struct dm_story *st)
{
	return story_now(st) - st->t0;
}

/* 0 while file k runs; 1 + its DM_E* code once done. */
static int done_code(struct dm_story *st, int k)
{
	int i = st->idx[k], c = 0;
	pthread_mutex_lock(&st->mu);
	if (i >= 0 && i < 64)
		c = st->done_code[i];
	pthread_mutex_unlock(&st->mu);
	return c;
}

static unsigned count(struct dm_story *st, const unsigned *field)
{
	pthread_mutex_lock(&st->mu);
	unsigned v = *field;
	pthread_mutex_unlock(&st->mu);
	return v;
}

static void add(struct dm_story *st, struct dm_session *s, int k)
{
	int i = dm_session_add(s, st->paths[k]);
	st->idx[k] = i >= 0 ? i : -1;
	if (i >= 0 && i < 64) {
		pthread_mutex_lock(&st->mu);
		st->done_code[i] = 0;
		pthread_mutex_unlock(&st->mu);
	}
}

static uint64_t file_bytes(struct dm_session *s, int i)
{
	struct dm_file_info fi;
	return i >= 0 && dm_session_file(s, (size_t)i, &fi) == 0 ? fi.bytes : 0;
}

/* Bytes the pools hold idle now, summed over their kinds. */
static uint64_t pools_idle(struct dm_session *s)
{
	struct dm_pool_stats ps[4];
	size_t n = dm_session_pools(s, ps, 4);
	uint64_t idle = 0;
	for (size_t i = 0; i < n; i++)
		idle += ps[i].idle_bytes;
	return idle;
}

/* The cut of the last act: the smallest budget the configuration takes,
 * shared by four parses at once, and the first two files of the delivery
 * queued again. A parse needs more than a quarter of it, so the budget
 * refuses them (and the running file too once the leak is charged to it):
 * a clean memory-limit failure, not an OOM. A running parse that
 * allocates nothing new is not refused, and pressure halves its chunks
 * rather than fail it; new files are the sure way. */
static int cut_budget(struct dm_story *st, struct dm_session *s, uint64_t *to)
{
	struct dm_config cfg;
	dm_session_config(s, &cfg);
	cfg.max_memory = 64 * 1024;
	cfg.max_concurrent = 4;
	*to = cfg.max_memory;
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_session_set_config(s, &cfg, &err);
	if (rc == 0) {
		add(st, s, 0);
		add(st, s, 1);
	}
	return rc;
}

/* Acts 1 and 2: the slow parse, then the chunk size change and the two
 * rates it gave. */
static void act_chunks(struct dm_story *st, struct dm_session *s)
{
	char r1[32], r2[32];
	if (st->step == S_FLAT) {
		if (since(st) < FLAT_S && !done_code(st, 0))
			return;
		st->change_t = dm_session_elapsed(s);
		st->change_bytes = file_bytes(s, st->idx[0]);
		st->slow_rate = st->change_t > 0 ? (double)st->change_bytes / st->change_t : 0;
		dm_session_set_chunk_size(s, 64 * 1024);
		say(s, "2/4 key +: chunk size " DM_STORY_SLOW_CHUNK " -> 64K, the same parse in fewer "
		       "calls into expat; watch the file's current rate (now) and the read strip");
		next(st, S_FAST);
		return;
	}
	int c = done_code(st, 0);
	if (!c && since(st) < WAIT_FILE_S)
		return;
	struct dm_file_info fi;
	if (c && dm_session_file(s, (size_t)st->idx[0], &fi) == 0) {
		double dt = fi.started + fi.seconds - st->change_t;
		double fast = dt > 0 ? (double)(fi.bytes - st->change_bytes) / dt : 0;
		say(s, "2/4 " DM_STORY_SLOW_CHUNK "-byte chunks ran at %s, 64K chunks at %s",
		    dm_tui_rate(r1, sizeof r1, st->slow_rate), dm_tui_rate(r2, sizeof r2, fast));
	} else {
		say(s, "2/4 the first file did not finish within %.0f s; going on", WAIT_FILE_S);
	}
	next(st, S_POOLS_START);
	hold(st, DWELL_S);
}

/* Act 3: the pools keep expat's buffers between files (the demo profile's
 * pool_input_buffers); each file fills them, each reclamation empties
 * them. The figures told are the accountant's. */
static void act_pools(struct dm_story *st, struct dm_session *s)
{
	char sz[16], a[16], b[16];
	switch (st->step) {
	case S_POOLS_START:
		dm_session_set_chunk_size(s, POOLS_CHUNK);
		add(st, s, 1);
		dm_tui_size(sz, sizeof sz, POOLS_CHUNK);
		say(s, "3/4 pools, keys + and g: %s chunks; after each file expat's input buffers "
		       "stay in a pool for the next one, until a reclamation frees them", sz);
		next(st, S_POOLS_RUN);
		return;
	case S_POOLS_RUN: {
		if (!done_code(st, 1) && since(st) < WAIT_FILE_S)
			return;
		dm_tui_size(sz, sizeof sz, pools_idle(s));
		say(s, "3/4 file parsed: the pools hold %s idle, charged to the budget, for the next "
		       "file; reclamation %d of %d follows", sz, st->teeth + 1, SAWTEETH);
		next(st, S_POOLS_FULL);
		hold(st, TOOTH_FULL_S);
		return;
	}
	case S_POOLS_FULL:
		pthread_mutex_lock(&st->mu);
		st->reclaims = 0;
		pthread_mutex_unlock(&st->mu);
		dm_session_reclaim(s, "manual");
		next(st, S_RECLAIM);
		return;
	case S_RECLAIM: {
		int got = count(st, &st->reclaims) > 0;
		if (!got && since(st) < WAIT_RECLAIM_S)
			return;
		st->teeth++;
		if (got) {
			pthread_mutex_lock(&st->mu);
			struct dm_reclaim_info ri = st->last_reclaim;
			pthread_mutex_unlock(&st->mu);
			st->freed_total += ri.pool_bytes;
			dm_tui_size(sz, sizeof sz, ri.pool_bytes);
			dm_tui_size(a, sizeof a, ri.rss_before);
			dm_tui_size(b, sizeof b, ri.rss_after);
			say(s, "3/4 key g, reclamation %d of %d: %s freed from the pools, RSS %s -> %s: "
			       "memory goes back down, a sawtooth, not a leak", st->teeth, SAWTEETH, sz, a, b);
		} else {
			say(s, "3/4 no reclamation within %.0f s; going on", WAIT_RECLAIM_S);
		}
		next(st, S_POOLS_NEXT);
		hold(st, TOOTH_EMPTY_S);
		return;
	}
	case S_POOLS_NEXT:
		if (st->teeth < SAWTEETH) {
			add(st, s, 1);
			next(st, S_POOLS_RUN);
			return;
		}
		dm_tui_size(sz, sizeof sz, st->freed_total);
		say(s, "3/4 %d reclamations gave back %s; the leak detector: %s", SAWTEETH, sz,
		    count(st, &st->confirmed) ? "a leak confirmed (it should not be)"
		    : count(st, &st->suspected) ? "suspected a leak, not confirmed"
		                                : "no leak, the floor did not rise");
		next(st, S_LEAK_START);
		hold(st, TOOTH_FULL_S);
		return;
	default:
		return;
	}
}

/* Act 4: the leak, suspected and confirmed; then the budget cut and its
 * clean refusal. */
static void act_leak(struct dm_story *st, struct dm_session *s)
{
	char sz[16];
	switch (st->step) {
	case S_LEAK_START:
		pthread_mutex_lock(&st->mu);
		st->suspected_at_leak = st->suspected;
		st->confirmed_at_leak = st->confirmed;
		pthread_mutex_unlock(&st->mu);
		/* one byte at a time: the last file outlasts the leak's detection */
		dm_session_set_chunk_size(s, 1);
		add(st, s, 2);
		dm_session_set_leak_rate(s, st->leak_rate);
		dm_tui_size(sz, sizeof sz, st->leak_rate);
		say(s, "4/4 key L: a %s/s leak injected (the key's own is 40M/s), charged to the "
		       "budget; 1-byte chunks keep the last file running", sz);
		next(st, S_SUSPECT);
		return;
	case S_SUSPECT:
		if (count(st, &st->suspected) <= st->suspected_at_leak && since(st) < WAIT_LEAK_S)
			return;
		if (count(st, &st->suspected) > st->suspected_at_leak)
			say(s, "4/4 the detector suspects a leak: memory's floor grows; a reclamation "
			       "follows");
		else
			say(s, "4/4 no leak suspected within %.0f s; going on", WAIT_LEAK_S);
		next(st, S_CONFIRM);
		return;
	case S_CONFIRM:
		if (count(st, &st->confirmed) <= st->confirmed_at_leak && since(st) < WAIT_LEAK_S)
			return;
		if (count(st, &st->confirmed) > st->confirmed_at_leak) {
			pthread_mutex_lock(&st->mu);
			int64_t back = st->leak_reclaimed;
			pthread_mutex_unlock(&st->mu);
			dm_tui_size(sz, sizeof sz, back > 0 ? (uint64_t)back : 0);
			say(s, "4/4 leak confirmed: the reclamation got back only %s of it", sz);
		} else {
			say(s, "4/4 the leak was not confirmed within %.0f s; going on", WAIT_LEAK_S);
		}
		next(st, S_PRESSURE);
		hold(st, DWELL_S);
		return;
	case S_PRESSURE: {
		if (!count(st, &st->pressure) && since(st) < WAIT_PRESSURE_S)
			return;
		/* the last file may have finished on a fast machine: queue it again
		 * so the budget has a running parse to refuse */
		if (done_code(st, 2))
			add(st, s, 2);
		uint64_t to;
		int rc = cut_budget(st, s, &to);
		dm_tui_size(sz, sizeof sz, to);
		say(s, "4/4 the budget cut to %s for 4 parses at once as two more files arrive (by "
		       "key: P to low-memory's 32M, a to add); %s%s", sz,
		    count(st, &st->pressure) ? "memory pressure: chunks halved" : "no memory pressure yet",
		    rc ? "; the configuration refused the cut" : "");
		next(st, S_REFUSE);
		return;
	}
	case S_REFUSE: {
		unsigned refused = count(st, &st->refused);
		if (!refused && since(st) < WAIT_REFUSAL_S)
			return;
		dm_session_set_leak_rate(s, 0);
		/* the story's own configuration back: what still runs finishes */
		struct dm_error err;
		dm_error_clear(&err);
		struct dm_config back = st->orig;
		back.chunk_size = 64 * 1024;
		dm_session_set_config(s, &back, &err);
		if (refused) {
			pthread_mutex_lock(&st->mu);
			char msg[DM_ERRMSG_MAX];
			snprintf(msg, sizeof msg, "%s", st->refusal);
			pthread_mutex_unlock(&st->mu);
			st->refused_told = 1;
			say(s, "4/4 the budget refused cleanly (exit 3 for that file): %s", msg);
		} else {
			say(s, "4/4 no file was refused within %.0f s", WAIT_REFUSAL_S);
		}
		next(st, S_END);
		hold(st, DWELL_S);
		return;
	}
	default:
		return;
	}
}

int dm_story_tick(struct dm_story *st, struct dm_session *s)
{
	if (!st->started) {
		st->started = 1;
		dm_session_config(s, &st->orig);
		next(st, S_FLAT);
		say(s, "1/4 (keys: + - chunk, g GC, L leak, P profile, space pause) a normal parse: "
		       "expat is fed " DM_STORY_SLOW_CHUNK "-byte chunks, records stream out and "
		       "accounted memory stays flat");
	}
	/* a pause (space) stops the story's clock as it stops the parse */
	double mono = dm_mono_s();
	if (dm_session_paused(s)) {
		if (st->paused_at == 0)
			st->paused_at = mono;
		return st->step == S_TOLD;
	}
	if (st->paused_at != 0) {
		st->paused_total += mono - st->paused_at;
		st->paused_at = 0;
	}
	if (story_now(st) < st->hold_until)
		return st->step == S_TOLD;
	switch (st->step) {
	case S_FLAT:
	case S_FAST:
		act_chunks(st, s);
		return 0;
	case S_POOLS_START:
	case S_POOLS_RUN:
	case S_POOLS_FULL:
	case S_RECLAIM:
	case S_POOLS_NEXT:
		act_pools(st, s);
		return 0;
	case S_LEAK_START:
	case S_SUSPECT:
	case S_CONFIRM:
	case S_PRESSURE:
	case S_REFUSE:
		act_leak(st, s);
		return 0;
	case S_END:
		say(s, "the end: the refused files failed with exit 3 and the story ends with 0%s",
		    st->on_screen ? "; the dashboard stays up, q quits" : "");
		next(st, S_TOLD);
		return 1;
	case S_TOLD:
		return 1;
	}
	return 0;
}

int dm_story_exit(struct dm_story *st, struct dm_session *s, int code)
{
	if (!st || st->step != S_TOLD || !st->refused_told)
		return code;
	/* the refusals are the planned ending; any other failure is not */
	size_t n = dm_session_files(s);
	for (size_t i = 0; i < n; i++) {
		struct dm_file_info fi;
		if (dm_session_file(s, i, &fi) != 0 || fi.state != DM_FILE_FAILED)
			continue;
		if (dm_exit_code(fi.code) != DM_EXIT_MEMORY)
			return code;
	}
	return DM_EXIT_OK;
}
