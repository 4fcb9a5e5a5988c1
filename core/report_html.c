/* The report page: one HTML file with its CSS inline and the charts as
 * inline SVG. Nothing in it points outside itself (no scripts, fonts,
 * images or style sheets to fetch), so it reads the same offline, mailed,
 * or printed. */
#include "config.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_draw.h"
#include "report_int.h"

static const char css[] =
	"body{font:14px/1.45 \"DejaVu Sans\",Verdana,Arial,sans-serif;color:#222;background:#fff;"
	"max-width:1000px;margin:24px auto;padding:0 16px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:30px 0 8px;padding-bottom:3px;"
	"border-bottom:1px solid #ccc}\n"
	".sub{color:#555;margin:0 0 14px}\n"
	".cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}\n"
	".card{flex:1 1 100px;border:1px solid #ddd;border-radius:6px;padding:8px 12px}\n"
	".card b{display:block;font-size:20px;white-space:nowrap}.card span{color:#555;font-size:12px}\n"
	".bad b{color:#c0392b}.good b{color:#2e7d32}\n"
	"table{border-collapse:collapse;font-size:13px;margin:6px 0}\n"
	"th,td{padding:3px 9px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}\n"
	"th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.path{word-break:break-all}.more{color:#555;font-style:italic}\n"
	".warn{background:#fff4e5;border-left:4px solid #e67e22;padding:6px 10px;margin:10px 0}\n"
	".swatch{margin-right:5px}\n"
	"svg{max-width:100%;height:auto;display:block}\n"
	"@media print{body{max-width:none;margin:0;font-size:11px}h2{break-after:avoid}"
	"svg,tr,.card{break-inside:avoid}.card{border-color:#999}}\n"
	"@page{size:A4;margin:12mm}\n";

/* Only in pages with leak stories, so that older pages stay as they were. */
static const char story_css[] = "h3{font-size:15px;margin:20px 0 4px}\n";

static void td_num(struct dm_buf *o, int decimals, double v)
{
	dm_buf_puts(o, "<td class=\"n\">");
	dm_buf_printf(o, "%.*f", decimals, v);
	dm_buf_puts(o, "</td>");
}

static void td_text(struct dm_buf *o, const char *cls, const char *s)
{
	if (cls)
		dm_buf_printf(o, "<td class=\"%s\">", cls);
	else
		dm_buf_puts(o, "<td>");
	dm_rd_esc(o, s);
	dm_buf_puts(o, "</td>");
}

static void td_bytes(struct dm_buf *o, double b)
{
	char s[32];
	dm_rd_bytes(s, sizeof s, b);
	td_text(o, "n", s);
}

static const struct kv *find(const struct kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return &kv[i];
	return NULL;
}

static void card(struct dm_buf *o, const char *cls, const char *value, const char *label)
{
	dm_buf_printf(o, "<div class=\"card%s%s\"><b>", cls ? " " : "", cls ? cls : "");
	dm_rd_esc(o, value);
	dm_buf_puts(o, "</b><span>");
	dm_rd_esc(o, label);
	dm_buf_puts(o, "</span></div>\n");
}

static double kv_num(const struct dm_report *rep, const char *key, double dflt)
{
	const struct kv *k = find(rep->summary, rep->nsummary, key);
	double v;
	return k && k->num && sscanf(k->val, "%lf", &v) == 1 ? v : dflt;
}

/* The rest of a verdict's evidence cell: the alert and the heap report. */
static void alert_cell_end(struct dm_buf *o, const struct leakv *l)
{
	dm_rd_esc(o, l->alert);
	if (l->heap_report[0]) {
		dm_buf_puts(o, l->alert[0] ? "<br>heap report: <code>" : "heap report: <code>");
		dm_rd_esc(o, l->heap_report);
		dm_buf_puts(o, "</code>");
	}
	dm_buf_puts(o, "</td></tr>\n");
}

/* ---- the multiscale detector's leaks: one story each ------------------- */

