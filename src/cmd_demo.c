/* `ddexmon demo`: generate a delivery into a temporary file and watch it
 * parse with the `demo` profile: the dashboard on a terminal, events as
 * JSON lines on stdout otherwise. `--leak` injects a slow leak that the
 * detector suspects and then confirms.
 *
 * The process that made the temporary file is only a supervisor: it forks
 * the generator-and-parser, waits, forwards SIGINT/SIGTERM/SIGHUP, and
 * removes the file however the child ended (a dashboard that exits from a
 * signal handler, a crash, Ctrl-C in the middle of generating). The child
 * is the program as if run directly: its own signal mask and handlers. */
#include "config.h"
#include "cli.h"
#include "clock.h"

#include <errno.h>
#ifdef HAVE_MALLOPT
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "demo_run.h"
#include "demo_story.h"
#include "gen.h"
#include "outfile.h"
#include "profile.h"
#include "session.h"
#include "sink.h"

/* With the demo profile (snapshots 2 s apart, 32M threshold) 12M a second
 * is 48M across three snapshots: suspected after about 4 s, confirmed
 * about 4 s later, while the RSS grows slowly enough to watch. */
#define DEMO_LEAK_RATE "12M"
/* What the command line asked for. */
struct demo_opts {
	uint64_t size, seed;
	int leak;
	int quick, loop;          /* the short parse; the story again and again */
	struct dm_run_req req;   /* the demo profile under the configuration options */
};

/* Headless with --leak: how long to keep watching after the delivery is
 * parsed, for the leak to be confirmed, before giving up. */
#define LEAK_WAIT_S 90.0

/* ---- the child: generate, then dashboard or headless ------------------ */

static int generate(int fd, const char *path, uint64_t size, uint64_t seed)
{
	FILE *f = fdopen(fd, "w");
	if (!f) {
		dm_cli_error("demo: %s: %s", path, strerror(errno));
		return DM_EXIT_INPUT;
	}
	struct dm_gen_opts o = {.size = size, .seed = seed, .ern = 43};
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_gen_write(f, &o, NULL, &err);
	if (fclose(f) != 0 && rc == 0)
		rc = dm_error_set(&err, DM_EIO, "write failed: %s", strerror(errno));
	if (rc) {
		dm_cli_error("demo: %s: %s", path, err.msg);
		return DM_EXIT_INPUT;
	}
	return 0;
}

/* The headless demo: `run --profile demo --no-records --events -`, except
 * that with a leak it keeps the session (and so the sampler, the injected
 * leak and the detector) going after the parse until the leak is
 * confirmed: the point of the demo, which a 200M parse outruns. */
