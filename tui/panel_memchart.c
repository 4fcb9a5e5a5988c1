/* The memory chart: accounted bytes as an area and RSS as a line over
 * time, the budget and flush-threshold lines, reclamations marked on the
 * time axis, and the trend. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

#define U_TEE_L "\xe2\x94\xa4"    /* ┤ */
#define U_VLINE "\xe2\x94\x82"    /* │ */
#define U_CORNER "\xe2\x94\x94"   /* └ */

struct chart {
	double rss[DM_TUI_HIST], live[DM_TUI_HIST], t[DM_TUI_HIST];
	size_t n;
	double top;
	struct dm_tui_hline lines[2];
	size_t nlines;
};

static void collect(struct chart *c, const struct dm_tui_model *m, int gw, int utf8)
{
	c->n = m->hist_n;
	for (size_t i = 0; i < c->n; i++) {
		const struct dm_tui_point *p = dm_tui_model_point(m, i);
		c->rss[i] = (double)p->rss;
		c->live[i] = (double)p->live;
		c->t[i] = p->t;
	}
	/* scale to what is on screen, so an old spike does not flatten the
	 * rest once it has scrolled away */
	size_t cap = (size_t)(gw > 0 ? gw : 0) * (size_t)DM_TUI_PER_CELL(utf8);
	size_t first = c->n > cap ? c->n - cap : 0;
	double max = 0;
	for (size_t i = first; i < c->n; i++) {
		if (c->rss[i] > max)
			max = c->rss[i];
		if (c->live[i] > max)
			max = c->live[i];
	}
	double budget = (double)m->budget;
	/* near the budget, show it: the scale then runs to the budget line */
	if (budget > 0 && max >= 0.4 * budget)
		max = max > budget ? max : budget;
	c->top = dm_tui_nice_top(max);
	c->nlines = 0;
	if (budget > 0 && budget <= c->top) {
		c->lines[c->nlines++] = (struct dm_tui_hline){budget, DM_TUI_LINE_DASH};
		if (m->flush_threshold > 0)
			c->lines[c->nlines++] =
				(struct dm_tui_hline){budget * m->flush_threshold, DM_TUI_LINE_DOT};
	}
}

/* Reclamation marks: their columns and labels, within the shown span. */
static size_t marks(const struct chart *c, const struct dm_tui_model *m, int gw, int utf8,
                    int *cols, char (*labels)[32])
{
	size_t k = 0;
	if (c->n == 0)
		return 0;
	for (size_t i = 0; i < m->marks_n && k < DM_TUI_MARKS; i++) {
		const struct dm_tui_mark *mk = dm_tui_model_mark(m, i);
		size_t j = 0;
		while (j < c->n && c->t[j] < mk->t)
			j++;
		if (j == c->n)
			j = c->n - 1;
		int col = dm_tui_graph_col(j, c->n, gw, utf8);
		if (col < 0)
			continue;
		char d[16];
		dm_tui_delta(d, sizeof d, -(int64_t)mk->freed, utf8);
		snprintf(labels[k], sizeof labels[0], "GC %s", d);
		cols[k++] = col;
	}
	return k;
}

static enum dm_tui_tone usage_tone(const struct dm_tui_model *m)
{
	if (!m->budget)
		return DM_TUI_GOOD;
	double f = (double)m->live / (double)m->budget;
	if (f > 0.9)
		return DM_TUI_ALERT;
	if (m->flush_threshold > 0 && f > m->flush_threshold)
		return DM_TUI_NOTICE;
	return DM_TUI_GOOD;
}

static void title(const struct dm_tui_model *m, const struct dm_tui_view *v, char *buf,
                  size_t size)
{
	char rss[16], peak[16], live[16];
	dm_tui_size(rss, sizeof rss, m->rss);
	dm_tui_size(peak, sizeof peak, m->rss_peak);
	dm_tui_size(live, sizeof live, m->live);
	if (!m->have_sample)
		snprintf(buf, size, "waiting for the first sample");
	else if (v->compact)
		snprintf(buf, size, "RSS %s  peak %s  acct %s", rss, peak, live);
	else if (m->budget)
		snprintf(buf, size, "RSS %s  peak %s  accounted %s = %.0f%% of budget", rss, peak, live,
		         100.0 * (double)m->live / (double)m->budget);
	else
		snprintf(buf, size, "RSS %s  peak %s  accounted %s", rss, peak, live);
}

