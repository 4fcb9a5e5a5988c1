/* The headless consumer of a session: records as JSON lines on stdout
 * (the record writer, recout.h), events as JSON lines to a stream, a
 * Prometheus text file (metrics.h) rewritten atomically every second, and every
 * sample as CSV.
 *
 * Threads: records come in batches of whole lines that the workers
 * formatted (charged to the budget there) and are written by those
 * workers under the record writer's own lock; with records off the
 * session formats none (dm_sink_session_ops). Events are formatted by whichever thread
 * sends them into a bounded queue (no I/O under its lock) and written,
 * with the CSV rows and the metrics file, by the sink's one output thread,
 * from its own copy of the monitor's last sample: the monitor never waits
 * on stdout or a disk. Past DM_SINK_QUEUE_SOFT of unwritten events, sample
 * events are dropped (and CSV rows past as many unwritten bytes); past
 * twice that, the events that only narrate (progress, notes, ...). The
 * events that carry an outcome (files' results and errors, leak states,
 * the summary) are not dropped (the classes: dm_event_loss_class) below
 * DM_EVENT_RESULT_CAP, tens of thousands of files' results; past it the
 * events output is incomplete and dm_sink_finish fails.
 * What was dropped is counted: a note event at the gap says how many, and
 * dm_sink_finish prints the totals.
 *
 * Write failures are errors, each output's reported once (a one-line
 * message naming it) by dm_sink_finish. */
#ifndef DM_SINK_H
#define DM_SINK_H

#include <pthread.h>
#include <stdio.h>
#include "buf.h"
#include "metrics.h"
#include "outfile.h"
#include "recorder.h"
#include "recout.h"
#include "session.h"

#define DM_SINK_QUEUE_SOFT (4u << 20)

struct dm_sink {
	/* set by the command before dm_sink_init */
	int records;                  /* write records to stdout */
	int sample_events;            /* also write sample events */
	FILE *events;                 /* NULL: no events */
	const char *events_name;      /* for messages ("standard error", a path) */
	const char *metrics_path;
	const char *csv_path;
	const char *record_path;      /* --record: a recording (recorder.h) */
	struct dm_metrics_label metrics_labels[DM_METRICS_MAX_LABELS];  /* --metrics-label */
	size_t metrics_nlabels;

	struct dm_acct *acct;         /* output buffers */
	struct dm_recout rec;
	struct dm_recorder *recorder; /* writes on its own thread */

	/* the queue between event senders and the output thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;            /* CLOCK_MONOTONIC */
	pthread_t th;
	int th_started, quit;
	struct dm_buf evq;            /* events not yet written */
	struct dm_buf csvq;           /* CSV rows not yet written */
	struct dm_event_losses lost;  /* events left out past the bounds */
	struct dm_event_losses noted; /* of them, said in the stream so far */
	uint64_t csv_dropped;         /* CSV rows left out */
	double last_t;                /* of the last event sent to the events */
	int64_t last_wall_ms;
	struct dm_session *session;   /* dm_sink_attach */
	struct dm_sample pend_sample; /* the monitor's last, for the metrics */
	struct dm_trend pend_trend;
	enum dm_leak_state pend_leak;
	int have_pend;

	/* the output thread's own */
	struct dm_sample last;
	struct dm_trend trend;
	enum dm_leak_state leak;
	int have_sample;
	double metrics_last;
	FILE *csv;
	struct dm_out csv_out;        /* the CSV, renamed into place at the end */
	int events_errno, csv_errno;  /* first failure of each */
	int metrics_failed;
	struct dm_error metrics_err;
};

extern const struct dm_session_ops dm_sink_ops;
/* dm_sink_ops, or without lines when k->records is off (so that no
 * record is formatted for nothing). */
const struct dm_session_ops *dm_sink_session_ops(const struct dm_sink *k);

/* Open the events output: NULL = stderr, "-" = stdout, else a file.
 * Fills events and events_name; 0, or DM_EIO with the message printed. */
int dm_sink_open_events(struct dm_sink *k, const char *spec);
/* Create the CSV and the recording and start the output thread. 0, or DM_EIO with the
 * message printed (the CSV cannot be created, or is a directory). */
int dm_sink_init(struct dm_sink *k, struct dm_acct *acct);
/* Add or replace a --metrics-label NAME=VALUE; -1 with a message printed
 * when it is not a valid label or there are too many. Before the session
 * starts. */
int dm_sink_add_label(struct dm_sink *k, const char *arg);
/* The session whose summary and pools go into the metrics file. */
void dm_sink_attach(struct dm_sink *k, struct dm_session *s);
/* Write out every queued event, finish the CSV (renamed into place),
 * write the metrics a last time, stop the output thread.
 * Prints one line per failed output; returns 0 or DM_EIO. */
int dm_sink_finish(struct dm_sink *k);
/* Closes an events file the sink opened. */
void dm_sink_fini(struct dm_sink *k);

#endif
