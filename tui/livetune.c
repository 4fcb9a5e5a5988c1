/* The live tune in the dashboard: T sweeps the chunk sizes `tune` would
 * on the selected file while the session waits, the table fills over the
 * panels as runs end, and once the sweep is done the choice is tune's
 * (within noise, the least memory); w writes it as a profile, a applies
 * its chunk size to the session. The measuring is the core's tuner on a
 * thread of its own under the session's budget: this file only reads its
 * table, once a pass of the loop, so the frames never wait for a run. */
#include "config.h"
#include "dash.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "tune_table.h"
#include "tuner.h"

#define PROFILE_NAME "tuned"
#define LIMIT_MAX 160

struct dm_tui_tune {
	struct dm_tuner *tuner;          /* NULL once the sweep has ended (joined) */
	char *path;                      /* the file tuned (the budget's) */
	char name[DM_TUI_NAME_MAX];      /* as the Files panel shows it */
	struct dm_config base;           /* the session's configuration at T */
	struct dm_tune_row rows[DM_TUNE_MAX_SIZES];
	size_t n;
	struct dm_tuner_progress pg;
	long shown_second;               /* the progress line's clock, redrawn each second */
	int failed_told[DM_TUNE_MAX_SIZES];
	char limit[DM_TUNE_MAX_SIZES][LIMIT_MAX];
	int finished;                    /* the sweep is over: choice made */
	struct dm_tune_choice choice;
	char why[1024];                  /* the choice's sentence, in M/s */
	int paused_by_us;                /* T paused a running session */
	char note[DM_TUI_TEXT_MAX];      /* above the table: the pause, sizes left out */
};

int dm_tui_tune_measuring(const struct dm_tui_dash *d)
{
	return d->tune && d->tune->tuner;
}

/* The chunk sizes `tune` tries, less those whose parser buffer cannot fit
 * max_memory (the same check as a profile's); what was left out goes
 * into out. Returns the count. */
static size_t sweep_sizes(const struct dm_config *base, uint64_t *chunks, char *out, size_t size)
{
	uint64_t all[DM_TUNE_MAX_SIZES];
	size_t n = 0, k = 0;
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_tune_sizes(DM_TUNE_CHUNKS, "chunk_size", all, DM_TUNE_MAX_SIZES, &n, &err) != 0)
		return 0;
	struct dm_tune_text t = {out, size, 0};
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct dm_config c = *base;
		c.chunk_size = all[i];
		if (dm_config_check(&c, &err) == 0) {
			chunks[k++] = all[i];
			continue;
		}
		char a[16];
		dm_tune_addf(&t, "%s%s", t.len ? ", " : "left out (parser buffer over max_memory): ",
		             dm_tui_size(a, sizeof a, all[i]));
	}
	return k;
}

static void release(struct dm_tui_tune *t)
{
	if (!t)
		return;
	dm_tuner_free(t->tuner);
	dm_acct_dealloc(t->path);
	dm_acct_dealloc(t);
}

/* The session as the operator had it before T. */
static void restore_pause(struct dm_tui_dash *d, struct dm_tui_tune *t)
{
	if (!t->paused_by_us)
		return;
	t->paused_by_us = 0;
	if (dm_session_paused(d->s))
		dm_tui_dash_pause(d, 0, "resumed: the live tune has stopped measuring");
}

