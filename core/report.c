/* The report's reading half: one pass over a recording into the
 * fixed-size model of report_int.h (CSV inputs: report_csv.c). */
#include "config.h"
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outfile.h"
#include "profile.h"
#include "report_draw.h"
#include "report_int.h"

#define NO_STORY (-1)
#define OVER_CAP (-2)   /* a story past DM_REPORT_STORIES: counted, not kept */

struct dm_report *dm_report_new(struct dm_acct *acct, struct dm_error *err)
{
	struct dm_report *rep = dm_acct_calloc(acct, DM_TAG_OTHER, 1, sizeof *rep);
	if (!rep) {
		dm_error_set(err, DM_ENOMEM, "out of memory for the report");
		return NULL;
	}
	rep->acct = acct;
	rep->width = 1;
	rep->t_first = -1;
	rep->cur_story = NO_STORY;
	return rep;
}

void dm_report_free(struct dm_report *rep)
{
	dm_acct_dealloc(rep);
}

uint64_t dm_report_skipped(const struct dm_report *rep) { return rep->skips.total; }
uint64_t dm_report_samples(const struct dm_report *rep) { return rep->samples; }

uint64_t dm_report_points(uint64_t n)
{
	if (n <= DM_REPORT_BUCKETS)
		return n;
	uint64_t w = 1;
	while (n > (uint64_t)DM_REPORT_BUCKETS * w)
		w *= 2;
	return 2 * (n / w) + (n % w == 1 ? 1 : n % w ? 2 : 0);
}

const char *dm_report_mark_name(enum mark_kind k)
{
	static const char *const names[MK_KINDS] = {
		[MK_RECLAIM] = "reclamation", [MK_PRESSURE_ON] = "pressure on",
		[MK_PRESSURE_OFF] = "pressure off", [MK_SETTING] = "setting",
		[MK_LEAK_SUSPECTED] = "leak suspected", [MK_LEAK_CONFIRMED] = "leak confirmed",
		[MK_LEAK_CLEARED] = "leak cleared", [MK_LEAK_UPDATED] = "leak updated",
		[MK_LEAK_STOPPED] = "leak stopped", [MK_GROWTH_BOUNDED] = "growth bounded",
		[MK_EXHAUSTION_PROJECTED] = "exhaustion projected",
		[MK_EXHAUSTION_CLEARED] = "exhaustion cleared", [MK_ERROR] = "error", [MK_RETRY] = "retry",
	};
	return (unsigned)k < MK_KINDS ? names[k] : "?";
}

/* ---- samples ---------------------------------------------------------- */

static void merge(struct bucket *a, const struct bucket *b)
{
	if (b->rmin < a->rmin) {
		a->rmin = b->rmin;
		a->t_rmin = b->t_rmin;
	}
	if (b->rmax > a->rmax) {
		a->rmax = b->rmax;
		a->t_rmax = b->t_rmax;
	}
	if (b->amin < a->amin) {
		a->amin = b->amin;
		a->t_amin = b->t_amin;
	}
	if (b->amax > a->amax) {
		a->amax = b->amax;
		a->t_amax = b->t_amax;
		memcpy(a->tag, b->tag, sizeof a->tag);
	}
	a->n += b->n;
	a->t1 = b->t1;
}

void dm_report_add_sample(struct dm_report *rep, double t, uint64_t rss, uint64_t acc,
                          const uint64_t *tag)
{
	struct bucket one = {.n = 1, .t0 = t, .t1 = t, .t_rmin = t, .t_rmax = t, .t_amin = t,
	                     .t_amax = t, .rmin = rss, .rmax = rss, .amin = acc, .amax = acc};
	memcpy(one.tag, tag, sizeof one.tag);
	if (rep->nb == DM_REPORT_BUCKETS && rep->b[rep->nb - 1].n == rep->width) {
		for (int i = 0; i < DM_REPORT_BUCKETS / 2; i++) {
			rep->b[i] = rep->b[2 * i];
			merge(&rep->b[i], &rep->b[2 * i + 1]);
		}
		rep->nb = DM_REPORT_BUCKETS / 2;
		rep->width *= 2;
	}
	if (rep->nb > 0 && rep->b[rep->nb - 1].n < rep->width)
		merge(&rep->b[rep->nb - 1], &one);
	else
		rep->b[rep->nb++] = one;
	rep->samples++;
	rep->rss_last = rss;
	rep->t_rss_last = t;
	if (rss > rep->rss_max)
		rep->rss_max = rss;
	if (acc > rep->acct_max)
		rep->acct_max = acc;
}

