/* The sampler thread: a sample every sample_interval, the trend, the
 * reclamations (threshold, pressure, leak, on demand), memory pressure,
 * the leak detector and its heap reports, and the deliberate leak.
 * Every libproc2 call of the program happens on this thread. */
#include "config.h"
#include "session_int.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "detect.h"
#include "emit.h"
#include "leak.h"
#include "pool.h"
#include "sampler.h"
#include "trend.h"

#define MIN_CHUNK 4096u
#define LEAK_BLOCK (256u * 1024u)
#define TREND_POINTS 4096

static uint64_t statm_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long size = 0, res = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

double dm_monitor_used_pct(struct dm_session *s)
{
	if (s->opts.mem_used_pct)
		return s->opts.mem_used_pct(s->opts.mem_used_ctx);
	pthread_mutex_lock(&s->mon_mu);
	double v = s->used_pct;
	pthread_mutex_unlock(&s->mon_mu);
	return v;
}

static void emit_sample_event(struct dm_session *s, enum dm_event_type type,
                              const struct dm_sample *smp, const struct dm_trend *tr)
{
	struct dm_event ev = {.type = type, .u.sample = {smp, tr}};
	dm_session_emit(s, &ev);
}

/* Free idle pooled memory beyond the floor and give the heap's free top
 * back to the system. Sampler thread only. */
static void reclaim(struct dm_session *s, const char *reason)
{
	struct dm_reclaim_info r = {.reason = reason};
	r.rss_before = statm_rss();
	size_t floor = (size_t)dm_session_snap(s)->cfg.pool_floor;
	unsigned nw = atomic_load_explicit(&s->nworkers, memory_order_acquire);
	for (unsigned i = 0; i < nw; i++) {
		r.pool_bytes += dm_pool_reclaim(s->workers[i].text_pool, floor);
		r.pool_bytes += dm_pool_reclaim(s->workers[i].vals_pool, floor);
		/* expat's buffers serve the next file, not the next record: a
		 * reclamation gives them all back */
		r.pool_bytes += dm_pool_reclaim(s->workers[i].input_pool, 0);
		atomic_store(&s->workers[i].shrink, 1);
	}
#ifdef HAVE_MALLOC_TRIM
	r.trimmed = malloc_trim(0);
#endif
	r.rss_after = statm_rss();
	pthread_mutex_lock(&s->mon_mu);
	s->sum.reclamations++;
	s->sum.reclaimed_bytes += r.pool_bytes;
	s->last_reclaim_t = dm_session_now(s);
	pthread_mutex_unlock(&s->mon_mu);
	struct dm_event ev = {.type = DM_EV_RECLAIM, .u.reclaim = &r};
	dm_session_emit(s, &ev);
}

/* Pressure halves every parser's chunk size (down to 4K) until it passes,
 * then restores the configured one. */
static void set_pressure(struct dm_session *s, int on)
{
	char v[32];
	size_t chunk = 0;
	size_t configured = (size_t)dm_session_snap(s)->cfg.chunk_size;
	atomic_store(&s->pressure, on);
	unsigned nw = atomic_load_explicit(&s->nworkers, memory_order_acquire);
	for (unsigned i = 0; i < nw; i++) {
		struct worker *w = &s->workers[i];
		size_t c = on ? dm_parser_chunk_size(w->parser) / 2 : configured;
		if (c < MIN_CHUNK)
			c = MIN_CHUNK;
		dm_parser_set_chunk_size(w->parser, c);
		chunk = c;
		if (on)
			atomic_store(&w->shrink, 1);
	}
	dm_format_size(chunk, v, sizeof v);
	struct dm_event ev = {.type = DM_EV_PRESSURE, .u.pressure = {on, chunk ? v : NULL}};
	dm_session_emit(s, &ev);
}