struct story_count {
	int confirmed, growing, stopped, bounded, undecided;
};

static void count_stories(const struct dm_report *rep, struct story_count *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < rep->nstories; i++) {
		const struct story *s = &rep->stories[i];
		int conf = s->t_confirmed >= 0 || s->updates || s->end == MK_LEAK_STOPPED;
		c->confirmed += conf;
		c->growing += conf && !s->end;
		c->stopped += s->end == MK_LEAK_STOPPED;
		c->bounded += s->end == MK_GROWTH_BOUNDED;
		c->undecided += !conf && !s->end;
	}
}

/* What became of a story, and its id for tests and style. */
static const char *outcome(const struct story *s, const char **id)
{
	int conf = s->t_confirmed >= 0 || s->updates || s->end == MK_LEAK_STOPPED;
	switch (s->end) {
	case MK_LEAK_STOPPED: *id = "stopped"; return "stopped";
	case MK_GROWTH_BOUNDED: *id = "bounded"; return "growth bounded: not a leak";
	case MK_LEAK_CLEARED: *id = "cleared"; return "cleared";
	default: break;
	}
	if (conf) {
		*id = "growing";
		return "still growing at the end of the recording";
	}
	*id = "undecided";
	return "suspected, undecided at the end of the recording";
}

/* Bytes above the story's baseline: where it ended, else the RSS at the
 * last sample. */
static double story_growth(const struct dm_report *rep, const struct story *s)
{
	if (s->end == MK_LEAK_STOPPED || s->end == MK_GROWTH_BOUNDED)
		return (double)s->plateau - (double)s->baseline;
	uint64_t now = rep->t_rss_last >= s->t_first ? rep->rss_last : s->floor_last;
	return (double)now - (double)s->baseline;
}

static void story_cards(const struct dm_report *rep, struct dm_buf *o)
{
	struct story_count c;
	count_stories(rep, &c);
	char v[48], lab[160];
	snprintf(v, sizeof v, "%d%s", c.confirmed, rep->stories_more ? "+" : "");
	snprintf(lab, sizeof lab, "leaks confirmed: %d still growing at the end, %d stopped", c.growing,
	         c.stopped);
	card(o, c.growing ? "bad" : c.confirmed ? NULL : "good", v, lab);
	if (c.bounded || c.undecided) {
		snprintf(v, sizeof v, "%d", c.bounded);
		snprintf(lab, sizeof lab, "growth bounded (it ended: not a leak)%s",
		         c.undecided ? "; more suspected, undecided at the end" : "");
		card(o, NULL, v, lab);
	}
	uint64_t proj = rep->kind_count[MK_EXHAUSTION_PROJECTED];
	if (proj) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)proj);
		card(o, rep->proj_standing ? "bad" : NULL, v,
		     rep->proj_standing ? "exhaustion projected: still standing at the end"
		                        : "exhaustion projected: cleared since");
	}
}

static void td_rate(struct dm_buf *o, double rate)
{
	char r[40];
	dm_rd_bytes(r, sizeof r, rate);
	strncat(r, "/s", sizeof r - strlen(r) - 1);
	td_text(o, "n", r);
}

static void td_secs(struct dm_buf *o, double t)
{
	char s[32] = "";
	if (t >= 0)
		dm_rd_secs(s, sizeof s, t);
	td_text(o, "n", s);
}

