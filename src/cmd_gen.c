/* `ddexmon gen`: write a synthetic ERN delivery of a given size.
 *
 * A regular file is written under a temporary name in the same directory
 * and renamed into place only when complete and synced, so an interrupted
 * run never leaves a truncated delivery that looks like a real one. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "gen.h"
#include "outfile.h"
#include "profile.h"

/* Until src/commands.h declares it. */
int dm_cmd_gen(int argc, char **argv);

static const char usage[] =
	"Usage: ddexmon gen [--size SIZE] [--seed N] [--ern 43|382] [OUT|-]\n"
	"Write a synthetic, deterministic DDEX ERN NewReleaseMessage to OUT\n"
	"(default: standard output).\n"
	"\n"
	"  -s, --size SIZE   target size, e.g. 100K, 10M, 1G (default 10M)\n"
	"  -S, --seed N      seed; the same seed and options give the same bytes (default 1)\n"
	"  -e, --ern VER     ERN version: 43 (4.3) or 382 (3.8.2) (default 43)\n"
	"  -h, --help        show this help\n"
	"\n"
	"A regular file OUT is replaced atomically; a device or FIFO is written in\n"
	"place; a symbolic link is refused. A summary line goes to standard error.\n"
	"Exit status: 0 ok, 1 usage error, 2 write error.\n";

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

int dm_cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"ern", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_gen_opts o = {10ULL << 20, 1, 43};
	struct dm_gen_counts c;
	struct dm_error err;
	const char *out = "-";
	int ch;

	dm_error_clear(&err);
	opterr = 0;
#ifdef __GLIBC__
	optind = 0;   /* glibc: also resets state left by an earlier getopt */
#else
	optind = 1;
#endif
	while ((ch = getopt_long(argc, argv, ":s:S:e:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (dm_parse_size(optarg, &o.size) != 0 || o.size == 0)
				return fail(DM_EXIT_USAGE, "--size: '%s' is not a size of at least 1 byte (e.g. 100K, 10M, 1G)", optarg);
			break;
		case 'S':
			if (parse_seed(optarg, &o.seed) != 0)
				return fail(DM_EXIT_USAGE, "--seed: '%s' is not a non-negative integer", optarg);
			break;
		case 'e':
			if (parse_ern(optarg, &o.ern) != 0)
				return fail(DM_EXIT_USAGE, "--ern: '%s' is not 43 or 382", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) == 0 ? DM_EXIT_OK : DM_EXIT_INPUT;
		case ':':
			return fail(DM_EXIT_USAGE, "option '%s' needs a value", argv[optind - 1]);
		default:
			return fail(DM_EXIT_USAGE, "unknown option '%s' (try 'ddexmon gen --help')", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return fail(DM_EXIT_USAGE, "too many arguments: one output file at most (try 'ddexmon gen --help')");
	if (argc - optind == 1)
		out = argv[optind];

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
