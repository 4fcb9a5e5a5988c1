/* `ddexmon tune FILE`: parse one file at each chunk size (and buffer size)
 * several times and tabulate median MB/s, peak RSS, allocations and
 * reclamations, marking the fastest setting that stays within the budget.
 *
 * Every run is a forked child doing a real session parse, so each row's
 * peak RSS is that process's own high-water mark (getrusage) and not the
 * maximum over everything tuned before it, as it would be in one process
 * (RSS never goes down to a clean slate inside a process). */
#include "config.h"
#include "cli.h"
#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "emit.h"
#include "profile.h"
#include "session.h"

#define MAX_SIZES 32
#define MAX_RUNS 100
#define MB 1e6

static const char default_chunks[] = "4K,16K,64K,256K,1M,4M";

static void usage(FILE *f)
{
	fputs("Usage: ddexmon tune FILE [OPTIONS]\n"
	      "Parse FILE at each chunk size (and buffer size), N times each, and print\n"
	      "median MB/s, peak RSS, allocations and reclamations per setting; the\n"
	      "fastest setting within the budget (max_memory) is marked '*'.\n\n"
	      "  --chunks LIST         chunk sizes (default 4K,16K,64K,256K,1M,4M)\n"
	      "  --buffers LIST        buffer sizes to sweep as well (default: the profile's)\n"
	      "  --runs N              runs per setting; the median is reported (default 3)\n"
	      "  --csv OUT             also write the table as CSV (atomically)\n"
	      "  --write-profile NAME  save the base configuration with the best setting as\n"
	      "                        $XDG_CONFIG_HOME/ddexmon/profiles/NAME.profile\n"
	      "  --profile NAME|FILE   the base configuration (see 'ddexmon profiles')\n"
	      "  --set KEY=VALUE       override one key of the base (repeatable)\n"
	      "  --force               start even when MemAvailable < max_memory\n"
	      "  -h, --help            this help\n\n"
	      "Each run is a separate process, so peak RSS is per setting.\n"
	      "Exit status: 0 ok, 1 usage, 2 input error (also: FILE missing), 3 memory\n"
	      "limit (when every setting failed, the worst of their errors), 130 interrupted.\n", f);
}

/* What one child reports through its pipe. */
struct run_result {
	int done;                 /* the child got to the end */
	int ok;                   /* the file parsed */
	int retried;              /* it needed the half-chunk retry */
	int exit_code;
	double seconds;
	uint64_t bytes, records, mallocs, reclamations, acct_peak, maxrss;
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
};

