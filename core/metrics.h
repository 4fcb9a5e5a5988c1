/* The metrics file: one run's figures in the Prometheus text exposition
 * format (version 0.0.4), the format node_exporter's textfile collector
 * and `promtool check metrics` read.
 *
 * Pure formatting: the caller fills a plain snapshot (from a session, a
 * monitor, a test) and gets the text in a dm_buf; nothing here locks,
 * samples or writes files. Any thread, on its own snapshot and buffer. */
#ifndef DM_METRICS_H
#define DM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "acct.h"
#include "buf.h"
#include "error.h"
#include "event.h"
#include "leak.h"
#include "pool.h"
#include "record.h"

#define DM_METRICS_MAX_LABELS 8     /* run labels on every series */
#define DM_METRICS_LABEL_NAME 64
#define DM_METRICS_LABEL_VALUE 256
#define DM_METRICS_MAX_FILES 500    /* files given per-file series (all are counted) */
#define DM_METRICS_FILE_STATES (DM_FILE_SKIPPED + 1)
#define DM_METRICS_ERROR_CLASSES 11 /* -code of DM_EUSAGE .. DM_EINTR, 0 = other */

/* A label every series of the file carries: what keeps two runs writing
 * into one textfile directory from exporting the same series. */
struct dm_metrics_label {
	char name[DM_METRICS_LABEL_NAME];
	char value[DM_METRICS_LABEL_VALUE];
};

struct dm_metrics_snapshot {
	const char *version;            /* ddexmon_info's version label */
	const char *profile;            /* ddexmon_info's profile label, may be NULL */
	struct dm_metrics_label labels[DM_METRICS_MAX_LABELS];
	size_t nlabels;
	double start_time;              /* seconds since the epoch */
	int finished;                   /* every file done (or the watched process gone) */
	int exit_code;                  /* DM_EXIT_* of the run; written once finished */
	uint64_t budget;                /* max_memory */
	uint64_t rss, rss_peak;
	uint64_t rss_anon, rss_file, rss_shmem;   /* the RSS by kind */
	struct dm_acct_stats acct;
	double trend_rate;              /* RSS slope, bytes/s */
	double to_budget;               /* seconds until RSS reaches the budget; < 0 never */
	enum dm_leak_state leak;
	uint64_t leaks_suspected, leaks_confirmed;
	uint64_t reclamations, reclaimed_bytes;
	uint64_t bytes;                 /* parsed, all files */
	uint64_t records[DM_REC_TYPES];
	const struct dm_pool_stats *pools;
	size_t npools;
	/* Filled by dm_metrics_add_file: counts over every file, and per-file
	 * series for the first max_files (caller's array, may be 0). */
	uint64_t files_by_state[DM_METRICS_FILE_STATES];
	uint64_t errors[DM_METRICS_ERROR_CLASSES];
	struct dm_file_info *files;
	size_t nfiles, max_files;
};

/* Zero the snapshot and give it the per-file array (files may be NULL
 * with max_files 0). */
void dm_metrics_init(struct dm_metrics_snapshot *s, struct dm_file_info *files,
                     size_t max_files);

/* Count one file and keep a copy of it for the per-file series while there
 * is room. The copy's path must live as long as the snapshot is used. */
void dm_metrics_add_file(struct dm_metrics_snapshot *s, const struct dm_file_info *f);

/* Append the exposition text to out. Returns 0, or -1 when out could not
 * grow (out->failed; what was appended is incomplete). */
int dm_metrics_format(const struct dm_metrics_snapshot *s, struct dm_buf *out);

/* Parse NAME=VALUE (--metrics-label) into out. Names follow Prometheus's
 * rule [a-zA-Z_][a-zA-Z0-9_]*, not "__" reserved ones, and not a label the
 * series already use (file, state, class, type, tag, pool, version,
 * profile). 0 or DM_EUSAGE with a message. */
int dm_metrics_parse_label(const char *arg, struct dm_metrics_label *out, struct dm_error *err);

/* Add a label to the snapshot, replacing one of the same name. 0, or
 * DM_EUSAGE when DM_METRICS_MAX_LABELS are already set. */
int dm_metrics_set_label(struct dm_metrics_snapshot *s, const struct dm_metrics_label *l);

/* The default run label: run="<metrics file name without directory and
 * .prom>", unique among the files of one textfile directory. */
void dm_metrics_default_label(const char *metrics_path, struct dm_metrics_label *out);

#endif