static void on_sample(struct dm_report *rep, const struct dm_jsonl *r, double t)
{
	uint64_t rss = 0, acc = 0, tag[DM_TAG_COUNT] = {0};
	if (dm_jsonl_u64(r, 0, "rss", &rss) != 0)
		return;   /* a watch sample of a process that has gone: nothing to draw */
	if (dm_jsonl_get(r, 0, "pid") >= 0)
		rep->watched = 1;   /* another process: no budget, accounting or tags */
	dm_jsonl_u64(r, 0, "accounted", &acc);
	int tags = dm_jsonl_get(r, 0, "tags");
	for (int i = 0; i < DM_TAG_COUNT && tags >= 0; i++) {
		int o = dm_jsonl_get(r, tags, dm_tag_name((enum dm_tag)i));
		if (o >= 0 && dm_jsonl_u64(r, o, "live", &tag[i]) == 0) {
			rep->tags_seen = 1;
			if (tag[i] > rep->tag_max[i])
				rep->tag_max[i] = tag[i];
		}
	}
	dm_report_add_sample(rep, t, rss, acc, tag);
}

/* ---- everything else -------------------------------------------------- */

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void add_mark(struct dm_report *rep, enum mark_kind k, double t, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_mark(struct dm_report *rep, enum mark_kind k, double t, const char *fmt, ...)
{
	rep->kind_count[k]++;
	if (rep->nmarks == DM_REPORT_MARKS) {
		rep->kind_more[k]++;
		return;
	}
	struct mark *m = &rep->marks[rep->nmarks++];
	m->kind = (uint8_t)k;
	m->t = t;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->text, sizeof m->text, fmt, ap);
	va_end(ap);
}

/* Every member of obj as text: strings as they are, numbers as written;
 * nested objects are flattened one level ("records.header"). */
static int collect(const struct dm_jsonl *r, int obj, const char *prefix, struct kv *out,
                   int n, int max)
{
	for (int k = dm_jsonl_first(r, obj); k >= 0 && n < max; k = dm_jsonl_next_sibling(r, k)) {
		const char *key = dm_jsonl_text(r, k);
		int v = dm_jsonl_value(r, k);
		enum dm_jtype t = dm_jsonl_type(r, v);
		if (!prefix && (!strcmp(key, "event") || !strcmp(key, "t") || !strcmp(key, "time")))
			continue;
		if (t == DM_J_OBJECT) {
			if (!prefix)
				n = collect(r, v, key, out, n, max);
			continue;
		}
		size_t len = 0;
		const char *raw = dm_jsonl_raw(r, v, &len);
		if (!raw || t == DM_J_ARRAY)
			continue;
		struct kv *e = &out[n++];
		if (prefix)
			snprintf(e->key, sizeof e->key, "%s.%s", prefix, key);
		else
			copy(e->key, sizeof e->key, key);
		snprintf(e->val, sizeof e->val, "%.*s", (int)(len < sizeof e->val ? len : sizeof e->val - 1), raw);
		e->num = t == DM_J_NUMBER;
	}
	return n;
}

static struct rfile *file_of(struct dm_report *rep, const struct dm_jsonl *r)
{
	uint64_t idx;
	if (dm_jsonl_u64(r, 0, "index", &idx) != 0)
		return NULL;
	if (idx >= DM_REPORT_FILES) {
		rep->files_more++;
		return NULL;
	}
	struct rfile *f = &rep->files[idx];
	if (!f->used) {
		f->used = 1;
		f->index = (int)idx;
		f->queued = -1;
		copy(f->path, sizeof f->path, dm_jsonl_str(r, 0, "file"));
		copy(f->state, sizeof f->state, "queued");
		if ((int)idx + 1 > rep->nfiles)
			rep->nfiles = (int)idx + 1;
	}
	uint64_t v;
	if (dm_jsonl_u64(r, 0, "size", &v) == 0)
		f->size = v;
	if (dm_jsonl_u64(r, 0, "bytes", &v) == 0)
		f->bytes = v;
	if (dm_jsonl_u64(r, 0, "records", &v) == 0)
		f->records = v;
	return f;
}

