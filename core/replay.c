/* Recorded JSON objects back into events: the inverse of dm_event_to_json
 * for every member a consumer reads. */
#include "config.h"
#include "replay.h"

#include <stdio.h>
#include <string.h>

static uint64_t u64_in(const struct dm_jsonl *r, int obj, const char *key)
{
	uint64_t v = 0;
	if (dm_jsonl_u64(r, obj, key, &v) != 0) {
		double d;   /* a figure written as a fraction still counts */
		v = dm_jsonl_num(r, obj, key, &d) == 0 && d > 0 && d < 1.8e19 ? (uint64_t)d : 0;
	}
	return v;
}

static uint64_t u64(const struct dm_jsonl *r, const char *key)
{
	return u64_in(r, 0, key);
}

static double num(const struct dm_jsonl *r, int obj, const char *key)
{
	double v = 0;
	return dm_jsonl_num(r, obj, key, &v) == 0 ? v : 0;
}

static int64_t i64(const struct dm_jsonl *r, const char *key)
{
	int64_t v = 0;
	return dm_jsonl_i64(r, 0, key, &v) == 0 ? v : 0;
}

static int by_name(const char *name, const char *(*fn)(int), int n)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(fn(i), name) == 0)
			return i;
	return -1;
}

static const char *event_name_i(int i) { return dm_event_name((enum dm_event_type)i); }
static const char *state_name_i(int i) { return dm_file_state_name((enum dm_file_state)i); }
static const char *trend_name_i(int i) { return dm_trend_name((enum dm_trend_kind)i); }
static const char *leak_name_i(int i) { return dm_leak_state_name((enum dm_leak_state)i); }
static const char *rec_name_i(int i) { return dm_rec_type_name((enum dm_rec_type)i); }
static const char *tag_name_i(int i) { return dm_tag_name((enum dm_tag)i); }

static void counts(const struct dm_jsonl *r, const char *key, uint64_t *rec)
{
	int obj = dm_jsonl_get(r, 0, key);   /* the member's value */
	if (obj < 0 || dm_jsonl_type(r, obj) != DM_J_OBJECT)
		return;
	for (int m = dm_jsonl_first(r, obj); m >= 0; m = dm_jsonl_next_sibling(r, m)) {
		int t = by_name(dm_jsonl_text(r, m), rec_name_i, DM_REC_TYPES);
		uint64_t v;
		if (t >= 0 && dm_jsonl_u64(r, obj, dm_jsonl_text(r, m), &v) == 0)
			rec[t] = v;
	}
}

static void file(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	struct dm_file_info *f = &o->file;
	f->path = dm_jsonl_str(r, 0, "file");
	f->index = (int)u64(r, "index");
	f->size = u64(r, "size");
	f->bytes = u64(r, "bytes");
	f->records_total = u64(r, "records");
	f->seconds = num(r, 0, "seconds");
	f->started = dm_jsonl_t(r) - f->seconds;
	f->peak = u64(r, "peak");
	f->retried = dm_jsonl_bool(r, 0, "retried") == 1;
	f->segments = (unsigned)u64(r, "segments");
	f->ern_version = dm_jsonl_str(r, 0, "ern_version");
	f->error = dm_jsonl_str(r, 0, "error");
	counts(r, "counts", f->records);
	switch (o->ev.type) {
	case DM_EV_FILE_QUEUED: f->state = DM_FILE_QUEUED; break;
	case DM_EV_WAITING: f->state = DM_FILE_WAITING; break;
	case DM_EV_FILE_DONE: {
		int s = by_name(dm_jsonl_str(r, 0, "state"), state_name_i, DM_FILE_SKIPPED + 1);
		f->state = s >= 0 ? (enum dm_file_state)s : DM_FILE_DONE;
		if (f->state == DM_FILE_FAILED)
			f->code = DM_EXML;
		break;
	}
	default: f->state = DM_FILE_RUNNING; break;
	}
}

