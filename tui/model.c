/* The dashboard's model: events and snapshots in, plain figures out. */
#include "config.h"
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

struct dm_tui_model *dm_tui_model_new(void)
{
	struct dm_tui_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	struct dm_config cfg;
	dm_config_init(&cfg);
	snprintf(m->version, sizeof m->version, "%s", PACKAGE_VERSION);
	dm_tui_model_set_config(m, &cfg);
	m->trend.kind = DM_TREND_UNKNOWN;
	m->trend.to_budget = -1;
	m->suspected.t = m->confirmed.t = -1;
	m->sel = -1;
	m->long_bucket = 1.0;
	m->dirty = DM_TUI_P_ALL;
	return m;
}

void dm_tui_model_free(struct dm_tui_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	free(m);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

void dm_tui_model_set_config(struct dm_tui_model *m, const struct dm_config *c)
{
	/* compare first: the dashboard polls every frame and an unchanged
	 * header must not be redrawn */
	uint64_t budget = m->watch_pid > 0 ? 0 : c->max_memory;   /* ours, not the watched one's */
	if (strcmp(m->profile, c->name) == 0 && m->chunk_size == c->chunk_size &&
	    m->buffer_size == c->buffer_size && m->budget == budget &&
	    m->flush_threshold == c->flush_threshold && m->workers == (unsigned)c->max_concurrent)
		return;
	copy_str(m->profile, sizeof m->profile, c->name);
	m->chunk_size = c->chunk_size;
	m->buffer_size = c->buffer_size;
	m->budget = budget;
	m->flush_threshold = c->flush_threshold;
	m->workers = (unsigned)c->max_concurrent;
	m->dirty |= DM_TUI_P_HEADER | DM_TUI_P_MEM;
}

static struct dm_tui_file *file_slot(struct dm_tui_model *m, size_t i)
{
	if (i >= m->files_cap) {
		size_t cap = m->files_cap ? m->files_cap : 8;
		while (cap <= i)
			cap *= 2;
		struct dm_tui_file *f = realloc(m->files, cap * sizeof *f);
		if (!f)
			return NULL;
		memset(f + m->files_cap, 0, (cap - m->files_cap) * sizeof *f);
		m->files = f;
		m->files_cap = cap;
	}
	if (i >= m->nfiles) {
		m->nfiles = i + 1;
		m->dirty |= DM_TUI_P_ALL;    /* the layout may change */
	}
	return &m->files[i];
}

/* Throughput so far: over the seconds it has run (pauses left out). */
static double file_rate(const struct dm_file_info *f)
{
	/* a running file's first moments say little; a finished file's
	 * time is what it is, however short */
	double least = f->state == DM_FILE_RUNNING ? 0.05 : 1e-6;
	return f->seconds > least ? (double)f->bytes / f->seconds : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

/* The rate over the last ~2 s of the file's own seconds, from the
 * snapshots the dashboard took of it; -1 until there is a second of it. */
static void current_rate(struct dm_tui_file *d)
{
	if (d->state != DM_FILE_RUNNING) {
		d->now_rate = -1;
		return;
	}
	const struct dm_tui_ratesnap *last =
		d->win_n ? &d->win[(d->win_head + DM_TUI_RATEWIN - 1) % DM_TUI_RATEWIN] : NULL;
	if (!last || d->seconds - last->secs >= 0.25 || d->bytes < last->bytes) {
		if (last && d->bytes < last->bytes)
			d->win_n = 0;                /* a retry starts over */
		d->win[d->win_head] = (struct dm_tui_ratesnap){d->seconds, d->bytes};
		d->win_head = (d->win_head + 1) % DM_TUI_RATEWIN;
		if (d->win_n < DM_TUI_RATEWIN)
			d->win_n++;
	}
	const struct dm_tui_ratesnap *from = NULL;
	for (size_t k = d->win_n; k-- > 0;) {
		const struct dm_tui_ratesnap *p =
			&d->win[(d->win_head + DM_TUI_RATEWIN - d->win_n + k) % DM_TUI_RATEWIN];
		from = p;
		if (d->seconds - p->secs >= 2.0)
			break;
	}
	double dt = from ? d->seconds - from->secs : 0;
	d->now_rate = dt >= 0.9 ? (double)(d->bytes - from->bytes) / dt : -1;
}

/* Base names shared by two files: both are shown by their paths. */
static void mark_same_names(struct dm_tui_model *m, size_t i)
{
	for (size_t k = 0; k < m->nfiles; k++)
		if (k != i && m->files[k].name[0] && strcmp(m->files[k].name, m->files[i].name) == 0)
			m->files[k].same_name = m->files[i].same_name = 1;
}

/* Fill file i from info; name, path and error may be NULL (kept as they
 * are). */
static void update_file(struct dm_tui_model *m, size_t i, const struct dm_file_info *f,
                        const char *name, const char *path, const char *error)
{
	struct dm_tui_file *d = file_slot(m, i);
	if (!d)
		return;
	if (name && name[0]) {
		copy_str(d->name, sizeof d->name, name);
		mark_same_names(m, i);
	}
	if (path && path[0] && !d->path)
		d->path = strdup(path);
	if (error && error[0])
		copy_str(d->error, sizeof d->error, error);
	double rate = file_rate(f);
	if (d->state == f->state && d->bytes == f->bytes && d->records == f->records_total &&
	    d->size == f->size && d->retried == f->retried && d->rate == rate &&
	    d->seconds == f->seconds && !name)
		return;
	if (d->state != DM_FILE_RUNNING && f->state == DM_FILE_RUNNING) {
		d->chunk_first = m->chunk_size;
		d->buffer = m->buffer_size;
		d->win_n = 0;
	}
	if (f->state == DM_FILE_RUNNING)
		d->chunk_last = m->chunk_size;
	d->state = f->state;
	d->size = f->size;
	d->bytes = f->bytes;
	d->records = f->records_total;
	d->peak = f->peak;
	d->started = f->started;
	d->seconds = f->seconds;
	d->retried = f->retried;
	d->code = f->code;
	d->rate = rate;
	current_rate(d);
	m->dirty |= DM_TUI_P_FILES;
}

void dm_tui_model_set_file(struct dm_tui_model *m, size_t i, const struct dm_file_info *f)
{
	const char *name = NULL;
	if (i >= m->nfiles || !m->files[i].name[0])
		name = f->path ? base_name(f->path) : "";
	update_file(m, i, f, name, f->path, f->error);
}

/* What a failed file's row says: the message without the path in front
 * of it (the row names the file already), its position in words. */
char *dm_tui_file_reason(char *buf, size_t size, const struct dm_tui_file *f)
{
	const char *e = f->error;
	size_t n = f->path ? strlen(f->path) : 0, bn = strlen(f->name);
	if (n && strncmp(e, f->path, n) == 0 && e[n] == ':')
		e += n + 1;
	else if (bn && strncmp(e, f->name, bn) == 0 && e[bn] == ':')
		e += bn + 1;
	while (*e == ' ')
		e++;
	unsigned long line, col;
	int used = 0;
	if (sscanf(e, "%lu:%lu:%n", &line, &col, &used) == 2 && used > 0) {
		e += used;
		while (*e == ' ')
			e++;
		snprintf(buf, size, "line %lu col %lu: %s", line, col, e);
	} else {
		snprintf(buf, size, "%s", e[0] ? e : f->error[0] ? f->error : "error");
	}
	return buf;
}

const char *dm_tui_model_file_label(const struct dm_tui_file *f)
{
	return f->same_name && f->path ? f->path : f->name;
}

long dm_tui_model_current(const struct dm_tui_model *m)
{
	if (m->nfiles == 0)
		return -1;
	if (m->sel >= 0)
		return m->sel < (long)m->nfiles ? m->sel : (long)m->nfiles - 1;
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i].state == DM_FILE_RUNNING || m->files[i].state == DM_FILE_WAITING)
			return (long)i;
	return 0;
}

