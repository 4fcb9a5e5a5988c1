/* The report's charts: memory over time, the per-file timeline and the
 * tune sweep, drawn from the model of report_int.h.
 *
 * The SVG uses presentation attributes only (no classes that need the
 * page's CSS), so the chart looks the same pasted alone into a ticket. */
#include "config.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"
#include "report_draw.h"

/* ---- text ------------------------------------------------------------- */

void dm_rd_esc(struct dm_buf *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		unsigned c = *p;
		int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		int ok = n > 0;
		for (int i = 1; ok && i < n; i++)
			ok = (p[i] & 0xC0) == 0x80;
		if (ok && n == 2 && c < 0xC2)
			ok = 0;
		if (!ok) {
			dm_buf_puts(o, "\xEF\xBF\xBD");
			p++;
			continue;
		}
		if (n > 1) {
			dm_buf_put(o, p, (size_t)n);
			p += n;
			continue;
		}
		switch (c) {
		case '&': dm_buf_puts(o, "&amp;"); break;
		case '<': dm_buf_puts(o, "&lt;"); break;
		case '>': dm_buf_puts(o, "&gt;"); break;
		case '"': dm_buf_puts(o, "&quot;"); break;
		case '\'': dm_buf_puts(o, "&#39;"); break;
		default:
			if (c < 0x20 || c == 0x7F)
				dm_buf_puts(o, "\xEF\xBF\xBD");
			else
				dm_buf_putc(o, (char)c);
		}
		p++;
	}
}

/* "118.5 MiB": binary units as the rest of ddexmon counts them. */
void dm_rd_bytes(char *out, size_t size, double b)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (fabs(b) >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, size, "%.0f B", b);
	else
		snprintf(out, size, fabs(b) < 10 ? "%.2f %s" : fabs(b) < 100 ? "%.1f %s" : "%.0f %s", b, u[i]);
}

