/* The session's insides, shared by session.c (files and workers) and
 * monitor.c (the sampler thread: samples, trend, reclamation, pressure,
 * leak detection, heap reports). Not for use outside those two files. */
#ifndef DM_SESSION_INT_H
#define DM_SESSION_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "parser.h"
#include "session.h"

struct file_slot {
	struct dm_file_info info;
	char *path;
	char errmsg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	char version[16];
	int worker;                  /* running on, or -1 */
};

struct worker {
	struct dm_session *s;
	pthread_t th;
	int id, started;
	struct dm_acct *acct;        /* budget share, parent s->parse */
	struct dm_parser *parser;
	struct dm_config cfg;        /* this file's configuration */
	struct dm_pool *text_pool, *vals_pool;
	int file;                    /* index being parsed, or -1 */
	uint64_t counts[DM_REC_TYPES];
	uint64_t emitted, suppress;  /* a retry re-parses: suppress what went out */
	double last_progress;
	atomic_int skip;             /* 'n': stop this file */
	atomic_int shrink;           /* pressure: give back spare capacity */
};

/* Leaked on purpose (--leak-rate): a chain of blocks freed at the end. */
struct leak_block {
	struct leak_block *next;
};

struct dm_session {
	pthread_mutex_t mu;          /* files, queue, config, pause */
	pthread_cond_t cv;
	struct dm_config cfg;
	struct dm_session_opts opts;
	const struct dm_session_ops *ops;
	void *ctx;
	struct dm_acct *root;        /* everything; no budget */
	struct dm_acct *parse;       /* the budget: workers' parsers and pools */
	struct dm_acct *leakacct;    /* deliberate leaks, outside the budget */
	struct file_slot **files;     /* slots never move: displays keep pointers */
	size_t nfiles, capfiles, next, finished;
	unsigned nworkers;
	struct worker *workers;
	int started, closing;
	atomic_int stop, paused;
	double t0;
	/* paused time (under mu): the run clock and the files' seconds leave
	 * it out, so a pause does not lower their throughput */
	double paused_total, paused_at;
	int64_t wall0;
	int exit_code;

	/* monitor (monitor.c); mon_mu guards all of it */
	pthread_mutex_t mon_mu;
	pthread_cond_t mon_cv;
	pthread_t sampler_th;
	int sampler_started, sampler_quit, sampler_ready, sampler_rc;
	struct dm_error sampler_err;
	struct dm_ring ring;
	struct dm_sample last;
	struct dm_trend trend;
	struct dm_leak *leak;
	struct dm_leak_info leak_info;
	double used_pct;             /* latest system memory use, percent */
	uint64_t leak_rate;          /* bytes/s leaked on purpose */
	struct leak_block *leaked;
	char reclaim_req[32];        /* a reason when a reclamation was asked */
	int pressure;
	double last_reclaim_t;
	struct dm_session_summary sum;
	int watched_gone;
};

/* session.c */
double dm_session_now(const struct dm_session *s);
/* Seconds run, paused time left out. Caller holds mu. */
double dm_session_run_clock(const struct dm_session *s);
void dm_session_emit(struct dm_session *s, struct dm_event *ev);

/* monitor.c */
int dm_monitor_start(struct dm_session *s, struct dm_error *err);
void dm_monitor_stop(struct dm_session *s);
/* The system memory use for admission control (the hook or the sample). */
double dm_monitor_used_pct(struct dm_session *s);
int dm_monitor_heap_report(struct dm_session *s, const char *reason, char *out, size_t outlen,
                           struct dm_error *err);

#endif