static void sample(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	struct dm_sample *s = &o->sample;
	s->t = o->ev.t;
	s->wall_ms = o->ev.wall_ms;
	s->rss = u64(r, "rss");
	s->rss_peak = u64(r, "rss_peak");
	s->rss_anon = u64(r, "rss_anon");      /* 0 in recordings older than the split */
	s->rss_file = u64(r, "rss_file");
	s->rss_shmem = u64(r, "rss_shmem");
	s->mem_total = u64(r, "mem_total");
	s->mem_available = u64(r, "mem_available");
	s->mem_used_pct = num(r, 0, "mem_used_pct");
	s->heap_inuse = u64(r, "heap_inuse");
	s->heap_free = u64(r, "heap_free");
	s->acct.live = u64(r, "accounted");
	s->acct.peak = u64(r, "accounted_peak");
	int tags = dm_jsonl_get(r, 0, "tags");
	if (tags >= 0 && dm_jsonl_type(r, tags) == DM_J_OBJECT)
		for (int m = dm_jsonl_first(r, tags); m >= 0; m = dm_jsonl_next_sibling(r, m)) {
			int t = by_name(dm_jsonl_text(r, m), tag_name_i, DM_TAG_COUNT);
			int v = dm_jsonl_value(r, m);
			if (t < 0 || v < 0 || dm_jsonl_type(r, v) != DM_J_OBJECT)
				continue;
			s->acct.tag[t].live = (uint64_t)num(r, v, "live");
			s->acct.tag[t].peak = (uint64_t)num(r, v, "peak");
			s->acct.tag[t].allocs = (uint64_t)num(r, v, "allocs");
			s->acct.tag[t].frees = (uint64_t)num(r, v, "frees");
		}
}

static const struct dm_trend *trend(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	int kind = by_name(dm_jsonl_str(r, 0, "trend"), trend_name_i, DM_TREND_GROWING + 1);
	if (kind < 0)
		return NULL;
	o->trend.kind = (enum dm_trend_kind)kind;
	o->trend.rate = num(r, 0, "rate");
	double tb;
	o->trend.to_budget = dm_jsonl_num(r, 0, "to_budget", &tb) == 0 ? tb : -1;
	return &o->trend;
}

static void leak(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	struct dm_leak_info *l = &o->leak;
	int s = by_name(dm_jsonl_str(r, 0, "state"), leak_name_i, DM_LEAK_STOPPED + 1);
	l->state = s >= 0 ? (enum dm_leak_state)s
	           : o->ev.type == DM_EV_LEAK_CONFIRMED ? DM_LEAK_CONFIRMED
	           : o->ev.type == DM_EV_LEAK_SUSPECTED ? DM_LEAK_SUSPECTED : DM_LEAK_WATCHING;
	l->snapshots = (size_t)u64(r, "snapshots");
	l->growth = i64(r, "growth");
	l->span = num(r, 0, "span");
	l->rate = num(r, 0, "rate");
	l->reclaimed = i64(r, "reclaimed");
	l->suspected_at = l->confirmed_at = -1;
	if (l->state >= DM_LEAK_SUSPECTED)
		l->suspected_at = o->ev.t;
	if (l->state == DM_LEAK_CONFIRMED)
		l->confirmed_at = o->ev.t;
	o->sample.rss = u64(r, "rss");
	o->sample.t = o->ev.t;
	o->ev.u.leak = (struct dm_ev_leak){.sample = &o->sample, .leak = l,
	                                   .report_path = dm_jsonl_str(r, 0, "heap_report")};
}

static void error(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	struct dm_error *e = &o->error;
	const char *code = dm_jsonl_str(r, 0, "code");
	e->code = DM_EXML;
	for (int c = -1; code && c >= -40; c--)
		if (strcmp(dm_strerror(c), code) == 0) {
			e->code = c;
			break;
		}
	const char *msg = dm_jsonl_str(r, 0, "message");
	snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "error");
	int fatal = dm_jsonl_bool(r, 0, "fatal") == 1;
	o->ev.u.error = (struct dm_ev_error){o->file.path ? &o->file : NULL, e, fatal};
}

static void summary(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	struct dm_session_summary *s = &o->summary;
	s->files = (size_t)u64(r, "files");
	s->files_ok = (size_t)u64(r, "files_ok");
	s->files_failed = (size_t)u64(r, "files_failed");
	s->bytes = u64(r, "bytes");
	s->seconds = num(r, 0, "seconds");
	counts(r, "records", s->records);
	for (int t = 0; t < DM_REC_TYPES; t++)
		s->records_total += s->records[t];
	s->acct_peak = u64(r, "accounted_peak");
	s->rss_peak = u64(r, "rss_peak");
	s->mallocs = u64(r, "mallocs");
	s->reclamations = u64(r, "reclamations");
	s->reclaimed_bytes = u64(r, "reclaimed_bytes");
	s->leaks_suspected = u64(r, "leaks_suspected");
	s->leaks_confirmed = u64(r, "leaks_confirmed");
	s->exit_code = (int)i64(r, "exit_code");
	o->ev.u.summary = s;
}

