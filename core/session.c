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
	s->cfg = *cfg;
	if (opts)
		s->opts = *opts;
	if (s->opts.progress_every <= 0)
		s->opts.progress_every = 0.25;
	s->ops = ops;
	s->ctx = ctx;
	s->t0 = dm_mono_s();
	s->wall0 = dm_wall_ms();
	s->leak_rate = s->opts.leak_rate;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	pthread_mutex_init(&s->mon_mu, NULL);
	pthread_cond_init(&s->mon_cv, NULL);
	s->parse = dm_acct_new(s->root, cfg->max_memory);
	s->leakacct = dm_acct_new(s->root, 0);
	if (!s->parse || !s->leakacct) {
		dm_error_set(err, DM_ENOMEM, "out of memory creating the session");
		dm_session_free(s);
		return NULL;
	}
	return s;
}

static void free_worker(struct worker *w)
{
	dm_parser_free(w->parser);
	dm_pool_free(w->text_pool);
	dm_pool_free(w->vals_pool);
	dm_acct_free(w->acct);
}

void dm_session_free(struct dm_session *s)
{
	if (!s)
		return;
	if (s->started && !s->closing) {
		dm_session_stop(s);
		dm_session_wait(s);
	}
	for (unsigned i = 0; i < s->nworkers; i++)
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
	dm_acct_free(s->leakacct);
	dm_acct_free(s->parse);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mon_mu);
	pthread_cond_destroy(&s->mon_cv);
	struct dm_acct *root = s->root;
	dm_acct_dealloc(s);
	dm_acct_free(root);
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return (uint64_t)st.st_size;
	return 0;
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
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->started) {
		struct dm_event ev = {.type = DM_EV_FILE_QUEUED, .file = &info};
		dm_session_emit(s, &ev);
	}
	return idx;
}

/* ---- the workers ------------------------------------------------------ */

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

static int on_record(void *ctx, const struct dm_record *r)
{
	struct worker *w = ctx;
	w->counts[r->type]++;
	if (w->emitted++ < w->suppress)
		return 0;
	if (w->s->ops && w->s->ops->record)
		return w->s->ops->record(w->s->ctx, w->file, r);
	return 0;
}

static void on_record_error(void *ctx, const struct dm_error *e)
{
	struct worker *w = ctx;
	struct dm_session *s = w->s;
	pthread_mutex_lock(&s->mu);
	struct dm_file_info info = s->files[w->file]->info;
	pthread_mutex_unlock(&s->mu);
	struct dm_event ev = {.type = DM_EV_ERROR, .file = &info, .error = e, .on = 0};
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
		struct dm_event ev = {.type = DM_EV_PROGRESS, .file = &info};
		dm_session_emit(s, &ev);
	}
	return 0;
}

static const struct dm_consumer worker_consumer = {
	.record = on_record,
	.record_error = on_record_error,
	.progress = on_progress,
};

/* Wait while the system is short of memory (admission control). Returns
 * 0 to go on, or 1 when the session is stopping. */
