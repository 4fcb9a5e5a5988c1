/* The dashboard on a recording: a replay clock in front of the model. */
#include "config.h"
#include "playback.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dash.h"
#include "export.h"
#include "jsonl.h"
#include "model.h"
#include "screen.h"
#include "replay.h"

#define NSPEEDS 4
#define PASS_EVENTS 20000     /* a pass reads at most this many, drawing stays live */
#define MAX_LOGGED 20         /* skipped lines named in the log; the rest counted */

static const double speeds[NSPEEDS] = {1, 10, 100, INFINITY};

struct dm_tui_replay {
	const char *path;
	struct dm_acct *acct;
	struct dm_jsonl *r;
	struct dm_replay_event cur;   /* read, not yet due; its strings are r's line */
	int have_cur, eof, saw_summary, saw_status;
	double clock;                 /* recorded time shown */
	double t_last;                /* of the last event applied */
	double mono;
	int speed, paused, to_end, to_next;
	uint64_t events, logged;
	struct dm_config cfg;
};

static void status(struct dm_tui_dash *d)
{
	struct dm_tui_replay *p = d->replay;
	char s[sizeof d->m->replay], speed[8];
	if (isinf(speeds[p->speed]))
		snprintf(speed, sizeof speed, "max");
	else
		snprintf(speed, sizeof speed, "%dx", (int)speeds[p->speed]);
	snprintf(s, sizeof s, "REPLAY %s%s", speed, p->eof && !p->have_cur ? " end"
	                                            : p->paused ? " paused" : "");
	if (strcmp(s, d->m->replay) != 0) {
		snprintf(d->m->replay, sizeof d->m->replay, "%s", s);
		d->m->dirty |= DM_TUI_P_HEADER;
	}
}

static void skipped(struct dm_tui_dash *d, const struct dm_error *err)
{
	struct dm_tui_replay *p = d->replay;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(err, msg, sizeof msg);   /* FILE:LINE: what */
	if (p->logged++ < MAX_LOGGED)
		dm_tui_model_log(d->m, DM_TUI_WARN, "%s", msg);
}

/* The configuration a start or setting event names, for the header. */
static void take_config(struct dm_tui_dash *d, const struct dm_event *ev)
{
	struct dm_tui_replay *p = d->replay;
	struct dm_error err;
	if (ev->type == DM_EV_START) {
		dm_config_init(&p->cfg);
		for (int k = dm_jsonl_first(p->r, 0); k >= 0; k = dm_jsonl_next_sibling(p->r, k)) {
			const char *key = dm_jsonl_text(p->r, k);
			const char *v = dm_jsonl_text(p->r, dm_jsonl_value(p->r, k));
			if (key && v && strcmp(key, "profile") == 0)
				snprintf(p->cfg.name, sizeof p->cfg.name, "%s", v);
			else if (key && v && dm_config_key_find(key) && strcmp(key, "name") != 0)
				dm_config_set(&p->cfg, key, v, &err);   /* a bad one keeps the default */
		}
	} else if (ev->type == DM_EV_SETTING && dm_config_key_find(ev->u.setting.key)) {
		dm_config_set(&p->cfg, ev->u.setting.key, ev->u.setting.value, &err);
	} else {
		return;
	}
	dm_tui_model_set_config(d->m, &p->cfg);
}

/* One recorded event through the queue into the model, as a live one. */
static void apply(struct dm_tui_dash *d, const struct dm_event *ev)
{
	struct dm_tui_replay *p = d->replay;
	static struct dm_tui_event te;   /* UI thread only */
	take_config(d, ev);
	/* the log stamps lines with the header's clock: the recorded time */
	dm_tui_model_set_elapsed(d->m, ev->t);
	dm_tui_queue_push(d->q, ev);
	while (dm_tui_queue_drain(d->q, &te, 1) == 1)
		dm_tui_model_apply(d->m, &te);
	if (ev->type == DM_EV_SUMMARY)
		p->saw_summary = 1;
	if (ev->type == DM_EV_STATUS)
		p->saw_status = 1;   /* a watch's end: it has no summary */
	if (ev->t > p->t_last)
		p->t_last = ev->t;
	p->events++;
}

