/* Events as JSON objects: one shape per event type, "event" first. */
#include "config.h"
#include "event.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "session.h"

static const char *const event_names[DM_EV_COUNT] = {
	[DM_EV_START] = "start",
	[DM_EV_FILE_QUEUED] = "file_queued",
	[DM_EV_FILE_START] = "file_start",
	[DM_EV_WAITING] = "waiting",
	[DM_EV_PROGRESS] = "progress",
	[DM_EV_SAMPLE] = "sample",
	[DM_EV_RECLAIM] = "reclaim",
	[DM_EV_PRESSURE] = "pressure",
	[DM_EV_LEAK_SUSPECTED] = "leak_suspected",
	[DM_EV_LEAK_CONFIRMED] = "leak_confirmed",
	[DM_EV_LEAK_CLEARED] = "leak_cleared",
	[DM_EV_LEAK_UPDATED] = "leak_updated",
	[DM_EV_LEAK_STOPPED] = "leak_stopped",
	[DM_EV_GROWTH_BOUNDED] = "growth_bounded",
	[DM_EV_EXHAUSTION_PROJECTED] = "exhaustion_projected",
	[DM_EV_EXHAUSTION_CLEARED] = "exhaustion_cleared",
	[DM_EV_ERROR] = "error",
	[DM_EV_RETRY] = "retry",
	[DM_EV_FILE_DONE] = "file_done",
	[DM_EV_SETTING] = "setting",
	[DM_EV_NOTE] = "note",
	[DM_EV_SUMMARY] = "summary",
	[DM_EV_STATUS] = "status",
};

const char *dm_event_name(enum dm_event_type t)
{
	return (unsigned)t < DM_EV_COUNT ? event_names[t] : "unknown";
}

const char *dm_file_state_name(enum dm_file_state s)
{
	static const char *const names[] = {"queued", "waiting for memory", "running",
	                                    "done", "failed", "skipped"};
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown";
}

/* New columns go at the end, so that readers by position or by name of
 * an older header keep working. */
void dm_sample_csv_header(struct dm_buf *out)
{
	dm_buf_puts(out, "t,time,wall_ms,rss,rss_peak,mem_total,mem_available,mem_used_pct,"
	                 "heap_inuse,heap_free,accounted,accounted_peak,rss_anon,rss_file,rss_shmem\n");
}

void dm_sample_csv_row(const struct dm_sample *x, struct dm_buf *out)
{
	char ts[32];
	dm_iso_time(x->wall_ms, ts, sizeof ts);
	dm_buf_printf(out, "%.3f,%s,%lld,%llu,%llu,%llu,%llu,%.2f,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
	              x->t, ts, (long long)x->wall_ms, (unsigned long long)x->rss,
	              (unsigned long long)x->rss_peak, (unsigned long long)x->mem_total,
	              (unsigned long long)x->mem_available, x->mem_used_pct,
	              (unsigned long long)x->heap_inuse, (unsigned long long)x->heap_free,
	              (unsigned long long)x->acct.live, (unsigned long long)x->acct.peak,
	              (unsigned long long)x->rss_anon, (unsigned long long)x->rss_file,
	              (unsigned long long)x->rss_shmem);
}

static double mbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes / 1e6 / seconds : 0;
}

static void records_obj(struct dm_buf *b, const char *key, const uint64_t *rec, int *first)
{
	dm_buf_json_key(b, key, first);
	dm_buf_putc(b, '{');
	int f = 1;
	for (int t = 0; t < DM_REC_TYPES; t++)
		dm_json_u64(b, dm_rec_type_name((enum dm_rec_type)t), rec[t], &f);
	dm_buf_putc(b, '}');
}