static void leak_some(struct dm_session *s, double dt)
{
	uint64_t rate = atomic_load(&s->leak_rate);
	if (!rate || dt <= 0)
		return;
	uint64_t want = (uint64_t)((double)rate * dt);
	size_t block = LEAK_BLOCK;
	while (want) {
		size_t n = want < block ? (size_t)want : block;
		if (n < sizeof(struct leak_block))
			n = sizeof(struct leak_block);
		struct leak_block *b = dm_acct_alloc(s->leakacct, DM_TAG_LEAK, n);
		if (!b && block > MIN_CHUNK) {
			/* a real leak takes whatever is left, a block at a time */
			block /= 2;
			continue;
		}
		if (!b) {
			/* the budget holds for this as for any allocation: say
			 * so once, keep trying (a finished file frees room) */
			if (!s->leak_refused) {
				struct dm_event note = {
					.type = DM_EV_NOTE,
					.u.note.text = "injected leak refused: the budget is full"};
				dm_session_emit(s, &note);
			}
			s->leak_refused = 1;
			break;
		}
		s->leak_refused = 0;
		memset(b, 0xA5, n);   /* touched, so it shows in RSS */
		b->next = s->leaked;
		s->leaked = b;
		want -= n < want ? n : want;
	}
}

/* What the projection is measured against: the budget when we watch
 * ourselves; for another process --limit, or what it could still take
 * (its RSS plus MemAvailable). */
static uint64_t detect_limit(const struct dm_session *s, const struct dm_config *c,
                             const struct dm_sample *x)
{
	if (s->opts.watch_pid <= 0)
		return c->max_memory;
	if (s->opts.watch_limit)
		return s->opts.watch_limit;
	return x->mem_available ? x->mem_available + x->rss : 0;
}

static void fit_trend(struct dm_session *s, const struct dm_config *c, struct dm_trend *out)
{
	double t[TREND_POINTS], y[TREND_POINTS];
	size_t n = 0;
	for (size_t i = s->ring.n > TREND_POINTS ? s->ring.n - TREND_POINTS : 0; i < s->ring.n; i++) {
		const struct dm_sample *p = dm_ring_at(&s->ring, i);
		t[n] = p->t;
		y[n] = (double)p->rss;
		n++;
	}
	uint64_t limit = c->max_memory;
	if (s->opts.watch_pid > 0)
		limit = n ? detect_limit(s, c, dm_ring_at(&s->ring, s->ring.n - 1)) : 0;
	dm_trend_fit(t, y, n, (double)c->trend_window_ms / 1000.0, limit, out);
}

/* The leak event of a seed-rule action or a multiscale change: a heap
 * report with each confirmation, nothing else written. Monitor thread. */
static void emit_leak(struct dm_session *s, enum dm_event_type type, const struct dm_sample *smp,
                      const struct dm_leak_info *info, const struct dm_detect_change *ch)
{
	struct dm_event ev = {.type = type,
	                      .u.leak = {smp, info, ch, NULL, (long)s->opts.watch_pid}};
	char path[DM_PATH_MAX + 64] = "";
	if (type == DM_EV_LEAK_CONFIRMED) {
		struct dm_error err;
		dm_error_clear(&err);
		if (dm_monitor_heap_report(s, "leak confirmed", path, sizeof path, &err) != 0) {
			struct dm_event note = {.type = DM_EV_NOTE, .u.note.text = err.msg};
			dm_session_emit(s, &note);
		}
		ev.u.leak.report_path = path[0] ? path : NULL;
	}
	dm_session_emit(s, &ev);
}

static void seed_step(struct dm_session *s, const struct dm_sample *smp)
{
	struct dm_leak_info info;
	enum dm_leak_action a = dm_leak_observe(s->leak, smp->t, smp->rss, &info);
	pthread_mutex_lock(&s->mon_mu);
	s->leak_info = info;
	if (a == DM_LEAK_SUSPECT)
		s->sum.leaks_suspected++;
	if (a == DM_LEAK_CONFIRM)
		s->sum.leaks_confirmed++;
	pthread_mutex_unlock(&s->mon_mu);
	switch (a) {
	case DM_LEAK_SUSPECT:
		emit_leak(s, DM_EV_LEAK_SUSPECTED, smp, &info, NULL);
		/* the rule's test is what reclamation gets back: only of
		 * ourselves (reclaiming ddexmon says nothing of another process) */
		if (s->opts.watch_pid <= 0)
			reclaim(s, "leak suspected");
		break;
	case DM_LEAK_CONFIRM:
		emit_leak(s, DM_EV_LEAK_CONFIRMED, smp, &info, NULL);
		break;
	case DM_LEAK_CLEAR:
		emit_leak(s, DM_EV_LEAK_CLEARED, smp, &info, NULL);
		break;
	default:
		break;
	}
}

