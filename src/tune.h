/* `ddexmon tune` in three parts: the sweep (a forked child per run),
 * the report (table, CSV, verdict) and the profile writer. */
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
	double median, min, max;
	uint64_t maxrss, acct_peak, mallocs, reclamations, records;
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
};

/* Parse FILE runs times at each chunk x buffer size of base, one forked
 * child per run; rows has nchunks * nbuffers entries, buffer-major, and is
 * filled in. Progress goes to stderr. Returns 1 when interrupted, else 0;
 * *worst is the highest exit code of a failed setting (0 when none). */
int dm_tune_sweep(const struct dm_config *base, const char *file, int force, int runs,
                  const uint64_t *chunks, size_t nchunks, const uint64_t *buffers,
                  size_t nbuffers, struct dm_tune_row *rows, int *worst);

/* The fastest row every run of which parsed without the half-chunk retry;
 * -1 when there is none. */
int dm_tune_best(const struct dm_tune_row *rows, size_t n);

/* The class of a failed row's error ("limit", "memory", "xml", ...; "run"
 * when the run itself gave no result). */
const char *dm_tune_error_class(const struct dm_tune_row *w);

/* The table on stdout; best is marked (or -1). */
void dm_tune_print_table(const struct dm_tune_row *rows, size_t n, int with_buffers, int best);

/* The verdict line(s) under the table: the best setting, or why none
 * qualified (each failed setting's error class and message). */
void dm_tune_print_verdict(const struct dm_tune_row *rows, size_t n, int with_buffers, int best);

/* The table as CSV, written atomically. 0 or -1 (message printed). */
int dm_tune_write_csv(const char *path, const struct dm_tune_row *rows, size_t n, int best);

/* A profile name: letters, digits, '-', '_', '.', not starting with '.'. */
int dm_tune_valid_name(const char *name);

/* base with the row's chunk and buffer sizes, as NAME.profile in the
 * user's profile directory, written atomically and read back. 0 or -1
 * (message printed). */
int dm_tune_write_profile(const char *name, const struct dm_config *base,
                          const struct dm_tune_row *w, const char *file, int runs);

#endif