void dm_tui_panel_memchart(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	static struct chart c;   /* 24 KiB: off the stack; UI thread only */
	char right[160], row[DM_TUI_ROW_BYTES(1024)], label[16], text[512];
	int utf8 = v->utf8;
	title(m, v, right, sizeof right);
	struct dm_tui_rect r = dm_tui_frame(w, v, "Memory", right, usage_tone(m));
	int extra = v->compact ? 2 : 3;          /* axis, (marks,) trend */
	int gh = r.h - extra;
	int lw = v->compact ? 6 : 7;             /* "512M ┤" */
	int legend = v->compact ? 0 : 11;
	int gw = r.w - lw - legend;
	if (gh < 1 || gw < 4 || m->hist_n == 0) {
		const char *msg = m->hist_n ? right : "no samples yet";
		dm_tui_put(w, v, r.y + (r.h - 1) / 2, r.x + (r.w - dm_tui_width(msg)) / 2, r.w, msg,
		           dm_tui_attr(v, DM_TUI_DIM));
		return;
	}
	collect(&c, m, gw, utf8);

	static char rows[64 * DM_TUI_ROW_BYTES(1024)];
	if (gh > 64)
		gh = 64;
	struct dm_tui_graph g = {c.live, c.rss, c.n, c.top, gw, gh, utf8, c.lines, c.nlines};
	size_t shown = dm_tui_graph(&g, rows, DM_TUI_ROW_BYTES(1024));

	int budget_row = c.nlines > 0 ? dm_tui_graph_row(c.lines[0].y, c.top, gh) : -1;
	int flush_row = c.nlines > 1 ? dm_tui_graph_row(c.lines[1].y, c.top, gh) : -1;
	for (int y = 0; y < gh; y++) {
		const char *tick = utf8 ? U_TEE_L : "+";
		label[0] = '\0';
		if (y == budget_row)
			dm_tui_size(label, sizeof label, m->budget);
		else if (y == flush_row)
			dm_tui_size(label, sizeof label, (uint64_t)c.lines[1].y);
		else if (y == 0 || (gh >= 4 && y == gh / 2))
			dm_tui_size(label, sizeof label, (uint64_t)(c.top * (gh - y) / gh));
		else
			tick = utf8 ? U_VLINE : "|";
		snprintf(text, sizeof text, "%*s%s%s", lw - 1 - (v->compact ? 0 : 1), label,
		         v->compact ? "" : " ", tick);
		dm_tui_put(w, v, r.y + y, r.x, lw, text, dm_tui_attr(v, DM_TUI_DIM));
		dm_tui_put(w, v, r.y + y, r.x + lw, gw, rows + (size_t)y * DM_TUI_ROW_BYTES(1024),
		           dm_tui_attr(v, usage_tone(m)));
		if (!legend)
			continue;
		const char *lg = NULL;
		char buf[32];
		enum dm_tui_tone tone = DM_TUI_DIM;
		if (y == budget_row) {
			lg = "budget";
		} else if (y == flush_row) {
			snprintf(buf, sizeof buf, "flush %.2g", m->flush_threshold);
			lg = buf;
		} else if (y == 0 && budget_row < 0 && m->budget) {
			/* the budget is above the scale: say where it is */
			snprintf(buf, sizeof buf, "%s budget", utf8 ? "\xe2\x86\x91" : "^");
			lg = buf;
		} else if (y == gh - 1) {
			lg = utf8 ? "\xe2\xa3\xbf acct" : "# acct";
			tone = DM_TUI_PLAIN;
		} else if (y == gh - 2) {
			lg = utf8 ? "\xe2\xa0\x92 RSS" : "~ RSS";
			tone = DM_TUI_PLAIN;
		}
		if (lg)
			dm_tui_put(w, v, r.y + y, r.x + lw + gw + 1, legend - 1, lg, dm_tui_attr(v, tone));
	}

	/* the time axis, with the span it covers */
	int mcols[DM_TUI_MARKS];
	char mlabels[DM_TUI_MARKS][32];
	size_t nm = marks(&c, m, gw, utf8, mcols, mlabels);
	char span[32] = "";
	if (shown > 1)
		dm_tui_secs(span, sizeof span, c.t[c.n - 1] - c.t[c.n - shown], utf8);
	snprintf(text, sizeof text, "%*s%s%s", lw - 1 - (v->compact ? 0 : 1), "0",
	         v->compact ? "" : " ", utf8 ? U_CORNER : "+");
	dm_tui_put(w, v, r.y + gh, r.x, lw, text, dm_tui_attr(v, DM_TUI_DIM));
	dm_tui_axis(row, sizeof row, gw, mcols, nm, span[0] ? span : NULL, utf8);
	dm_tui_put(w, v, r.y + gh, r.x + lw, gw, row, dm_tui_attr(v, DM_TUI_DIM));
	int y = r.y + gh + 1;
	if (!v->compact) {
		const char *lp[DM_TUI_MARKS];
		for (size_t i = 0; i < nm; i++)
			lp[i] = mlabels[i];
		dm_tui_mark_labels(row, sizeof row, gw, mcols, lp, nm);
		dm_tui_put(w, v, y++, r.x + lw, gw, row, dm_tui_attr(v, DM_TUI_DIM));
	}

	/* the trend and the system */
	char trend[160], avail[16];
	dm_tui_trend_text(trend, sizeof trend, &m->trend, utf8);
	dm_tui_size(avail, sizeof avail, m->mem_available);
	if (m->mem_total)
		snprintf(text, sizeof text, "%s   system: %.0f%% used, MemAvailable %s", trend,
		         m->mem_used_pct, avail);
	else
		snprintf(text, sizeof text, "%s", trend);
	dm_tui_put(w, v, y, r.x, r.w, text,
	           dm_tui_attr(v, m->trend.kind == DM_TREND_GROWING ? DM_TUI_NOTICE : DM_TUI_PLAIN));
}