struct row {
	uint64_t chunk, buffer;
	int runs, ok, retried, exit_code;
	double mbps[MAX_RUNS];
	double median, min, max;
	uint64_t maxrss, acct_peak, mallocs, reclamations, records;
	char error[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
};

static int parse_list(const char *arg, const char *key, uint64_t *out, size_t *n)
{
	char buf[512];
	if (strlen(arg) >= sizeof buf) {
		dm_cli_error("%s: list too long", key);
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", arg);
	*n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct dm_config c;
		struct dm_error err;
		dm_config_init(&c);
		dm_error_clear(&err);
		while (isspace((unsigned char)*tok))
			tok++;
		/* the key's own validation gives the units and range in the message */
		if (dm_config_set(&c, key, tok, &err) != 0) {
			dm_cli_error("--%ss: %s", key[0] == 'c' ? "chunk" : "buffer", err.msg);
			return -1;
		}
		if (*n >= MAX_SIZES) {
			dm_cli_error("at most %d sizes in a list", MAX_SIZES);
			return -1;
		}
		out[(*n)++] = key[0] == 'c' ? c.chunk_size : c.buffer_size;
	}
	if (*n == 0) {
		dm_cli_error("empty list of sizes");
		return -1;
	}
	return 0;
}

/* In the child: one full session parse; the result goes to fd. */
static void child_run(const struct dm_config *cfg, const char *path, int force, int fd)
{
	struct run_result r;
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
			if (fi.error)
				snprintf(r.error, sizeof r.error, "%s", fi.error);
		}
		r.mallocs = sum.mallocs;
		r.reclamations = sum.reclamations;
		r.acct_peak = sum.acct_peak;
	} else {
		dm_error_format(&err, r.error, sizeof r.error);
		r.exit_code = dm_exit_code(err.code ? err.code : DM_ENOMEM);
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
static int one_run(const struct dm_config *cfg, const char *path, int force, struct run_result *r)
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

static void finish_row(struct row *w)
{
	if (!w->runs)
		return;
	double sorted[MAX_RUNS];
	memcpy(sorted, w->mbps, (size_t)w->runs * sizeof sorted[0]);
	qsort(sorted, (size_t)w->runs, sizeof sorted[0], cmp_double);
	w->min = sorted[0];
	w->max = sorted[w->runs - 1];
	w->median = w->runs % 2 ? sorted[w->runs / 2]
	                        : (sorted[w->runs / 2 - 1] + sorted[w->runs / 2]) / 2;
}

/* A row counts for "best" when every run parsed the file without the
 * half-chunk retry. The budget (max_memory) bounds accounted memory and
 * the accountant enforces it: a chunk size that does not fit fails or is
 * retried. (Peak RSS also counts the program itself, a few megabytes, so
 * it is shown but not held against the budget.) */
static int eligible(const struct row *w)
{
	return w->ok && !w->retried;
}

static void size_text(uint64_t v, char *buf, size_t n)
{
	dm_format_size(v, buf, n);
}

static void print_table(const struct row *rows, size_t n, int with_buffers, int best)
{
	printf("\n  %-6s%s  %8s  %15s  %9s  %9s  %9s  %8s\n", "chunk", with_buffers ? "  buffer" : "",
	       "MB/s", "(min-max)", "peak RSS", "accounted", "allocs", "reclaims");
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char c[16], b[16], rss[16], acc[16], range[32];
		size_text(w->chunk, c, sizeof c);
		size_text(w->buffer, b, sizeof b);
		printf("%c %-6s", (int)i == best ? '*' : ' ', c);
		if (with_buffers)
			printf("  %-6s", b);
		if (!w->ok) {
			printf("  failed: %s\n", w->error);
			continue;
		}
		dm_format_bytes(w->maxrss, rss, sizeof rss);
		dm_format_bytes(w->acct_peak, acc, sizeof acc);
		snprintf(range, sizeof range, "(%.1f-%.1f)", w->min, w->max);
		printf("  %8.1f  %15s  %9s  %9s  %9llu  %8llu", w->median, range, rss, acc,
		       (unsigned long long)w->mallocs, (unsigned long long)w->reclamations);
		if ((int)i == best)
			printf("  best");
		else if (w->retried)
			printf("  over budget: retried with half the chunk");
		putchar('\n');
	}
}

static int write_csv(const char *path, const struct row *rows, size_t n, int best)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	if (!a) {
		dm_cli_error("%s: out of memory", path);
		return -1;
	}
	struct dm_buf b;
	dm_buf_init(&b, a, DM_TAG_OUTPUT);
	dm_buf_puts(&b, "chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,"
	                "mbps_min,mbps_max,peak_rss_bytes,accounted_peak_bytes,allocations,"
	                "reclamations,records,best,error\n");
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		char c[16], bb[16];
		size_text(w->chunk, c, sizeof c);
		size_text(w->buffer, bb, sizeof bb);
		/* the error is free text: quote it and double its quotes */
		char err[sizeof w->error * 2 + 3];
		size_t k = 0;
		err[k++] = '"';
		for (const char *p = w->error; *p && k < sizeof err - 3; p++) {
			if (*p == '"')
				err[k++] = '"';
			err[k++] = *p;
		}
		err[k++] = '"';
		err[k] = '\0';
		dm_buf_printf(&b, "%s,%llu,%s,%llu,%d,%d,%d,%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%d,%s\n",
		              c, (unsigned long long)w->chunk, bb, (unsigned long long)w->buffer,
		              w->runs, w->ok, w->retried, w->median, w->min, w->max,
		              (unsigned long long)w->maxrss, (unsigned long long)w->acct_peak,
		              (unsigned long long)w->mallocs, (unsigned long long)w->reclamations,
		              (unsigned long long)w->records, (int)i == best, w->error[0] ? err : "");
	}
	struct dm_error e;
	dm_error_clear(&e);
	int rc = b.failed ? dm_error_set(&e, DM_EIO, "%s: out of memory", path)
	                  : dm_write_atomic(path, b.data, b.len, &e);
	dm_buf_fini(&b);
	dm_acct_free(a);
	if (rc) {
		dm_cli_print_error(&e);
		return -1;
	}
	return 0;
}

