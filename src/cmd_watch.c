/* `ddexmon watch --pid N`: the sampler (RSS), the trend and the leak
 * detector on another process, whatever it is written in. Events as JSON
 * lines on stdout until it exits or Ctrl-C. */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "sink.h"
#include "outfile.h"

static void usage(FILE *f)
{
	fputs("Usage: ddexmon watch --pid N [OPTIONS]\n"
	      "Sample another process's memory; trend and leak detection as JSON lines on\n"
	      "stdout until it exits or Ctrl-C. Leak detection watches its RSS.\n\n"
	      "  -p, --pid N           the process to watch\n"
	      "  --profile NAME|FILE   load a profile (sample_interval, leak_* keys)\n"
	      "  --set KEY=VALUE       override one configuration key (repeatable)\n"
	      "  --events FILE         write events there instead of stdout\n"
	      "  --metrics FILE        rewrite a Prometheus metrics file every second (for\n"
	      "                        node_exporter's textfile collector)\n"
	      "  --metrics-label NAME=VALUE  a label on every metric (repeatable; default\n"
	      "                        run=<FILE's name without .prom>)\n"
	      "  --samples-csv FILE    write every sample as CSV\n"
	      "On a terminal, without --events, --metrics or --samples-csv, the dashboard\n"
	      "opens instead (chart, trend, leaks, log; q quits).\n"
	      "  --tree                the process and its descendants, summed and per child\n"
	      "  --limit SIZE          the exhaustion projection aims at SIZE (default: the\n"
	      "                        process's RSS plus the system's MemAvailable)\n"
	      "  -h, --help            this help\n\n"
	      "Exit status: 0 when the process exited while watched, 1 usage, 2 no such\n"
	      "process (or one that had already exited: a zombie), 2 an output that cannot\n"
	      "be written, 130 interrupted.\n", f);
}

enum { OPT_EVENTS = DM_OPT_FIRST_FREE, OPT_METRICS, OPT_METRICS_LABEL, OPT_CSV, OPT_TREE,
       OPT_LIMIT };

/* A zombie is still in /proc but has no memory left to watch: as absent
 * as no process at all. (One that exits while watched ends the watch, 0.) */
static int is_zombie(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the state follows the command name's closing parenthesis, which
	 * may itself contain ") " */
	const char *p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

int dm_cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
		DM_CONFIG_LONGOPTS,
		{"pid", required_argument, NULL, 'p'},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"metrics-label", required_argument, NULL, OPT_METRICS_LABEL},
		{"samples-csv", required_argument, NULL, OPT_CSV},
		{"tree", no_argument, NULL, OPT_TREE},
		{"limit", required_argument, NULL, OPT_LIMIT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_cli_config cc = {0};
	struct dm_session_opts so = {0};
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.sample_events = 1;
	const char *events = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hp:", longopts, NULL)) != -1) {
		int r = dm_cli_config_opt(&cc, opt, optarg);
		if (r < 0)
			return DM_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 0x7fffffffL) {
				dm_cli_error("--pid %s: not a process id", optarg);
				return DM_EXIT_USAGE;
			}
			so.watch_pid = (pid_t)v;
			break;
		}
		case OPT_EVENTS: events = optarg; break;
		case OPT_METRICS: sink.metrics_path = optarg; break;
		case OPT_METRICS_LABEL:
			if (dm_sink_add_label(&sink, optarg) != 0)
				return DM_EXIT_USAGE;
			break;
		case OPT_CSV: sink.csv_path = optarg; break;
		case OPT_TREE: so.watch_tree = 1; break;
		case OPT_LIMIT:
			if (dm_parse_size(optarg, &so.watch_limit) != 0 || !so.watch_limit) {
				dm_cli_error("--limit %s: not a size (e.g. 2G)", optarg);
				return DM_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return DM_EXIT_OK;
		default: usage(stderr); return DM_EXIT_USAGE;
		}
	}
	if (so.watch_pid <= 0 || optind < argc) {
		dm_cli_error(optind < argc ? "watch: unexpected argument '%s'" : "watch: --pid is required%s",
		             optind < argc ? argv[optind] : "");
		usage(stderr);
		return DM_EXIT_USAGE;
	}
	if (kill(so.watch_pid, 0) != 0 && errno == ESRCH) {
		dm_cli_error("watch: no process %ld", (long)so.watch_pid);
		return DM_EXIT_INPUT;
	}
	if (is_zombie(so.watch_pid)) {
		dm_cli_error("watch: no process %ld to watch: it has already exited (a zombie its parent "
		             "has not reaped)", (long)so.watch_pid);
		return DM_EXIT_INPUT;
	}
	struct dm_config cfg;
	if (dm_cli_config_apply(&cc, &cfg) != 0)
		return DM_EXIT_USAGE;
	if (!events && !sink.metrics_path && !sink.csv_path && isatty(STDOUT_FILENO)) {
		/* a person at a terminal: the dashboard, not JSON lines */
		int no_screen;
		int code = dm_cmd_tui_watch(&cfg, &so, &no_screen);
		if (!no_screen)
			return code;
	}
	if (dm_sink_open_events(&sink, events ? events : "-") != 0)
		return DM_EXIT_INPUT;

	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	struct dm_error err;
	dm_error_clear(&err);
	int code = DM_EXIT_MEMORY;
	struct dm_session *s = NULL;
	if (!out_acct || dm_sink_init(&sink, out_acct) != 0)
		goto out;
	s = dm_session_new(&cfg, &so, dm_sink_session_ops(&sink), &sink, &err);
	if (!s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	dm_sink_attach(&sink, s);
	dm_cli_signals_stop_session(s);
	if (dm_session_start(s, &err) != 0) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
	} else {
		code = dm_session_wait(s);
	}
	if (dm_sink_finish(&sink) != 0 && code != DM_EXIT_INTERRUPTED)
		code = DM_EXIT_INPUT;
out:
	dm_cli_signals_stop_session(NULL);   /* before the session goes */
	dm_session_free(s);
	dm_sink_fini(&sink);
	dm_acct_free(out_acct);
	return code;
}
