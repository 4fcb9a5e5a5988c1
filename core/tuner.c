/* The live tune's thread. Each run is what a session worker does with a
 * file, on a fresh accountant of its own (so its peak is its own), with
 * the worker's pools, a parser at the run's chunk size and a consumer
 * that only counts records: it measures the parse, not an output. A run
 * ends at the end of the file or when its seconds are up, whichever
 * comes first; the rate is the bytes it got through over the seconds it
 * took. Settings take turns as in `tune` (dm_tune_order). */
#include "config.h"
#include "tuner.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "parser.h"
#include "pool.h"

struct dm_tuner {
	struct dm_acct *acct;      /* the tuner's, under the caller's parent */
	struct dm_config base;     /* immutable after start */
	char *path;
	double run_seconds;
	pthread_t th;
	atomic_int cancel;

	pthread_mutex_t mu;        /* what follows */
	struct dm_tune_row *rows;
	size_t n;
	struct dm_tuner_progress pg;
	double t0;
	double last_end;           /* when the last run ended (monotonic) */
};

/* One run's parse: the counts and the clock its progress callback keeps. */
struct run {
	struct dm_tuner *t;
	double deadline;
	int timed_out;
	uint64_t records;
};

static int on_record(void *ctx, const struct dm_record *rec)
{
	(void)rec;
	((struct run *)ctx)->records++;
	return 0;
}

static int on_progress(void *ctx, uint64_t bytes)
{
	(void)bytes;
	struct run *r = ctx;
	if (atomic_load_explicit(&r->t->cancel, memory_order_relaxed))
		return DM_EINTR;
	if (dm_mono_s() >= r->deadline) {
		r->timed_out = 1;
		return DM_EINTR;
	}
	return 0;
}

static const struct dm_consumer counting = {.record = on_record, .progress = on_progress};

/* The run's failure as tune reports one. */
static void run_failed(struct dm_tune_run *out, int code, const struct dm_error *e)
{
	out->ok = 0;
	out->code = code;
	out->exit_code = dm_exit_code(code);
	dm_error_format(e, out->error, sizeof out->error);
}

/* One run at chunk; out filled (done set unless cancelled). */
static void run_once(struct dm_tuner *t, uint64_t chunk, struct dm_tune_run *out)
{
	memset(out, 0, sizeof *out);
	struct dm_config cfg = t->base;
	cfg.chunk_size = chunk;
	struct dm_error err;
	dm_error_clear(&err);
	struct run r = {.t = t};
	struct dm_acct *a = dm_acct_new(t->acct, cfg.max_memory);
	struct dm_pool *text = a ? dm_pool_new(a, "text", 0, (size_t)cfg.pool_max_size) : NULL;
	struct dm_pool *vals = a ? dm_pool_new(a, "values", 0, (size_t)cfg.pool_max_size) : NULL;
	struct dm_parser *p = text && vals ? dm_parser_new(a, &cfg, &counting, &r, &err) : NULL;
	out->done = 1;
	if (!p) {
		if (!err.code)
			dm_error_set(&err, DM_ENOMEM, "memory limit exceeded setting up the parse");
		run_failed(out, DM_ENOMEM, &err);
	} else {
		dm_parser_set_pools(p, text, vals);
		double t0 = dm_mono_s();
		r.deadline = t0 + t->run_seconds;
		int rc = dm_parser_parse_file(p, t->path);
		out->seconds = dm_mono_s() - t0;
		struct dm_parser_stats ps;
		dm_parser_stats(p, &ps);
		out->bytes = ps.bytes;
		out->records = r.records;
		if (rc == DM_EINTR && !r.timed_out)
			out->done = 0;          /* cancelled: no result */
		else if (rc == 0 || rc == DM_EINTR)
			out->ok = 1;
		else
			run_failed(out, rc, dm_parser_error(p));
	}
	dm_parser_free(p);
	dm_pool_free(text);
	dm_pool_free(vals);
	if (a) {
		struct dm_acct_stats st;
		dm_acct_stats(a, &st);
		out->acct_peak = st.peak;
		for (int i = 0; i < DM_TAG_COUNT; i++)
			out->mallocs += st.tag[i].allocs;
	}
	dm_acct_free(a);
}