static int admit(struct worker *w, int idx)
{
	struct dm_session *s = w->s;
	int announced = 0;
	for (;;) {
		if (atomic_load(&s->stop))
			return 1;
		double used = dm_monitor_used_pct(s);
		pthread_mutex_lock(&s->mu);
		uint64_t limit = s->cfg.admission_percent;
		pthread_mutex_unlock(&s->mu);
		if (limit >= 100 || used <= (double)limit)
			break;
		if (!announced) {
			announced = 1;
			pthread_mutex_lock(&s->mu);
			s->files[idx]->info.state = DM_FILE_WAITING;
			struct dm_file_info info = s->files[idx]->info;
			pthread_mutex_unlock(&s->mu);
			struct dm_event ev = {.type = DM_EV_WAITING, .file = &info};
			dm_session_emit(s, &ev);
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* Take the next queued file, or -1 when there is none and none will come. */
static int next_file(struct worker *w)
{
	struct dm_session *s = w->s;
	pthread_mutex_lock(&s->mu);
	while (s->next >= s->nfiles && !s->closing && !atomic_load(&s->stop))
		pthread_cond_wait(&s->cv, &s->mu);
	int idx = -1;
	if (s->next < s->nfiles && !atomic_load(&s->stop))
		idx = (int)s->next++;
	if (idx >= 0) {
		w->cfg = s->cfg;
		s->files[idx]->worker = w->id;
	}
	pthread_mutex_unlock(&s->mu);
	return idx;
}

static int parse_one(struct worker *w, int idx, const char *path)
{
	memset(w->counts, 0, sizeof w->counts);
	w->emitted = 0;
	w->last_progress = dm_session_now(w->s);
	return dm_parser_parse_file(w->parser, path);
}

static void finish_file(struct worker *w, int idx, int rc)
{
	struct dm_session *s = w->s;
	const struct dm_error *e = dm_parser_error(w->parser);
	struct dm_parser_stats ps;
	dm_parser_stats(w->parser, &ps);
	pthread_mutex_lock(&s->mu);
	struct file_slot *f = s->files[idx];
	publish(w, f, ps.bytes);
	const char *v = dm_parser_ern_version(w->parser);
	if (v && *v) {
		snprintf(f->version, sizeof f->version, "%s", v);
		f->info.ern_version = f->version;
	}
	f->info.code = rc;
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
	struct dm_file_info info = f->info;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	atomic_store(&w->skip, 0);
	if (rc != 0 && info.state == DM_FILE_FAILED) {
		struct dm_event ev = {.type = DM_EV_ERROR, .file = &info, .error = e, .on = 1};
		dm_session_emit(s, &ev);
	}
	struct dm_event ev = {.type = DM_EV_FILE_DONE, .file = &info};
	dm_session_emit(s, &ev);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dm_session *s = w->s;
	int idx;
	while ((idx = next_file(w)) >= 0) {
		if (admit(w, idx)) {
			pthread_mutex_lock(&s->mu);
			s->files[idx]->info.state = DM_FILE_FAILED;
			s->files[idx]->info.code = DM_EINTR;
			snprintf(s->files[idx]->errmsg, sizeof s->files[idx]->errmsg, "%s: interrupted",
			         s->files[idx]->path);
			s->files[idx]->info.error = s->files[idx]->errmsg;
			s->finished++;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
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
		struct dm_event ev = {.type = DM_EV_FILE_START, .file = &info};
		dm_session_emit(s, &ev);

		w->file = idx;
		w->suppress = 0;
		int rc = parse_one(w, idx, path);
		if (rc == DM_ENOMEM && !atomic_load(&s->stop) && strcmp(path, "-") != 0) {
			/* the seed's process_multiple_files: once more with half the
			 * chunk size; records that already went out are not repeated */
			uint64_t half = w->cfg.chunk_size / 2 < MIN_CHUNK ? MIN_CHUNK : w->cfg.chunk_size / 2;
			char v[32];
			dm_format_size(half, v, sizeof v);
			pthread_mutex_lock(&s->mu);
			f = s->files[idx];
			f->info.retried = 1;
			info = f->info;
			pthread_mutex_unlock(&s->mu);
			struct dm_event rev = {.type = DM_EV_RETRY, .file = &info, .error = dm_parser_error(w->parser),
			                       .key = "chunk_size", .value = v};
			dm_session_emit(s, &rev);
			w->suppress = w->emitted;
			w->cfg.chunk_size = half;
			rc = parse_one(w, idx, path);
		}
		finish_file(w, idx, rc);
		dm_parser_release(w->parser);
		w->file = -1;
	}
	return NULL;
}

static int make_worker(struct dm_session *s, struct worker *w, int id, struct dm_error *err)
{
	w->s = s;
	w->id = id;
	w->file = -1;
	w->cfg = s->cfg;
	atomic_init(&w->skip, 0);
	atomic_init(&w->shrink, 0);
	w->acct = dm_acct_new(s->parse, s->cfg.max_memory / s->nworkers);
	if (w->acct) {
		w->text_pool = dm_pool_new(w->acct, "text", 0, (size_t)s->cfg.pool_max_size);
		w->vals_pool = dm_pool_new(w->acct, "values", 0, (size_t)s->cfg.pool_max_size);
	}
	if (!w->acct || !w->text_pool || !w->vals_pool) {
		dm_error_set(err, DM_ENOMEM, "memory limit exceeded creating worker %d", id);
		return DM_ENOMEM;
	}
	w->parser = dm_parser_new(w->acct, &w->cfg, &worker_consumer, w, err);
	if (!w->parser)
		return DM_ENOMEM;
	dm_parser_set_pools(w->parser, w->text_pool, w->vals_pool);
	return 0;
}

int dm_session_start(struct dm_session *s, struct dm_error *err)
{
	int rc = dm_monitor_start(s, err);
	if (rc)
		return rc;
	s->started = 1;
	if (s->opts.watch_pid <= 0) {
		unsigned n = s->cfg.max_concurrent ? (unsigned)s->cfg.max_concurrent : ncores();
		if (s->nfiles && n > s->nfiles)
			n = (unsigned)s->nfiles;
		if (n < 1)
			n = 1;
		s->workers = dm_acct_calloc(s->root, DM_TAG_OTHER, n, sizeof *s->workers);
		if (!s->workers) {
			dm_error_set(err, DM_ENOMEM, "out of memory creating workers");
			return DM_ENOMEM;
		}
		s->nworkers = n;
		for (unsigned i = 0; i < n; i++) {
			rc = make_worker(s, &s->workers[i], (int)i, err);
			if (rc)
				return rc;
		}
	}
	struct dm_event ev = {.type = DM_EV_START, .config = &s->cfg, .workers = s->nworkers};
	dm_session_emit(s, &ev);
	for (size_t i = 0; i < s->nfiles; i++) {
		pthread_mutex_lock(&s->mu);
		struct dm_file_info info = s->files[i]->info;
		pthread_mutex_unlock(&s->mu);
		struct dm_event q = {.type = DM_EV_FILE_QUEUED, .file = &info};
		dm_session_emit(s, &q);
	}
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (pthread_create(&s->workers[i].th, NULL, worker_main, &s->workers[i]) != 0) {
			dm_error_set(err, DM_ENOMEM, "cannot start a worker thread: %s", strerror(errno));
			dm_session_stop(s);
			return DM_ENOMEM;
		}
		s->workers[i].started = 1;
	}
	return 0;
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
	if (!s->started)
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
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i].started) {
			pthread_join(s->workers[i].th, NULL);
			s->workers[i].started = 0;
		}
	pthread_mutex_lock(&s->mu);
	s->exit_code = s->opts.watch_pid > 0 ? (atomic_load(&s->stop) ? DM_EXIT_INTERRUPTED : DM_EXIT_OK)
	                                     : run_exit_code(s);
	pthread_mutex_unlock(&s->mu);
	dm_monitor_stop(s);   /* emits summary and status */
	return s->exit_code;
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
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i].parser)
			dm_parser_stop(s->workers[i].parser);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_lock(&s->mon_mu);
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);
}