static int valid_name(const char *name)
{
	if (!*name || name[0] == '.' || strlen(name) >= DM_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/* The base configuration with the chosen sizes, as a profile in the user's
 * profile directory, written atomically and read back as a check. */
static int write_profile(const char *name, const struct dm_config *base, const struct row *w,
                         const char *file, int runs)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char dir[DM_PATH_MAX], path[DM_PATH_MAX + DM_NAME_MAX + 16];
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/ddexmon/profiles", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.config/ddexmon/profiles", home);
	else {
		dm_cli_error("--write-profile: neither XDG_CONFIG_HOME nor HOME is set");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.profile", dir, name);

	struct dm_config cfg = *base, def;
	dm_config_init(&def);
	cfg.chunk_size = w->chunk;
	cfg.buffer_size = w->buffer;
	/* a '#' would start a comment: keep the file's base name without them */
	const char *stem = strrchr(file, '/');
	stem = stem ? stem + 1 : file;
	char clean[64];
	size_t k = 0;
	for (const char *p = stem; *p && k < sizeof clean - 1; p++)
		clean[k++] = (*p == '#' || (unsigned char)*p < 0x20) ? '_' : *p;
	clean[k] = '\0';
	char c[16], b[16], when[32];
	size_text(w->chunk, c, sizeof c);
	size_text(w->buffer, b, sizeof b);
	dm_iso_time(dm_wall_ms(), when, sizeof when);
	snprintf(cfg.description, sizeof cfg.description, "tuned on %s: chunk %s, buffer %s, %.1f MB/s",
	         clean, c, b, w->median);

	struct dm_acct *a = dm_acct_new(NULL, 0);
	if (!a) {
		dm_cli_error("--write-profile: out of memory");
		return -1;
	}
	struct dm_buf t;
	dm_buf_init(&t, a, DM_TAG_OUTPUT);
	char rss[16];
	dm_format_bytes(w->maxrss, rss, sizeof rss);
	dm_buf_printf(&t, "# %s: written by `ddexmon tune` at %s\n"
	                  "# from %s, %d run%s per setting, base profile '%s'.\n"
	                  "# Best within the budget: chunk %s, buffer %s: %.1f MB/s median,\n"
	                  "# peak RSS %s. Keys equal to the built-in defaults are left out.\n\n",
	              name, when, clean, runs, runs == 1 ? "" : "s", base->name, c, b, w->median, rss);
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *key = dm_config_key_at(i);
		char v[DM_PATH_MAX], d[DM_PATH_MAX];
		if (strcmp(key->name, "name") == 0)
			continue;   /* the file's stem names it */
		dm_config_format(&cfg, key, v, sizeof v);
		dm_config_format(&def, key, d, sizeof d);
		int always = strcmp(key->name, "chunk_size") == 0 || strcmp(key->name, "buffer_size") == 0 ||
		             strcmp(key->name, "description") == 0;
		if (!always && strcmp(v, d) == 0)
			continue;
		if (strchr(v, '#')) {
			dm_cli_error("--write-profile: %s = %s cannot be written (a '#' starts a comment)",
			             key->name, v);
			dm_buf_fini(&t);
			dm_acct_free(a);
			return -1;
		}
		dm_buf_printf(&t, "%s = %s\n", key->name, v);
	}
	struct dm_error e;
	dm_error_clear(&e);
	int rc = t.failed ? dm_error_set(&e, DM_EIO, "out of memory") : dm_mkdirs(dir, &e);
	if (!rc)
		rc = dm_write_atomic(path, t.data, t.len, &e);
	dm_buf_fini(&t);
	dm_acct_free(a);
	if (!rc) {
		struct dm_config check;
		dm_config_init(&check);
		rc = dm_config_load(&check, path, &e);
	}
	if (rc) {
		dm_cli_print_error(&e);
		return -1;
	}
	printf("\nwrote profile '%s' to %s (use: --profile %s)\n", name, path, name);
	return 0;
}

