/* The log panel: the last events and actions, newest at the bottom. */
#include "config.h"
#include "panel.h"

#include <stdio.h>

#include "fmt.h"

void dm_tui_panel_log(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	char right[64] = "";
	int h = getmaxy(w) - (v->compact ? 1 : 2);
	size_t back = m->log_back;
	if (h > 0 && back + (size_t)h > m->log_n)
		back = m->log_n > (size_t)h ? m->log_n - (size_t)h : 0;
	if (back)
		snprintf(right, sizeof right, "%zu newer below", back);
	else if (m->mode == DM_TUI_MODE_LOG)
		snprintf(right, sizeof right, "newest");
	struct dm_tui_rect r = dm_tui_frame(w, v, m->mode == DM_TUI_MODE_LOG ? "Log (arrows)" : "Log",
	                                    right, DM_TUI_DIM);
	if (r.h <= 0)
		return;
	size_t end = m->log_n - back;
	size_t n = end < (size_t)r.h ? end : (size_t)r.h;
	for (size_t i = 0; i < n; i++) {
		const struct dm_tui_logline *l = dm_tui_model_logline(m, end - n + i);
		char when[16], text[DM_TUI_LOG_MAX + 32];
		enum dm_tui_tone tone = l->level == DM_TUI_ERROR  ? DM_TUI_ALERT
		                        : l->level == DM_TUI_WARN ? DM_TUI_NOTICE
		                                                  : DM_TUI_PLAIN;
		snprintf(text, sizeof text, "%s  %s", dm_tui_clock(when, sizeof when, l->t), l->text);
		dm_tui_put(w, v, r.y + (int)i, r.x, r.w, text, dm_tui_attr(v, tone));
	}
}
