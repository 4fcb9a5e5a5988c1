/* The header line (settings, clock, state), the key bar, and the screen
 * shown when the terminal is too small. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "keys.h"
#include "layout.h"

enum { SEG_NAME, SEG_PROFILE, SEG_CHUNK, SEG_BUFFER, SEG_BUDGET, SEG_WORKERS, SEG_CLOCK,
       SEG_LEAK, SEG_STATE, NSEG };

/* Which segments go first when the line is too narrow. */
static const int drop_order[] = {SEG_NAME, SEG_WORKERS, SEG_BUFFER, SEG_PROFILE, SEG_BUDGET,
                                 SEG_LEAK, SEG_CLOCK, SEG_CHUNK};

static enum dm_tui_tone run_state_text(const struct dm_tui_model *m, char *buf, size_t size);

/* A replay says so in front of the recorded state. */
static enum dm_tui_tone state_text(const struct dm_tui_model *m, char *buf, size_t size)
{
	if (!m->replay[0])
		return run_state_text(m, buf, size);
	char run[32];
	run_state_text(m, run, sizeof run);
	snprintf(buf, size, "%s %s", m->replay, run);
	return DM_TUI_NOTICE;
}

static enum dm_tui_tone run_state_text(const struct dm_tui_model *m, char *buf, size_t size)
{
	if (m->watch_pid > 0) {
		snprintf(buf, size, m->watch_exited ? "EXITED" : "WATCHING");
		return m->watch_exited ? DM_TUI_NOTICE : DM_TUI_GOOD;
	}
	switch (m->state) {
	case DM_TUI_READY:
		snprintf(buf, size, "READY");
		return DM_TUI_DIM;
	case DM_TUI_RUNNING:
		snprintf(buf, size, "RUNNING");
		return DM_TUI_GOOD;
	case DM_TUI_PAUSED:
		snprintf(buf, size, "PAUSED");
		return DM_TUI_NOTICE;
	case DM_TUI_STOPPING:
		snprintf(buf, size, "STOPPING");
		return DM_TUI_NOTICE;
	case DM_TUI_DONE:
		break;
	}
	if (m->exit_code == 0) {
		snprintf(buf, size, "DONE");
		return DM_TUI_GOOD;
	}
	snprintf(buf, size, "DONE (exit %d)", m->exit_code);
	return DM_TUI_ALERT;
}

void dm_tui_panel_header(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	char seg[NSEG][DM_NAME_MAX + 32], tmp[32];
	int keep[NSEG];
	enum dm_tui_tone tone[NSEG];
	for (int i = 0; i < NSEG; i++) {
		keep[i] = 1;
		tone[i] = DM_TUI_PLAIN;
	}
	snprintf(seg[SEG_NAME], sizeof seg[0], "ddexmon %s", m->version);
	tone[SEG_NAME] = DM_TUI_STRONG;
	snprintf(seg[SEG_PROFILE], sizeof seg[0], "profile %s", m->profile);
	dm_format_size(m->chunk_size, tmp, sizeof tmp);
	snprintf(seg[SEG_CHUNK], sizeof seg[0], "chunk %s", tmp);
	tone[SEG_CHUNK] = DM_TUI_STRONG;
	dm_format_size(m->buffer_size, tmp, sizeof tmp);
	snprintf(seg[SEG_BUFFER], sizeof seg[0], "buffer %s", tmp);
	dm_format_size(m->budget, tmp, sizeof tmp);
	snprintf(seg[SEG_BUDGET], sizeof seg[0], "budget %s", m->budget ? tmp : "none");
	if (m->watch_pid > 0) {
		/* another process: what it is made of, not our parser's settings */
		char a[16], f[16], sh[16];
		snprintf(seg[SEG_PROFILE], sizeof seg[0], "watching pid %ld%s", m->watch_pid,
		         m->children ? " and children" : "");
		snprintf(seg[SEG_CHUNK], sizeof seg[0], "anon %s", dm_tui_size(a, sizeof a, m->rss_anon));
		snprintf(seg[SEG_BUFFER], sizeof seg[0], "file %s shmem %s",
		         dm_tui_size(f, sizeof f, m->rss_file), dm_tui_size(sh, sizeof sh, m->rss_shmem));
		keep[SEG_BUDGET] = 0;
	}
	unsigned workers = m->workers_running ? m->workers_running : m->workers;
	if (m->watch_pid > 0)
		snprintf(seg[SEG_WORKERS], sizeof seg[0], "%u children", m->children);
	else if (workers)
		snprintf(seg[SEG_WORKERS], sizeof seg[0], "workers %u", workers);
	else
		snprintf(seg[SEG_WORKERS], sizeof seg[0], "workers auto");
	dm_tui_clock(seg[SEG_CLOCK], sizeof seg[0], m->have_elapsed ? m->elapsed : m->now);
	if (m->leak_rate) {
		dm_tui_rate(tmp, sizeof tmp, (double)m->leak_rate);
		snprintf(seg[SEG_LEAK], sizeof seg[0], "LEAK %s", tmp);
		tone[SEG_LEAK] = DM_TUI_NOTICE;
	} else {
		keep[SEG_LEAK] = 0;
	}
	tone[SEG_STATE] = state_text(m, seg[SEG_STATE], sizeof seg[0]);

	const char *sep = v->utf8 ? " \xe2\x94\x82 " : " | ";
	int width = getmaxx(w);
	for (size_t d = 0;; d++) {
		int total = 1;
		for (int i = 0; i < NSEG; i++)
			if (keep[i])
				total += dm_tui_width(seg[i]) + 3;
		if (total - 3 <= width || d >= sizeof drop_order / sizeof drop_order[0])
			break;
		keep[drop_order[d]] = 0;
	}
	werase(w);
	int x = 1, first = 1;
	for (int i = 0; i < NSEG; i++) {
		if (!keep[i])
			continue;
		if (!first) {
			dm_tui_put(w, v, 0, x, width - x, sep, dm_tui_attr(v, DM_TUI_DIM));
			x += 3;
		}
		first = 0;
		dm_tui_put(w, v, 0, x, width - x, seg[i], dm_tui_attr(v, tone[i]));
		x += dm_tui_width(seg[i]);
	}
}

