/* The tune sweep: every setting, several runs each, every run a forked
 * child doing a real session parse, so each row's peak RSS is that
 * process's own high-water mark (getrusage) and not the maximum over
 * everything tuned before it, as it would be in one process (RSS never
 * goes down to a clean slate inside a process). */
#include "config.h"
#include "tune.h"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "session.h"

#define MB 1e6

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

/* Fork, run, collect. Returns 0 with r filled, or -1 (r->error says why). */
static int one_run(const struct dm_config *cfg, const char *path, int force, struct dm_tune_run *r)
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
	while (got < sizeof *r) {
		ssize_t n = read(fds[0], p + got, sizeof *r - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof *r || !r->done) {
		memset(r, 0, sizeof *r);
		if (WIFSIGNALED(status))
			snprintf(r->error, sizeof r->error, "the run was killed by signal %d",
			         WTERMSIG(status));
		else
			snprintf(r->error, sizeof r->error, "the run ended without a result");
		r->code = WIFSIGNALED(status) && WTERMSIG(status) == SIGINT ? DM_EINTR : 0;
		r->exit_code = WIFSIGNALED(status) && WTERMSIG(status) == SIGINT ? DM_EXIT_INTERRUPTED
		                                                                  : DM_EXIT_INPUT;
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void finish_row(struct dm_tune_row *w)
{
	if (!w->runs)
		return;
	double sorted[DM_TUNE_MAX_RUNS];
	memcpy(sorted, w->mbps, (size_t)w->runs * sizeof sorted[0]);
	qsort(sorted, (size_t)w->runs, sizeof sorted[0], cmp_double);
	w->min = sorted[0];
	w->max = sorted[w->runs - 1];
	w->median = w->runs % 2 ? sorted[w->runs / 2]
	                        : (sorted[w->runs / 2 - 1] + sorted[w->runs / 2]) / 2;
}

int dm_tune_sweep(const struct dm_config *base, const char *file, int force, int runs,
                  const uint64_t *chunks, size_t nchunks, const uint64_t *buffers,
                  size_t nbuffers, struct dm_tune_row *rows, int *worst_out)
{
	size_t nrows = nchunks * nbuffers;
	int tty = isatty(STDERR_FILENO);
	int interrupted = 0, worst = 0;
	char last[48] = " ...";
	for (size_t bi = 0; bi < nbuffers && !interrupted; bi++)
		for (size_t ci = 0; ci < nchunks && !interrupted; ci++) {
			struct dm_tune_row *w = &rows[bi * nchunks + ci];
			w->chunk = chunks[ci];
			w->buffer = buffers[bi];
			w->ok = 1;
			struct dm_config cfg = *base;
			cfg.chunk_size = w->chunk;
			cfg.buffer_size = w->buffer;
			cfg.max_concurrent = 1;
			char c[16], b[16];
			dm_format_size(w->chunk, c, sizeof c);
			dm_format_size(w->buffer, b, sizeof b);
			for (int i = 0; i < runs; i++) {
				if (tty)
					fprintf(stderr, "\r\033[Ktune: [%zu/%zu] chunk %s buffer %s: run %d/%d%s",
					        bi * nchunks + ci + 1, nrows, c, b, i + 1, runs, last);
				struct dm_tune_run r;
				int rc = one_run(&cfg, file, force, &r);
				if (rc != 0 || !r.ok) {
					w->ok = 0;
					w->exit_code = r.exit_code ? r.exit_code : DM_EXIT_INPUT;
					w->code = r.code;
					snprintf(w->error, sizeof w->error, "%s", r.error[0] ? r.error : "failed");
					if (r.exit_code == DM_EXIT_INTERRUPTED)
						interrupted = 1;
					if (!tty)
						fprintf(stderr, "tune: chunk %s buffer %s run %d/%d: failed (%s): %s\n",
						        c, b, i + 1, runs, dm_tune_error_class(w), w->error);
					break;   /* the same setting fails the same way again */
				}
				double mbps = r.seconds > 0 ? (double)r.bytes / MB / r.seconds : 0;
				snprintf(last, sizeof last, " (last: %.1f MB/s)", mbps);
				w->mbps[w->runs++] = mbps;
				if (r.maxrss > w->maxrss)
					w->maxrss = r.maxrss;
				if (r.acct_peak > w->acct_peak)
					w->acct_peak = r.acct_peak;
				w->retried |= r.retried;
				w->mallocs = r.mallocs;
				w->reclamations = r.reclamations;
				w->records = r.records;
				char rss[16];
				dm_format_bytes(r.maxrss, rss, sizeof rss);
				if (!tty)
					fprintf(stderr, "tune: chunk %s buffer %s run %d/%d: %.1f MB/s, peak RSS %s%s\n",
					        c, b, i + 1, runs, mbps, rss, r.retried ? ", retried" : "");
			}
			finish_row(w);
			if (!w->ok && w->exit_code > worst)
				worst = w->exit_code;
		}
	if (tty)
		fputs("\r\033[K", stderr);
	*worst_out = worst;
	return interrupted;
}
