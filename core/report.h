/* The report: a recording (or an --events file, or `tune --csv` output)
 * read once, front to back, into a model of fixed size, then drawn as one
 * self-contained HTML page (inline SVG and CSS, nothing fetched, no
 * scripts) or as the memory chart alone (SVG).
 *
 * Memory does not depend on the recording's length:
 *  - samples go into at most DM_REPORT_BUCKETS buckets. A bucket holds w
 *    consecutive samples (w = 1 at first); when every bucket is full,
 *    neighbours merge pairwise and w doubles. Each bucket keeps the
 *    minimum and maximum RSS and accounted bytes with their times. The
 *    RSS and accounted lines get one point per sample while there are at
 *    most DM_REPORT_BUCKETS samples, else two per bucket (its minimum and
 *    maximum, in time order) and one for a last bucket of one sample:
 *    dm_report_points() says how many;
 *  - marks (reclamations, pressure, settings, leak states, exhaustion
 *    projections, errors, retries) keep the first DM_REPORT_MARKS, files
 *    the first DM_REPORT_FILES (by index), leak events the first
 *    DM_REPORT_LEAKS, leak stories the first DM_REPORT_STORIES and
 *    projections the first DM_REPORT_PROJECTIONS; the rest are counted
 *    and the page says "N more".
 *
 * A report belongs to one thread. */
#ifndef DM_REPORT_H
#define DM_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "buf.h"
#include "error.h"
#include "jsonl.h"

#define DM_REPORT_BUCKETS 1024     /* even */
#define DM_REPORT_MARKS 400
#define DM_REPORT_FILES 200
#define DM_REPORT_LEAKS 100
#define DM_REPORT_NOTES 50
#define DM_REPORT_STORIES 50
#define DM_REPORT_PROJECTIONS 50
#define DM_REPORT_TUNE_ROWS 128

enum dm_report_format { DM_REPORT_HTML, DM_REPORT_SVG };

struct dm_report;

/* Called for every line skipped while reading, with "FILE:LINE: what". */
typedef void (*dm_report_warn_fn)(void *ctx, const char *msg);

/* An empty report whose memory is charged to acct. NULL with err. */
struct dm_report *dm_report_new(struct dm_acct *acct, struct dm_error *err);
void dm_report_free(struct dm_report *rep);

/* Read path (a recording, an --events file, gzip or not, or a tune CSV,
 * told apart by its first line) into rep, streaming. Skipped lines go to
 * warn (may be NULL) and are counted. 0 when something was read (lines may
 * have been skipped: see dm_report_skipped), DM_ENOTERN when the file is
 * neither a recording nor a tune CSV, DM_EIO on a read error, DM_ENOMEM;
 * err says "FILE[:LINE]: what". */
int dm_report_read(struct dm_report *rep, const char *path, dm_report_warn_fn warn, void *ctx,
                   struct dm_error *err);

/* Feed the current event of a recording reader (after
 * dm_jsonl_next_event() returned 1): for callers that read themselves. */
void dm_report_add_event(struct dm_report *rep, const struct dm_jsonl *r);

/* Lines skipped by the reader(s), in total. */
uint64_t dm_report_skipped(const struct dm_report *rep);
/* Samples seen, and points of the RSS line drawn for them. */
uint64_t dm_report_samples(const struct dm_report *rep);
uint64_t dm_report_points(uint64_t samples);

/* Draw rep into out (appended). title names the input on the page.
 * 0, or DM_ENOMEM when out could not grow. A tune CSV has no memory chart:
 * DM_REPORT_SVG then draws its MB/s and peak RSS chart. */
int dm_report_render(const struct dm_report *rep, enum dm_report_format fmt, const char *title,
                     struct dm_buf *out);

/* The default output for input in: its name without .gz and
 * .jsonl/.ndjson/.json/.csv/.log, plus ext ("x.jsonl.gz" -> "x.html"),
 * next to it. 0, or -1 when it does not fit in size. */
int dm_report_out_name(const char *in, const char *ext, char *out, size_t size);

#endif
