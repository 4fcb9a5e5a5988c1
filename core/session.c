/* The session: files, the queue, the workers and the controls. The
 * sampler thread and everything it drives live in monitor.c. */
#include "config.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "pool.h"
#include "session_int.h"

#define MIN_CHUNK 4096u

#define WORKERS_MAX 64u   /* slots: max_concurrent can be raised up to here */

double dm_session_now(const struct dm_session *s)
{
	return dm_mono_s() - s->t0;
}

double dm_session_run_clock(const struct dm_session *s)
{
	double now = dm_session_now(s);
	double paused = s->paused_total;
	if (atomic_load(&s->paused))
		paused += now - s->paused_at;
	return now - paused;
}

double dm_session_elapsed(struct dm_session *s)
{
	pthread_mutex_lock(&s->mu);
	double t = dm_session_run_clock(s);
	pthread_mutex_unlock(&s->mu);
	return t;
}

const struct cfg_snap *dm_session_snap(const struct dm_session *s)
{
	return atomic_load_explicit(&((struct dm_session *)s)->snap, memory_order_acquire);
}

void dm_session_emit(struct dm_session *s, struct dm_event *ev)
{
	ev->t = dm_session_now(s);
	ev->wall_ms = dm_wall_ms();
	if (s->ops && s->ops->event)
		s->ops->event(s->ctx, ev);
}

static unsigned ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

struct dm_session *dm_session_new(const struct dm_config *cfg,
                                  const struct dm_session_opts *opts,
                                  const struct dm_session_ops *ops, void *ctx,
                                  struct dm_error *err)
{
	/* the session's own bookkeeping is charged to its root accountant,
	 * outside the parsing budget */
	struct dm_acct *root = dm_acct_new(NULL, 0);
	struct dm_session *s = root ? dm_acct_calloc(root, DM_TAG_OTHER, 1, sizeof *s) : NULL;
	if (!s) {
		dm_acct_free(root);
		dm_error_set(err, DM_ENOMEM, "out of memory creating the session");
		return NULL;
	}
	s->root = root;
	if (dm_config_validate(cfg, err) != 0) {
		dm_acct_dealloc(s);
		dm_acct_free(root);
		return NULL;
	}
	struct cfg_snap *snap = dm_acct_calloc(root, DM_TAG_OTHER, 1, sizeof *snap);
	if (!snap) {
		dm_acct_dealloc(s);
		dm_acct_free(root);
		dm_error_set(err, DM_ENOMEM, "out of memory creating the session");
		return NULL;
	}
	snap->cfg = *cfg;
	atomic_init(&s->snap, snap);
	if (opts)
		s->opts = *opts;
	if (s->opts.progress_every <= 0)
		s->opts.progress_every = 0.25;
	s->ops = ops;
	s->ctx = ctx;
	s->t0 = dm_mono_s();
	s->wall0 = dm_wall_ms();
	atomic_init(&s->leak_rate, s->opts.leak_rate);
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->ctl_mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_mutex_init(&s->mon_mu, NULL);
	dm_cond_init_mono(&s->mon_cv);
	s->parse = dm_acct_new(s->root, cfg->max_memory);
	s->leakacct = dm_acct_new(s->parse, 0);
	if (!s->parse || !s->leakacct) {
		dm_error_set(err, DM_ENOMEM, "out of memory creating the session");
		dm_session_free(s);
		return NULL;
	}
	return s;
}

static void free_worker(struct worker *w)
{
	dm_buf_fini(&w->lines);
	dm_parser_free(w->parser);
	dm_pool_free(w->text_pool);
	dm_pool_free(w->vals_pool);
	dm_pool_free(w->input_pool);
	dm_acct_free(w->acct);
}

void dm_session_free(struct dm_session *s)
{
	if (!s)
		return;
	if (atomic_load(&s->started) && !s->closing) {
		dm_session_stop(s);
		dm_session_wait(s);
	}
	unsigned nw = atomic_load(&s->nworkers);
	for (unsigned i = 0; i < nw; i++)
		free_worker(&s->workers[i]);
	dm_acct_dealloc(s->workers);
	for (size_t i = 0; i < s->nfiles; i++) {
		dm_acct_dealloc(s->files[i]->path);
		dm_acct_dealloc(s->files[i]);
	}
	dm_acct_dealloc(s->files);
	while (s->leaked) {
		struct leak_block *b = s->leaked;
		s->leaked = b->next;
		dm_acct_dealloc(b);
	}
	dm_ring_fini(&s->ring);
	dm_leak_free(s->leak);
	dm_detect_free(s->detect);
	dm_acct_free(s->leakacct);
	dm_acct_free(s->parse);
	for (struct cfg_snap *c = atomic_load(&s->snap), *o; c; c = o) {
		o = c->older;
		dm_acct_dealloc(c);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->ctl_mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mon_mu);
	pthread_cond_destroy(&s->mon_cv);
	struct dm_acct *root = s->root;
	dm_acct_dealloc(s);
	dm_acct_free(root);
}

