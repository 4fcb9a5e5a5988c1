/* What each key does to the session, echoed in the log. Settings change
 * through the session (which announces them with a SETTING event); the
 * model is updated at once too so the header never lags the keypress. */
#include "config.h"
#include "dash.h"
#include "export.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"

/* The profiles P cycles through, in the order shipped. */
static const char *const profiles[] = {"default", "low-memory", "large-files", "throughput",
                                       "demo"};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

/* The injected leak L toggles: fast enough to pass the default leak
 * threshold (50M over three snapshots a second apart) within seconds. */
#define DEMO_LEAK_RATE (40ull * 1024 * 1024)

/* Double or halve a size key within its bounds. */
static uint64_t scaled(const char *key, uint64_t cur, int up)
{
	const struct dm_config_key *k = dm_config_key_find(key);
	uint64_t v = up ? cur * 2 : cur / 2;
	if (k && v < k->min)
		v = k->min;
	if (k && k->max && v > k->max)
		v = k->max;
	return v ? v : 1;
}

/* Publish the new size and say so: "chunk size 64K → 128K (+)". */
static void set_size(struct dm_tui_dash *d, int chunk, uint64_t cur, uint64_t next,
                     const char *key_name)
{
	struct dm_config cfg;
	char a[32], b[32];
	dm_format_size(cur, a, sizeof a);
	if (chunk)
		dm_session_set_chunk_size(d->s, (size_t)next);
	else
		dm_session_set_buffer_size(d->s, (size_t)next);
	dm_format_size(next, b, sizeof b);
	dm_tui_model_log(d->m, DM_TUI_INFO, "%s %s %s %s%s (%s)", chunk ? "chunk size" : "buffer size",
	                 a, dm_tui_model_arrow(d->m), b, chunk ? "" : ", from the next file", key_name);
	dm_session_config(d->s, &cfg);
	dm_tui_model_set_config(d->m, &cfg);
}

static void resize_setting(struct dm_tui_dash *d, int chunk, int up, const char *key_name)
{
	struct dm_config cfg;
	char a[32];
	dm_session_config(d->s, &cfg);
	uint64_t cur = chunk ? cfg.chunk_size : cfg.buffer_size;
	uint64_t next = scaled(chunk ? "chunk_size" : "buffer_size", cur, up);
	if (next == cur) {
		dm_format_size(cur, a, sizeof a);
		dm_tui_model_log(d->m, DM_TUI_WARN, "%s already at its %s: %s (%s)",
		                 chunk ? "chunk size" : "buffer size", up ? "maximum" : "minimum", a, key_name);
		return;
	}
	set_size(d, chunk, cur, next, key_name);
}

void dm_tui_dash_set_chunk(struct dm_tui_dash *d, uint64_t next, const char *key_name)
{
	struct dm_config cfg;
	dm_session_config(d->s, &cfg);
	if (cfg.chunk_size == next) {
		char a[32];
		dm_format_size(next, a, sizeof a);
		dm_tui_model_log(d->m, DM_TUI_INFO, "chunk size already %s (%s)", a, key_name);
		return;
	}
	set_size(d, 1, cfg.chunk_size, next, key_name);
}

void dm_tui_dash_pause(struct dm_tui_dash *d, int paused, const char *why)
{
	struct dm_tui_model *m = d->m;
	dm_session_pause(d->s, paused);
	if (m->state == DM_TUI_RUNNING || m->state == DM_TUI_PAUSED)
		m->state = paused ? DM_TUI_PAUSED : DM_TUI_RUNNING;
	m->dirty |= DM_TUI_P_HEADER | DM_TUI_P_FILES;
	dm_tui_model_log(m, DM_TUI_INFO, "%s", why);
}

