/* `ddexmon parse`: records as JSON lines on stdout, a summary on stderr. */
#include "config.h"
#include "cli.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "buf.h"
#include "emit.h"
#include "parser.h"
#include "split.h"

#define FLUSH_AT (64 * 1024)

struct parse_ctx {
	struct dm_buf out;
	int summary_only;
	int write_failed;
	uint64_t counts[DM_REC_TYPES];
	uint64_t skipped;
};

static int flush_out(struct parse_ctx *c)
{
	int e = dm_write_all(STDOUT_FILENO, c->out.data, c->out.len);
	dm_buf_reset(&c->out);
	if (e)
		c->write_failed = e;
	return e ? DM_EIO : 0;
}

static int on_record(void *ctx, const struct dm_record *r)
{
	struct parse_ctx *c = ctx;
	c->counts[r->type]++;
	if (c->summary_only)
		return 0;
	size_t mark = c->out.len;
	if (dm_record_to_json(r, &c->out) != 0 || (dm_buf_putc(&c->out, '\n'), c->out.failed)) {
		/* keep only whole lines */
		c->out.len = mark;
		c->out.failed = 0;
		return DM_ENOMEM;
	}
	if (c->out.len >= FLUSH_AT)
		return flush_out(c);
	return 0;
}

static void on_record_error(void *ctx, const struct dm_error *e)
{
	struct parse_ctx *c = ctx;
	c->skipped++;
	dm_cli_print_error(e);
}

static void on_record_error_split(void *ctx, const struct dm_error *e)
{
	on_record_error(ctx, e);
}

static const struct dm_consumer consumer = {
	.record = on_record,
	.record_error = on_record_error,
};

/* --split N is the key split_workers: kept with the other overrides. */
static int split_arg(const char *arg, struct dm_cli_config *cc)
{
	static char buf[48];
	if (strlen(arg) > 20) {
		dm_cli_error("--split %s: not a number of threads", arg);
		return -1;
	}
	snprintf(buf, sizeof buf, "split_workers=%s", arg);
	return dm_cli_config_opt(cc, DM_OPT_SET, buf) < 0 ? -1 : 0;
}

static int split_write(void *ctx, const char *data, size_t len)
{
	struct parse_ctx *c = ctx;
	if (c->summary_only)
		return 0;
	int e = dm_write_all(STDOUT_FILENO, data, len);
	if (e)
		c->write_failed = e;
	return e ? DM_EIO : 0;
}

/* One file on split_workers threads; counts into c. */
static int parse_split(struct parse_ctx *c, const char *path, const struct dm_config *cfg,
                       struct dm_acct *acct, uint64_t *bytes)
{
	struct dm_split_out out = {.write = split_write, .ctx = c};
	struct dm_split_stats st;
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_split_parse(path, cfg, acct, (unsigned)cfg->split_workers, &out,
	                        on_record_error_split, &st, &err);
	*bytes += st.bytes;
	for (int t = 0; t < DM_REC_TYPES; t++)
		c->counts[t] += st.records[t];
	if (st.fell_back && !rc)
		dm_cli_error("%s: parsed on one thread (%s)", path, st.why);
	if (rc && c->write_failed)
		dm_cli_error("standard output: write error: %s", strerror(c->write_failed));
	else if (rc)
		dm_cli_print_error(&err);
	return rc;
}

static void usage(FILE *f)
{
	fputs("Usage: ddexmon parse [OPTIONS] FILE...|-\n"
	      "Parse DDEX ERN messages in bounded memory; one JSON record per line on stdout.\n\n"
	      "  --profile NAME|FILE   load a profile (see 'ddexmon profiles')\n"
	      "  --set KEY=VALUE       override one configuration key (repeatable)\n"
	      "  --chunk-size N        shorthand for --set chunk_size=N (e.g. 64K)\n"
	      "  --summary-only        print no records, only the summary\n"
	      "  --split N             parse each file on N threads (split_workers=N);\n"
	      "                        output is identical to a one-thread parse\n"
	      "  -h, --help            this help\n\n"
	      "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit.\n", f);
}

