/* Events: everything a person sees of a run. The dashboard, the headless
 * JSON-lines printer and the metrics file are consumers of one stream.
 *
 * An event and everything it points to are valid only during the callback
 * (copy what you keep). Callbacks come from worker threads and the sampler
 * thread, so a consumer must be thread-safe. */
#ifndef DM_EVENT_H
#define DM_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "leak.h"
#include "pool.h"
#include "profile.h"
#include "record.h"
#include "sampler.h"
#include "trend.h"

struct dm_session_summary;

enum dm_event_type {
	DM_EV_START,          /* run begins: config */
	DM_EV_FILE_QUEUED,    /* a file joined the queue */
	DM_EV_FILE_START,     /* a worker took a file */
	DM_EV_WAITING,        /* a file waits for memory (admission control) */
	DM_EV_PROGRESS,       /* bytes done for a file (at most ~4 per second) */
	DM_EV_SAMPLE,         /* one memory sample + trend */
	DM_EV_RECLAIM,        /* idle memory given back */
	DM_EV_PRESSURE,       /* buffers halved (on) or restored (off) */
	DM_EV_LEAK_SUSPECTED,
	DM_EV_LEAK_CONFIRMED, /* with the alert and the heap report path */
	DM_EV_LEAK_CLEARED,
	DM_EV_ERROR,          /* an error in a file (it fails) or a record (skipped) */
	DM_EV_RETRY,          /* a file retried with half the chunk size */
	DM_EV_FILE_DONE,      /* ok or failed */
	DM_EV_SETTING,        /* a setting changed while running (chunk size, ...) */
	DM_EV_NOTE,           /* an informational line (actions, heap reports) */
	DM_EV_SUMMARY,        /* all files done */
	DM_EV_STATUS,         /* final memory status (the seed's getMemoryStatus) */
	DM_EV_COUNT
};

enum dm_file_state {
	DM_FILE_QUEUED,
	DM_FILE_WAITING,      /* waiting for memory */
	DM_FILE_RUNNING,
	DM_FILE_DONE,
	DM_FILE_FAILED,
	DM_FILE_SKIPPED,
};

/* Per-file progress and result. */
struct dm_file_info {
	int index;                /* order on the command line */
	const char *path;
	enum dm_file_state state;
	uint64_t size;            /* bytes, 0 when unknown (pipe) */
	uint64_t bytes;           /* bytes parsed so far */
	uint64_t records[DM_REC_TYPES];
	uint64_t records_total;
	double started, seconds;  /* session clock */
	uint64_t peak;            /* peak accounted bytes of its worker */
	int retried;              /* retried with half the chunk size */
	int code;                 /* 0 or DM_E* when failed */
	const char *error;        /* one-line message when failed, else NULL */
	const char *ern_version;  /* "4.3", ... or NULL */
};

struct dm_reclaim_info {
	const char *reason;       /* "threshold", "pressure", "leak", "manual",
	                             "on demand" */
	uint64_t pool_bytes;      /* freed from pools */
	uint64_t rss_before, rss_after;
	int trimmed;              /* malloc_trim released something */
};

struct dm_event {
	enum dm_event_type type;
	double t;                 /* seconds since the session started */
	int64_t wall_ms;          /* CLOCK_REALTIME ms */
	const struct dm_file_info *file;        /* FILE_*, WAITING, PROGRESS, ERROR, RETRY */
	const struct dm_sample *sample;         /* SAMPLE, STATUS, LEAK_* */
	const struct dm_trend *trend;           /* SAMPLE, STATUS */
	const struct dm_reclaim_info *reclaim;  /* RECLAIM */
	const struct dm_leak_info *leak;        /* LEAK_* */
	const struct dm_error *error;           /* ERROR */
	const char *report_path;  /* LEAK_CONFIRMED, NOTE (heap report) */
	const char *key;          /* SETTING: key name; NOTE: the text */
	const char *value;        /* SETTING: new value, as written */
	int on;                   /* PRESSURE: 1 on, 0 off */
	const struct dm_session_summary *summary;   /* SUMMARY, STATUS */
	const struct dm_config *config;             /* START, SETTING */
	unsigned workers;                           /* START */
	long pid;               /* LEAK_*: the process watched (0 = this one) */
};

/* The samples as CSV: one schema for --samples-csv and the dashboard's
 * export. The header line and one row, each with its newline. */
void dm_sample_csv_header(struct dm_buf *out);
void dm_sample_csv_row(const struct dm_sample *x, struct dm_buf *out);

/* Write one event as a JSON object (no newline), "event" first. Returns 0
 * or -1 when out ran out of memory. */
int dm_event_to_json(const struct dm_event *ev, struct dm_buf *out);

/* Short name used as the JSON "event" member ("start", "progress", ...). */
const char *dm_event_name(enum dm_event_type t);
const char *dm_file_state_name(enum dm_file_state s);

#endif
