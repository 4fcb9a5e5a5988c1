/* The memory chart: accounted bytes as an area and RSS as a line over
 * time with the budget and flush-threshold lines; under it two strips on
 * their own scales, accounted memory (what the budget limits, often a
 * sliver of RSS) and the read throughput; a time axis with time labels
 * where the data is, reclamations and setting changes marked on it; the
 * trend. The time window grows with the run up to the zoom's span (1 min,
 * 10 min, everything), then scrolls. */
#include "config.h"
#include "panel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

#define U_TEE_L "\xe2\x94\xa4"    /* ┤ */
#define U_VLINE "\xe2\x94\x82"    /* │ */
#define U_CORNER "\xe2\x94\x94"   /* └ */
#define MAXV 2048                 /* values across the widest graph */
#define ROWB DM_TUI_ROW_BYTES(1024)

struct chart {
	struct dm_tui_point pts[DM_TUI_LONG > DM_TUI_HIST ? DM_TUI_LONG : DM_TUI_HIST];
	size_t npts;
	double x0, x1;                /* the window, session seconds */
	double last_t;                /* the newest point */
	size_t nv;                    /* values across */
	double rss[MAXV], live[MAXV], rate[MAXV];
	double top, step, live_top, rate_top;
	struct dm_tui_hline lines[2];
	size_t nlines;
};

/* Each value column holds the peak of the points in its slice of the
 * window; a slice between two points holds the one before (the sampler
 * can be slower than the columns); after the newest point, nothing. */
static void bucket(struct chart *c)
{
	double span = c->x1 - c->x0;
	size_t i = 0, k = 0;     /* k: the point a second before, for the rate */
	int have = 0;
	double rss = 0, live = 0, rate = 0;
	for (size_t v = 0; v < c->nv; v++) {
		double end = c->x0 + span * (double)(v + 1) / (double)c->nv;
		int any = 0;
		double br = 0, bl = 0;
		while (i < c->npts && c->pts[i].t < end) {
			const struct dm_tui_point *p = &c->pts[i];
			br = any && br > (double)p->rss ? br : (double)p->rss;
			bl = any && bl > (double)p->live ? bl : (double)p->live;
			while (k + 1 < i && c->pts[k + 1].t <= p->t - 1.0)
				k++;
			double dt = p->t - c->pts[k].t;
			rate = dt > 0 && p->bytes >= c->pts[k].bytes
			           ? (double)(p->bytes - c->pts[k].bytes) / dt : 0;
			any = 1;
			i++;
		}
		if (any) {
			rss = br;
			live = bl;
			have = 1;
		}
		int after = i >= c->npts && !any;
		c->rss[v] = have && !after ? rss : 0;
		c->live[v] = have && !after ? live : 0;
		c->rate[v] = have && !after ? rate : 0;
	}
}

static void collect(struct chart *c, const struct dm_tui_model *m, int gw, int gh, int utf8)
{
	double span = dm_tui_zoom_span(m->zoom);
	const struct dm_tui_point *newest = dm_tui_model_point(m, m->hist_n - 1);
	const struct dm_tui_point *first = m->long_n ? &m->longh[0] : dm_tui_model_point(m, 0);
	c->last_t = newest ? newest->t : 0;
	double end = c->last_t;
	double start = first ? first->t : 0;
	/* the window grows with the run up to the zoom's span (at least 10 s,
	 * so the first seconds are not stretched over the whole width), then
	 * scrolls: the data fills the width from the start */
	double w = end - start > 10 ? end - start : 10;
	if (span > 0 && w > span)
		w = span;
	c->x0 = end - start > w ? end - w : start;
	c->x1 = c->x0 + w;
	c->npts = dm_tui_model_series(m, c->x0, c->pts, sizeof c->pts / sizeof c->pts[0]);
	c->nv = (size_t)gw * (size_t)DM_TUI_PER_CELL(utf8);
	if (c->nv > MAXV)
		c->nv = MAXV;
	bucket(c);

	double max = 0, lmax = 0, rmax = 0;
	for (size_t v = 0; v < c->nv; v++) {
		max = fmax(max, fmax(c->rss[v], c->live[v]));
		lmax = fmax(lmax, c->live[v]);
		rmax = fmax(rmax, c->rate[v]);
	}
	double budget = (double)m->budget;
	/* near the budget, show it: the scale then runs to the budget line */
	if (budget > 0 && max >= 0.4 * budget)
		max = max > budget ? max : budget;
	c->top = dm_tui_nice_scale(max, gh >= 4 ? gh / 2 : gh, &c->step);
	c->live_top = dm_tui_nice_scale(lmax, 1, NULL);
	c->rate_top = dm_tui_nice_scale(rmax, 1, NULL);
	c->nlines = 0;
	if (budget > 0 && budget <= c->top) {
		c->lines[c->nlines++] = (struct dm_tui_hline){budget, DM_TUI_LINE_DASH};
		if (m->flush_threshold > 0)
			c->lines[c->nlines++] =
				(struct dm_tui_hline){budget * m->flush_threshold, DM_TUI_LINE_DOT};
	}
}

