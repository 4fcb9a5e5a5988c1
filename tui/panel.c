/* What every panel shares: attributes for tones, frames, fitted text and
 * table rows. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

attr_t dm_tui_attr(const struct dm_tui_view *v, enum dm_tui_tone t)
{
	switch (t) {
	case DM_TUI_GOOD:
		return v->color ? COLOR_PAIR(DM_TUI_PAIR_GOOD) : A_NORMAL;
	case DM_TUI_NOTICE:
		return v->color ? COLOR_PAIR(DM_TUI_PAIR_WARN) | A_BOLD : A_BOLD;
	case DM_TUI_ALERT:
		return v->color ? COLOR_PAIR(DM_TUI_PAIR_BAD) | A_BOLD : A_BOLD | A_REVERSE;
	case DM_TUI_TITLE:
		return v->color ? COLOR_PAIR(DM_TUI_PAIR_TITLE) | A_BOLD : A_BOLD;
	case DM_TUI_DIM:
		return A_DIM;
	case DM_TUI_STRONG:
		return A_BOLD;
	case DM_TUI_PLAIN:
		break;
	}
	return A_NORMAL;
}

void dm_tui_put(WINDOW *w, const struct dm_tui_view *v, int y, int x, int width, const char *s,
                attr_t a)
{
	int maxx = getmaxx(w), maxy = getmaxy(w);
	if (y < 0 || y >= maxy || x < 0 || x >= maxx)
		return;
	if (width > maxx - x)
		width = maxx - x;
	if (width <= 0)
		return;
	char buf[2048];
	int sw = v->utf8 ? dm_tui_width(s) : (int)strlen(s);
	/* fit pads to width: cut instead only when the text is shorter, so a
	 * short label does not blank what is right of it */
	dm_tui_fit(buf, sizeof buf, s, sw < width ? sw : width, v->utf8);
	wattrset(w, a);
	mvwaddstr(w, y, x, buf);
	wattrset(w, A_NORMAL);
}

static void hline_at(WINDOW *w, const struct dm_tui_view *v, int y, int x, int n)
{
	for (int i = 0; i < n; i++) {
		if (v->utf8)
			mvwaddstr(w, y, x + i, "\xe2\x94\x80");
		else
			mvwaddch(w, y, x + i, ACS_HLINE);
	}
}

static void vline_at(WINDOW *w, const struct dm_tui_view *v, int y, int x, int n)
{
	for (int i = 0; i < n; i++) {
		if (v->utf8)
			mvwaddstr(w, y + i, x, "\xe2\x94\x82");
		else
			mvwaddch(w, y + i, x, ACS_VLINE);
	}
}

static void corner(WINDOW *w, const struct dm_tui_view *v, int y, int x, const char *u, chtype acs)
{
	if (v->utf8)
		mvwaddstr(w, y, x, u);
	else
		mvwaddch(w, y, x, acs);
}

struct dm_tui_rect dm_tui_frame(WINDOW *w, const struct dm_tui_view *v, const char *title,
                                const char *right, enum dm_tui_tone right_tone)
{
	int h = getmaxy(w), wd = getmaxx(w);
	struct dm_tui_rect r;
	werase(w);
	wattrset(w, A_NORMAL);
	if (v->compact || h < 3) {
		/* a rule: "── Title ───────── right ──" */
		hline_at(w, v, 0, 0, wd);
		/* a column of margin on the right: panels side by side would
		 * otherwise run into each other */
		r = (struct dm_tui_rect){1, 0, h - 1, wd - 1};
	} else {
		hline_at(w, v, 0, 1, wd - 2);
		hline_at(w, v, h - 1, 1, wd - 2);
		vline_at(w, v, 1, 0, h - 2);
		vline_at(w, v, 1, wd - 1, h - 2);
		corner(w, v, 0, 0, "\xe2\x94\x8c", ACS_ULCORNER);
		corner(w, v, 0, wd - 1, "\xe2\x94\x90", ACS_URCORNER);
		corner(w, v, h - 1, 0, "\xe2\x94\x94", ACS_LLCORNER);
		corner(w, v, h - 1, wd - 1, "\xe2\x94\x98", ACS_LRCORNER);
		r = (struct dm_tui_rect){1, 2, h - 2, wd - 4};
	}
	int tx = v->compact ? 2 : 1;
	char t[128];
	snprintf(t, sizeof t, " %s ", title);
	int tw = dm_tui_width(t);
	dm_tui_put(w, v, 0, tx, wd - tx - 1, t, dm_tui_attr(v, DM_TUI_TITLE));
	if (right && right[0]) {
		char rt[256];
		snprintf(rt, sizeof rt, " %s ", right);
		int rw = dm_tui_width(rt);
		int rx = wd - 2 - rw;
		if (rx > tx + tw)
			dm_tui_put(w, v, 0, rx, rw, rt, dm_tui_attr(v, right_tone));
	}
	if (r.h < 0)
		r.h = 0;
	if (r.w < 0)
		r.w = 0;
	return r;
}

char *dm_tui_row(char *buf, size_t size, const struct dm_tui_col *cols, size_t ncols,
                 const char *const *cells, int gap, int width, int utf8)
{
	size_t len = 0;
	int used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ncols; i++) {
		int cw = cols[i].width < 0 ? -cols[i].width : cols[i].width;
		int need = cw + (i ? gap : 0);
		if (used + need > width)
			break;
		char cell[512];
		const char *text = cells[i] ? cells[i] : "";
		int tw = dm_tui_width(text);
		if (cols[i].width < 0 && tw < cw) {
			/* right-aligned: pad on the left */
			char pad[256];
			snprintf(pad, sizeof pad, "%*s%s", cw - tw, "", text);
			dm_tui_fit(cell, sizeof cell, pad, cw, utf8);
		} else {
			dm_tui_fit(cell, sizeof cell, text, cw, utf8);
		}
		int n = snprintf(buf + len, size - len, "%*s%s", i ? gap : 0, "", cell);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
		used += need;
	}
	return buf;
}