static void on_file(struct dm_report *rep, const struct dm_jsonl *r, const char *ev, double t)
{
	struct rfile *f = file_of(rep, r);
	if (!f)
		return;
	if (!strcmp(ev, "file_queued")) {
		f->queued = t;
	} else if (!strcmp(ev, "file_start")) {
		f->started = 1;
		f->t_start = t;
		copy(f->state, sizeof f->state, "running");
	} else if (!strcmp(ev, "waiting")) {
		copy(f->state, sizeof f->state, "waiting for memory");
	} else if (!strcmp(ev, "file_done")) {
		f->done = 1;
		f->t_done = t;
		copy(f->state, sizeof f->state, dm_jsonl_str(r, 0, "state"));
		copy(f->error, sizeof f->error, dm_jsonl_str(r, 0, "error"));
		copy(f->ern, sizeof f->ern, dm_jsonl_str(r, 0, "ern_version"));
		dm_jsonl_u64(r, 0, "peak", &f->peak);
		f->retried = dm_jsonl_bool(r, 0, "retried") == 1;
		dm_jsonl_num(r, 0, "seconds", &f->seconds);
		dm_jsonl_num(r, 0, "mb_per_s", &f->mbps);
		if (!f->started) {   /* its start was skipped: derive it */
			f->started = 1;
			f->t_start = t - f->seconds > 0 ? t - f->seconds : 0;
		}
	}
}

/* ---- leaks: verdicts, stories, projections ---------------------------- */

static struct story *cur_story(struct dm_report *rep)
{
	return rep->cur_story >= 0 ? &rep->stories[rep->cur_story]
	       : rep->cur_story == OVER_CAP ? &rep->over_cap : NULL;
}

/* The story an event of kind k belongs to: the open one, a stopped one
 * that grows again, or a new one when k begins a leak or none fits. */
static struct story *story_for(struct dm_report *rep, enum mark_kind k, double t)
{
	struct story *s = cur_story(rep);
	int open = s && !s->end;
	int go_on;
	switch (k) {
	case MK_LEAK_SUSPECTED: go_on = 0; break;
	case MK_LEAK_CONFIRMED: go_on = open && s->t_confirmed < 0; break;
	case MK_LEAK_UPDATED: go_on = open || (s && s->end == MK_LEAK_STOPPED); break;
	case MK_GROWTH_BOUNDED: go_on = open && s->t_confirmed < 0; break;
	default: go_on = open; break;
	}
	if (go_on)
		return s;
	if (rep->nstories == DM_REPORT_STORIES) {
		rep->stories_more++;
		rep->cur_story = OVER_CAP;
		s = &rep->over_cap;
	} else {
		rep->cur_story = rep->nstories++;
		s = &rep->stories[rep->cur_story];
	}
	memset(s, 0, sizeof *s);
	s->t_first = t;
	s->t_suspected = s->t_confirmed = s->t_end = s->since = -1;
	return s;
}

static void story_add(struct story *s, enum mark_kind k, const struct leakv *l)
{
	/* a stop resets the detector's baseline to the plateau: the story
	 * keeps the one from before the growth */
	if (!s->has_baseline && l->multiscale && (k != MK_LEAK_STOPPED || !s->nevents)) {
		s->baseline = l->baseline;
		s->has_baseline = 1;
	}
	if (s->since < 0 && l->multiscale && l->since >= 0)
		s->since = l->since;
	s->nevents++;
	s->floor_last = l->floor;
	switch (k) {
	case MK_LEAK_SUSPECTED:
		s->t_suspected = l->t;
		break;
	case MK_LEAK_CONFIRMED:
		s->t_confirmed = l->t;
		s->rate_confirmed = l->rate;
		break;
	case MK_LEAK_UPDATED:
		s->updates++;
		if (s->end == MK_LEAK_STOPPED) {
			s->resumed++;
			s->end = 0;
			s->t_end = -1;
		}
		break;
	default:   /* stopped, bounded, cleared */
		s->end = (uint8_t)k;
		s->t_end = l->t;
		s->plateau = l->plateau;
		return;   /* its rate is the one it had while growing */
	}
	s->rate_last = l->rate;
	if (l->rate > s->rate_max)
		s->rate_max = l->rate;
}