static void file_members(struct dm_buf *b, const struct dm_file_info *f, enum dm_event_type t,
                         int *first)
{
	dm_json_str(b, "file", f->path, first);
	dm_json_u64(b, "index", (uint64_t)f->index, first);
	if (t == DM_EV_FILE_QUEUED || t == DM_EV_WAITING) {
		dm_json_u64(b, "size", f->size, first);
		return;
	}
	dm_json_u64(b, "bytes", f->bytes, first);
	dm_json_u64(b, "size", f->size, first);
	if (t == DM_EV_FILE_START)
		return;
	dm_json_u64(b, "records", f->records_total, first);
	dm_json_num(b, "seconds", f->seconds, first);
	dm_json_num(b, "mb_per_s", mbps(f->bytes, f->seconds), first);
	if (t != DM_EV_FILE_DONE)
		return;
	dm_json_str(b, "state", dm_file_state_name(f->state), first);
	records_obj(b, "counts", f->records, first);
	dm_json_u64(b, "peak", f->peak, first);
	dm_json_bool(b, "retried", f->retried, first);
	if (f->segments)
		dm_json_u64(b, "segments", f->segments, first);
	if (f->ern_version)
		dm_json_str(b, "ern_version", f->ern_version, first);
	if (f->error)
		dm_json_str(b, "error", f->error, first);
	/* what 'parse' would exit with for this file (3: the memory limit) */
	if (f->state == DM_FILE_FAILED)
		dm_json_u64(b, "exit_code", (uint64_t)dm_exit_code(f->code ? f->code : DM_EIO), first);
}

static void split_members(struct dm_buf *b, const struct dm_sample *s, int *first)
{
	dm_json_u64(b, "rss_anon", s->rss_anon, first);
	dm_json_u64(b, "rss_file", s->rss_file, first);
	dm_json_u64(b, "rss_shmem", s->rss_shmem, first);
}

static void children_member(struct dm_buf *b, const struct dm_sample *s, int *first)
{
	dm_json_u64(b, "children", s->children_total, first);
	dm_buf_json_key(b, "per_child", first);
	dm_buf_putc(b, '[');
	for (uint32_t i = 0; i < s->nchildren && i < DM_SAMPLE_CHILDREN; i++)
		dm_buf_printf(b, "%s{\"pid\":%ld,\"rss\":%llu,\"rss_anon\":%llu}", i ? "," : "",
		              (long)s->child[i].pid, (unsigned long long)s->child[i].rss,
		              (unsigned long long)s->child[i].rss_anon);
	dm_buf_putc(b, ']');
}

static void sample_members(struct dm_buf *b, const struct dm_sample *s, int *first)
{
	if (s->pid)
		dm_json_i64(b, "pid", s->pid, first);
	dm_json_u64(b, "rss", s->rss, first);
	dm_json_u64(b, "rss_peak", s->rss_peak, first);
	split_members(b, s, first);
	if (s->children_total || s->nchildren)
		children_member(b, s, first);
	dm_json_u64(b, "mem_total", s->mem_total, first);
	dm_json_u64(b, "mem_available", s->mem_available, first);
	dm_json_num(b, "mem_used_pct", s->mem_used_pct, first);
	if (s->pid)   /* another process: no heap, budget or tags of ours */
		return;
	dm_json_u64(b, "heap_inuse", s->heap_inuse, first);
	dm_json_u64(b, "heap_free", s->heap_free, first);
	dm_json_u64(b, "accounted", s->acct.live, first);
	dm_json_u64(b, "accounted_peak", s->acct.peak, first);
	dm_buf_json_key(b, "tags", first);
	dm_buf_putc(b, '{');
	int f = 1;
	for (int t = 0; t < DM_TAG_COUNT; t++) {
		dm_buf_json_key(b, dm_tag_name((enum dm_tag)t), &f);
		dm_buf_printf(b, "{\"live\":%llu,\"peak\":%llu,\"allocs\":%llu,\"frees\":%llu}",
		              (unsigned long long)s->acct.tag[t].live,
		              (unsigned long long)s->acct.tag[t].peak,
		              (unsigned long long)s->acct.tag[t].allocs,
		              (unsigned long long)s->acct.tag[t].frees);
	}
	dm_buf_putc(b, '}');
}

static void trend_members(struct dm_buf *b, const struct dm_trend *tr, int *first)
{
	dm_json_str(b, "trend", dm_trend_name(tr->kind), first);
	dm_json_num(b, "rate", tr->rate, first);
	dm_buf_json_key(b, "to_budget", first);
	if (tr->to_budget >= 0)
		dm_buf_double(b, tr->to_budget);
	else
		dm_buf_puts(b, "null");
}