static void *tuner_main(void *arg)
{
	struct dm_tuner *t = arg;
	int rounds = t->pg.rounds;
	for (int round = 0; round < rounds && !atomic_load(&t->cancel); round++) {
		for (size_t k = 0; k < t->n && !atomic_load(&t->cancel); k++) {
			size_t i = dm_tune_order(round, k, t->n);
			pthread_mutex_lock(&t->mu);
			int skip = !t->rows[i].ok;
			if (!skip) {
				t->pg.current = (int)i;
				t->pg.round = round + 1;
				t->pg.gen++;
			}
			uint64_t chunk = t->rows[i].chunk;
			pthread_mutex_unlock(&t->mu);
			if (skip)
				continue;
			struct dm_tune_run r;
			run_once(t, chunk, &r);
			if (!r.done)
				break;
			pthread_mutex_lock(&t->mu);
			struct dm_tune_row *w = &t->rows[i];
			int before = w->runs;
			t->pg.done++;
			/* the same setting fails the same way again: its other runs go */
			if (dm_tune_row_add(w, &r) != 0)
				t->pg.planned -= rounds - (before + 1);
			t->last_end = dm_mono_s();
			t->pg.elapsed = t->last_end - t->t0;
			t->pg.left = dm_tune_left(t->pg.done, t->pg.planned, t->pg.elapsed);
			t->pg.gen++;
			pthread_mutex_unlock(&t->mu);
		}
	}
	pthread_mutex_lock(&t->mu);
	t->pg.phase = atomic_load(&t->cancel) ? DM_TUNER_CANCELLED : DM_TUNER_DONE;
	t->pg.current = -1;
	t->pg.elapsed = dm_mono_s() - t->t0;
	t->pg.left = 0;
	t->pg.gen++;
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* The tuner's memory and its accountant (t may be NULL or half made). */
static void release(struct dm_tuner *t, struct dm_acct *a)
{
	if (t) {
		dm_acct_dealloc(t->rows);
		dm_acct_dealloc(t->path);
	}
	dm_acct_dealloc(t);
	dm_acct_free(a);
}

struct dm_tuner *dm_tuner_start(struct dm_acct *parent, const struct dm_config *base,
                                const char *path, const uint64_t *chunks, size_t n,
                                const struct dm_tuner_opts *opts, struct dm_error *err)
{
	struct stat st;
	if (n == 0) {
		dm_error_set(err, DM_EUSAGE, "no chunk sizes to tune");
		return NULL;
	}
	if (stat(path, &st) != 0) {
		dm_error_set(err, DM_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		dm_error_set(err, DM_EUSAGE, "%s: not a regular file (the tune reads it once a run)", path);
		return NULL;
	}
	struct dm_acct *a = dm_acct_new(parent, 0);
	struct dm_tuner *t = a ? dm_acct_calloc(a, DM_TAG_OTHER, 1, sizeof *t) : NULL;
	size_t plen = strlen(path) + 1;
	if (t) {
		t->acct = a;
		t->rows = dm_acct_calloc(a, DM_TAG_OTHER, n, sizeof *t->rows);
		t->path = dm_acct_alloc(a, DM_TAG_OTHER, plen);
	}
	if (!t || !t->rows || !t->path) {
		release(t, a);
		dm_error_set(err, DM_ENOMEM, "memory limit exceeded starting the tune");
		return NULL;
	}
	memcpy(t->path, path, plen);
	t->base = *base;
	t->n = n;
	for (size_t i = 0; i < n; i++)
		dm_tune_row_init(&t->rows[i], chunks[i], base->buffer_size);
	t->run_seconds = opts && opts->run_seconds > 0 ? opts->run_seconds : DM_TUNER_SECONDS;
	int rounds = opts && opts->rounds > 0 ? opts->rounds : DM_TUNER_ROUNDS;
	t->pg.rounds = rounds < DM_TUNE_MAX_RUNS ? rounds : DM_TUNE_MAX_RUNS;
	t->pg.planned = t->pg.rounds * (int)n;
	t->pg.current = -1;
	t->pg.left = -1;
	t->pg.round = 1;
	atomic_init(&t->cancel, 0);
	pthread_mutex_init(&t->mu, NULL);
	t->t0 = dm_mono_s();
	if (pthread_create(&t->th, NULL, tuner_main, t) != 0) {
		dm_error_set(err, DM_ENOMEM, "cannot start the tune's thread: %s", strerror(errno));
		pthread_mutex_destroy(&t->mu);
		release(t, a);
		return NULL;
	}
	return t;
}

size_t dm_tuner_read(struct dm_tuner *t, struct dm_tune_row *rows, size_t max,
                     struct dm_tuner_progress *p)
{
	pthread_mutex_lock(&t->mu);
	size_t n = t->n;
	memcpy(rows, t->rows, (n < max ? n : max) * sizeof *rows);
	*p = t->pg;
	if (p->phase == DM_TUNER_RUNNING) {
		/* the estimate made when the last run ended, counting down */
		double now = dm_mono_s();
		p->elapsed = now - t->t0;
		if (p->left > 0)
			p->left = p->left > now - t->last_end ? p->left - (now - t->last_end) : 0;
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

void dm_tuner_cancel(struct dm_tuner *t)
{
	atomic_store(&t->cancel, 1);
}

void dm_tuner_free(struct dm_tuner *t)
{
	if (!t)
		return;
	dm_tuner_cancel(t);
	pthread_join(t->th, NULL);
	pthread_mutex_destroy(&t->mu);
	release(t, t->acct);
}