static void story_event_row(const struct dm_report *rep, const struct leakv *l, int resumed,
                            struct dm_buf *o)
{
	const struct story *s = &rep->stories[l->story];
	int ends = l->kind == MK_LEAK_STOPPED || l->kind == MK_GROWTH_BOUNDED;
	dm_buf_printf(o, "<tr data-leak=\"%s\" data-story=\"%d\">", dm_rd_mark_id(l->kind), l->story + 1);
	td_secs(o, l->t);
	dm_buf_printf(o, "<td><span class=\"swatch\" style=\"color:%s\">\xE2\x97\x8F</span>",
	              dm_rd_mark_colour(l->kind));
	dm_rd_esc(o, resumed ? "growing again" : dm_report_mark_name((enum mark_kind)l->kind));
	dm_buf_puts(o, "</td>");
	if (ends || !l->multiscale) {
		td_text(o, NULL, "");
		td_text(o, NULL, "");
		td_text(o, NULL, "");
	} else {
		td_rate(o, l->rate);
		td_rate(o, l->rate_low);
		td_secs(o, l->window);
	}
	td_bytes(o, (double)(ends ? l->plateau : l->floor));
	td_bytes(o, (double)l->rss);
	if (s->has_baseline)
		td_bytes(o, (ends ? (double)l->plateau : (double)l->rss) - (double)s->baseline);
	else
		td_text(o, NULL, "");
	dm_buf_puts(o, "<td>");
	if (ends)
		dm_buf_puts(o, "the floor made no new ground for as long as it had been rising");
	else if (resumed)
		dm_buf_puts(o, "the floor passed its plateau again");
	alert_cell_end(o, l);
}

static void story_headline(const struct dm_report *rep, int i, struct dm_buf *o)
{
	const struct story *s = &rep->stories[i];
	const char *id, *what = outcome(s, &id);
	char a[32], b[32];
	dm_buf_printf(o, "<h3 id=\"leak-%d\" data-outcome=\"%s\">%s %d: ", i + 1, id,
	              s->end == MK_GROWTH_BOUNDED || !strcmp(id, "undecided") ? "Growth" : "Leak", i + 1);
	dm_rd_esc(o, what);
	if (s->has_baseline) {
		dm_rd_bytes(a, sizeof a, story_growth(rep, s));
		dm_buf_printf(o, ", %s above its baseline", a);
	}
	if (s->rate_max > 0) {
		dm_rd_bytes(b, sizeof b, s->rate_max);
		dm_buf_printf(o, " (at most %s/s)", b);
	}
	dm_buf_puts(o, "</h3>\n");
}

