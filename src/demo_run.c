/* The demo's story on a session: the dashboard with the story stepped
 * from its loop, or headless with the events as JSON lines. */
#include "config.h"
#include "demo_run.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "crt.h"
#include "dashboard.h"
#include "demo_story.h"
#include "queue.h"
#include "sink.h"

/* After the story, a booth's loop starts over after this long. */
#define LOOP_REST_S 8.0

struct tee {
	struct dm_story *story;
	struct dm_tui_queue *q;    /* the dashboard's, or NULL */
	struct dm_sink *sink;      /* headless, or NULL */
	const struct dm_session_ops *sink_ops;
	int loop;
	double told_at;
};

static void tee_event(void *ctx, const struct dm_event *ev)
{
	struct tee *t = ctx;
	dm_story_event(t->story, ev);
	if (t->q)
		dm_tui_queue_push(t->q, ev);
	if (t->sink_ops && t->sink_ops->event)
		t->sink_ops->event(t->sink, ev);
}

static int tee_lines(void *ctx, int file, const char *data, size_t len)
{
	struct tee *t = ctx;
	return t->sink_ops && t->sink_ops->lines ? t->sink_ops->lines(t->sink, file, data, len) : 0;
}

/* 1 when the dashboard should end: the story told, in a loop, rested. */
static int tick(void *ctx, struct dm_session *s)
{
	struct tee *t = ctx;
	if (!dm_story_tick(t->story, s))
		return 0;
	if (t->told_at == 0)
		t->told_at = dm_mono_s();
	return t->loop && dm_mono_s() - t->told_at > LOOP_REST_S;
}

static int dashboard(struct tee *t, struct dm_session *s, const struct dm_demo_run *r, int *again)
{
	struct dm_tui_view view;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64] = "";
	if (dm_tui_crt_begin(&view, msg, sizeof msg) != 0) {
		dm_cli_error("%s", msg);
		return DM_EXIT_INPUT;
	}
	struct dm_tui_dash_opts dopts = {.max_frames = r->max_frames, /* no leak until act 4 */
	                                 .tick = tick, .tick_ctx = t};
	int started = 0;
	dm_cli_signals_on(dm_demo_post_signal, NULL);
	int rc = dm_tui_dashboard_run(s, t->q, &view, &dopts, &started, msg, sizeof msg);
	dm_cli_signals_on(NULL, NULL);
	dm_tui_crt_end();
	*again = rc == 0 && r->loop && t->told_at > 0 && !dm_tui_crt_signal();
	int code = rc;
	if (started) {
		if (!dm_session_done(s))
			dm_session_stop(s);
		code = dm_session_wait(s);
		if (rc == DM_EXIT_INTERRUPTED)
			code = DM_EXIT_INTERRUPTED;
		else
			code = dm_story_exit(t->story, s, code);
	}
	if (msg[0])
		dm_cli_error("%s", msg);
	if (started && !*again)
		dm_cli_tui_summary(s, code);
	return code;
}

static int headless(struct tee *t, struct dm_session *s)
{
	struct dm_error err;
	dm_error_clear(&err);
	dm_sink_attach(t->sink, s);
	dm_cli_signals_stop_session(s);
	if (dm_session_start(s, &err) != 0) {
		dm_cli_print_error(&err);
		dm_session_stop(s);
		dm_session_wait(s);
		dm_cli_signals_stop_session(NULL);
		return dm_exit_code(err.code);
	}
	int stopped = 0;
	while (!dm_story_tick(t->story, s)) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (dm_cli_signal_seen()) {
			stopped = 1;
			break;
		}
	}
	int code = dm_session_wait(s);
	dm_cli_signals_stop_session(NULL);
	code = stopped ? DM_EXIT_INTERRUPTED : dm_story_exit(t->story, s, code);
	if (dm_sink_finish(t->sink) != 0 && !code)
		code = DM_EXIT_INPUT;
	return code;
}

int dm_demo_story_run(const struct dm_demo_run *r, int *again)
{
	*again = 0;
	struct dm_story *story = dm_story_new(r->paths, r->leak_rate, r->tty);
	struct tee t = {.story = story, .loop = r->loop};
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	struct dm_acct *out_acct = NULL;
	int code = DM_EXIT_MEMORY;
	struct dm_session *s = NULL;
	if (!story)
		goto out;
	if (r->tty) {
		t.q = dm_tui_queue_new(256);
		if (!t.q)
			goto out;
	} else {
		sink.records = 0;
		sink.sample_events = 1;
		dm_sink_open_events(&sink, "-");
		out_acct = dm_acct_new(NULL, 0);
		if (!out_acct || dm_sink_init(&sink, out_acct) != 0) {
			code = DM_EXIT_INPUT;
			goto out;
		}
		t.sink = &sink;
		t.sink_ops = dm_sink_session_ops(&sink);
	}
	static const struct dm_session_ops ops = {.event = tee_event};
	static const struct dm_session_ops ops_lines = {.event = tee_event, .lines = tee_lines};
	struct dm_session_opts so = {0};
	struct dm_error err;
	dm_error_clear(&err);
	s = dm_session_new(&r->cfg, &so, t.sink_ops && t.sink_ops->lines ? &ops_lines : &ops, &t,
	                   &err);
	if (!s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	if (dm_session_add(s, r->paths[0]) < 0) {
		dm_cli_error("out of memory");
		goto out;
	}
	code = r->tty ? dashboard(&t, s, r, again) : headless(&t, s);
	if (!r->tty && r->loop && code != DM_EXIT_INTERRUPTED)
		*again = 1;
out:
	dm_session_free(s);
	dm_sink_fini(&sink);
	dm_acct_free(out_acct);
	dm_tui_queue_free(t.q);
	dm_story_free(story);
	return code;
}

void dm_demo_post_signal(void *ctx, int sig)
{
	(void)ctx;
	dm_tui_crt_post_signal(sig);
}
