/* The tune sweep: every setting, several runs each, every run a forked
 * child doing a real session parse, so each row's peak RSS is that
 * process's own high-water mark (getrusage) and not the maximum over
 * everything tuned before it, as it would be in one process (RSS never
 * goes down to a clean slate inside a process). Settings take turns, so
 * a busy spell of the machine lands on all of them, not on one. */
#include "config.h"
#include "tune_cmd.h"
#include "clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "emit.h"
#include "session.h"

#define DEFAULT_RUNS 5
#define SLOW_RUNS 3
#define SLOW_ROUND 10.0     /* seconds: a first round slower than this drops to SLOW_RUNS */
#define TICK_MS 250         /* the progress line's refresh while a run goes on */

/* Set by the signal thread (SIGINT, SIGTERM, SIGHUP): the run in
 * progress is killed within a tick and the sweep ends with what it has. */
static atomic_int stop_sig;

static void on_stop(void *ctx, int sig)
{
	(void)ctx;
	atomic_store(&stop_sig, sig);
}

/* Where the sweep is, for the progress line on a terminal. */
struct progress {
	int tty;
	double t0;
	int done, planned;        /* runs */
	size_t setting, settings; /* 1-based */
	int run, runs;
	const char *what;         /* "chunk 64K buffer 1M" */
};