void dm_rd_secs(char *out, size_t size, double s)
{
	if (s < 60)
		snprintf(out, size, s < 10 ? "%.2f s" : "%.1f s", s);
	else if (s < 3600)
		snprintf(out, size, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(out, size, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* ---- scales ----------------------------------------------------------- */

double dm_rd_nice_step(double range, int ticks)
{
	if (!(range > 0))
		return 1;
	double raw = range / ticks;
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

static double time_step(double range)
{
	static const double steps[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120,
	                               300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
	                               172800, 604800};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
		if (range / steps[i] <= 8)
			return steps[i];
	return dm_rd_nice_step(range, 8);
}

static void time_label(char *out, size_t size, double t, double step)
{
	if (t == 0)
		snprintf(out, size, "0");
	else if (step >= 3600 && fmod(step, 3600) == 0)
		snprintf(out, size, "%g h", t / 3600);
	else if (step >= 60 && fmod(step, 60) == 0)
		snprintf(out, size, "%g min", t / 60);
	else
		snprintf(out, size, "%g s", t);
}

double dm_rd_byte_unit(double max, const char **name)
{
	static const char *const u[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double unit = 1;
	int i = 0;
	while (max / unit >= 1024 * 2 && i < 4) {
		unit *= 1024;
		i++;
	}
	*name = u[i];
	return unit;
}

/* ---- the memory chart -------------------------------------------------- */

#define W 960.0
#define H 440.0
#define PL 78.0
#define PR 20.0
#define PT 54.0
#define PB 112.0   /* axis labels and three rows of legend */

struct frame {
	double t1, ymax;
};

static double fx(const struct frame *f, double t)
{
	return PL + (W - PL - PR) * (t / f->t1);
}

static double fy(const struct frame *f, double v)
{
	double y = H - PB - (H - PT - PB) * (v / f->ymax);
	return y < PT - 2 ? PT - 2 : y;
}

static const char *const tag_colour[DM_TAG_COUNT] = {
	"#9ecae1", "#a1d99b", "#fdd0a2", "#dadaeb", "#d9d9d9", "#fcbba1",
};

const char *dm_rd_mark_colour(int k)
{
	static const char *const c[MK_KINDS] = {
		[MK_RECLAIM] = "#2e8b57", [MK_PRESSURE_ON] = "#7b3fa0", [MK_PRESSURE_OFF] = "#b58fcc",
		[MK_SETTING] = "#1a8a9a", [MK_LEAK_SUSPECTED] = "#e69500", [MK_LEAK_CONFIRMED] = "#c0392b",
		[MK_LEAK_CLEARED] = "#7f8c8d", [MK_ERROR] = "#111111", [MK_RETRY] = "#8e6c3a",
		/* the detector's later states, from the Okabe-Ito palette; each
		 * has its own shape and letter as well, so no two differ by hue
		 * alone */
		[MK_LEAK_UPDATED] = "#d55e00", [MK_LEAK_STOPPED] = "#0072b2",
		[MK_GROWTH_BOUNDED] = "#009e73", [MK_EXHAUSTION_PROJECTED] = "#cc79a7",
		[MK_EXHAUSTION_CLEARED] = "#6b6b6b",
	};
	return (unsigned)k < MK_KINDS ? c[k] : "#000";
}

static const char mark_glyph[MK_KINDS] = {
	[MK_RECLAIM] = 'R', [MK_PRESSURE_ON] = 'P', [MK_PRESSURE_OFF] = 'p', [MK_SETTING] = 'S',
	[MK_LEAK_SUSPECTED] = 'L', [MK_LEAK_CONFIRMED] = 'L', [MK_LEAK_CLEARED] = 'C',
	[MK_ERROR] = 'E', [MK_RETRY] = 'T', [MK_LEAK_UPDATED] = 'U', [MK_LEAK_STOPPED] = '=',
	[MK_GROWTH_BOUNDED] = 'B', [MK_EXHAUSTION_PROJECTED] = 'X', [MK_EXHAUSTION_CLEARED] = 'x',
};

/* The outline of a mark: the leak's later states are squares, the
 * projection diamonds (hollow once cleared), the rest circles. */
enum shape { SH_CIRCLE, SH_SQUARE, SH_DIAMOND, SH_HOLLOW_DIAMOND };

static enum shape mark_shape(int k)
{
	switch (k) {
	case MK_LEAK_STOPPED:
	case MK_GROWTH_BOUNDED:
		return SH_SQUARE;
	case MK_EXHAUSTION_PROJECTED:
		return SH_DIAMOND;
	case MK_EXHAUSTION_CLEARED:
		return SH_HOLLOW_DIAMOND;
	default:
		return SH_CIRCLE;
	}
}

static const char *const mark_id[MK_KINDS] = {
	[MK_RECLAIM] = "reclaim", [MK_PRESSURE_ON] = "pressure-on", [MK_PRESSURE_OFF] = "pressure-off",
	[MK_SETTING] = "setting", [MK_LEAK_SUSPECTED] = "leak-suspected",
	[MK_LEAK_CONFIRMED] = "leak-confirmed", [MK_LEAK_CLEARED] = "leak-cleared",
	[MK_ERROR] = "error", [MK_RETRY] = "retry", [MK_LEAK_UPDATED] = "leak-updated",
	[MK_LEAK_STOPPED] = "leak-stopped", [MK_GROWTH_BOUNDED] = "growth-bounded",
	[MK_EXHAUSTION_PROJECTED] = "exhaustion-projected", [MK_EXHAUSTION_CLEARED] = "exhaustion-cleared",
};

const char *dm_rd_mark_id(int k)
{
	return (unsigned)k < MK_KINDS ? mark_id[k] : "?";
}

static void axes(struct dm_buf *o, const struct frame *f, double unit, const char *uname)
{
	double ystep = dm_rd_nice_step(f->ymax / unit, 6) * unit;
	dm_buf_puts(o, "<g font-size=\"12\" fill=\"#444\">\n");
	for (int i_ = 0; i_ <= 60 && i_ * ystep <= f->ymax * 1.0001; i_++) {
		double v = i_ * ystep;
		double y = fy(f, v);
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
		              PL, y, W - PR, y, PL - 6, y + 4, v / unit);
	}
	double tstep = time_step(f->t1);
	for (int i_ = 0; i_ <= 60 && i_ * tstep <= f->t1 * 1.0001; i_++) {
		double t = i_ * tstep;
		char lab[32];
		time_label(lab, sizeof lab, t, tstep);
		double x = fx(f, t);
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		              x, PT, x, H - PB, x, H - PB + 16, lab);
	}
	dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n",
	              PL, H - PB, W - PR, H - PB);
	dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n",
	              PL, PT, PL, H - PB);
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time since the run started</text>\n",
	              (PL + W - PR) / 2, H - PB + 34);
	dm_buf_printf(o, "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">memory (%s)</text>\n",
	              (PT + H - PB) / 2, uname);
	dm_buf_puts(o, "</g>\n");
}