static void leak_members(struct dm_buf *b, const struct dm_leak_info *l, int *first)
{
	dm_json_str(b, "state", dm_leak_state_name(l->state), first);
	dm_json_u64(b, "snapshots", l->snapshots, first);
	dm_json_i64(b, "growth", l->growth, first);
	dm_json_num(b, "span", l->span, first);
	dm_json_num(b, "rate", l->rate, first);
}

/* The multiscale detector's figures: what decided, on which scale. */
static void change_members(struct dm_buf *b, enum dm_event_type t,
                           const struct dm_detect_change *c, int *first)
{
	dm_json_str(b, "state", dm_detect_state_name(c->state), first);
	dm_json_num(b, "rate", c->rate, first);
	dm_json_num(b, "rate_low", c->rate_low, first);
	if (c->scale > 0) {
		dm_json_num(b, "scale", c->scale, first);
		dm_json_num(b, "window", c->window, first);
	}
	dm_json_u64(b, "floor", c->floor, first);
	if (t != DM_EV_EXHAUSTION_PROJECTED && t != DM_EV_EXHAUSTION_CLEARED) {
		dm_json_u64(b, "baseline", c->baseline, first);
		dm_json_i64(b, "growth", c->growth, first);
	}
	if (t == DM_EV_GROWTH_BOUNDED || t == DM_EV_LEAK_STOPPED)
		dm_json_u64(b, "plateau", c->plateau, first);
	if (c->limit)
		dm_json_u64(b, "limit", c->limit, first);
	if (t == DM_EV_EXHAUSTION_PROJECTED)
		dm_json_num(b, "time_left", c->time_left, first);
	if (c->since >= 0)
		dm_json_num(b, "since", c->since, first);
}

static void alert_member(struct dm_buf *b, const struct dm_event *ev, int *first)
{
	const struct dm_leak_info *l = ev->u.leak.leak;
	const struct dm_detect_change *c = ev->u.leak.change;
	int64_t growth = c ? c->growth : l->growth;
	double rate = c ? c->rate : l->rate;
	char msg[96], ts[32];
	snprintf(msg, sizeof msg, "Memory leak detected: %.2fMB growth", (double)growth / 1048576.0);
	dm_iso_time(ev->wall_ms, ts, sizeof ts);
	dm_buf_json_key(b, "alert", first);
	dm_buf_putc(b, '{');
	int f = 1;
	dm_json_str(b, "type", "memory_leak", &f);
	dm_json_str(b, "severity", "high", &f);
	dm_json_str(b, "message", msg, &f);
	dm_json_i64(b, "growth_bytes", growth, &f);
	dm_json_num(b, "rate", rate, &f);
	dm_json_str(b, "timestamp", ts, &f);
	dm_json_i64(b, "pid", ev->u.leak.pid > 0 ? (int64_t)ev->u.leak.pid : (int64_t)getpid(), &f);
	dm_json_str(b, "version", PACKAGE_VERSION, &f);
	dm_buf_putc(b, '}');
}

static void summary_members(struct dm_buf *b, const struct dm_session_summary *s, int *first)
{
	dm_json_u64(b, "files", s->files, first);
	dm_json_u64(b, "files_ok", s->files_ok, first);
	dm_json_u64(b, "files_failed", s->files_failed, first);
	dm_json_u64(b, "bytes", s->bytes, first);
	dm_json_num(b, "seconds", s->seconds, first);
	dm_json_num(b, "mb_per_s", mbps(s->bytes, s->seconds), first);
	records_obj(b, "records", s->records, first);
	dm_json_u64(b, "accounted_peak", s->acct_peak, first);
	dm_json_u64(b, "rss_peak", s->rss_peak, first);
	dm_json_u64(b, "mallocs", s->mallocs, first);
	dm_json_num(b, "mallocs_per_mb", s->bytes ? (double)s->mallocs / ((double)s->bytes / 1048576.0) : 0,
	            first);
	dm_json_u64(b, "reclamations", s->reclamations, first);
	dm_json_u64(b, "reclaimed_bytes", s->reclaimed_bytes, first);
	dm_json_u64(b, "leaks_suspected", s->leaks_suspected, first);
	dm_json_u64(b, "leaks_confirmed", s->leaks_confirmed, first);
	dm_json_i64(b, "exit_code", s->exit_code, first);
}

