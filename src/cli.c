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
		if (cc->nsets >= DM_MAX_SETS) {
			dm_cli_error("too many --set options (at most %d)", DM_MAX_SETS);
			return -1;
		}
		if (opt == DM_OPT_CHUNK_SIZE) {
			if (cc->nchunk >= 4 || strlen(arg) > 32) {
				dm_cli_error("--chunk-size %s: not a size", arg);
				return -1;
			}
			snprintf(cc->chunk_args[cc->nchunk], sizeof cc->chunk_args[0], "chunk_size=%s", arg);
			arg = cc->chunk_args[cc->nchunk++];
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

double dm_cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- signals: Ctrl-C stops the session cleanly ------------------------ */

static atomic_int signals_done;

static void *signal_thread(void *arg)
{
	struct dm_session *s = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	int sig;
	if (sigwait(&set, &sig) == 0 && !atomic_load(&signals_done))
		dm_session_stop(s);
	return NULL;
}

void dm_cli_block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int dm_cli_signals_start(struct dm_session *s, pthread_t *th)
{
	return pthread_create(th, NULL, signal_thread, s) == 0 ? 0 : -1;
}

void dm_cli_signals_stop(pthread_t th)
{
	/* the waiter only wakes for the blocked signals: send it one of them
	 * directed at the thread, after the session is done, so it exits */
	atomic_store(&signals_done, 1);
	pthread_kill(th, SIGHUP);
	pthread_join(th, NULL);
}
