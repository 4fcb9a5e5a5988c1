/* The live tune: one thread that parses a file from its start at each
 * chunk size in turn, a few seconds a run (or to the end of the file),
 * round after round, counting records and writing none, under an
 * accountant the caller hands it (the dashboard gives the session's
 * budget, so every byte a run asks for is charged there and refused past
 * it). The caller reads the table as it fills; rows, the order of the
 * runs and the choice are those of `ddexmon tune` (tune.h).
 *
 * Threads: dm_tuner_start, _read, _cancel and _free from one thread (the
 * dashboard's UI thread); the tuner's own thread does the runs. _read
 * copies under the tuner's lock, which a run never holds while parsing. */
#ifndef DM_TUNER_H
#define DM_TUNER_H

#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "error.h"
#include "profile.h"
#include "tune.h"

#define DM_TUNER_SECONDS 2.5   /* a run's length when none is given */
#define DM_TUNER_ROUNDS 3      /* runs a setting when none is given: enough for a median and a spread */

struct dm_tuner;

struct dm_tuner_opts {
	double run_seconds;        /* a run ends after this, or at the end of the file; 0: the default */
	int rounds;                /* runs per setting, 1 to DM_TUNE_MAX_RUNS; 0: the default */
};

enum dm_tuner_phase {
	DM_TUNER_RUNNING,
	DM_TUNER_DONE,             /* every round ran */
	DM_TUNER_CANCELLED,        /* dm_tuner_cancel: the rows hold the runs that ended */
};

struct dm_tuner_progress {
	enum dm_tuner_phase phase;
	int current;               /* the row being run, -1 when none is */
	int round, rounds;         /* the round now (1-based) of how many */
	int done, planned;         /* runs ended, runs there will be (a failed setting drops its others) */
	double elapsed;            /* seconds since the start */
	double left;               /* seconds still to go, estimated; -1 before the first run ends */
	uint64_t gen;              /* moves on whenever the rows or the figures above change */
};

/* Start tuning path (a regular file, read once a run) at chunks[0..n)
 * with base's other settings, in a thread of its own. Every allocation,
 * the tuner's bookkeeping included, is charged to an accountant under
 * parent; a run's accounted peak is what it alone held at most. Returns
 * NULL with err filled: DM_EUSAGE (no sizes, or path not a regular
 * file), DM_EIO (it cannot be read), DM_ENOMEM (budget, thread). */
struct dm_tuner *dm_tuner_start(struct dm_acct *parent, const struct dm_config *base,
                                const char *path, const uint64_t *chunks, size_t n,
                                const struct dm_tuner_opts *opts, struct dm_error *err);

/* Copy up to max rows (in the order of chunks) and the progress. Returns
 * the number of rows the tuner has. */
size_t dm_tuner_read(struct dm_tuner *t, struct dm_tune_row *rows, size_t max,
                     struct dm_tuner_progress *p);

/* Ask the runs to stop: the one in progress ends within a chunk, its
 * result dropped. Returns at once. */
void dm_tuner_cancel(struct dm_tuner *t);

/* Cancel, join the thread, free everything. Accepts NULL. */
void dm_tuner_free(struct dm_tuner *t);

#endif