static const enum dm_event_type change_event[] = {
	[DM_DETECT_LEAK_SUSPECTED] = DM_EV_LEAK_SUSPECTED,
	[DM_DETECT_LEAK_CONFIRMED] = DM_EV_LEAK_CONFIRMED,
	[DM_DETECT_LEAK_UPDATED] = DM_EV_LEAK_UPDATED,
	[DM_DETECT_LEAK_STOPPED] = DM_EV_LEAK_STOPPED,
	[DM_DETECT_GROWTH_BOUNDED] = DM_EV_GROWTH_BOUNDED,
	[DM_DETECT_EXHAUSTION_PROJECTED] = DM_EV_EXHAUSTION_PROJECTED,
	[DM_DETECT_EXHAUSTION_CLEARED] = DM_EV_EXHAUSTION_CLEARED,
};

static const enum dm_leak_state detect_state[] = {
	[DM_DETECT_WATCHING] = DM_LEAK_WATCHING,
	[DM_DETECT_SUSPECTED] = DM_LEAK_SUSPECTED,
	[DM_DETECT_CONFIRMED] = DM_LEAK_CONFIRMED,
	[DM_DETECT_STOPPED] = DM_LEAK_STOPPED,
};

/* The multiscale detector's standing, in the shape every consumer of the
 * leak state reads (growth and span: of the fit behind the state). */
static void info_from_status(const struct dm_detect_status *st, const struct dm_leak_info *was,
                             struct dm_leak_info *out)
{
	*out = *was;
	out->state = detect_state[st->state];
	out->snapshots = st->samples;
	out->growth = st->growth;
	out->recent_growth = out->growth;
	out->span = st->window;
	out->rate = st->rate;
	out->reclaimed = 0;
}

static void multiscale_step(struct dm_session *s, const struct dm_config *c,
                            const struct dm_sample *smp)
{
	struct dm_detect_change ch[DM_DETECT_MAX_CHANGES];
	size_t n = dm_detect_feed(s->detect, smp->t, smp->rss, detect_limit(s, c, smp), ch,
	                          DM_DETECT_MAX_CHANGES);
	struct dm_detect_status st;
	dm_detect_status(s->detect, &st);
	struct dm_leak_info info;
	pthread_mutex_lock(&s->mon_mu);
	for (size_t i = 0; i < n; i++) {
		if (ch[i].kind == DM_DETECT_LEAK_SUSPECTED)
			s->sum.leaks_suspected++;
		if (ch[i].kind == DM_DETECT_LEAK_CONFIRMED) {
			s->sum.leaks_confirmed++;
			s->leak_info.confirmed_at = ch[i].t;
		}
		if (ch[i].kind == DM_DETECT_LEAK_SUSPECTED)
			s->leak_info.suspected_at = ch[i].t;
	}
	info_from_status(&st, &s->leak_info, &info);
	s->leak_info = info;
	s->detect_status = st;
	pthread_mutex_unlock(&s->mon_mu);
	for (size_t i = 0; i < n; i++)
		emit_leak(s, change_event[ch[i].kind], smp, &info, &ch[i]);
}

static void leak_step(struct dm_session *s, const struct dm_config *c, const struct dm_sample *smp)
{
	if (s->detect)
		multiscale_step(s, c, smp);
	else
		seed_step(s, smp);
}

