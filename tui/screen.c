/* Windows for the layout and the dirty-panel redraw; the help and y/n
 * overlays. */
#include "config.h"
#include "screen.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "keys.h"

struct dm_tui_screen {
	struct dm_tui_layout layout;
	int laid_out;
	WINDOW *win[DM_TUI_NPANELS];
	WINDOW *whole;                 /* the "too small" screen */
};

typedef void (*draw_fn)(WINDOW *, const struct dm_tui_model *, const struct dm_tui_view *);

static const struct {
	draw_fn draw;
	unsigned bit;
} panels[DM_TUI_NPANELS] = {
	[DM_TUI_HEADER] = {dm_tui_panel_header, DM_TUI_P_HEADER},
	[DM_TUI_FILES] = {dm_tui_panel_files, DM_TUI_P_FILES},
	[DM_TUI_MEMCHART] = {dm_tui_panel_memchart, DM_TUI_P_MEM},
	[DM_TUI_ALLOC] = {dm_tui_panel_alloc, DM_TUI_P_ALLOC},
	[DM_TUI_POOLS] = {dm_tui_panel_pools, DM_TUI_P_POOLS},
	[DM_TUI_LEAKS] = {dm_tui_panel_leaks, DM_TUI_P_LEAKS},
	[DM_TUI_LOG] = {dm_tui_panel_log, DM_TUI_P_LOG},
	[DM_TUI_KEYS] = {dm_tui_panel_keys, DM_TUI_P_KEYS},
};

struct dm_tui_screen *dm_tui_screen_new(void)
{
	return calloc(1, sizeof(struct dm_tui_screen));
}

static void drop_windows(struct dm_tui_screen *s)
{
	for (int i = 0; i < DM_TUI_NPANELS; i++) {
		if (s->win[i])
			delwin(s->win[i]);
		s->win[i] = NULL;
	}
	if (s->whole)
		delwin(s->whole);
	s->whole = NULL;
}

void dm_tui_screen_free(struct dm_tui_screen *s)
{
	if (!s)
		return;
	drop_windows(s);
	free(s);
}

int dm_tui_screen_layout(struct dm_tui_screen *s, struct dm_tui_model *m, int force)
{
	int lines, cols;
	getmaxyx(stdscr, lines, cols);
	if (!force && s->laid_out && s->layout.cols == cols && s->layout.lines == lines &&
	    s->layout.nfiles == m->nfiles)
		return 0;
	drop_windows(s);
	if (m->watch_pid > 0)
		dm_tui_layout_watch(&s->layout, cols, lines);
	else
		dm_tui_layout(&s->layout, cols, lines, m->nfiles);
	s->laid_out = 1;
	/* wipe what the old layout left where no window of the new one is */
	werase(stdscr);
	wnoutrefresh(stdscr);
	m->dirty = DM_TUI_P_ALL;
	if (s->layout.mode == DM_TUI_TOO_SMALL) {
		s->whole = newwin(lines, cols, 0, 0);
		return s->whole ? 1 : -1;
	}
	for (int i = 0; i < DM_TUI_NPANELS; i++) {
		const struct dm_tui_box *b = &s->layout.box[i];
		if (b->h <= 0)
			continue;
		s->win[i] = newwin(b->h, b->w, b->y, b->x);
		if (!s->win[i])
			return -1;
	}
	return 1;
}

int dm_tui_screen_draw(struct dm_tui_screen *s, struct dm_tui_model *m,
                       const struct dm_tui_view *view)
{
	struct dm_tui_view v = *view;
	int drew = 0;
	if (!s->laid_out)
		return 0;
	v.compact = s->layout.mode != DM_TUI_FULL;
	if (s->layout.mode == DM_TUI_TOO_SMALL) {
		if (m->dirty && s->whole) {
			dm_tui_panel_too_small(s->whole, &v);
			wnoutrefresh(s->whole);
			drew = 1;
		}
		m->dirty = 0;
		return drew;
	}
	for (int i = 0; i < DM_TUI_NPANELS; i++) {
		if (!s->win[i] || !(m->dirty & panels[i].bit))
			continue;
		panels[i].draw(s->win[i], m, &v);
		wnoutrefresh(s->win[i]);
		drew = 1;
	}
	m->dirty = 0;
	return drew;
}

const struct dm_tui_layout *dm_tui_screen_current(const struct dm_tui_screen *s)
{
	return &s->layout;
}

/* A centred window h x w (clamped to the screen), framed and titled. The
 * caller draws into it, shows it and deletes it. */
static WINDOW *overlay_win(int h, int w, const struct dm_tui_view *v, const char *title,
                       struct dm_tui_rect *r)
{
	int lines, cols;
	getmaxyx(stdscr, lines, cols);
	if (h > lines)
		h = lines;
	if (w > cols)
		w = cols;
	WINDOW *win = newwin(h, w, (lines - h) / 2, (cols - w) / 2);
	if (!win)
		return NULL;
	struct dm_tui_view boxed = *v;
	boxed.compact = 0;
	*r = dm_tui_frame(win, &boxed, title, NULL, DM_TUI_PLAIN);
	return win;
}