void dm_tui_tune_open(struct dm_tui_dash *d)
{
	struct dm_tui_model *m = d->m;
	if (!d->s) {
		dm_tui_model_log(m, DM_TUI_WARN, "a recording has no parse to tune (T)");
		return;
	}
	long i = dm_tui_model_current(m);
	if (i < 0) {
		dm_tui_model_log(m, DM_TUI_WARN, "no file to tune: add one first (a) (T)");
		return;
	}
	const struct dm_tui_file *f = &m->files[i];
	const char *label = dm_tui_model_file_label(f);
	if (!f->path || strcmp(f->path, "-") == 0) {
		dm_tui_model_log(m, DM_TUI_WARN, "%s: the live tune reads a file once a run: not "
		                 "standard input (T)", label);
		return;
	}
	struct dm_acct *budget = dm_session_budget(d->s);
	struct dm_tui_tune *t = dm_acct_calloc(budget, DM_TAG_OTHER, 1, sizeof *t);
	size_t plen = strlen(f->path) + 1;
	if (t)
		t->path = dm_acct_alloc(budget, DM_TAG_OTHER, plen);
	if (!t || !t->path) {
		release(t);
		dm_tui_model_log(m, DM_TUI_ERROR, "memory limit exceeded: no room for the live tune (T)");
		return;
	}
	memcpy(t->path, f->path, plen);
	snprintf(t->name, sizeof t->name, "%s", label);
	dm_session_config(d->s, &t->base);
	uint64_t chunks[DM_TUNE_MAX_SIZES];
	char left_out[96];
	size_t n = sweep_sizes(&t->base, chunks, left_out, sizeof left_out);
	if (n == 0) {
		dm_tui_model_log(m, DM_TUI_WARN, "no chunk size fits max_memory: nothing to tune (T)");
		release(t);
		return;
	}
	/* on a machine of two cores the parse and the runs would share them,
	 * and both figures would be off */
	int busy = d->started && m->state != DM_TUI_DONE && dm_tui_model_active(m) > 0;
	if (busy && !dm_session_paused(d->s)) {
		t->paused_by_us = 1;
		dm_tui_dash_pause(d, 1, "paused for the live tune: the parse and the runs would share "
		                  "the CPU (it resumes when the sweep ends)");
	}
	struct dm_error err;
	dm_error_clear(&err);
	t->tuner = dm_tuner_start(budget, &t->base, t->path, chunks, n, NULL, &err);
	if (!t->tuner) {
		char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 32];
		dm_error_format(&err, msg, sizeof msg);
		dm_tui_model_log(m, DM_TUI_ERROR, "live tune: %s (T)", msg);
		restore_pause(d, t);
		release(t);
		return;
	}
	t->n = dm_tuner_read(t->tuner, t->rows, DM_TUNE_MAX_SIZES, &t->pg);
	t->shown_second = -1;
	snprintf(t->note, sizeof t->note, "%s%s%s",
	         t->paused_by_us ? "The session is paused while this measures."
	         : busy ? "The session was paused already." : "Nothing else is parsing.",
	         *left_out ? " " : "", left_out);
	char lo[16], hi[16];
	dm_tui_model_log(m, DM_TUI_INFO, "live tune of %s: chunks %s to %s, %d rounds of up to %.1fs "
	                 "a run (Esc cancels) (T)", t->name, dm_tui_size(lo, sizeof lo, chunks[0]),
	                 dm_tui_size(hi, sizeof hi, chunks[n - 1]), t->pg.rounds, DM_TUNER_SECONDS);
	d->tune = t;
	d->overlay_dirty = 1;
	m->dirty = DM_TUI_P_ALL;
}

/* The sweep is over: tune's choice, said in the log as on the table. */
static void finish(struct dm_tui_dash *d, struct dm_tui_tune *t)
{
	struct dm_tui_model *m = d->m;
	t->finished = 1;
	dm_tune_choose(t->rows, t->n, &t->choice);
	dm_tune_explain(t->rows, t->n, &t->choice, 0, DM_TUNE_MIBPS, t->why, sizeof t->why);
	restore_pause(d, t);
	if (t->pg.phase != DM_TUNER_DONE)
		return;
	if (t->choice.best < 0) {
		dm_tui_model_log(m, DM_TUI_WARN, "live tune of %s: no chunk size parsed it (see the table)",
		                 t->name);
		return;
	}
	const struct dm_tune_row *b = &t->rows[t->choice.best];
	char c[16], r[24];
	dm_tui_model_log(m, DM_TUI_INFO, "live tune of %s: best chunk %s (%s median); w writes "
	                 "it as a profile, a applies it", t->name, dm_tui_size(c, sizeof c, b->chunk),
	                 dm_tui_rate(r, sizeof r, b->median * 1e6));
	dm_tui_model_log(m, DM_TUI_INFO, "%s", t->why);
}

