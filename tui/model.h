/* What the dashboard shows, as plain data: the header's settings, the
 * files, a bounded history of memory samples with the reclamation marks,
 * the accounting and pool figures, the leak detector's state and the last
 * log lines.
 *
 * The model is filled on the UI thread only: from copied events
 * (dm_tui_model_apply), from snapshots the dashboard polls out of the
 * session (set_config, set_file, set_pools), and by the key actions
 * (dm_tui_model_log). Panels draw from it and nothing else, so tests can
 * fill one by hand. Fields are public for that reason; each setter marks
 * the panels it changes dirty. */
#ifndef DM_TUI_MODEL_H
#define DM_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "keys.h"
#include "profile.h"
#include "queue.h"

#define DM_TUI_HIST 1024        /* samples kept as they came (100 s at 100 ms) */
#define DM_TUI_LONG 1024        /* longer history: buckets of 1 s, then 2 s, ... */
#define DM_TUI_MARKS 64         /* reclamations and setting changes on the time axis */
#define DM_TUI_LOGN 256         /* log lines kept (the log scrolls back over them) */
#define DM_TUI_RATEWIN 16       /* a file's (seconds, bytes) snapshots for its current rate */
#define DM_TUI_LOG_MAX 160
#define DM_TUI_POOLS_MAX 8

/* Panels, as dirty bits. */
enum {
	DM_TUI_P_HEADER = 1 << 0,
	DM_TUI_P_FILES = 1 << 1,
	DM_TUI_P_MEM = 1 << 2,
	DM_TUI_P_ALLOC = 1 << 3,
	DM_TUI_P_POOLS = 1 << 4,
	DM_TUI_P_LEAKS = 1 << 5,
	DM_TUI_P_LOG = 1 << 6,
	DM_TUI_P_KEYS = 1 << 7,
	DM_TUI_P_ALL = (1 << 8) - 1,
};

enum dm_tui_run_state {
	DM_TUI_READY,           /* not started (choosing files) */
	DM_TUI_RUNNING,
	DM_TUI_PAUSED,
	DM_TUI_STOPPING,        /* quit asked, workers finishing */
	DM_TUI_DONE,
};

enum dm_tui_level { DM_TUI_INFO, DM_TUI_WARN, DM_TUI_ERROR };

/* The chart's time window. */
enum dm_tui_zoom { DM_TUI_ZOOM_1M, DM_TUI_ZOOM_10M, DM_TUI_ZOOM_ALL, DM_TUI_NZOOM };

struct dm_tui_ratesnap {
	double secs;                    /* the file's own seconds (pauses left out) */
	uint64_t bytes;
};

struct dm_tui_file {
	char name[DM_TUI_NAME_MAX];     /* base name */
	char *path;                     /* as given; owned, may be NULL */
	int same_name;                  /* another file has this base name: show the path */
	enum dm_file_state state;
	uint64_t size, bytes, records, peak;
	double started, seconds;        /* the run clock: pauses left out */
	double rate;                    /* bytes/s over the whole file */
	double now_rate;                /* bytes/s over the last ~2 s (running), or -1 */
	struct dm_tui_ratesnap win[DM_TUI_RATEWIN];
	size_t win_head, win_n;
	uint64_t chunk_first, chunk_last, buffer;   /* settings while it ran */
	int retried;
	int code;                       /* DM_E* when failed */
	char error[DM_TUI_TEXT_MAX];    /* one line when failed */
};

struct dm_tui_point {
	double t;
	uint64_t rss, live;
	uint64_t bytes;                 /* parsed so far, all files */
};

enum dm_tui_mark_kind { DM_TUI_MARK_RECLAIM, DM_TUI_MARK_SETTING };

struct dm_tui_mark {
	double t;
	enum dm_tui_mark_kind kind;
	uint64_t freed;                 /* RECLAIM: pool bytes, else the RSS drop */
	char label[24];                 /* SETTING: "chunk 256K", "buffer 2M", "P demo" */
};

struct dm_tui_logline {
	double t;
	enum dm_tui_level level;
	char text[DM_TUI_LOG_MAX];
};

struct dm_tui_pool {
	char name[24];
	struct dm_pool_stats s;         /* s.name is NULL: see name */
	double hit_rate;                /* hits/s */
};

struct dm_tui_leakmark {
	int have;
	double t;
	int64_t growth;
	double span, rate;
	int64_t reclaimed;
};

struct dm_tui_model {
	/* header */
	char version[16];
	long watch_pid;                 /* > 0: another process is watched */
	int watch_exited;               /* and it has exited */
	uint64_t rss_anon, rss_file, rss_shmem;
	uint32_t children;              /* --tree: descendants counted */
	char profile[DM_NAME_MAX];
	uint64_t chunk_size, buffer_size, budget;
	double flush_threshold;
	unsigned workers;               /* max_concurrent (0 = one a core) */
	unsigned workers_running;       /* threads started, from START */
	double now;                     /* session clock */
	enum dm_tui_run_state state;
	int exit_code;

	/* files */
	struct dm_tui_file *files;
	size_t nfiles, files_cap;

	/* memory */
	struct dm_tui_point hist[DM_TUI_HIST];
	size_t hist_head, hist_n;       /* head: next slot */
	struct dm_tui_point longh[DM_TUI_LONG];   /* oldest first; each the max of its bucket */
	size_t long_n;
	double long_bucket;             /* seconds a longh point covers */
	uint64_t bytes_total;           /* parsed so far, all files */
	int have_sample;
	uint64_t rss, rss_peak, live, live_peak, heap_inuse;
	uint64_t mem_total, mem_available;
	double mem_used_pct;
	struct dm_trend trend;
	struct dm_tui_mark marks[DM_TUI_MARKS];
	size_t marks_head, marks_n;