static void stories_section(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_puts(o, "<h2 id=\"leaks\">Leaks and growth</h2>\n");
	if (!rep->nstories && !rep->stories_more) {
		dm_buf_puts(o, "<p>No growth of the floor (the memory the process returns to) was seen: no leak "
		               "was suspected.</p>\n");
		return;
	}
	dm_buf_puts(o, "<p>The detector fits the <em>floor</em>, the memory the process returns to. Growth "
	               "of the floor is <em>suspected</em>; sustained over a whole window and each of its "
	               "quarters it is a <em>confirmed</em> leak; a confirmed leak whose rate changes by a "
	               "factor of two is <em>updated</em>; one whose floor stops rising has "
	               "<em>stopped</em>; growth that ends before it is confirmed is <em>bounded</em>. "
	               "Growth is counted from the floor before the growth began.</p>\n");
	dm_buf_puts(o, "<table id=\"stories\">\n<tr><th>#</th><th>first seen</th><th>suspected</th>"
	               "<th>confirmed</th><th>rate when confirmed</th><th>last rate</th><th>updates</th>"
	               "<th>ended</th><th>outcome</th><th>growth</th></tr>\n");
	for (int i = 0; i < rep->nstories; i++) {
		const struct story *s = &rep->stories[i];
		const char *id, *what = outcome(s, &id);
		dm_buf_printf(o, "<tr data-story=\"%d\" data-outcome=\"%s\">", i + 1, id);
		td_num(o, 0, i + 1);
		td_secs(o, s->since >= 0 ? s->since : s->t_first);
		td_secs(o, s->t_suspected);
		td_secs(o, s->t_confirmed);
		if (s->t_confirmed >= 0)
			td_rate(o, s->rate_confirmed);
		else
			td_text(o, NULL, "");
		td_rate(o, s->rate_last);
		td_num(o, 0, s->updates);
		td_secs(o, s->t_end);
		td_text(o, NULL, what);
		if (s->has_baseline)
			td_bytes(o, story_growth(rep, s));
		else
			td_text(o, NULL, "");
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
	if (rep->stories_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more not shown (the first %d are).</p>\n",
		              (unsigned long long)rep->stories_more, DM_REPORT_STORIES);
	for (int i = 0; i < rep->nstories; i++) {
		story_headline(rep, i, o);
		dm_buf_puts(o, "<table>\n<tr><th>time</th><th>event</th><th>floor rate</th><th>at least</th>"
		               "<th>over</th><th>floor</th><th>RSS</th><th>above the baseline</th>"
		               "<th>evidence</th></tr>\n");
		int stopped = 0;
		for (int k = 0; k < rep->nleaks; k++) {
			const struct leakv *l = &rep->leaks[k];
			if (l->story != i)
				continue;
			story_event_row(rep, l, l->kind == MK_LEAK_UPDATED && stopped, o);
			stopped = l->kind == MK_LEAK_STOPPED ? 1 : l->kind == MK_LEAK_UPDATED ? 0 : stopped;
		}
		dm_buf_puts(o, "</table>\n");
	}
	if (rep->leaks_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more leak events not shown.</p>\n",
		              (unsigned long long)rep->leaks_more);
}

static void projections_section(const struct dm_report *rep, struct dm_buf *o)
{
	if (!rep->kind_count[MK_EXHAUSTION_PROJECTED] && !rep->kind_count[MK_EXHAUSTION_CLEARED])
		return;
	dm_buf_puts(o, "<h2 id=\"exhaustion\">Exhaustion projections</h2>\n<p>Apart from the verdicts, the "
	               "floor's slope over the last 10 s is projected to the limit (the budget in a run; RSS "
	               "plus MemAvailable, or --limit, for a watched process). A projection that reaches it "
	               "within exhaustion_horizon is said at once, before anything is proven, and cleared when "
	               "it no longer holds. The chart draws each one as a dashed ray from the RSS it was made at.</p>\n");
	if (!rep->nproj && !rep->proj_more) {
		dm_buf_puts(o, "<p>The recording has a projection cleared, but not the projection "
		               "itself.</p>\n");
		return;
	}
	dm_buf_puts(o, "<table id=\"projections\">\n<tr><th>projected at</th><th>limit</th><th>time left</th>"
	               "<th>would reach it at</th><th>floor rate</th><th>floor</th><th>RSS</th><th>until</th>"
	               "</tr>\n");
	for (int i = 0; i < rep->nproj; i++) {
		const struct projection *p = &rep->proj[i];
		int standing = p->t_cleared < 0;
		dm_buf_printf(o, "<tr data-projection=\"%d\" data-state=\"%s\">", i,
		              standing ? "standing" : p->superseded ? "superseded" : "cleared");
		td_secs(o, p->t);
		td_bytes(o, (double)p->limit);
		td_secs(o, p->time_left);
		td_secs(o, p->time_left >= 0 ? p->t + p->time_left : -1);
		td_rate(o, p->rate);
		td_bytes(o, (double)p->floor);
		td_bytes(o, (double)p->rss);
		char t[64] = "standing at the end of the recording";
		if (!standing) {
			char c[32];
			dm_rd_secs(c, sizeof c, p->t_cleared);
			snprintf(t, sizeof t, p->superseded ? "%s (a new projection)" : "cleared at %s", c);
		}
		td_text(o, NULL, t);
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
	if (rep->proj_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more projections not shown.</p>\n",
		              (unsigned long long)rep->proj_more);
}

static void cards(const struct dm_report *rep, struct dm_buf *o)
{
	char v[64];
	dm_buf_puts(o, "<div class=\"cards\">\n");
	if (rep->have_summary) {
		double files = kv_num(rep, "files", 0), failed = kv_num(rep, "files_failed", 0);
		snprintf(v, sizeof v, "%.0f of %.0f", files - failed, files);
		card(o, failed > 0 ? "bad" : "good", v, "files parsed");
		snprintf(v, sizeof v, "%.1f MB/s", kv_num(rep, "mb_per_s", 0));
		card(o, NULL, v, "throughput");
		dm_rd_bytes(v, sizeof v, kv_num(rep, "rss_peak", 0));
		card(o, NULL, v, "peak RSS");
		dm_rd_bytes(v, sizeof v, kv_num(rep, "accounted_peak", 0));
		card(o, NULL, v, "peak accounted (parsing)");
		if (rep->stories_mode) {
			story_cards(rep, o);
		} else {
			double conf = kv_num(rep, "leaks_confirmed", 0);
			snprintf(v, sizeof v, "%.0f / %.0f", kv_num(rep, "leaks_suspected", 0), conf);
			card(o, conf > 0 ? "bad" : "good", v, "leaks suspected / confirmed");
		}
		snprintf(v, sizeof v, "%.0f", kv_num(rep, "exit_code", 0));
		card(o, kv_num(rep, "exit_code", 0) != 0 ? "bad" : "good", v, "exit code");
	} else if (rep->is_samples) {
		dm_rd_bytes(v, sizeof v, (double)rep->rss_max);
		card(o, NULL, v, "peak RSS sampled");
		snprintf(v, sizeof v, "%llu", (unsigned long long)rep->samples);
		card(o, NULL, v, "samples (a samples CSV has no events to mark)");
	} else {
		dm_rd_bytes(v, sizeof v, (double)rep->rss_max);
		card(o, NULL, v, "peak RSS sampled");
		if (rep->stories_mode)
			story_cards(rep, o);
		if (rep->have_status)   /* a watch ends with its status, no summary */
			card(o, NULL, "final status", "recorded (a watch has no files to sum up)");
		else
			card(o, "bad", "none", "summary (the recording stops before the end of the run)");
	}
	dm_rd_secs(v, sizeof v, rep->t_last);
	card(o, NULL, v, "recorded");
	dm_buf_puts(o, "</div>\n");
}

static void reading(const struct dm_report *rep, struct dm_buf *o)
{
	const struct dm_jsonl_skips *s = &rep->skips;
	if (s->total) {
		dm_buf_printf(o, "<p class=\"warn\" id=\"skipped\" data-skipped=\"%llu\">%llu line%s of the "
		              "recording could not be used and %s skipped:",
		              (unsigned long long)s->total, (unsigned long long)s->total,
		              s->total == 1 ? "" : "s", s->total == 1 ? "was" : "were");
		static const char *const what[] = {"corrupt", "too long", "cut short", "out of time order",
		                                   "a second start"};
		uint64_t n[] = {s->corrupt, s->too_long, s->truncated, s->out_of_order, s->misplaced};
		int first = 1;
		for (int i = 0; i < 5; i++)
			if (n[i]) {
				dm_buf_printf(o, "%s %llu %s", first ? "" : ",", (unsigned long long)n[i], what[i]);
				first = 0;
			}
		dm_buf_puts(o, ". The charts and tables show the rest.</p>\n");
	}
	if (!rep->have_summary && !rep->have_status && !rep->is_tune && !rep->is_samples)
		dm_buf_puts(o, "<p class=\"warn\" id=\"cut\">The recording ends before the run's summary: "
		               "the run was still going, or was stopped, when it was cut.</p>\n");
}

static void summary_table(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_puts(o, "<h2 id=\"summary\">Summary</h2>\n<table>\n<tr><th>figure</th><th>value</th><th></th></tr>\n");
	for (int i = 0; i < rep->nsummary; i++) {
		const struct kv *k = &rep->summary[i];
		dm_buf_puts(o, "<tr><th>");
		dm_rd_esc(o, k->key);
		dm_buf_printf(o, "</th><td class=\"n\" data-key=\"");
		dm_rd_esc(o, k->key);
		dm_buf_puts(o, "\">");
		dm_rd_esc(o, k->val);
		dm_buf_puts(o, "</td><td>");
		double v;
		char h[40] = "";
		if (k->num && sscanf(k->val, "%lf", &v) == 1) {
			if (strstr(k->key, "peak") || !strcmp(k->key, "bytes") || strstr(k->key, "_bytes"))
				dm_rd_bytes(h, sizeof h, v);
			else if (!strcmp(k->key, "seconds"))
				dm_rd_secs(h, sizeof h, v);
		}
		dm_rd_esc(o, h);
		dm_buf_puts(o, "</td></tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
}

static void files_table(const struct dm_report *rep, struct dm_buf *o)
{
	if (rep->watched && !rep->nfiles && !rep->files_more)
		return;   /* a watched process: no files of ours */
	dm_buf_puts(o, "<h2 id=\"files\">Files</h2>\n");
	dm_rd_gantt(rep, o);
	dm_buf_puts(o, "<table>\n<tr><th>#</th><th>file</th><th>state</th><th>size</th><th>parsed</th>"
	               "<th>records</th><th>time</th><th>MB/s</th><th>peak</th><th>error</th></tr>\n");
	for (int i = 0; i < rep->nfiles; i++) {
		const struct rfile *f = &rep->files[i];
		if (!f->used)
			continue;
		char t[32];
		dm_buf_printf(o, "<tr data-file=\"%d\">", f->index);
		td_num(o, 0, f->index);
		td_text(o, "path", f->path);
		td_text(o, NULL, f->retried ? "done after a retry" : f->state);
		td_bytes(o, (double)f->size);
		td_bytes(o, (double)f->bytes);
		td_num(o, 0, (double)f->records);
		dm_rd_secs(t, sizeof t, f->done ? f->seconds : 0);
		td_text(o, "n", f->done ? t : "");
		td_num(o, 1, f->mbps);
		td_bytes(o, (double)f->peak);
		td_text(o, NULL, f->error);
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
	if (rep->files_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more events of files beyond the first %d are not shown.</p>\n",
		              (unsigned long long)rep->files_more, DM_REPORT_FILES);
}

static void leaks_table(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_puts(o, "<h2 id=\"leaks\">Leak verdicts</h2>\n");
	if (!rep->nleaks) {
		dm_buf_puts(o, "<p>No leak was suspected: RSS never grew past the leak threshold over the "
		               "detector's snapshots.</p>\n");
		return;
	}
	dm_buf_puts(o, "<p>The detector takes an RSS snapshot every leak_interval; growth past leak_threshold "
	               "over three snapshots makes it <em>suspect</em> a leak and force a reclamation. If RSS "
	               "still grows, the leak is <em>confirmed</em> and a heap report written.</p>\n"
	               "<table>\n<tr><th>time</th><th>verdict</th><th>snapshots</th><th>growth</th><th>over</th>"
	               "<th>rate</th><th>RSS</th><th>reclaimed</th><th>evidence</th></tr>\n");
	for (int i = 0; i < rep->nleaks; i++) {
		const struct leakv *l = &rep->leaks[i];
		char t[32], r[40];
		dm_rd_secs(t, sizeof t, l->t);
		dm_buf_printf(o, "<tr data-leak=\"%s\">", dm_rd_mark_id(l->kind));
		td_text(o, "n", t);
		dm_buf_printf(o, "<td><span class=\"swatch\" style=\"color:%s\">\xE2\x97\x8F</span>", dm_rd_mark_colour(l->kind));
		dm_rd_esc(o, l->state[0] ? l->state : dm_report_mark_name((enum mark_kind)l->kind));
		dm_buf_puts(o, "</td>");
		td_num(o, 0, (double)l->snapshots);
		td_bytes(o, (double)l->growth);
		dm_rd_secs(t, sizeof t, l->span);
		td_text(o, "n", t);
		dm_rd_bytes(r, sizeof r, l->rate);
		strncat(r, "/s", sizeof r - strlen(r) - 1);
		td_text(o, "n", r);
		td_bytes(o, (double)l->rss);
		if (l->has_reclaimed)
			td_bytes(o, (double)l->reclaimed);
		else
			td_text(o, NULL, "");
		dm_buf_puts(o, "<td>");
		alert_cell_end(o, l);
	}
	dm_buf_puts(o, "</table>\n");
	if (rep->leaks_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more leak events not shown.</p>\n",
		              (unsigned long long)rep->leaks_more);
}

static void marks_table(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_puts(o, "<h2 id=\"events\">Events of interest</h2>\n");
	if (!rep->nmarks) {
		dm_buf_puts(o, "<p>No reclamations, pressure, setting changes, leak states or errors.</p>\n");
		return;
	}
	dm_buf_puts(o, "<table>\n<tr><th>time</th><th>what</th><th>details</th></tr>\n");
	for (int i = 0; i < rep->nmarks; i++) {
		const struct mark *m = &rep->marks[i];
		char t[32];
		dm_rd_secs(t, sizeof t, m->t);
		dm_buf_printf(o, "<tr data-mark=\"%s\">", dm_rd_mark_id(m->kind));
		td_text(o, "n", t);
		dm_buf_printf(o, "<td><span class=\"swatch\" style=\"color:%s\">\xE2\x97\x8F</span>%s</td>",
		              dm_rd_mark_colour(m->kind), dm_report_mark_name((enum mark_kind)m->kind));
		td_text(o, NULL, m->text);
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
	uint64_t more = 0;
	for (int k = 0; k < MK_KINDS; k++)
		more += rep->kind_more[k];
	if (more)
		dm_buf_printf(o, "<p class=\"more\" data-more=\"%llu\">%llu more not shown (the first %d are).</p>\n",
		              (unsigned long long)more, (unsigned long long)more, DM_REPORT_MARKS);
	for (int i = 0; i < rep->nnotes; i++) {
		dm_buf_puts(o, i ? "<br>" : "<p>Notes:<br>");
		dm_rd_esc(o, rep->notes[i]);
	}
	if (rep->nnotes)
		dm_buf_puts(o, "</p>\n");
}

static void config_table(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_puts(o, "<h2 id=\"config\">Configuration</h2>\n<table>\n");
	for (int i = 0; i < rep->nconfig; i++) {
		dm_buf_puts(o, "<tr><th>");
		dm_rd_esc(o, rep->config[i].key);
		dm_buf_puts(o, "</th>");
		td_text(o, NULL, rep->config[i].val);
		dm_buf_puts(o, "</tr>\n");
	}
	for (int i = 0; i < rep->nstatus; i++) {
		dm_buf_puts(o, "<tr><th>");
		dm_rd_esc(o, rep->status[i].key);
		dm_buf_puts(o, "</th>");
		td_text(o, NULL, rep->status[i].val);
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
}

static void about(const struct dm_report *rep, struct dm_buf *o)
{
	dm_buf_printf(o, "<h2 id=\"recording\">This recording</h2>\n<p>%llu lines, %llu events",
	              (unsigned long long)rep->lines, (unsigned long long)rep->events);
	if (rep->unknown_events)
		dm_buf_printf(o, " (%llu of kinds this version does not draw)", (unsigned long long)rep->unknown_events);
	dm_buf_printf(o, ", <span id=\"samples\" data-samples=\"%llu\" data-points=\"%llu\">%llu memory samples "
	              "drawn as %llu points</span>",
	              (unsigned long long)rep->samples, (unsigned long long)dm_report_points(rep->samples),
	              (unsigned long long)rep->samples, (unsigned long long)dm_report_points(rep->samples));
	if (rep->width > 1)
		dm_buf_printf(o, " (buckets of %llu samples, each drawn as its minimum and maximum)",
		              (unsigned long long)rep->width);
	dm_buf_printf(o, ", %llu lines skipped.</p>\n", (unsigned long long)rep->skips.total);
}

static void head(struct dm_buf *o, const char *title, const char *more_css)
{
	dm_buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<meta name=\"generator\" content=\"ddexmon " PACKAGE_VERSION "\">\n<title>ddexmon report: ");
	dm_rd_esc(o, title);
	dm_buf_printf(o, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n", css, more_css);
}

static void tune_page(const struct dm_report *rep, const char *title, struct dm_buf *o)
{
	head(o, title, "");
	dm_buf_puts(o, "<h1>ddexmon tune: chunk size sweep</h1>\n<p class=\"sub\">");
	dm_rd_esc(o, title);
	dm_buf_printf(o, " \xE2\x80\x94 %d settings</p>\n", rep->ntune);
	reading(rep, o);
	dm_rd_tune_chart(rep, o, 0);
	dm_buf_puts(o, "<h2>Settings</h2>\n<table>\n<tr><th>chunk</th><th>buffer</th><th>runs</th>"
	               "<th>MB/s (median)</th><th>min</th><th>max</th><th>peak RSS</th><th>accounted</th>"
	               "<th>allocations</th><th></th></tr>\n");
	for (int i = 0; i < rep->ntune; i++) {
		const struct tune_row *w = &rep->tune[i];
		dm_buf_puts(o, "<tr>");
		td_text(o, NULL, w->chunk);
		td_text(o, NULL, w->buffer);
		td_num(o, 0, w->runs);
		td_num(o, 1, w->med);
		td_num(o, 1, w->min);
		td_num(o, 1, w->max);
		td_bytes(o, (double)w->peak_rss);
		td_bytes(o, (double)w->acct_peak);
		td_num(o, 0, (double)w->allocs);
		td_text(o, NULL, w->best ? "\xE2\x98\x85 chosen" : w->error[0] ? w->error : w->ok ? "" : "failed");
		dm_buf_puts(o, "</tr>\n");
	}
	dm_buf_puts(o, "</table>\n");
	if (rep->tune_more)
		dm_buf_printf(o, "<p class=\"more\">%llu more rows not shown.</p>\n", (unsigned long long)rep->tune_more);
	dm_buf_puts(o, "</body>\n</html>\n");
}

int dm_report_render(const struct dm_report *rep, enum dm_report_format fmt, const char *title,
                     struct dm_buf *o)
{
	if (fmt == DM_REPORT_SVG)
		return rep->is_tune ? dm_rd_tune_chart(rep, o, 1) : dm_rd_memory_chart(rep, o, 1);
	if (rep->is_tune) {
		tune_page(rep, title, o);
		return o->failed ? DM_ENOMEM : 0;
	}
	head(o, title, rep->stories_mode ? story_css : "");
	const struct kv *prof = find(rep->config, rep->nconfig, "profile");
	const struct kv *ver = find(rep->config, rep->nconfig, "version");
	dm_buf_puts(o, "<h1>ddexmon run report</h1>\n<p class=\"sub\">");
	dm_rd_esc(o, title);
	dm_buf_puts(o, " \xE2\x80\x94 started ");
	dm_rd_esc(o, rep->start_time[0] ? rep->start_time : "(unknown)");
	dm_buf_puts(o, ", profile ");
	dm_rd_esc(o, prof ? prof->val : "?");
	dm_buf_puts(o, ", ddexmon ");
	dm_rd_esc(o, ver ? ver->val : "?");
	dm_buf_puts(o, "</p>\n");
	reading(rep, o);
	cards(rep, o);
	dm_buf_puts(o, "<h2 id=\"memory\">Memory over time</h2>\n");
	dm_rd_memory_chart(rep, o, 0);
	files_table(rep, o);
	if (rep->stories_mode) {
		stories_section(rep, o);
		projections_section(rep, o);
	} else {
		leaks_table(rep, o);
	}
	marks_table(rep, o);
	if (rep->have_summary)
		summary_table(rep, o);
	config_table(rep, o);
	about(rep, o);
	dm_buf_puts(o, "</body>\n</html>\n");
	return o->failed ? DM_ENOMEM : 0;
}
