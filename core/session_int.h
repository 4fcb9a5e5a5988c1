/* The session's insides, shared by session.c (files, workers, controls)
 * and monitor.c (the monitor thread: samples, trend, reclamation,
 * pressure, leak detection, heap reports). Not for use outside those two
 * files. Who owns what is documented in session.h; each field below says
 * which lock or thread it belongs to. */
#ifndef DM_SESSION_INT_H
#define DM_SESSION_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "parser.h"
#include "session.h"
#include "split.h"

/* An immutable configuration. Published snapshots are kept (chained) until
 * the session is freed, so a pointer loaded from s->snap stays valid for
 * the session's life. */
struct cfg_snap {
	struct cfg_snap *older;
	uint64_t gen;
	struct dm_config cfg;
};

struct file_slot {
	struct dm_file_info info;    /* s->mu */
	char *path;                  /* immutable */
	char errmsg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	char version[16];
	int worker;                  /* running on, or -1; s->mu */
};

struct worker {
	struct dm_session *s;
	pthread_t th;
	int id, started;
	/* set before the worker is published (s->nworkers), then immutable;
	 * the objects are thread-safe where others use them (acct budget,
	 * pool reclaim and stats, parser chunk size and stop) */
	struct dm_acct *acct;        /* budget share, parent s->parse */
	struct dm_parser *parser;
	struct dm_pool *text_pool, *vals_pool;
	struct dm_pool *input_pool;  /* expat's buffers between files (pool_input_buffers) */
	/* the worker thread only */
	struct dm_config cfg;        /* this file's configuration (a copy) */
	uint64_t counts[DM_REC_TYPES];
	uint64_t emitted, suppress;  /* a retry re-parses: suppress what went out */
	struct dm_buf lines;         /* records as JSON lines not yet given to ops->lines */
	double last_progress;
	int split_done;              /* this file was parsed by a split */
	struct dm_split_stats split; /* ... with these results */
	struct dm_error split_err;
	int out_failed;              /* its last lines could not be written */
	struct dm_error out_err;
	/* s->mu */
	int file;                    /* index being parsed, or -1 */
	/* any thread */
	atomic_int skip;             /* 'n': stop this file */
	atomic_int shrink;           /* pressure: give back spare capacity */
};

/* Leaked on purpose (--leak-rate): a chain of blocks freed at the end. */
struct leak_block {
	struct leak_block *next;
};

struct dm_session {
	/* immutable after dm_session_new */
	struct dm_session_opts opts;
	const struct dm_session_ops *ops;
	void *ctx;
	struct dm_acct *root;        /* everything; no budget */
	struct dm_acct *parse;       /* the budget: workers' parsers and pools */
	struct dm_acct *leakacct;    /* deliberate leaks, charged to the budget */
	double t0;
	/* paused time (under mu): the run clock and the files' seconds leave
	 * it out, so a pause does not lower their throughput */
	double paused_total, paused_at;
	int64_t wall0;

	/* configuration: the current snapshot (acquire), published under
	 * ctl_mu, which also orders the SETTING events of concurrent calls */
	_Atomic(struct cfg_snap *) snap;
	pthread_mutex_t ctl_mu;

	/* workers: the array never moves (wcap slots); a slot is filled
	 * under mu and then published by a release store of nworkers */
	struct worker *workers;
	unsigned wcap;
	atomic_uint nworkers;

	pthread_mutex_t mu;          /* files, queue, running, exit code */
	pthread_cond_t cv;
	struct file_slot **files;    /* slots never move: displays keep pointers */
	size_t nfiles, capfiles, next, finished;
	unsigned running;            /* files being parsed now */
	int closing;
	int exit_code;
	atomic_int started;
	atomic_int stop, paused;
	_Atomic uint64_t leak_rate;  /* bytes/s leaked on purpose */
	atomic_int pressure;         /* written by the monitor only */

	/* the monitor: mon_mu guards what it publishes and the requests
	 * sent to it; the rest is the monitor thread's alone */
	pthread_mutex_t mon_mu;
	pthread_cond_t mon_cv;       /* CLOCK_MONOTONIC */
	pthread_t sampler_th;
	int sampler_started;
	int sampler_quit, sampler_ready, sampler_rc;  /* mon_mu */
	struct dm_error sampler_err;                  /* mon_mu */
	struct dm_ring ring;                          /* written by the monitor under mon_mu */
	struct dm_sample last;                        /* mon_mu */
	struct dm_trend trend;                        /* mon_mu */
	struct dm_leak_info leak_info;                /* mon_mu */
	struct dm_detect_status detect_status;        /* mon_mu: multiscale only */
	double used_pct;                              /* mon_mu: latest system memory use */
	char reclaim_req[32];                         /* mon_mu: a reason when one was asked */
	struct dm_session_summary sum;                /* mon_mu: the monitor's counters */
	int watched_gone;                             /* mon_mu */
	/* the monitor thread only */
	struct dm_leak *leak;        /* the seed's rule, or */
	struct dm_detect *detect;    /* the multiscale detector */
	struct leak_block *leaked;
	int leak_refused;            /* the budget refused the last leak block */
	double last_reclaim_t;
	uint64_t applied_gen;        /* the snapshot the monitor last applied */
};

/* session.c */
double dm_session_now(const struct dm_session *s);
/* Seconds run, paused time left out. Caller holds mu. */
double dm_session_run_clock(const struct dm_session *s);
void dm_session_emit(struct dm_session *s, struct dm_event *ev);
/* The current configuration snapshot (any thread; valid for the
 * session's life). */
const struct cfg_snap *dm_session_snap(const struct dm_session *s);

/* monitor.c */
int dm_monitor_start(struct dm_session *s, struct dm_error *err);
void dm_monitor_stop(struct dm_session *s);
/* The system memory use for admission control (the hook or the sample). */
double dm_monitor_used_pct(struct dm_session *s);
int dm_monitor_heap_report(struct dm_session *s, const char *reason, char *out, size_t outlen,
                           struct dm_error *err);

#endif