static int headless(const char *path, uint64_t leak_rate, const struct dm_config *cfg,
                    const char *record)
{
	struct dm_sink sink;
	memset(&sink, 0, sizeof sink);
	sink.records = 0;
	sink.sample_events = 1;
	sink.record_path = record;
	dm_sink_open_events(&sink, "-");
	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	if (!out_acct || dm_sink_init(&sink, out_acct) != 0) {
		dm_sink_fini(&sink);
		dm_acct_free(out_acct);
		return DM_EXIT_INPUT;
	}
	struct dm_session_opts so = {.leak_rate = leak_rate};
	struct dm_error err;
	dm_error_clear(&err);
	int code, stopped = 0;
	struct dm_session *s = dm_session_new(cfg, &so, dm_sink_session_ops(&sink), &sink, &err);
	if (!s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	dm_sink_attach(&sink, s);
	dm_cli_signals_stop_session(s);
	if (dm_session_add(s, path) < 0) {
		dm_cli_error("out of memory");
		code = DM_EXIT_INPUT;
		goto out;
	}
	if (dm_session_start(s, &err) != 0) {
		dm_cli_print_error(&err);
		dm_session_stop(s);
		dm_session_wait(s);
		code = dm_exit_code(err.code);
		goto out;
	}
	double parsed_at = 0;
	for (;;) {
		struct timespec tick = {0, 100 * 1000 * 1000};
		nanosleep(&tick, NULL);
		if (dm_cli_signal_seen()) {
			stopped = 1;   /* the signal thread has stopped the session */
			break;
		}
		if (!dm_session_done(s))
			continue;
		if (!leak_rate)
			break;
		struct dm_session_summary sum;
		dm_session_summary(s, &sum);
		if (sum.leaks_confirmed)
			break;
		double now = dm_mono_s();
		if (parsed_at == 0) {
			parsed_at = now;
			fprintf(stderr, "ddexmon demo: delivery parsed; watching the injected leak until "
			                "it is confirmed (at most %.0f s)\n", LEAK_WAIT_S);
		} else if (now - parsed_at > LEAK_WAIT_S) {
			dm_cli_error("demo: the leak was not confirmed within %.0f s", LEAK_WAIT_S);
			break;
		}
	}
	code = dm_session_wait(s);
	if (stopped)
		code = DM_EXIT_INTERRUPTED;
	if (dm_sink_finish(&sink) != 0 && !code)
		code = DM_EXIT_INPUT;
out:
	dm_cli_signals_stop_session(NULL);   /* before the session goes */
	dm_session_free(s);
	dm_sink_fini(&sink);
	dm_acct_free(out_acct);
	return code;
}

static int child_main(int fd, char *path, struct demo_opts *o)
{
	int rc = generate(fd, path, o->size, o->seed);
	if (rc)
		return rc;
	uint64_t rate = 0;
	if (o->leak)
		dm_parse_size(DEMO_LEAK_RATE, &rate);
	/* the dashboard's own fallback without a usable terminal is `run` with
	 * records on the screen; the demo's is events, as when piped */
	const char *term = getenv("TERM");
	if (isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0) {
		o->req.paths = &path;
		o->req.npaths = 1;
		o->req.so.leak_rate = rate;
		return dm_run_dashboard(&o->req);
	}
	return headless(path, rate, &o->req.cfg, o->req.record);
}

/* The story's delivery: a first file that lasts the slow parse and a few
 * seconds at 64K chunks after it, the pools' file (parsed three times),
 * and a last one long enough at small chunks to outlast the leak's
 * detection. */
#define STORY_FILES 3
static const uint64_t story_size[STORY_FILES] = {512ULL << 20, 200ULL << 20, 200ULL << 20};

/* Generate the delivery, tell the story; DEMO_AGAIN asks the supervisor
 * for another round (a loop whose story ended by itself). */
#define DEMO_AGAIN 250
static int story_child(int fds[STORY_FILES], char paths[STORY_FILES][DM_PATH_MAX],
                       const struct demo_opts *o)
{
	for (int i = 0; i < STORY_FILES; i++) {
		int rc = generate(fds[i], paths[i], story_size[i], o->seed + (uint64_t)i);
		if (rc)
			return rc;
	}
#ifdef HAVE_MALLOPT
	/* a fixed mmap threshold: expat's megabyte buffers are mapped, so the
	 * pages a reclamation frees go back to the system at once and RSS falls
	 * with the accounted bytes (glibc's sliding threshold would put the
	 * next ones in a thread's heap, whose top malloc_trim leaves resident,
	 * and the leak detector, which watches RSS, would see a step) */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
	struct dm_demo_run r = {.loop = o->loop};
	r.cfg = o->req.cfg;
	struct dm_error err;
	dm_error_clear(&err);
	/* the story starts slow: its first step is the chunk-size change */
	if (dm_config_set(&r.cfg, "chunk_size", DM_STORY_SLOW_CHUNK, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EXIT_USAGE;
	}
	for (int i = 0; i < STORY_FILES; i++)
		r.paths[i] = paths[i];
	dm_parse_size(DEMO_LEAK_RATE, &r.leak_rate);
	r.max_frames = o->req.max_frames;
	const char *term = getenv("TERM");
	r.tty = isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0;
	int again;
	int code = dm_demo_story_run(&r, &again);
	return again ? DEMO_AGAIN : code;
}

/* ---- the supervisor ---------------------------------------------------- */

/* The signal thread's hook in the supervisor: a signal meant for the
 * demo (kill or timeout(1) on this pid) is passed on to the child. From a
 * terminal the child has it already, and a second one is harmless. */
static int pending_sig;   /* under the signal lock: came before the fork was done */

static void forward(void *ctx, int sig)
{
	pid_t pid = __atomic_load_n((pid_t *)ctx, __ATOMIC_SEQ_CST);
	if (pid > 0)
		kill(pid, sig);
	else
		pending_sig = sig;
}

/* Wait for the child and say how it ended. */
static int supervise(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return DM_EXIT_INPUT;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return DM_EXIT_INPUT;
}

/* One delivery (one file for --quick, the story's three otherwise):
 * made, handed to a child, removed however the child ended. */
static int one_round(struct demo_opts *o, const char *reports)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	int n = o->quick ? 1 : STORY_FILES, made = 0, code = 0;
	char paths[STORY_FILES][DM_PATH_MAX];
	int fds[STORY_FILES];
	for (; made < n; made++) {
		snprintf(paths[made], sizeof paths[made], "%s/ddexmon-demo-XXXXXX.xml", tmp);
		fds[made] = mkstemps(paths[made], 4);
		if (fds[made] < 0) {
			dm_cli_error("demo: cannot create a file in %s: %s", tmp, strerror(errno));
			code = DM_EXIT_INPUT;
			goto out;
		}
	}
	char sz[16];
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += o->quick ? o->size : story_size[i];
	dm_format_size(total, sz, sizeof sz);
	char shown[2][DM_PATH_MAX];
	fprintf(stderr, "ddexmon demo: generating %s demo delivery in %s%s (removed afterwards)%s; "
	        "heap reports go to %s\n", sz, dm_esc(paths[0], shown[0], sizeof shown[0]),
	        n > 1 ? " and 2 more files" : "",
	        o->quick && o->leak ? "; injecting a " DEMO_LEAK_RATE "/s leak" : "",
	        dm_esc(reports, shown[1], sizeof shown[1]));

	/* from the fork on, a signal goes to the child: the supervisor
	 * waits for it and then removes the files however it ended */
	static pid_t child;
	child = -1;
	pending_sig = 0;
	dm_cli_signals_on(forward, &child);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		/* the program as if run directly: its own signal thread */
		dm_cli_signals_init();
		int rc = o->quick ? child_main(fds[0], paths[0], o) : story_child(fds, paths, o);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	if (pid < 0) {
		dm_cli_error("demo: fork: %s", strerror(errno));
		code = DM_EXIT_INPUT;
	} else {
		__atomic_store_n(&child, pid, __ATOMIC_SEQ_CST);
		/* taking the signal lock again: a forward() that saw no child
		 * yet has finished, and any later one sees it */
		dm_cli_signals_on(forward, &child);
		if (pending_sig)
			kill(pid, pending_sig);
		code = supervise(pid);
	}
	dm_cli_signals_on(NULL, NULL);   /* the files go: nothing left to forward */
	if (pending_sig && code == DEMO_AGAIN)
		code = DM_EXIT_INTERRUPTED;
out:
	for (int i = 0; i < made; i++) {
		close(fds[i]);
		if (unlink(paths[i]) != 0)
			dm_cli_error("demo: cannot remove %s: %s", paths[i], strerror(errno));
	}
	return code;
}

enum { OPT_SIZE = DM_OPT_FIRST_FREE, OPT_LEAK, OPT_SEED, OPT_QUICK, OPT_LOOP };

static const struct dm_opt demo_opts[] = {
	{"quick", 0, DM_ARG_NONE, NULL, "just parse one delivery (no story)", OPT_QUICK},
	{"loop", 0, DM_ARG_NONE, NULL, "tell the story again and again (a booth) until q\nor Ctrl-C",
	 OPT_LOOP},
	{"size", 's', DM_ARG_REQUIRED, "SIZE", "size of the delivery (default 200M); implies --quick",
	 OPT_SIZE},
	{"leak", 'l', DM_ARG_NONE, NULL,
	 "(implies --quick) inject a slow leak (" DEMO_LEAK_RATE "/s): the\nleak detector suspects it, "
	 "then confirms it", OPT_LEAK},
	{"seed", 'S', DM_ARG_REQUIRED, "N", "generator seed (default 1)", OPT_SEED},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int demo_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	struct demo_opts o = {.size = 200ULL << 20, .seed = 1};
	const char *v;
	if ((v = dm_args_get(a, OPT_SIZE)) && (dm_parse_size(v, &o.size) != 0 || o.size == 0)) {
		dm_cli_error("--size %s: not a size (e.g. 30M, 200M, 1G)", v);
		return DM_EXIT_USAGE;
	}
	if ((v = dm_args_get(a, OPT_SEED))) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 10);
		if (errno || *end || v[0] < '0' || v[0] > '9') {
			dm_cli_error("--seed %s: not a non-negative integer", v);
			return DM_EXIT_USAGE;
		}
		o.seed = n;
	}
	o.leak = dm_args_has(a, OPT_LEAK) > 0;
	/* a size or a leak is the short run's: the story's delivery is its own */
	o.quick = o.leak || dm_args_get(a, OPT_SIZE) || dm_args_has(a, OPT_QUICK) > 0;
	o.loop = dm_args_has(a, OPT_LOOP) > 0;
	if (a->argc > 0) {
		dm_cli_error("demo: no file arguments (it generates its own; see 'ddexmon demo --help')");
		return DM_EXIT_USAGE;
	}
	/* a missing profile or a bad --set is a usage error now, not after
	 * generating 200M */
	if (dm_cli_run_req(a, "demo", &o.req) != 0)
		return DM_EXIT_USAGE;
	const struct dm_config *check = &o.req.cfg;

	/* where heap reports go, decided (and a private directory made, if it
	 * comes to that) before the fork so that both processes agree */
	char reports[DM_PATH_MAX];
	struct dm_error rerr;
	dm_error_clear(&rerr);
	if (dm_report_dir(check->report_dir, reports, sizeof reports, &rerr) != 0) {
		dm_cli_print_error(&rerr);
		return DM_EXIT_INPUT;
	}

	int code;
	do
		code = one_round(&o, reports);
	while (code == DEMO_AGAIN);
	if (strcmp(check->report_dir, "auto") == 0)
		(void)rmdir(reports);   /* only if no report was written */
	return code;
}