static void next_profile(struct dm_tui_dash *d)
{
	size_t i = 0;
	while (i < NPROFILES && strcmp(profiles[i], d->m->profile) != 0)
		i++;
	const char *next = profiles[i < NPROFILES ? (i + 1) % NPROFILES : 0];
	struct dm_config cfg;
	struct dm_error err;
	dm_error_clear(&err);
	dm_config_init(&cfg);
	if (dm_profile_load(&cfg, next, &err) != 0 || dm_config_check(&cfg, &err) != 0) {
		char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 32];
		dm_error_format(&err, msg, sizeof msg);
		dm_tui_model_log(d->m, DM_TUI_ERROR, "profile %s: %s (P)", next, msg);
		return;
	}
	char old[DM_NAME_MAX];
	snprintf(old, sizeof old, "%s", d->m->profile);
	if (dm_session_set_config(d->s, &cfg, &err) != 0) {
		dm_tui_model_log(d->m, DM_TUI_ERROR, "profile %s refused: %s (P)", next, err.msg);
		return;
	}
	dm_tui_model_log(d->m, DM_TUI_INFO, "profile %s %s %s (P)", old, dm_tui_model_arrow(d->m),
	                 cfg.name);
	dm_session_config(d->s, &cfg);
	dm_tui_model_set_config(d->m, &cfg);
}

static void export_csv(struct dm_tui_dash *d)
{
	char path[96];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(path, sizeof path, "ddexmon-samples-%Y%m%dT%H%M%S.csv", &tm);
	if (dm_session_export_csv(d->s, path) == 0)
		dm_tui_model_log(d->m, DM_TUI_INFO, "samples exported to %s (e)", path);
	else
		dm_tui_model_log(d->m, DM_TUI_ERROR, "export to %s failed (e)", path);
	if (!d->recorder) {
		dm_tui_model_log(d->m, DM_TUI_INFO, "no recording to export: start with --record FILE (e)");
		return;
	}
	/* the file itself is the recording so far once the writer has caught up */
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_recorder_sync(d->recorder, &err) != 0) {
		dm_tui_model_log(d->m, DM_TUI_ERROR, "export: %s (e)", err.msg);
		return;
	}
	dm_tui_model_log(d->m, DM_TUI_INFO, "recording so far in %s (e)", dm_recorder_path(d->recorder));
	dm_tui_export_report(d, dm_recorder_path(d->recorder));
}

static void toggle_leak(struct dm_tui_dash *d)
{
	uint64_t rate = d->m->leak_rate ? 0 : DEMO_LEAK_RATE;
	char r[32];
	dm_session_set_leak_rate(d->s, rate);
	d->m->leak_rate = rate;
	d->m->dirty |= DM_TUI_P_HEADER | DM_TUI_P_LEAKS;
	dm_format_size(DEMO_LEAK_RATE, r, sizeof r);
	if (rate)
		dm_tui_model_log(d->m, DM_TUI_WARN, "injected leak on: %s/s (L)", r);
	else
		dm_tui_model_log(d->m, DM_TUI_INFO, "injected leak off (L)");
}

/* Rows of a panel's content in the current layout (at least 1). */
static size_t panel_rows(const struct dm_tui_dash *d, enum dm_tui_panel_id id)
{
	const struct dm_tui_layout *l = dm_tui_screen_current(d->scr);
	int h = l->box[id].h - (l->mode == DM_TUI_FULL ? 2 : 1);
	return h > 1 ? (size_t)h : 1;
}

