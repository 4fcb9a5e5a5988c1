/* Text for the dashboard: every figure, bar and graph the panels show is
 * made here, without curses, so the tests can compare exact strings. */
#include "config.h"
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define U_MINUS "\xe2\x88\x92"     /* U+2212 */
#define U_ELLIPSIS "\xe2\x80\xa6"  /* U+2026 */
#define U_EMDASH "\xe2\x80\x94"    /* U+2014 */
#define U_FULL "\xe2\x96\x88"      /* U+2588 full block */
#define U_LIGHT "\xe2\x96\x91"     /* U+2591 light shade */
#define U_HLINE "\xe2\x94\x80"     /* U+2500 */
#define U_TEE "\xe2\x94\xac"       /* U+252C */
#define U_MIDDOT "\xc2\xb7"        /* U+00B7 */

/* Cells wider than this are not drawn: no terminal line is that long and
 * it keeps the scratch arrays fixed (no VLAs). */
#define MAX_CELLS 1024

/* Appends that never overflow: a string builder over a caller's buffer. */
struct sb {
	char *buf;
	size_t size, len;
};

static void sb_init(struct sb *b, char *buf, size_t size)
{
	b->buf = buf;
	b->size = size;
	b->len = 0;
	if (size)
		buf[0] = '\0';
}

/* Whole strings or nothing: a cut multibyte character would garble the
 * rest of the line on the terminal. */
static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->size == 0 || b->len + n >= b->size)
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_repeat(struct sb *b, const char *s, int times)
{
	for (int i = 0; i < times; i++)
		sb_puts(b, s);
}

/* "1.50" -> "1.5", "2.00" -> "2"; integers are left alone. */
static void strip_zeros(char *s)
{
	char *dot = strchr(s, '.');
	if (!dot)
		return;
	char *end = s + strlen(s);
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	*end = '\0';
}

/* Three significant digits, trailing zeros dropped. */
static void three_digits(char *out, size_t size, double v)
{
	if (v < 9.995)
		snprintf(out, size, "%.2f", v);
	else if (v < 99.95)
		snprintf(out, size, "%.1f", v);
	else
		snprintf(out, size, "%.0f", v);
	strip_zeros(out);
}

char *dm_tui_size(char *buf, size_t size, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	if (size == 0)
		return buf;
	if (bytes < 1024) {
		snprintf(buf, size, bytes ? "%lluB" : "0", (unsigned long long)bytes);
		return buf;
	}
	double v = (double)bytes / 1024.0;
	int u = 0;
	/* 1023.6K would print as "1024K": show it as "1M" instead */
	while (v >= 1023.5 && units[u + 1]) {
		v /= 1024.0;
		u++;
	}
	char num[32];
	three_digits(num, sizeof num, v);
	snprintf(buf, size, "%s%c", num, units[u]);
	return buf;
}

char *dm_tui_delta(char *buf, size_t size, int64_t bytes, int utf8)
{
	char mag[16];
	if (bytes == 0) {
		snprintf(buf, size, "0");
		return buf;
	}
	uint64_t m = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : (uint64_t)bytes;
	dm_tui_size(mag, sizeof mag, m);
	snprintf(buf, size, "%s%s", bytes < 0 ? (utf8 ? U_MINUS : "-") : "+", mag);
	return buf;
}

char *dm_tui_rate(char *buf, size_t size, double bytes_per_s)
{
	char mag[16];
	if (!(bytes_per_s >= 0.5) || !isfinite(bytes_per_s)) {   /* also NaN */
		snprintf(buf, size, "0B/s");
		return buf;
	}
	double v = bytes_per_s < 1e19 ? bytes_per_s : 1e19;
	dm_tui_size(mag, sizeof mag, (uint64_t)(v + 0.5));
	snprintf(buf, size, "%s/s", mag);
	return buf;
}

char *dm_tui_slope(char *buf, size_t size, double r, int utf8)
{
	char mag[16];
	if (!isfinite(r) || fabs(r) < 0.5) {
		snprintf(buf, size, "0B/s");
		return buf;
	}
	dm_tui_rate(mag, sizeof mag, fabs(r));
	snprintf(buf, size, "%s%s", r < 0 ? (utf8 ? U_MINUS : "-") : "+", mag);
	return buf;
}

