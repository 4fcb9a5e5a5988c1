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

/* Signals: main calls dm_cli_signals_init before anything else. It
 * blocks SIGINT, SIGTERM and SIGHUP (not one ignored on entry) in every
 * thread and starts one thread that waits for them. With no hook set, a
 * signal ends the program at once with 128 + its number; with one, the
 * hook runs on the signal thread (under a lock that dm_cli_signals_on
 * also takes: once that returns, the old hook is not running and will
 * not run). A forked child has no signal thread: it calls
 * dm_cli_signals_init again, or dm_cli_signals_child to get the default
 * actions back. */
struct dm_session;
int dm_cli_signals_init(void);
void dm_cli_signals_on(void (*fn)(void *ctx, int sig), void *ctx);
/* The hook that stops s cleanly (NULL: back to the default). */
void dm_cli_signals_stop_session(struct dm_session *s);
void dm_cli_signals_child(void);
/* The signal that stopped a session through that hook, or 0. */
int dm_cli_signal_seen(void);

/* Queue the files named by paths (src/walk.c; main thread, before the
 * session starts). "-" (standard input) may be named once; a file named
 * again, by another path or a link, is queued once (a note for a regular
 * file, a usage error for a pipe or device, which cannot be read twice).
 * Directories are an error without recursive; with it, the *.xml below
 * them are queued in sorted order, following symbolic links, entering
 * each directory once (so link cycles end) and taking each file once.
 * Dot entries are skipped. The walk holds at most DM_WALK_MAX_FILES files
 * and DM_WALK_MAX_DIRS directories, nested DM_WALK_MAX_DEPTH deep.
 * Every message is printed (one line). Returns 0; DM_EXIT_PARTIAL when a
 * directory could not be read and was skipped (the files found are queued);
 * DM_EXIT_USAGE; DM_EXIT_INPUT past a walk limit; DM_EXIT_MEMORY; or
 * DM_EXIT_INTERRUPTED after dm_cli_stop_walk. */
#define DM_WALK_MAX_FILES 100000
#define DM_WALK_MAX_DIRS 100000
#define DM_WALK_MAX_DEPTH 64
/* After the dashboard: one line a file on stdout (state, records, bytes,
 * time, throughput; a failure's message under it), then a total. */
void dm_cli_tui_summary(struct dm_session *s, int code);
int dm_cli_add_paths(struct dm_session *s, char **paths, int n, int recursive);
/* The "-" rule alone, for a command that reads its inputs itself:
 * 0, or DM_EXIT_USAGE (message printed) when "-" is named twice. */
int dm_cli_check_stdin(char **paths, int n);
/* Make a walk in progress (or the next one) stop soon with
 * DM_EXIT_INTERRUPTED: for the signal thread; async-signal-safe. */
void dm_cli_stop_walk(void);

/* Commands: argv[0] is the command name; each returns an exit code. */
int dm_cmd_parse(int argc, char **argv);
int dm_cmd_gen(int argc, char **argv);
int dm_cmd_run(int argc, char **argv);
int dm_cmd_tui(int argc, char **argv);
int dm_cmd_watch(int argc, char **argv);
int dm_cmd_profiles(int argc, char **argv);
int dm_cmd_tune(int argc, char **argv);
int dm_cmd_demo(int argc, char **argv);
int dm_cmd_report(int argc, char **argv);

#endif
