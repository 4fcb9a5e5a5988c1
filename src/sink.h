/* The headless consumer of a session: records as JSON lines on stdout,
 * events as JSON lines to a stream, an OpenMetrics text file rewritten
 * atomically every second, and every sample as CSV. Thread-safe: the
 * session calls it from workers and the sampler thread. */
#ifndef DM_SINK_H
#define DM_SINK_H

#include <pthread.h>
#include <stdio.h>
#include "buf.h"
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
/* Flush records, finish the CSV (renamed into place), write the metrics a
 * last time. Returns 0 or DM_EIO when stdout failed. */
int dm_sink_finish(struct dm_sink *k);
void dm_sink_fini(struct dm_sink *k);

#endif
