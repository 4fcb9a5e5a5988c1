/* `ddexmon tune FILE`: parse one file at each chunk size (and buffer size)
 * several times and tabulate median MB/s with its spread, peak RSS,
 * allocations and reclamations, and choose: the fastest setting, or among
 * those within noise of it the one using the least memory. The options
 * live here; the sweep, the choice, the limits, the report and the
 * profile writer in tune_sweep.c, tune_choose.c, tune_limit.c,
 * tune_report.c and tune_profile.c. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "profile.h"
#include "tune_cmd.h"

/* The sizes of a --chunks or --buffers list. 0 or -1 (message printed). */
static int parse_list(const char *arg, const char *key, uint64_t *out, size_t *n)
{
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_tune_sizes(arg, key, out, DM_TUNE_MAX_SIZES, n, &err) == 0)
		return 0;
	dm_cli_error("--%ss: %s", key[0] == 'c' ? "chunk" : "buffer", err.msg);
	return -1;
}

/* --write-profile NAME: the chosen row as a profile. 0 or -1 (message
 * printed). */
static int write_profile(const char *name, const struct dm_config *base,
                         const struct dm_tune_row *w, const char *file, int runs, const char *why)
{
	char path[DM_PATH_MAX + DM_NAME_MAX + 16];
	struct dm_error e;
	dm_error_clear(&e);
	if (dm_tune_profile_write(name, base, w, file, runs, why, "`ddexmon tune`", NULL, path,
	                          sizeof path, &e) != 0) {
		dm_cli_error("--write-profile: %s", e.msg);
		return -1;
	}
	printf("\nwrote profile '%s' to %s (use: --profile %s)\n", name, path, name);
	return 0;
}

enum {
	OPT_CHUNKS = DM_OPT_FIRST_FREE,
	OPT_BUFFERS,
	OPT_RUNS,
	OPT_CSV,
	OPT_WRITE,
};

