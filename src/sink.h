/* The headless consumer of a session: records as JSON lines on stdout,
 * events as JSON lines to a stream, a Prometheus metrics text file
 * (metrics.h) rewritten atomically every second, and every sample as CSV. Thread-safe: the
 * session calls it from workers and the sampler thread. */
#ifndef DM_SINK_H
#define DM_SINK_H

#include <pthread.h>
#include <stdio.h>
#include "buf.h"
#include "metrics.h"
#include "session.h"
#include "outfile.h"

struct dm_sink {
	pthread_mutex_t mu;
	struct dm_session *session;   /* set after dm_session_new */
	struct dm_acct *acct;         /* output buffers */
	int records;                  /* write records to stdout */
	int record_fd;
	struct dm_buf rec;
	int write_error;              /* errno of a failed record write */
	FILE *events;                 /* NULL: no events */
	int sample_events;            /* also write sample events */
	struct dm_buf ev;
	const char *metrics_path;
	struct dm_metrics_label metrics_labels[DM_METRICS_MAX_LABELS];  /* --metrics-label */
	size_t metrics_nlabels;
	double metrics_last;
	const char *csv_path;
	FILE *csv;                  /* csv_out.f while open */
	struct dm_out csv_out;
	/* last figures, for the metrics file */
	struct dm_sample last;
	struct dm_trend trend;
	int have_sample;
	enum dm_leak_state leak;
	uint64_t reclamations;
	uint64_t leak_confirmed;
	double t0;
};

extern const struct dm_session_ops dm_sink_ops;

/* 0, or DM_EIO with a message printed (the CSV could not be created). */
int dm_sink_init(struct dm_sink *k, struct dm_acct *acct);
/* Add or replace a --metrics-label NAME=VALUE; -1 with a message printed
 * when it is not a valid label or there are too many. Before the session
 * starts. */
int dm_sink_add_label(struct dm_sink *k, const char *arg);

/* Flush records, finish the CSV (renamed into place), write the metrics a
 * last time. Returns 0 or DM_EIO when stdout failed. */
int dm_sink_finish(struct dm_sink *k);
void dm_sink_fini(struct dm_sink *k);

#endif
