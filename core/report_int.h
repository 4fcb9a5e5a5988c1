/* The report's model, shared by the reader (report.c) and the renderer
 * (report_html.c). Fixed-size arrays only: see report.h for the bounds. */
#ifndef DM_REPORT_INT_H
#define DM_REPORT_INT_H

#include <stdint.h>
#include "acct.h"
#include "report.h"

enum mark_kind {
	MK_RECLAIM,
	MK_PRESSURE_ON,
	MK_PRESSURE_OFF,
	MK_SETTING,
	MK_LEAK_SUSPECTED,
	MK_LEAK_CONFIRMED,
	MK_LEAK_CLEARED,
	MK_LEAK_UPDATED,
	MK_LEAK_STOPPED,
	MK_GROWTH_BOUNDED,
	MK_EXHAUSTION_PROJECTED,
	MK_EXHAUSTION_CLEARED,
	MK_ERROR,
	MK_RETRY,
	MK_KINDS
};

struct bucket {
	uint64_t n;
	double t0, t1;                 /* first and last sample */
	double t_rmin, t_rmax, t_amin, t_amax;
	uint64_t rmin, rmax, amin, amax;
	uint64_t tag[DM_TAG_COUNT];    /* tag bytes at the accounted maximum */
};

struct mark {
	uint8_t kind;
	double t;
	char text[200];
};

struct rfile {
	int used, started, done;
	int index, retried;
	char path[320];
	char state[24];
	char error[320];
	char ern[12];
	uint64_t size, bytes, records, peak;
	double queued, t_start, t_done, seconds, mbps;
};

struct leakv {
	uint8_t kind;                  /* MK_LEAK_*, MK_GROWTH_BOUNDED */
	double t;
	char state[16];
	uint64_t snapshots, rss;
	int64_t growth, reclaimed;
	int has_reclaimed;
	double span, rate;
	char alert[160];
	char heap_report[320];
	/* the multiscale detector's figures (multiscale set) */
	int multiscale;
	int story;                     /* index in stories, -1 beyond the cap */
	double rate_low, window, since;
	uint64_t floor, baseline, plateau;
};

/* One leak from first sight to its end: leak_suspected, leak_confirmed,
 * leak_updated (a new rate, or growing again after a stop), then
 * leak_stopped, growth_bounded or (the seed's rule) leak_cleared. Any of
 * these may be missing from a cut or skipped recording: a story starts at
 * whichever comes first. */
struct story {
	double t_first, t_suspected, t_confirmed, t_end;   /* -1: not seen */
	double since;                  /* growth first seen (detector's), or -1 */
	uint8_t end;                   /* MK_LEAK_STOPPED, MK_GROWTH_BOUNDED,
	                                  MK_LEAK_CLEARED; 0 while open */
	unsigned updates, resumed;
	int has_baseline;
	double rate_confirmed, rate_last, rate_max;
	uint64_t baseline;             /* the floor before the growth */
	uint64_t plateau;              /* where it ended (stopped, bounded) */
	uint64_t floor_last;
	int nevents;                   /* its events in leaks[] */
};

/* An exhaustion projection, from exhaustion_projected to
 * exhaustion_cleared (t_cleared -1: standing at the end). */
struct projection {
	double t, t_cleared;
	int superseded;                /* by a new projection, not cleared */
	double time_left, rate;
	uint64_t limit, floor, rss;
};

struct kv {
	char key[40];
	char val[160];
	int num;                       /* val is a number as written */
};

struct tune_row {
	char chunk[16], buffer[16];
	uint64_t chunk_bytes, buffer_bytes, peak_rss, acct_peak, allocs;
	int runs, ok, retried, best;
	double med, min, max;
	char error[200];
};

/* The columns of tune --csv the report reads, found by name in its header
 * (columns are added over versions; older files say "best" for "chosen"). */
enum tune_col {
	TC_CHUNK, TC_CHUNK_BYTES, TC_BUFFER, TC_BUFFER_BYTES, TC_RUNS, TC_OK, TC_RETRIED,
	TC_MEDIAN, TC_MIN, TC_MAX, TC_PEAK_RSS, TC_ACCT_PEAK, TC_ALLOCS, TC_CHOSEN, TC_ERROR,
	TC_COUNT
};

struct dm_report {
	struct dm_acct *acct;
	int is_tune;
	int is_samples;                /* a --samples-csv file: samples only */
	int csv_col[3], csv_ncols;     /* its t, rss and accounted columns */
	int tune_col[TC_COUNT];        /* index of each column, -1 when absent */
	int tune_ncols;
	/* the run */
	int have_start, have_summary, have_status;
	char start_time[40], end_time[40];
	struct kv config[64];
	int nconfig;
	uint64_t budget;
	double flush_ratio;
	struct kv summary[48];
	int nsummary;
	struct kv status[16];
	int nstatus;
	/* samples */
	struct bucket b[DM_REPORT_BUCKETS];
	int nb;
	uint64_t width;                /* samples per full bucket */
	uint64_t samples;
	uint64_t rss_max, acct_max, tag_max[DM_TAG_COUNT];
	int tags_seen;
	int watched;                   /* samples of another process (watch) */
	double t_first, t_last;        /* over all events */
	/* marks */
	struct mark marks[DM_REPORT_MARKS];
	int nmarks;
	uint64_t kind_count[MK_KINDS], kind_more[MK_KINDS];
	/* files */
	struct rfile files[DM_REPORT_FILES];
	int nfiles;                    /* highest used index + 1 */
	uint64_t files_more;           /* events of files beyond the cap */
	/* leaks */
	struct leakv leaks[DM_REPORT_LEAKS];
	int nleaks;
	uint64_t leaks_more;
	/* the multiscale detector's events seen: the leaks section tells
	 * stories instead of the seed rule's verdicts */
	int stories_mode;
	struct story stories[DM_REPORT_STORIES];
	int nstories;
	uint64_t stories_more;
	int cur_story;                 /* the open (or last) story; -1 none,
	                                  -2 over_cap */
	struct story over_cap;         /* the story past the cap: scratch */
	struct projection proj[DM_REPORT_PROJECTIONS];
	int nproj;
	uint64_t proj_more;
	int proj_standing;             /* the last projection was not cleared */
	uint64_t rss_last;             /* the last sample's RSS */
	double t_rss_last;
	char notes[DM_REPORT_NOTES][200];
	int nnotes;
	uint64_t notes_more;
	/* the reading */
	uint64_t lines, events, unknown_events;
	struct dm_jsonl_skips skips;
	/* tune */
	struct tune_row tune[DM_REPORT_TUNE_ROWS];
	int ntune;
	uint64_t tune_more;
};

const char *dm_report_mark_name(enum mark_kind k);

/* One sample into the buckets (report.c); tag: DM_TAG_COUNT live bytes. */
void dm_report_add_sample(struct dm_report *rep, double t, uint64_t rss, uint64_t acc,
                          const uint64_t *tag);
/* A skipped line's "FILE:LINE: what" to warn (which may be NULL). */
void dm_report_warn(dm_report_warn_fn warn, void *ctx, const struct dm_error *e);
/* If r's first line is the header of a tune CSV or a samples CSV, read
 * the file into rep (report_csv.c): 0, DM_ENOTERN without rows, DM_EIO.
 * 1 when it is neither (the line is put back for the recording reader). */
int dm_report_read_csv(struct dm_report *rep, struct dm_jsonl *r, dm_report_warn_fn warn, void *ctx,
                       struct dm_error *err);

#endif