void dm_tui_model_set_pools(struct dm_tui_model *m, const struct dm_pool_stats *p, size_t n,
                            double t)
{
	if (n > DM_TUI_POOLS_MAX)
		n = DM_TUI_POOLS_MAX;
	/* rates over at least a second, so the figure does not flicker */
	int rate_due = t - m->pool_prev_t >= 1.0 || n != m->npools;
	for (size_t i = 0; i < n; i++) {
		struct dm_tui_pool *d = &m->pools[i];
		if (rate_due) {
			double dt = t - m->pool_prev_t;
			d->hit_rate = dt > 0 && n == m->npools && p[i].hits >= m->pool_prev_hits[i]
			                  ? (double)(p[i].hits - m->pool_prev_hits[i]) / dt : 0;
			m->pool_prev_hits[i] = p[i].hits;
		}
		struct dm_pool_stats st = p[i];
		st.name = NULL;
		if (memcmp(&st, &d->s, sizeof st) != 0)
			m->dirty |= DM_TUI_P_POOLS;
		copy_str(d->name, sizeof d->name, p[i].name);
		d->s = st;
	}
	if (rate_due)
		m->pool_prev_t = t;
	if (rate_due || n != m->npools)
		m->dirty |= DM_TUI_P_POOLS;
	m->npools = n;
}

