/* The tune sweep's chart: median MB/s (with its minimum and maximum) and
 * peak RSS against chunk size, one series per buffer size, from a
 * `tune --csv` file read into the report model. */
#include "config.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_draw.h"
#include "report_int.h"

#define W 960.0
#define PL 78.0
#define PT 54.0

static int nbuf_of(const struct dm_report *rep)
{
	int n = 0;
	for (int i = 0; i < rep->ntune; i++) {
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = rep->tune[j].buffer_bytes == rep->tune[i].buffer_bytes;
		n += !seen;
	}
	return n > 0 ? n : 1;
}

int dm_rd_tune_chart(const struct dm_report *rep, struct dm_buf *o, int standalone)
{
	/* chunk sizes in ascending order, one column each */
	uint64_t cols[DM_REPORT_TUNE_ROWS];
	int nc = 0;
	double mmax = 0, rmax = 0;
	for (int i = 0; i < rep->ntune; i++) {
		const struct tune_row *w = &rep->tune[i];
		int j = 0;
		while (j < nc && cols[j] != w->chunk_bytes)
			j++;
		if (j == nc)
			cols[nc++] = w->chunk_bytes;
		if (w->max > mmax)
			mmax = w->max;
		if (w->med > mmax)
			mmax = w->med;
		if ((double)w->peak_rss > rmax)
			rmax = (double)w->peak_rss;
	}
	for (int i = 1; i < nc; i++)
		for (int j = i; j > 0 && cols[j - 1] > cols[j]; j--) {
			uint64_t t = cols[j];
			cols[j] = cols[j - 1];
			cols[j - 1] = t;
		}
	double th = 400 + 18 * ((nbuf_of(rep) - 1) / 2), pr = 78, pb = 84 + 18 * ((nbuf_of(rep) - 1) / 2);
	double pw = W - PL - pr, ph = th - PT - pb;
	double ms = dm_rd_nice_step(mmax > 0 ? mmax * 1.05 : 1, 6), mtop = ceil((mmax > 0 ? mmax * 1.05 : 1) / ms) * ms;
	const char *uname;
	double unit = dm_rd_byte_unit(rmax > 0 ? rmax : 1, &uname);
	double rs = dm_rd_nice_step((rmax > 0 ? rmax * 1.05 : 1) / unit, 6) * unit;
	double rtop = ceil((rmax > 0 ? rmax * 1.05 : 1) / rs) * rs;
	if (standalone)
		dm_buf_puts(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	dm_buf_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
	              "height=\"%.0f\" style=\"font-family:DejaVu Sans,Verdana,Arial,sans-serif;font-size:12px\" "
	              "role=\"img\" aria-label=\"throughput and peak RSS by chunk size\">\n", W, th, W, th);
	dm_buf_printf(o, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", W, th);
	for (int i_ = 0; i_ <= 60 && i_ * ms <= mtop * 1.0001; i_++) {
		double v = i_ * ms;
		double y = PT + ph - ph * v / mtop;
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#1f5fa8\">%g</text>\n",
		              PL, y, PL + pw, y, PL - 6, y + 4, v);
	}
	for (int i_ = 0; i_ <= 60 && i_ * rs <= rtop * 1.0001; i_++) {
		double v = i_ * rs;
		dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#d9822b\">%g</text>\n",
		              PL + pw + 6, PT + ph - ph * v / rtop + 4, v / unit);
	}
	double cw = nc ? pw / nc : pw;
	for (int j = 0; j < nc; j++) {
		char lab[16] = "";
		for (int i = 0; i < rep->ntune; i++)
			if (rep->tune[i].chunk_bytes == cols[j]) {
				snprintf(lab, sizeof lab, "%s", rep->tune[i].chunk);
				break;
			}
		dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">", PL + cw * (j + 0.5),
		              PT + ph + 16);
		dm_rd_esc(o, lab);
		dm_buf_puts(o, "</text>\n");
	}
	dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n", PL, PT + ph, PL + pw, PT + ph);
	dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">chunk size</text>\n",
	              PL + pw / 2, PT + ph + 34);
	dm_buf_printf(o, "<text transform=\"translate(20 %.1f) rotate(-90)\" text-anchor=\"middle\" fill=\"#1f5fa8\">throughput (MB/s, median; bars: min\xE2\x80\x93max)</text>\n",
	              PT + ph / 2);
	dm_buf_printf(o, "<text transform=\"translate(%.1f %.1f) rotate(90)\" text-anchor=\"middle\" fill=\"#d9822b\">peak RSS (%s)</text>\n",
	              W - 18, PT + ph / 2, uname);
	/* one series per buffer size */
	uint64_t bufs[DM_REPORT_TUNE_ROWS];
	int nbuf = 0;
	for (int i = 0; i < rep->ntune; i++) {
		int j = 0;
		while (j < nbuf && bufs[j] != rep->tune[i].buffer_bytes)
			j++;
		if (j == nbuf)
			bufs[nbuf++] = rep->tune[i].buffer_bytes;
	}
	static const char *const dash[] = {"", " stroke-dasharray=\"6 3\"", " stroke-dasharray=\"2 3\"", " stroke-dasharray=\"9 3 2 3\""};
	for (int s = 0; s < nbuf; s++) {
		for (int pass = 0; pass < 2; pass++) {
			dm_buf_printf(o, "<polyline data-series=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
			              pass ? "peak-rss" : "mbps", pass ? "#d9822b" : "#1f5fa8", dash[s % 4]);
			for (int j = 0; j < nc; j++)
				for (int i = 0; i < rep->ntune; i++) {
					const struct tune_row *w = &rep->tune[i];
					if (w->chunk_bytes != cols[j] || w->buffer_bytes != bufs[s])
						continue;
					double v = pass ? PT + ph - ph * (double)w->peak_rss / rtop : PT + ph - ph * w->med / mtop;
					dm_buf_printf(o, "%.1f,%.1f ", PL + cw * (j + 0.5), v);
				}
			dm_buf_puts(o, "\"/>\n");
		}
		for (int j = 0; j < nc; j++)
			for (int i = 0; i < rep->ntune; i++) {
				const struct tune_row *w = &rep->tune[i];
				if (w->chunk_bytes != cols[j] || w->buffer_bytes != bufs[s])
					continue;
				double x = PL + cw * (j + 0.5);
				double y = PT + ph - ph * w->med / mtop;
				dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f5fa8\"/>",
				              x, PT + ph - ph * w->min / mtop, x, PT + ph - ph * w->max / mtop);
				dm_buf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#1f5fa8\"/>", x, y);
				dm_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"#d9822b\"/>",
				              x - 3.5, PT + ph - ph * (double)w->peak_rss / rtop - 3.5);
				if (w->best)
					dm_buf_printf(o, "<text data-best=\"1\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
					              "font-weight=\"bold\" fill=\"#2e8b57\">\xE2\x98\x85 chosen</text>", x, y - 10);
				if (!w->ok)
					dm_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#c0392b\">failed</text>",
					              x, PT + ph - 6);
				dm_buf_putc(o, '\n');
			}
	}
	double lx = PL, ly = PT + ph + 58;
	for (int s = 0; s < nbuf; s++) {
		char b[32];
		dm_rd_bytes(b, sizeof b, (double)bufs[s]);
		dm_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f5fa8\" stroke-width=\"2\"%s/>"
		              "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">MB/s, buffer %s</text>"
		              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d9822b\" stroke-width=\"2\"%s/>"
		              "<text x=\"%.1f\" y=\"%.1f\" fill=\"#333\">peak RSS, buffer %s</text>\n",
		              lx, ly, lx + 18, ly, dash[s % 4], lx + 23, ly + 4, b,
		              lx + 190, ly, lx + 208, ly, dash[s % 4], lx + 213, ly + 4, b);
		lx += 420;
		if (lx > W - 300) {
			lx = PL;
			ly += 18;
		}
	}
	dm_buf_puts(o, "</svg>\n");
	return o->failed ? DM_ENOMEM : 0;
}
