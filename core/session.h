/* One run: the configuration, the accountant, the workers (each with its
 * parser and pools), the monitor thread with the sampler, the trend and
 * the leak detector. Everything observable comes out as events (event.h)
 * and records; the dashboard and the headless printer consume the same
 * stream.
 *
 * Life: new -> add files -> start -> (control calls from any thread) ->
 * wait -> free. Control calls are requests; their effect is announced by
 * an event (SETTING, RECLAIM, NOTE, ...).
 *
 * Threads and who owns what:
 *   - the caller's thread(s): control calls and display snapshots;
 *   - N workers: each owns its parser, pools and a copy of the
 *     configuration taken when it starts a file;
 *   - one monitor thread: samples, the trend, the leak detector, the
 *     deliberate leak, reclamation and pressure decisions. Only it writes
 *     them; others see what it publishes under its lock (mon_mu): the last
 *     sample, trend, leak state and the summary counters.
 *   - files, the queue and the running count belong to the session lock
 *     (mu); displays get copies.
 *
 * The configuration is an immutable snapshot. A control call (a profile
 * switch, a chunk or buffer size change) validates the new configuration,
 * publishes it as a new snapshot (an atomic pointer; publishers are
 * serialised by one lock, ctl_mu, which also orders their SETTING
 * events), and announces one SETTING event per changed key ("profile" when
 * the name changes). Snapshots live as long as the session. Each consumer
 * applies it at a defined point:
 *   at once      max_memory (the accountants' budgets: the next allocation
 *                of a running file is refused if it would pass the new
 *                budget, and that file fails with the memory limit, exit 3),
 *                max_concurrent (raised: queued files start on new workers,
 *                up to 64; lowered: running files finish, no new one
 *                starts until fewer run), pool_max_size (excess idle
 *                objects are freed), pool_input_buffers turned off (the
 *                input pool's idle buffers are freed, and so are those a
 *                running file gives back);
 *   next chunk   chunk_size (under memory pressure the halved size until
 *                the pressure passes, then the new one);
 *   next sample  sample_interval, trend_window, flush_threshold, and the
 *                leak keys (leak_interval, leak_window, leak_threshold: the
 *                detector restarts with them, its snapshots dropped);
 *   next check   admission_percent (a waiting file re-checks every 100 ms),
 *                pool_floor (the next reclamation), report_dir (the next
 *                heap report);
 *   next file    every other key (buffer_size, the element limits,
 *                continue_on_error, max_errors, allow_dtd_entities,
 *                split_workers, pool_input_buffers turned on): a running
 *                file keeps the copy it started with.
 * Event callbacks must not make control calls (they may run under ctl_mu). */
#ifndef DM_SESSION_H
#define DM_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"
#include "profile.h"

struct dm_session;

struct dm_session_summary {
	double start_wall, end_wall;     /* seconds since the epoch */
	double seconds;
	size_t files, files_ok, files_failed;
	uint64_t bytes;
	uint64_t records[DM_REC_TYPES];
	uint64_t records_total;
	uint64_t rss_start, rss_end, rss_peak;
	uint64_t acct_peak;
	uint64_t reclamations, reclaimed_bytes;
	uint64_t mallocs;                /* allocations through the accountant */
	uint64_t leaks_suspected, leaks_confirmed;
	int exit_code;                   /* DM_EXIT_* for the run */
};

struct dm_session_ops {
	/* Every event, from any thread. May be NULL. */
	void (*event)(void *ctx, const struct dm_event *ev);
	/* Every record, from the worker that parsed it; return 0 or a DM_E*
	 * (the file then fails with it). With several workers records of
	 * different files interleave; each file's stay in order. May be NULL. */
	int (*record)(void *ctx, int file, const struct dm_record *rec);
	/* Records formatted as JSON lines (dm_record_to_json and a newline
	 * each), a file's in document order, in batches of whole lines (about
	 * 64 KiB, and the rest before the file's FILE_DONE), from the worker
	 * that parsed them or from a split parse (split_workers > 1). When
	 * lines is set, record is not called. The batch is charged to the
	 * budget. Return 0 or a DM_E* (the file fails with it). A consumer
	 * with record but no lines is never given a split parse: its files
	 * are parsed on one thread. May be NULL. */
	int (*lines)(void *ctx, int file, const char *data, size_t len);
};

