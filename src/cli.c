/* Configuration options and error printing shared by the commands. */
#include "config.h"
#include "cli.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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
	return 0;
}

void dm_cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("ddexmon: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

/* ---- files and directories -------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_xml_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

/* Add every *.xml below dir, sorted per directory so the order is stable. */
static int walk(struct dm_session *s, const char *dir, int *count)
{
	DIR *d = opendir(dir);
	if (!d) {
		dm_cli_error("%s: cannot open directory: %s", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			rc = -1;
			break;
		}
		snprintf(names[n], len, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (rc == 0 && stat(names[i], &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = walk(s, names[i], count);
			else if (S_ISREG(st.st_mode) && has_xml_suffix(names[i])) {
				if (dm_session_add(s, names[i]) < 0)
					rc = -1;
				else
					(*count)++;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int dm_cli_add_paths(struct dm_session *s, char **paths, int n, int recursive)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!recursive) {
				dm_cli_error("%s: is a directory (use --recursive to parse the *.xml in it)",
				             paths[i]);
				return -1;
			}
			int count = 0;
			if (walk(s, paths[i], &count) != 0)
				return -1;
			if (!count)
				dm_cli_error("%s: no *.xml files found", paths[i]);
			continue;
		}
		if (dm_session_add(s, paths[i]) < 0) {
			dm_cli_error("out of memory");
			return -1;
		}
	}
	return 0;
}