/* Help and quit are always on the bar: the others give way first. */
static int essential(const struct dm_tui_keyhelp *k)
{
	return strcmp(k->keys, "?") == 0 || strcmp(k->keys, "q") == 0;
}

static int entry_width(const struct dm_tui_keyhelp *k)
{
	return dm_tui_width(k->keys) + 1 + dm_tui_width(k->bar) + 2;
}

static int draw_entry(WINDOW *w, const struct dm_tui_view *v, int x,
                      const struct dm_tui_keyhelp *k)
{
	int width = getmaxx(w);
	dm_tui_put(w, v, 0, x, width - x, k->keys, dm_tui_attr(v, DM_TUI_TITLE));
	x += dm_tui_width(k->keys) + 1;
	dm_tui_put(w, v, 0, x, width - x, k->bar, A_NORMAL);
	return x + dm_tui_width(k->bar) + 2;
}

void dm_tui_panel_keys(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	const struct dm_tui_keyhelp *k;
	size_t n = dm_tui_key_bar(m->bar_mode, &k);
	int width = getmaxx(w), x = 1, tail = 0;
	werase(w);
	for (size_t i = 0; i < n; i++)
		if (k[i].bar && essential(&k[i]))
			tail += entry_width(&k[i]);
	for (size_t i = 0; i < n; i++)
		if (k[i].bar && !essential(&k[i])) {
			if (x + entry_width(&k[i]) + tail > width + 2)
				break;
			x = draw_entry(w, v, x, &k[i]);
		}
	for (size_t i = 0; i < n; i++)
		if (k[i].bar && essential(&k[i]))
			x = draw_entry(w, v, x, &k[i]);
}

void dm_tui_panel_too_small(WINDOW *w, const struct dm_tui_view *v)
{
	char msg[64];
	int width = getmaxx(w), height = getmaxy(w);
	snprintf(msg, sizeof msg, "%s (need %d%s%d)", width > 31 ? "terminal too small" : "too small",
	         DM_TUI_MIN_COLS, v->utf8 ? "\xc3\x97" : "x", DM_TUI_MIN_LINES);
	int mw = dm_tui_width(msg);
	int x = width > mw ? (width - mw) / 2 : 0;
	werase(w);
	dm_tui_put(w, v, height / 2, x, width - x, msg, dm_tui_attr(v, DM_TUI_NOTICE));
}
