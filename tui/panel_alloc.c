/* The allocations panel: per accounting tag, live and peak bytes and the
 * allocation and free rates. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* "records" is the longest tag name */
static const struct dm_tui_col cols[] = {{7}, {-7}, {-7}, {-8}, {-7}};

/* The tags to show in rows lines: all when they fit, else the busy ones
 * first (kept in tag order). */
static size_t pick(const struct dm_tui_model *m, int rows, int *out)
{
	int n = 0;
	int busy[DM_TAG_COUNT] = {0};
	for (int t = 0; t < DM_TAG_COUNT; t++)
		busy[t] = m->acct.tag[t].allocs > 0 || m->acct.tag[t].live > 0;
	int budget = rows;
	for (int pass = 1; pass >= 0; pass--)
		for (int t = 0; t < DM_TAG_COUNT && budget > 0; t++)
			if (busy[t] == pass) {
				busy[t] = 2;          /* chosen */
				budget--;
			}
	for (int t = 0; t < DM_TAG_COUNT; t++)
		if (busy[t] == 2)
			out[n++] = t;
	return (size_t)n;
}

void dm_tui_panel_alloc(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	char right[64], live[16], budget[16], line[512];
	dm_tui_size(live, sizeof live, m->acct.live);
	dm_tui_size(budget, sizeof budget, m->budget);
	if (m->budget)
		snprintf(right, sizeof right, "live %s of %s", live, budget);
	else
		snprintf(right, sizeof right, "live %s", live);
	struct dm_tui_rect r = dm_tui_frame(w, v, "Allocations", right, DM_TUI_PLAIN);
	if (r.h <= 0)
		return;
	static const char *const head[] = {"tag", "live", "peak", "allocs/s", "frees/s"};
	dm_tui_row(line, sizeof line, cols, 5, head, v->compact ? 1 : 2, r.w, v->utf8);
	dm_tui_put(w, v, r.y, r.x, r.w, line, dm_tui_attr(v, DM_TUI_STRONG));
	int tags[DM_TAG_COUNT];
	size_t n = pick(m, r.h - 1, tags);
	for (size_t i = 0; i < n; i++) {
		const struct dm_acct_tag_stats *s = &m->acct.tag[tags[i]];
		char lv[16], pk[16], ar[16], fr[16];
		const char *cells[] = {dm_tag_name((enum dm_tag)tags[i]), dm_tui_size(lv, sizeof lv, s->live),
		                       dm_tui_size(pk, sizeof pk, s->peak),
		                       dm_tui_si(ar, sizeof ar, m->allocs_rate[tags[i]]),
		                       dm_tui_si(fr, sizeof fr, m->frees_rate[tags[i]])};
		dm_tui_row(line, sizeof line, cols, 5, cells, v->compact ? 1 : 2, r.w, v->utf8);
		int leaking = tags[i] == DM_TAG_LEAK && s->live > 0;
		dm_tui_put(w, v, r.y + 1 + (int)i, r.x, r.w, line,
		           dm_tui_attr(v, leaking ? DM_TUI_NOTICE : DM_TUI_PLAIN));
	}
}
