/* The dashboard loop. One pass: drain the event queue into the model,
 * poll the session's snapshots, lay out again if the terminal changed,
 * redraw what is dirty (at most every 100 ms), then wait up to 100 ms for
 * a key. With nothing happening a pass costs a few microseconds, ten
 * times a second. */
#include "config.h"
#include "dashboard.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "crt.h"
#include "dash.h"
#include "fmt.h"
#include "playback.h"

#define TICK_MS 100
#define DRAIN_BATCH 64

static void drain(struct dm_tui_dash *d)
{
	static struct dm_tui_event ev[DRAIN_BATCH];   /* UI thread only */
	/* a bounded number of batches: a flood must not starve the keys */
	for (int batch = 0; batch < 16; batch++) {
		size_t n = dm_tui_queue_drain(d->q, ev, DRAIN_BATCH);
		for (size_t i = 0; i < n; i++)
			dm_tui_model_apply(d->m, &ev[i]);
		if (n < DRAIN_BATCH)
			break;
	}
	uint64_t lost = dm_tui_queue_dropped(d->q);
	if (lost)
		dm_tui_model_log(d->m, DM_TUI_WARN, "%llu events not shown (display behind)",
		                 (unsigned long long)lost);
}

static void poll_session(struct dm_tui_dash *d)
{
	if (d->replay) {
		dm_tui_replay_pump(d);
		return;
	}
	struct dm_config cfg;
	dm_session_config(d->s, &cfg);
	dm_tui_model_set_config(d->m, &cfg);
	if (d->started)
		dm_tui_model_set_elapsed(d->m, dm_session_elapsed(d->s));
	size_t n = dm_session_files(d->s);
	for (size_t i = 0; i < n; i++) {
		struct dm_file_info fi;
		if (dm_session_file(d->s, i, &fi) == 0)
			dm_tui_model_set_file(d->m, i, &fi);
	}
	if (!d->started)
		return;
	struct dm_pool_stats ps[DM_TUI_POOLS_MAX];
	size_t np = dm_session_pools(d->s, ps, DM_TUI_POOLS_MAX);
	dm_tui_model_set_pools(d->m, ps, np, d->m->now);
	struct dm_leak_info li;
	dm_session_leak(d->s, &li);
	dm_tui_model_set_leak(d->m, &li);
	if (d->m->state != DM_TUI_DONE && n > 0 && dm_session_done(d->s)) {
		d->m->state = DM_TUI_DONE;
		d->m->exit_code = dm_session_exit_code(d->s);
		size_t failed = d->m->exit_code != 0;
		dm_tui_model_log(d->m, failed ? DM_TUI_WARN : DM_TUI_INFO,
		                 "all files done%s; q quits, a adds more", failed ? " (some failed)" : "");
		d->m->dirty |= DM_TUI_P_HEADER;
	}
}

int dm_tui_dash_start(struct dm_tui_dash *d)
{
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_session_start(d->s, &err) != 0) {
		dm_error_format(&err, d->error, sizeof d->error);
		d->start_code = dm_exit_code(err.code);
		return -1;
	}
	d->started = 1;
	if (d->m->state == DM_TUI_READY)
		d->m->state = DM_TUI_RUNNING;
	d->m->dirty |= DM_TUI_P_HEADER;
	return 0;
}

int dm_tui_dash_open_chooser(struct dm_tui_dash *d)
{
	d->chooser = dm_tui_chooser_new(NULL);
	if (!d->chooser) {
		dm_tui_model_log(d->m, DM_TUI_ERROR, "cannot list the current directory");
		return -1;
	}
	d->overlay_dirty = 1;
	return 0;
}

static void close_chooser(struct dm_tui_dash *d)
{
	dm_tui_chooser_free(d->chooser);
	d->chooser = NULL;
	if (d->chooser_win)
		delwin(d->chooser_win);
	d->chooser_win = NULL;
	d->m->dirty = DM_TUI_P_ALL;
}