/* A bucket's points in time order: one for a single sample, else its
 * minimum and maximum. */
static void line_points(struct dm_buf *o, const struct frame *f, const struct dm_report *rep, int rss)
{
	for (int i = 0; i < rep->nb; i++) {
		const struct bucket *b = &rep->b[i];
		double ta = rss ? b->t_rmin : b->t_amin, tb = rss ? b->t_rmax : b->t_amax;
		uint64_t va = rss ? b->rmin : b->amin, vb = rss ? b->rmax : b->amax;
		if (b->n == 1) {
			dm_buf_printf(o, "%.1f,%.1f ", fx(f, ta), fy(f, (double)va));
			continue;
		}
		if (tb < ta) {
			double t = ta;
			uint64_t v = va;
			ta = tb, va = vb, tb = t, vb = v;
		}
		dm_buf_printf(o, "%.1f,%.1f %.1f,%.1f ", fx(f, ta), fy(f, (double)va), fx(f, tb),
		              fy(f, (double)vb));
	}
}

static void tag_areas(struct dm_buf *o, const struct frame *f, const struct dm_report *rep)
{
	for (int t = DM_TAG_COUNT - 1; t >= 0; t--) {
		if (!rep->tag_max[t])
			continue;
		/* the stack up to and including tag t, over the baseline of 0 */
		dm_buf_printf(o, "<polygon data-tag=\"%s\" fill=\"%s\" fill-opacity=\"0.8\" stroke=\"none\" points=\"",
		              dm_tag_name((enum dm_tag)t), tag_colour[t]);
		dm_buf_printf(o, "%.1f,%.1f ", fx(f, rep->b[0].t0), fy(f, 0));
		for (int i = 0; i < rep->nb; i++) {
			uint64_t sum = 0;
			for (int k = 0; k <= t; k++)
				sum += rep->b[i].tag[k];
			dm_buf_printf(o, "%.1f,%.1f ", fx(f, (rep->b[i].t0 + rep->b[i].t1) / 2), fy(f, (double)sum));
		}
		dm_buf_printf(o, "%.1f,%.1f\"/>\n", fx(f, rep->b[rep->nb - 1].t1), fy(f, 0));
	}
}

static void hline(struct dm_buf *o, const struct frame *f, double v, const char *colour,
                  const char *id, const char *label)
{
	char b[32];
	dm_rd_bytes(b, sizeof b, v);
	double y = fy(f, v);
	int right = !strcmp(id, "budget");   /* the flush label goes left: the two lines may be close */
	dm_buf_printf(o, "<g data-line=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	              "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"7 4\"/>"
	              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" fill=\"%s\">%s %s</text></g>\n",
	              id, PL, y, W - PR, y, colour, right ? W - PR - 4 : PL + 16, y - 5,
	              right ? "end" : "start", colour, label, b);
}

static void pressure_bands(struct dm_buf *o, const struct frame *f, const struct dm_report *rep)
{
	double on = -1;
	for (int i = 0; i <= rep->nmarks; i++) {
		const struct mark *m = i < rep->nmarks ? &rep->marks[i] : NULL;
		if (m && m->kind == MK_PRESSURE_ON && on < 0)
			on = m->t;
		if ((!m || m->kind == MK_PRESSURE_OFF) && on >= 0) {
			double off = m ? m->t : f->t1;
			dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#7b3fa0\" "
			              "fill-opacity=\"0.08\"/>\n",
			              fx(f, on), PT, fx(f, off) - fx(f, on) + 0.5, H - PT - PB);
			on = -1;
		}
	}
}