static int grow_workers(struct dm_session *s, const struct dm_config *c, struct dm_error *err);

static uint64_t file_size(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	return 0;
}

static int regular_file(const char *path)
{
	struct stat st;
	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dm_session_add(struct dm_session *s, const char *path)
{
	size_t plen = strlen(path) + 1;
	char *copy = dm_acct_alloc(s->root, DM_TAG_OTHER, plen);
	if (!copy)
		return DM_ENOMEM;
	memcpy(copy, path, plen);
	struct file_slot *f = dm_acct_calloc(s->root, DM_TAG_OTHER, 1, sizeof *f);
	if (!f) {
		dm_acct_dealloc(copy);
		return DM_ENOMEM;
	}
	pthread_mutex_lock(&s->mu);
	if (s->nfiles == s->capfiles) {
		size_t cap = s->capfiles ? s->capfiles * 2 : 16;
		struct file_slot **v = dm_acct_realloc(s->root, DM_TAG_OTHER, s->files, cap * sizeof *v);
		if (!v) {
			pthread_mutex_unlock(&s->mu);
			dm_acct_dealloc(copy);
			dm_acct_dealloc(f);
			return DM_ENOMEM;
		}
		s->files = v;
		s->capfiles = cap;
	}
	int idx = (int)s->nfiles;
	s->files[s->nfiles++] = f;
	f->path = copy;
	f->worker = -1;
	f->info.index = idx;
	f->info.path = copy;
	f->info.state = DM_FILE_QUEUED;
	f->info.size = file_size(path);
	struct dm_file_info info = f->info;
	if (atomic_load(&s->started) && s->opts.watch_pid <= 0) {
		struct dm_error err;
		grow_workers(s, &dm_session_snap(s)->cfg, &err);   /* fewer workers is no error */
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (atomic_load(&s->started)) {
		struct dm_event ev = {.type = DM_EV_FILE_QUEUED, .u.file.file = &info};
		dm_session_emit(s, &ev);
	}
	return idx;
}

/* ---- the workers ------------------------------------------------------ */

/* Files parsed at once under c. */
static unsigned cfg_limit(const struct dm_config *c)
{
	unsigned n = c->max_concurrent ? (unsigned)c->max_concurrent : ncores();
	return n < WORKERS_MAX ? n : WORKERS_MAX;
}

/* Copy the worker's counters into its file's slot (under s->mu). */
static void publish(struct worker *w, struct file_slot *f, uint64_t bytes)
{
	f->info.bytes = bytes;
	uint64_t total = 0;
	for (int t = 0; t < DM_REC_TYPES; t++) {
		f->info.records[t] = w->counts[t];
		total += w->counts[t];
	}
	f->info.records_total = total;
	f->info.seconds = dm_session_run_clock(w->s) - f->info.started;
	struct dm_acct_stats st;
	dm_acct_stats(w->acct, &st);
	f->info.peak = st.peak;
}

#define LINES_AT (64u * 1024u)   /* a consumer with lines gets batches this big */

/* The worker's batch of JSON lines to the consumer. Worker thread only. */
static int flush_lines(struct worker *w)
{
	int rc = 0;
	if (w->lines.len)
		rc = w->s->ops->lines(w->s->ctx, w->file, w->lines.data, w->lines.len);
	dm_buf_reset(&w->lines);
	return rc;
}

static int on_record(void *ctx, const struct dm_record *r)
{
	struct worker *w = ctx;
	w->counts[r->type]++;
	if (w->emitted++ < w->suppress)
		return 0;
	const struct dm_session_ops *ops = w->s->ops;
	if (ops && ops->lines) {
		/* batched: the consumer's lock once per 64 KiB, not per record */
		size_t mark = w->lines.len;
		if (dm_record_to_json(r, &w->lines) != 0 ||
		    (dm_buf_putc(&w->lines, '\n'), w->lines.failed)) {
			w->lines.len = mark;
			w->lines.failed = 0;
			w->emitted--;   /* it did not go out: a retry must give it */
			w->counts[r->type]--;
			return DM_ENOMEM;
		}
		return w->lines.len >= LINES_AT ? flush_lines(w) : 0;
	}
	int rc = ops && ops->record ? ops->record(w->s->ctx, w->file, r) : 0;
	if (rc) {
		w->emitted--;
		w->counts[r->type]--;
	}
	return rc;
}

static void on_record_error(void *ctx, const struct dm_error *e)
{
	struct worker *w = ctx;
	struct dm_session *s = w->s;
	pthread_mutex_lock(&s->mu);
	struct dm_file_info info = s->files[w->file]->info;
	pthread_mutex_unlock(&s->mu);
	struct dm_event ev = {.type = DM_EV_ERROR, .u.error = {&info, e, 0}};
	dm_session_emit(s, &ev);
}

static int on_progress(void *ctx, uint64_t bytes)
{
	struct worker *w = ctx;
	struct dm_session *s = w->s;
	if (atomic_load_explicit(&w->shrink, memory_order_relaxed)) {
		atomic_store(&w->shrink, 0);
		dm_parser_shrink(w->parser);
	}
	double now = dm_session_now(s);
	int emit = now - w->last_progress >= s->opts.progress_every;
	struct dm_file_info info;
	pthread_mutex_lock(&s->mu);
	struct file_slot *f = s->files[w->file];
	publish(w, f, bytes);
	while (atomic_load(&s->paused) && !atomic_load(&s->stop) && !atomic_load(&w->skip))
		pthread_cond_wait(&s->cv, &s->mu);
	info = f->info;
	pthread_mutex_unlock(&s->mu);
	if (atomic_load(&s->stop) || atomic_load(&w->skip))
		return DM_EINTR;
	if (emit) {
		w->last_progress = now;
		struct dm_event ev = {.type = DM_EV_PROGRESS, .u.file.file = &info};
		dm_session_emit(s, &ev);
	}
	return 0;
}

static const struct dm_consumer worker_consumer = {
	.record = on_record,
	.record_error = on_record_error,
	.progress = on_progress,
};

/* A file that never ran to an end of its own (stopped while queued or
 * waiting for memory): failed as interrupted, with its one FILE_DONE. */
static void file_interrupted(struct dm_session *s, int idx, int was_running)
{
	pthread_mutex_lock(&s->mu);
	struct file_slot *f = s->files[idx];
	f->info.state = DM_FILE_FAILED;
	f->info.code = DM_EINTR;
	snprintf(f->errmsg, sizeof f->errmsg, "%s: interrupted", f->path);
	f->info.error = f->errmsg;
	f->worker = -1;
	s->finished++;
	if (was_running)
		s->running--;
	struct dm_file_info info = f->info;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	struct dm_event ev = {.type = DM_EV_FILE_DONE, .u.file.file = &info};
	dm_session_emit(s, &ev);
}

/* Wait while the system is short of memory (admission control). Returns
 * 0 to go on, or 1 when the session is stopping. The threshold is read
 * from the current configuration at every check. */
static int admit(struct worker *w, int idx)
{
	struct dm_session *s = w->s;
	int announced = 0;
	for (;;) {
		if (atomic_load(&s->stop))
			return 1;
		double used = dm_monitor_used_pct(s);
		uint64_t limit = dm_session_snap(s)->cfg.admission_percent;
		if (limit >= 100 || used <= (double)limit)
			break;
		if (!announced) {
			announced = 1;
			pthread_mutex_lock(&s->mu);
			s->files[idx]->info.state = DM_FILE_WAITING;
			struct dm_file_info info = s->files[idx]->info;
			pthread_mutex_unlock(&s->mu);
			struct dm_event ev = {.type = DM_EV_WAITING, .u.file.file = &info};
			dm_session_emit(s, &ev);
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Take the next queued file while fewer than max_concurrent run, or -1
 * when there is none and none will come. The worker's configuration for
 * the file is the snapshot current now. */
static int next_file(struct worker *w)
{
	struct dm_session *s = w->s;
	int idx = -1;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (atomic_load(&s->stop))
			break;
		if (s->next < s->nfiles && s->running < cfg_limit(&dm_session_snap(s)->cfg)) {
			idx = (int)s->next++;
			break;
		}
		if (s->closing && s->next >= s->nfiles)
			break;
		pthread_cond_wait(&s->cv, &s->mu);
	}
	if (idx >= 0) {
		s->running++;
		w->file = idx;
		s->files[idx]->worker = w->id;
	}
	pthread_mutex_unlock(&s->mu);
	if (idx >= 0)
		w->cfg = dm_session_snap(s)->cfg;
	return idx;
}

static int parse_one(struct worker *w, const char *path)
{
	memset(w->counts, 0, sizeof w->counts);
	w->emitted = 0;
	w->last_progress = dm_session_now(w->s);
	return dm_parser_parse_file(w->parser, path);
}

static void finish_file(struct worker *w, int idx, int rc)
{
	struct dm_session *s = w->s;
	const struct dm_error *e = w->out_failed ? &w->out_err
	                           : w->split_done ? &w->split_err : dm_parser_error(w->parser);
	struct dm_parser_stats ps;
	dm_parser_stats(w->parser, &ps);
	uint64_t bytes = w->split_done ? w->split.bytes : ps.bytes;
	pthread_mutex_lock(&s->mu);
	struct file_slot *f = s->files[idx];
	publish(w, f, bytes);
	const char *v = w->split_done ? w->split.ern_version : dm_parser_ern_version(w->parser);
	if (v && *v) {
		snprintf(f->version, sizeof f->version, "%s", v);
		f->info.ern_version = f->version;
	}
	f->info.code = rc;
	f->info.segments = w->split_done && rc == 0 ? w->split.segments : 0;
	f->worker = -1;
	if (rc == 0) {
		f->info.state = DM_FILE_DONE;
	} else {
		int skipped = rc == DM_EINTR && atomic_load(&w->skip) && !atomic_load(&s->stop);
		f->info.state = skipped ? DM_FILE_SKIPPED : DM_FILE_FAILED;
		if (skipped)
			snprintf(f->errmsg, sizeof f->errmsg, "skipped");
		else
			dm_error_format(e, f->errmsg, sizeof f->errmsg);
		f->info.error = f->errmsg;
	}
	s->finished++;
	s->running--;
	w->file = -1;
	struct dm_file_info info = f->info;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	atomic_store(&w->skip, 0);
	if (rc != 0 && info.state == DM_FILE_FAILED) {
		struct dm_event ev = {.type = DM_EV_ERROR, .u.error = {&info, e, 1}};
		dm_session_emit(s, &ev);
	}
	struct dm_event ev = {.type = DM_EV_FILE_DONE, .u.file.file = &info};
	dm_session_emit(s, &ev);
}

static int split_write(void *ctx, const char *data, size_t len)
{
	struct worker *w = ctx;
	/* nothing is batched before a split: its lines go straight out */
	return w->s->ops && w->s->ops->lines ? w->s->ops->lines(w->s->ctx, w->file, data, len) : 0;
}

static int split_progress(void *ctx, uint64_t bytes, const uint64_t *records)
{
	struct worker *w = ctx;
	memcpy(w->counts, records, sizeof w->counts);
	w->split.bytes = bytes;   /* what a stopped split got through */
	return on_progress(w, bytes);
}

/* The file on split_workers segment threads. Returns 0 or a DM_E* when
 * the split parse was the whole of it (split_done set), or
 * DM_SPLIT_ONE_THREAD with w->suppress set to the records it wrote. */
static int parse_split(struct worker *w, int idx, const char *path)
{
	struct dm_session *s = w->s;
	const struct dm_session_ops *ops = s->ops;
	if (w->cfg.split_workers <= 1 || (ops && ops->record && !ops->lines))
		return DM_SPLIT_ONE_THREAD;
	memset(w->counts, 0, sizeof w->counts);
	w->last_progress = dm_session_now(s);
	struct dm_split_out out = {.write = split_write, .progress = split_progress, .ctx = w,
	                           .count_only = !(ops && ops->lines)};
	dm_error_clear(&w->split_err);
	int rc = dm_split_parse(path, &w->cfg, w->acct, (unsigned)w->cfg.split_workers, &out,
	                        &w->split, &w->split_err);
	if (rc != DM_SPLIT_ONE_THREAD) {
		memcpy(w->counts, w->split.records, sizeof w->counts);
		w->split_done = 1;
		if (rc == DM_EINTR)
			dm_error_set(&w->split_err, DM_EINTR, "%s: interrupted", path);
		return rc;
	}
	w->suppress = w->split.emitted;
	if (w->split.fell_back) {
		char text[sizeof w->split.why + 32];
		snprintf(text, sizeof text, "parsed on one thread (%s)", w->split.why);
		pthread_mutex_lock(&s->mu);
		const char *p = s->files[idx]->path;
		pthread_mutex_unlock(&s->mu);
		struct dm_event note = {.type = DM_EV_NOTE, .u.note = {text, p}};
		dm_session_emit(s, &note);
	}
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dm_session *s = w->s;
	int idx;
	while ((idx = next_file(w)) >= 0) {
		if (admit(w, idx)) {
			pthread_mutex_lock(&s->mu);
			w->file = -1;
			pthread_mutex_unlock(&s->mu);
			file_interrupted(s, idx, 1);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		struct file_slot *f = s->files[idx];
		f->info.state = DM_FILE_RUNNING;
		f->info.started = dm_session_run_clock(s);
		f->info.size = file_size(f->path);
		const char *path = f->path;
		struct dm_file_info info = f->info;
		pthread_mutex_unlock(&s->mu);
		struct dm_event ev = {.type = DM_EV_FILE_START, .u.file.file = &info};
		dm_session_emit(s, &ev);

		w->suppress = 0;
		w->split_done = 0;
		/* expat's buffers from the input pool and back to it, through the
		 * parse and the release that frees expat (a split's segments are
		 * parsed on their own threads, without it) */
		dm_pool_bind_expat(w->cfg.pool_input_buffers ? w->input_pool : NULL);
		int rc = parse_split(w, idx, path);
		if (rc == DM_SPLIT_ONE_THREAD)
			rc = parse_one(w, path);
		/* a pipe or FIFO cannot be read twice */
		if (rc == DM_ENOMEM && !w->split_done && !atomic_load(&s->stop) && regular_file(path)) {
			/* once more with half the chunk size; records that already
			 * went out are not repeated */
			uint64_t half = w->cfg.chunk_size / 2 < MIN_CHUNK ? MIN_CHUNK : w->cfg.chunk_size / 2;
			char v[32];
			dm_format_size(half, v, sizeof v);
			pthread_mutex_lock(&s->mu);
			f = s->files[idx];
			f->info.retried = 1;
			info = f->info;
			pthread_mutex_unlock(&s->mu);
			struct dm_event rev = {.type = DM_EV_RETRY,
			                       .u.retry = {&info, dm_parser_error(w->parser), v}};
			dm_session_emit(s, &rev);
			/* what is batched goes out: the retry suppresses all of it */
			if (w->s->ops && w->s->ops->lines && flush_lines(w) != 0)
				w->lines.len = 0;
			w->suppress = w->emitted;
			w->cfg.chunk_size = half;
			rc = parse_one(w, path);
		}
		/* what the batch holds goes out before the file is announced done;
		 * a failure to write it fails the file */
		int frc = w->s->ops && w->s->ops->lines ? flush_lines(w) : 0;
		w->out_failed = frc && !rc;
		if (w->out_failed) {
			rc = frc;
			dm_error_set(&w->out_err, frc, "%s: write error", path);
		}
		finish_file(w, idx, rc);
		dm_parser_release(w->parser);
		dm_pool_bind_expat(NULL);
	}
	return NULL;
}

/* Each worker's share of the budget: the budget over the files that may
 * run at once. Any thread; the accountants' budgets are atomics. */
static void apply_shares(struct dm_session *s, const struct dm_config *c)
{
	unsigned nw = atomic_load_explicit(&s->nworkers, memory_order_acquire);
	unsigned at_once = cfg_limit(c) < nw ? cfg_limit(c) : nw;
	if (at_once < 1)
		at_once = 1;
	for (unsigned i = 0; i < nw; i++)
		dm_acct_set_budget(s->workers[i].acct, c->max_memory / at_once);
}

/* The input pool keeps nothing while pool_input_buffers is off: what a
 * file that started with it on gives back is freed. */
static size_t input_max(const struct dm_config *c)
{
	return c->pool_input_buffers ? (size_t)c->pool_max_size : 0;
}

static int make_worker(struct dm_session *s, struct worker *w, int id, const struct dm_config *c,
                       struct dm_error *err)
{
	w->s = s;
	w->id = id;
	w->file = -1;
	w->cfg = *c;
	atomic_init(&w->skip, 0);
	atomic_init(&w->shrink, 0);
	w->acct = dm_acct_new(s->parse, c->max_memory);
	if (w->acct) {
		w->text_pool = dm_pool_new(w->acct, "text", 0, (size_t)c->pool_max_size);
		w->vals_pool = dm_pool_new(w->acct, "values", 0, (size_t)c->pool_max_size);
		w->input_pool = dm_pool_new(w->acct, "input", 0, input_max(c));
	}
	if (!w->acct || !w->text_pool || !w->vals_pool || !w->input_pool) {
		dm_error_set(err, DM_ENOMEM, "memory limit exceeded creating worker %d", id);
		return DM_ENOMEM;
	}
	dm_buf_init(&w->lines, w->acct, DM_TAG_OUTPUT);
	w->parser = dm_parser_new(w->acct, &w->cfg, &worker_consumer, w, err);
	if (!w->parser)
		return DM_ENOMEM;
	dm_parser_set_pools(w->parser, w->text_pool, w->vals_pool);
	return 0;
}

/* Have enough workers for the files that may run at once: more are made
 * when files are added or max_concurrent is raised (never fewer: a worker
 * beyond the limit just waits). Under s->mu. */
static int grow_workers(struct dm_session *s, const struct dm_config *c, struct dm_error *err)
{
	size_t pending = s->nfiles - s->finished;
	unsigned want = cfg_limit(c);
	if (pending < want)
		want = (unsigned)pending;
	unsigned nw = atomic_load(&s->nworkers);
	int rc = 0;
	while (!rc && nw < want && nw < s->wcap && !s->closing && !atomic_load(&s->stop)) {
		struct worker *w = &s->workers[nw];
		rc = make_worker(s, w, (int)nw, c, err);
		if (!rc && pthread_create(&w->th, NULL, worker_main, w) != 0)
			rc = dm_error_set(err, DM_ENOMEM, "cannot start a worker thread: %s", strerror(errno));
		if (rc) {
			free_worker(w);
			memset(w, 0, sizeof *w);
			break;
		}
		w->started = 1;
		atomic_store_explicit(&s->nworkers, ++nw, memory_order_release);
	}
	apply_shares(s, c);
	return rc;
}

int dm_session_start(struct dm_session *s, struct dm_error *err)
{
	int rc = dm_monitor_start(s, err);
	if (rc)
		return rc;
	const struct dm_config *c = &dm_session_snap(s)->cfg;
	if (s->opts.watch_pid <= 0) {
		s->wcap = WORKERS_MAX;
		s->workers = dm_acct_calloc(s->root, DM_TAG_OTHER, s->wcap, sizeof *s->workers);
		if (!s->workers) {
			dm_error_set(err, DM_ENOMEM, "out of memory creating workers");
			return DM_ENOMEM;
		}
	}
	pthread_mutex_lock(&s->mu);
	size_t n = s->nfiles;
	pthread_mutex_unlock(&s->mu);
	unsigned planned = s->opts.watch_pid > 0 ? 0 : cfg_limit(c);
	if (s->opts.watch_pid <= 0 && n && planned > n)
		planned = (unsigned)n;
	struct dm_event ev = {.type = DM_EV_START, .u.start = {c, planned ? planned : 1}};
	if (s->opts.watch_pid > 0)
		ev.u.start.workers = 0;
	dm_session_emit(s, &ev);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&s->mu);
		struct dm_file_info info = s->files[i]->info;
		pthread_mutex_unlock(&s->mu);
		struct dm_event q = {.type = DM_EV_FILE_QUEUED, .u.file.file = &info};
		dm_session_emit(s, &q);
	}
	atomic_store(&s->started, 1);
	if (s->opts.watch_pid > 0)
		return 0;
	pthread_mutex_lock(&s->mu);
	rc = grow_workers(s, c, err);
	pthread_mutex_unlock(&s->mu);
	if (rc)
		dm_session_stop(s);
	return rc;
}

static int run_exit_code(struct dm_session *s)
{
	size_t ok = 0, failed = 0;
	int worst = 0, interrupted = 0;
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct dm_file_info *f = &s->files[i]->info;
		if (f->state == DM_FILE_DONE || f->state == DM_FILE_SKIPPED) {
			ok++;
			continue;
		}
		failed++;
		if (f->code == DM_EINTR)
			interrupted = 1;
		int c = dm_exit_code(f->code ? f->code : DM_EINTR);
		if (c > worst && c != DM_EXIT_INTERRUPTED)
			worst = c;
	}
	if (atomic_load(&s->stop) && (interrupted || failed))
		return DM_EXIT_INTERRUPTED;
	if (!failed)
		return DM_EXIT_OK;
	if (ok)
		return DM_EXIT_PARTIAL;
	return worst ? worst : DM_EXIT_INPUT;
}

int dm_session_exit_code(struct dm_session *s)
{
	pthread_mutex_lock(&s->mu);
	int code = run_exit_code(s);
	pthread_mutex_unlock(&s->mu);
	return code;
}

int dm_session_wait(struct dm_session *s)
{
	if (!atomic_load(&s->started))
		return DM_EXIT_USAGE;
	if (s->opts.watch_pid > 0) {
		pthread_mutex_lock(&s->mon_mu);
		while (!s->watched_gone && !atomic_load(&s->stop))
			pthread_cond_wait(&s->mon_cv, &s->mon_mu);
		pthread_mutex_unlock(&s->mon_mu);
	}
	pthread_mutex_lock(&s->mu);
	s->closing = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	/* no worker is made once closing is set */
	unsigned nw = atomic_load(&s->nworkers);
	for (unsigned i = 0; i < nw; i++)
		if (s->workers[i].started) {
			pthread_join(s->workers[i].th, NULL);
			s->workers[i].started = 0;
		}
	/* files the stop left in the queue end too */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		int idx = s->next < s->nfiles ? (int)s->next++ : -1;
		pthread_mutex_unlock(&s->mu);
		if (idx < 0)
			break;
		file_interrupted(s, idx, 0);
	}
	pthread_mutex_lock(&s->mu);
	s->exit_code = s->opts.watch_pid > 0 ? (atomic_load(&s->stop) ? DM_EXIT_INTERRUPTED : DM_EXIT_OK)
	                                     : run_exit_code(s);
	int code = s->exit_code;
	pthread_mutex_unlock(&s->mu);
	dm_monitor_stop(s);   /* emits summary and status */
	return code;
}

int dm_session_done(struct dm_session *s)
{
	pthread_mutex_lock(&s->mu);
	int done = s->finished == s->nfiles;
	pthread_mutex_unlock(&s->mu);
	return done;
}

void dm_session_stop(struct dm_session *s)
{
	atomic_store(&s->stop, 1);
	pthread_mutex_lock(&s->mu);
	unsigned nw = atomic_load_explicit(&s->nworkers, memory_order_acquire);
	for (unsigned i = 0; i < nw; i++)
		dm_parser_stop(s->workers[i].parser);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_lock(&s->mon_mu);
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);
}