enum {
	OPT_CHUNKS = DM_OPT_FIRST_FREE,
	OPT_BUFFERS,
	OPT_RUNS,
	OPT_CSV,
	OPT_WRITE,
	OPT_FORCE,
};

int dm_cmd_tune(int argc, char **argv)
{
	static const struct option longopts[] = {
		DM_CONFIG_LONGOPTS,
		{"chunks", required_argument, NULL, OPT_CHUNKS},
		{"buffers", required_argument, NULL, OPT_BUFFERS},
		{"runs", required_argument, NULL, OPT_RUNS},
		{"csv", required_argument, NULL, OPT_CSV},
		{"write-profile", required_argument, NULL, OPT_WRITE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_cli_config cc = {0};
	const char *chunks_arg = default_chunks, *buffers_arg = NULL;
	const char *csv = NULL, *profile_name = NULL;
	int runs = 3, force = 0, opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = dm_cli_config_opt(&cc, opt, optarg);
		if (r < 0)
			return DM_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case OPT_CHUNKS: chunks_arg = optarg; break;
		case OPT_BUFFERS: buffers_arg = optarg; break;
		case OPT_RUNS: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > MAX_RUNS) {
				dm_cli_error("--runs %s: a whole number from 1 to %d", optarg, MAX_RUNS);
				return DM_EXIT_USAGE;
			}
			runs = (int)v;
			break;
		}
		case OPT_CSV: csv = optarg; break;
		case OPT_WRITE: profile_name = optarg; break;
		case OPT_FORCE: force = 1; break;
		case 'h': usage(stdout); return DM_EXIT_OK;
		default: usage(stderr); return DM_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		dm_cli_error("tune: one FILE to parse (try 'ddexmon tune --help')");
		return DM_EXIT_USAGE;
	}
	const char *file = argv[optind];
	struct stat st;
	if (strcmp(file, "-") == 0) {
		dm_cli_error("tune: not standard input: FILE is read once per run");
		return DM_EXIT_USAGE;
	}
	if (stat(file, &st) != 0) {
		dm_cli_error("%s: %s", file, strerror(errno));
		return DM_EXIT_INPUT;
	}
	if (!S_ISREG(st.st_mode)) {
		dm_cli_error("%s: not a regular file (tune reads it several times)", file);
		return DM_EXIT_USAGE;
	}
	if (profile_name && !valid_name(profile_name)) {
		dm_cli_error("--write-profile %s: a name of letters, digits, '-', '_' and '.'",
		             profile_name);
		return DM_EXIT_USAGE;
	}
	uint64_t chunks[MAX_SIZES], buffers[MAX_SIZES];
	size_t nchunks = 0, nbuffers = 1;
	if (parse_list(chunks_arg, "chunk_size", chunks, &nchunks) != 0)
		return DM_EXIT_USAGE;
	struct dm_config base;
	if (dm_cli_config_apply(&cc, &base) != 0)
		return DM_EXIT_USAGE;
	buffers[0] = base.buffer_size;
	if (buffers_arg && parse_list(buffers_arg, "buffer_size", buffers, &nbuffers) != 0)
		return DM_EXIT_USAGE;

	size_t nrows = nchunks * nbuffers;
	struct row *rows = calloc(nrows, sizeof *rows);
	if (!rows) {
		dm_cli_error("out of memory");
		return DM_EXIT_INPUT;
	}
	int tty = isatty(STDERR_FILENO);
	char fsz[16], budget_text[16];
	dm_format_bytes((uint64_t)st.st_size, fsz, sizeof fsz);
	dm_format_size(base.max_memory, budget_text, sizeof budget_text);
	fprintf(stderr, "tune: %s (%s), %zu setting%s x %d run%s, profile '%s', budget %s\n", file, fsz,
	        nrows, nrows == 1 ? "" : "s", runs, runs == 1 ? "" : "s", base.name, budget_text);

	int interrupted = 0, worst = 0;
	char last[48] = " ...";
	for (size_t bi = 0; bi < nbuffers && !interrupted; bi++)
		for (size_t ci = 0; ci < nchunks && !interrupted; ci++) {
			struct row *w = &rows[bi * nchunks + ci];
			w->chunk = chunks[ci];
			w->buffer = buffers[bi];
			w->ok = 1;
			struct dm_config cfg = base;
			cfg.chunk_size = w->chunk;
			cfg.buffer_size = w->buffer;
			cfg.max_concurrent = 1;
			char c[16], b[16];
			size_text(w->chunk, c, sizeof c);
			size_text(w->buffer, b, sizeof b);
			for (int i = 0; i < runs; i++) {
				if (tty)
					fprintf(stderr, "\r\033[Ktune: [%zu/%zu] chunk %s buffer %s: run %d/%d%s",
					        bi * nchunks + ci + 1, nrows, c, b, i + 1, runs, last);
				struct run_result r;
				int rc = one_run(&cfg, file, force, &r);
				if (rc != 0 || !r.ok) {
					w->ok = 0;
					w->exit_code = r.exit_code ? r.exit_code : DM_EXIT_INPUT;
					snprintf(w->error, sizeof w->error, "%s", r.error[0] ? r.error : "failed");
					if (r.exit_code == DM_EXIT_INTERRUPTED)
						interrupted = 1;
					if (!tty)
						fprintf(stderr, "tune: chunk %s buffer %s run %d/%d: failed: %s\n", c,
						        b, i + 1, runs, w->error);
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

	int best = -1;
	for (size_t i = 0; i < nrows; i++)
		if (eligible(&rows[i]) &&
		    (best < 0 || rows[i].median > rows[best].median))
			best = (int)i;
	print_table(rows, nrows, buffers_arg != NULL, best);
	printf("\n%s: %s, %d run%s per setting, budget %s (profile '%s').\n", file, fsz, runs,
	       runs == 1 ? "" : "s", budget_text, base.name);
	if (best >= 0) {
		char c[16], b[16];
		size_text(rows[best].chunk, c, sizeof c);
		size_text(rows[best].buffer, b, sizeof b);
		printf("* best within the budget: chunk_size = %s%s%s (%.1f MB/s)\n", c,
		       buffers_arg ? ", buffer_size = " : "", buffers_arg ? b : "", rows[best].median);
	} else {
		printf("No setting parsed the file within the budget.\n");
	}

	int code = DM_EXIT_OK;
	if (csv && write_csv(csv, rows, nrows, best) != 0)
		code = DM_EXIT_INPUT;
	if (profile_name) {
		if (best < 0) {
			dm_cli_error("--write-profile: no setting to save");
			code = code ? code : (worst ? worst : DM_EXIT_INPUT);
		} else if (write_profile(profile_name, &base, &rows[best], file, runs) != 0) {
			code = DM_EXIT_INPUT;
		}
	}
	if (interrupted)
		code = DM_EXIT_INTERRUPTED;
	else if (best < 0 && !code)
		code = worst ? worst : DM_EXIT_INPUT;
	free(rows);
	if (fflush(stdout) != 0 && !code) {
		dm_cli_error("standard output: write error");
		code = DM_EXIT_INPUT;
	}
	return code;
}