static int make_detector(struct dm_session *s, const struct dm_config *c)
{
	if (dm_detect_selected(c)) {
		struct dm_detect_cfg dc;
		dm_detect_cfg_from(&dc, c);
		struct dm_detect *d = dm_detect_new(&dc, s->root);
		if (!d)
			return DM_ENOMEM;
		dm_detect_free(s->detect);
		dm_leak_free(s->leak);
		s->detect = d;
		s->leak = NULL;
		return 0;
	}
	struct dm_leak_cfg lc = {
		.interval = (double)c->leak_interval_ms / 1000.0,
		.window = (double)c->leak_window_ms / 1000.0,
		.threshold = c->leak_threshold,
	};
	struct dm_leak *l = dm_leak_new(&lc, s->root);
	if (!l)
		return DM_ENOMEM;
	dm_leak_free(s->leak);
	dm_detect_free(s->detect);
	s->leak = l;
	s->detect = NULL;
	return 0;
}

/* A new detector starts from nothing: say so to the readers. */
static void publish_fresh(struct dm_session *s)
{
	struct dm_leak_info info = {.suspected_at = -1, .confirmed_at = -1};
	if (s->leak)
		dm_leak_info(s->leak, &info);
	pthread_mutex_lock(&s->mon_mu);
	s->leak_info = info;
	if (s->detect)
		dm_detect_status(s->detect, &s->detect_status);
	pthread_mutex_unlock(&s->mon_mu);
}

static int same_detector(const struct dm_config *a, const struct dm_config *b)
{
	return strcmp(a->leak_detector, b->leak_detector) == 0 &&
	       a->leak_interval_ms == b->leak_interval_ms && a->leak_window_ms == b->leak_window_ms &&
	       a->leak_threshold == b->leak_threshold && a->leak_min_duration_ms == b->leak_min_duration_ms &&
	       a->leak_min_rate == b->leak_min_rate && a->leak_min_growth == b->leak_min_growth &&
	       a->exhaustion_horizon_ms == b->exhaustion_horizon_ms;
}

/* A new configuration reaches the monitor: the sampling interval and the
 * trend window from the next sample (the caller re-times the sleep), the
 * thresholds at the next tick (they are read from the snapshot there),
 * and a changed leak setting restarts the detector with it: its
 * snapshots were taken at the old interval. Monitor thread only. */
static void apply_config(struct dm_session *s, const struct cfg_snap *snap)
{
	const struct dm_config *c = &snap->cfg;
	const struct dm_config *o = NULL;
	for (const struct cfg_snap *p = snap->older; p; p = p->older)
		if (p->gen == s->applied_gen) {
			o = &p->cfg;
			break;
		}
	s->applied_gen = snap->gen;
	if (o && same_detector(o, c))
		return;
	if (make_detector(s, c) != 0) {
		struct dm_event note = {.type = DM_EV_NOTE,
		                        .u.note.text = "out of memory restarting the leak detector: old settings kept"};
		dm_session_emit(s, &note);
		return;
	}
	publish_fresh(s);
}

/* One tick: sample, trend, thresholds, leak detection. Returns 0, or 1
 * when the watched process has gone. */
static int tick(struct dm_session *s, struct dm_sampler *smp, double *last_t)
{
	const struct dm_config *c = &dm_session_snap(s)->cfg;
	struct dm_sample x;
	struct dm_error err;
	double now = dm_session_now(s);
	if (s->opts.watch_pid <= 0)
		leak_some(s, now - *last_t);
	*last_t = now;
	if (dm_sampler_read(smp, now, &x, &err) != 0)
		return 1;
	struct dm_trend tr;
	pthread_mutex_lock(&s->mon_mu);
	dm_ring_push(&s->ring, &x);
	fit_trend(s, c, &tr);
	s->trend = tr;
	s->last = x;
	s->used_pct = x.mem_used_pct;
	if (x.rss_peak > s->sum.rss_peak)
		s->sum.rss_peak = x.rss_peak;
	char req[32];
	snprintf(req, sizeof req, "%s", s->reclaim_req);
	s->reclaim_req[0] = '\0';
	double since = now - s->last_reclaim_t;
	pthread_mutex_unlock(&s->mon_mu);
	emit_sample_event(s, DM_EV_SAMPLE, &x, &tr);

	if (req[0])
		reclaim(s, req);
	if (s->opts.watch_pid <= 0) {
		uint64_t budget = c->max_memory;
		uint64_t live = dm_acct_live(s->parse);
		double flush = c->flush_threshold * (double)budget;
		int low_sys = x.mem_total && x.mem_available < x.mem_total / 20;
		if (budget && (double)live > flush && since >= 1.0) {
			reclaim(s, "flush threshold");
			live = dm_acct_live(s->parse);
			if ((double)live > flush && !atomic_load(&s->pressure))
				set_pressure(s, 1);
		}
		if (low_sys && !atomic_load(&s->pressure) && since >= 1.0) {
			reclaim(s, "system memory pressure");
			set_pressure(s, 1);
		}
		if (atomic_load(&s->pressure) && !low_sys && (double)live < flush / 2)
			set_pressure(s, 0);
	}
	leak_step(s, c, &x);
	return 0;
}

