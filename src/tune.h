/* `ddexmon tune` in parts: the sweep (a forked child per run, settings in
 * turn), the choice (order statistics and the within-noise rule, pure),
 * the limits (what stopped a failed setting), the report (table, CSV,
 * verdict) and the profile writer. */
#ifndef DM_TUNE_H
#define DM_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"

#define DM_TUNE_MAX_RUNS 100

/* What one child reports through its pipe. */
struct dm_tune_run {
	int done;                 /* the child got to the end */
	int ok;                   /* the file parsed */
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

/* ---- the sweep (tune_sweep.c) ---- */

/* How the sweep went, for the report. */
struct dm_tune_sweep_info {
	int runs;                 /* runs per setting in the end (the default may drop to 3) */
	int interrupted;          /* SIGINT/SIGTERM/SIGHUP ended it */
	int runs_done, runs_planned;
	double seconds;
	int worst;                /* highest exit code of a failed setting, 0 when none */
};

/* Parse FILE at each chunk x buffer size of base, one forked child per
 * run; rows has nchunks * nbuffers entries, buffer-major, and is filled
 * in. Settings take turns, round after round (the order reversed every
 * other round), so a slow spell of the machine hits all of them alike.
 * runs 0 means the default: 5, or 3 when the first round took over 10 s.
 * Per-run lines go to stderr when it is not a terminal; on a terminal one
 * progress line, rewritten and cleared at the end. A signal ends the sweep
 * after killing the running child: the rows hold the runs done. Call from
 * the main thread, with no other thread running (it forks). */
void dm_tune_sweep(const struct dm_config *base, const char *file, int force, int runs,
                   const uint64_t *chunks, size_t nchunks, const uint64_t *buffers,
                   size_t nbuffers, struct dm_tune_row *rows, struct dm_tune_sweep_info *info);

/* ---- the choice (tune_choose.c): pure functions ---- */

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

/* The sentence that says why the choice was made, no newline, e.g.
 * "64K and 256K are within noise (108.5 vs 109.3 MB/s, middle halves
 * 101.0-110.2 and 98.7-111.0 overlap): 64K chosen, it uses less memory
 * (accounted peak 209K vs 789K)". Always NUL-terminated. */
void dm_tune_explain(const struct dm_tune_row *rows, size_t n, const struct dm_tune_choice *c,
                     int with_buffers, char *out, size_t size);

/* ---- the limits (tune_limit.c) ---- */

/* The class of a failed row's error ("limit", "memory", "xml", ...; "run"
 * when the run itself gave no result). */
const char *dm_tune_error_class(const struct dm_tune_row *w);

/* What limited a failed or retried row, e.g. "buffer_size 1K < a 2.0K
 * TitleText value at line 120 (buffer 4K parsed it)" or "max_memory 1M <
 * expat's buffer for a 4M chunk"; "" when the error is not a setting's
 * limit (a malformed file). May read FILE to measure the value at the
 * error's position. Always NUL-terminated. */
void dm_tune_limit_text(const struct dm_tune_row *w, const struct dm_tune_row *rows, size_t n,
                        const struct dm_config *base, const char *file, char *out, size_t size);

/* ---- the report (tune_report.c) ---- */

/* The table on stdout; the choice is marked '*', rows within noise '~'. */
void dm_tune_print_table(const struct dm_tune_row *rows, size_t n, int with_buffers,
                         const struct dm_tune_choice *c);

/* The verdict under the table: the choice and why, what limited each
 * failed setting, whether memory was a constraint at all. */
void dm_tune_print_verdict(const struct dm_tune_row *rows, size_t n, int with_buffers,
                           const struct dm_tune_choice *c, const struct dm_config *base,
                           const char *file);

/* The table as CSV, written atomically. 0 or -1 (message printed). */
int dm_tune_write_csv(const char *path, const struct dm_tune_row *rows, size_t n,
                      const struct dm_tune_choice *c, const struct dm_config *base,
                      const char *file);

/* ---- the profile (tune_profile.c) ---- */

/* A profile name: letters, digits, '-', '_', '.', not starting with '.'. */
int dm_tune_valid_name(const char *name);

/* base with the chosen row's chunk and buffer sizes, as NAME.profile in
 * the user's profile directory, written atomically and read back; the
 * comment at the top says how it was chosen (why). 0 or -1 (message
 * printed). */
int dm_tune_write_profile(const char *name, const struct dm_config *base,
                          const struct dm_tune_row *w, const char *file, int runs,
                          const char *why);

#endif
