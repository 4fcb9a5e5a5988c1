/* Shared command-line plumbing: configuration options, usage errors,
 * and the command entry points. */
#ifndef DM_CLI_H
#define DM_CLI_H

#include <getopt.h>
#include <pthread.h>
#include "profile.h"

/* Long-option ids for the configuration options every command takes. */
enum {
	DM_OPT_PROFILE = 0x1000,
	DM_OPT_SET,
	DM_OPT_CHUNK_SIZE,
	DM_OPT_SPLIT,
	DM_OPT_FIRST_FREE,
};

#define DM_CONFIG_LONGOPTS \
	{"profile", required_argument, NULL, DM_OPT_PROFILE}, \
	{"set", required_argument, NULL, DM_OPT_SET}, \
	{"chunk-size", required_argument, NULL, DM_OPT_CHUNK_SIZE}, \
	{"split", required_argument, NULL, DM_OPT_SPLIT}

#define DM_MAX_SETS 64

/* Collects configuration options in command-line order; applied at the
 * end so that a profile is always the base and --set always overrides. */
struct dm_cli_config {
	const char *profile;
	const char *sets[DM_MAX_SETS];
	int nsets;
	char short_args[8][48];     /* --chunk-size N, --split N rewritten as key=N */
	int nshort;
};

/* Record a configuration option; returns 1 if opt was one, 0 if not,
 * -1 on a usage error (message printed). */
int dm_cli_config_opt(struct dm_cli_config *cc, int opt, const char *arg);

/* Defaults, then the profile, then the --set/--chunk-size overrides.
 * Prints a one-line error and returns DM_EUSAGE on failure. */
int dm_cli_config_apply(const struct dm_cli_config *cc, struct dm_config *cfg);

/* "ddexmon: message" on stderr. */
void dm_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dm_cli_print_error(const struct dm_error *e);

/* Block SIGINT/SIGTERM/SIGHUP in the calling thread (call before any
 * thread starts, so every thread inherits it); then a thread that waits
 * for them and stops the session. */
struct dm_session;
void dm_cli_block_signals(void);
int dm_cli_signals_start(struct dm_session *s, pthread_t *th);
void dm_cli_signals_stop(pthread_t th);

/* Queue files; directories are walked for *.xml with recursive, an error
 * without. Returns 0 or -1 (message printed). */
int dm_cli_add_paths(struct dm_session *s, char **paths, int n, int recursive);

/* Commands: argv[0] is the command name; each returns an exit code. */
int dm_cmd_parse(int argc, char **argv);
int dm_cmd_gen(int argc, char **argv);
int dm_cmd_run(int argc, char **argv);
int dm_cmd_tui(int argc, char **argv);
int dm_cmd_watch(int argc, char **argv);
int dm_cmd_profiles(int argc, char **argv);
int dm_cmd_tune(int argc, char **argv);
int dm_cmd_demo(int argc, char **argv);

#endif
