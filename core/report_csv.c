/* The report's CSV inputs: `tune --csv` output (MB/s and peak RSS against
 * chunk size) and a --samples-csv file (the memory chart alone), each
 * told by its header and read by column name, so that the columns later
 * versions add (at the end) change nothing. */
#include "config.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* ---- tune --csv ------------------------------------------------------- */

#define TUNE_HEADER "chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,"

/* Split one CSV line into at most max fields in place; a quoted field may
 * hold commas and doubled quotes. Returns the field count. */
static int csv_split(char *s, char **f, int max)
{
	int n = 0;
	while (n < max) {
		if (*s == '"') {
			char *w = ++s;
			f[n++] = w;
			while (*s && !(*s == '"' && s[1] != '"')) {
				if (*s == '"')
					s++;
				*w++ = *s++;
			}
			if (*s == '"')
				s++;
			*w = '\0';
			if (*s != ',')
				break;
			s++;
		} else {
			f[n++] = s;
			char *c = strchr(s, ',');
			if (!c)
				break;
			*c = '\0';
			s = c + 1;
		}
	}
	return n;
}

#define TUNE_MAX_COLS 48

static const char *const tune_col_names[TC_COUNT] = {
	[TC_CHUNK] = "chunk", [TC_CHUNK_BYTES] = "chunk_bytes", [TC_BUFFER] = "buffer",
	[TC_BUFFER_BYTES] = "buffer_bytes", [TC_RUNS] = "runs", [TC_OK] = "ok",
	[TC_RETRIED] = "retried", [TC_MEDIAN] = "mbps_median", [TC_MIN] = "mbps_min",
	[TC_MAX] = "mbps_max", [TC_PEAK_RSS] = "peak_rss_bytes",
	[TC_ACCT_PEAK] = "accounted_peak_bytes", [TC_ALLOCS] = "allocations",
	[TC_CHOSEN] = "chosen", [TC_ERROR] = "error",
};

/* A CSV header's columns by name: col[c] is where names[c] (or its older
 * name alias[c], when alias is not NULL) is, or -1. The number of columns,
 * or -1 when the header is too long. */
static int map_columns(const char *line, size_t len, const char *const *names,
                       const char *const *alias, int count, int *col)
{
	char buf[1024];
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *f[TUNE_MAX_COLS];
	int n = csv_split(buf, f, TUNE_MAX_COLS);
	for (int c = 0; c < count; c++) {
		col[c] = -1;
		for (int i = 0; i < n; i++)
			if (strcmp(f[i], names[c]) == 0 || (alias && alias[c] && strcmp(f[i], alias[c]) == 0))
				col[c] = i;
	}
	return n;
}

/* Map the header's names to columns; 0, or -1 when a needed one is absent. */
static int tune_header(struct dm_report *rep, const char *line, size_t len)
{
	static const char *const older[TC_COUNT] = {[TC_CHOSEN] = "best"};
	rep->tune_ncols = map_columns(line, len, tune_col_names, older, TC_COUNT, rep->tune_col);
	if (rep->tune_ncols < 0)
		return -1;
	for (int c = TC_CHUNK; c <= TC_MEDIAN; c++)
		if (rep->tune_col[c] < 0)
			return -1;
	return 0;
}

static const char *tcol(const struct dm_report *rep, char **f, int n, enum tune_col c)
{
	int i = rep->tune_col[c];
	return i >= 0 && i < n && f[i] ? f[i] : "";
}

static int tune_line(struct dm_report *rep, char *line)
{
	char *f[TUNE_MAX_COLS];
	int n = csv_split(line, f, TUNE_MAX_COLS);
	if (n < rep->tune_ncols - 1)   /* the last column (an error) may be empty */
		return -1;
	if (rep->ntune == DM_REPORT_TUNE_ROWS) {
		rep->tune_more++;
		return 0;
	}
	struct tune_row *w = &rep->tune[rep->ntune];
	char *end;
	copy(w->chunk, sizeof w->chunk, tcol(rep, f, n, TC_CHUNK));
	w->chunk_bytes = strtoull(tcol(rep, f, n, TC_CHUNK_BYTES), &end, 10);
	if (*end || !w->chunk_bytes)
		return -1;
	copy(w->buffer, sizeof w->buffer, tcol(rep, f, n, TC_BUFFER));
	w->buffer_bytes = strtoull(tcol(rep, f, n, TC_BUFFER_BYTES), NULL, 10);
	w->runs = atoi(tcol(rep, f, n, TC_RUNS));
	w->ok = atoi(tcol(rep, f, n, TC_OK));
	w->retried = atoi(tcol(rep, f, n, TC_RETRIED));
	w->med = strtod(tcol(rep, f, n, TC_MEDIAN), &end);
	if (*end || !isfinite(w->med))
		return -1;
	w->min = strtod(tcol(rep, f, n, TC_MIN), NULL);
	w->max = strtod(tcol(rep, f, n, TC_MAX), NULL);
	w->peak_rss = strtoull(tcol(rep, f, n, TC_PEAK_RSS), NULL, 10);
	w->acct_peak = strtoull(tcol(rep, f, n, TC_ACCT_PEAK), NULL, 10);
	w->allocs = strtoull(tcol(rep, f, n, TC_ALLOCS), NULL, 10);
	w->best = atoi(tcol(rep, f, n, TC_CHOSEN)) == 1;
	copy(w->error, sizeof w->error, tcol(rep, f, n, TC_ERROR));
	rep->ntune++;
	return 0;
}