static void status_members(struct dm_buf *b, const struct dm_event *ev, int *first)
{
	const struct dm_sample *s = ev->u.status.sample;
	const struct dm_session_summary *m = ev->u.status.summary;
	const struct dm_trend *tr = ev->u.status.trend;
	char ts[32];
	dm_buf_json_key(b, "current", first);
	dm_buf_putc(b, '{');
	int f = 1;
	dm_json_u64(b, "rss", s->rss, &f);
	if (!s->pid) {
		dm_json_u64(b, "heap_used", s->heap_inuse, &f);
		dm_json_u64(b, "heap_free", s->heap_free, &f);
		dm_json_u64(b, "accounted", s->acct.live, &f);
	}
	split_members(b, s, &f);
	if (s->children_total)
		dm_json_u64(b, "children", s->children_total, &f);
	dm_buf_putc(b, '}');
	if (tr) {
		dm_buf_json_key(b, "trend", first);
		dm_buf_putc(b, '{');
		f = 1;
		trend_members(b, tr, &f);
		dm_buf_putc(b, '}');
	}
	dm_iso_time(ev->wall_ms, ts, sizeof ts);
	dm_json_str(b, "timestamp", ts, first);
	if (m) {
		dm_buf_json_key(b, "monitor", first);
		dm_buf_putc(b, '{');
		f = 1;
		dm_iso_time((int64_t)(m->start_wall * 1000), ts, sizeof ts);
		dm_json_str(b, "start", ts, &f);
		dm_iso_time((int64_t)(m->end_wall * 1000), ts, sizeof ts);
		dm_json_str(b, "end", ts, &f);
		dm_json_u64(b, "rss_start", m->rss_start, &f);
		dm_json_u64(b, "rss_end", m->rss_end, &f);
		dm_json_i64(b, "delta", (int64_t)m->rss_end - (int64_t)m->rss_start, &f);
		dm_json_u64(b, "rss_peak", m->rss_peak, &f);
		dm_json_u64(b, "reclamations", m->reclamations, &f);
		dm_buf_putc(b, '}');
	}
}

int dm_event_to_line(const struct dm_event *ev, struct dm_buf *out)
{
	size_t mark = out->len;
	if (dm_event_to_json(ev, out) != 0 || (dm_buf_putc(out, '\n'), out->failed)) {
		out->len = mark;
		out->failed = 0;
		return -1;
	}
	return 0;
}

enum dm_event_loss dm_event_loss_class(enum dm_event_type t)
{
	switch (t) {
	case DM_EV_SAMPLE:
		return DM_LOSS_SAMPLE;
	case DM_EV_FILE_QUEUED:
	case DM_EV_FILE_START:
	case DM_EV_WAITING:
	case DM_EV_PROGRESS:
	case DM_EV_RECLAIM:
	case DM_EV_PRESSURE:
	case DM_EV_SETTING:
	case DM_EV_NOTE:
		return DM_LOSS_NARRATION;
	default:
		return DM_LOSS_RESULT;
	}
}

int dm_event_admit(const struct dm_event_bounds *b, enum dm_event_loss c, size_t queued)
{
	return (unsigned)c < DM_LOSS_CLASSES && queued < b->at[c];
}

uint64_t dm_event_losses_total(const struct dm_event_losses *l)
{
	uint64_t n = 0;
	for (int c = 0; c < DM_LOSS_CLASSES; c++)
		n += l->n[c];
	return n;
}