static int time_col(const struct chart *c, double t, int gw)
{
	if (t < c->x0 || t > c->x1 || c->x1 <= c->x0)
		return -1;
	int col = (int)((t - c->x0) / (c->x1 - c->x0) * gw);
	return col >= gw ? gw - 1 : col;
}

/* Marks within the window: their columns and labels, in column order
 * for the label line (a setting change can come between reclamations). */
static size_t marks(const struct chart *c, const struct dm_tui_model *m, int gw, int utf8,
                    int *cols, char (*labels)[32])
{
	size_t k = 0;
	for (size_t i = 0; i < m->marks_n && k < DM_TUI_MARKS; i++) {
		const struct dm_tui_mark *mk = dm_tui_model_mark(m, i);
		int col = time_col(c, mk->t, gw);
		if (col < 0)
			continue;
		char label[32];
		if (mk->kind == DM_TUI_MARK_RECLAIM) {
			char d[16];
			dm_tui_delta(d, sizeof d, -(int64_t)mk->freed, utf8);
			snprintf(label, sizeof label, "GC %s", d);
		} else {
			snprintf(label, sizeof label, "%s", mk->label);
		}
		size_t j = k++;
		for (; j > 0 && cols[j - 1] > col; j--) {
			cols[j] = cols[j - 1];
			memcpy(labels[j], labels[j - 1], sizeof labels[0]);
		}
		cols[j] = col;
		memcpy(labels[j], label, sizeof label);
	}
	return k;
}

/* Time labels where the data is: "now" at the newest sample, then round
 * steps back from it ("-10s", "-20s") to the oldest shown. */
static size_t ticks(const struct chart *c, int gw, int *cols, char (*labels)[16], size_t max)
{
	double step = dm_tui_time_step(c->x1 - c->x0, gw, 12);
	size_t n = 0;
	if (step <= 0 || c->npts == 0)
		return 0;
	double oldest = c->pts[0].t > c->x0 ? c->pts[0].t : c->x0;
	/* oldest first: the axis wants the columns ascending */
	long k = (long)floor((c->last_t - oldest) / step + 1e-9);
	for (; k >= 0 && n < max; k--) {
		int col = time_col(c, c->last_t - (double)k * step, gw);
		if (col < 0)
			continue;
		dm_tui_ago(labels[n], sizeof labels[0], (double)k * step);
		cols[n++] = col;
	}
	return n;
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
	else if (m->watch_pid > 0)   /* another process: no budget, nothing accounted */
		snprintf(buf, size, "RSS %s  peak %s", rss, peak);
	else if (v->compact)
		snprintf(buf, size, "RSS %s  peak %s  acct %s", rss, peak, live);
	else if (m->budget)
		snprintf(buf, size, "RSS %s  peak %s  accounted %s = %.0f%% of budget", rss, peak, live,
		         100.0 * (double)m->live / (double)m->budget);
	else
		snprintf(buf, size, "RSS %s  peak %s  accounted %s", rss, peak, live);
}

struct area {
	WINDOW *w;
	const struct dm_tui_view *v;
	int x, lw, gw, legend;
};

/* The left label ("512M ┤", or "│" when empty) of a graph row. */
static void ylabel(const struct area *a, int y, const char *label)
{
	char text[64];
	int utf8 = a->v->utf8, compact = a->v->compact;
	const char *tick = label[0] ? (utf8 ? U_TEE_L : "+") : (utf8 ? U_VLINE : "|");
	snprintf(text, sizeof text, "%*s%s%s", a->lw - 1 - (compact ? 0 : 1), label,
	         compact ? "" : " ", tick);
	dm_tui_put(a->w, a->v, y, a->x, a->lw, text, dm_tui_attr(a->v, DM_TUI_DIM));
}