void dm_tui_model_set_leak(struct dm_tui_model *m, const struct dm_leak_info *l)
{
	if (memcmp(&m->leak, l, sizeof *l) == 0)
		return;
	m->leak = *l;
	m->dirty |= DM_TUI_P_LEAKS;
}

/* The longer history: one point a bucket holding its peaks; when full,
 * pairs merge and the buckets double, so memory stays bounded however
 * long the run. */
static void long_add(struct dm_tui_model *m, const struct dm_tui_point *p)
{
	struct dm_tui_point *last = m->long_n ? &m->longh[m->long_n - 1] : NULL;
	if (last && (long)(p->t / m->long_bucket) == (long)(last->t / m->long_bucket)) {
		last->t = p->t;
		last->rss = p->rss > last->rss ? p->rss : last->rss;
		last->live = p->live > last->live ? p->live : last->live;
		last->bytes = p->bytes;
		return;
	}
	if (m->long_n == DM_TUI_LONG) {
		for (size_t i = 0; i < DM_TUI_LONG / 2; i++) {
			const struct dm_tui_point *a = &m->longh[2 * i], *b = &m->longh[2 * i + 1];
			m->longh[i] = (struct dm_tui_point){b->t, a->rss > b->rss ? a->rss : b->rss,
			                                    a->live > b->live ? a->live : b->live, b->bytes};
		}
		m->long_n = DM_TUI_LONG / 2;
		m->long_bucket *= 2;
	}
	m->longh[m->long_n++] = *p;
}

size_t dm_tui_model_series(const struct dm_tui_model *m, double t0, struct dm_tui_point *out,
                           size_t max)
{
	size_t n = 0;
	const struct dm_tui_point *oldest = dm_tui_model_point(m, 0);
	int recent = oldest && (oldest->t <= t0 || m->hist_n < DM_TUI_HIST);
	size_t count = recent ? m->hist_n : m->long_n;
	for (size_t i = 0; i < count; i++) {
		const struct dm_tui_point *p = recent ? dm_tui_model_point(m, i) : &m->longh[i];
		if (p->t < t0)
			continue;
		if (n == max)
			break;
		out[n++] = *p;
	}
	return n;
}

double dm_tui_zoom_span(enum dm_tui_zoom z)
{
	return z == DM_TUI_ZOOM_1M ? 60 : z == DM_TUI_ZOOM_10M ? 600 : 0;
}

const char *dm_tui_zoom_name(enum dm_tui_zoom z)
{
	return z == DM_TUI_ZOOM_1M ? "1m" : z == DM_TUI_ZOOM_10M ? "10m" : "all";
}