	/* allocations */
	struct dm_acct_stats acct;
	double allocs_rate[DM_TAG_COUNT], frees_rate[DM_TAG_COUNT];
	struct dm_acct_stats acct_prev;
	double acct_prev_t;

	/* pools and reclamation */
	struct dm_tui_pool pools[DM_TUI_POOLS_MAX];
	size_t npools;
	uint64_t pool_prev_hits[DM_TUI_POOLS_MAX];
	double pool_prev_t;
	int have_reclaim;
	double reclaim_t;
	char reclaim_reason[24];
	uint64_t reclaim_pool_bytes, reclaim_rss_before, reclaim_rss_after;
	uint64_t reclamations;
	int pressure;                   /* buffers halved now */

	/* leaks */
	struct dm_leak_info leak;
	struct dm_tui_leakmark suspected, confirmed;
	int multiscale;                 /* figures come from the multiscale detector */
	struct dm_tui_leakmark bounded, stopped;   /* growth: plateau - baseline */
	uint64_t plateau;               /* of the last bounded growth or stop */
	int exhaustion;                 /* a projection alarm stands */
	double time_left, exhaustion_rate;
	uint64_t exhaustion_limit;
	char report_path[DM_TUI_TEXT_MAX];
	uint64_t leak_rate;             /* injected, bytes/s */
	char caption[DM_TUI_TEXT_MAX];  /* the last narration ("demo " notes) */
	int caption_dirty;

	/* log */
	struct dm_tui_logline log[DM_TUI_LOGN];
	size_t log_head, log_n;         /* head: next slot */

	/* what the operator looks at */
	enum dm_tui_focus mode;
	enum dm_tui_focus bar_mode;     /* the footer's: mode, or the chooser / help over it */
	long sel;                       /* selected file, -1: follow the work */
	size_t log_back;                /* log lines scrolled back from the newest */
	enum dm_tui_zoom zoom;
	double elapsed;                 /* run clock (pauses left out), when have_elapsed */
	int have_elapsed;
	char replay[40];                /* "REPLAY 10x" ...: a recording, not a run */

	unsigned dirty;                 /* DM_TUI_P_* */
	int utf8;                       /* log lines may use Unicode arrows */
};

/* A zeroed model with defaults for the header. NULL when out of memory. */
struct dm_tui_model *dm_tui_model_new(void);
void dm_tui_model_free(struct dm_tui_model *m);

/* Fold one copied event into the model. */
void dm_tui_model_apply(struct dm_tui_model *m, const struct dm_tui_event *ev);
/* Snapshots from the session. */
void dm_tui_model_set_config(struct dm_tui_model *m, const struct dm_config *cfg);
/* File i (grows the list); path's base name is kept. */
void dm_tui_model_set_file(struct dm_tui_model *m, size_t i, const struct dm_file_info *f);
/* Pools at session time t (hit rates from the previous call). */
void dm_tui_model_set_pools(struct dm_tui_model *m, const struct dm_pool_stats *p, size_t n,
                            double t);
/* The leak detector's state now. */
void dm_tui_model_set_leak(struct dm_tui_model *m, const struct dm_leak_info *l);
/* One sample (and trend, may be NULL) into the history and the figures. */
void dm_tui_model_sample(struct dm_tui_model *m, const struct dm_sample *s,
                         const struct dm_trend *tr);
/* Move the clock (marks the header dirty when the second changes). */
void dm_tui_model_tick(struct dm_tui_model *m, double now);
/* The run clock the header shows (paused time left out). */
void dm_tui_model_set_elapsed(struct dm_tui_model *m, double elapsed);

/* Copy up to max points at or after t0, oldest first, into out: from the
 * recent history when it reaches back to t0 (or is all there is), else
 * from the longer one. Returns the count. */
size_t dm_tui_model_series(const struct dm_tui_model *m, double t0, struct dm_tui_point *out,
                           size_t max);
/* The chart window in seconds for the zoom (0 = all the history). */
double dm_tui_zoom_span(enum dm_tui_zoom z);
const char *dm_tui_zoom_name(enum dm_tui_zoom z);
/* The file the details and the arrows act on: the selection, else the
 * first one still at work; -1 when there are no files. */
long dm_tui_model_current(const struct dm_tui_model *m);
/* A failed file's message without its path in front, its position in
 * words: "line 211 col 7: mismatched tag". Returns buf. */
char *dm_tui_file_reason(char *buf, size_t size, const struct dm_tui_file *f);
/* The name a file is shown by: its base name, or its path when another
 * file has the same base name. */
const char *dm_tui_model_file_label(const struct dm_tui_file *f);

/* "→" or "->" for log lines. */
const char *dm_tui_model_arrow(const struct dm_tui_model *m);

/* A log line at the model's clock. */
void dm_tui_model_log(struct dm_tui_model *m, enum dm_tui_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* History point i, 0 = oldest; NULL when i >= hist_n. */
const struct dm_tui_point *dm_tui_model_point(const struct dm_tui_model *m, size_t i);
/* Mark i, 0 = oldest. */
const struct dm_tui_mark *dm_tui_model_mark(const struct dm_tui_model *m, size_t i);
/* Log line i, 0 = oldest kept. */
const struct dm_tui_logline *dm_tui_model_logline(const struct dm_tui_model *m, size_t i);

/* Files not yet finished (queued, waiting or running). */
size_t dm_tui_model_active(const struct dm_tui_model *m);

#endif