static void legend(const struct area *a, int y, const char *text, enum dm_tui_tone tone)
{
	if (a->legend > 1 && text)
		dm_tui_put(a->w, a->v, y, a->x + a->lw + a->gw + 1, a->legend - 1, text,
		           dm_tui_attr(a->v, tone));
}

/* A strip of h rows for one series on its own scale. */
static void strip(const struct area *a, int y, int h, const double *vals, size_t n, double top,
                  int rate, const char *name, const char *glyph, attr_t at)
{
	static char rows[4 * ROWB];
	char label[16], lg[32];
	if (h > 4)
		h = 4;
	struct dm_tui_graph g = {vals, NULL, n, top, a->gw, h, a->v->utf8, NULL, 0};
	dm_tui_graph(&g, rows, ROWB);
	if (rate)
		dm_tui_rate(label, sizeof label, top);
	else
		dm_tui_size(label, sizeof label, (uint64_t)top);
	/* the name alone when a glyph would not leave room for it */
	if (a->legend - 1 >= dm_tui_width(name) + 2)
		snprintf(lg, sizeof lg, "%s %s", glyph, name);
	else
		snprintf(lg, sizeof lg, "%s", name);
	for (int r = 0; r < h; r++) {
		ylabel(a, y + r, r == 0 ? label : "");
		dm_tui_put(a->w, a->v, y + r, a->x + a->lw, a->gw, rows + (size_t)r * ROWB, at);
		if (r == 0)
			legend(a, y + r, lg, DM_TUI_PLAIN);
	}
}

/* The main chart's label for row y: the budget and threshold, else a
 * round tick whose value falls in the row. */
static void tick_label(const struct chart *c, const struct dm_tui_model *m, int y, int gh,
                       int budget_row, int flush_row, char *label, size_t size)
{
	label[0] = '\0';
	if (y == budget_row) {
		dm_tui_size(label, size, m->budget);
		return;
	}
	if (y == flush_row) {
		dm_tui_size(label, size, (uint64_t)c->lines[1].y);
		return;
	}
	for (double t = c->top; t > 0 && c->step > 0; t -= c->step) {
		int r = gh - (int)lround(t / c->top * gh);
		if (r == y) {
			dm_tui_size(label, size, (uint64_t)llround(t));
			return;
		}
	}
}