int dm_replay_decode(const struct dm_jsonl *r, struct dm_replay_event *o)
{
	memset(o, 0, sizeof *o);
	int type = by_name(dm_jsonl_event(r), event_name_i, DM_EV_COUNT);
	if (type < 0)
		return DM_ERECORD;
	struct dm_event *ev = &o->ev;
	ev->type = (enum dm_event_type)type;
	ev->t = dm_jsonl_t(r);
	/* wall clock: "time" is ISO text; replays show the recorded t */
	ev->wall_ms = 0;
	if (dm_jsonl_str(r, 0, "file"))
		file(r, o);
	switch (ev->type) {
	case DM_EV_START:
		ev->u.start = (struct dm_ev_start){NULL, (unsigned)u64(r, "workers")};
		break;
	case DM_EV_FILE_QUEUED:
	case DM_EV_FILE_START:
	case DM_EV_WAITING:
	case DM_EV_PROGRESS:
	case DM_EV_FILE_DONE:
		ev->u.file.file = &o->file;
		break;
	case DM_EV_SAMPLE:
		sample(r, o);
		ev->u.sample = (struct dm_ev_sample){&o->sample, trend(r, o)};
		break;
	case DM_EV_RECLAIM:
		o->reclaim.reason = dm_jsonl_str(r, 0, "reason");
		o->reclaim.pool_bytes = u64(r, "pool_bytes");
		o->reclaim.rss_before = u64(r, "rss_before");
		o->reclaim.rss_after = u64(r, "rss_after");
		o->reclaim.trimmed = dm_jsonl_bool(r, 0, "trimmed") == 1;
		if (!o->reclaim.reason)
			o->reclaim.reason = "recorded";
		ev->u.reclaim = &o->reclaim;
		break;
	case DM_EV_PRESSURE:
		ev->u.pressure = (struct dm_ev_pressure){dm_jsonl_bool(r, 0, "on") == 1,
		                                         dm_jsonl_str(r, 0, "chunk_size")};
		break;
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		leak(r, o);   /* the state and figures; the detector's own are not replayed */
		break;
	case DM_EV_ERROR:
		error(r, o);
		break;
	case DM_EV_RETRY:
		ev->u.retry = (struct dm_ev_retry){&o->file, NULL, dm_jsonl_str(r, 0, "chunk_size")};
		break;
	case DM_EV_SETTING: {
		const char *k = dm_jsonl_str(r, 0, "key"), *v = dm_jsonl_str(r, 0, "value");
		ev->u.setting = (struct dm_ev_setting){k ? k : "", v ? v : "", NULL};
		break;
	}
	case DM_EV_NOTE: {
		const char *m = dm_jsonl_str(r, 0, "message");
		int lo = dm_jsonl_get(r, 0, "left_out");
		ev->u.note = (struct dm_ev_note){m ? m : "", dm_jsonl_str(r, 0, "path"), NULL};
		if (lo >= 0) {
			o->left_out.n[DM_LOSS_SAMPLE] = u64_in(r, lo, "samples");
			o->left_out.n[DM_LOSS_NARRATION] = u64_in(r, lo, "narration");
			o->left_out.n[DM_LOSS_RESULT] = u64_in(r, lo, "results");
			ev->u.note.left_out = &o->left_out;
		}
		break;
	}
	case DM_EV_SUMMARY:
		summary(r, o);
		break;
	case DM_EV_STATUS:
		/* the final status repeats the summary's figures: nothing to draw */
		ev->u.status = (struct dm_ev_status){NULL, NULL, NULL};
		break;
	default:
		break;
	}
	return 0;
}

int dm_replay_of_interest(const struct dm_event *ev)
{
	switch (ev->type) {
	case DM_EV_RECLAIM:
	case DM_EV_PRESSURE:
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_ERROR:
		return 1;
	case DM_EV_FILE_DONE:
		return ev->u.file.file && ev->u.file.file->state == DM_FILE_FAILED;
	default:
		return 0;
	}
}