static const struct dm_opt tune_opts[] = {
	{"chunks", 0, DM_ARG_REQUIRED, "LIST", "chunk sizes (default 4K,16K,64K,256K,1M,4M)", OPT_CHUNKS},
	{"buffers", 0, DM_ARG_REQUIRED, "LIST", "buffer sizes to sweep as well (default: the profile's)",
	 OPT_BUFFERS},
	{"runs", 0, DM_ARG_REQUIRED, "N",
	 "runs per setting; the median is reported (default 5,\nor 3 when the first round takes over 10 s)",
	 OPT_RUNS},
	{"csv", 0, DM_ARG_REQUIRED, "OUT", "also write the table as CSV (atomically)", OPT_CSV},
	{"write-profile", 0, DM_ARG_REQUIRED, "NAME",
	 "save the base configuration with the chosen setting as\n"
	 "$XDG_CONFIG_HOME/ddexmon/profiles/NAME.profile", OPT_WRITE},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int tune_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	const char *chunks_arg = dm_args_get(a, OPT_CHUNKS), *buffers_arg = dm_args_get(a, OPT_BUFFERS);
	const char *csv = dm_args_get(a, OPT_CSV), *profile_name = dm_args_get(a, OPT_WRITE);
	const char *v = dm_args_get(a, OPT_RUNS);
	int runs = 0, force = dm_args_has(a, DM_OPT_FORCE) > 0;
	if (!chunks_arg)
		chunks_arg = DM_TUNE_CHUNKS;
	if (v) {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || *end || n < 1 || n > DM_TUNE_MAX_RUNS) {
			dm_cli_error("--runs %s: a whole number from 1 to %d", v, DM_TUNE_MAX_RUNS);
			return DM_EXIT_USAGE;
		}
		runs = (int)n;
	}
	if (a->argc != 1) {
		dm_cli_error("tune: one FILE to parse (try 'ddexmon tune --help')");
		return DM_EXIT_USAGE;
	}
	const char *file = a->argv[0];
	struct stat st;
	if (strcmp(file, "-") == 0) {
		dm_cli_error("tune: not standard input: FILE is read once per run");
		return DM_EXIT_USAGE;
	}
	if (stat(file, &st) != 0) {
		dm_cli_error("%s: %s", file, strerror(errno));
		return DM_EXIT_INPUT;
	}
	if (!S_ISREG(st.st_mode)) {
		dm_cli_error("%s: not a regular file (tune reads it several times)", file);
		return DM_EXIT_USAGE;
	}
	if (profile_name && !dm_tune_valid_name(profile_name)) {
		dm_cli_error("--write-profile %s: a name of letters, digits, '-', '_' and '.'",
		             profile_name);
		return DM_EXIT_USAGE;
	}
	uint64_t chunks[DM_TUNE_MAX_SIZES], buffers[DM_TUNE_MAX_SIZES];
	size_t nchunks = 0, nbuffers = 1;
	if (parse_list(chunks_arg, "chunk_size", chunks, &nchunks) != 0)
		return DM_EXIT_USAGE;
	struct dm_config base;
	if (dm_cli_config(a, NULL, &base) != 0)
		return DM_EXIT_USAGE;
	buffers[0] = base.buffer_size;
	if (buffers_arg && parse_list(buffers_arg, "buffer_size", buffers, &nbuffers) != 0)
		return DM_EXIT_USAGE;

	size_t nrows = nchunks * nbuffers;
	struct dm_tune_row *rows = calloc(nrows, sizeof *rows);
	if (!rows) {
		dm_cli_error("out of memory");
		return DM_EXIT_INPUT;
	}
	char fsz[16], budget_text[16], runs_text[32];
	dm_format_bytes((uint64_t)st.st_size, fsz, sizeof fsz);
	dm_format_size(base.max_memory, budget_text, sizeof budget_text);
	if (runs)
		snprintf(runs_text, sizeof runs_text, "%d run%s", runs, runs == 1 ? "" : "s");
	else
		snprintf(runs_text, sizeof runs_text, "up to 5 runs");
	char shown[DM_PATH_MAX];
	fprintf(stderr, "tune: %s (%s), %zu setting%s x %s, profile '%s', budget %s\n",
	        dm_esc(file, shown, sizeof shown), fsz, nrows, nrows == 1 ? "" : "s", runs_text,
	        base.name, budget_text);
	struct dm_tune_sweep_info info;
	dm_tune_sweep(&base, file, force, runs, chunks, nchunks, buffers, nbuffers, rows, &info);

	struct dm_tune_choice choice;
	dm_tune_choose(rows, nrows, &choice);
	int with_buffers = buffers_arg != NULL;
	dm_tune_print_table(rows, nrows, with_buffers, &choice);
	printf("\n%s: %s, %d run%s per setting, budget %s (profile '%s').\n", shown, fsz, info.runs,
	       info.runs == 1 ? "" : "s", budget_text, base.name);
	if (info.interrupted)
		printf("Interrupted after %d of %d runs (%.0f s): the table so far.\n", info.runs_done,
		       info.runs_planned, info.seconds);
	dm_tune_print_verdict(rows, nrows, with_buffers, &choice, &base, file);

	int code = DM_EXIT_OK;
	if (csv && dm_tune_write_csv(csv, rows, nrows, &choice, &base, file) != 0)
		code = DM_EXIT_INPUT;
	if (profile_name && info.interrupted) {
		dm_cli_error("--write-profile: not written: the sweep was interrupted");
	} else if (profile_name) {
		char why[1024];
		dm_tune_explain(rows, nrows, &choice, with_buffers, DM_TUNE_MBPS, why, sizeof why);
		if (choice.best < 0) {
			dm_cli_error("--write-profile: no setting to save");
			code = code ? code : (info.worst ? info.worst : DM_EXIT_INPUT);
		} else if (write_profile(profile_name, &base, &rows[choice.best], file, info.runs, why) != 0) {
			code = DM_EXIT_INPUT;
		}
	}
	if (info.interrupted)
		code = DM_EXIT_INTERRUPTED;
	else if (choice.best < 0 && !code)
		code = info.worst ? info.worst : DM_EXIT_INPUT;
	free(rows);
	if (fflush(stdout) != 0 && !code) {
		dm_cli_error("standard output: write error");
		code = DM_EXIT_INPUT;
	}
	return code;
}

static const struct dm_opt *const tune_tables[] = {tune_opts, dm_opts_config, dm_opts_force, NULL};

const struct dm_cmd dm_cmd_tune = {
	.name = "tune",
	.summary = "sweep chunk and buffer sizes on a file: MB/s, peak RSS, allocations",
	.usage = "ddexmon tune FILE [OPTIONS]",
	.about = "Parse FILE at each chunk size (and buffer size), N times each, settings\n"
	         "taking turns, and print per setting the median MB/s with its range, IQR\n"
	         "and spread, peak RSS, accounted peak, allocations and reclamations.\n"
	         "The choice ('*') is the fastest setting, or, among the settings within\n"
	         "noise of it (IQRs overlapping, marked '~'), the one with the smallest\n"
	         "accounted peak; a failed setting says what limited it.\n",
	.opts = tune_tables,
	.epilogue = "Each run is a separate process, so peak RSS is per setting. On a terminal\n"
	            "one progress line (setting, run, time left); Ctrl-C ends the sweep with\n"
	            "the table so far (no profile is written).\n"
	            "Exit status: 0 ok, 1 usage, 2 input error (also: FILE missing), 3 memory\n"
	            "limit (when every setting failed, the worst of their errors), 130 interrupted.\n",
	.fn = tune_main,
};