/* Read the next event into p->cur: 1, or 0 at the end. */
static int read_next(struct dm_tui_dash *d)
{
	struct dm_tui_replay *p = d->replay;
	for (;;) {
		struct dm_error err;
		dm_error_clear(&err);
		int rc = dm_jsonl_next_event(p->r, &err);
		if (rc == 1) {
			if (dm_replay_decode(p->r, &p->cur) == 0)
				return 1;
			dm_error_at(&err, dm_jsonl_path(p->r), dm_jsonl_lineno(p->r), 0, 0);
			dm_error_set(&err, DM_ERECORD, "unknown event '%.40s': skipped", dm_jsonl_event(p->r));
			skipped(d, &err);
			continue;
		}
		if (rc == 0)
			return 0;
		skipped(d, &err);
		if (rc == DM_EIO || rc == DM_ENOTERN)
			return 0;
	}
}

static void at_end(struct dm_tui_dash *d)
{
	struct dm_tui_replay *p = d->replay;
	const struct dm_jsonl_skips *sk = dm_jsonl_skipped(p->r);
	p->eof = 1;
	p->to_end = p->to_next = 0;
	p->clock = p->t_last;
	dm_tui_model_log(d->m, sk->total ? DM_TUI_WARN : DM_TUI_INFO,
	                 "end of the recording: %llu events, %llu lines skipped",
	                 (unsigned long long)p->events, (unsigned long long)sk->total);
	if (sk->truncated)
		dm_tui_model_log(d->m, DM_TUI_WARN, "the last line was cut short");
	if (!p->saw_summary && !p->saw_status)
		dm_tui_model_log(d->m, DM_TUI_WARN,
		                 "the recording ends without a summary: the run was cut short here");
}

void dm_tui_replay_pump(struct dm_tui_dash *d)
{
	struct dm_tui_replay *p = d->replay;
	double now = dm_mono_s();
	double speed = speeds[p->speed];
	int ahead = p->to_end || p->to_next || isinf(speed);
	if (!p->paused && !ahead)
		p->clock += (now - p->mono) * speed;
	p->mono = now;
	for (int n = 0; n < PASS_EVENTS && !p->eof && (!p->paused || p->to_end || p->to_next); n++) {
		if (!p->have_cur) {
			if (!read_next(d)) {
				at_end(d);
				break;
			}
			p->have_cur = 1;
		}
		if (!ahead && p->cur.ev.t > p->clock)
			break;
		p->have_cur = 0;
		apply(d, &p->cur.ev);
		if (p->to_next && dm_replay_of_interest(&p->cur.ev)) {
			p->to_next = 0;
			p->paused = 1;
			p->clock = p->cur.ev.t;
			break;
		}
	}
	if (ahead && !p->to_next)
		p->clock = p->t_last;
	dm_tui_model_set_elapsed(d->m, p->eof || p->clock < p->t_last ? p->t_last : p->clock);
	status(d);
}

int dm_tui_replay_busy(const struct dm_tui_dash *d)
{
	const struct dm_tui_replay *p = d->replay;
	return !p->eof && (p->to_end || p->to_next || (!p->paused && isinf(speeds[p->speed])));
}

static int open_reader(struct dm_tui_replay *p, char *err, size_t errlen)
{
	struct dm_error e;
	dm_error_clear(&e);
	p->r = dm_jsonl_open(p->path, p->acct, &e);
	if (!p->r)
		snprintf(err, errlen, "%s", e.msg);
	return p->r ? 0 : -1;
}

/* Home: the model afresh and the file from its first line. */
static void restart(struct dm_tui_dash *d)
{
	struct dm_tui_replay *p = d->replay;
	char err[DM_ERRMSG_MAX];
	struct dm_tui_model *m = dm_tui_model_new();
	dm_jsonl_free(p->r);
	p->r = NULL;
	if (!m || open_reader(p, err, sizeof err) != 0) {
		dm_tui_model_free(m);
		dm_tui_model_log(d->m, DM_TUI_ERROR, "cannot read the recording again: %s",
		                 m ? err : "out of memory");
		p->eof = 1;
		p->have_cur = 0;
		return;
	}
	m->utf8 = d->m->utf8;
	dm_tui_model_free(d->m);
	d->m = m;
	p->have_cur = p->eof = p->saw_summary = p->saw_status = 0;
	p->clock = p->t_last = 0;
	p->events = p->logged = 0;
	p->to_end = p->to_next = 0;
	m->dirty = DM_TUI_P_ALL;
	d->overlay_dirty = 1;
	dm_tui_model_log(m, DM_TUI_INFO, "replay from the start (0)");
}