void dm_tui_tune_poll(struct dm_tui_dash *d)
{
	struct dm_tui_tune *t = d->tune;
	if (!t || !t->tuner)
		return;
	uint64_t gen = t->pg.gen;
	dm_tuner_read(t->tuner, t->rows, DM_TUNE_MAX_SIZES, &t->pg);
	if (t->pg.gen != gen)
		d->overlay_dirty = 1;
	if ((long)t->pg.elapsed != t->shown_second) {
		t->shown_second = (long)t->pg.elapsed;   /* the progress line's clock */
		d->overlay_dirty = 1;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct dm_tune_row *w = &t->rows[i];
		if (w->ok || t->failed_told[i])
			continue;
		t->failed_told[i] = 1;
		/* measured once: it may read the file */
		dm_tune_limit_text(w, t->rows, t->n, &t->base, t->path, t->limit[i], LIMIT_MAX);
		char c[16];
		dm_tui_model_log(d->m, DM_TUI_WARN, "live tune: chunk %s failed (%s): %s",
		                 dm_tui_size(c, sizeof c, w->chunk), dm_tune_error_class(w),
		                 *t->limit[i] ? t->limit[i] : w->error);
	}
	if (t->pg.phase == DM_TUNER_RUNNING)
		return;
	dm_tuner_free(t->tuner);   /* its thread has ended: the join is at once */
	t->tuner = NULL;
	finish(d, t);
	d->overlay_dirty = 1;
}

void dm_tui_tune_close(struct dm_tui_dash *d)
{
	struct dm_tui_tune *t = d->tune;
	if (!t)
		return;
	if (t->tuner) {
		dm_tuner_free(t->tuner);
		t->tuner = NULL;
		dm_tui_model_log(d->m, DM_TUI_INFO, "live tune of %s cancelled after %d of %d runs",
		                 t->name, t->pg.done, t->pg.planned);
	}
	restore_pause(d, t);
	release(t);
	d->tune = NULL;
	d->m->dirty = DM_TUI_P_ALL;   /* the panels under it */
	d->overlay_dirty = 1;
}

static void write_profile(struct dm_tui_dash *d, struct dm_tui_tune *t)
{
	struct dm_tui_model *m = d->m;
	/* the profile's comment in tune's own words and units */
	char why[1024], path[DM_PATH_MAX + DM_NAME_MAX + 16];
	dm_tune_explain(t->rows, t->n, &t->choice, 0, DM_TUNE_MBPS, why, sizeof why);
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_tune_profile_write(PROFILE_NAME, &t->base, &t->rows[t->choice.best], t->path,
	                          t->pg.rounds, why, "the dashboard's live tune (T)",
	                          dm_session_budget(d->s), path, sizeof path, &err) != 0) {
		char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 32];
		dm_error_format(&err, msg, sizeof msg);
		dm_tui_model_log(m, DM_TUI_ERROR, "profile '%s' not written: %s (w)", PROFILE_NAME, msg);
		return;
	}
	dm_tui_model_log(m, DM_TUI_INFO, "wrote profile '%s' to %s (use: --profile %s) (w)",
	                 PROFILE_NAME, path, PROFILE_NAME);
}

void dm_tui_tune_key(struct dm_tui_dash *d, int ch)
{
	struct dm_tui_tune *t = d->tune;
	struct dm_tui_model *m = d->m;
	int ready = t->finished && t->choice.best >= 0;
	switch (ch) {
	case 27: case 'T': case 't':
		dm_tui_tune_close(d);
		break;
	case 'q': case 'Q':
		dm_tui_tune_close(d);
		dm_tui_act(d, DM_TUI_A_QUIT);
		break;
	case 'w': case 'W':
	case 'a': case 'A':
		if (!ready) {
			dm_tui_model_log(m, DM_TUI_WARN, "%s: %s (%c)", ch == 'w' || ch == 'W' ?
			                 "no profile yet" : "nothing to apply yet", t->finished ?
			                 "no chunk size qualified" : "the sweep is still measuring", ch);
		} else if (ch == 'w' || ch == 'W') {
			write_profile(d, t);
		} else {
			dm_tui_dash_set_chunk(d, t->rows[t->choice.best].chunk, "a: the live tune's choice");
		}
		break;
	case 'L' & 0x1f:
		dm_tui_act(d, DM_TUI_A_REDRAW);
		break;
	default:
		dm_tui_model_log(m, DM_TUI_INFO, "the live tune's table is open: w writes a profile, "
		                 "a applies, Esc closes");
		break;
	}
}

/* The choice's sentence over as many lines as it needs, up to max;
 * returns the next line. */
static int wrapped(WINDOW *w, const struct dm_tui_view *v, int y, int x, int width, int max,
                   const char *text, attr_t a)
{
	const char *p = text;
	while (*p && max-- > 0) {
		size_t n = dm_tui_cut(p, width, v->utf8);
		if (n == 0)
			n = 1;
		/* break at a space when there is one in the line */
		if (p[n]) {
			size_t k = n;
			while (k > 0 && p[k] != ' ')
				k--;
			if (k > 0)
				n = k;
		}
		char piece[512];
		if (n >= sizeof piece)
			n = sizeof piece - 1;
		memcpy(piece, p, n);
		piece[n] = '\0';
		dm_tui_put(w, v, y++, x, width, piece, a);
		p += n;
		while (*p == ' ')
			p++;
	}
	return y;
}

