/* The files panel: one row a file with its state, progress, throughput
 * and records; a failed file shows its one-line error instead. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

static const char *icon(enum dm_file_state s, int utf8)
{
	switch (s) {
	case DM_FILE_QUEUED: return utf8 ? "\xc2\xb7" : ".";
	case DM_FILE_WAITING: return utf8 ? "\xe2\x80\xa6" : "~";
	case DM_FILE_RUNNING: return utf8 ? "\xe2\x96\xb6" : ">";
	case DM_FILE_DONE: return utf8 ? "\xe2\x9c\x93" : "+";
	case DM_FILE_FAILED: return utf8 ? "\xe2\x9c\x97" : "x";
	case DM_FILE_SKIPPED: return utf8 ? "\xc2\xbb" : "-";
	}
	return "?";
}

static enum dm_tui_tone tone_of(enum dm_file_state s)
{
	switch (s) {
	case DM_FILE_DONE: return DM_TUI_GOOD;
	case DM_FILE_FAILED: return DM_TUI_ALERT;
	case DM_FILE_WAITING: return DM_TUI_NOTICE;
	case DM_FILE_SKIPPED: return DM_TUI_DIM;
	default: return DM_TUI_PLAIN;
	}
}

static const char *state_word(enum dm_file_state s, int compact)
{
	switch (s) {
	case DM_FILE_QUEUED: return "queued";
	case DM_FILE_WAITING: return compact ? "waiting" : "waiting for memory";
	case DM_FILE_RUNNING: return "running";
	case DM_FILE_DONE: return "done";
	case DM_FILE_FAILED: return "failed";
	case DM_FILE_SKIPPED: return "skipped";
	}
	return "?";
}

/* The first file to show when they do not all fit. With a selection,
 * the one that keeps it in view, near the middle; without, the first one
 * still at work (or, all finished, the first failure) with one file above
 * it for context. */
size_t dm_tui_files_first(const struct dm_tui_model *m, int rows)
{
	if (rows <= 0 || (size_t)rows >= m->nfiles)
		return 0;
	size_t start;
	if (m->sel >= 0) {
		size_t sel = (size_t)m->sel < m->nfiles ? (size_t)m->sel : m->nfiles - 1;
		start = sel > (size_t)(rows - 1) / 2 ? sel - (size_t)(rows - 1) / 2 : 0;
	} else {
		size_t active = m->nfiles;
		for (size_t i = 0; i < m->nfiles; i++)
			if (m->files[i].state == DM_FILE_RUNNING || m->files[i].state == DM_FILE_WAITING ||
			    m->files[i].state == DM_FILE_QUEUED) {
				active = i;
				break;
			}
		/* all finished: the first failure, which is what one looks for */
		for (size_t i = 0; active == m->nfiles && i < m->nfiles; i++)
			if (m->files[i].state == DM_FILE_FAILED)
				active = i;
		start = active > 0 ? active - 1 : 0;
	}
	if (start + (size_t)rows > m->nfiles)
		start = m->nfiles - (size_t)rows;
	return start;
}

static void title_counts(const struct dm_tui_model *m, char *buf, size_t size, int utf8)
{
	size_t n[DM_FILE_SKIPPED + 1] = {0};
	for (size_t i = 0; i < m->nfiles; i++)
		if ((unsigned)m->files[i].state <= DM_FILE_SKIPPED)
			n[m->files[i].state]++;
	static const enum dm_file_state order[] = {DM_FILE_DONE, DM_FILE_RUNNING, DM_FILE_WAITING,
	                                           DM_FILE_QUEUED, DM_FILE_FAILED, DM_FILE_SKIPPED};
	size_t len = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		if (!n[order[k]])
			continue;
		int w = snprintf(buf + len, size - len, "%s%zu %s", len ? (utf8 ? " \xc2\xb7 " : ", ") : "",
		                 n[order[k]], state_word(order[k], 1));
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
	}
}

struct cols {
	int name, bar, pct, sizes, rate, rec, state;
};

/* Column widths for the content width; 0 = column left out. The name
 * gets what its longest needs up to half the rest (names are cut in the
 * middle, so half still tells them apart); the bar up to 30; the rest
 * goes to the state column, which a failed file's message fills. */