/* A mark's shape with its letter, centred on (x, y). */
static void glyph(struct dm_buf *o, int k, double x, double y)
{
	const char *c = dm_rd_mark_colour(k), *ink = "#fff";
	switch (mark_shape(k)) {
	case SH_CIRCLE:
		dm_buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"%s\"/>", x, y, c);
		break;
	case SH_SQUARE:
		dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"13\" height=\"13\" fill=\"%s\"/>",
		              x - 6.5, y - 6.5, c);
		break;
	case SH_DIAMOND:
		dm_buf_printf(o, "<path d=\"M%.1f %.1fl8 8l-8 8l-8 -8z\" fill=\"%s\"/>", x, y - 8, c);
		ink = "#222";   /* a light fill: dark letter */
		break;
	case SH_HOLLOW_DIAMOND:
		dm_buf_printf(o, "<path d=\"M%.1f %.1fl8 8l-8 8l-8 -8z\" fill=\"#fff\" stroke=\"%s\" "
		              "stroke-width=\"1.5\"/>", x, y - 8, c);
		ink = c;
		break;
	}
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" font-weight=\"bold\" fill=\"%s\" "
	              "text-anchor=\"middle\">%c</text>", x, y + 3.5, ink, mark_glyph[k]);
}

#define DENSE 40   /* more marks of a kind than this: ticks, not glyphs */

/* Marks close together stack their glyphs in up to three rows; a kind
 * with many marks (a reclamation every few minutes of a day) is drawn as
 * a row of ticks and faint lines, which stay readable. */
static void marks(struct dm_buf *o, const struct frame *f, const struct dm_report *rep)
{
	double last[3] = {-100, -100, -100};
	for (int i = 0; i < rep->nmarks; i++) {
		const struct mark *m = &rep->marks[i];
		double x = fx(f, m->t);
		if (rep->kind_count[m->kind] > DENSE) {
			char ts[32];
			dm_rd_secs(ts, sizeof ts, m->t);
			dm_buf_printf(o, "<g data-mark=\"%s\"><title>%s: ", mark_id[m->kind], ts);
			dm_rd_esc(o, m->text);
			dm_buf_printf(o, "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			              "stroke-opacity=\"0.18\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			              "stroke=\"%s\" stroke-width=\"1.5\"/></g>\n",
			              x, PT, x, H - PB, dm_rd_mark_colour(m->kind), x, PT - 8, x, PT,
			              dm_rd_mark_colour(m->kind));
			continue;
		}
		int lv = 0;
		while (lv < 2 && x - last[lv] < 15)
			lv++;
		last[lv] = x;
		double gy = PT - 12 - 15 * lv;
		const char *c = dm_rd_mark_colour(m->kind);
		char ts[32];
		dm_rd_secs(ts, sizeof ts, m->t);
		dm_buf_printf(o, "<g data-mark=\"%s\"><title>", mark_id[m->kind]);
		dm_buf_printf(o, "%s: ", ts);
		dm_rd_esc(o, m->text);
		dm_buf_printf(o, "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		              "stroke-width=\"1\" stroke-opacity=\"0.7\"%s/>",
		              x, gy, x, H - PB, c,
		              m->kind == MK_LEAK_SUSPECTED || m->kind == MK_PRESSURE_OFF ||
		              m->kind == MK_EXHAUSTION_CLEARED ? " stroke-dasharray=\"3 3\"" : "");
		if (m->kind == MK_ERROR)
			dm_buf_printf(o, "<path d=\"M%.1f %.1fl-7 -12h14z\" fill=\"%s\"/>"
			              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" font-weight=\"bold\" fill=\"#fff\" "
			              "text-anchor=\"middle\">!</text>",
			              x, gy + 6, c, x, gy + 3);
		else
			glyph(o, m->kind, x, gy);
		dm_buf_puts(o, "</g>\n");
	}
}

static double legend_width(const char *label)
{
	return 34 + 6.8 * (double)strlen(label);
}

static void legend_item(struct dm_buf *o, double *x, int row, const char *colour, int kind,
                        const char *label)
{
	double y = H - PB + 58 + 19 * row;
	if (kind == 0)        /* a line */
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2.5\"/>",
		              *x, y, *x + 18, y, colour);
	else if (kind == 1)   /* a dashed line */
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>",
		              *x, y, *x + 18, y, colour);
	else if (kind == 2)   /* an area */
		dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"%s\"/>", *x, y - 5, colour);
	else if (kind == 3)   /* a mark */
		dm_buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"/>", *x + 9, y, colour);
	else                  /* a mark as drawn, of mark kind - 4 */
		glyph(o, kind - 4, *x + 9, y);
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">", *x + 23, y + 4);
	dm_rd_esc(o, label);
	dm_buf_puts(o, "</text>\n");
	*x += legend_width(label);
}

