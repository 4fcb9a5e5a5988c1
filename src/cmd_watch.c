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

enum { OPT_EVENTS = DM_OPT_FIRST_FREE, OPT_TREE, OPT_LIMIT };

static const struct dm_opt watch_opts[] = {
	{"events", 0, DM_ARG_REQUIRED, "FILE", "write events there instead of stdout", OPT_EVENTS},
	{"tree", 0, DM_ARG_NONE, NULL, "the process and its descendants, summed and per child",
	 OPT_TREE},
	{"limit", 0, DM_ARG_REQUIRED, "SIZE",
	 "the exhaustion projection aims at SIZE (default: the\nprocess's RSS plus the system's MemAvailable)",
	 OPT_LIMIT},
	{NULL, 0, 0, NULL, NULL, 0},
};

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

int dm_watch_main(const struct dm_args *a)
{
	struct dm_session_opts so = {0};
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.sample_events = 1;
	if (dm_cli_sink_outputs(a, &sink) != 0)
		return DM_EXIT_USAGE;
	const char *events = dm_args_get(a, OPT_EVENTS);
	const char *v = dm_args_get(a, DM_OPT_PID);
	if (v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n <= 0 || n > 0x7fffffffL) {
			dm_cli_error("--pid %s: not a process id", v);
			return DM_EXIT_USAGE;
		}
		so.watch_pid = (pid_t)n;
	}
	if (so.watch_pid <= 0 || a->argc > 0) {
		if (a->argc > 0)
			dm_cli_error("watch: unexpected argument '%s'", a->argv[0]);
		else
			dm_cli_error("watch: --pid is required (try 'ddexmon watch --help')");
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
	so.watch_tree = dm_args_has(a, OPT_TREE) > 0;
	if ((v = dm_args_get(a, OPT_LIMIT)) && (dm_parse_size(v, &so.watch_limit) != 0 || !so.watch_limit)) {
		dm_cli_error("--limit %s: not a size (e.g. 2G)", v);
		return DM_EXIT_USAGE;
	}
	struct dm_config cfg;
	if (dm_cli_config(a, NULL, &cfg) != 0)
		return DM_EXIT_USAGE;
	if (!events && !sink.metrics_path && !sink.csv_path && !dm_args_get(a, DM_OPT_RECORD) &&
	    isatty(STDOUT_FILENO)) {
		/* a person at a terminal: the dashboard, not JSON lines */
		int no_screen;
		int code = dm_run_watch_dashboard(&cfg, &so, &no_screen);
		if (!no_screen)
			return code;
	}
	sink.record_path = dm_args_get(a, DM_OPT_RECORD);
	/* with --record and no --events, the recording takes stdout's place */
	if ((events || !sink.record_path) && dm_sink_open_events(&sink, events ? events : "-") != 0)
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

static int watch_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	return dm_watch_main(a);
}

static const struct dm_opt *const watch_tables[] = {
	dm_opts_pid, watch_opts, dm_opts_config, dm_opts_metrics, dm_opts_record, NULL,
};

const struct dm_cmd dm_cmd_watch = {
	.name = "watch",
	.summary = "sample another process's memory: trend and leak detection",
	.usage = "ddexmon watch --pid N [OPTIONS]",
	.about = "Sample another process's memory; trend and leak detection as JSON lines on\n"
	         "stdout until it exits or Ctrl-C. Leak detection watches its RSS.\n",
	.opts = watch_tables,
	.epilogue = "On a terminal, without --events, --metrics, --samples-csv or --record, the\n"
	            "dashboard opens instead (chart, trend, leaks, log; q quits).\n"
	            "Exit status: 0 when the process exited while watched, 1 usage, 2 no such\n"
	            "process (or one that had already exited: a zombie), 2 an output that cannot\n"
	            "be written, 130 interrupted.\n",
	.fn = watch_main,
};