static struct cols plan(const struct dm_tui_model *m, int width, int compact)
{
	struct cols c = {0, 0, 4, 11, 8, 12, compact ? 9 : 26};
	if (!compact)
		c.pct = 0;
	else
		c.rec = 9;
	int longest = 8;
	for (size_t i = 0; i < m->nfiles; i++) {
		int w = dm_tui_width(dm_tui_model_file_label(&m->files[i]));
		if (w > longest)
			longest = w;
	}
	int *drop[] = {&c.rec, &c.rate, &c.sizes, &c.pct};
	for (size_t d = 0;; d++) {
		int fixed = 2;   /* icon and a space */
		int *all[] = {&c.pct, &c.sizes, &c.rate, &c.rec, &c.state};
		for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
			if (*all[i])
				fixed += *all[i] + 2;
		int rest = width - fixed;
		int cap = compact ? (rest / 2 > 20 ? rest / 2 : 20) : rest / 2;
		c.name = longest < cap ? longest : cap;
		if (c.name < 12)
			c.name = rest < 12 ? rest : 12;
		if (!compact) {
			c.bar = rest - c.name - 2;
			if (c.bar > 30)
				c.bar = 30;
			if (c.bar < 6)
				c.bar = 0;
		}
		/* the state column takes what the others leave */
		int spare = rest - c.name - (c.bar ? c.bar + 2 : 0);
		c.state += spare;
		/* a name is worth more than a column of figures, but not the
		 * state cell (where the current rate and a failure's reason are) */
		if ((c.name >= (compact ? 20 : 12) && spare >= 0) || d >= sizeof drop / sizeof drop[0])
			break;
		c.state = compact ? 9 : 26;
		*drop[d] = 0;
	}
	if (c.name < 1)
		c.name = 1;
	return c;
}

/* The richest of these that fits: state, time, current rate, retry;
 * then without the retry, without the time, the current rate alone (the
 * row's icon says "running"), and last the state without a rate. */
char *dm_tui_files_state(char *buf, size_t size, const struct dm_tui_file *f, int width,
                         int compact, int utf8)
{
	const char *word = state_word(f->state, compact);
	const char *retried = f->retried ? " (retried)" : "";
	char t[32] = "", now[32] = "", cand[160];
	if (!compact && (f->state == DM_FILE_DONE || (f->state == DM_FILE_RUNNING && f->seconds > 0)))
		dm_tui_secs(t, sizeof t, f->seconds, utf8);
	int has_now = f->state == DM_FILE_RUNNING && f->now_rate >= 0;
	if (has_now)
		dm_tui_rate(now, sizeof now, f->now_rate);
	const char *sp = t[0] ? " " : "";
	for (int k = has_now ? 0 : 4; k < 6; k++) {
		switch (k) {
		case 0: snprintf(cand, sizeof cand, "%-8s%s%s  now %s%s", word, sp, t, now, retried); break;
		case 1: snprintf(cand, sizeof cand, "%-8s%s%s  now %s", word, sp, t, now); break;
		case 2: snprintf(cand, sizeof cand, "%s now %s", word, now); break;
		case 3: snprintf(cand, sizeof cand, "now %s", now); break;
		case 4: snprintf(cand, sizeof cand, "%-8s%s%s%s", word, sp, t, retried); break;
		default: snprintf(cand, sizeof cand, "%s", word); break;
		}
		if (dm_tui_width(cand) <= width || k == 5)
			break;
	}
	snprintf(buf, size, "%s", cand);
	return buf;
}