static void setting(struct dm_session *s, const char *key, const char *value)
{
	struct dm_event ev = {.type = DM_EV_SETTING, .key = key, .value = value, .config = &s->cfg};
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

void dm_session_set_chunk_size(struct dm_session *s, size_t n)
{
	char v[32];
	if (n < 1)
		n = 1;
	pthread_mutex_lock(&s->mu);
	s->cfg.chunk_size = n;
	for (unsigned i = 0; i < s->nworkers; i++) {
		s->workers[i].cfg.chunk_size = n;
		if (s->workers[i].parser)
			dm_parser_set_chunk_size(s->workers[i].parser, n);
	}
	pthread_mutex_unlock(&s->mu);
	dm_format_size(n, v, sizeof v);
	setting(s, "chunk_size", v);
}

void dm_session_set_buffer_size(struct dm_session *s, size_t n)
{
	char v[32];
	pthread_mutex_lock(&s->mu);
	s->cfg.buffer_size = n;
	pthread_mutex_unlock(&s->mu);
	dm_format_size(n, v, sizeof v);
	setting(s, "buffer_size", v);
}

int dm_session_set_config(struct dm_session *s, const struct dm_config *cfg)
{
	pthread_mutex_lock(&s->mu);
	s->cfg = *cfg;
	for (unsigned i = 0; i < s->nworkers; i++)
		if (s->workers[i].parser)
			dm_parser_set_chunk_size(s->workers[i].parser, (size_t)cfg->chunk_size);
	pthread_mutex_unlock(&s->mu);
	setting(s, "profile", cfg->name);
	return 0;
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
	for (unsigned i = 0; i < s->nworkers; i++) {
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
	pthread_mutex_lock(&s->mon_mu);
	s->leak_rate = bytes_per_s;
	pthread_mutex_unlock(&s->mon_mu);
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
		ev.key = "heap report written";
		ev.report_path = out;
	} else {
		snprintf(msg, sizeof msg, "heap report failed: %s", err.msg);
		ev.key = msg;
	}
	dm_session_emit(s, &ev);
	return rc;
}

void dm_session_config(struct dm_session *s, struct dm_config *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->cfg;
	pthread_mutex_unlock(&s->mu);
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

size_t dm_session_pools(struct dm_session *s, struct dm_pool_stats *out, size_t max)
{
	size_t n = max < 2 ? max : 2;
	for (size_t k = 0; k < n; k++) {
		memset(&out[k], 0, sizeof out[k]);
		out[k].name = k == 0 ? "text" : "values";
		out[k].max_size = (size_t)s->cfg.pool_max_size;
		for (unsigned i = 0; i < s->nworkers; i++) {
			struct dm_pool *p = k == 0 ? s->workers[i].text_pool : s->workers[i].vals_pool;
			struct dm_pool_stats st;
			if (!p)
				continue;
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
	return n;
}