/* The marks' legend: one item per kind seen, wrapped onto more rows
 * rather than past the right edge. With draw 0, only the last row it
 * would use. A recording of the multiscale detector gets each mark's own
 * shape and letter in its legend (the older pages keep their dots). */
static int marks_legend(struct dm_buf *o, const struct dm_report *rep, int row, int draw)
{
	double x = PL;
	char lab[80];
	for (int k = 0; k < MK_KINDS; k++) {
		if (!rep->kind_count[k])
			continue;
		snprintf(lab, sizeof lab, "%s \xC3\x97%llu", dm_report_mark_name((enum mark_kind)k),
		         (unsigned long long)rep->kind_count[k]);
		if (x > PL && x + legend_width(lab) - 10 > W - PR) {
			x = PL;
			row++;
		}
		if (draw)
			legend_item(o, &x, row, dm_rd_mark_colour(k), rep->stories_mode ? 4 + k : 3, lab);
		else
			x += legend_width(lab);
	}
	return row;
}

/* Each exhaustion projection as a dashed ray from the RSS it was made at,
 * rising at its rate until it was cleared, the recording ends, or it
 * leaves the chart. */
static void projections(struct dm_buf *o, const struct frame *f, const struct dm_report *rep)
{
	const char *c = dm_rd_mark_colour(MK_EXHAUSTION_PROJECTED);
	for (int i = 0; i < rep->nproj; i++) {
		const struct projection *p = &rep->proj[i];
		double te = p->time_left >= 0 ? p->t + p->time_left : f->t1;
		if (p->t_cleared >= 0 && p->t_cleared < te)
			te = p->t_cleared;
		if (te > f->t1)
			te = f->t1;
		/* time_left is the limit less the RSS then, at the floor's rate */
		double v0 = (double)(p->rss ? p->rss : p->floor);
		double v = v0 + p->rate * (te - p->t);
		if (v > f->ymax && p->rate > 0) {
			te = p->t + (f->ymax - v0) / p->rate;
			v = f->ymax;
		}
		if (!(te > p->t))
			continue;
		char lim[24], left[24];
		dm_rd_bytes(lim, sizeof lim, (double)p->limit);
		dm_rd_secs(left, sizeof left, p->time_left);
		dm_buf_printf(o, "<g data-projection=\"%d\"><title>projected at %.1f s: the limit %s in %s</title>"
		              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		              "stroke-width=\"2\" stroke-dasharray=\"5 3\"/></g>\n",
		              i, p->t, lim, left, fx(f, p->t), fy(f, v0), fx(f, te), fy(f, v), c);
	}
}

