/* Configuration options and error printing shared by the commands. */
#include "config.h"
#include "cli.h"
#include "session.h"
#include "sink.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct dm_opt dm_opts_config[] = {
	{"profile", 0, DM_ARG_REQUIRED, "NAME|FILE", "load a profile (see 'ddexmon profiles')",
	 DM_OPT_PROFILE},
	{"set", 0, DM_ARG_REQUIRED, "KEY=VALUE", "override one configuration key (repeatable)",
	 DM_OPT_SET},
	{"chunk-size", 0, DM_ARG_REQUIRED, "N", "shorthand for --set chunk_size=N (e.g. 64K)",
	 DM_OPT_CHUNK_SIZE},
	{"split", 0, DM_ARG_REQUIRED, "N",
	 "parse each file on N threads (split_workers=N);\noutput is identical to a one-thread parse",
	 DM_OPT_SPLIT},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_files[] = {
	{"recursive", 'r', DM_ARG_NONE, NULL, "parse the *.xml files under directories",
	 DM_OPT_RECURSIVE},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_leak[] = {
	{"leak-rate", 0, DM_ARG_REQUIRED, "RATE", "leak RATE bytes per second on purpose (e.g. 40M)",
	 DM_OPT_LEAK_RATE},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_force[] = {
	{"force", 0, DM_ARG_NONE, NULL, "start even when MemAvailable < max_memory", DM_OPT_FORCE},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_dashboard[] = {
	{"max-frames", 0, DM_ARG_REQUIRED, "N", "end the dashboard after N frames (tests, recordings)",
	 DM_OPT_MAX_FRAMES},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_metrics[] = {
	{"metrics", 0, DM_ARG_REQUIRED, "FILE",
	 "rewrite a Prometheus metrics file every second (for\nnode_exporter's textfile collector)",
	 DM_OPT_METRICS},
	{"metrics-label", 0, DM_ARG_REQUIRED, "NAME=VALUE",
	 "a label on every metric (repeatable; default\nrun=<FILE's name without .prom>)",
	 DM_OPT_METRICS_LABEL},
	{"samples-csv", 0, DM_ARG_REQUIRED, "FILE", "write every memory sample as CSV",
	 DM_OPT_SAMPLES_CSV},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_record[] = {
	{"record", 0, DM_ARG_REQUIRED, "FILE",
	 "keep the events as a recording for 'replay' and\n'report' (FILE.gz: compressed)",
	 DM_OPT_RECORD},
	{NULL, 0, 0, NULL, NULL, 0},
};

const struct dm_opt dm_opts_pid[] = {
	{"pid", 'p', DM_ARG_REQUIRED, "N", "the process to watch", DM_OPT_PID},
	{NULL, 0, 0, NULL, NULL, 0},
};

int dm_cli_config(const struct dm_args *a, const char *base_profile, struct dm_config *cfg)
{
	struct dm_error err;
	dm_error_clear(&err);
	dm_config_init(cfg);
	const char *profile = dm_args_get(a, DM_OPT_PROFILE);
	if (!profile)
		profile = base_profile;
	if (profile && dm_profile_load(cfg, profile, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EUSAGE;
	}
	int nsets = 0;
	for (int i = 0; i < a->n; i++) {
		int id = a->seen[i].id;
		const char *arg = a->seen[i].value;
		char shorthand[48];
		if (id != DM_OPT_SET && id != DM_OPT_CHUNK_SIZE && id != DM_OPT_SPLIT)
			continue;
		if (++nsets > DM_MAX_SETS) {
			dm_cli_error("too many --set options (at most %d)", DM_MAX_SETS);
			return DM_EUSAGE;
		}
		if (id != DM_OPT_SET) {
			int chunk = id == DM_OPT_CHUNK_SIZE;
			if (strlen(arg) > 32) {
				dm_cli_error(chunk ? "--chunk-size %s: not a size" : "--split %s: not a number of threads",
				             arg);
				return DM_EUSAGE;
			}
			snprintf(shorthand, sizeof shorthand, "%s=%s", chunk ? "chunk_size" : "split_workers", arg);
			arg = shorthand;
		}
		if (dm_config_set_arg(cfg, arg, &err) != 0) {
			dm_cli_print_error(&err);
			return DM_EUSAGE;
		}
	}
	if (dm_config_check(cfg, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EUSAGE;
	}
	return 0;
}

int dm_cli_run_req(const struct dm_args *a, const char *base_profile, struct dm_run_req *r)
{
	memset(r, 0, sizeof *r);
	const char *v = dm_args_get(a, DM_OPT_LEAK_RATE);
	if (v && dm_parse_size(v, &r->so.leak_rate) != 0) {
		dm_cli_error("--leak-rate %s: not a size per second (e.g. 40M)", v);
		return DM_EXIT_USAGE;
	}
	if ((v = dm_args_get(a, DM_OPT_MAX_FRAMES))) {
		char *end;
		errno = 0;
		r->max_frames = strtol(v, &end, 10);
		if (errno || end == v || *end || r->max_frames <= 0) {
			dm_cli_error("--max-frames %s: not a positive number", v);
			return DM_EXIT_USAGE;
		}
	}
	r->so.force = dm_args_has(a, DM_OPT_FORCE) > 0;
	r->record = dm_args_get(a, DM_OPT_RECORD);
	r->recursive = dm_args_has(a, DM_OPT_RECURSIVE) > 0;
	r->paths = a->argv;
	r->npaths = a->argc;
	return dm_cli_config(a, base_profile, &r->cfg) != 0 ? DM_EXIT_USAGE : 0;
}

int dm_cli_sink_outputs(const struct dm_args *a, struct dm_sink *sink)
{
	sink->metrics_path = dm_args_get(a, DM_OPT_METRICS);
	sink->csv_path = dm_args_get(a, DM_OPT_SAMPLES_CSV);
	for (int i = 0; i < a->n; i++)
		if (a->seen[i].id == DM_OPT_METRICS_LABEL && dm_sink_add_label(sink, a->seen[i].value) != 0)
			return DM_EXIT_USAGE;
	return 0;
}

void dm_cli_error(const char *fmt, ...)
{
	/* the names in a message are whatever the files are called: escaped,
	 * one message stays one line and cannot drive the terminal */
	char raw[4096], line[sizeof raw * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	fprintf(stderr, "ddexmon: %s\n", dm_esc(raw, line, sizeof line));
}

void dm_cli_print_error(const struct dm_error *e)
{
	char line[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(e, line, sizeof line);
	dm_cli_error("%s", line);
}

/* ---- signals: one thread for the whole program ---------------------- */

static pthread_mutex_t sig_mu = PTHREAD_MUTEX_INITIALIZER;
static void (*sig_hook)(void *ctx, int sig);   /* sig_mu */
static void *sig_ctx;                           /* sig_mu */
static sigset_t sig_set;
static sem_t sig_ready;

static void *signal_thread(void *arg)
{
	(void)arg;
	sem_post(&sig_ready);
	for (;;) {
		int sig;
		if (sigwait(&sig_set, &sig) != 0)
			continue;
		pthread_mutex_lock(&sig_mu);
		if (sig_hook) {
			sig_hook(sig_ctx, sig);
			pthread_mutex_unlock(&sig_mu);
			continue;
		}
		pthread_mutex_unlock(&sig_mu);
		/* nothing to stop cleanly: end as the signal would have */
		_exit(128 + sig);
	}
	return NULL;
}

int dm_cli_signals_init(void)
{
	pthread_mutex_init(&sig_mu, NULL);   /* again in a forked child */
	sig_hook = NULL;
	sig_ctx = NULL;
	sigemptyset(&sig_set);
	sigaddset(&sig_set, SIGINT);
	sigaddset(&sig_set, SIGTERM);
	/* SIGHUP ignored on entry (nohup) stays ignored */
	struct sigaction cur;
	if (sigaction(SIGHUP, NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
		sigaddset(&sig_set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sig_set, NULL);
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* wait until the thread runs: a fork (demo) while a new thread is
	 * still being set up can hand the child a lock held for good (ASan's
	 * allocator takes one in every thread's start, and deadlocked the
	 * demo's child that way) */
	sem_init(&sig_ready, 0, 0);
	int rc = pthread_create(&th, &attr, signal_thread, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		sem_destroy(&sig_ready);
		pthread_sigmask(SIG_UNBLOCK, &sig_set, NULL);
		return -1;
	}
	while (sem_wait(&sig_ready) != 0 && errno == EINTR)
		;
	sem_destroy(&sig_ready);
	return 0;
}

void dm_cli_signals_on(void (*fn)(void *ctx, int sig), void *ctx)
{
	pthread_mutex_lock(&sig_mu);
	sig_hook = fn;
	sig_ctx = ctx;
	pthread_mutex_unlock(&sig_mu);
}

static atomic_int sig_seen;

static void stop_session(void *ctx, int sig)
{
	atomic_store(&sig_seen, sig);
	dm_session_stop(ctx);
}

int dm_cli_signal_seen(void)
{
	return atomic_load(&sig_seen);
}

void dm_cli_signals_stop_session(struct dm_session *s)
{
	dm_cli_signals_on(s ? stop_session : NULL, s);
}

void dm_cli_signals_child(void)
{
	pthread_sigmask(SIG_UNBLOCK, &sig_set, NULL);
}