struct dm_session_opts {
	int force;              /* skip the MemAvailable pre-flight check */
	double progress_every;  /* seconds between PROGRESS events (0.25) */
	uint64_t leak_rate;     /* bytes/s leaked on purpose (--leak-rate) */
	pid_t watch_pid;        /* > 0: no files, sample that process (watch) */
	int watch_tree;         /* watch: the process and its descendants summed */
	uint64_t watch_limit;   /* watch: bytes the projection aims at (0 = its
	                           RSS + MemAvailable) */
	/* Test hook: replaces the system memory used percentage read for
	 * admission control (NULL = the sampler's reading). */
	double (*mem_used_pct)(void *ctx);
	void *mem_used_ctx;
};

/* cfg is copied. Fails with DM_EUSAGE (cfg does not validate), DM_ENOMEM
 * or DM_ESYSMEM (the pre-flight check: "insufficient memory available:
 * need X, available Y"). */
struct dm_session *dm_session_new(const struct dm_config *cfg,
                                  const struct dm_session_opts *opts,
                                  const struct dm_session_ops *ops, void *ctx,
                                  struct dm_error *err);
void dm_session_free(struct dm_session *s);

/* Queue a file ("-" = stdin). May be called while running (the chooser's
 * "add files"). Returns its index or a DM_E*. */
int dm_session_add(struct dm_session *s, const char *path);
/* Start the sampler and the workers. 0 or a DM_E*. */
int dm_session_start(struct dm_session *s, struct dm_error *err);
/* Block until every file is done (or the watched process has gone, or
 * dm_session_stop). Emits SUMMARY and STATUS. Returns the exit code. */
int dm_session_wait(struct dm_session *s);
/* Non-blocking: 1 when every queued file is done. */
int dm_session_done(struct dm_session *s);
/* The exit code the run has with its files as they are now (what
 * dm_session_wait will return once they are all done). */
int dm_session_exit_code(struct dm_session *s);

/* Controls, from any thread. */
void dm_session_stop(struct dm_session *s);                 /* Ctrl-C, quit */
void dm_session_pause(struct dm_session *s, int paused);
int dm_session_paused(struct dm_session *s);
/* One key changed in a new snapshot (see above for when it applies); a
 * value the configuration refuses is a NOTE event, nothing changes. */
void dm_session_set_chunk_size(struct dm_session *s, size_t n);
void dm_session_set_buffer_size(struct dm_session *s, size_t n);
/* Publish cfg (copied) as the configuration (profile switch). 0, or
 * DM_EUSAGE / DM_ENOMEM with err filled and nothing changed. */
int dm_session_set_config(struct dm_session *s, const struct dm_config *cfg,
                          struct dm_error *err);
void dm_session_reclaim(struct dm_session *s, const char *reason);
void dm_session_skip(struct dm_session *s);        /* stop the oldest running file */
void dm_session_set_leak_rate(struct dm_session *s, uint64_t bytes_per_s);
/* A NOTE event with text (a narration: the demo's story). Any thread. */
void dm_session_note(struct dm_session *s, const char *text);
/* Write a heap report now; returns 0 and the path in out, or a DM_E*. */
int dm_session_heap_report(struct dm_session *s, char *out, size_t outlen);
/* Write every sample in the ring as CSV (atomically). 0 or DM_EIO. */
int dm_session_export_csv(struct dm_session *s, const char *path);

/* The accountant the budget (max_memory) is kept on, the workers' parent:
 * an accountant made under it (dm_acct_new) is charged to the run's
 * budget alongside the workers and counted in its accounted figures (the
 * live tune's runs). It lives as long as the session; such children must
 * be freed before it. Any thread. */
struct dm_acct *dm_session_budget(struct dm_session *s);

/* Snapshots for a display, any thread. */
/* Seconds since start with paused time left out: the clock the files'
 * started and seconds are on. */
double dm_session_elapsed(struct dm_session *s);
void dm_session_config(struct dm_session *s, struct dm_config *out);
size_t dm_session_files(struct dm_session *s);
/* Copy of file i (path and error point into session memory that lives
 * as long as the session). 0 or -1 when out of range. */
int dm_session_file(struct dm_session *s, size_t i, struct dm_file_info *out);
/* Pool stats summed over workers, one entry per pool kind (text, values,
 * and input once pool_input_buffers is on or was); returns count. */
size_t dm_session_pools(struct dm_session *s, struct dm_pool_stats *out, size_t max);
void dm_session_summary(struct dm_session *s, struct dm_session_summary *out);
void dm_session_leak(struct dm_session *s, struct dm_leak_info *out);

#endif
