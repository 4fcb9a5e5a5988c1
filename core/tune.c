/* Tuning's rows and choice: a setting's runs folded into its row, the
 * order settings take turns in, the order statistics of the runs and the
 * rule that picks among settings whose difference is smaller than their
 * noise. Pure functions of the rows, so they are tested on made-up
 * measurements; `tune` and the dashboard's live tune both use them. */
#include "config.h"
#include "tune.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define MB 1e6

/* More names than this in one sentence read as a list, not a verdict. */
#define MAX_NAMED 4

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The p-quantile of sorted[0..n) by linear interpolation between the
 * closest ranks (the common "type 7" definition). */
static double quantile(const double *sorted, int n, double p)
{
	double h = (n - 1) * p;
	int lo = (int)h;
	if (lo >= n - 1)
		return sorted[n - 1];
	return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

void dm_tune_row_stats(struct dm_tune_row *w)
{
	w->median = w->min = w->max = w->q1 = w->q3 = 0;
	if (w->runs <= 0)
		return;
	double sorted[DM_TUNE_MAX_RUNS];
	memcpy(sorted, w->mbps, (size_t)w->runs * sizeof sorted[0]);
	qsort(sorted, (size_t)w->runs, sizeof sorted[0], cmp_double);
	w->min = sorted[0];
	w->max = sorted[w->runs - 1];
	w->median = quantile(sorted, w->runs, 0.5);
	w->q1 = quantile(sorted, w->runs, 0.25);
	w->q3 = quantile(sorted, w->runs, 0.75);
}

int dm_tune_eligible(const struct dm_tune_row *w)
{
	return w->runs > 0 && w->ok && !w->retried;
}

int dm_tune_within_noise(const struct dm_tune_row *a, const struct dm_tune_row *b)
{
	if (a->runs < 2 || b->runs < 2)
		return 0;
	return a->q1 <= b->q3 && b->q1 <= a->q3;
}

void dm_tune_row_init(struct dm_tune_row *w, uint64_t chunk, uint64_t buffer)
{
	memset(w, 0, sizeof *w);
	w->chunk = chunk;
	w->buffer = buffer;
	w->ok = 1;
}

int dm_tune_row_add(struct dm_tune_row *w, const struct dm_tune_run *r)
{
	if (!r->done || !r->ok) {
		w->ok = 0;
		w->exit_code = r->exit_code ? r->exit_code : DM_EXIT_INPUT;
		w->code = r->code;
		snprintf(w->error, sizeof w->error, "%s", r->error[0] ? r->error : "failed");
		dm_tune_row_stats(w);
		return -1;
	}
	if (w->runs < DM_TUNE_MAX_RUNS)
		w->mbps[w->runs++] = r->seconds > 0 ? (double)r->bytes / MB / r->seconds : 0;
	if (r->maxrss > w->maxrss)
		w->maxrss = r->maxrss;
	if (r->acct_peak > w->acct_peak)
		w->acct_peak = r->acct_peak;
	w->retried |= r->retried;
	w->mallocs = r->mallocs;
	w->reclamations = r->reclamations;
	w->records = r->records;
	dm_tune_row_stats(w);
	return 0;
}

size_t dm_tune_order(int round, size_t k, size_t n)
{
	return round % 2 ? n - 1 - k : k;
}

double dm_tune_left(int done, int planned, double elapsed)
{
	if (done <= 0)
		return -1;
	return planned > done ? elapsed / done * (planned - done) : 0;
}

int dm_tune_sizes(const char *list, const char *key, uint64_t *out, size_t max, size_t *n,
                  struct dm_error *err)
{
	char buf[512];
	if (strlen(list) >= sizeof buf)
		return dm_error_set(err, DM_EUSAGE, "%s: list too long", key);
	snprintf(buf, sizeof buf, "%s", list);
	*n = 0;
	int chunk = strcmp(key, "chunk_size") == 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct dm_config c;
		dm_config_init(&c);
		while (isspace((unsigned char)*tok))
			tok++;
		/* the key's own validation gives the units and range in the message */
		if (dm_config_set(&c, key, tok, err) != 0)
			return DM_EUSAGE;
		if (*n >= max)
			return dm_error_set(err, DM_EUSAGE, "at most %zu sizes in a list", max);
		out[(*n)++] = chunk ? c.chunk_size : c.buffer_size;
	}
	if (*n == 0)
		return dm_error_set(err, DM_EUSAGE, "empty list of sizes");
	return 0;
}

void dm_tune_choose(struct dm_tune_row *rows, size_t n, struct dm_tune_choice *out)
{
	out->best = out->fastest = -1;
	out->nnoise = 0;
	out->judged = 0;
	for (size_t i = 0; i < n; i++) {
		rows[i].noise = 0;
		if (dm_tune_eligible(&rows[i]) &&
		    (out->fastest < 0 || rows[i].median > rows[out->fastest].median))
			out->fastest = (int)i;
	}
	if (out->fastest < 0)
		return;
	const struct dm_tune_row *f = &rows[out->fastest];
	out->best = out->fastest;
	out->judged = f->runs >= 2;
	for (size_t i = 0; i < n; i++) {
		struct dm_tune_row *w = &rows[i];
		if ((int)i != out->fastest && !(dm_tune_eligible(w) && dm_tune_within_noise(w, f)))
			continue;
		w->noise = 1;
		out->nnoise++;
		const struct dm_tune_row *b = &rows[out->best];
		if (w->acct_peak < b->acct_peak || (w->acct_peak == b->acct_peak && w->median > b->median))
			out->best = (int)i;
	}
}