char *dm_tui_si(char *buf, size_t size, double n)
{
	static const char units[] = "KMGTPE";
	if (!(n > 0))
		n = 0;
	if (n < 999.5) {
		snprintf(buf, size, "%.0f", n);
		return buf;
	}
	double v = n / 1000.0;
	int u = 0;
	while (v >= 999.5 && units[u + 1]) {
		v /= 1000.0;
		u++;
	}
	char num[32];
	snprintf(num, sizeof num, v < 9.95 ? "%.1f" : "%.0f", v);
	strip_zeros(num);
	snprintf(buf, size, "%s%c", num, units[u]);
	return buf;
}

char *dm_tui_clock(char *buf, size_t size, double secs)
{
	if (!(secs > 0))
		secs = 0;
	unsigned long long s = (unsigned long long)secs;
	snprintf(buf, size, "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
	return buf;
}

char *dm_tui_ago(char *buf, size_t size, double secs)
{
	unsigned long long t = secs > 0 ? (unsigned long long)(secs + 0.5) : 0;
	if (t == 0)
		snprintf(buf, size, "now");
	else if (t < 60)
		snprintf(buf, size, "-%llus", t);
	else if (t < 3600 && t % 60)
		snprintf(buf, size, "-%llum%02llus", t / 60, t % 60);
	else if (t < 3600)
		snprintf(buf, size, "-%llum", t / 60);
	else if (t % 3600)
		snprintf(buf, size, "-%lluh%02llum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, size, "-%lluh", t / 3600);
	return buf;
}

char *dm_tui_secs(char *buf, size_t size, double secs, int utf8)
{
	if (!(secs >= 0)) {
		snprintf(buf, size, "%s", utf8 ? U_EMDASH : "-");
		return buf;
	}
	if (secs < 59.95) {
		snprintf(buf, size, "%.1fs", secs);
		return buf;
	}
	unsigned long long s = (unsigned long long)(secs + 0.5);
	if (s < 3600)
		snprintf(buf, size, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(buf, size, "%lluh%02llum", s / 3600, s / 60 % 60);
	return buf;
}

char *dm_tui_count(char *buf, size_t size, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	struct sb b;
	sb_init(&b, buf, size);
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			sb_put(&b, ",", 1);
		sb_put(&b, &digits[i], 1);
	}
	return buf;
}

char *dm_tui_bar(char *buf, size_t size, double frac, int width, int utf8)
{
	struct sb b;
	sb_init(&b, buf, size);
	if (width <= 0)
		return buf;
	if (!(frac > 0))
		frac = 0;
	int full = frac >= 1 ? width : (int)(frac * width);
	if (full >= width && frac < 1)
		full = width - 1;
	sb_repeat(&b, utf8 ? U_FULL : "#", full);
	sb_repeat(&b, utf8 ? U_LIGHT : "-", width - full);
	return buf;
}

/* ---- widths ---------------------------------------------------------- */

/* Decode one UTF-8 character at s; returns its length (1 for a stray
 * byte, with *cp = 0xFFFD). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0];
	int len;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2;
		c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		c &= 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
}

/* Columns of one code point: enough of wcwidth for file names and our
 * own glyphs, without depending on the locale. */
static int cp_width(unsigned c)
{
	if (c == 0 || (c >= 0x300 && c <= 0x36F) || (c >= 0x200B && c <= 0x200F))
		return 0;
	if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
	    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
		return 2;
	return 1;
}

int dm_tui_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;
	while (*p) {
		unsigned cp;
		p += utf8_next(p, &cp);
		w += cp_width(cp);
	}
	return w;
}

/* One character as the screen may show it: controls and stray bytes
 * become '?', and in ASCII mode so does every non-ASCII byte. */
static void put_char(struct sb *b, const unsigned char *p, int len, unsigned cp, int utf8)
{
	if (!utf8)
		sb_put(b, *p < 0x7F && *p >= 0x20 ? (const char *)p : "?", 1);
	else if (cp == 0xFFFD || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))   /* C0, DEL, C1 */
		sb_put(b, "?", 1);
	else
		sb_put(b, (const char *)p, (size_t)len);
}

/* Characters from p while they fit in room columns; returns the columns
 * used, *end is where it stopped. */
