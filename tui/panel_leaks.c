/* The leaks panel: the detector's state, the suspected and confirmed
 * warnings with their time and growth, the heap report's path, and the
 * injected leak when one is on. */
#include "config.h"
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

#define MAXLINES 10

struct line {
	char text[DM_TUI_TEXT_MAX + 32];
	enum dm_tui_tone tone;
};

static void add(struct line *l, size_t *n, enum dm_tui_tone tone, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct line *l, size_t *n, enum dm_tui_tone tone, const char *fmt, ...)
{
	if (*n >= MAXLINES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l[*n].text, sizeof l[0].text, fmt, ap);
	va_end(ap);
	l[*n].tone = tone;
	(*n)++;
}

static void warning(struct line *l, size_t *n, const char *what, const struct dm_tui_leakmark *k,
                    enum dm_tui_tone tone, const struct dm_tui_view *v)
{
	char when[16], growth[16], span[16], rate[32];
	dm_tui_clock(when, sizeof when, k->t);
	dm_tui_delta(growth, sizeof growth, k->growth, v->utf8);
	dm_tui_secs(span, sizeof span, k->span, v->utf8);
	dm_tui_rate(rate, sizeof rate, k->rate);
	add(l, n, tone, "%s %s  %s in %s (%s)", what, when, growth, span, rate);
}

/* The report's path, or its base name when the panel is too narrow. */
static const char *report_name(const char *path, int width)
{
	const char *slash = strrchr(path, '/');
	if (dm_tui_width(path) + 13 > width && slash && slash[1])
		return slash + 1;
	return path;
}

void dm_tui_panel_leaks(WINDOW *w, const struct dm_tui_model *m, const struct dm_tui_view *v)
{
	struct line l[MAXLINES];
	size_t n = 0;
	enum dm_tui_tone tone = DM_TUI_GOOD;
	const char *word = "watching";
	char g[16];
	char sz[16], left[16], rate[32];
	if (m->exhaustion) {
		add(l, &n, DM_TUI_ALERT, "limit %s in %s at %s",
		    dm_tui_size(sz, sizeof sz, m->exhaustion_limit),
		    dm_tui_secs(left, sizeof left, m->time_left, v->utf8),
		    dm_tui_rate(rate, sizeof rate, m->exhaustion_rate));
	}
	if (m->leak.state == DM_LEAK_STOPPED && m->stopped.have) {
		tone = DM_TUI_NOTICE;
		word = "STOPPED";
		add(l, &n, DM_TUI_NOTICE, "leak stopped at %s", dm_tui_size(sz, sizeof sz, m->plateau));
	}
	if (m->leak.state == DM_LEAK_CONFIRMED || m->confirmed.have) {
		if (m->leak.state != DM_LEAK_STOPPED) {
			tone = DM_TUI_ALERT;
			word = "CONFIRMED";
		}
		char back[16];
		warning(l, &n, "CONFIRMED", &m->confirmed, DM_TUI_ALERT, v);
		if (!m->multiscale)
			add(l, &n, DM_TUI_ALERT, "reclamation got back only %s",
			    dm_tui_delta(back, sizeof back, -m->confirmed.reclaimed, v->utf8));
		if (m->report_path[0])
			add(l, &n, DM_TUI_PLAIN, "heap report: %s",
			    report_name(m->report_path, getmaxx(w) - 4));
	} else if (m->leak.state == DM_LEAK_SUSPECTED) {
		tone = DM_TUI_NOTICE;
		word = "SUSPECTED";
	}
	if (m->suspected.have && (m->leak.state != DM_LEAK_WATCHING || m->confirmed.have))
		warning(l, &n, "suspected", &m->suspected,
		        m->confirmed.have ? DM_TUI_PLAIN : DM_TUI_NOTICE, v);
	if (m->leak_rate) {
		dm_tui_rate(rate, sizeof rate, (double)m->leak_rate);
		add(l, &n, DM_TUI_NOTICE, "injected leak: %s (L stops it)", rate);
	}
	if (m->bounded.have && m->leak.state == DM_LEAK_WATCHING && !m->confirmed.have)
		add(l, &n, DM_TUI_PLAIN, "growth bounded: plateau %s (%s)",
		    dm_tui_size(sz, sizeof sz, m->plateau),
		    dm_tui_delta(g, sizeof g, m->bounded.growth, v->utf8));
	if (m->multiscale)
		add(l, &n, DM_TUI_PLAIN, "state: %s (floor %s, %s)", dm_leak_state_name(m->leak.state),
		    dm_tui_delta(g, sizeof g, m->leak.recent_growth, v->utf8),
		    dm_tui_rate(rate, sizeof rate, m->leak.rate));
	else
		add(l, &n, DM_TUI_PLAIN, "state: %s (%zu snapshots, growth %s)",
		    dm_leak_state_name(m->leak.state), m->leak.snapshots,
		    dm_tui_delta(g, sizeof g, m->leak.recent_growth, v->utf8));
	if (!m->confirmed.have && m->leak.state == DM_LEAK_WATCHING && !m->suspected.have &&
	    !m->exhaustion)
		add(l, &n, DM_TUI_DIM, "no warnings");
	else if (!m->confirmed.have && m->leak.state == DM_LEAK_WATCHING)
		add(l, &n, DM_TUI_DIM, "last suspicion cleared");

	struct dm_tui_rect r = dm_tui_frame(w, v, "Leaks", word, tone);
	for (size_t i = 0; i < n && (int)i < r.h; i++)
		dm_tui_put(w, v, r.y + (int)i, r.x, r.w, l[i].text, dm_tui_attr(v, l[i].tone));
}