static void *sampler_main(void *arg)
{
	struct dm_session *s = arg;
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_sampler *smp = dm_sampler_new(s->opts.watch_pid > 0 ? s->opts.watch_pid : 0,
	                                        s->opts.watch_pid > 0 ? NULL : s->root, &err);
	int rc = smp ? 0 : (err.code ? err.code : DM_EIO);
	if (smp && s->opts.watch_tree)
		dm_sampler_set_tree(smp, 1);
	uint64_t total = 0, avail = 0;
	if (!rc && s->opts.watch_pid <= 0 && !s->opts.force && dm_sysmem(&total, &avail) == 0 &&
	    avail < dm_session_snap(s)->cfg.max_memory) {
		char need[32], have[32];
		dm_format_size(dm_session_snap(s)->cfg.max_memory, need, sizeof need);
		dm_format_size(avail, have, sizeof have);
		dm_error_set(&err, DM_ESYSMEM,
		             "insufficient memory available: need %s, available %s "
		             "(set max_memory lower, or --force to start anyway)",
		             need, have);
		rc = DM_ESYSMEM;
	}
	struct dm_sample first;
	if (!rc && dm_sampler_read(smp, dm_session_now(s), &first, &err) != 0)
		rc = err.code ? err.code : DM_EIO;
	pthread_mutex_lock(&s->mon_mu);
	s->sampler_rc = rc;
	s->sampler_err = err;
	s->sampler_ready = 1;
	if (!rc) {
		dm_ring_push(&s->ring, &first);
		s->last = first;
		s->used_pct = first.mem_used_pct;
		s->sum.rss_start = first.rss;
		s->sum.rss_peak = first.rss_peak;
	}
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);
	if (rc) {
		dm_sampler_free(smp);
		return NULL;
	}

	double interval = (double)dm_session_snap(s)->cfg.sample_interval_ms / 1000.0;
	double last_t = dm_session_now(s), next = last_t + interval;
	int gone = 0;
	pthread_mutex_lock(&s->mon_mu);
	while (!s->sampler_quit) {
		const struct cfg_snap *snap = dm_session_snap(s);
		if (snap->gen != s->applied_gen) {
			pthread_mutex_unlock(&s->mon_mu);
			double was = interval;
			apply_config(s, snap);
			interval = (double)snap->cfg.sample_interval_ms / 1000.0;
			next += interval - was;
			pthread_mutex_lock(&s->mon_mu);
			continue;
		}
		/* sleep until the next tick, or a reclamation request, a new
		 * configuration, or quit */
		double wait = next - dm_session_now(s);
		if (wait > 0 && !s->reclaim_req[0]) {
			dm_cond_wait_s(&s->mon_cv, &s->mon_mu, wait);
			continue;
		}
		if (s->reclaim_req[0] && wait > 0) {
			char req[32];
			snprintf(req, sizeof req, "%s", s->reclaim_req);
			s->reclaim_req[0] = '\0';
			pthread_mutex_unlock(&s->mon_mu);
			reclaim(s, req);
			pthread_mutex_lock(&s->mon_mu);
			continue;
		}
		pthread_mutex_unlock(&s->mon_mu);
		gone = tick(s, smp, &last_t);
		next += interval;
		if (next < dm_session_now(s))
			next = dm_session_now(s) + interval;
		pthread_mutex_lock(&s->mon_mu);
		if (gone) {
			s->watched_gone = 1;
			pthread_cond_broadcast(&s->mon_cv);
			break;
		}
	}
	pthread_mutex_unlock(&s->mon_mu);
	/* one last sample for the status line */
	struct dm_sample x;
	if (!gone && dm_sampler_read(smp, dm_session_now(s), &x, &err) == 0) {
		pthread_mutex_lock(&s->mon_mu);
		s->last = x;
		if (x.rss_peak > s->sum.rss_peak)
			s->sum.rss_peak = x.rss_peak;
		pthread_mutex_unlock(&s->mon_mu);
	}
	dm_sampler_free(smp);
	return NULL;
}

