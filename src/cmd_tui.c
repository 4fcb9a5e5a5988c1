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
#include "recorder.h"
#include "session.h"
#include "sink.h"

struct tui_ctx {
	struct dm_tui_queue *q;
	struct dm_recorder *rec;   /* --record, or NULL */
};

/* Events arrive from worker and sampler threads; the queue copies them
 * for the UI thread, the recorder formats them for its writer. */
static void on_event(void *ctx, const struct dm_event *ev)
{
	struct tui_ctx *c = ctx;
	if (c->rec)
		dm_recorder_event(c->rec, ev);
	dm_tui_queue_push(c->q, ev);
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
		if (fi.state == DM_FILE_FAILED)
			printf(" (exit %d)", dm_exit_code(fi.code ? fi.code : DM_EIO));
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

/* Without a usable terminal: what 'ddexmon run' does with these files,
 * records on stdout and events on stderr. */
static int headless(struct dm_run_req *r)
{
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.records = 1;
	sink.sample_events = 1;
	return dm_run_headless(r, &sink, NULL);
}

int dm_run_dashboard(struct dm_run_req *r)
{
	if (!isatty(STDOUT_FILENO)) {
		dm_cli_error("no terminal on stdout; running headless (as 'ddexmon run')");
		return headless(r);
	}
	struct dm_tui_dash_opts dopts = {0};
	dopts.max_frames = r->max_frames;
	dopts.leak_rate = r->so.leak_rate;

	struct dm_tui_queue *q = dm_tui_queue_new(256);
	if (!q) {
		dm_cli_error("out of memory");
		return DM_EXIT_MEMORY;
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct tui_ctx ctx = {q, NULL};
	struct dm_acct *rec_acct = NULL;
	if (r->record) {
		rec_acct = dm_acct_new(NULL, 0);
		ctx.rec = rec_acct ? dm_recorder_open(r->record, NULL, rec_acct, &err) : NULL;
		if (!ctx.rec) {
			if (rec_acct)
				dm_cli_print_error(&err);
			else
				dm_cli_error("out of memory");
			dm_acct_free(rec_acct);
			dm_tui_queue_free(q);
			return DM_EXIT_INPUT;
		}
		dopts.recorder = ctx.rec;
	}
	struct dm_session *s = dm_session_new(&r->cfg, &r->so, &tui_ops, &ctx, &err);
	if (!s) {
		dm_cli_print_error(&err);
		dm_recorder_close(ctx.rec, NULL);
		dm_acct_free(rec_acct);
		dm_tui_queue_free(q);
		return dm_exit_code(err.code);
	}
	int walked = dm_cli_add_paths(s, r->paths, r->npaths, r->recursive);
	if (walked != 0 && walked != DM_EXIT_PARTIAL) {
		dm_session_free(s);
		dm_recorder_close(ctx.rec, NULL);
		dm_acct_free(rec_acct);
		dm_tui_queue_free(q);
		return walked;
	}

	struct dm_tui_view view;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64] = "";
	if (dm_tui_crt_begin(&view, msg, sizeof msg) != 0) {
		dm_session_free(s);
		dm_recorder_close(ctx.rec, NULL);
		dm_acct_free(rec_acct);
		dm_tui_queue_free(q);
		dm_cli_error("%s; running headless (as 'ddexmon run')", msg);
		return headless(r);
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
	dm_session_free(s);   /* no event after this: the recording is whole */
	if (dm_recorder_close(ctx.rec, &err) != 0 && !code)
		code = DM_EXIT_INPUT;
	if (err.msg[0])
		dm_cli_print_error(&err);   /* the loss of samples alone is a warning */
	dm_acct_free(rec_acct);
	dm_tui_queue_free(q);
	return code;
}

int dm_run_watch_dashboard(const struct dm_config *cfg, const struct dm_session_opts *so,
                           int *no_screen)
{
	*no_screen = 0;
	struct dm_tui_queue *q = dm_tui_queue_new(256);
	if (!q) {
		dm_cli_error("out of memory");
		return DM_EXIT_MEMORY;
	}
	struct dm_error err;
	dm_error_clear(&err);
	struct tui_ctx ctx = {q, NULL};
	struct dm_session *s = dm_session_new(cfg, so, &tui_ops, &ctx, &err);
	if (!s) {
		dm_cli_print_error(&err);
		dm_tui_queue_free(q);
		return dm_exit_code(err.code);
	}
	struct dm_tui_view view;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64] = "";
	if (dm_tui_crt_begin(&view, msg, sizeof msg) != 0) {
		dm_session_free(s);
		dm_tui_queue_free(q);
		dm_cli_error("%s; printing events instead", msg);
		*no_screen = 1;
		return DM_EXIT_USAGE;
	}
	struct dm_tui_dash_opts dopts = {.watch_pid = (long)so->watch_pid};
	int started = 0;
	dm_cli_signals_on(post_signal, NULL);
	int rc = dm_tui_dashboard_run(s, q, &view, &dopts, &started, msg, sizeof msg);
	dm_cli_signals_on(NULL, NULL);
	dm_tui_crt_end();
	int code = rc;
	if (started) {
		/* watching ends when the person says so: q is a clean end */
		dm_session_stop(s);
		(void)dm_session_wait(s);   /* stopped on purpose: not an interruption */
		code = rc ? rc : DM_EXIT_OK;
	}
	if (msg[0])
		dm_cli_error("%s", msg);
	dm_session_free(s);
	dm_tui_queue_free(q);
	return code;
}

static int tui_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	if (dm_args_get(a, DM_OPT_PID)) {
		/* the dashboard on another process is watch's: one way in */
		const char *bad = a->argc ? "a file" : dm_args_get(a, DM_OPT_LEAK_RATE) ? "--leak-rate"
		                  : dm_args_get(a, DM_OPT_RECURSIVE) ? "-r" : NULL;
		if (bad) {
			dm_cli_error("tui --pid: %s does not apply to another process", bad);
			return DM_EXIT_USAGE;
		}
		return dm_watch_main(a);
	}
	struct dm_run_req r;
	if (dm_cli_run_req(a, NULL, &r) != 0)
		return DM_EXIT_USAGE;
	return dm_run_dashboard(&r);
}

static const struct dm_opt *const tui_tables[] = {
	dm_opts_config, dm_opts_leak, dm_opts_dashboard, dm_opts_record, dm_opts_files, dm_opts_force,
	dm_opts_pid, NULL,
};

const struct dm_cmd dm_cmd_tui = {
	.name = "tui",
	.summary = "the dashboard over FILEs (a file chooser without); also 'ddexmon FILE...'",
	.usage = "ddexmon [tui] [OPTIONS] [FILE...|DIR...]",
	.about = "Parse files with the live memory dashboard. Without files a chooser opens\n"
	         "on the current directory. Without a terminal on stdout it runs headless,\n"
	         "exactly as 'ddexmon run'.\n",
	.opts = tui_tables,
	.epilogue = "Keys: +/- chunk size, [/] buffer size, P next profile, space pause,\n"
	            "g reclaim, n skip file, a add files, s heap report, L injected leak,\n"
	            "e export samples CSV, arrows select a file, Enter its details, Tab the\n"
	            "log, z the chart's time window, ? help, q quit (a summary stays).\n\n"
	            "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	            "4 some files failed and others succeeded, 130 interrupted.\n",
	.fn = tui_main,
};