/* The arrows: the selected file, or the log's scroll position. */
static void navigate(struct dm_tui_dash *d, enum dm_tui_action a)
{
	struct dm_tui_model *m = d->m;
	if (m->mode == DM_TUI_MODE_LOG) {
		size_t rows = panel_rows(d, DM_TUI_LOG);
		size_t most = m->log_n > rows ? m->log_n - rows : 0;
		size_t b = m->log_back;
		switch (a) {
		case DM_TUI_A_UP: b++; break;
		case DM_TUI_A_DOWN: b = b ? b - 1 : 0; break;
		case DM_TUI_A_PAGE_UP: b += rows; break;
		case DM_TUI_A_PAGE_DOWN: b = b > rows ? b - rows : 0; break;
		case DM_TUI_A_HOME: b = most; break;
		default: b = 0; break;
		}
		m->log_back = b < most ? b : most;
		m->dirty |= DM_TUI_P_LOG;
		return;
	}
	if (m->nfiles == 0)
		return;
	long n = (long)m->nfiles, cur = dm_tui_model_current(m);
	long page = (long)panel_rows(d, DM_TUI_FILES);
	switch (a) {
	case DM_TUI_A_UP: cur--; break;
	case DM_TUI_A_DOWN: cur++; break;
	case DM_TUI_A_PAGE_UP: cur -= page; break;
	case DM_TUI_A_PAGE_DOWN: cur += page; break;
	case DM_TUI_A_HOME: cur = 0; break;
	default: cur = n - 1; break;
	}
	m->sel = cur < 0 ? 0 : cur >= n ? n - 1 : cur;
	m->dirty |= DM_TUI_P_FILES;
	if (m->mode == DM_TUI_MODE_DETAILS)
		d->overlay_dirty = 1;
}

static void set_mode(struct dm_tui_dash *d, enum dm_tui_focus mode)
{
	struct dm_tui_model *m = d->m;
	/* leaving an overlay uncovers the panels */
	if (m->mode == DM_TUI_MODE_DETAILS || mode == DM_TUI_MODE_DETAILS)
		m->dirty = DM_TUI_P_ALL;
	m->mode = mode;
	m->dirty |= DM_TUI_P_KEYS | DM_TUI_P_FILES | DM_TUI_P_LOG;
	d->overlay_dirty = 1;
}

static void zoom(struct dm_tui_dash *d, int step)
{
	struct dm_tui_model *m = d->m;
	int z = (int)m->zoom + step;
	if (step == 2)        /* z: cycles */
		z = ((int)m->zoom + 1) % DM_TUI_NZOOM;
	z = z < 0 ? 0 : z >= DM_TUI_NZOOM ? DM_TUI_NZOOM - 1 : z;
	m->zoom = (enum dm_tui_zoom)z;
	m->dirty |= DM_TUI_P_MEM;
	dm_tui_model_log(m, DM_TUI_INFO, "chart: %s%s", m->zoom == DM_TUI_ZOOM_ALL ? "" : "last ",
	                 m->zoom == DM_TUI_ZOOM_1M ? "minute" : m->zoom == DM_TUI_ZOOM_10M
	                 ? "10 minutes" : "the whole run");
}

/* Actions that need running workers or a sampler. */
static int needs_run(enum dm_tui_action a)
{
	return a == DM_TUI_A_PAUSE || a == DM_TUI_A_RECLAIM || a == DM_TUI_A_SKIP ||
	       a == DM_TUI_A_HEAP_REPORT || a == DM_TUI_A_LEAK || a == DM_TUI_A_EXPORT;
}