void dm_tune_setting_text(const struct dm_tune_row *w, int with_buffers, char *out, size_t n)
{
	char c[16], b[16];
	dm_format_size(w->chunk, c, sizeof c);
	dm_format_size(w->buffer, b, sizeof b);
	snprintf(out, n, "chunk %s%s%s", c, with_buffers ? " buffer " : "", with_buffers ? b : "");
}

/* What a sentence calls a setting: "64K" when only chunks vary. */
static void label(const struct dm_tune_row *w, int with_buffers, char *out, size_t n)
{
	if (with_buffers)
		dm_tune_setting_text(w, 1, out, n);
	else
		dm_format_size(w->chunk, out, n);
}

void dm_tune_addf(struct dm_tune_text *t, const char *fmt, ...)
{
	if (t->len + 1 >= t->size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(t->p + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->len = t->len + (size_t)k < t->size ? t->len + (size_t)k : t->size - 1;
}

/* "a, b and c" over the rows within noise: their labels (what 0), medians
 * (1) or middle halves (2), rates times k_unit. */
static void noise_list(struct dm_tune_text *t, const struct dm_tune_row *rows, size_t n, size_t count,
                       int with_buffers, int what, double k_unit)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].noise)
			continue;
		if (k)
			dm_tune_addf(t, "%s", what == 1 ? " vs " : k + 1 == count ? " and " : ", ");
		k++;
		const struct dm_tune_row *w = &rows[i];
		char l[48];
		label(w, with_buffers, l, sizeof l);
		if (what == 0)
			dm_tune_addf(t, "%s", l);
		else if (what == 1)
			dm_tune_addf(t, "%.1f", w->median * k_unit);
		else
			dm_tune_addf(t, "%.1f-%.1f", w->q1 * k_unit, w->q3 * k_unit);
	}
}

static void memory_reason(struct dm_tune_text *t, const struct dm_tune_row *rows, size_t n,
                          const struct dm_tune_choice *c)
{
	const struct dm_tune_row *b = &rows[c->best], *f = &rows[c->fastest];
	uint64_t most = 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].noise && rows[i].acct_peak > most)
			most = rows[i].acct_peak;
	char bp[16], fp[16], mp[16];
	dm_format_bytes(b->acct_peak, bp, sizeof bp);
	dm_format_bytes(f->acct_peak, fp, sizeof fp);
	dm_format_bytes(most, mp, sizeof mp);
	if (most == b->acct_peak)
		dm_tune_addf(t, "they use the same memory (accounted peak %s), so the fastest", bp);
	else if (c->best != c->fastest)
		dm_tune_addf(t, "it uses less memory (accounted peak %s vs %s for the fastest)", bp, fp);
	else
		dm_tune_addf(t, "it is the fastest and uses the least memory of them "
		             "(accounted peak %s vs %s%s)", bp, c->nnoise > 2 ? "up to " : "", mp);
}

void dm_tune_explain(const struct dm_tune_row *rows, size_t n, const struct dm_tune_choice *c,
                     int with_buffers, enum dm_tune_unit unit, char *out, size_t size)
{
	struct dm_tune_text t = {out, size, 0};
	if (!size)
		return;
	out[0] = '\0';
	if (c->best < 0)
		return;
	/* the rows count MB/s; the dashboard's family is MiB/s */
	double k = unit == DM_TUNE_MIBPS ? MB / (1024.0 * 1024.0) : 1;
	const char *u = unit == DM_TUNE_MIBPS ? "M/s" : "MB/s";
	const struct dm_tune_row *f = &rows[c->fastest], *b = &rows[c->best];
	char fl[48], bl[48];
	label(f, with_buffers, fl, sizeof fl);
	label(b, with_buffers, bl, sizeof bl);
	if (!c->judged) {
		dm_tune_addf(&t, "%s is the fastest (%.1f %s); %s no spread to tell noise from a "
		    "difference (--runs 3 or more)", fl, f->median * k, u,
		    f->runs == 1 ? "one run gives" : "too few runs give");
		return;
	}
	if (c->nnoise == 1) {
		int next = -1;
		for (size_t i = 0; i < n; i++)
			if ((int)i != c->fastest && dm_tune_eligible(&rows[i]) &&
			    (next < 0 || rows[i].median > rows[next].median))
				next = (int)i;
		if (next < 0) {
			dm_tune_addf(&t, "%s is the only setting that qualified (%.1f %s, middle half %.1f-%.1f)",
			    fl, f->median * k, u, f->q1 * k, f->q3 * k);
			return;
		}
		char nl[48];
		label(&rows[next], with_buffers, nl, sizeof nl);
		dm_tune_addf(&t, "%s is the fastest beyond the noise (%.1f %s, middle half of the runs "
		    "%.1f-%.1f; next %s at %.1f, %.1f-%.1f)", fl, f->median * k, u, f->q1 * k, f->q3 * k,
		    nl, rows[next].median * k, rows[next].q1 * k, rows[next].q3 * k);
		return;
	}
	if (c->nnoise <= MAX_NAMED) {
		noise_list(&t, rows, n, c->nnoise, with_buffers, 0, k);
		dm_tune_addf(&t, " are within noise (");
		noise_list(&t, rows, n, c->nnoise, with_buffers, 1, k);
		dm_tune_addf(&t, " %s, middle halves of the runs ", u);
		noise_list(&t, rows, n, c->nnoise, with_buffers, 2, k);
		dm_tune_addf(&t, " overlap)");
	} else {
		dm_tune_addf(&t, "%zu settings are within noise of the fastest, %s (%.1f %s, middle half of "
		    "the runs %.1f-%.1f, overlapping theirs)", c->nnoise, fl, f->median * k, u, f->q1 * k,
		    f->q3 * k);
	}
	dm_tune_addf(&t, ": %s chosen, ", bl);
	memory_reason(&t, rows, n, c);
}
