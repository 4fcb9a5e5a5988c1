/* The live tune's table as text. The rows count MB/s (10^6 bytes, as
 * `tune` prints them); the dashboard shows bytes a second in its own
 * family, so each figure goes back to bytes first. */
#include "config.h"
#include "tune_table.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

#define MB 1e6

void dm_tui_tune_cells(const struct dm_tune_row *rows, size_t i, const struct dm_tuner_progress *p,
                       const struct dm_tune_choice *choice, const char *limit,
                       struct dm_tui_tune_cells *out)
{
	const struct dm_tune_row *w = &rows[i];
	memset(out, 0, sizeof *out);
	int chosen = choice && choice->best == (int)i;
	int noise = choice && !chosen && w->noise;
	snprintf(out->mark, sizeof out->mark, "%s", chosen ? "*" : noise ? "~" : " ");
	dm_tui_size(out->chunk, sizeof out->chunk, w->chunk);
	snprintf(out->runs, sizeof out->runs, "%d/%d", w->runs, p->rounds);
	if (w->runs > 0) {
		char lo[16];
		dm_tui_rate(out->median, sizeof out->median, w->median * MB);
		dm_tui_size(lo, sizeof lo, (uint64_t)(w->min * MB));
		snprintf(out->range, sizeof out->range, "%s-", lo);
		dm_tui_size(out->range + strlen(out->range), sizeof out->range - strlen(out->range),
		            (uint64_t)(w->max * MB));
		if (w->runs > 1 && w->median > 0)
			snprintf(out->spread, sizeof out->spread, "%.1f%%", (w->q3 - w->q1) / w->median * 100);
		else
			snprintf(out->spread, sizeof out->spread, "-");
		dm_tui_size(out->peak, sizeof out->peak, w->acct_peak);
	} else {
		snprintf(out->median, sizeof out->median, "-");
		snprintf(out->range, sizeof out->range, "-");
		snprintf(out->spread, sizeof out->spread, "-");
		snprintf(out->peak, sizeof out->peak, "-");
	}
	if (!w->ok) {
		const char *why = limit && *limit ? limit : w->error;
		snprintf(out->state, sizeof out->state, "failed (%s): %s", dm_tune_error_class(w), why);
	} else if (p->current == (int)i) {
		snprintf(out->state, sizeof out->state, "running (run %d of %d)", w->runs + 1, p->rounds);
	} else if (p->phase == DM_TUNER_RUNNING) {
		snprintf(out->state, sizeof out->state, "%s", w->runs >= p->rounds ? "measured" : "queued");
	} else if (p->phase == DM_TUNER_CANCELLED) {
		snprintf(out->state, sizeof out->state, "%s", w->runs ? "" : "cancelled");
	} else {
		snprintf(out->state, sizeof out->state, "%s", chosen ? "chosen" : noise ? "within noise" : "");
	}
}

char *dm_tui_tune_progress(char *buf, size_t size, const struct dm_tune_row *rows, size_t n,
                           const struct dm_tuner_progress *p, int utf8)
{
	char el[24], lt[24], left[40];
	dm_tui_secs(el, sizeof el, p->elapsed, utf8);
	if (p->phase == DM_TUNER_DONE) {
		snprintf(buf, size, "done: %d run%s in %s", p->done, p->done == 1 ? "" : "s", el);
		return buf;
	}
	if (p->phase == DM_TUNER_CANCELLED) {
		snprintf(buf, size, "cancelled after %d of %d runs", p->done, p->planned);
		return buf;
	}
	char chunk[24] = "";
	if (p->current >= 0 && (size_t)p->current < n) {
		char c[16];
		snprintf(chunk, sizeof chunk, "chunk %s, ", dm_tui_size(c, sizeof c, rows[p->current].chunk));
	}
	if (p->left >= 0)
		snprintf(left, sizeof left, ", about %s left", dm_tui_secs(lt, sizeof lt, p->left, utf8));
	else
		left[0] = '\0';
	snprintf(buf, size, "round %d of %d: %srun %d of %d, %s so far%s", p->round, p->rounds, chunk,
	         p->done + 1 > p->planned ? p->planned : p->done + 1, p->planned, el, left);
	return buf;
}