static void setting(struct dm_session *s, const char *key, const char *value)
{
	struct dm_event ev = {.type = DM_EV_SETTING,
	                      .u.setting = {key, value, &dm_session_snap(s)->cfg}};
	dm_session_emit(s, &ev);
}

void dm_session_pause(struct dm_session *s, int paused)
{
	pthread_mutex_lock(&s->mu);
	int was = atomic_load(&s->paused);
	if (paused && !was)
		s->paused_at = dm_session_now(s);
	else if (!paused && was)
		s->paused_total += dm_session_now(s) - s->paused_at;
	atomic_store(&s->paused, paused ? 1 : 0);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	setting(s, "paused", paused ? "true" : "false");
}

int dm_session_paused(struct dm_session *s)
{
	return atomic_load(&s->paused);
}

/* Publish cfg as the new snapshot and apply what takes effect at once;
 * then one SETTING event per key that changed. Under ctl_mu, so that two
 * controls never interleave their snapshots or their events. */
static int publish_config(struct dm_session *s, const struct dm_config *cfg, struct dm_error *err)
{
	if (dm_config_validate(cfg, err) != 0)
		return DM_EUSAGE;
	pthread_mutex_lock(&s->ctl_mu);
	struct cfg_snap *old = atomic_load(&s->snap);
	struct cfg_snap *n = dm_acct_calloc(s->root, DM_TAG_OTHER, 1, sizeof *n);
	if (!n) {
		pthread_mutex_unlock(&s->ctl_mu);
		return dm_error_set(err, DM_ENOMEM, "out of memory for the configuration");
	}
	n->cfg = *cfg;
	n->gen = old->gen + 1;
	n->older = old;
	atomic_store_explicit(&s->snap, n, memory_order_release);

	/* at once: the budget, running parsers' next chunk (unless pressure
	 * has them halved: it restores to the new size), the pools' limit,
	 * and the number of files at once */
	dm_acct_set_budget(s->parse, cfg->max_memory);
	struct dm_error gerr;
	dm_error_clear(&gerr);
	pthread_mutex_lock(&s->mu);
	unsigned nw = atomic_load(&s->nworkers);
	for (unsigned i = 0; i < nw; i++) {
		struct worker *w = &s->workers[i];
		if (!atomic_load(&s->pressure))
			dm_parser_set_chunk_size(w->parser, (size_t)cfg->chunk_size);
		dm_pool_set_max(w->text_pool, (size_t)cfg->pool_max_size);
		dm_pool_set_max(w->vals_pool, (size_t)cfg->pool_max_size);
		dm_pool_set_max(w->input_pool, input_max(cfg));
	}
	int grew = atomic_load(&s->started) && s->opts.watch_pid <= 0 ? grow_workers(s, cfg, &gerr) : 0;
	apply_shares(s, cfg);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	/* the monitor applies its keys at its next wake-up: now */
	pthread_mutex_lock(&s->mon_mu);
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);

	if (strcmp(old->cfg.name, cfg->name) != 0)
		setting(s, "profile", cfg->name);
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		char a[DM_PATH_MAX], b[DM_PATH_MAX];
		if (strcmp(k->name, "name") == 0 || strcmp(k->name, "description") == 0)
			continue;
		dm_config_format(&old->cfg, k, a, sizeof a);
		dm_config_format(cfg, k, b, sizeof b);
		if (strcmp(a, b) != 0)
			setting(s, k->name, b);
	}
	if (grew) {
		struct dm_event note = {.type = DM_EV_NOTE, .u.note.text = gerr.msg};
		dm_session_emit(s, &note);
	}
	pthread_mutex_unlock(&s->ctl_mu);
	return 0;
}