void dm_tui_act(struct dm_tui_dash *d, enum dm_tui_action a)
{
	struct dm_tui_model *m = d->m;
	if (m->watch_pid > 0 && dm_tui_action_parser_only(a)) {
		dm_tui_model_log(m, DM_TUI_WARN,
		                 "does not apply when watching process %ld: that key acts on "
		                 "ddexmon's own parse",
		                 m->watch_pid);
		return;
	}
	if (a == DM_TUI_A_TUNE) {
		dm_tui_tune_open(d);   /* it says why when there is nothing to tune */
		return;
	}
	if (needs_run(a) && !d->started) {
		dm_tui_model_log(m, DM_TUI_WARN, "not started yet: choose files first");
		return;
	}
	switch (a) {
	case DM_TUI_A_NONE:
		break;
	case DM_TUI_A_CHUNK_UP:
		resize_setting(d, 1, 1, "+");
		break;
	case DM_TUI_A_CHUNK_DOWN:
		resize_setting(d, 1, 0, "-");
		break;
	case DM_TUI_A_BUFFER_UP:
		resize_setting(d, 0, 1, "]");
		break;
	case DM_TUI_A_BUFFER_DOWN:
		resize_setting(d, 0, 0, "[");
		break;
	case DM_TUI_A_PROFILE:
		next_profile(d);
		break;
	case DM_TUI_A_PAUSE: {
		int p = !dm_session_paused(d->s);
		dm_tui_dash_pause(d, p, p ? "paused (space)" : "resumed (space)");
		break;
	}
	case DM_TUI_A_TUNE:
		break;   /* above */
	case DM_TUI_A_RECLAIM:
		dm_session_reclaim(d->s, "manual");
		dm_tui_model_log(m, DM_TUI_INFO, "reclamation requested (g)");
		break;
	case DM_TUI_A_SKIP:
		dm_session_skip(d->s);
		dm_tui_model_log(m, DM_TUI_INFO, "skipping the oldest running file (n)");
		break;
	case DM_TUI_A_ADD:
		dm_tui_model_log(m, DM_TUI_INFO, "add files: choose .xml files (a)");
		dm_tui_dash_open_chooser(d);
		break;
	case DM_TUI_A_HEAP_REPORT: {
		char path[512];
		dm_tui_model_log(m, DM_TUI_INFO, "heap report requested (s)");
		if (dm_session_heap_report(d->s, path, sizeof path) != 0)
			dm_tui_model_log(m, DM_TUI_ERROR, "heap report could not be written (s)");
		break;
	}
	case DM_TUI_A_LEAK:
		toggle_leak(d);
		break;
	case DM_TUI_A_EXPORT:
		export_csv(d);
		break;
	case DM_TUI_A_HELP:
		d->help = !d->help;
		d->overlay_dirty = 1;
		m->dirty = DM_TUI_P_ALL;     /* closing it uncovers the panels */
		break;
	case DM_TUI_A_QUIT:
		if (d->started && dm_tui_model_active(m) > 0 && m->state != DM_TUI_DONE) {
			d->confirm_quit = 1;
			d->overlay_dirty = 1;
			dm_tui_model_log(m, DM_TUI_WARN, "quit while files are running? (y/n)");
		} else {
			d->quit = 1;
		}
		break;
	case DM_TUI_A_REDRAW:
		clearok(curscr, TRUE);
		m->dirty = DM_TUI_P_ALL;
		d->overlay_dirty = 1;
		break;
	case DM_TUI_A_UP:
	case DM_TUI_A_DOWN:
	case DM_TUI_A_PAGE_UP:
	case DM_TUI_A_PAGE_DOWN:
	case DM_TUI_A_HOME:
	case DM_TUI_A_END:
		navigate(d, a);
		break;
	case DM_TUI_A_DETAILS:
		if (m->mode == DM_TUI_MODE_DETAILS) {
			set_mode(d, DM_TUI_MODE_FILES);
		} else if (m->nfiles > 0) {
			m->sel = dm_tui_model_current(m);
			set_mode(d, DM_TUI_MODE_DETAILS);
		}
		break;
	case DM_TUI_A_FOCUS:
		set_mode(d, m->mode == DM_TUI_MODE_LOG ? DM_TUI_MODE_FILES : DM_TUI_MODE_LOG);
		break;
	case DM_TUI_A_BACK:
		if (m->mode == DM_TUI_MODE_FILES) {
			m->sel = -1;          /* follow the work again */
			m->dirty |= DM_TUI_P_FILES;
		} else {
			if (m->mode == DM_TUI_MODE_LOG)
				m->log_back = 0;
			set_mode(d, DM_TUI_MODE_FILES);
		}
		break;
	case DM_TUI_A_ZOOM:
		zoom(d, 2);
		break;
	case DM_TUI_A_ZOOM_IN:
		zoom(d, -1);
		break;
	case DM_TUI_A_ZOOM_OUT:
		zoom(d, 1);
		break;
	}
}