static void chooser_key(struct dm_tui_dash *d, int key)
{
	enum dm_tui_chooser_result r = dm_tui_chooser_key(d->chooser, key);
	d->overlay_dirty = 1;
	if (r == DM_TUI_CHOOSER_OPEN)
		return;
	if (r == DM_TUI_CHOOSER_DONE) {
		const char *const *paths;
		size_t n = dm_tui_chooser_selection(d->chooser, &paths);
		for (size_t i = 0; i < n; i++) {
			int rc = dm_session_add(d->s, paths[i]);
			if (rc < 0)
				dm_tui_model_log(d->m, DM_TUI_ERROR, "%s: %s", paths[i], dm_strerror(rc));
			else
				dm_tui_model_log(d->m, DM_TUI_INFO, "added %s", paths[i]);
		}
		if (d->m->state == DM_TUI_DONE && n > 0)
			d->m->state = DM_TUI_RUNNING;
	} else {
		dm_tui_model_log(d->m, DM_TUI_INFO, "no files added");
	}
	close_chooser(d);
	if (!d->started && dm_session_files(d->s) > 0) {
		if (dm_tui_dash_start(d) != 0)
			d->quit = 1;
	} else if (!d->started) {
		d->quit = 1;     /* nothing chosen, nothing to watch */
	}
}

static void key(struct dm_tui_dash *d, int ch)
{
	if (d->replay && !d->help && d->m->mode != DM_TUI_MODE_DETAILS && dm_tui_replay_key(d, ch))
		return;
	if (d->chooser) {
		chooser_key(d, ch);
		return;
	}
	if (d->confirm_quit) {
		d->confirm_quit = 0;
		d->m->dirty = DM_TUI_P_ALL;
		if (ch == 'y' || ch == 'Y') {
			dm_tui_model_log(d->m, DM_TUI_INFO, "quit (y)");
			d->quit = 1;
		} else {
			dm_tui_model_log(d->m, DM_TUI_INFO, "quit cancelled");
		}
		return;
	}
	if (d->help) {
		/* any key closes the help; q still quits */
		d->help = 0;
		d->m->dirty = DM_TUI_P_ALL;
		if (ch != 'q' && ch != 'Q')
			return;
	}
	if (d->tune) {
		dm_tui_tune_key(d, ch);
		return;
	}
	enum dm_tui_action a = dm_tui_key_action(ch);
	/* in the details q closes them, as Esc does: quitting from there
	 * would lose what one was reading */
	if (d->m->mode == DM_TUI_MODE_DETAILS && a == DM_TUI_A_QUIT)
		a = DM_TUI_A_BACK;
	dm_tui_act(d, a);
}

/* Panels, then whatever covers them. */
static void draw(struct dm_tui_dash *d)
{
	enum dm_tui_focus bar = d->chooser ? DM_TUI_MODE_CHOOSER
	                        : d->help  ? DM_TUI_MODE_HELP
	                        : d->tune  ? DM_TUI_MODE_TUNE
	                        : d->replay && d->m->mode == DM_TUI_MODE_FILES ? DM_TUI_MODE_REPLAY
	                        : d->m->watch_pid > 0 && d->m->mode == DM_TUI_MODE_FILES ? DM_TUI_MODE_WATCH
	                                   : d->m->mode;
	if (bar != d->m->bar_mode) {
		d->m->bar_mode = bar;
		d->m->dirty |= DM_TUI_P_KEYS;
	}
	int drew = dm_tui_screen_draw(d->scr, d->m, &d->view);
	if (d->chooser && (drew || d->overlay_dirty)) {
		if (!d->chooser_win)
			d->chooser_win = newwin(LINES > 2 ? LINES - 2 : LINES, COLS, LINES > 2 ? 1 : 0, 0);
		if (d->chooser_win) {
			dm_tui_chooser_draw(d->chooser_win, d->chooser, &d->view);
			wnoutrefresh(d->chooser_win);
		}
	} else if (d->help && (drew || d->overlay_dirty)) {
		dm_tui_draw_help(&d->view);
	} else if (d->tune && (drew || d->overlay_dirty)) {
		dm_tui_tune_draw(d);
	} else if (d->m->mode == DM_TUI_MODE_DETAILS && (drew || d->overlay_dirty)) {
		dm_tui_draw_details(d->m, &d->view, dm_tui_model_current(d->m));
	} else if (d->confirm_quit && (drew || d->overlay_dirty)) {
		dm_tui_draw_prompt(&d->view, "Files are still running. Quit? (y/n)");
	} else if (d->m->caption[0] && (drew || d->overlay_dirty || d->m->caption_dirty)) {
		dm_tui_draw_caption(&d->view, d->m->caption);
	}
	d->m->caption_dirty = 0;
	d->overlay_dirty = 0;
	doupdate();
}

