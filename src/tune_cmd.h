/* `ddexmon tune` in parts: the sweep (a forked child per run, settings in
 * turn) and the report (table, CSV, verdict). The rows, the choice, the
 * limits and the profile writer are the core's (tune.h), shared with the
 * dashboard's live tune. */
#ifndef DM_TUNE_CMD_H
#define DM_TUNE_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"
#include "tune.h"

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

#endif
