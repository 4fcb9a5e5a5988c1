/* Shared command-line plumbing: configuration options, usage errors,
 * and the command entry points. */
#ifndef DM_CLI_H
#define DM_CLI_H

#include <pthread.h>
#include "cmd.h"
#include "profile.h"
#include "session.h"

/* Option groups shared by several commands, declared once here and
 * named in each command's table list (src/cli.c). */
extern const struct dm_opt dm_opts_config[];     /* --profile --set --chunk-size --split */
extern const struct dm_opt dm_opts_files[];      /* -r, --recursive */
extern const struct dm_opt dm_opts_leak[];       /* --leak-rate */
extern const struct dm_opt dm_opts_force[];      /* --force */
extern const struct dm_opt dm_opts_dashboard[];  /* --max-frames */
extern const struct dm_opt dm_opts_metrics[];    /* --metrics --metrics-label --samples-csv */
extern const struct dm_opt dm_opts_record[];     /* --record */
extern const struct dm_opt dm_opts_pid[];        /* -p, --pid */

/* watch with the parsed options of a command that has dm_opts_pid (watch,
 * tui --pid): headless events, or the dashboard on a terminal. */
int dm_watch_main(const struct dm_args *a);
/* The dashboard on another process (so->watch_pid set). Returns the
 * DM_EXIT_* of the run; with nothing done and *no_screen set when the
 * screen cannot be set up (the caller runs headless). */
struct dm_session_opts;
int dm_run_watch_dashboard(const struct dm_config *cfg, const struct dm_session_opts *so,
                           int *no_screen);

#define DM_MAX_SETS 64

/* The configuration the options of dm_opts_config ask for: the built-in
 * defaults, then the profile (the last --profile, else base_profile when
 * not NULL), then every --set, --chunk-size and --split in command-line
 * order, so that a profile is always the base and --set always
 * overrides. Prints a one-line error and returns DM_EUSAGE on failure. */
int dm_cli_config(const struct dm_args *a, const char *base_profile, struct dm_config *cfg);

/* What a command that parses files with the session was asked for:
 * shared by run, the dashboard (tui, bare 'ddexmon') and demo. */
struct dm_run_req {
	struct dm_config cfg;
	struct dm_session_opts so;    /* leak_rate (--leak-rate), force (--force) */
	char **paths;                 /* the operands */
	int npaths;
	int recursive;                /* -r */
	long max_frames;              /* --max-frames; 0: no limit */
	const char *record;           /* --record FILE, or NULL */
};

/* Fill r from the shared groups present in a (config, files, leak,
 * force, dashboard); the operands are the paths. Prints a one-line error
 * and returns DM_EXIT_USAGE on a bad value. */
int dm_cli_run_req(const struct dm_args *a, const char *base_profile, struct dm_run_req *r);

/* The options of dm_opts_metrics into sink's fields; prints the error
 * of a bad --metrics-label and returns DM_EXIT_USAGE. */
struct dm_sink;
int dm_cli_sink_outputs(const struct dm_args *a, struct dm_sink *sink);

/* Parse r's files headless (src/cmd_run.c): records and events through
 * sink, whose fields the caller has set (records, sample_events, outputs,
 * labels); events to the file named events ("-": stdout; NULL: stderr).
 * Returns the exit code. Main thread. */
int dm_run_headless(struct dm_run_req *r, struct dm_sink *sink, const char *events);

/* The dashboard over r's files (src/cmd_tui.c), or dm_run_headless with
 * records on stdout and events on stderr when there is no terminal on
 * stdout or curses cannot start (said in one line). Returns the exit
 * code. Main thread. */
int dm_run_dashboard(struct dm_run_req *r);

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

#endif
