/* The pools panel: per pool kind its idle objects, hits and misses, the
 * bytes held idle; the last reclamation and memory pressure. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

static const struct dm_tui_col cols[] = {{8}, {-5}, {-7}, {-7}, {-10}, {-5}, {-6}};

static void reclaim_line(const struct dm_tui_model *m, const struct dm_tui_view *v, char *buf,
                         size_t size)
{
	if (!m->have_reclaim) {
		snprintf(buf, size, "no reclamation yet");
		return;
	}
	char when[16], freed[16], before[16], after[16];
	dm_tui_clock(when, sizeof when, m->reclaim_t);
	dm_tui_delta(freed, sizeof freed, -(int64_t)m->reclaim_pool_bytes, v->utf8);
	dm_tui_size(before, sizeof before, m->reclaim_rss_before);
	dm_tui_size(after, sizeof after, m->reclaim_rss_after);
	snprintf(buf, size, "last GC %s (%s): pools %s, RSS %s %s %s", when,
	         m->reclaim_reason, freed, before, v->utf8 ? "\xe2\x86\x92" : "->", after);
}

void dm_tui_panel_pools(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	char right[64], line[512];
	snprintf(right, sizeof right, "%llu reclamation%s", (unsigned long long)m->reclamations,
	         m->reclamations == 1 ? "" : "s");
	struct dm_tui_rect r = dm_tui_frame(w, v, "Pools", right, DM_TUI_PLAIN);
	if (r.h <= 0)
		return;
	int gap = v->compact ? 1 : 2;
	static const char *const head[] = {"pool", "idle", "hits/s", "misses", "idle bytes", "max",
	                                   "in use"};
	dm_tui_row(line, sizeof line, cols, 7, head, gap, r.w, v->utf8);
	dm_tui_put(w, v, r.y, r.x, r.w, line, dm_tui_attr(v, DM_TUI_STRONG));

	/* the bottom lines are the reclamation (and pressure); pools above */
	int tail = 1 + (m->pressure ? 1 : 0);
	if (r.h - 1 - tail < 1)
		tail = r.h - 2 > 0 ? r.h - 2 : 0;
	int rows = r.h - 1 - tail;
	for (size_t i = 0; i < m->npools && (int)i < rows; i++) {
		const struct dm_tui_pool *p = &m->pools[i];
		char idle[16], hits[16], miss[16], bytes[16], max[16], used[16];
		snprintf(idle, sizeof idle, "%zu", p->s.idle);
		snprintf(max, sizeof max, "%zu", p->s.max_size);
		snprintf(used, sizeof used, "%zu", p->s.in_use);
		const char *cells[] = {p->name, idle, dm_tui_si(hits, sizeof hits, p->hit_rate),
		                       dm_tui_si(miss, sizeof miss, (double)p->s.misses),
		                       dm_tui_size(bytes, sizeof bytes, p->s.idle_bytes), max, used};
		dm_tui_row(line, sizeof line, cols, 7, cells, gap, r.w, v->utf8);
		dm_tui_put(w, v, r.y + 1 + (int)i, r.x, r.w, line, A_NORMAL);
	}
	if (m->npools == 0 && rows > 0)
		dm_tui_put(w, v, r.y + 1, r.x, r.w, "no pools yet", dm_tui_attr(v, DM_TUI_DIM));
	int y = r.y + r.h - tail;
	if (tail >= 1) {
		reclaim_line(m, v, line, sizeof line);
		dm_tui_put(w, v, y++, r.x, r.w, line, A_NORMAL);
	}
	if (tail >= 2)
		dm_tui_put(w, v, y, r.x, r.w, "PRESSURE: buffers halved until memory is back",
		           dm_tui_attr(v, DM_TUI_NOTICE));
}