int dm_rd_memory_chart(const struct dm_report *rep, struct dm_buf *o, int standalone)
{
	struct frame f = {.t1 = rep->t_last > 0 ? rep->t_last : 1};
	double data = (double)(rep->rss_max > rep->acct_max ? rep->rss_max : rep->acct_max);
	/* ddexmon's own budget says nothing of a process it watches: its
	 * limit is the one the projections were made against */
	uint64_t budget = rep->watched ? 0 : rep->budget;
	double flush = budget && rep->flush_ratio ? rep->flush_ratio * (double)budget : 0;
	uint64_t limit = rep->nproj ? rep->proj[rep->nproj - 1].limit : 0;
	if (limit == budget)
		limit = 0;   /* drawn as the budget */
	int show_budget = budget && (double)budget <= data * 1.6;
	int show_flush = flush > 0 && flush <= data * 1.6;
	int show_limit = limit && (double)limit <= data * 1.6;
	double top = data;
	if (show_budget && (double)budget > top)
		top = (double)budget;
	if (show_flush && flush > top)
		top = flush;
	if (show_limit && (double)limit > top)
		top = (double)limit;
	if (top <= 0)
		top = 1024 * 1024;
	const char *uname;
	double unit = dm_rd_byte_unit(top, &uname);
	double step = dm_rd_nice_step(top * 1.05 / unit, 6) * unit;
	f.ymax = ceil(top * 1.05 / step) * step;

	/* the marks' legend starts on the third row, or on the second when
	 * there are no tags to list (a watched process) in a multiscale
	 * recording; rows past the third make the chart taller */
	int mark_row = rep->stories_mode && !rep->tags_seen ? 1 : 2;
	int last_row = marks_legend(o, rep, mark_row, 0);
	double h = H + (last_row > 2 ? 19.0 * (last_row - 2) : 0);
	if (standalone)
		dm_buf_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	dm_buf_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	              "height=\"%.0f\" style=\"font-family:DejaVu Sans,Verdana,Arial,sans-serif\" "
	              "role=\"img\" aria-label=\"memory over time\">\n", W, h, W, h);
	dm_buf_printf(o, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", W, h);
	pressure_bands(o, &f, rep);
	axes(o, &f, unit, uname);
	if (rep->nb > 0) {
		if (rep->tags_seen)
			tag_areas(o, &f, rep);
		if (!rep->watched) {
			dm_buf_printf(o, "<polyline data-series=\"accounted\" fill=\"none\" stroke=\"#d9822b\" "
			              "stroke-width=\"1.5\" points=\"");
			line_points(o, &f, rep, 0);
			dm_buf_puts(o, "\"/>\n");
		}
		dm_buf_printf(o, "<polyline data-series=\"rss\" data-samples=\"%llu\" data-points=\"%llu\" "
		              "fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
		              (unsigned long long)rep->samples,
		              (unsigned long long)dm_report_points(rep->samples));
		line_points(o, &f, rep, 1);
		dm_buf_puts(o, "\"/>\n");
	} else {
		dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\">"
		              "no memory samples in this recording</text>\n", W / 2, H / 2);
	}
	if (show_budget)
		hline(o, &f, (double)budget, "#c0392b", "budget", "budget");
	if (show_flush)
		hline(o, &f, flush, "#d4a017", "flush", "flush threshold");
	if (show_limit)
		hline(o, &f, (double)limit, dm_rd_mark_colour(MK_EXHAUSTION_PROJECTED), "limit", "limit");
	projections(o, &f, rep);
	marks(o, &f, rep);

	double x = PL;
	dm_buf_puts(o, "<g font-size=\"12\" fill=\"#333\">\n");
	legend_item(o, &x, 0, "#1f5fa8", 0, "RSS");
	if (!rep->watched)
		legend_item(o, &x, 0, "#d9822b", 0, "accounted");
	char lab[80], b[32];
	if (budget) {
		dm_rd_bytes(b, sizeof b, (double)budget);
		snprintf(lab, sizeof lab, show_budget ? "budget %s" : "budget %s (above the chart)", b);
		legend_item(o, &x, 0, "#c0392b", 1, lab);
	}
	if (flush > 0) {
		dm_rd_bytes(b, sizeof b, flush);
		snprintf(lab, sizeof lab, show_flush ? "flush threshold %s" : "flush threshold %s (above)", b);
		legend_item(o, &x, 0, "#d4a017", 1, lab);
	}
	if (limit) {
		dm_rd_bytes(b, sizeof b, (double)limit);
		snprintf(lab, sizeof lab, show_limit ? "limit %s" : "limit %s (above the chart)", b);
		legend_item(o, &x, 0, dm_rd_mark_colour(MK_EXHAUSTION_PROJECTED), 1, lab);
	}
	if (rep->nproj)
		legend_item(o, &x, 0, dm_rd_mark_colour(MK_EXHAUSTION_PROJECTED), 1, "projected from RSS");
	x = PL;
	if (rep->tags_seen) {
		dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">accounted by tag:</text>", x, H - PB + 58 + 19 + 4);
		x += 112;
	}
	for (int t = 0; t < DM_TAG_COUNT; t++)
		if (rep->tag_max[t])
			legend_item(o, &x, 1, tag_colour[t], 2, dm_tag_name((enum dm_tag)t));
	marks_legend(o, rep, mark_row, 1);
	dm_buf_puts(o, "</g>\n</svg>\n");
	return o->failed ? DM_ENOMEM : 0;
}