void dm_tui_model_sample(struct dm_tui_model *m, const struct dm_sample *s,
                         const struct dm_trend *tr)
{
	struct dm_tui_point *p = &m->hist[m->hist_head];
	p->t = s->t;
	p->rss = s->rss;
	p->live = s->acct.live;
	uint64_t total = 0;
	for (size_t i = 0; i < m->nfiles; i++)
		total += m->files[i].bytes;
	/* files done and gone from the list still count: never go back */
	if (total > m->bytes_total)
		m->bytes_total = total;
	p->bytes = m->bytes_total;
	m->hist_head = (m->hist_head + 1) % DM_TUI_HIST;
	if (m->hist_n < DM_TUI_HIST)
		m->hist_n++;
	long_add(m, p);

	m->have_sample = 1;
	m->rss = s->rss;
	m->rss_anon = s->rss_anon;
	m->rss_file = s->rss_file;
	m->rss_shmem = s->rss_shmem;
	m->children = s->children_total;
	if (s->rss_peak > m->rss_peak)
		m->rss_peak = s->rss_peak;
	if (s->rss > m->rss_peak)
		m->rss_peak = s->rss;
	m->live = s->acct.live;
	m->live_peak = s->acct.peak > m->live_peak ? s->acct.peak : m->live_peak;
	m->heap_inuse = s->heap_inuse;
	m->mem_total = s->mem_total;
	m->mem_available = s->mem_available;
	m->mem_used_pct = s->mem_used_pct;
	if (tr)
		m->trend = *tr;

	m->acct = s->acct;
	double dt = s->t - m->acct_prev_t;
	if (dt >= 1.0 || m->acct_prev_t == 0) {
		for (int k = 0; k < DM_TAG_COUNT; k++) {
			const struct dm_acct_tag_stats *a = &s->acct.tag[k], *b = &m->acct_prev.tag[k];
			m->allocs_rate[k] = dt > 0 && a->allocs >= b->allocs && m->acct_prev_t > 0
			                        ? (double)(a->allocs - b->allocs) / dt : 0;
			m->frees_rate[k] = dt > 0 && a->frees >= b->frees && m->acct_prev_t > 0
			                       ? (double)(a->frees - b->frees) / dt : 0;
		}
		m->acct_prev = s->acct;
		m->acct_prev_t = s->t > 0 ? s->t : 1e-9;
	}
	if (s->t > m->now)
		dm_tui_model_tick(m, s->t);
	m->dirty |= DM_TUI_P_MEM | DM_TUI_P_ALLOC;
}

void dm_tui_model_tick(struct dm_tui_model *m, double now)
{
	if ((long)now != (long)m->now && !m->have_elapsed)
		m->dirty |= DM_TUI_P_HEADER;
	m->now = now;
}

void dm_tui_model_set_elapsed(struct dm_tui_model *m, double elapsed)
{
	if (!m->have_elapsed || (long)elapsed != (long)m->elapsed)
		m->dirty |= DM_TUI_P_HEADER;
	m->elapsed = elapsed;
	m->have_elapsed = 1;
}

static void vlog(struct dm_tui_model *m, double t, enum dm_tui_level level, const char *fmt,
                 va_list ap)
{
	struct dm_tui_logline *l = &m->log[m->log_head];
	/* stamped on the header's clock (pauses left out), so the two agree;
	 * the session's own clock when the dashboard gives none */
	l->t = m->have_elapsed ? m->elapsed : t;
	l->level = level;
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	m->log_head = (m->log_head + 1) % DM_TUI_LOGN;
	if (m->log_n < DM_TUI_LOGN)
		m->log_n++;
	if (m->log_back)
		m->log_back++;     /* scrolled back: the lines shown stay put */
	m->dirty |= DM_TUI_P_LOG;
}

const char *dm_tui_model_arrow(const struct dm_tui_model *m)
{
	return m->utf8 ? "\xe2\x86\x92" : "->";
}

void dm_tui_model_log(struct dm_tui_model *m, enum dm_tui_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(m, m->now, level, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5)))
static void log_at(struct dm_tui_model *m, double t, enum dm_tui_level level, const char *fmt,
                   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(m, t, level, fmt, ap);
	va_end(ap);
}

const struct dm_tui_point *dm_tui_model_point(const struct dm_tui_model *m, size_t i)
{
	if (i >= m->hist_n)
		return NULL;
	return &m->hist[(m->hist_head + DM_TUI_HIST - m->hist_n + i) % DM_TUI_HIST];
}

const struct dm_tui_mark *dm_tui_model_mark(const struct dm_tui_model *m, size_t i)
{
	if (i >= m->marks_n)
		return NULL;
	return &m->marks[(m->marks_head + DM_TUI_MARKS - m->marks_n + i) % DM_TUI_MARKS];
}

const struct dm_tui_logline *dm_tui_model_logline(const struct dm_tui_model *m, size_t i)
{
	if (i >= m->log_n)
		return NULL;
	return &m->log[(m->log_head + DM_TUI_LOGN - m->log_n + i) % DM_TUI_LOGN];
}