int dm_tui_replay_key(struct dm_tui_dash *d, int ch)
{
	struct dm_tui_replay *p = d->replay;
	struct dm_tui_model *m = d->m;
	switch (ch) {
	case ' ':
		p->paused = !p->paused;
		dm_tui_model_log(m, DM_TUI_INFO, p->paused ? "replay paused (space)" : "replay goes on (space)");
		break;
	case 'f': case 'F': case '>':
	case 's': case 'S': case '<': {
		int up = ch == 'f' || ch == 'F' || ch == '>';
		p->speed += up ? 1 : -1;
		p->speed = p->speed < 0 ? 0 : p->speed >= NSPEEDS ? NSPEEDS - 1 : p->speed;
		if (isinf(speeds[p->speed]))
			dm_tui_model_log(m, DM_TUI_INFO, "replay as fast as it reads (%c)", ch);
		else
			dm_tui_model_log(m, DM_TUI_INFO, "replay at %dx (%c)", (int)speeds[p->speed], ch);
		break;
	}
	case '0': case KEY_HOME:
		restart(d);
		break;
	case '$': case KEY_END:
		if (!p->eof) {
			p->to_end = 1;
			dm_tui_model_log(m, DM_TUI_INFO, "to the end of the recording ($)");
		}
		break;
	case 'n': case 'N':
		if (p->eof) {
			dm_tui_model_log(m, DM_TUI_INFO, "no more events: the end of the recording (n)");
		} else {
			p->to_next = 1;
			dm_tui_model_log(m, DM_TUI_INFO, "to the next reclamation, leak state or error (n)");
		}
		break;
	case 'e': case 'E':
		dm_tui_export_report(d, p->path);
		break;
	case 'q': case 'Q':
		d->quit = 1;
		break;
	case '+': case '=': case '-': case '_': case '[': case ']': case 'P': case 'p':
	case 'g': case 'G': case 'L': case 'l': case 'a': case 'A': case 'T': case 't':
		dm_tui_model_log(m, DM_TUI_WARN, "'%c' does not apply to a recording (replay keys: space, "
		                 "f/s, 0/$, n, q)", ch);
		break;
	default:
		return 0;
	}
	status(d);
	return 1;
}

int dm_tui_replay_run(const char *path, const struct dm_tui_view *v,
                      const struct dm_tui_dash_opts *o, char *err, size_t errlen)
{
	struct dm_tui_replay p;
	memset(&p, 0, sizeof p);
	p.path = path;
	p.acct = dm_acct_new(NULL, 0);
	struct dm_tui_dash d;
	memset(&d, 0, sizeof d);
	d.view = *v;
	d.replay = &p;
	d.q = dm_tui_queue_new(16);
	d.m = dm_tui_model_new();
	d.scr = dm_tui_screen_new();
	int rc;
	if (!p.acct || !d.q || !d.m || !d.scr) {
		snprintf(err, errlen, "out of memory");
		rc = DM_EXIT_MEMORY;
	} else if (open_reader(&p, err, errlen) != 0) {
		rc = DM_EXIT_INPUT;
	} else {
		d.m->utf8 = v->utf8;
		d.m->state = DM_TUI_RUNNING;
		p.mono = dm_mono_s();
		dm_tui_model_log(d.m, DM_TUI_INFO, "replaying %s: space pause, f/s faster/slower, "
		                 "0/$ start/end, n next event, q quit", path);
		rc = dm_tui_dash_loop(&d, o, err, errlen);
	}
	dm_jsonl_free(p.r);
	dm_tui_screen_free(d.scr);
	dm_tui_model_free(d.m);
	dm_tui_queue_free(d.q);
	dm_acct_free(p.acct);
	return rc;
}
