/* `ddexmon gen`: write a synthetic ERN delivery of a given size.
 *
 * A regular file is written under a temporary name in the same directory
 * and renamed into place only when complete and synced, so an interrupted
 * run never leaves a truncated delivery that looks like a real one. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "gen.h"
#include "outfile.h"
#include "profile.h"

static int fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(int status, const char *fmt, ...)
{
	char raw[2048], line[sizeof raw * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	fprintf(stderr, "ddexmon: gen: %s\n", dm_esc(raw, line, sizeof line));
	return status;
}

static int parse_seed(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_ern(const char *s, int *out)
{
	if (!strcmp(s, "43") || !strcmp(s, "4.3"))
		*out = 43;
	else if (!strcmp(s, "382") || !strcmp(s, "3.8.2"))
		*out = 382;
	else
		return -1;
	return 0;
}

/* OUT (or "-") under the file-writing rules of outfile.h: a regular file
 * is replaced only when complete, a device or FIFO is written in place. */
static int write_out(const char *path, const struct dm_gen_opts *o,
                     struct dm_gen_counts *c, struct dm_error *err)
{
	struct dm_out out;
	if (dm_out_open(&out, path, DM_OUT_STREAM, err) != 0)
		return DM_EIO;
	int rc = dm_gen_write(out.f, o, c, err);
	if (rc != 0) {
		char msg[DM_ERRMSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		dm_error_set(err, rc, "%s: %s", out.path, msg);
		dm_out_abort(&out);
		return rc;
	}
	return dm_out_commit(&out, err);
}

enum { OPT_SIZE = DM_OPT_FIRST_FREE, OPT_SEED, OPT_ERN };

static const struct dm_opt gen_opts[] = {
	{"size", 's', DM_ARG_REQUIRED, "SIZE", "target size, e.g. 100K, 10M, 1G (default 10M)", OPT_SIZE},
	{"seed", 'S', DM_ARG_REQUIRED, "N",
	 "seed; the same seed and options give the same bytes\n(default 1)", OPT_SEED},
	{"ern", 'e', DM_ARG_REQUIRED, "VER", "ERN version: 43 (4.3) or 382 (3.8.2) (default 43)", OPT_ERN},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int gen_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	struct dm_gen_opts o = {10ULL << 20, 1, 43};
	struct dm_gen_counts c;
	struct dm_error err;
	const char *out = "-", *v;

	dm_error_clear(&err);
	if ((v = dm_args_get(a, OPT_SIZE)) && (dm_parse_size(v, &o.size) != 0 || o.size == 0))
		return fail(DM_EXIT_USAGE, "--size: '%s' is not a size of at least 1 byte (e.g. 100K, 10M, 1G)", v);
	if ((v = dm_args_get(a, OPT_SEED)) && parse_seed(v, &o.seed) != 0)
		return fail(DM_EXIT_USAGE, "--seed: '%s' is not a non-negative integer", v);
	if ((v = dm_args_get(a, OPT_ERN)) && parse_ern(v, &o.ern) != 0)
		return fail(DM_EXIT_USAGE, "--ern: '%s' is not 43 or 382", v);
	if (a->argc > 1)
		return fail(DM_EXIT_USAGE, "too many arguments: one output file at most (try 'ddexmon gen --help')");
	if (a->argc == 1)
		out = a->argv[0];

	int rc = write_out(out, &o, &c, &err);
	if (rc != 0)
		return fail(rc == DM_EUSAGE ? DM_EXIT_USAGE : DM_EXIT_INPUT, "%s", err.msg);

	fprintf(stderr, "ddexmon gen: wrote %" PRIu64 " bytes, %" PRIu64 " releases, %" PRIu64
	        " track releases, %" PRIu64 " sound recordings, %" PRIu64 " images, %" PRIu64
	        " release deals, %" PRIu64 " deals, %" PRIu64 " parties (ERN %s, seed %" PRIu64 ")\n",
	        c.bytes, c.releases, c.track_releases, c.sound_recordings, c.images,
	        c.release_deals, c.deals, c.parties, o.ern == 43 ? "4.3" : "3.8.2", o.seed);
	return DM_EXIT_OK;
}

static const struct dm_opt *const gen_tables[] = {gen_opts, NULL};

const struct dm_cmd dm_cmd_gen = {
	.name = "gen",
	.summary = "generate a synthetic ERN delivery of any size",
	.usage = "ddexmon gen [OPTIONS] [OUT|-]",
	.about = "Write a synthetic, deterministic DDEX ERN NewReleaseMessage to OUT\n"
	         "(default: standard output).\n",
	.opts = gen_tables,
	.epilogue = "A regular file OUT is replaced atomically; a device or FIFO is written in\n"
	            "place; a symbolic link is refused. A summary line goes to standard error.\n"
	            "Exit status: 0 ok, 1 usage error, 2 write error.\n",
	.fn = gen_main,
};