size_t dm_tui_model_active(const struct dm_tui_model *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i].state == DM_FILE_QUEUED || m->files[i].state == DM_FILE_WAITING ||
		    m->files[i].state == DM_FILE_RUNNING)
			n++;
	return n;
}

static void add_mark(struct dm_tui_model *m, double t, enum dm_tui_mark_kind kind,
                     uint64_t freed, const char *label)
{
	struct dm_tui_mark *mk = &m->marks[m->marks_head];
	mk->t = t;
	mk->kind = kind;
	mk->freed = freed;
	copy_str(mk->label, sizeof mk->label, label);
	m->marks_head = (m->marks_head + 1) % DM_TUI_MARKS;
	if (m->marks_n < DM_TUI_MARKS)
		m->marks_n++;
	m->dirty |= DM_TUI_P_MEM;
}

/* Chunk, buffer and profile changes go on the time axis: what they do
 * to the throughput shows right after the mark. */
static void apply_setting(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	static const struct { const char *key, *word; } marked[] = {
		{"chunk_size", "chunk"}, {"buffer_size", "buffer"}, {"profile", "P"},
	};
	if (strcmp(ev->text, "paused") == 0 && strcmp(ev->text2, "true") == 0)
		add_mark(m, ev->t, DM_TUI_MARK_SETTING, 0, "paused");
	for (size_t i = 0; i < sizeof marked / sizeof marked[0]; i++)
		if (strcmp(ev->text, marked[i].key) == 0) {
			char label[24];
			snprintf(label, sizeof label, "%s %.16s", marked[i].word, ev->text2);
			add_mark(m, ev->t, DM_TUI_MARK_SETTING, 0, label);
		}
	/* a leak started or stopped other than by L (the demo's story): the
	 * header says so, and L then toggles what is really on */
	uint64_t rate;
	if (strcmp(ev->text, "leak_rate") == 0 && dm_parse_size(ev->text2, &rate) == 0) {
		m->leak_rate = rate;
		m->dirty |= DM_TUI_P_LEAKS;
	}
	m->dirty |= DM_TUI_P_HEADER;
}

static void apply_reclaim(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	const struct dm_reclaim_info *r = &ev->reclaim;
	uint64_t drop = r->rss_before > r->rss_after ? r->rss_before - r->rss_after : 0;
	/* what the pools gave back, as the pools panel says; the RSS drop
	 * when they had nothing (a trim alone) */
	add_mark(m, ev->t, DM_TUI_MARK_RECLAIM, r->pool_bytes ? r->pool_bytes : drop, NULL);
	m->have_reclaim = 1;
	m->reclaim_t = ev->t;
	copy_str(m->reclaim_reason, sizeof m->reclaim_reason, ev->text2);
	m->reclaim_pool_bytes = r->pool_bytes;
	m->reclaim_rss_before = r->rss_before;
	m->reclaim_rss_after = r->rss_after;
	m->reclamations++;
	char freed[16], before[16], after[16];
	log_at(m, ev->t, DM_TUI_INFO, "reclamation (%s): pools %s, RSS %s %s %s", ev->text2,
	       dm_tui_delta(freed, sizeof freed, -(int64_t)r->pool_bytes, m->utf8),
	       dm_tui_size(before, sizeof before, r->rss_before), dm_tui_model_arrow(m),
	       dm_tui_size(after, sizeof after, r->rss_after));
	m->dirty |= DM_TUI_P_MEM | DM_TUI_P_POOLS;
}