static int put_head(struct sb *b, const unsigned char *p, int room, int utf8,
                    const unsigned char **end)
{
	int w = 0;
	while (*p) {
		unsigned cp;
		int len = utf8_next(p, &cp);
		int cw = utf8 ? cp_width(cp) : 1;
		if (w + cw > room)
			break;
		put_char(b, p, utf8 ? len : 1, cp, utf8);
		w += cw;
		p += utf8 ? len : 1;
	}
	if (end)
		*end = p;
	return w;
}

static int text_width(const char *s, int utf8)
{
	return utf8 ? dm_tui_width(s) : (int)strlen(s);
}

size_t dm_tui_cut(const char *s, int width, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;
	while (*p) {
		unsigned cp;
		int len = utf8 ? utf8_next(p, &cp) : 1;
		int cw = utf8 ? cp_width(cp) : 1;
		if (w + cw > width)
			break;
		w += cw;
		p += len;
	}
	return (size_t)(p - (const unsigned char *)s);
}

char *dm_tui_fit(char *buf, size_t size, const char *s, int width, int utf8)
{
	struct sb b;
	sb_init(&b, buf, size);
	if (width <= 0)
		return buf;
	int total = text_width(s, utf8);
	int room = total > width ? width - 1 : width;   /* leave a cell for the mark */
	int w = put_head(&b, (const unsigned char *)s, room, utf8, NULL);
	if (total > width) {
		sb_puts(&b, utf8 ? U_ELLIPSIS : "~");
		w++;
	}
	sb_repeat(&b, " ", width - w);
	return buf;
}

/* Where the last characters of s that fit in room columns begin. */
static const unsigned char *tail_start(const unsigned char *s, int room, int utf8, int *cols)
{
	const unsigned char *end = s + strlen((const char *)s), *p = end;
	int w = 0;
	while (p > s) {
		const unsigned char *q = p - 1;
		/* back to the first byte of a character; a stray continuation
		 * byte stands alone, as utf8_next reads it */
		while (utf8 && q > s && (*q & 0xC0) == 0x80 && p - q < 4)
			q--;
		unsigned cp;
		int len = utf8 ? utf8_next(q, &cp) : 1;
		if (q + len != p) {          /* q does not decode to exactly [q, p) */
			q = p - 1;
			cp = 0xFFFD;
		}
		int cw = utf8 ? cp_width(cp) : 1;
		if (w + cw > room)
			break;
		w += cw;
		p = q;
	}
	*cols = w;
	return p;
}

char *dm_tui_fit_mid(char *buf, size_t size, const char *s, int width, int utf8)
{
	if (width <= 0 || text_width(s, utf8) <= width || width < 5)
		return dm_tui_fit(buf, size, s, width, utf8);
	struct sb b;
	sb_init(&b, buf, size);
	int room = width - 1;
	int tail_cols;
	const unsigned char *tail = tail_start((const unsigned char *)s, room / 2, utf8, &tail_cols);
	int w = put_head(&b, (const unsigned char *)s, room - tail_cols, utf8, NULL);
	sb_puts(&b, utf8 ? U_ELLIPSIS : "~");
	w++;
	w += put_head(&b, tail, tail_cols, utf8, NULL);
	sb_repeat(&b, " ", width - w);
	return buf;
}

/* ---- graphs ---------------------------------------------------------- */

static int level_of(double v, double ymax, int levels)
{
	if (!(v > 0) || !(ymax > 0))
		return 0;
	double l = v / ymax * levels;
	int lv = l >= levels ? levels : (int)(l + 0.5);
	/* anything above zero shows at least one dot */
	return lv < 1 ? 1 : lv;
}

int dm_tui_graph_row(double y, double ymax, int height)
{
	if (height <= 0 || !(ymax > 0) || y < 0 || y > ymax)
		return -1;
	int lv = (int)(y / ymax * height);
	if (lv > height - 1)
		lv = height - 1;
	return height - 1 - lv;
}

int dm_tui_graph_col(size_t i, size_t n, int width, int utf8)
{
	size_t per = (size_t)DM_TUI_PER_CELL(utf8);
	size_t cap = width > 0 ? (size_t)width * per : 0;
	size_t shown = n < cap ? n : cap;
	size_t first = n - shown;
	if (i < first || i >= n)
		return -1;
	return (int)((i - first) / per);
}