/* Change one key of the current configuration. */
static void set_key(struct dm_session *s, const char *key, uint64_t v)
{
	pthread_mutex_lock(&s->ctl_mu);
	struct dm_config c = dm_session_snap(s)->cfg;
	pthread_mutex_unlock(&s->ctl_mu);
	char text[32];
	dm_format_size(v, text, sizeof text);
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_config_set(&c, key, text, &err) != 0 || publish_config(s, &c, &err) != 0) {
		struct dm_event note = {.type = DM_EV_NOTE, .u.note.text = err.msg};
		dm_session_emit(s, &note);
	}
}

void dm_session_set_chunk_size(struct dm_session *s, size_t n)
{
	set_key(s, "chunk_size", n < 1 ? 1 : n);
}

void dm_session_set_buffer_size(struct dm_session *s, size_t n)
{
	set_key(s, "buffer_size", n);
}

int dm_session_set_config(struct dm_session *s, const struct dm_config *cfg, struct dm_error *err)
{
	return publish_config(s, cfg, err);
}

void dm_session_reclaim(struct dm_session *s, const char *reason)
{
	pthread_mutex_lock(&s->mon_mu);
	snprintf(s->reclaim_req, sizeof s->reclaim_req, "%s", reason ? reason : "on demand");
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);
}

