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
#include "detect.h"
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
	DM_EV_LEAK_CLEARED,   /* the seed's rule: suspicion withdrawn */
	DM_EV_LEAK_UPDATED,   /* a confirmed leak's rate changed, or it resumed */
	DM_EV_LEAK_STOPPED,   /* a confirmed leak's floor stopped rising */
	DM_EV_GROWTH_BOUNDED, /* suspected growth that ended: the plateau */
	DM_EV_EXHAUSTION_PROJECTED, /* the floor's slope reaches the limit soon */
	DM_EV_EXHAUSTION_CLEARED,
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
	unsigned segments;        /* parsed in this many segments at once (0: one thread) */
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

/* What an output that cannot keep up leaves out, first to last. Samples
 * first: the next one supersedes it. Then what only narrates. Outcomes
 * last, and only at a hard cap: a reader needs them to know how the run
 * ended, and they are few (one result a file, at most max_errors errors
 * and one retry a file, a detector that never repeats itself, one
 * summary and one status). */
enum dm_event_loss {
	DM_LOSS_SAMPLE,       /* sample */
	DM_LOSS_NARRATION,    /* file_queued, file_start, waiting, progress,
	                         reclaim, pressure, setting, note */
	DM_LOSS_RESULT,       /* start, error, retry, file_done, the leak and
	                         exhaustion states, summary, status */
	DM_LOSS_CLASSES
};

/* Events left out, by class. */
struct dm_event_losses {
	uint64_t n[DM_LOSS_CLASSES];
};

/* One struct per kind of event, so that no member means two things. */
struct dm_ev_start {              /* START */
	const struct dm_config *config;
	unsigned workers;             /* files parsed at once (0 for watch) */
};
struct dm_ev_file {               /* FILE_QUEUED, FILE_START, WAITING, PROGRESS, FILE_DONE */
	const struct dm_file_info *file;
};
struct dm_ev_error {              /* ERROR */
	const struct dm_file_info *file;
	const struct dm_error *error;
	int fatal;                    /* 1: the file fails; 0: a record was skipped */
};
struct dm_ev_retry {              /* RETRY */
	const struct dm_file_info *file;
	const struct dm_error *cause;
	const char *chunk_size;       /* the chunk size of the retry, as written */
};
struct dm_ev_sample {             /* SAMPLE */
	const struct dm_sample *sample;
	const struct dm_trend *trend;
};
struct dm_ev_pressure {           /* PRESSURE */
	int on;                       /* 1: buffers halved; 0: restored */
	const char *chunk_size;       /* now, as written; NULL when no file runs */
};
struct dm_ev_leak {               /* LEAK_*, GROWTH_BOUNDED, EXHAUSTION_* */
	const struct dm_sample *sample;
	const struct dm_leak_info *leak;  /* the leak state now (both detectors) */
	const struct dm_detect_change *change;  /* the multiscale detector's
	                                           figures, or NULL (seed rule) */
	const char *report_path;      /* CONFIRMED: the heap report, or NULL */
	long pid;                     /* the process watched (0 = this one) */
};
struct dm_ev_setting {            /* SETTING */
	const char *key;              /* a configuration key, "profile", "paused", "leak_rate" */
	const char *value;            /* the new value, as written */
	const struct dm_config *config;   /* the configuration now */
};
struct dm_ev_note {               /* NOTE */
	const char *text;
	const char *path;             /* a file it is about (heap report), or NULL */
	const struct dm_event_losses *left_out;  /* what a slow output left out
	                                            before it, or NULL */
};
struct dm_ev_status {             /* STATUS */
	const struct dm_sample *sample;
	const struct dm_trend *trend;
	const struct dm_session_summary *summary;
};

struct dm_event {
	enum dm_event_type type;
	double t;                 /* seconds since the session started */
	int64_t wall_ms;          /* CLOCK_REALTIME ms */
	union {                   /* the member named by type */
		struct dm_ev_start start;
		struct dm_ev_file file;
		struct dm_ev_error error;
		struct dm_ev_retry retry;
		struct dm_ev_sample sample;
		const struct dm_reclaim_info *reclaim;           /* RECLAIM */
		struct dm_ev_pressure pressure;
		struct dm_ev_leak leak;
		struct dm_ev_setting setting;
		struct dm_ev_note note;
		const struct dm_session_summary *summary;        /* SUMMARY */
		struct dm_ev_status status;
	} u;
};

/* Whether an event is of the leak family (its member is u.leak). */
int dm_event_is_leak(enum dm_event_type t);

/* The file an event is about (FILE_*, WAITING, PROGRESS, ERROR, RETRY),
 * or NULL. */
const struct dm_file_info *dm_event_file(const struct dm_event *ev);


/* The samples as CSV: one schema for --samples-csv and the dashboard's
 * export. The header line and one row, each with its newline. */
void dm_sample_csv_header(struct dm_buf *out);
void dm_sample_csv_row(const struct dm_sample *x, struct dm_buf *out);

/* Write one event as a JSON object (no newline), "event" first. Returns 0
 * or -1 when out ran out of memory. */
int dm_event_to_json(const struct dm_event *ev, struct dm_buf *out);

/* One event as a whole JSON line (with its newline) at the end of out, or
 * nothing: 0, or -1 when out could not grow (out as it was, failed flag
 * cleared). */
int dm_event_to_line(const struct dm_event *ev, struct dm_buf *out);

/* The class of an event type. Any thread. */
enum dm_event_loss dm_event_loss_class(enum dm_event_type t);

/* A queue of event lines behind a slow output: an event of class c goes
 * in while fewer than at[c] bytes are queued (SIZE_MAX: always). The
 * bounds rise with the class, so a queue full of samples still takes
 * narration, and one full of narration still takes results. */
struct dm_event_bounds {
	size_t at[DM_LOSS_CLASSES];
};

/* Where results stop going in, in every queue of event lines: below 32
 * MiB, so that the queue (a buffer that grows by doubling) never passes
 * 32 MiB whatever its output does. Results are few: this holds the
 * results of tens of thousands of files; past it the output is
 * incomplete, and its owner says so and fails. */
#define DM_EVENT_RESULT_CAP ((32u << 20) - (1u << 20))

/* Whether an event of class c goes into a queue holding queued bytes. */
int dm_event_admit(const struct dm_event_bounds *b, enum dm_event_loss c, size_t queued);

uint64_t dm_event_losses_total(const struct dm_event_losses *l);

/* The counts of l as words ("12 samples, 3 narration events and 1
 * result"; classes with none left out are not named; "nothing" when
 * none), into buf (always NUL-terminated). Returns buf. */
char *dm_event_losses_text(const struct dm_event_losses *l, char *buf, size_t size);

/* If some events were left out since the last note (lost minus noted),
 * append a note event at (t, wall_ms) saying how many, "WHO: COUNTS left
 * out before this point: WHY" (who may be NULL), as a whole line, and
 * bring noted up to lost. 1 when a note went in, 0 when there was nothing
 * to say, -1 when out could not take it (out and noted as they were). */
int dm_event_note_losses(struct dm_buf *out, const struct dm_event_losses *lost,
                         struct dm_event_losses *noted, double t, int64_t wall_ms,
                         const char *who, const char *why);

/* Short name used as the JSON "event" member ("start", "progress", ...). */
const char *dm_event_name(enum dm_event_type t);
const char *dm_file_state_name(enum dm_file_state s);

#endif