/* The word a help line is known by: its key bar word, else the first
 * word of its sentence. */
static void short_word(char *buf, size_t size, const struct dm_tui_keyhelp *k)
{
	const char *s = k->bar ? k->bar : k->word ? k->word : k->help;
	size_t n = k->bar || k->word ? strlen(s) : strcspn(s, " ");
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

void dm_tui_draw_help(const struct dm_tui_view *v)
{
	const struct dm_tui_keyhelp *k;
	size_t n = dm_tui_key_help(&k);
	int lines = getmaxy(stdscr), cols = getmaxx(stdscr);
	struct dm_tui_rect r;
	attr_t key_attr = dm_tui_attr(v, DM_TUI_TITLE);
	/* a sentence a line while they fit; below that, columns of short
	 * words, then of keys alone, so that every key is still named on a
	 * small screen */
	int ncol = 1;
	while (ncol < 3 && (int)(n + (size_t)ncol - 1) / ncol + 4 > lines)
		ncol++;
	int rows = (int)(n + (size_t)ncol - 1) / ncol;
	int keyw = 10;
	WINDOW *w = overlay_win(rows + 4, ncol == 1 ? 80 : cols < 60 ? cols : 60, v, "Keys", &r);
	if (!w)
		return;
	int colw = r.w / ncol;
	for (size_t i = 0; i < n; i++) {
		int y = r.y + (int)i % rows;
		int x = r.x + (int)i / rows * colw;
		if (y >= r.y + r.h)
			break;
		int kw = dm_tui_width(k[i].keys);
		dm_tui_put(w, v, y, x, colw - 1, k[i].keys, key_attr);
		/* three columns: each word right after its key */
		int wx = x + (ncol == 3 || kw + 1 > keyw ? kw + 1 : keyw);
		if (ncol == 1) {
			dm_tui_put(w, v, y, wx, r.w - keyw, k[i].help, A_NORMAL);
		} else if (x + colw - 1 - wx >= 3) {
			char word[32];
			short_word(word, sizeof word, &k[i]);
			dm_tui_put(w, v, y, wx, x + colw - 1 - wx, word, A_NORMAL);
		}
	}
	if (rows + 1 < r.h)
		dm_tui_put(w, v, r.y + rows + 1, r.x, r.w, "any key closes this help",
		           dm_tui_attr(v, DM_TUI_DIM));
	wnoutrefresh(w);
	delwin(w);
}

void dm_tui_draw_prompt(const struct dm_tui_view *v, const char *text)
{
	struct dm_tui_rect r;
	WINDOW *w = overlay_win(3, dm_tui_width(text) + 6, v, "Quit", &r);
	if (!w)
		return;
	dm_tui_put(w, v, r.y, r.x, r.w, text, dm_tui_attr(v, DM_TUI_NOTICE));
	wnoutrefresh(w);
	delwin(w);
}

void dm_tui_draw_caption(const struct dm_tui_view *v, const char *text)
{
	/* the line above the key bar: the bottom panel's lower border */
	if (LINES < 4 || COLS < 8)
		return;
	WINDOW *w = newwin(1, COLS, LINES - 2, 0);
	if (!w)
		return;
	char line[DM_TUI_TEXT_MAX + 8];
	snprintf(line, sizeof line, " %s ", text);
	dm_tui_put(w, v, 0, 0, COLS, line, dm_tui_attr(v, DM_TUI_NOTICE));
	wnoutrefresh(w);
	delwin(w);
}

/* One "label  value" line of the details, the value wrapped over as many
 * lines as it needs; returns the next free line. */
static int detail(WINDOW *w, const struct dm_tui_view *v, const struct dm_tui_rect *r, int y,
                  const char *label, const char *value, attr_t a)
{
	const int lw = 12;
	int width = r->w - lw;
	if (y >= r->y + r->h || width < 4)
		return y;
	dm_tui_put(w, v, y, r->x, lw, label, dm_tui_attr(v, DM_TUI_DIM));
	const char *p = value;
	do {
		size_t n = dm_tui_cut(p, width, v->utf8);
		if (n == 0 && *p)
			n = 1;   /* a character wider than the column: step over it */
		char piece[1024];
		if (n >= sizeof piece)
			n = sizeof piece - 1;
		memcpy(piece, p, n);
		piece[n] = '\0';
		dm_tui_put(w, v, y++, r->x + lw, width, piece, a);
		p += n;
	} while (*p && y < r->y + r->h);
	return y;
}

void dm_tui_draw_details(const struct dm_tui_model *m, const struct dm_tui_view *v, long i)
{
	if (i < 0 || (size_t)i >= m->nfiles)
		return;
	const struct dm_tui_file *f = &m->files[i];
	int lines, cols;
	getmaxyx(stdscr, lines, cols);
	char title[DM_TUI_NAME_MAX + 32], a[32], b[32], c[32], text[DM_TUI_TEXT_MAX + 128];
	snprintf(title, sizeof title, "File %ld of %zu", i + 1, m->nfiles);
	struct dm_tui_rect r;
	/* the header and the footer stay in view */
	/* about 14 lines of facts, more when the path or the error wraps */
	int h = 18 + (f->path ? (int)strlen(f->path) / 60 : 0) + (int)strlen(f->error) / 60;
	if (h > lines - 2)
		h = lines > 4 ? lines - 2 : lines;
	WINDOW *w = overlay_win(h, cols > 104 ? 100 : cols - 4, v, title, &r);
	if (!w)
		return;
	int y = r.y;
	static const char *const states[] = {"queued", "waiting for memory", "running", "done",
	                                     "failed", "skipped"};
	enum dm_tui_tone tone = f->state == DM_FILE_FAILED ? DM_TUI_ALERT
	                        : f->state == DM_FILE_DONE ? DM_TUI_GOOD : DM_TUI_PLAIN;
	y = detail(w, v, &r, y, "name", f->name, dm_tui_attr(v, DM_TUI_STRONG));
	/* the full path: as given when it is one, else resolved (if the file
	 * is still there) */
	char full[PATH_MAX];
	const char *path = f->path ? f->path : f->name;
	if (path[0] != '/' && strcmp(path, "-") != 0 && realpath(path, full))
		path = full;
	y = detail(w, v, &r, y, "path", path, A_NORMAL);
	const char *state = (unsigned)f->state < sizeof states / sizeof states[0] ? states[f->state] : "?";
	if (f->state == DM_FILE_FAILED) {
		/* the file's own exit status, as 'parse' would give it */
		snprintf(a, sizeof a, "failed (exit %d)", dm_exit_code(f->code ? f->code : DM_EIO));
		state = a;
	}
	y = detail(w, v, &r, y, "state", state, dm_tui_attr(v, tone));
	if (f->state == DM_FILE_FAILED) {
		y = detail(w, v, &r, y, "error", dm_tui_file_reason(text, sizeof text, f),
		           dm_tui_attr(v, DM_TUI_ALERT));
		y = detail(w, v, &r, y, "message", f->error[0] ? f->error : "-", A_NORMAL);
	}
	y = detail(w, v, &r, y, "records", dm_tui_count(a, sizeof a, f->records), A_NORMAL);
	if (f->size)
		snprintf(text, sizeof text, "%s of %s (%.0f%%)", dm_tui_size(a, sizeof a, f->bytes),
		         dm_tui_size(b, sizeof b, f->size), 100.0 * (double)f->bytes / (double)f->size);
	else
		snprintf(text, sizeof text, "%s (size unknown)", dm_tui_size(a, sizeof a, f->bytes));
	y = detail(w, v, &r, y, "bytes", text, A_NORMAL);
	if (f->state == DM_FILE_RUNNING && f->now_rate >= 0)
		snprintf(text, sizeof text, "%s average, %s over the last 2s, in %s (pauses left out)",
		         dm_tui_rate(a, sizeof a, f->rate), dm_tui_rate(b, sizeof b, f->now_rate),
		         dm_tui_secs(c, sizeof c, f->seconds, v->utf8));
	else if (f->state == DM_FILE_QUEUED || f->state == DM_FILE_WAITING)
		snprintf(text, sizeof text, "not started");
	else
		snprintf(text, sizeof text, "%s average in %s (pauses left out)",
		         dm_tui_rate(a, sizeof a, f->rate), dm_tui_secs(c, sizeof c, f->seconds, v->utf8));
	y = detail(w, v, &r, y, "throughput", text, A_NORMAL);
	y = detail(w, v, &r, y, "peak", f->peak ? dm_tui_size(a, sizeof a, f->peak) : "-", A_NORMAL);
	if (f->chunk_first) {
		dm_tui_size(a, sizeof a, f->chunk_first);
		dm_tui_size(b, sizeof b, f->chunk_last);
		if (f->chunk_last && f->chunk_last != f->chunk_first)
			snprintf(text, sizeof text, "%s at the start, %s at the end", a, b);
		else
			snprintf(text, sizeof text, "%s", a);
		y = detail(w, v, &r, y, "chunk", text, A_NORMAL);
		y = detail(w, v, &r, y, "buffer", dm_tui_size(a, sizeof a, f->buffer), A_NORMAL);
	}
	y = detail(w, v, &r, y, "retries",
	           f->retried ? "1 (out of memory: again with half the chunk size)" : "none", A_NORMAL);
	if (y + 1 < r.y + r.h)
		dm_tui_put(w, v, y + 1, r.x, r.w, "Esc or q closes; Up/Down: the previous / next file",
		           dm_tui_attr(v, DM_TUI_DIM));
	wnoutrefresh(w);
	delwin(w);
}