/* ---- the per-file timeline ------------------------------------------- */

#define GL 250.0   /* room for file names */
#define GROW 22.0

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s && s[1] ? s + 1 : p;
}

static const char *state_colour(const struct rfile *f)
{
	if (!f->done)
		return "#6c8ebf";
	if (!strcmp(f->state, "done"))
		return "#4caf50";
	if (!strcmp(f->state, "failed"))
		return "#d9534f";
	return "#b0b0b0";
}

int dm_rd_gantt(const struct dm_report *rep, struct dm_buf *o)
{
	int rows = 0;
	for (int i = 0; i < rep->nfiles; i++)
		rows += rep->files[i].used;
	if (!rows)
		return 0;
	double t1 = rep->t_last > 0 ? rep->t_last : 1;
	double h = PT + GROW * rows + 44;
	double pw = W - GL - PR;
	dm_buf_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	              "height=\"%.0f\" style=\"font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:12px\" "
	              "role=\"img\" aria-label=\"files over time\">\n", W, h, W, h);
	dm_buf_printf(o, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", W, h);
	double step = time_step(t1), bottom = PT + GROW * rows;
	for (int i_ = 0; i_ <= 60 && i_ * step <= t1 * 1.0001; i_++) {
		double t = i_ * step;
		char lab[32];
		time_label(lab, sizeof lab, t, step);
		double x = GL + pw * t / t1;
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
		              x, PT - 6, x, bottom, x, bottom + 16, lab);
	}
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">time since the run started</text>\n",
	              GL + pw / 2, bottom + 34);
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444\" font-weight=\"bold\">file</text>"
	              "<text x=\"%.1f\" y=\"%.1f\" fill=\"#444\" font-weight=\"bold\">queued \xE2\x80\x93 parsing \xE2\x80\x93 done, with MB/s</text>\n",
	              8.0, PT - 14, GL, PT - 14);
	int row = 0;
	for (int i = 0; i < rep->nfiles; i++) {
		const struct rfile *f = &rep->files[i];
		if (!f->used)
			continue;
		double y = PT + GROW * row++;
		double end = f->done ? f->t_done : t1;
		double xs = GL + pw * (f->started ? f->t_start : end) / t1;
		double xe = GL + pw * end / t1;
		char name[64];
		snprintf(name, sizeof name, "%.34s%s", base_name(f->path), strlen(base_name(f->path)) > 34 ? "\xE2\x80\xA6" : "");
		dm_buf_printf(o, "<g data-file=\"%d\"><title>", f->index);
		dm_rd_esc(o, f->path);
		dm_buf_puts(o, ": ");
		dm_rd_esc(o, f->state);
		if (f->error[0]) {
			dm_buf_puts(o, " \xE2\x80\x94 ");
			dm_rd_esc(o, f->error);
		}
		dm_buf_printf(o, "</title><text x=\"8\" y=\"%.1f\" fill=\"#222\">", y + 15);
		dm_rd_esc(o, name);
		dm_buf_puts(o, "</text>");
		if (f->queued >= 0 && f->started && f->t_start > f->queued)
			dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\" fill=\"#dddddd\"/>",
			              GL + pw * f->queued / t1, y + 7, xs - (GL + pw * f->queued / t1));
		dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" rx=\"2\" fill=\"%s\"/>",
		              xs, y + 3, xe - xs < 1.5 ? 1.5 : xe - xs, state_colour(f));
		char lab[64];
		if (f->done)
			snprintf(lab, sizeof lab, "%.1f MB/s%s", f->mbps, strcmp(f->state, "done") ? " (failed)" : "");
		else
			snprintf(lab, sizeof lab, "%s", f->started ? "not finished" : "not started");
		int inside = xe - xs > 7.2 * (double)strlen(lab) + 10 || xe + 7.2 * (double)strlen(lab) + 10 > W;
		dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\"%s>%s</text></g>\n",
		              inside ? xe - 5 : xe + 5, y + 15, inside ? "#fff" : "#333",
		              inside ? " text-anchor=\"end\"" : "", lab);
	}
	dm_buf_puts(o, "</svg>\n");
	return o->failed ? DM_ENOMEM : 0;
}