/* The mark's text for an event of the multiscale detector. */
static void story_text(char *out, size_t size, enum mark_kind k, const struct leakv *l,
                       const struct story *s, int resumed)
{
	char rate[24], low[24], a[24], b[24], w[24];
	dm_rd_bytes(rate, sizeof rate, l->rate);
	dm_rd_bytes(low, sizeof low, l->rate_low);
	dm_rd_secs(w, sizeof w, l->window);
	uint64_t base = s && s->has_baseline ? s->baseline : l->baseline;
	switch (k) {
	case MK_LEAK_UPDATED:
		if (resumed) {
			dm_rd_bytes(a, sizeof a, (double)l->baseline);
			snprintf(out, size, "leak growing again: %s/s above its plateau of %s", rate, a);
		} else {
			snprintf(out, size, "leak updated: the floor now rises %s/s (at least %s/s) over %s", rate,
			         low, w);
		}
		break;
	case MK_LEAK_STOPPED:
	case MK_GROWTH_BOUNDED:
		dm_rd_bytes(a, sizeof a, (double)l->plateau);
		dm_rd_bytes(b, sizeof b, (double)l->plateau - (double)base);
		snprintf(out, size, "%s: the floor holds at %s, %s above where it started",
		         dm_report_mark_name(k), a, b);
		break;
	default:   /* suspected, confirmed */
		dm_rd_bytes(a, sizeof a, (double)l->rss - (double)base);
		snprintf(out, size, "%s: the floor rises %s/s (at least %s/s) over %s; RSS %s above the baseline",
		         dm_report_mark_name(k), rate, low, w, a);
		break;
	}
}

static void on_leak(struct dm_report *rep, const struct dm_jsonl *r, enum mark_kind k, double t)
{
	struct leakv lv;
	memset(&lv, 0, sizeof lv);
	lv.kind = (uint8_t)k;
	lv.t = t;
	dm_jsonl_num(r, 0, "rate", &lv.rate);
	dm_jsonl_i64(r, 0, "growth", &lv.growth);
	copy(lv.state, sizeof lv.state, dm_jsonl_str(r, 0, "state"));
	dm_jsonl_u64(r, 0, "snapshots", &lv.snapshots);
	dm_jsonl_u64(r, 0, "rss", &lv.rss);
	dm_jsonl_num(r, 0, "span", &lv.span);
	lv.has_reclaimed = dm_jsonl_i64(r, 0, "reclaimed", &lv.reclaimed) == 0;
	copy(lv.heap_report, sizeof lv.heap_report, dm_jsonl_str(r, 0, "heap_report"));
	int alert = dm_jsonl_get(r, 0, "alert");
	copy(lv.alert, sizeof lv.alert, alert >= 0 ? dm_jsonl_str(r, alert, "message") : NULL);
	const char *det = dm_jsonl_str(r, 0, "detector");
	lv.multiscale = det && !strcmp(det, "multiscale");
	if (lv.multiscale) {
		dm_jsonl_num(r, 0, "rate_low", &lv.rate_low);
		dm_jsonl_num(r, 0, "window", &lv.window);
		dm_jsonl_u64(r, 0, "floor", &lv.floor);
		dm_jsonl_u64(r, 0, "baseline", &lv.baseline);
		dm_jsonl_u64(r, 0, "plateau", &lv.plateau);
		lv.since = -1;
		dm_jsonl_num(r, 0, "since", &lv.since);
	}
	if (lv.multiscale || k == MK_LEAK_UPDATED || k == MK_LEAK_STOPPED || k == MK_GROWTH_BOUNDED)
		rep->stories_mode = 1;

	struct story *s = story_for(rep, k, t);
	int resumed = k == MK_LEAK_UPDATED && s->end == MK_LEAK_STOPPED;
	story_add(s, k, &lv);
	lv.story = s == &rep->over_cap ? -1 : rep->cur_story;
	if (lv.multiscale) {
		char text[200];
		story_text(text, sizeof text, k, &lv, s, resumed);
		add_mark(rep, k, t, "%s", text);
	} else {
		add_mark(rep, k, t, "%s: growth %.1f MiB at %.2f MiB/s", dm_report_mark_name(k),
		         (double)lv.growth / 1048576.0, lv.rate / 1048576.0);
	}
	if (rep->nleaks == DM_REPORT_LEAKS) {
		rep->leaks_more++;
		return;
	}
	rep->leaks[rep->nleaks++] = lv;
}