int dm_monitor_start(struct dm_session *s, struct dm_error *err)
{
	const struct cfg_snap *snap = dm_session_snap(s);
	const struct dm_config *c = &snap->cfg;
	size_t cap = (size_t)(c->trend_window_ms / (c->sample_interval_ms ? c->sample_interval_ms : 100));
	if (cap < 600)
		cap = 600;   /* a minute at 100 ms for the chart, whatever the window */
	if (dm_ring_init(&s->ring, s->root, cap) != 0) {
		dm_error_set(err, DM_ENOMEM, "out of memory for the sample ring");
		return DM_ENOMEM;
	}
	s->applied_gen = snap->gen;
	if (make_detector(s, c) != 0) {
		dm_error_set(err, DM_ENOMEM, "out of memory for the leak detector");
		return DM_ENOMEM;
	}
	publish_fresh(s);
	s->sum.start_wall = (double)s->wall0 / 1000.0;
	s->last_reclaim_t = -1e9;
	if (pthread_create(&s->sampler_th, NULL, sampler_main, s) != 0) {
		dm_error_set(err, DM_ENOMEM, "cannot start the sampler thread: %s", strerror(errno));
		return DM_ENOMEM;
	}
	s->sampler_started = 1;
	pthread_mutex_lock(&s->mon_mu);
	while (!s->sampler_ready)
		pthread_cond_wait(&s->mon_cv, &s->mon_mu);
	int rc = s->sampler_rc;
	if (rc)
		*err = s->sampler_err;
	pthread_mutex_unlock(&s->mon_mu);
	if (rc) {
		pthread_join(s->sampler_th, NULL);
		s->sampler_started = 0;
	}
	return rc;
}

void dm_monitor_stop(struct dm_session *s)
{
	if (!s->sampler_started)
		return;
	pthread_mutex_lock(&s->mon_mu);
	s->sampler_quit = 1;
	pthread_cond_broadcast(&s->mon_cv);
	pthread_mutex_unlock(&s->mon_mu);
	pthread_join(s->sampler_th, NULL);
	s->sampler_started = 0;

	struct dm_session_summary sum;
	dm_session_summary(s, &sum);
	pthread_mutex_lock(&s->mon_mu);
	struct dm_sample last = s->last;
	struct dm_trend tr = s->trend;
	pthread_mutex_unlock(&s->mon_mu);
	struct dm_event ev = {.type = DM_EV_SUMMARY, .u.summary = &sum};
	if (s->opts.watch_pid <= 0)
		dm_session_emit(s, &ev);
	struct dm_event st = {.type = DM_EV_STATUS, .u.status = {&last, &tr, &sum}};
	dm_session_emit(s, &st);
}