double dm_tui_nice_scale(double max, int maxticks, double *step)
{
	static const double mult[] = {1, 2, 5, 10, 20, 50, 100, 200, 500};
	if (maxticks < 1)
		maxticks = 1;
	double want = max > 0 ? max * 1.05 : 0;
	for (double unit = 1024;; unit *= 1024) {
		for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
			double st = mult[i] * unit;
			double k = ceil(want / st);
			if (k < 1)
				k = 1;
			/* 3 x 500K is 1.46M, and 1000M is wider than 1G: the ticks
			 * stay below 1000 of the unit, or the next unit's steps are
			 * used */
			if ((k <= maxticks && k * st < 1000 * unit) || unit > 1e18) {
				if (step)
					*step = st;
				return k * st;
			}
		}
	}
}

double dm_tui_time_step(double span, int width, int min_gap)
{
	static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
	if (!(span > 0) || width <= 0)
		return 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] / span * width >= min_gap)
			return steps[i];
	/* beyond an hour a tick: whole hours */
	double h = 7200;
	while (h / span * width < min_gap)
		h *= 2;
	return h;
}

/* The character of an empty cell at column c of a horizontal line. */
static const char *line_cell(enum dm_tui_line_style st, int c, int utf8)
{
	if (c % 2)
		return " ";
	if (st == DM_TUI_LINE_DASH)
		return "-";
	return utf8 ? U_MIDDOT : ".";
}

/* Braille dots filled from the bottom of a cell, left column then right. */
static const unsigned braille_bits[2][4] = {
	{0x40, 0x04, 0x02, 0x01},
	{0x80, 0x20, 0x10, 0x08},
};

/* What one series puts in one cell: braille dots or an ASCII fill. */
static void cell_series(const struct dm_tui_graph *g, const double *v, int is_line, size_t k0,
                        size_t shown, int base, unsigned *mask, int *ascii)
{
	int per = DM_TUI_PER_CELL(g->utf8);
	int dpr = g->utf8 ? 4 : 2;
	int levels = g->height * dpr;
	for (int j = 0; j < per; j++) {
		size_t k = k0 + (size_t)j;
		if (k >= shown)
			break;
		int lv = level_of(v[g->n - shown + k], g->ymax, levels) - base;
		if (lv <= 0)
			continue;
		if (is_line) {
			if (lv > dpr)
				continue;     /* its dot is in a row above */
			if (g->utf8)
				*mask |= braille_bits[j][lv - 1];
			else
				*ascii = '~';
			continue;
		}
		if (lv > dpr)
			lv = dpr;
		if (g->utf8)
			for (int d = 0; d < lv; d++)
				*mask |= braille_bits[j][d];
		else if (*ascii != '~' && (lv == 2 || *ascii != '#'))
			*ascii = lv == 2 ? '#' : '.';
	}
}

size_t dm_tui_graph(const struct dm_tui_graph *g, char *rows, size_t rowsize)
{
	int width = g->width, height = g->height;
	if (width <= 0 || height <= 0)
		return 0;
	if (width > MAX_CELLS)
		width = MAX_CELLS;
	int per = DM_TUI_PER_CELL(g->utf8);
	int dpr = g->utf8 ? 4 : 2;
	size_t cap = (size_t)width * (size_t)per;
	size_t shown = g->n < cap ? g->n : cap;

	for (int r = 0; r < height; r++) {
		struct sb b;
		sb_init(&b, rows + (size_t)r * rowsize, rowsize);
		const struct dm_tui_hline *line = NULL;
		for (size_t k = 0; k < g->nlines && !line; k++)
			if (dm_tui_graph_row(g->lines[k].y, g->ymax, height) == r)
				line = &g->lines[k];
		int base = (height - 1 - r) * dpr;
		for (int c = 0; c < width; c++) {
			unsigned mask = 0;
			int ascii = 0;
			size_t k0 = (size_t)c * (size_t)per;
			if (g->area)
				cell_series(g, g->area, 0, k0, shown, base, &mask, &ascii);
			if (g->line)
				cell_series(g, g->line, 1, k0, shown, base, &mask, &ascii);
			if (g->utf8 && mask) {
				unsigned cp = 0x2800 + mask;
				char ch[3] = {(char)(0xE0 | cp >> 12), (char)(0x80 | (cp >> 6 & 0x3F)),
				              (char)(0x80 | (cp & 0x3F))};
				sb_put(&b, ch, 3);
			} else if (ascii) {
				char ch = (char)ascii;
				sb_put(&b, &ch, 1);
			} else {
				sb_puts(&b, line ? line_cell(line->style, c, g->utf8) : " ");
			}
		}
	}
	return shown;
}