static void on_exhaustion(struct dm_report *rep, const struct dm_jsonl *r, int projected, double t)
{
	struct projection p = {.t = t, .t_cleared = -1, .time_left = -1};
	dm_jsonl_num(r, 0, "time_left", &p.time_left);
	dm_jsonl_num(r, 0, "rate", &p.rate);
	dm_jsonl_u64(r, 0, "limit", &p.limit);
	dm_jsonl_u64(r, 0, "floor", &p.floor);
	dm_jsonl_u64(r, 0, "rss", &p.rss);
	rep->stories_mode = 1;
	char lim[24], left[24], rate[24];
	dm_rd_bytes(lim, sizeof lim, (double)p.limit);
	dm_rd_secs(left, sizeof left, p.time_left);
	dm_rd_bytes(rate, sizeof rate, p.rate);
	/* the last one kept is the standing one unless some were left out */
	struct projection *last = rep->nproj && !rep->proj_more ? &rep->proj[rep->nproj - 1] : NULL;
	int standing = rep->proj_standing;
	rep->proj_standing = projected;
	if (!projected) {
		add_mark(rep, MK_EXHAUSTION_CLEARED, t, "exhaustion no longer projected: the limit %s is out of "
		         "reach at the floor's rate now", lim);
		if (last && standing)
			last->t_cleared = t;
		return;
	}
	add_mark(rep, MK_EXHAUSTION_PROJECTED, t, "exhaustion projected: the limit %s in %s at %s/s", lim,
	         left, rate);
	if (last && standing) {
		last->t_cleared = t;
		last->superseded = 1;
	}
	if (rep->nproj == DM_REPORT_PROJECTIONS) {
		rep->proj_more++;
		return;
	}
	rep->proj[rep->nproj++] = p;
}

static void on_start(struct dm_report *rep, const struct dm_jsonl *r)
{
	rep->have_start = 1;
	copy(rep->start_time, sizeof rep->start_time, dm_jsonl_str(r, 0, "time"));
	rep->nconfig = collect(r, 0, NULL, rep->config, 0, 64);
	const char *v = dm_jsonl_str(r, 0, "max_memory");
	if (v)
		dm_parse_size(v, &rep->budget);
	v = dm_jsonl_str(r, 0, "flush_threshold");
	rep->flush_ratio = v ? atof(v) : 0;
	if (!(rep->flush_ratio > 0 && rep->flush_ratio <= 1))
		rep->flush_ratio = 0;
}

