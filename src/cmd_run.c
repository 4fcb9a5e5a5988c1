/* `ddexmon run`: parse with the whole memory machinery on; records on
 * stdout, events as JSON lines, optional metrics file and samples CSV. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"
#include "session.h"
#include "sink.h"
#include "outfile.h"

enum {
	OPT_EVENTS = DM_OPT_FIRST_FREE,
	OPT_NO_RECORDS,
	OPT_NO_SAMPLES,
};

static const struct dm_opt run_opts[] = {
	{"events", 0, DM_ARG_REQUIRED, "FILE|-", "events as JSON lines (default: stderr; - is stdout)",
	 OPT_EVENTS},
	{"no-sample-events", 0, DM_ARG_NONE, NULL, "leave the 'sample' events out of the event stream",
	 OPT_NO_SAMPLES},
	{"no-records", 0, DM_ARG_NONE, NULL, "do not print records", OPT_NO_RECORDS},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int run_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.records = !dm_args_has(a, OPT_NO_RECORDS);
	sink.sample_events = !dm_args_has(a, OPT_NO_SAMPLES);
	if (dm_cli_sink_outputs(a, &sink) != 0)
		return DM_EXIT_USAGE;
	if (a->argc == 0) {
		dm_cli_error("run: no input file (use - for standard input; try 'ddexmon run --help')");
		return DM_EXIT_USAGE;
	}
	struct dm_run_req r;
	if (dm_cli_run_req(a, NULL, &r) != 0)
		return DM_EXIT_USAGE;
	return dm_run_headless(&r, &sink, dm_args_get(a, OPT_EVENTS));
}

static const struct dm_opt *const run_tables[] = {
	dm_opts_config, run_opts, dm_opts_metrics, dm_opts_record, dm_opts_leak, dm_opts_files,
	dm_opts_force, NULL,
};

const struct dm_cmd dm_cmd_run = {
	.name = "run",
	.summary = "parse with memory accounting, sampling and leak detection; events as JSON",
	.usage = "ddexmon run [OPTIONS] FILE...|DIR...|-",
	.about = "Parse with accounting, pools, sampling, trend and leak detection on.\n"
	         "Records go to stdout as JSON lines, events as JSON lines to --events.\n",
	.opts = run_tables,
	.epilogue = "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	            "4 some files failed and others succeeded, 130 interrupted.\n",
	.fn = run_main,
};

int dm_run_headless(struct dm_run_req *r, struct dm_sink *sink, const char *events)
{
	struct dm_config *cfg = &r->cfg;
	struct dm_session_opts *sop = &r->so;
	if (events && strcmp(events, "-") == 0 && sink->records) {
		dm_cli_error("--events - needs --no-records (both would go to stdout)");
		return DM_EXIT_USAGE;
	}
	if (!sink->record_path)
		sink->record_path = r->record;
	/* with --record and no --events, the recording takes the events' place */
	if ((events || !sink->record_path) && dm_sink_open_events(sink, events) != 0)
		return DM_EXIT_INPUT;

	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	if (!out_acct || dm_sink_init(sink, out_acct) != 0) {
		dm_sink_fini(sink);
		dm_acct_free(out_acct);
		return DM_EXIT_INPUT;
	}
	struct dm_error err;
	dm_error_clear(&err);
	int code;
	struct dm_session *s = dm_session_new(cfg, sop, dm_sink_session_ops(sink), sink, &err);
	if (!s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	dm_sink_attach(sink, s);
	int walked = dm_cli_add_paths(s, r->paths, r->npaths, r->recursive);
	if (walked != 0 && walked != DM_EXIT_PARTIAL) {
		code = walked;
		goto out;
	}
	if (dm_session_files(s) == 0) {
		/* after a skipped directory its line already says why */
		if (!walked)
			dm_cli_error("run: no input files");
		code = walked ? DM_EXIT_INPUT : DM_EXIT_USAGE;
		goto out;
	}
	dm_cli_signals_stop_session(s);
	if (dm_session_start(s, &err) != 0) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		dm_session_stop(s);
	}
	code = dm_session_wait(s);
	if (err.code)
		code = dm_exit_code(err.code);
	if (code == DM_EXIT_OK && walked)
		code = DM_EXIT_PARTIAL;     /* a directory was skipped */
	if (dm_sink_finish(sink) != 0 && (!code || code == DM_EXIT_PARTIAL))
		code = DM_EXIT_INPUT;   /* an output failed: the run's result is incomplete */
	/* one line for people: the per-file errors were events already */
	for (size_t i = 0; i < dm_session_files(s); i++) {
		struct dm_file_info fi;
		if (dm_session_file(s, i, &fi) == 0 && fi.state == DM_FILE_FAILED && fi.error &&
		    sink->events != stderr)
			dm_cli_error("%s", fi.error);
	}
out:
	dm_cli_signals_stop_session(NULL);   /* before the session goes */
	dm_session_free(s);
	dm_sink_fini(sink);
	dm_acct_free(out_acct);
	return code;
}