int dm_cmd_parse(int argc, char **argv)
{
	static const struct option longopts[] = {
		DM_CONFIG_LONGOPTS,
		{"summary-only", no_argument, NULL, 's'},
		{"split", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct dm_cli_config cc = {0};
	struct parse_ctx c;
	memset(&c, 0, sizeof c);
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = dm_cli_config_opt(&cc, opt, optarg);
		if (r < 0)
			return DM_EXIT_USAGE;
		if (r)
			continue;
		switch (opt) {
		case 's': c.summary_only = 1; break;
		case 'S':
			if (split_arg(optarg, &cc) != 0)
				return DM_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return DM_EXIT_OK;
		default: usage(stderr); return DM_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dm_cli_error("parse: no input file (use - for standard input)");
		usage(stderr);
		return DM_EXIT_USAGE;
	}
	struct dm_config cfg;
	if (dm_cli_config_apply(&cc, &cfg) != 0)
		return DM_EXIT_USAGE;

	struct dm_acct *acct = dm_acct_new(NULL, cfg.max_memory);
	if (!acct) {
		dm_cli_error("out of memory");
		return DM_EXIT_MEMORY;
	}
	dm_buf_init(&c.out, acct, DM_TAG_OUTPUT);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_parser *p = dm_parser_new(acct, &cfg, &consumer, &c, &err);
	if (!p) {
		dm_cli_print_error(&err);
		dm_acct_free(acct);
		return DM_EXIT_MEMORY;
	}
	double t0 = dm_mono_s();
	uint64_t bytes = 0;
	int worst = 0, nfailed = 0;
	for (int i = optind; i < argc; i++) {
		if (cfg.split_workers > 1) {
			int rc = parse_split(&c, argv[i], &cfg, acct, &bytes);
			if (rc) {
				nfailed++;
				if (dm_exit_code(rc) > dm_exit_code(worst) || !worst)
					worst = rc;
				if (c.write_failed)
					break;
			}
			continue;
		}
		int rc = dm_parser_parse_file(p, argv[i]);
		struct dm_parser_stats st;
		dm_parser_stats(p, &st);
		bytes += st.bytes;
		int frc = flush_out(&c);
		if (frc || c.write_failed) {
			dm_cli_error("standard output: write error: %s", strerror(c.write_failed));
			worst = DM_EIO;
			nfailed++;
			break;
		}
		if (rc) {
			dm_cli_print_error(dm_parser_error(p));
			nfailed++;
			if (dm_exit_code(rc) > dm_exit_code(worst) || !worst)
				worst = rc;
		}
	}
	double secs = dm_mono_s() - t0;
	struct dm_acct_stats as;
	dm_acct_stats(acct, &as);
	char peak[32];
	dm_format_bytes(as.peak, peak, sizeof peak);
	fprintf(stderr,
	        "ddexmon: %d file%s%s, %llu bytes in %.3f s (%.1f MB/s): %llu header, %llu party, "
	        "%llu resource, %llu release, %llu deal records%s; peak accounted %s\n",
	        argc - optind, argc - optind == 1 ? "" : "s", nfailed ? " (some failed)" : "",
	        (unsigned long long)bytes, secs, secs > 0 ? (double)bytes / 1e6 / secs : 0.0,
	        (unsigned long long)c.counts[DM_REC_HEADER], (unsigned long long)c.counts[DM_REC_PARTY],
	        (unsigned long long)c.counts[DM_REC_RESOURCE], (unsigned long long)c.counts[DM_REC_RELEASE],
	        (unsigned long long)c.counts[DM_REC_DEAL],
	        c.skipped ? " (invalid records skipped)" : "", peak);
	dm_parser_free(p);
	dm_buf_fini(&c.out);
	dm_acct_free(acct);
	return dm_exit_code(worst);
}