char *dm_event_losses_text(const struct dm_event_losses *l, char *buf, size_t size)
{
	static const char *const one[DM_LOSS_CLASSES] = {"sample", "narration event", "result"};
	static const char *const many[DM_LOSS_CLASSES] = {"samples", "narration events", "results"};
	int named = 0, left = 0;
	for (int c = 0; c < DM_LOSS_CLASSES; c++)
		left += l->n[c] > 0;
	size_t k = 0;
	buf[0] = '\0';
	for (int c = 0; c < DM_LOSS_CLASSES && k < size; c++) {
		if (!l->n[c])
			continue;
		const char *sep = !named ? "" : named == left - 1 ? " and " : ", ";
		int w = snprintf(buf + k, size - k, "%s%llu %s", sep, (unsigned long long)l->n[c],
		                 l->n[c] == 1 ? one[c] : many[c]);
		k += w > 0 ? (size_t)w : 0;
		named++;
	}
	if (!named)
		snprintf(buf, size, "nothing");
	return buf;
}

int dm_event_note_losses(struct dm_buf *out, const struct dm_event_losses *lost,
                         struct dm_event_losses *noted, double t, int64_t wall_ms,
                         const char *who, const char *why)
{
	struct dm_event_losses d;
	for (int c = 0; c < DM_LOSS_CLASSES; c++)
		d.n[c] = lost->n[c] - noted->n[c];
	if (!dm_event_losses_total(&d))
		return 0;
	char counts[160], text[320];
	snprintf(text, sizeof text, "%s%s%s left out before this point: %s", who ? who : "",
	         who ? ": " : "", dm_event_losses_text(&d, counts, sizeof counts), why);
	struct dm_event n = {.type = DM_EV_NOTE, .t = t, .wall_ms = wall_ms,
	                     .u.note = {text, NULL, &d}};
	if (dm_event_to_line(&n, out) != 0)
		return -1;
	*noted = *lost;
	return 1;
}

int dm_event_is_leak(enum dm_event_type t)
{
	switch (t) {
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		return 1;
	default:
		return 0;
	}
}

const struct dm_file_info *dm_event_file(const struct dm_event *ev)
{
	switch (ev->type) {
	case DM_EV_FILE_QUEUED:
	case DM_EV_FILE_START:
	case DM_EV_WAITING:
	case DM_EV_PROGRESS:
	case DM_EV_FILE_DONE:
		return ev->u.file.file;
	case DM_EV_ERROR:
		return ev->u.error.file;
	case DM_EV_RETRY:
		return ev->u.retry.file;
	default:
		return NULL;
	}
}

static void start_members(struct dm_buf *b, const struct dm_ev_start *e, int *first)
{
	if (e->config) {
		char v[DM_PATH_MAX];
		dm_json_str(b, "profile", e->config->name, first);
		for (size_t i = 0; dm_config_key_at(i); i++) {
			const struct dm_config_key *k = dm_config_key_at(i);
			if (strcmp(k->name, "name") == 0 || strcmp(k->name, "description") == 0)
				continue;
			dm_config_format(e->config, k, v, sizeof v);
			dm_json_str(b, k->name, v, first);
		}
	}
	dm_json_u64(b, "workers", e->workers, first);
	dm_json_i64(b, "pid", (int64_t)getpid(), first);
	dm_json_str(b, "version", PACKAGE_VERSION, first);
}

static void error_members(struct dm_buf *b, const struct dm_ev_error *e, int *first)
{
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(e->error, msg, sizeof msg);
	if (e->file) {
		dm_json_str(b, "file", e->file->path, first);
		dm_json_u64(b, "index", (uint64_t)e->file->index, first);
	}
	dm_json_str(b, "code", dm_strerror(e->error->code), first);
	dm_json_str(b, "message", msg, first);
	if (e->error->has_pos) {
		dm_json_u64(b, "line", e->error->line, first);
		dm_json_u64(b, "column", e->error->column, first);
		dm_json_u64(b, "offset", e->error->offset, first);
	}
	dm_json_bool(b, "fatal", e->fatal, first);
}