static const struct dm_opt *const demo_tables[] = {
	demo_opts, dm_opts_config, dm_opts_dashboard, dm_opts_record, NULL,
};

const struct dm_cmd dm_cmd_demo = {
	.name = "demo",
	.summary = "generate a delivery and watch it parse (dashboard, or events headless)",
	.usage = "ddexmon demo [OPTIONS]",
	.about = "Generate a synthetic delivery into temporary files (removed afterwards)\n"
	         "and tell a story of about a minute on it with the 'demo' profile: a slow\n"
	         "parse with flat memory, a chunk-size change and its throughput, pools that\n"
	         "fill with each file and empty with each reclamation (a sawtooth, not a\n"
	         "leak), then an injected leak that is suspected, confirmed, and ends in the\n"
	         "budget refusing the last files (exit 3 for those). The dashboard on a\n"
	         "terminal, with a caption and the keys of each step; events as JSON lines\n"
	         "on stdout otherwise (a note event for each step). --quick parses one\n"
	         "delivery, no story.\n",
	.opts = demo_tables,
	.epilogue = "Exit status: 0 when the story was told to its end (the refused files\n"
	            "are its planned ending); 1 usage; 130 interrupted; otherwise as 'run'.\n"
	            "--quick exits as 'run' would. Headless with --leak, the demo keeps\n"
	            "watching after the delivery is parsed until the leak is confirmed (at\n"
	            "most 90 s).\n",
	.fn = demo_main,
};
