/* Configuration options and error printing shared by the commands. */
#include "config.h"
#include "cli.h"
#include "session.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dm_cli_config_opt(struct dm_cli_config *cc, int opt, const char *arg)
{
	switch (opt) {
	case DM_OPT_PROFILE:
		cc->profile = arg;
		return 1;
	case DM_OPT_SET:
	case DM_OPT_CHUNK_SIZE:
	case DM_OPT_SPLIT:
		if (cc->nsets >= DM_MAX_SETS) {
			dm_cli_error("too many --set options (at most %d)", DM_MAX_SETS);
			return -1;
		}
		if (opt != DM_OPT_SET) {
			int chunk = opt == DM_OPT_CHUNK_SIZE;
			if (cc->nshort >= 8 || strlen(arg) > 32) {
				dm_cli_error(chunk ? "--chunk-size %s: not a size" : "--split %s: not a number of threads",
				             arg);
				return -1;
			}
			snprintf(cc->short_args[cc->nshort], sizeof cc->short_args[0], "%s=%s",
			         chunk ? "chunk_size" : "split_workers", arg);
			arg = cc->short_args[cc->nshort++];
		}
		cc->sets[cc->nsets++] = arg;
		return 1;
	}
	return 0;
}

int dm_cli_config_apply(const struct dm_cli_config *cc, struct dm_config *cfg)
{
	struct dm_error err;
	dm_error_clear(&err);
	dm_config_init(cfg);
	if (cc->profile && dm_profile_load(cfg, cc->profile, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EUSAGE;
	}
	for (int i = 0; i < cc->nsets; i++)
		if (dm_config_set_arg(cfg, cc->sets[i], &err) != 0) {
			dm_cli_print_error(&err);
			return DM_EUSAGE;
		}
	if (dm_config_check(cfg, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EUSAGE;
	}
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

static void *signal_thread(void *arg)
{
	(void)arg;
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
	int rc = pthread_create(&th, &attr, signal_thread, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_sigmask(SIG_UNBLOCK, &sig_set, NULL);
		return -1;
	}
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
