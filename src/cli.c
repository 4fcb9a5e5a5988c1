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
