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

static void usage(FILE *f)
{
	fputs("Usage: ddexmon run [OPTIONS] FILE...|DIR...|-\n"
	      "Parse with accounting, pools, sampling, trend and leak detection on.\n"
	      "Records go to stdout as JSON lines, events as JSON lines to --events.\n\n"
	      "  --profile NAME|FILE   load a profile (see 'ddexmon profiles')\n"
	      "  --set KEY=VALUE       override one configuration key (repeatable)\n"
	      "  --chunk-size N        shorthand for --set chunk_size=N (e.g. 64K)\n"
	      "  --events FILE|-       events as JSON lines (default: stderr; - is stdout)\n"
	      "  --record FILE         keep the events as a recording for 'replay' and\n"
	      "                        'report' (FILE.gz: compressed); without --events,\n"
	      "                        instead of them\n"
	      "  --no-sample-events    leave the 'sample' events out of the event stream\n"
	      "  --metrics FILE        rewrite a Prometheus metrics file every second (for\n"
	      "                        node_exporter's textfile collector)\n"
	      "  --metrics-label NAME=VALUE  a label on every metric (repeatable; default\n"
	      "                        run=<FILE's name without .prom>)\n"
	      "  --samples-csv FILE    write every memory sample as CSV\n"
	      "  --no-records          do not print records\n"
	      "  --leak-rate RATE      leak RATE bytes per second on purpose (e.g. 40M)\n"
	      "  -r, --recursive       parse the *.xml files under directories\n"
	      "  --force               start even when MemAvailable < max_memory\n"
	      "  -h, --help            this help\n\n"
	      "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	      "4 some files failed and others succeeded, 130 interrupted.\n", f);
}

enum {
	OPT_EVENTS = DM_OPT_FIRST_FREE,
	OPT_METRICS,
	OPT_METRICS_LABEL,
	OPT_CSV,
	OPT_NO_RECORDS,
	OPT_LEAK_RATE,
	OPT_FORCE,
	OPT_NO_SAMPLES,
	OPT_RECORD,
};

int dm_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		DM_CONFIG_LONGOPTS,
		{"events", required_argument, NULL, OPT_EVENTS},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"metrics-label", required_argument, NULL, OPT_METRICS_LABEL},
		{"samples-csv", required_argument, NULL, OPT_CSV},
		{"no-records", no_argument, NULL, OPT_NO_RECORDS},
		{"no-sample-events", no_argument, NULL, OPT_NO_SAMPLES},
		{"record", required_argument, NULL, OPT_RECORD},
		{"leak-rate", required_argument, NULL, OPT_LEAK_RATE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"recursive", no_argument, NULL, 'r'},
		{"max-frames", required_argument, NULL, 'F'},  /* accepted from 'tui' headless */
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_cli_config cc = {0};
	struct dm_session_opts so = {0};
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.records = 1;
	sink.sample_events = 1;
	const char *events = NULL;
	int recursive = 0;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hr", longopts, NULL)) != -1) {
		int r = dm_cli_config_opt(&cc, opt, optarg);
		if (r < 0)
			return DM_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case OPT_EVENTS: events = optarg; break;
		case OPT_METRICS: sink.metrics_path = optarg; break;
		case OPT_METRICS_LABEL:
			if (dm_sink_add_label(&sink, optarg) != 0)
				return DM_EXIT_USAGE;
			break;
		case OPT_CSV: sink.csv_path = optarg; break;
		case OPT_NO_RECORDS: sink.records = 0; break;
		case OPT_NO_SAMPLES: sink.sample_events = 0; break;
		case OPT_RECORD: sink.record_path = optarg; break;
		case OPT_LEAK_RATE:
			if (dm_parse_size(optarg, &so.leak_rate) != 0) {
				dm_cli_error("--leak-rate %s: not a size per second (e.g. 40M)", optarg);
				return DM_EXIT_USAGE;
			}
			break;
		case OPT_FORCE: so.force = 1; break;
		case 'r': recursive = 1; break;
		case 'F': break;
		case 'h': usage(stdout); return DM_EXIT_OK;
		default: usage(stderr); return DM_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dm_cli_error("run: no input file (use - for standard input)");
		usage(stderr);
		return DM_EXIT_USAGE;
	}
	struct dm_config cfg;
	if (dm_cli_config_apply(&cc, &cfg) != 0)
		return DM_EXIT_USAGE;

	if (events && strcmp(events, "-") == 0 && sink.records) {
		dm_cli_error("--events - needs --no-records (both would go to stdout)");
		return DM_EXIT_USAGE;
	}
	if ((events || !sink.record_path) && dm_sink_open_events(&sink, events) != 0)
		return DM_EXIT_INPUT;

	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	if (!out_acct || dm_sink_init(&sink, out_acct) != 0) {
		dm_sink_fini(&sink);
		dm_acct_free(out_acct);
		return DM_EXIT_INPUT;
	}
	struct dm_error err;
	dm_error_clear(&err);
	int code;
	struct dm_session *s = dm_session_new(&cfg, &so, dm_sink_session_ops(&sink), &sink, &err);
	if (!s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	dm_sink_attach(&sink, s);
	int walked = dm_cli_add_paths(s, argv + optind, argc - optind, recursive);
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
	if (dm_sink_finish(&sink) != 0 && (!code || code == DM_EXIT_PARTIAL))
		code = DM_EXIT_INPUT;   /* an output failed: the run's result is incomplete */
	/* one line for people: the per-file errors were events already */
	for (size_t i = 0; i < dm_session_files(s); i++) {
		struct dm_file_info fi;
		if (dm_session_file(s, i, &fi) == 0 && fi.state == DM_FILE_FAILED && fi.error &&
		    sink.events != stderr)
			dm_cli_error("%s", fi.error);
	}
out:
	dm_cli_signals_stop_session(NULL);   /* before the session goes */
	dm_session_free(s);
	dm_sink_fini(&sink);
	dm_acct_free(out_acct);
	return code;
}