void dm_session_summary(struct dm_session *s, struct dm_session_summary *out)
{
	pthread_mutex_lock(&s->mon_mu);
	*out = s->sum;
	uint64_t rss_end = s->last.rss;
	pthread_mutex_unlock(&s->mon_mu);
	out->end_wall = (double)dm_wall_ms() / 1000.0;
	out->seconds = dm_session_now(s);
	out->rss_end = rss_end;
	struct dm_acct_stats st;
	dm_acct_stats(s->parse, &st);
	out->acct_peak = st.peak;
	out->mallocs = 0;
	for (int t = 0; t < DM_TAG_COUNT; t++)
		if (t != DM_TAG_LEAK)
			out->mallocs += st.tag[t].allocs;
	pthread_mutex_lock(&s->mu);
	out->files = s->nfiles;
	out->files_ok = out->files_failed = 0;
	out->bytes = out->records_total = 0;
	memset(out->records, 0, sizeof out->records);
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct dm_file_info *f = &s->files[i]->info;
		if (f->state == DM_FILE_DONE || f->state == DM_FILE_SKIPPED)
			out->files_ok++;
		else if (f->state == DM_FILE_FAILED)
			out->files_failed++;
		out->bytes += f->bytes;
		for (int t = 0; t < DM_REC_TYPES; t++)
			out->records[t] += f->records[t];
		out->records_total += f->records_total;
	}
	out->exit_code = s->exit_code;
	pthread_mutex_unlock(&s->mu);
}

void dm_session_leak(struct dm_session *s, struct dm_leak_info *out)
{
	pthread_mutex_lock(&s->mon_mu);
	*out = s->leak_info;
	pthread_mutex_unlock(&s->mon_mu);
}

int dm_session_export_csv(struct dm_session *s, const char *path)
{
	struct dm_buf b;
	dm_buf_init(&b, s->root, DM_TAG_OUTPUT);
	dm_sample_csv_header(&b);
	pthread_mutex_lock(&s->mon_mu);
	for (size_t i = 0; i < s->ring.n; i++)
		dm_sample_csv_row(dm_ring_at(&s->ring, i), &b);
	pthread_mutex_unlock(&s->mon_mu);
	int rc = b.failed ? DM_ENOMEM : dm_write_atomic(path, b.data, b.len, NULL);
	dm_buf_fini(&b);
	return rc;
}

/* ---- heap reports ----------------------------------------------------- */

static void smaps_rollup(struct dm_buf *b, pid_t pid)
{
	char path[64];
	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
	else
		snprintf(path, sizeof path, "/proc/self/smaps_rollup");
	FILE *f = fopen(path, "re");
	dm_buf_puts(b, "{");
	if (f) {
		char line[256];
		int first = 1;
		while (fgets(line, sizeof line, f)) {
			char key[64];
			unsigned long long kb;
			if (sscanf(line, "%63[^:]: %llu kB", key, &kb) == 2)
				dm_json_u64(b, key, kb * 1024, &first);
		}
		fclose(f);
	}
	dm_buf_puts(b, "}");
}

int dm_monitor_heap_report(struct dm_session *s, const char *reason, char *out, size_t outlen,
                           struct dm_error *err)
{
	/* one snapshot for the whole report: a profile switch meanwhile
	 * cannot give it half of each directory */
	const struct dm_config *c = &dm_session_snap(s)->cfg;
	char stamp[32];
	int64_t now = dm_wall_ms();
	dm_stamp_time(now, stamp, sizeof stamp);
	char stem[48];
	snprintf(stem, sizeof stem, "heap-%s", stamp);

	struct dm_buf b;
	dm_buf_init(&b, s->root, DM_TAG_OUTPUT);
	int first = 1;
	char ts[32];
	dm_iso_time(now, ts, sizeof ts);
	dm_buf_putc(&b, '{');
	dm_json_str(&b, "type", "heap_report", &first);
	dm_json_str(&b, "reason", reason, &first);
	dm_json_str(&b, "timestamp", ts, &first);
	dm_json_str(&b, "version", PACKAGE_VERSION, &first);
	if (s->opts.watch_pid > 0) {
		/* another process: what the kernel says of it is all there is */
		dm_json_i64(&b, "pid", (int64_t)s->opts.watch_pid, &first);
		dm_json_i64(&b, "watched_by", (int64_t)getpid(), &first);
		goto kernel_view;
	}
	dm_json_i64(&b, "pid", (int64_t)getpid(), &first);

