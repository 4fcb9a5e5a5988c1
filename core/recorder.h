/* A recording: the event stream of a run kept as JSON lines (the same
 * objects as --events), so that `replay` and `report` can draw it later.
 *
 * The first line is the run's "start" event with "format" (DM_JSONL_FORMAT)
 * and "recording":true added; events sent before it are held and written
 * after it. A name ending in ".gz" is written through zlib and flushed
 * (Z_SYNC_FLUSH) at least once a second, so a killed process leaves a
 * prefix that reads; any other name gets each batch of whole lines as soon
 * as it is queued (`tail -f` works). The file is opened with
 * dm_out_stream(): never through a symbolic link, a regular file truncated.
 *
 * Samples are kept at full rate for the first full_s seconds; then, per
 * bucket of mid_w seconds (until slow_s) or slow_w seconds (after), only
 * the sample of lowest and of highest RSS are written, so a peak survives
 * and a 24-hour recording stays small. A "note" event says when that
 * starts. Any other event first writes the bucket so far: lines stay in
 * time order.
 *
 * Threads: dm_recorder_event() from any thread (formats under the
 * recorder's lock, never waits on the disk); one writer thread of its own
 * does the I/O.
 *
 * A disk slower than the run loses lines by class (dm_event_loss_class),
 * never a part of one: past 8 MiB of lines not yet written, samples; past
 * 16 MiB, narration (progress, settings, ...); the results (start, every
 * file's result, error and retry, the leak and exhaustion states, the
 * summary and the status) go in to a hard cap of 31 MiB, so the
 * recorder's two buffers (the queue and the batch being written) stay
 * under 32 MiB each even if the disk never takes another byte. Lines keep their
 * order. What was left out is counted: a note in the recording where it
 * resumes (and at the end) says how many of each, and close reports it. */
#ifndef DM_RECORDER_H
#define DM_RECORDER_H

#include <stdint.h>
#include "acct.h"
#include "error.h"
#include "event.h"

struct dm_recorder_opts {
	double full_s;        /* every sample before this (default 600) */
	double mid_w;         /* then one bucket this wide (default 1) */
	double slow_s;        /* until this (default 3600) */
	double slow_w;        /* then buckets this wide (default 10) */
};

struct dm_recorder;

/* Create path and start the writer. o NULL: the defaults. Buffers are
 * charged to acct. NULL with err ("PATH: why"). */
struct dm_recorder *dm_recorder_open(const char *path, const struct dm_recorder_opts *o,
                                     struct dm_acct *acct, struct dm_error *err);

/* Add an event (any thread). */
void dm_recorder_event(struct dm_recorder *w, const struct dm_event *ev);

/* Write out what is queued (a pending bucket of samples too) and flush it
 * to the file, waiting for the writer: the file is then a whole recording
 * up to now (the dashboard's export). 0 or DM_EIO with err. Not from the
 * writer; not after close. */
int dm_recorder_sync(struct dm_recorder *w, struct dm_error *err);

/* Write out everything, stop the writer, close the file. DM_EIO with err
 * naming the file when a write failed or results were left out (the
 * recording is incomplete: err says how many). 0 otherwise; when only
 * samples or narration were left out, err->msg says how many (err->code
 * stays 0: the caller prints it as a warning). Frees w. NULL is accepted
 * (0). No event may come once close has begun. */
int dm_recorder_close(struct dm_recorder *w, struct dm_error *err);

const char *dm_recorder_path(const struct dm_recorder *w);

#endif
