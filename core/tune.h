/* Tuning chunk sizes, the parts `ddexmon tune` and the dashboard's live
 * tune share: a setting's row of runs, the order settings take turns in,
 * the order statistics and the within-noise choice (pure, tune.c), what
 * limited a failed setting (tune_limit.c) and the tuned profile
 * (tune_profile.c). How the runs are made differs (a forked child per run
 * for `tune`, a thread under the session's budget for the live tune,
 * tuner.h); what is made of them does not. */
#ifndef DM_TUNE_H
#define DM_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "error.h"
#include "profile.h"

#define DM_TUNE_MAX_RUNS 100
#define DM_TUNE_MAX_SIZES 32
/* The chunk sizes tried when none are given. */
#define DM_TUNE_CHUNKS "4K,16K,64K,256K,1M,4M"

/* What one run of a setting gave. */
struct dm_tune_run {
	int done;                 /* the run got to an end (of the file or of its time) */
	int ok;                   /* it parsed without an error */
	int retried;              /* it needed the half-chunk retry */
	int exit_code;
	int code;                 /* DM_E* of a failure; 0 when the run gave no result */
	double seconds;
	uint64_t bytes, records, mallocs, reclamations, acct_peak, maxrss;
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
};

struct dm_tune_row {
	uint64_t chunk, buffer;
	int runs, ok, retried, exit_code;
	int code;                 /* DM_E* of the failure (see dm_tune_run) */
	double mbps[DM_TUNE_MAX_RUNS];
	/* over mbps[0..runs): filled by dm_tune_row_stats */
	double median, min, max, q1, q3;
	int noise;                /* set by dm_tune_choose: within noise of the fastest */
	uint64_t maxrss, acct_peak, mallocs, reclamations, records;
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
};

/* ---- rows and their runs (tune.c): pure ---- */

/* An empty row for a setting that has not failed (yet). */
void dm_tune_row_init(struct dm_tune_row *w, uint64_t chunk, uint64_t buffer);

/* Fold one run into its row: its MB/s (10^6 bytes a second) joins the
 * runs, the peaks are the highest seen. A run that is not ok fails the
 * row (its error kept; the same setting would fail the same way again, so
 * a sweep drops its other runs). Returns 0, or -1 when the row failed.
 * The row's stats are brought up to date. */
int dm_tune_row_add(struct dm_tune_row *w, const struct dm_tune_run *r);

/* The row run k-th in a round of n: every other round backwards, so a
 * drift of the machine over the sweep lands on all settings alike. */
size_t dm_tune_order(int round, size_t k, size_t n);

/* Seconds left when done of planned runs took elapsed seconds; -1 before
 * the first run ends (no estimate). */
double dm_tune_left(int done, int planned, double elapsed);

/* A comma-separated list of sizes for key ("chunk_size" or
 * "buffer_size"), each validated as the key itself is (units, range):
 * at most max. 0, or DM_EUSAGE with a message naming the value. */
int dm_tune_sizes(const char *list, const char *key, uint64_t *out, size_t max, size_t *n,
                  struct dm_error *err);

/* ---- the choice (tune.c): pure ---- */

/* The median, min, max and quartiles (linear interpolation) of the row's
 * runs; all 0 when it has none. */
void dm_tune_row_stats(struct dm_tune_row *w);

/* A row counts for the choice when it parsed in every run it had, none
 * needing the half-chunk retry. */
int dm_tune_eligible(const struct dm_tune_row *w);

/* Two rows are within noise of each other when both have two runs or more
 * and their interquartile ranges overlap. */
int dm_tune_within_noise(const struct dm_tune_row *a, const struct dm_tune_row *b);

struct dm_tune_choice {
	int best;                 /* the chosen row, -1 when none is eligible */
	int fastest;              /* the eligible row of highest median, -1 when none */
	size_t nnoise;            /* eligible rows within noise of the fastest, it included */
	int judged;               /* the fastest has the runs to tell noise (two or more) */
};

/* Choose among rows (stats filled): the fastest eligible row, or, among
 * the eligible rows within noise of it, the one with the smallest
 * accounted peak (what the budget bounds), then the faster. Sets each
 * row's noise flag. */
void dm_tune_choose(struct dm_tune_row *rows, size_t n, struct dm_tune_choice *out);

/* Text appended to a fixed buffer, cut (always NUL-terminated) when full;
 * size counts the NUL. */
struct dm_tune_text {
	char *p;
	size_t size, len;
};
void dm_tune_addf(struct dm_tune_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "chunk 64K" or "chunk 64K buffer 1M" into out. */
void dm_tune_setting_text(const struct dm_tune_row *w, int with_buffers, char *out, size_t n);

/* The unit rates are written in: tune's table counts MB/s (10^6 bytes),
 * the dashboard sizes and rates in powers of 1024 ("M/s" is MiB/s). */
enum dm_tune_unit { DM_TUNE_MBPS, DM_TUNE_MIBPS };

/* The sentence that says why the choice was made, no newline, e.g.
 * "64K and 256K are within noise (108.5 vs 109.3 MB/s, middle halves
 * 101.0-110.2 and 98.7-111.0 overlap): 64K chosen, it uses less memory
 * (accounted peak 209K vs 789K)". Always NUL-terminated. */
void dm_tune_explain(const struct dm_tune_row *rows, size_t n, const struct dm_tune_choice *c,
                     int with_buffers, enum dm_tune_unit unit, char *out, size_t size);

/* ---- the limits (tune_limit.c) ---- */

/* The class of a failed row's error ("limit", "memory", "xml", ...; "run"
 * when the run itself gave no result). */
const char *dm_tune_error_class(const struct dm_tune_row *w);

/* What limited a failed or retried row, e.g. "buffer_size 1K < a 2.0K
 * TitleText value at line 120 (buffer 4K parsed it)" or "max_memory 1M <
 * expat's buffer for a 4M chunk"; "" when the error is not a setting's
 * limit (a malformed file). May read FILE to measure the value at the
 * error's position (the values measured are kept, under a lock: any
 * thread). Always NUL-terminated. */
void dm_tune_limit_text(const struct dm_tune_row *w, const struct dm_tune_row *rows, size_t n,
                        const struct dm_config *base, const char *file, char *out, size_t size);

/* ---- the tuned profile (tune_profile.c) ---- */

/* A profile name: letters, digits, '-', '_', '.', not starting with '.'. */
int dm_tune_valid_name(const char *name);

/* Where a profile NAME is written: the user's profile directory
 * ($XDG_CONFIG_HOME/ddexmon/profiles, else ~/.config/ddexmon/profiles,
 * the second place profiles are looked up) into dir, NAME.profile in it
 * into path. 0, or DM_EUSAGE when neither variable is set. */
int dm_tune_profile_path(const char *name, char *dir, size_t dir_size, char *path,
                         size_t path_size, struct dm_error *err);

/* base with row w's chunk and buffer sizes as NAME.profile in the user's
 * profile directory (made when missing), written atomically (never
 * through a link) and read back as a check. Its comment says who wrote it
 * (by, e.g. "`ddexmon tune`"), from which file, over how many runs, and
 * why the setting was chosen. The text is built under an accountant made
 * under parent (NULL: one of its own). Returns 0 with the path written in
 * path, or DM_EUSAGE / DM_EIO / DM_ENOMEM with err naming the path or the
 * key that cannot be written. */
int dm_tune_profile_write(const char *name, const struct dm_config *base,
                          const struct dm_tune_row *w, const char *file, int runs,
                          const char *why, const char *by, struct dm_acct *parent, char *path,
                          size_t path_size, struct dm_error *err);

#endif