static void apply_change(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	const struct dm_detect_change *c = &ev->change;
	char g[16], rate[32], span[16], left[16], lim[16];
	int64_t growth = c->growth;
	struct dm_tui_leakmark k = {1, ev->t, growth, c->window, c->rate, 0};
	m->multiscale = 1;
	dm_tui_delta(g, sizeof g, growth, m->utf8);
	dm_tui_rate(rate, sizeof rate, c->rate);
	dm_tui_secs(span, sizeof span, c->window, m->utf8);
	switch (ev->type) {
	case DM_EV_LEAK_SUSPECTED:
		m->suspected = k;
		log_at(m, ev->t, DM_TUI_WARN, "growth suspected: floor %s (%s)", g, rate);
		break;
	case DM_EV_LEAK_CONFIRMED:
		m->confirmed = k;
		m->stopped.have = 0;
		if (ev->text[0])
			copy_str(m->report_path, sizeof m->report_path, ev->text);
		log_at(m, ev->t, DM_TUI_ERROR, "LEAK CONFIRMED: floor %s in %s (%s)", g, span, rate);
		if (ev->text[0])
			log_at(m, ev->t, DM_TUI_INFO, "heap report: %s", ev->text);
		break;
	case DM_EV_LEAK_UPDATED:
		m->confirmed.rate = c->rate;
		m->confirmed.growth = growth;
		m->stopped.have = 0;
		log_at(m, ev->t, DM_TUI_ERROR, "leak rate now %s", rate);
		break;
	case DM_EV_LEAK_STOPPED:
		m->stopped = k;
		m->plateau = c->plateau;
		log_at(m, ev->t, DM_TUI_WARN, "leak stopped at %s",
		       dm_tui_size(lim, sizeof lim, c->plateau));
		break;
	case DM_EV_GROWTH_BOUNDED:
		m->bounded = k;
		m->plateau = c->plateau;
		log_at(m, ev->t, DM_TUI_INFO, "growth bounded: plateau %s (%s)",
		       dm_tui_size(lim, sizeof lim, c->plateau), g);
		break;
	case DM_EV_EXHAUSTION_PROJECTED:
		m->exhaustion = 1;
		m->time_left = c->time_left;
		m->exhaustion_rate = c->rate;
		m->exhaustion_limit = c->limit;
		log_at(m, ev->t, DM_TUI_ERROR, "limit %s reached in %s at %s",
		       dm_tui_size(lim, sizeof lim, c->limit),
		       dm_tui_secs(left, sizeof left, c->time_left, m->utf8), rate);
		break;
	case DM_EV_EXHAUSTION_CLEARED:
		m->exhaustion = 0;
		log_at(m, ev->t, DM_TUI_INFO, "exhaustion projection cleared");
		break;
	default:
		break;
	}
}

static void apply_leak(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	char g[16], rate[32], span[16];
	const struct dm_leak_info *l = &ev->leak;
	m->leak = *l;
	if (ev->has_change) {
		apply_change(m, ev);
		m->dirty |= DM_TUI_P_LEAKS;
		return;
	}
	dm_tui_delta(g, sizeof g, l->growth, m->utf8);
	dm_tui_rate(rate, sizeof rate, l->rate);
	dm_tui_secs(span, sizeof span, l->span, m->utf8);
	if (ev->type == DM_EV_LEAK_SUSPECTED) {
		m->suspected = (struct dm_tui_leakmark){1, ev->t, l->growth, l->span, l->rate, 0};
		log_at(m, ev->t, DM_TUI_WARN, "leak suspected: %s in %s (%s)", g, span, rate);
	} else if (ev->type == DM_EV_LEAK_CONFIRMED) {
		m->confirmed = (struct dm_tui_leakmark){1, ev->t, l->growth, l->span, l->rate,
		                                        l->reclaimed};
		if (ev->text[0])
			copy_str(m->report_path, sizeof m->report_path, ev->text);
		log_at(m, ev->t, DM_TUI_ERROR, "LEAK CONFIRMED: %s in %s (%s)", g, span, rate);
		if (ev->text[0])
			log_at(m, ev->t, DM_TUI_INFO, "heap report: %s", ev->text);
	} else {
		log_at(m, ev->t, DM_TUI_INFO, "leak suspicion cleared");
	}
	m->dirty |= DM_TUI_P_LEAKS;
}