static void draw_row(WINDOW *w, int y, int x, int width, const struct dm_tui_model *m,
                     const struct dm_tui_file *f, const struct cols *c,
                     const struct dm_tui_view *v, int selected)
{
	char name[512], bar[256], sizes[32], a[16], b[16], rate[32], rec[48], state[64], cell[512];
	int utf8 = v->utf8;
	double frac = f->size ? (double)f->bytes / (double)f->size : (f->state == DM_FILE_DONE);
	int cx = x;

	dm_tui_put(w, v, y, cx, 1, icon(f->state, utf8), dm_tui_attr(v, tone_of(f->state)));
	cx += 2;
	dm_tui_fit_mid(name, sizeof name, dm_tui_model_file_label(f), c->name, utf8);
	attr_t na = dm_tui_attr(v, f->state == DM_FILE_RUNNING ? DM_TUI_STRONG : DM_TUI_PLAIN);
	dm_tui_put(w, v, y, cx, c->name, name, selected ? na | A_REVERSE : na);
	cx += c->name + 2;
	if (c->bar) {
		dm_tui_bar(bar, sizeof bar, frac, c->bar, utf8);
		dm_tui_put(w, v, y, cx, c->bar, bar, dm_tui_attr(v, tone_of(f->state)));
		cx += c->bar + 2;
	}
	if (f->state == DM_FILE_FAILED && v->compact) {
		/* a narrow row: the reason matters more than the figures, and
		 * the icon says "failed" */
		char why[DM_TUI_TEXT_MAX + 32];
		dm_tui_put(w, v, y, cx, x + width - cx, dm_tui_file_reason(why, sizeof why, f),
		           dm_tui_attr(v, DM_TUI_ALERT));
		return;
	}
	if (c->pct) {
		snprintf(cell, sizeof cell, "%3d%%", (int)(frac * 100 > 100 ? 100 : frac * 100));
		dm_tui_put(w, v, y, cx, c->pct, cell, A_NORMAL);
		cx += c->pct + 2;
	}
	if (c->sizes) {
		dm_tui_size(a, sizeof a, f->bytes);
		if (f->size)
			dm_tui_size(b, sizeof b, f->size);
		else
			snprintf(b, sizeof b, "?");
		snprintf(sizes, sizeof sizes, "%5s/%-5s", a, b);
		dm_tui_put(w, v, y, cx, c->sizes, sizes, A_NORMAL);
		cx += c->sizes + 2;
	}
	int rest = x + width - cx;
	if (f->state == DM_FILE_FAILED) {
		char why[DM_TUI_TEXT_MAX + 32];
		/* the icon says "failed"; the words say what it exits with, why */
		snprintf(cell, sizeof cell, "exit %d: %s", dm_exit_code(f->code ? f->code : DM_EIO),
		         dm_tui_file_reason(why, sizeof why, f));
		dm_tui_put(w, v, y, cx, rest, cell, dm_tui_attr(v, DM_TUI_ALERT));
		return;
	}
	if (c->rate) {
		/* a running file's first moments have no rate yet */
		if ((f->state == DM_FILE_RUNNING && f->seconds > 0.05) || f->state == DM_FILE_DONE)
			dm_tui_rate(rate, sizeof rate, f->rate);
		else
			rate[0] = '\0';
		snprintf(cell, sizeof cell, "%*s", c->rate, rate);
		dm_tui_put(w, v, y, cx, c->rate, cell, A_NORMAL);
		cx += c->rate + 2;
	}
	if (c->rec) {
		char n[32];
		if (f->state == DM_FILE_QUEUED || f->state == DM_FILE_WAITING)
			rec[0] = '\0';
		else
			snprintf(rec, sizeof rec, c->rec >= 12 ? "%s rec" : "%s", dm_tui_count(n, sizeof n, f->records));
		snprintf(cell, sizeof cell, "%*s", c->rec, rec);
		dm_tui_put(w, v, y, cx, c->rec, cell, A_NORMAL);
		cx += c->rec + 2;
	}
	(void)m;
	dm_tui_files_state(state, sizeof state, f, x + width - cx, v->compact, utf8);
	dm_tui_put(w, v, y, cx, x + width - cx, state, dm_tui_attr(v, tone_of(f->state)));
}

void dm_tui_panel_files(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	char right[192], more[64] = "";
	int rows = getmaxy(w) - (v->compact ? 1 : 2);
	size_t first = dm_tui_files_first(m, rows);
	long cur = m->sel >= 0 || m->mode == DM_TUI_MODE_DETAILS ? dm_tui_model_current(m) : -1;
	if (rows > 0 && m->nfiles > (size_t)rows)
		snprintf(more, sizeof more, "%zu-%zu of %zu", first + 1, first + (size_t)rows, m->nfiles);
	title_counts(m, right, sizeof right, v->utf8);
	if (more[0] && v->compact) {
		/* no bottom border to hold it: the title says which rows these
		 * are, and drops the counts when both do not fit */
		char both[sizeof right + sizeof more + 2];
		snprintf(both, sizeof both, "%s; %s", more, right);
		snprintf(right, sizeof right, "%.180s",
		         dm_tui_width(both) + 14 <= getmaxx(w) ? both : more);
	}
	struct dm_tui_rect r = dm_tui_frame(w, v, "Files", right, DM_TUI_PLAIN);
	if (r.h <= 0)
		return;
	if (m->nfiles == 0) {
		dm_tui_put(w, v, r.y, r.x, r.w,
		           m->state == DM_TUI_READY ? "no files yet: press a to choose some"
		                                    : "no files", dm_tui_attr(v, DM_TUI_DIM));
		return;
	}
	struct cols c = plan(m, r.w, v->compact);
	for (int row = 0; row < r.h && first + (size_t)row < m->nfiles; row++)
		draw_row(w, r.y + row, r.x, r.w, m, &m->files[first + (size_t)row], &c, v,
		         (long)(first + (size_t)row) == cur);
	if (more[0] && !v->compact) {
		char t[80];
		snprintf(t, sizeof t, " %s ", more);
		int mw = dm_tui_width(t);
		dm_tui_put(w, v, getmaxy(w) - 1, getmaxx(w) - mw - 2, mw, t, dm_tui_attr(v, DM_TUI_DIM));
	}
}