static enum dm_tui_tone row_tone(const struct dm_tui_tune *t, size_t i)
{
	if (!t->rows[i].ok)
		return DM_TUI_ALERT;
	if (t->finished && t->choice.best == (int)i)
		return DM_TUI_GOOD;
	if (t->pg.current == (int)i)
		return DM_TUI_NOTICE;
	return DM_TUI_PLAIN;
}

void dm_tui_tune_draw(struct dm_tui_dash *d)
{
	struct dm_tui_tune *t = d->tune;
	const struct dm_tui_view *v = &d->view;
	int lines, cols;
	getmaxyx(stdscr, lines, cols);
	int h = (int)t->n + 12, wd = cols > 96 ? 92 : cols - 2;
	if (h > lines - 2)
		h = lines > 4 ? lines - 2 : lines;
	if (wd < 20)
		wd = cols;
	WINDOW *w = newwin(h, wd, (lines - h) / 2, (cols - wd) / 2);
	if (!w)
		return;
	struct dm_tui_view boxed = *v;
	boxed.compact = 0;
	char title[DM_TUI_NAME_MAX + 16];
	snprintf(title, sizeof title, "Live tune: %s", t->name);
	struct dm_tui_rect r = dm_tui_frame(w, &boxed, title, NULL, DM_TUI_PLAIN);
	int y = r.y, bottom = r.y + r.h;
	y = wrapped(w, v, y, r.x, r.w, 2, t->note, dm_tui_attr(v, DM_TUI_DIM));
	static const struct dm_tui_col col[] = {{1}, {5}, {-4}, {-8}, {-11}, {-6}, {-9}};
	static const char *const head[] = {"", "chunk", "runs", "median", "min-max", "spread",
	                                   "accounted"};
	char line[528], fixed[512];
	dm_tui_row(fixed, sizeof fixed, col, 7, head, 2, r.w, v->utf8);
	int fw = dm_tui_width(fixed);
	snprintf(line, sizeof line, "%s  state", fixed);
	if (y < bottom)
		dm_tui_put(w, v, y++, r.x, r.w, line, dm_tui_attr(v, DM_TUI_STRONG));
	for (size_t i = 0; i < t->n && y < bottom; i++, y++) {
		struct dm_tui_tune_cells c;
		dm_tui_tune_cells(t->rows, i, &t->pg, t->finished ? &t->choice : NULL, t->limit[i], &c);
		const char *cells[] = {c.mark, c.chunk, c.runs, c.median, c.range, c.spread, c.peak};
		dm_tui_row(fixed, sizeof fixed, col, 7, cells, 2, r.w, v->utf8);
		dm_tui_put(w, v, y, r.x, r.w, fixed, A_NORMAL);
		if (fw + 2 < r.w)
			dm_tui_put(w, v, y, r.x + fw + 2, r.w - fw - 2, c.state,
			           dm_tui_attr(v, row_tone(t, i)));
	}
	y++;
	if (y < bottom)
		dm_tui_put(w, v, y++, r.x, r.w,
		           dm_tui_tune_progress(line, sizeof line, t->rows, t->n, &t->pg, v->utf8),
		           A_NORMAL);
	int keys_y = bottom - 1;
	if (t->finished && t->why[0] && y < keys_y)
		y = wrapped(w, v, y, r.x, r.w, keys_y - y, t->why, A_NORMAL);
	if (y <= keys_y) {
		char k[160], ch[16];
		if (!t->finished)
			snprintf(k, sizeof k, "Esc or T cancels the sweep; q quits");
		else if (t->choice.best >= 0)
			snprintf(k, sizeof k, "w writes profile '%s', a applies chunk %s now, Esc closes",
			         PROFILE_NAME, dm_tui_size(ch, sizeof ch, t->rows[t->choice.best].chunk));
		else
			snprintf(k, sizeof k, "nothing qualified; Esc closes");
		dm_tui_put(w, v, keys_y, r.x, r.w, k, dm_tui_attr(v, DM_TUI_DIM));
	}
	wnoutrefresh(w);
	delwin(w);
}