static void apply_file(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	const struct dm_file_info *f = &ev->file;
	char n1[32], n2[32], n3[32], why[DM_TUI_TEXT_MAX + 32];
	if (f->index < 0)
		return;
	update_file(m, (size_t)f->index, f, ev->name, NULL,
	            ev->type == DM_EV_FILE_DONE || ev->type == DM_EV_ERROR ? ev->text : NULL);
	switch (ev->type) {
	case DM_EV_FILE_START:
		log_at(m, ev->t, DM_TUI_INFO, "%s started", ev->name);
		break;
	case DM_EV_WAITING:
		log_at(m, ev->t, DM_TUI_WARN, "%s waiting for memory", ev->name);
		break;
	case DM_EV_RETRY:
		log_at(m, ev->t, DM_TUI_WARN, "%s: retry with half the chunk size", ev->name);
		break;
	case DM_EV_FILE_DONE:
		if (f->state == DM_FILE_DONE)
			log_at(m, ev->t, DM_TUI_INFO, "%s done: %s records in %s (%s)", ev->name,
			       dm_tui_count(n1, sizeof n1, f->records_total),
			       dm_tui_secs(n2, sizeof n2, f->seconds, m->utf8),
			       dm_tui_rate(n3, sizeof n3, file_rate(f)));
		else if (f->state == DM_FILE_SKIPPED)
			log_at(m, ev->t, DM_TUI_WARN, "%s skipped", ev->name);
		else if (f->index >= 0 && (size_t)f->index < m->nfiles)
			log_at(m, ev->t, DM_TUI_ERROR, "%s failed: %s", ev->name,
			       dm_tui_file_reason(why, sizeof why, &m->files[f->index]));
		else
			log_at(m, ev->t, DM_TUI_ERROR, "%s failed: %s", ev->name, ev->text);
		break;
	case DM_EV_ERROR:
		/* an error that fails the file is logged once, by its FILE_DONE;
		 * a record's error (the file goes on) only here */
		if (!ev->on)
			log_at(m, ev->t, DM_TUI_WARN, "%s", ev->text);
		break;
	default:
		break;
	}
}

void dm_tui_model_apply(struct dm_tui_model *m, const struct dm_tui_event *ev)
{
	if (ev->t > m->now)
		dm_tui_model_tick(m, ev->t);
	if (ev->has_file && ev->type != DM_EV_SUMMARY)
		apply_file(m, ev);
	switch (ev->type) {
	case DM_EV_START:
		if (m->state == DM_TUI_READY)
			m->state = DM_TUI_RUNNING;
		m->workers_running = ev->workers;
		log_at(m, ev->t, DM_TUI_INFO, "run started");
		m->dirty |= DM_TUI_P_HEADER;
		break;
	case DM_EV_SAMPLE:
	case DM_EV_STATUS:
		if (ev->has_sample)
			dm_tui_model_sample(m, &ev->sample, ev->has_trend ? &ev->trend : NULL);
		if (ev->type == DM_EV_STATUS && m->watch_pid > 0 && !m->watch_exited) {
			/* watching ends only when the process does (or on q) */
			m->watch_exited = 1;
			log_at(m, ev->t, DM_TUI_INFO, "process %ld has exited (q quits)", m->watch_pid);
			m->dirty |= DM_TUI_P_HEADER;
		}
		break;
	case DM_EV_RECLAIM:
		if (ev->has_reclaim)
			apply_reclaim(m, ev);
		break;
	case DM_EV_PRESSURE:
		m->pressure = ev->on;
		log_at(m, ev->t, ev->on ? DM_TUI_WARN : DM_TUI_INFO,
		       ev->on ? "memory pressure: buffers halved" : "pressure passed: buffers restored");
		m->dirty |= DM_TUI_P_POOLS;
		break;
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		if (ev->has_leak)
			apply_leak(m, ev);
		break;
	case DM_EV_ERROR:
		if (!ev->has_file)
			log_at(m, ev->t, DM_TUI_ERROR, "%s", ev->text);
		break;
	case DM_EV_SETTING:
		/* only the dashboard's own keys change settings, and each key
		 * is echoed already: a second line would be noise */
		apply_setting(m, ev);
		break;
	case DM_EV_NOTE:
		if (ev->text[0])
			log_at(m, ev->t, DM_TUI_INFO, "%s", ev->text);
		/* a narration (the demo's story) is also the caption */
		if (strncmp(ev->text, "demo ", 5) == 0) {
			snprintf(m->caption, sizeof m->caption, "%s", ev->text + 5);
			m->caption_dirty = 1;
		}
		break;
	case DM_EV_SUMMARY:
		m->state = DM_TUI_DONE;
		m->exit_code = ev->exit_code;
		log_at(m, ev->t, ev->exit_code ? DM_TUI_WARN : DM_TUI_INFO,
		       "all files done (exit code %d)", ev->exit_code);
		m->dirty |= DM_TUI_P_HEADER;
		break;
	default:
		break;
	}
}
