/* `ddexmon tui` (and bare `ddexmon [FILE...]`): the dashboard over a
 * session, or `ddexmon run` when stdout is not a terminal. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crt.h"
#include "dashboard.h"
#include "fmt.h"
#include "queue.h"
#include "session.h"

/* Events arrive from worker and sampler threads; the queue copies them
 * for the UI thread. */
static void on_event(void *ctx, const struct dm_event *ev)
{
	dm_tui_queue_push(ctx, ev);
}

static const struct dm_session_ops tui_ops = {
	.event = on_event,
	.record = NULL,          /* the dashboard shows counts, not records */
};

/* The signal thread's hook: the dashboard loop sees it and quits (the
 * session is stopped after the terminal is restored). */
static void post_signal(void *ctx, int sig)
{
	(void)ctx;
	dm_tui_crt_post_signal(sig);
}

static void usage(FILE *f)
{
	fputs("Usage: ddexmon [tui] [OPTIONS] [FILE...|DIR...]\n"
	      "Parse files with the live memory dashboard. Without files a chooser opens\n"
	      "on the current directory. Without a terminal on stdout it runs headless,\n"
	      "exactly as 'ddexmon run'.\n\n"
	      "  --profile NAME|FILE   load a profile (see 'ddexmon profiles')\n"
	      "  --set KEY=VALUE       override one configuration key (repeatable)\n"
	      "  --chunk-size N        shorthand for --set chunk_size=N (e.g. 64K)\n"
	      "  --leak-rate RATE      leak RATE bytes per second on purpose (demos)\n"
	      "  --max-frames N        end the dashboard after N frames (tests, recordings)\n"
	      "  -r, --recursive       parse the *.xml files under directories\n"
	      "  --force               start even when MemAvailable < max_memory\n"
	      "  -h, --help            this help\n\n"
	      "Keys: +/- chunk size, [/] buffer size, P next profile, space pause,\n"
	      "g reclaim, n skip file, a add files, s heap report, L injected leak,\n"
	      "e export samples CSV, arrows select a file, Enter its details, Tab the\n"
	      "log, z the chart's time window, ? help, q quit (a summary stays).\n\n"
	      "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	      "4 some files failed and others succeeded, 130 interrupted.\n", f);
}

/* One line a file on stdout (state, records, bytes, time, throughput;
 * a failure's message under it), then a total. */
void dm_cli_tui_summary(struct dm_session *s, int code)
{
	size_t n = dm_session_files(s), ok = 0, failed = 0;
	int namew = 8;
	for (size_t i = 0; i < n; i++) {
		struct dm_file_info fi;
		if (dm_session_file(s, i, &fi) == 0 && fi.path && (int)strlen(fi.path) > namew)
			namew = (int)strlen(fi.path);
	}
	if (namew > 48)
		namew = 48;
	for (size_t i = 0; i < n; i++) {
		struct dm_file_info fi;
		char rec[32], size[16], secs[16], rate[32];
		if (dm_session_file(s, i, &fi) != 0)
			continue;
		ok += fi.state == DM_FILE_DONE;
		failed += fi.state == DM_FILE_FAILED;
		const char *path = fi.path ? fi.path : "-";
		int len = (int)strlen(path);
		/* a long path keeps its end, where the name is */
		const char *shown = len > namew ? path + len - namew : path;
		printf("  %-7s %-*s  %s records", dm_file_state_name(fi.state), namew, shown,
		       dm_tui_count(rec, sizeof rec, fi.records_total));
		if (fi.state == DM_FILE_DONE)
			printf(", %s in %s (%s)", dm_tui_size(size, sizeof size, fi.bytes),
			       dm_tui_secs(secs, sizeof secs, fi.seconds, 0),
			       dm_tui_rate(rate, sizeof rate,
			                   fi.seconds > 0 ? (double)fi.bytes / fi.seconds : 0));
		putchar('\n');
		if (fi.state == DM_FILE_FAILED && fi.error)
			printf("          %s\n", fi.error);
	}
	printf("ddexmon: %zu file%s: %zu done, %zu failed, %zu not finished (exit %d)\n", n,
	       n == 1 ? "" : "s", ok, failed, n - ok - failed, code);
	fflush(stdout);
}

enum {
	OPT_MAX_FRAMES = DM_OPT_FIRST_FREE,
	OPT_LEAK_RATE,
	OPT_FORCE,
};

int dm_cmd_tui(int argc, char **argv)
{
	static const struct option longopts[] = {
		DM_CONFIG_LONGOPTS,
		{"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
		{"leak-rate", required_argument, NULL, OPT_LEAK_RATE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"recursive", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_cli_config cc = {0};
	struct dm_session_opts so = {0};
	struct dm_tui_dash_opts dopts = {0};
	int recursive = 0, opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hr", longopts, NULL)) != -1) {
		int r = dm_cli_config_opt(&cc, opt, optarg);
		if (r < 0)
			return DM_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case OPT_MAX_FRAMES: {
			char *end;
			dopts.max_frames = strtol(optarg, &end, 10);
			if (*end || dopts.max_frames <= 0) {
				dm_cli_error("--max-frames %s: not a positive number", optarg);
				return DM_EXIT_USAGE;
			}
			break;
		}
		case OPT_LEAK_RATE:
			if (dm_parse_size(optarg, &so.leak_rate) != 0) {
				dm_cli_error("--leak-rate %s: not a size per second (e.g. 40M)", optarg);
				return DM_EXIT_USAGE;
			}
			break;
		case OPT_FORCE: so.force = 1; break;
		case 'r': recursive = 1; break;
		case 'h': usage(stdout); return DM_EXIT_OK;
		default: usage(stderr); return DM_EXIT_USAGE;
		}
	}
	if (!isatty(STDOUT_FILENO)) {
		dm_cli_error("no terminal on stdout; running headless (as 'ddexmon run')");
		return dm_cmd_run(argc, argv);
	}
	struct dm_config cfg;
	if (dm_cli_config_apply(&cc, &cfg) != 0)
		return DM_EXIT_USAGE;
	dopts.leak_rate = so.leak_rate;

	struct dm_tui_queue *q = dm_tui_queue_new(256);
	if (!q) {
		dm_cli_error("out of memory");
		return DM_EXIT_MEMORY;
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session *s = dm_session_new(&cfg, &so, &tui_ops, q, &err);
	if (!s) {
		dm_cli_print_error(&err);
		dm_tui_queue_free(q);
		return dm_exit_code(err.code);
	}
	int walked = dm_cli_add_paths(s, argv + optind, argc - optind, recursive);
	if (walked != 0 && walked != DM_EXIT_PARTIAL) {
		dm_session_free(s);
		dm_tui_queue_free(q);
		return walked;
	}

	struct dm_tui_view view;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64] = "";
	if (dm_tui_crt_begin(&view, msg, sizeof msg) != 0) {
		dm_session_free(s);
		dm_tui_queue_free(q);
		dm_cli_error("%s; running headless (as 'ddexmon run')", msg);
		return dm_cmd_run(argc, argv);
	}
	int started = 0;
	dm_cli_signals_on(post_signal, NULL);
	int rc = dm_tui_dashboard_run(s, q, &view, &dopts, &started, msg, sizeof msg);
	dm_cli_signals_on(NULL, NULL);
	dm_tui_crt_end();

	int code = rc;
	if (started) {
		/* quit, a signal or the frame limit: stop whatever still runs */
		if (!dm_session_done(s))
			dm_session_stop(s);
		code = dm_session_wait(s);
		if (rc == DM_EXIT_INTERRUPTED)
			code = DM_EXIT_INTERRUPTED;
	}
	if (code == DM_EXIT_OK && walked)
		code = DM_EXIT_PARTIAL;     /* a directory was skipped */
	if (msg[0])
		dm_cli_error("%s", msg);
	/* the screen is gone: leave the results where the shell shows them */
	if (started)
		dm_cli_tui_summary(s, code);
	dm_session_free(s);
	dm_tui_queue_free(q);
	return code;
}