void dm_tui_panel_memchart(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	static struct chart c;   /* off the stack; UI thread only */
	static char rows[64 * ROWB];
	char right[160], row[ROWB], label[16], text[512];
	int utf8 = v->utf8;
	title(m, v, right, sizeof right);
	struct dm_tui_rect r = dm_tui_frame(w, v, "Memory", right, usage_tone(m));
	int extra = v->compact ? 2 : 3;          /* axis, (mark labels,) trend */
	int avail = r.h - extra;
	/* the strips take a row each, two once the chart has room */
	int sh = avail >= 14 ? 2 : avail >= 5 ? 1 : 0;
	int gh = avail - 2 * sh;
	struct area a = {w, v, r.x, v->compact ? 7 : 8, 0, v->compact ? 9 : 11};
	a.gw = r.w - a.lw - a.legend;
	if (gh < 1 || a.gw < 4 || m->hist_n == 0) {
		const char *msg = m->hist_n ? right : "no samples yet";
		dm_tui_put(w, v, r.y + (r.h - 1) / 2, r.x + (r.w - dm_tui_width(msg)) / 2, r.w, msg,
		           dm_tui_attr(v, DM_TUI_DIM));
		return;
	}
	if (gh > 64)
		gh = 64;
	collect(&c, m, a.gw, gh, utf8);

	struct dm_tui_graph g = {c.live, c.rss, c.nv, c.top, a.gw, gh, utf8, c.lines, c.nlines};
	dm_tui_graph(&g, rows, ROWB);
	int budget_row = c.nlines > 0 ? dm_tui_graph_row(c.lines[0].y, c.top, gh) : -1;
	int flush_row = c.nlines > 1 ? dm_tui_graph_row(c.lines[1].y, c.top, gh) : -1;
	for (int y = 0; y < gh; y++) {
		tick_label(&c, m, y, gh, budget_row, flush_row, label, sizeof label);
		ylabel(&a, r.y + y, label);
		dm_tui_put(w, v, r.y + y, r.x + a.lw, a.gw, rows + (size_t)y * ROWB,
		           dm_tui_attr(v, usage_tone(m)));
		const char *lg = NULL;
		char buf[32];
		enum dm_tui_tone tone = DM_TUI_DIM;
		if (y == budget_row) {
			lg = "budget";
		} else if (y == flush_row) {
			snprintf(buf, sizeof buf, "flush %.2g", m->flush_threshold);
			lg = buf;
		} else if (y == 0 && budget_row < 0 && m->budget && gh >= 3) {
			/* the budget is above the scale: say where it is */
			snprintf(buf, sizeof buf, "%s budget", utf8 ? "\xe2\x86\x91" : "^");
			lg = buf;
		} else if (y == gh - 1) {
			lg = utf8 ? "\xe2\xa3\xbf acct" : "# acct";
			tone = DM_TUI_PLAIN;
		} else if (y == gh - 2 || gh == 1) {
			lg = utf8 ? "\xe2\xa0\x92 RSS" : "~ RSS";
			tone = DM_TUI_PLAIN;
		}
		if (gh == 1)   /* one row: both names */
			lg = utf8 ? "\xe2\xa0\x92RSS \xe2\xa3\xbf" "acct" : "~RSS #acct";
		legend(&a, r.y + y, lg, tone);
	}
	int y = r.y + gh;
	if (sh) {
		const char *glyph = utf8 ? "\xe2\xa3\xbf" : "#";
		/* how much the strip magnifies the accounted bytes */
		char acct[16] = "acct";
		double zoomed = c.live_top > 0 ? c.top / c.live_top : 1;
		if (zoomed >= 1.5)
			snprintf(acct, sizeof acct, "acct%s%.0f", utf8 ? "\xc3\x97" : "x", zoomed);
		strip(&a, y, sh, c.live, c.nv, c.live_top, 0, acct, glyph, dm_tui_attr(v, usage_tone(m)));
		y += sh;
		strip(&a, y, sh, c.rate, c.nv, c.rate_top, 1, "read", glyph, A_NORMAL);
		y += sh;
	}

	/* the time axis: time labels, marks, the zoom */
	int mcols[DM_TUI_MARKS], tcols[32];
	char mlabels[DM_TUI_MARKS][32], tlab[32][16];
	size_t nm = marks(&c, m, a.gw, utf8, mcols, mlabels);
	size_t nt = ticks(&c, a.gw, tcols, tlab, 32);
	const char *tp[32];
	for (size_t i = 0; i < nt; i++)
		tp[i] = tlab[i];
	snprintf(text, sizeof text, "%*s%s%s", a.lw - 1 - (v->compact ? 0 : 1), "0",
	         v->compact ? "" : " ", utf8 ? U_CORNER : "+");
	dm_tui_put(w, v, y, r.x, a.lw, text, dm_tui_attr(v, DM_TUI_DIM));
	dm_tui_axis(row, sizeof row, a.gw, mcols, nm, tcols, tp, nt, utf8);
	dm_tui_put(w, v, y, r.x + a.lw, a.gw, row, dm_tui_attr(v, DM_TUI_DIM));
	snprintf(text, sizeof text, "%s %s", v->compact ? "z" : "zoom", dm_tui_zoom_name(m->zoom));
	legend(&a, y, text, DM_TUI_DIM);
	y++;
	if (!v->compact) {
		const char *lp[DM_TUI_MARKS];
		for (size_t i = 0; i < nm; i++)
			lp[i] = mlabels[i];
		dm_tui_mark_labels(row, sizeof row, a.gw, mcols, lp, nm);
		dm_tui_put(w, v, y++, r.x + a.lw, a.gw, row, dm_tui_attr(v, DM_TUI_DIM));
	}

	/* the trend and the system */
	char trend[160], avail_s[16];
	dm_tui_trend_text(trend, sizeof trend, &m->trend, utf8);
	char *word = m->watch_pid > 0 ? strstr(trend, "to budget") : NULL;
	if (word)   /* another process has no budget: its limit is RSS + MemAvailable */
		memcpy(word, "to limit:", 9), memmove(word + 9, word + 10, strlen(word + 10) + 1);
	dm_tui_size(avail_s, sizeof avail_s, m->mem_available);
	if (m->mem_total)
		snprintf(text, sizeof text, "%s   system: %.0f%% used, MemAvailable %s", trend,
		         m->mem_used_pct, avail_s);
	else
		snprintf(text, sizeof text, "%s", trend);
	dm_tui_put(w, v, y, r.x, r.w, text,
	           dm_tui_attr(v, m->trend.kind == DM_TREND_GROWING ? DM_TUI_NOTICE : DM_TUI_PLAIN));
}