void dm_session_skip(struct dm_session *s)
{
	pthread_mutex_lock(&s->mu);
	struct worker *oldest = NULL;
	double t = 0;
	unsigned nw = atomic_load(&s->nworkers);
	for (unsigned i = 0; i < nw; i++) {
		struct worker *w = &s->workers[i];
		if (w->file < 0)
			continue;
		double st = s->files[w->file]->info.started;
		if (!oldest || st < t) {
			oldest = w;
			t = st;
		}
	}
	if (oldest) {
		atomic_store(&oldest->skip, 1);
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

void dm_session_set_leak_rate(struct dm_session *s, uint64_t bytes_per_s)
{
	char v[32];
	atomic_store(&s->leak_rate, bytes_per_s);
	dm_format_size(bytes_per_s, v, sizeof v);
	setting(s, "leak_rate", bytes_per_s ? v : "0");
}

int dm_session_heap_report(struct dm_session *s, char *out, size_t outlen)
{
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_monitor_heap_report(s, "on demand", out, outlen, &err);
	struct dm_event ev = {.type = DM_EV_NOTE};
	char msg[DM_ERRMSG_MAX + 32];
	if (rc == 0) {
		ev.u.note.text = "heap report written";
		ev.u.note.path = out;
	} else {
		snprintf(msg, sizeof msg, "heap report failed: %s", err.msg);
		ev.u.note.text = msg;
	}
	dm_session_emit(s, &ev);
	return rc;
}

struct dm_acct *dm_session_budget(struct dm_session *s)
{
	return s->parse;
}

void dm_session_config(struct dm_session *s, struct dm_config *out)
{
	*out = dm_session_snap(s)->cfg;
}

size_t dm_session_files(struct dm_session *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->nfiles;
	pthread_mutex_unlock(&s->mu);
	return n;
}

int dm_session_file(struct dm_session *s, size_t i, struct dm_file_info *out)
{
	pthread_mutex_lock(&s->mu);
	int rc = -1;
	if (i < s->nfiles) {
		*out = s->files[i]->info;
		rc = 0;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static struct dm_pool *pool_of(struct worker *w, size_t kind)
{
	return kind == 0 ? w->text_pool : kind == 1 ? w->vals_pool : w->input_pool;
}

size_t dm_session_pools(struct dm_session *s, struct dm_pool_stats *out, size_t max)
{
	static const char *const names[] = {"text", "values", "input"};
	const struct dm_config *cfg = &dm_session_snap(s)->cfg;
	size_t n = max < 3 ? max : 3;
	unsigned nw = atomic_load_explicit(&s->nworkers, memory_order_acquire);
	for (size_t k = 0; k < n; k++) {
		memset(&out[k], 0, sizeof out[k]);
		out[k].name = names[k];
		out[k].max_size = k == 2 ? input_max(cfg) : (size_t)cfg->pool_max_size;
		for (unsigned i = 0; i < nw; i++) {
			struct dm_pool *p = pool_of(&s->workers[i], k);
			struct dm_pool_stats st;
			dm_pool_stats(p, &st);
			out[k].idle += st.idle;
			out[k].in_use += st.in_use;
			out[k].idle_bytes += st.idle_bytes;
			out[k].hits += st.hits;
			out[k].misses += st.misses;
			out[k].reclaimed_bytes += st.reclaimed_bytes;
			out[k].reclaims += st.reclaims;
		}
	}
	/* the input pool is listed once it is on or has been used */
	if (n == 3 && !cfg->pool_input_buffers && !out[2].hits && !out[2].misses)
		n = 2;
	return n;
}

void dm_session_note(struct dm_session *s, const char *text)
{
	struct dm_event ev = {.type = DM_EV_NOTE, .u.note.text = text};
	dm_session_emit(s, &ev);
}
