/* Windows for the layout and the dirty-panel redraw; the help and y/n
 * overlays. */
#include "config.h"
#include "screen.h"

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
	const char *s = k->bar ? k->bar : k->help;
	size_t n = k->bar ? strlen(s) : strcspn(s, " ");
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

void dm_tui_draw_help(const struct dm_tui_view *v)
{
	const struct dm_tui_keyhelp *k;
	size_t n = dm_tui_key_help(&k);
	int lines = getmaxy(stdscr);
	struct dm_tui_rect r;
	attr_t key_attr = dm_tui_attr(v, DM_TUI_TITLE);
	/* a sentence a line while they fit; below that, two columns of
	 * short words, so that every key is still named on a small screen */
	int twocol = (int)n + 4 > lines;
	int rows = twocol ? (int)(n + 1) / 2 : (int)n;
	WINDOW *w = overlay_win(rows + 4, twocol ? 40 : 78, v, "Keys", &r);
	if (!w)
		return;
	for (size_t i = 0; i < n; i++) {
		int y = r.y + (twocol ? (int)i % rows : (int)i);
		int x = r.x + (twocol && (int)i >= rows ? r.w / 2 : 0);
		int width = twocol ? r.w / 2 : r.w;
		if (y >= r.y + r.h)
			break;
		dm_tui_put(w, v, y, x, twocol ? 6 : 8, k[i].keys, key_attr);
		if (twocol) {
			char word[32];
			short_word(word, sizeof word, &k[i]);
			dm_tui_put(w, v, y, x + 6, width - 7, word, A_NORMAL);
		} else {
			dm_tui_put(w, v, y, x + 8, width - 8, k[i].help, A_NORMAL);
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