void dm_report_warn(dm_report_warn_fn warn, void *ctx, const struct dm_error *e)
{
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(e, msg, sizeof msg);
	if (warn)
		warn(ctx, msg);
}

/* ---- --samples-csv --------------------------------------------------- */

#define SAMPLES_HEADER "t,time,wall_ms,rss,"

/* The columns drawn, found by name: later versions add columns at the
 * end (rss_anon, rss_file, rss_shmem), which this reader does not need. */
enum { SC_T, SC_RSS, SC_ACCOUNTED, SC_COUNT };

static int samples_header(struct dm_report *rep, const char *line, size_t len)
{
	static const char *const names[SC_COUNT] = {"t", "rss", "accounted"};
	rep->csv_ncols = map_columns(line, len, names, NULL, SC_COUNT, rep->csv_col);
	return rep->csv_ncols > 0 && rep->csv_col[SC_T] >= 0 && rep->csv_col[SC_RSS] >= 0 ? 0 : -1;
}

/* One row: its time and figures, or -1 when they do not read as numbers
 * or go back in time. */
static int samples_line(struct dm_report *rep, char *line)
{
	char *f[TUNE_MAX_COLS];
	int n = csv_split(line, f, TUNE_MAX_COLS);
	if (n < rep->csv_ncols)
		return -1;
	char *end;
	double t = strtod(f[rep->csv_col[SC_T]], &end);
	if (*end || !isfinite(t) || t < 0 || (rep->samples && t < rep->t_last))
		return -1;
	uint64_t rss = strtoull(f[rep->csv_col[SC_RSS]], &end, 10), acc = 0;
	if (*end || !*f[rep->csv_col[SC_RSS]])
		return -1;
	if (rep->csv_col[SC_ACCOUNTED] >= 0)
		acc = strtoull(f[rep->csv_col[SC_ACCOUNTED]], NULL, 10);
	uint64_t tag[DM_TAG_COUNT] = {0};
	if (rep->t_first < 0)
		rep->t_first = t;
	rep->t_last = t;
	dm_report_add_sample(rep, t, rss, acc, tag);
	return 0;
}

/* Read the rest of a CSV, row by row, into rep: each row that row()
 * refuses is skipped, named and counted. */
static int read_csv(struct dm_report *rep, struct dm_jsonl *r, int (*row)(struct dm_report *, char *),
                    const char *what, dm_report_warn_fn warn, void *ctx, struct dm_error *err)
{
	for (;;) {
		const char *line;
		size_t len;
		int rc = dm_jsonl_getline(r, &line, &len, err);
		if (rc == 0)
			return 0;
		if (rc == DM_EIO)
			return rc;
		if (rc < 0) {
			dm_report_warn(warn, ctx, err);
			rep->skips.too_long++;
			rep->skips.total++;
			continue;
		}
		rep->lines++;
		if (len == 0)
			continue;
		if (row(rep, (char *)line) != 0) {
			rep->skips.corrupt++;
			rep->skips.total++;
			dm_error_clear(err);
			dm_error_at(err, dm_jsonl_path(r), dm_jsonl_lineno(r), 0, 0);
			dm_error_set(err, DM_EXML, "not a row of %s: skipped", what);
			dm_report_warn(warn, ctx, err);
		}
	}
}

enum { IN_RECORDING, IN_TUNE, IN_SAMPLES };

/* Is the first line a tune CSV's header, or a samples CSV's? If neither,
 * it is read again as the first line of a recording. */
static int input_kind(struct dm_report *rep, struct dm_jsonl *r)
{
	const char *line;
	size_t len;
	struct dm_error e;
	int rc = dm_jsonl_getline(r, &line, &len, &e);
	if (rc == 1 && strncmp(line, TUNE_HEADER, sizeof TUNE_HEADER - 1) == 0 &&
	    tune_header(rep, line, len) == 0)
		return IN_TUNE;
	if (rc == 1 && strncmp(line, SAMPLES_HEADER, sizeof SAMPLES_HEADER - 1) == 0 &&
	    samples_header(rep, line, len) == 0)
		return IN_SAMPLES;
	if (rc == 1)
		dm_jsonl_unget(r);
	return IN_RECORDING;
}

int dm_report_read_csv(struct dm_report *rep, struct dm_jsonl *r, dm_report_warn_fn warn, void *ctx,
                       struct dm_error *err)
{
	const char *path = dm_jsonl_path(r);
	int kind = input_kind(rep, r), rc;
	if (kind == IN_TUNE) {
		rep->is_tune = 1;
		rc = read_csv(rep, r, tune_line, "tune --csv output", warn, ctx, err);
		if (rc == 0 && rep->ntune == 0)
			rc = dm_error_set(err, DM_ENOTERN, "%s: tune CSV without any rows", path);
		return rc;
	}
	if (kind == IN_SAMPLES) {
		rep->is_samples = 1;
		rc = read_csv(rep, r, samples_line, "a samples CSV", warn, ctx, err);
		if (rc == 0 && rep->samples == 0)
			rc = dm_error_set(err, DM_ENOTERN, "%s: samples CSV without any rows", path);
		return rc;
	}
	return 1;
}