static void leak_event_members(struct dm_buf *b, const struct dm_event *ev, int *first)
{
	const struct dm_ev_leak *e = &ev->u.leak;
	if (e->change) {
		dm_json_str(b, "detector", "multiscale", first);
		change_members(b, ev->type, e->change, first);
	} else if (e->leak) {
		leak_members(b, e->leak, first);
		if (ev->type != DM_EV_LEAK_SUSPECTED)
			dm_json_i64(b, "reclaimed", e->leak->reclaimed, first);
	}
	if (e->sample)
		dm_json_u64(b, "rss", e->sample->rss, first);
	if (ev->type == DM_EV_LEAK_CONFIRMED) {
		if (e->leak || e->change)
			alert_member(b, ev, first);
		dm_json_str(b, "heap_report", e->report_path, first);
	}
}

int dm_event_to_json(const struct dm_event *ev, struct dm_buf *b)
{
	char ts[32];
	int first = 1;
	dm_buf_putc(b, '{');
	dm_json_str(b, "event", dm_event_name(ev->type), &first);
	dm_json_num(b, "t", ev->t, &first);
	dm_iso_time(ev->wall_ms, ts, sizeof ts);
	dm_json_str(b, "time", ts, &first);

	const struct dm_file_info *file = dm_event_file(ev);
	if (file && ev->type != DM_EV_ERROR)
		file_members(b, file, ev->type, &first);
	switch (ev->type) {
	case DM_EV_START:
		start_members(b, &ev->u.start, &first);
		break;
	case DM_EV_SAMPLE:
		if (ev->u.sample.sample)
			sample_members(b, ev->u.sample.sample, &first);
		if (ev->u.sample.trend)
			trend_members(b, ev->u.sample.trend, &first);
		break;
	case DM_EV_RECLAIM: {
		const struct dm_reclaim_info *r = ev->u.reclaim;
		dm_json_str(b, "reason", r->reason, &first);
		dm_json_u64(b, "pool_bytes", r->pool_bytes, &first);
		dm_json_u64(b, "rss_before", r->rss_before, &first);
		dm_json_u64(b, "rss_after", r->rss_after, &first);
		dm_json_i64(b, "rss_freed", (int64_t)r->rss_before - (int64_t)r->rss_after, &first);
		dm_json_bool(b, "trimmed", r->trimmed, &first);
		break;
	}
	case DM_EV_PRESSURE:
		dm_json_bool(b, "on", ev->u.pressure.on, &first);
		if (ev->u.pressure.chunk_size)
			dm_json_str(b, "chunk_size", ev->u.pressure.chunk_size, &first);
		break;
	case DM_EV_RETRY:
		if (ev->u.retry.chunk_size)
			dm_json_str(b, "chunk_size", ev->u.retry.chunk_size, &first);
		break;
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		leak_event_members(b, ev, &first);
		break;
	case DM_EV_ERROR:
		error_members(b, &ev->u.error, &first);
		break;
	case DM_EV_SETTING:
		dm_json_str(b, "key", ev->u.setting.key, &first);
		dm_json_str(b, "value", ev->u.setting.value, &first);
		break;
	case DM_EV_NOTE:
		dm_json_str(b, "message", ev->u.note.text, &first);
		if (ev->u.note.path)
			dm_json_str(b, "path", ev->u.note.path, &first);
		if (ev->u.note.left_out) {
			const struct dm_event_losses *l = ev->u.note.left_out;
			int f = 1;
			dm_buf_json_key(b, "left_out", &first);
			dm_buf_putc(b, '{');
			dm_json_u64(b, "samples", l->n[DM_LOSS_SAMPLE], &f);
			dm_json_u64(b, "narration", l->n[DM_LOSS_NARRATION], &f);
			dm_json_u64(b, "results", l->n[DM_LOSS_RESULT], &f);
			dm_buf_putc(b, '}');
		}
		break;
	case DM_EV_SUMMARY:
		if (ev->u.summary)
			summary_members(b, ev->u.summary, &first);
		break;
	case DM_EV_STATUS:
		if (ev->u.status.sample)
			status_members(b, ev, &first);
		break;
	default:
		break;
	}
	dm_buf_putc(b, '}');
	return b->failed ? -1 : 0;
}