int dm_tui_dash_loop(struct dm_tui_dash *d, const struct dm_tui_dash_opts *o, char *err,
                     size_t errlen)
{
	int rc = 0;
	double last_draw = 0;
	for (long frame = 0; !d->quit; frame++) {
		if (dm_tui_crt_signal()) {
			rc = DM_EXIT_INTERRUPTED;
			break;
		}
		if (o->max_frames > 0 && frame >= o->max_frames)
			break;
		drain(d);
		/* a script (the demo) waits while the live tune measures: its
		 * next act would change what is measured */
		if (o->tick && d->started && !dm_tui_tune_measuring(d) && o->tick(o->tick_ctx, d->s))
			break;
		poll_session(d);
		dm_tui_tune_poll(d);
		int laid = dm_tui_screen_layout(d->scr, d->m, 0);
		if (laid < 0) {
			/* fatal for the screen, not for the run: leave by the same
			 * door as q, so the terminal is restored and the session
			 * stopped */
			snprintf(err, errlen, "cannot make the dashboard's windows (out of memory)");
			rc = DM_EXIT_MEMORY;
			break;
		}
		if (laid > 0) {
			d->overlay_dirty = 1;
			if (d->chooser_win) {
				delwin(d->chooser_win);
				d->chooser_win = NULL;
			}
		}
		double now = dm_mono_s();
		int wait_ms = TICK_MS;
		if (d->m->dirty || d->overlay_dirty) {
			int since = (int)((now - last_draw) * 1000);
			if (since >= TICK_MS - 5) {
				draw(d);
				last_draw = now;
			} else {
				/* drawn less than a tick ago: draw again when it is up,
				 * so a key's effect shows within one tick */
				wait_ms = TICK_MS - since;
			}
		}
		if (d->replay && dm_tui_replay_busy(d))
			wait_ms = 0;   /* reading ahead: keys are still looked at */
		wtimeout(stdscr, wait_ms);
		int ch = wgetch(stdscr);
		if (ch == KEY_RESIZE) {
			d->m->dirty = DM_TUI_P_ALL;
			d->overlay_dirty = 1;
			continue;     /* the next pass lays out for the new size */
		}
		if (ch != ERR)
			key(d, ch);
		if (d->start_code) {
			snprintf(err, errlen, "%s", d->error);
			rc = d->start_code;
			break;
		}
	}
	return rc;
}

int dm_tui_dashboard_run(struct dm_session *s, struct dm_tui_queue *q,
                         const struct dm_tui_view *v, const struct dm_tui_dash_opts *o,
                         int *started, char *err, size_t errlen)
{
	struct dm_tui_dash d;
	memset(&d, 0, sizeof d);
	d.s = s;
	d.q = q;
	d.recorder = o->recorder;
	d.view = *v;
	d.m = dm_tui_model_new();
	d.scr = dm_tui_screen_new();
	int rc = 0;
	*started = 0;
	if (!d.m || !d.scr) {
		snprintf(err, errlen, "out of memory");
		rc = DM_EXIT_MEMORY;
		goto out;
	}
	d.m->utf8 = v->utf8;
	d.m->leak_rate = o->leak_rate;
	d.m->watch_pid = o->watch_pid;
	poll_session(&d);
	if (o->watch_pid > 0) {
		if (dm_tui_dash_start(&d) != 0) {
			snprintf(err, errlen, "%s", d.error);
			rc = d.start_code ? d.start_code : DM_EXIT_INPUT;
			goto out;
		}
	} else if (dm_session_files(s) == 0) {
		if (dm_tui_dash_open_chooser(&d) != 0) {
			snprintf(err, errlen, "no files given and the current directory cannot be listed");
			rc = DM_EXIT_USAGE;
			goto out;
		}
	} else if (dm_tui_dash_start(&d) != 0) {
		snprintf(err, errlen, "%s", d.error);
		rc = d.start_code ? d.start_code : DM_EXIT_INPUT;
		goto out;
	}

	rc = dm_tui_dash_loop(&d, o, err, errlen);
out:
	*started = d.started;
	dm_tui_tune_close(&d);   /* its runs are charged to the session: before it stops */
	if (d.chooser)
		close_chooser(&d);
	dm_tui_screen_free(d.scr);
	dm_tui_model_free(d.m);
	return rc;
}