void dm_report_add_event(struct dm_report *rep, const struct dm_jsonl *r)
{
	const char *ev = dm_jsonl_event(r);
	double t = dm_jsonl_t(r);
	rep->events++;
	if (rep->t_first < 0)
		rep->t_first = t;
	if (t > rep->t_last)
		rep->t_last = t;
	if (!strcmp(ev, "start")) {
		on_start(rep, r);
	} else if (!strcmp(ev, "sample")) {
		on_sample(rep, r, t);
	} else if (!strncmp(ev, "file_", 5) || !strcmp(ev, "waiting") || !strcmp(ev, "progress")) {
		on_file(rep, r, ev, t);
	} else if (!strcmp(ev, "reclaim")) {
		int64_t freed = 0;
		dm_jsonl_i64(r, 0, "rss_freed", &freed);
		const char *why = dm_jsonl_str(r, 0, "reason");
		add_mark(rep, MK_RECLAIM, t, "reclamation (%s): %.2f MiB of RSS given back",
		         why ? why : "?", (double)freed / 1048576.0);
	} else if (!strcmp(ev, "pressure")) {
		int on = dm_jsonl_bool(r, 0, "on") == 1;
		const char *c = dm_jsonl_str(r, 0, "chunk_size");
		add_mark(rep, on ? MK_PRESSURE_ON : MK_PRESSURE_OFF, t, "pressure %s%s%s",
		         on ? "on" : "off", c ? ": chunk size " : "", c ? c : "");
	} else if (!strcmp(ev, "setting")) {
		const char *k = dm_jsonl_str(r, 0, "key"), *v = dm_jsonl_str(r, 0, "value");
		add_mark(rep, MK_SETTING, t, "%s = %s", k ? k : "?", v ? v : "?");
	} else if (!strcmp(ev, "leak_suspected")) {
		on_leak(rep, r, MK_LEAK_SUSPECTED, t);
	} else if (!strcmp(ev, "leak_confirmed")) {
		on_leak(rep, r, MK_LEAK_CONFIRMED, t);
	} else if (!strcmp(ev, "leak_cleared")) {
		on_leak(rep, r, MK_LEAK_CLEARED, t);
	} else if (!strcmp(ev, "leak_updated")) {
		on_leak(rep, r, MK_LEAK_UPDATED, t);
	} else if (!strcmp(ev, "leak_stopped")) {
		on_leak(rep, r, MK_LEAK_STOPPED, t);
	} else if (!strcmp(ev, "growth_bounded")) {
		on_leak(rep, r, MK_GROWTH_BOUNDED, t);
	} else if (!strcmp(ev, "exhaustion_projected")) {
		on_exhaustion(rep, r, 1, t);
	} else if (!strcmp(ev, "exhaustion_cleared")) {
		on_exhaustion(rep, r, 0, t);
	} else if (!strcmp(ev, "error")) {
		const char *m = dm_jsonl_str(r, 0, "message");
		add_mark(rep, MK_ERROR, t, "%s", m ? m : "error");
	} else if (!strcmp(ev, "retry")) {
		const char *f = dm_jsonl_str(r, 0, "file");
		add_mark(rep, MK_RETRY, t, "retry with half the chunk size: %s", f ? f : "?");
	} else if (!strcmp(ev, "note")) {
		if (rep->nnotes < DM_REPORT_NOTES)
			copy(rep->notes[rep->nnotes++], sizeof rep->notes[0], dm_jsonl_str(r, 0, "message"));
		else
			rep->notes_more++;
	} else if (!strcmp(ev, "summary")) {
		rep->have_summary = 1;
		rep->nsummary = collect(r, 0, NULL, rep->summary, 0, 48);
	} else if (!strcmp(ev, "status")) {
		rep->have_status = 1;
		int m = dm_jsonl_get(r, 0, "monitor");
		copy(rep->end_time, sizeof rep->end_time, dm_jsonl_str(r, 0, "time"));
		rep->nstatus = m >= 0 ? collect(r, m, "monitor", rep->status, 0, 16) : 0;
	} else {
		rep->unknown_events++;
	}
}

int dm_report_read(struct dm_report *rep, const char *path, dm_report_warn_fn warn, void *ctx,
                   struct dm_error *err)
{
	struct dm_jsonl *r = dm_jsonl_open(path, rep->acct, err);
	if (!r)
		return err->code ? err->code : DM_EIO;
	int rc = dm_report_read_csv(rep, r, warn, ctx, err);
	if (rc != 1) {
		dm_jsonl_free(r);
		return rc;
	}
	for (;;) {
		rc = dm_jsonl_next_event(r, err);
		if (rc == 1) {
			dm_report_add_event(rep, r);
			continue;
		}
		if (rc == 0 || rc == DM_EIO || rc == DM_ENOTERN)
			break;
		dm_report_warn(warn, ctx, err);
	}
	rep->lines = dm_jsonl_lineno(r);
	const struct dm_jsonl_skips *s = dm_jsonl_skipped(r);
	rep->skips.corrupt += s->corrupt;
	rep->skips.too_long += s->too_long;
	rep->skips.truncated += s->truncated;
	rep->skips.out_of_order += s->out_of_order;
	rep->skips.misplaced += s->misplaced;
	rep->skips.total += s->total;
	dm_jsonl_free(r);
	return rc;
}

/* FILE minus .gz and .jsonl/.json/.csv/.ndjson, plus ext, next to FILE. */
int dm_report_out_name(const char *in, const char *ext, char *out, size_t size)
{
	char base[DM_OUT_PATH_MAX];
	if (snprintf(base, sizeof base, "%s", in) >= (int)sizeof base)
		return -1;
	size_t n = strlen(base);
	if (n > 3 && !strcmp(base + n - 3, ".gz"))
		base[n -= 3] = '\0';
	static const char *const strip[] = {".jsonl", ".ndjson", ".json", ".csv", ".log"};
	for (size_t i = 0; i < sizeof strip / sizeof *strip; i++) {
		size_t k = strlen(strip[i]);
		if (n > k && !strcmp(base + n - k, strip[i])) {
			base[n - k] = '\0';
			break;
		}
	}
	return snprintf(out, size, "%s%s", base, ext) < (int)size ? 0 : -1;
}
