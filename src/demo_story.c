/* The demo's story, a state machine stepped by dm_story_tick: every act
 * makes the control calls a person could make by key, then waits for the
 * event that shows their effect, so a slow machine only makes the story
 * longer. */
#include "config.h"
#include "demo_story.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "profile.h"

/* How long an act waits for its event before saying so and going on. */
#define WAIT_FILE_S 40.0
#define WAIT_LEAK_S 30.0
#define WAIT_RECLAIM_S 5.0
#define WAIT_PRESSURE_S 3.0
#define WAIT_REFUSAL_S 30.0
/* How long the slow parse runs before the chunk size changes. */
#define FLAT_S 10.0
/* Pause after each act so its effect can be read off the screen. */
#define DWELL_S 4.0
#define SAWTEETH 2
/* Between the reclamations of the pools' act. */
#define TOOTH_S 2.0

enum step {
	S_FLAT,          /* file 0 at 4-byte chunks */
	S_FAST,          /* chunk 64K, until file 0 is done */
	S_FAST_SEEN,     /* its throughput told */
	S_POOLS,         /* file 1 parses, pools fill */
	S_RECLAIM,       /* after it, a reclamation */
	S_LEAK_START,
	S_SUSPECT,
	S_CONFIRM,
	S_PRESSURE,
	S_REFUSE,
	S_TOLD,
};

struct dm_story {
	char *paths[3];
	uint64_t leak_rate;
	enum step step;
	double t0;                 /* when the step began (monotonic) */
	int started;               /* the first tick has narrated act 1 */
	int teeth;                 /* sawtooth cycles done */
	int told_reclaim;          /* the last reclamation is narrated */
	int idx[3];                /* session index of each file (-1: not added) */
	double hold_until;         /* nothing happens before (monotonic) */
	double slow_rate, change_t;
	uint64_t change_bytes;

	pthread_mutex_t mu;        /* what the events told, below */
	unsigned suspected, confirmed, reclaims, pressure;
	struct dm_reclaim_info last_reclaim;
	int64_t leak_reclaimed;
	unsigned done_count;       /* FILE_DONE events */
	int done_code[64];         /* per session index, < 64: 1 + code once done */
	unsigned refused;          /* files failed with the memory limit */
	char refusal[DM_ERRMSG_MAX];   /* the first one's message */
	struct dm_config orig;     /* the configuration the story began with */
};

struct dm_story *dm_story_new(const char *const paths[3], uint64_t leak_rate)
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
		st->done_count++;
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

static void next(struct dm_story *st, enum step to)
{
	st->step = to;
	st->t0 = dm_mono_s();
}

/* Let what was just narrated be seen before the next step. */
static void hold(struct dm_story *st, double seconds)
{
	st->hold_until = dm_mono_s() + seconds;
	st->t0 = st->hold_until;
}