static void clock_text(double s, char *out, size_t n)
{
	long t = s > 0 ? (long)(s + 0.5) : 0;
	if (t >= 3600)
		snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

static void show_progress(const struct progress *p)
{
	if (!p->tty)
		return;
	double el = dm_mono_s() - p->t0;
	char e[32], left[48] = "";
	clock_text(el, e, sizeof e);
	double t_left = dm_tune_left(p->done, p->planned, el);
	if (t_left >= 0) {
		char l[32];
		clock_text(t_left, l, sizeof l);
		snprintf(left, sizeof left, ", ~%s left", l);
	}
	char line[256];
	snprintf(line, sizeof line, "tune: %s (setting %zu/%zu), run %d/%d, %s elapsed%s", p->what,
	         p->setting, p->settings, p->run, p->runs, e, left);
	/* a line that wraps cannot be rewritten with \r: cut it to the width */
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && (size_t)ws.ws_col - 1 < sizeof line)
		line[ws.ws_col - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

/* In the child: one full session parse; the result goes to fd. */
static void child_run(const struct dm_config *cfg, const char *path, int force, int fd)
{
	struct dm_tune_run r;
	memset(&r, 0, sizeof r);
	struct dm_session_opts so = {.force = force, .progress_every = 3600};
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session *s = dm_session_new(cfg, &so, NULL, NULL, &err);
	if (s && dm_session_add(s, path) >= 0 && dm_session_start(s, &err) == 0) {
		r.exit_code = dm_session_wait(s);
		struct dm_file_info fi;
		struct dm_session_summary sum;
		dm_session_summary(s, &sum);
		if (dm_session_file(s, 0, &fi) == 0) {
			r.ok = fi.state == DM_FILE_DONE;
			r.retried = fi.retried;
			r.seconds = fi.seconds;
			r.bytes = fi.bytes;
			r.records = fi.records_total;
			r.code = fi.code;
			if (fi.error)
				snprintf(r.error, sizeof r.error, "%s", fi.error);
		}
		r.mallocs = sum.mallocs;
		r.reclamations = sum.reclamations;
		r.acct_peak = sum.acct_peak;
	} else {
		dm_error_format(&err, r.error, sizeof r.error);
		r.code = err.code ? err.code : DM_ENOMEM;
		r.exit_code = dm_exit_code(r.code);
	}
	dm_session_free(s);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		r.maxrss = (uint64_t)ru.ru_maxrss * 1024;   /* Linux: kilobytes */
	r.done = 1;
	const char *p = (const char *)&r;
	size_t left = sizeof r;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
}

/* Fork, run, collect. Returns 0 with r filled, -1 (r->error says why), or
 * -2 when a signal stopped the sweep (the child is killed and reaped). */
static int one_run(const struct dm_config *cfg, const char *path, int force, struct dm_tune_run *r,
                   const struct progress *pg)
{
	memset(r, 0, sizeof *r);
	int fds[2];
	if (pipe(fds) != 0) {
		snprintf(r->error, sizeof r->error, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(r->error, sizeof r->error, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dm_cli_signals_child();   /* Ctrl-C ends the run as it would directly */
		close(fds[0]);
		child_run(cfg, path, force, fds[1]);
		_exit(0);   /* not exit(): the parent's stdio buffers are not ours */
	}
	close(fds[1]);
	char *p = (char *)r;
	size_t got = 0;
	while (got < sizeof *r && !stop_sig) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int k = poll(&pfd, 1, TICK_MS);
		if (k == 0 || (k < 0 && errno == EINTR)) {
			show_progress(pg);
			continue;
		}
		if (k < 0)
			break;
		ssize_t n = read(fds[0], p + got, sizeof *r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (stop_sig)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (stop_sig || (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))
		return -2;
	if (got != sizeof *r || !r->done) {
		memset(r, 0, sizeof *r);
		if (WIFSIGNALED(status))
			snprintf(r->error, sizeof r->error, "the run was killed by signal %d",
			         WTERMSIG(status));
		else
			snprintf(r->error, sizeof r->error, "the run ended without a result");
		r->exit_code = DM_EXIT_INPUT;
		return -1;
	}
	return 0;
}

/* One run of row w; its result lands in w. Returns -2 when stopped. */
static int run_setting(const struct dm_config *base, const char *file, int force,
                       struct dm_tune_row *w, struct progress *pg)
{
	struct dm_config cfg = *base;
	cfg.chunk_size = w->chunk;
	cfg.buffer_size = w->buffer;
	cfg.max_concurrent = 1;
	char what[48];
	dm_tune_setting_text(w, 1, what, sizeof what);
	pg->what = what;
	pg->run = w->runs + 1;
	show_progress(pg);
	struct dm_tune_run r;
	int rc = one_run(&cfg, file, force, &r, pg);
	if (rc == -2)
		return -2;
	pg->done++;
	if (dm_tune_row_add(w, &r) != 0) {
		/* the same setting fails the same way again: its other runs go */
		pg->planned -= pg->runs - pg->run;
		if (!pg->tty)
			fprintf(stderr, "tune: %s run %d/%d: failed (%s): %s\n", what, pg->run, pg->runs,
			        dm_tune_error_class(w), w->error);
		return -1;
	}
	double mbps = w->mbps[w->runs - 1];
	if (!pg->tty) {
		char rss[16];
		dm_format_bytes(r.maxrss, rss, sizeof rss);
		fprintf(stderr, "tune: %s run %d/%d: %.1f MB/s, peak RSS %s%s\n", what, pg->run,
		        pg->runs, mbps, rss, r.retried ? ", retried" : "");
	}
	return 0;
}

void dm_tune_sweep(const struct dm_config *base, const char *file, int force, int runs,
                   const uint64_t *chunks, size_t nchunks, const uint64_t *buffers,
                   size_t nbuffers, struct dm_tune_row *rows, struct dm_tune_sweep_info *info)
{
	size_t nrows = nchunks * nbuffers;
	int planned = runs > 0 ? runs : DEFAULT_RUNS;
	struct progress pg = {.tty = isatty(STDERR_FILENO), .t0 = dm_mono_s(),
	                      .planned = (int)nrows * planned, .settings = nrows, .runs = planned};
	for (size_t bi = 0; bi < nbuffers; bi++)
		for (size_t ci = 0; ci < nchunks; ci++)
			dm_tune_row_init(&rows[bi * nchunks + ci], chunks[ci], buffers[bi]);
	atomic_store(&stop_sig, 0);
	dm_cli_signals_on(on_stop, NULL);

	int stopped = 0;
	for (int round = 0; round < planned && !stopped; round++) {
		double t = dm_mono_s();
		for (size_t k = 0; k < nrows && !stopped; k++) {
			size_t i = dm_tune_order(round, k, nrows);
			if (!rows[i].ok)
				continue;
			pg.setting = i + 1;
			stopped = run_setting(base, file, force, &rows[i], &pg) == -2;
		}
		if (round == 0 && runs <= 0 && !stopped && dm_mono_s() - t > SLOW_ROUND) {
			for (size_t i = 0; i < nrows; i++)
				if (rows[i].ok)
					pg.planned -= planned - SLOW_RUNS;
			planned = pg.runs = SLOW_RUNS;
			if (pg.tty)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "tune: a round took %.0f s: %d runs per setting (--runs N to choose)\n",
			        dm_mono_s() - t, planned);
		}
	}
	if (pg.tty)
		fputs("\r\033[K", stderr);
	dm_cli_signals_on(NULL, NULL);

	info->runs = planned;
	info->interrupted = stopped;
	info->runs_done = pg.done;
	info->runs_planned = pg.planned;
	info->seconds = dm_mono_s() - pg.t0;
	info->worst = 0;
	for (size_t i = 0; i < nrows; i++) {
		dm_tune_row_stats(&rows[i]);
		if (!rows[i].ok && rows[i].exit_code > info->worst)
			info->worst = rows[i].exit_code;
	}
}
