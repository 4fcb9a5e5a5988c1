/* Commands from one table: each command declares its name, summary,
 * usage, option tables and handler once (struct dm_cmd); one parser
 * builds getopt_long's tables and the --help text from that declaration,
 * so what --help lists is exactly what is accepted.
 *
 * Adding an option is one row in a table (a command's own, or a shared
 * group in cli.c that several commands name) and its handling: the
 * handler asks dm_args_get/dm_args_has for the row's id. */
#ifndef DM_CMD_H
#define DM_CMD_H

#include <stddef.h>
#include <stdio.h>

enum dm_arg_kind {
	DM_ARG_NONE,        /* a flag */
	DM_ARG_REQUIRED,    /* takes a value: --name VALUE, --name=VALUE, -x VALUE */
};

/* One option. A table is an array of these ended by a row with name NULL. */
struct dm_opt {
	const char *name;       /* long name, without the dashes */
	int letter;             /* short letter, or 0 */
	enum dm_arg_kind arg;
	const char *metavar;    /* the value's name in --help (DM_ARG_REQUIRED) */
	const char *help;       /* one line a '\n', each under the first */
	int id;                 /* what the handler asks dm_args_* for: unique in a command */
};

/* Option ids of the shared groups (src/cli.c); a command's own ids start
 * at DM_OPT_FIRST_FREE. */
enum {
	DM_OPT_PROFILE = 0x1000,
	DM_OPT_SET,
	DM_OPT_CHUNK_SIZE,
	DM_OPT_SPLIT,
	DM_OPT_RECURSIVE,
	DM_OPT_LEAK_RATE,
	DM_OPT_FORCE,
	DM_OPT_MAX_FRAMES,
	DM_OPT_METRICS,
	DM_OPT_METRICS_LABEL,
	DM_OPT_SAMPLES_CSV,
	DM_OPT_RECORD,
	DM_OPT_PID,
	DM_OPT_FIRST_FREE,
};

#define DM_ARGS_MAX 256

/* What the parser found: the options in command-line order (a flag's
 * value is ""), then the operands. Values point into argv. */
struct dm_args {
	int n;
	struct dm_arg_seen {
		int id;
		const char *value;
	} seen[DM_ARGS_MAX];
	int argc;               /* operands */
	char **argv;
};

struct dm_cmd {
	const char *name;
	const char *summary;    /* one line for 'ddexmon --help' */
	const char *usage;      /* after "Usage: ", without a newline */
	const char *about;      /* between the usage line and the options */
	/* option tables, NULL-terminated: shared groups and the command's own
	 * rows; --help is added by the parser */
	const struct dm_opt *const *opts;
	const char *epilogue;   /* after the options (keys, exit status) */
	/* called with the parsed arguments; returns the exit code */
	int (*fn)(const struct dm_cmd *cmd, const struct dm_args *a);
};

/* Parse argv (argv[0] is the command word, not an option) against cmd's
 * tables and call its handler. -h/--help prints the help on stdout, exit
 * 0; an unknown option, a missing or unexpected value is one line on
 * stderr naming it, exit 1. Main thread; uses getopt's globals. */
int dm_cmd_main(const struct dm_cmd *cmd, int argc, char **argv);

/* cmd's --help text on f. */
void dm_cmd_help(const struct dm_cmd *cmd, FILE *f);

/* The last value given for id, or NULL; has: how many times it was given. */
const char *dm_args_get(const struct dm_args *a, int id);
int dm_args_has(const struct dm_args *a, int id);

/* The commands (src/cmd_*.c). */
extern const struct dm_cmd dm_cmd_parse, dm_cmd_gen, dm_cmd_run, dm_cmd_tui, dm_cmd_watch,
	dm_cmd_profiles, dm_cmd_tune, dm_cmd_demo, dm_cmd_report, dm_cmd_replay;

#endif