	struct dm_acct_stats st;
	dm_acct_stats(s->root, &st);
	dm_buf_json_key(&b, "accounted", &first);
	dm_buf_printf(&b, "{\"live\":%llu,\"peak\":%llu,\"budget\":%llu,\"budget_live\":%llu}",
	              (unsigned long long)st.live, (unsigned long long)st.peak,
	              (unsigned long long)c->max_memory,
	              (unsigned long long)dm_acct_live(s->parse));
	dm_buf_json_key(&b, "tags", &first);
	dm_buf_putc(&b, '{');
	int f = 1;
	for (int t = 0; t < DM_TAG_COUNT; t++) {
		dm_buf_json_key(&b, dm_tag_name((enum dm_tag)t), &f);
		dm_buf_printf(&b, "{\"live_bytes\":%llu,\"live_count\":%llu,\"peak_bytes\":%llu,"
		                  "\"allocs\":%llu,\"frees\":%llu}",
		              (unsigned long long)st.tag[t].live,
		              (unsigned long long)(st.tag[t].allocs - st.tag[t].frees),
		              (unsigned long long)st.tag[t].peak, (unsigned long long)st.tag[t].allocs,
		              (unsigned long long)st.tag[t].frees);
	}
	dm_buf_putc(&b, '}');

	struct dm_pool_stats ps[3];
	size_t np = dm_session_pools(s, ps, 3);
	dm_buf_json_key(&b, "pools", &first);
	dm_buf_putc(&b, '[');
	for (size_t i = 0; i < np; i++)
		dm_buf_printf(&b, "%s{\"name\":\"%s\",\"max_size\":%zu,\"idle\":%zu,\"in_use\":%zu,"
		                  "\"idle_bytes\":%llu,\"hits\":%llu,\"misses\":%llu,"
		                  "\"reclaimed_bytes\":%llu}",
		              i ? "," : "", ps[i].name, ps[i].max_size, ps[i].idle, ps[i].in_use,
		              (unsigned long long)ps[i].idle_bytes, (unsigned long long)ps[i].hits,
		              (unsigned long long)ps[i].misses, (unsigned long long)ps[i].reclaimed_bytes);
	dm_buf_putc(&b, ']');
#ifdef HAVE_MALLINFO2
	struct mallinfo2 mi = mallinfo2();
	dm_buf_json_key(&b, "mallinfo2", &first);
	dm_buf_printf(&b, "{\"arena\":%zu,\"ordblks\":%zu,\"hblks\":%zu,\"hblkhd\":%zu,"
	                  "\"uordblks\":%zu,\"fordblks\":%zu,\"keepcost\":%zu}",
	              mi.arena, mi.ordblks, mi.hblks, mi.hblkhd, mi.uordblks, mi.fordblks, mi.keepcost);
#endif
kernel_view:
	pthread_mutex_lock(&s->mon_mu);
	struct dm_leak_info li = s->leak_info;
	struct dm_sample last = s->last;
	pthread_mutex_unlock(&s->mon_mu);
	dm_buf_json_key(&b, "leak", &first);
	dm_buf_printf(&b, "{\"state\":\"%s\",\"growth\":%lld,\"rate\":", dm_leak_state_name(li.state),
	              (long long)li.growth);
	dm_buf_double(&b, li.rate);
	dm_buf_printf(&b, ",\"reclaimed\":%lld}", (long long)li.reclaimed);
	dm_json_u64(&b, "rss", last.rss, &first);
	dm_json_u64(&b, "rss_peak", last.rss_peak, &first);
	dm_buf_json_key(&b, "smaps_rollup", &first);
	smaps_rollup(&b, s->opts.watch_pid);
	dm_buf_puts(&b, "}\n");
	int rc;
	if (b.failed) {
		dm_error_set(err, DM_ENOMEM, "out of memory writing the heap report");
		rc = DM_ENOMEM;
	} else {
		rc = dm_report_write(c->report_dir, stem, "json", b.data, b.len, out, outlen, err);
	}
	dm_buf_fini(&b);
	return rc;
}