char *dm_tui_axis(char *buf, size_t size, int width, const int *marks, size_t nmarks,
                  const int *tcols, const char *const *tlabels, size_t nt, int utf8)
{
	struct sb b;
	sb_init(&b, buf, size);
	if (width <= 0)
		return buf;
	if (width > MAX_CELLS)
		width = MAX_CELLS;
	char kind[MAX_CELLS];            /* '-' line, '+' mark, 'l' label, ' ' gap */
	const char *at[MAX_CELLS];       /* the label starting at a cell */
	memset(kind, '-', (size_t)width);
	memset(at, 0, sizeof at);
	for (size_t i = 0; i < nmarks; i++)
		if (marks[i] >= 0 && marks[i] < width)
			kind[marks[i]] = '+';
	for (size_t i = 0; i < nt; i++) {
		int lw = (int)strlen(tlabels[i]);
		int start = tcols[i];
		if (start + lw + 1 > width)
			start = width - lw - 1;
		if (start < 1)
			continue;
		int free_cells = 1;          /* a mark or a label there keeps its place */
		for (int c = start - 1; c <= start + lw && free_cells; c++)
			free_cells = kind[c] == '-';
		if (!free_cells)
			continue;
		kind[start - 1] = ' ';
		memset(kind + start, 'l', (size_t)lw);
		kind[start + lw] = ' ';
		at[start] = tlabels[i];
	}
	for (int c = 0; c < width; c++) {
		if (at[c]) {
			sb_puts(&b, at[c]);
			c += (int)strlen(at[c]) - 1;
		} else if (kind[c] == ' ') {
			sb_puts(&b, " ");
		} else if (kind[c] == '+') {
			sb_puts(&b, utf8 ? U_TEE : "+");
		} else {
			sb_puts(&b, utf8 ? U_HLINE : "-");
		}
	}
	return buf;
}

char *dm_tui_mark_labels(char *buf, size_t size, int width, const int *cols,
                         const char *const *labels, size_t n)
{
	struct sb b;
	sb_init(&b, buf, size);
	if (width <= 0)
		return buf;
	if (width > MAX_CELLS)
		width = MAX_CELLS;
	/* the newest (last) first: when two overlap, the one just made is
	 * the one wanted; each keeps a space from its neighbours */
	const char *at[MAX_CELLS];
	char used[MAX_CELLS];
	memset(at, 0, sizeof at);
	memset(used, 0, sizeof used);
	for (size_t i = n; i-- > 0;) {
		int lw = dm_tui_width(labels[i]);
		int start = cols[i];
		if (start + lw > width)
			start = width - lw;
		if (start < 0)
			continue;
		int clear = 1;
		for (int c = start > 0 ? start - 1 : 0; c <= start + lw && c < width && clear; c++)
			clear = !used[c];
		if (!clear)
			continue;
		memset(used + start, 1, (size_t)lw);
		at[start] = labels[i];
	}
	for (int c = 0; c < width; c++) {
		if (at[c]) {
			sb_puts(&b, at[c]);
			c += dm_tui_width(at[c]) - 1;
		} else {
			sb_puts(&b, " ");
		}
	}
	return buf;
}

char *dm_tui_trend_text(char *buf, size_t size, const struct dm_trend *t, int utf8)
{
	char rate[32], eta[32];
	if (t->kind == DM_TREND_UNKNOWN) {
		snprintf(buf, size, "trend: unknown   time to budget: %s", utf8 ? U_EMDASH : "-");
		return buf;
	}
	dm_tui_slope(rate, sizeof rate, t->rate, utf8);
	if (t->kind == DM_TREND_GROWING && t->to_budget == 0)
		snprintf(eta, sizeof eta, "reached");
	else
		dm_tui_secs(eta, sizeof eta, t->kind == DM_TREND_GROWING ? t->to_budget : -1, utf8);
	snprintf(buf, size, "trend: %s (%s)   time to budget: %s", dm_trend_name(t->kind), rate,
	         eta);
	return buf;
}