static double since(const struct dm_story *st)
{
	return dm_mono_s() - st->t0;
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

static const char *mb(double bytes_per_s, char *buf, size_t n)
{
	snprintf(buf, n, "%.1f MB/s", bytes_per_s / 1e6);
	return buf;
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

int dm_story_tick(struct dm_story *st, struct dm_session *s)
{
	char r1[32], r2[32], sz[16];
	if (!st->started) {
		st->started = 1;
		dm_session_config(s, &st->orig);
		next(st, S_FLAT);
		say(s, "1/4 a normal parse: expat is fed " DM_STORY_SLOW_CHUNK
		       "-byte chunks; records stream out and accounted memory stays flat");
	}
	if (dm_mono_s() < st->hold_until)
		return st->step == S_TOLD;
	switch (st->step) {
	case S_FLAT:
		if (since(st) < FLAT_S && !done_code(st, 0))
			return 0;
		st->change_t = dm_session_elapsed(s);
		st->change_bytes = file_bytes(s, st->idx[0]);
		st->slow_rate = st->change_t > 0 ? (double)st->change_bytes / st->change_t : 0;
		dm_session_set_chunk_size(s, 64 * 1024);
		say(s, "2/4 chunk size " DM_STORY_SLOW_CHUNK " -> 64K (key +): the same parse, fewer "
		       "calls into expat; watch the current MB/s");
		next(st, S_FAST);
		return 0;
	case S_FAST: {
		int c = done_code(st, 0);
		if (!c && since(st) < WAIT_FILE_S)
			return 0;
		struct dm_file_info fi;
		if (c && dm_session_file(s, (size_t)st->idx[0], &fi) == 0) {
			double dt = fi.started + fi.seconds - st->change_t;
			double fast = dt > 0 ? (double)(fi.bytes - st->change_bytes) / dt : 0;
			say(s, "2/4 " DM_STORY_SLOW_CHUNK "-byte chunks ran at %s, 64K chunks at %s",
			    mb(st->slow_rate, r1, sizeof r1), mb(fast, r2, sizeof r2));
		} else {
			say(s, "2/4 the first file did not finish within %.0f s; going on", WAIT_FILE_S);
		}
		st->step = S_FAST_SEEN;
		hold(st, DWELL_S);
		return 0;
	}
	case S_FAST_SEEN: {
		/* 16-byte chunks: the pools' file lasts long enough to watch */
		dm_session_set_chunk_size(s, 16);
		add(st, s, 1);
		say(s, "3/4 pools fill while a file parses (16-byte chunks, key -); a reclamation "
		       "(key g) gives the idle memory back: a sawtooth, not a leak");
		next(st, S_POOLS);
		return 0;
	}
	case S_POOLS:
		if (st->teeth < SAWTEETH ? since(st) < TOOTH_S && !done_code(st, 1)
		                         : !done_code(st, 1) && since(st) < WAIT_FILE_S)
			return 0;
		if (st->teeth >= SAWTEETH) {
			next(st, S_LEAK_START);
			return 0;
		}
		st->teeth++;
		st->told_reclaim = 0;
		pthread_mutex_lock(&st->mu);
		st->reclaims = 0;
		pthread_mutex_unlock(&st->mu);
		dm_session_reclaim(s, "manual");
		next(st, S_RECLAIM);
		return 0;
	case S_RECLAIM: {
		int got = count(st, &st->reclaims) > 0;
		if (!got && since(st) < WAIT_RECLAIM_S)
			return 0;
		if (got && !st->told_reclaim) {
			st->told_reclaim = 1;
			pthread_mutex_lock(&st->mu);
			struct dm_reclaim_info ri = st->last_reclaim;
			pthread_mutex_unlock(&st->mu);
			char a[16], b[16];
			dm_format_size(ri.pool_bytes, sz, sizeof sz);
			dm_format_size(ri.rss_before, a, sizeof a);
			dm_format_size(ri.rss_after, b, sizeof b);
			say(s, "3/4 reclamation %d: %s freed from the pools, RSS %s -> %s", st->teeth, sz,
			    a, b);
		}
		if (got) {
			next(st, S_POOLS);
			hold(st, TOOTH_S);
			return 0;
		}
		if (!got)
			return 0;
		next(st, S_POOLS);
		return 0;
	}
	case S_LEAK_START:
		/* one byte at a time: the last file outlasts the leak's detection */
		dm_session_set_chunk_size(s, 1);
		add(st, s, 2);
		dm_session_set_leak_rate(s, st->leak_rate);
		dm_format_size(st->leak_rate, sz, sizeof sz);
		say(s, "4/4 a leak of %s/s injected (key L); 1-byte chunks "
		       "keep the last file running", sz);
		next(st, S_SUSPECT);
		return 0;
	case S_SUSPECT:
		if (!count(st, &st->suspected) && since(st) < WAIT_LEAK_S)
			return 0;
		if (count(st, &st->suspected))
			say(s, "4/4 the detector suspects a leak: memory grows across its snapshots; "
			       "a reclamation follows");
		else
			say(s, "4/4 no leak suspected within %.0f s; going on", WAIT_LEAK_S);
		next(st, S_CONFIRM);
		return 0;
	case S_CONFIRM:
		if (!count(st, &st->confirmed) && since(st) < WAIT_LEAK_S)
			return 0;
		if (count(st, &st->confirmed)) {
			pthread_mutex_lock(&st->mu);
			int64_t back = st->leak_reclaimed;
			pthread_mutex_unlock(&st->mu);
			dm_format_size(back > 0 ? (uint64_t)back : 0, sz, sizeof sz);
			say(s, "4/4 leak confirmed: the reclamation got back only %s of it", sz);
		} else {
			say(s, "4/4 the leak was not confirmed within %.0f s; going on", WAIT_LEAK_S);
		}
		next(st, S_PRESSURE);
		hold(st, DWELL_S);
		return 0;
	case S_PRESSURE: {
		if (!count(st, &st->pressure) && since(st) < WAIT_PRESSURE_S)
			return 0;
		/* the last file may have finished on a fast machine: queue it again
		 * so the budget has a running parse to refuse */
		if (done_code(st, 2))
			add(st, s, 2);
		uint64_t to;
		int rc = cut_budget(st, s, &to);
		dm_format_size(to, sz, sizeof sz);
		say(s, "4/4 %s; the budget is cut to %s for 4 parses at once (a profile switch, "
		       "key P) and two more files arrive%s",
		    count(st, &st->pressure) ? "memory pressure: chunks halved" : "no memory pressure yet",
		    sz, rc ? ": the configuration refused the cut" : "");
		next(st, S_REFUSE);
		return 0;
	}
	case S_REFUSE: {
		unsigned refused = count(st, &st->refused);
		if (!refused && since(st) < WAIT_REFUSAL_S)
			return 0;
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
			say(s, "4/4 the budget refused cleanly (exit 3 for that file): %s", msg);
		} else {
			say(s, "4/4 no file was refused within %.0f s", WAIT_REFUSAL_S);
		}
		say(s, "the end: the dashboard stays up; q quits");
		next(st, S_TOLD);
		return 1;
	}
	case S_TOLD:
		return 1;
	}
	return 0;
}
