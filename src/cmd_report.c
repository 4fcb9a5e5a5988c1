/* `ddexmon report FILE`: a recording, an --events file or tune --csv
 * output drawn as one self-contained HTML page (or the memory chart as
 * SVG), read in one streaming pass. */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "acct.h"
#include "buf.h"
#include "outfile.h"
#include "report.h"

#define MAX_WARNINGS 20

static void usage(FILE *f)
{
	fputs("Usage: ddexmon report FILE [-o OUT] [--format html|svg]\n"
	      "Draw a recording or a 'run --events' file (plain or .gz) as one self-contained\n"
	      "HTML page: memory over time with reclamations, pressure, settings, leak states\n"
	      "and errors marked; a timeline of the files with their throughput; the leak\n"
	      "verdicts; the configuration and the summary. 'tune --csv' output gives MB/s\n"
	      "and peak RSS against chunk size. Nothing in the page is fetched from anywhere.\n\n"
	      "  -o, --output OUT    where to write (default: FILE's name with .html or .svg,\n"
	      "                      next to it; - is standard output)\n"
	      "  -f, --format FMT    html (default) or svg: the memory chart alone\n"
	      "  -q, --quiet         do not list skipped lines (they are still counted)\n"
	      "  -h, --help          this help\n\n"
	      "The recording is streamed: memory stays bounded whatever its length. More than\n"
	      "1024 samples are drawn as the minimum and maximum of buckets of 2^k samples.\n"
	      "Exit status: 0 written, 1 usage, 2 not a recording, unreadable or output not\n"
	      "written, 4 written but some lines were skipped (each named FILE:LINE).\n", f);
}

struct warn_ctx {
	uint64_t n;
	int quiet;
};

static void warn(void *ctx, const char *msg)
{
	struct warn_ctx *w = ctx;
	if (!w->quiet && w->n < MAX_WARNINGS) {
		fprintf(stderr, "ddexmon: report: %s\n", msg);   /* already escaped */
	}
	w->n++;
}

int dm_cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	enum dm_report_format fmt = DM_REPORT_HTML;
	struct warn_ctx wc = {0, 0};
	int ch;
	opterr = 0;
#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	while ((ch = getopt_long(argc, argv, ":o:f:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'f':
			if (!strcmp(optarg, "html"))
				fmt = DM_REPORT_HTML;
			else if (!strcmp(optarg, "svg"))
				fmt = DM_REPORT_SVG;
			else {
				dm_cli_error("report: --format: '%s' is not html or svg", optarg);
				return DM_EXIT_USAGE;
			}
			break;
		case 'q': wc.quiet = 1; break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? DM_EXIT_OK : DM_EXIT_INPUT;
		case ':':
			dm_cli_error("report: option '%s' needs a value", argv[optind - 1]);
			return DM_EXIT_USAGE;
		default:
			dm_cli_error("report: unknown option '%s' (try 'ddexmon report --help')", argv[optind - 1]);
			return DM_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		dm_cli_error("report: give one recording, events file or tune CSV (try 'ddexmon report --help')");
		return DM_EXIT_USAGE;
	}
	const char *in = argv[optind];
	char outbuf[DM_OUT_PATH_MAX];
	if (!out) {
		if (!strcmp(in, "-")) {
			out = "-";
		} else if (dm_report_out_name(in, fmt == DM_REPORT_SVG ? ".svg" : ".html", outbuf, sizeof outbuf) != 0) {
			dm_cli_error("report: %s: name too long for an output name: give -o", in);
			return DM_EXIT_USAGE;
		} else {
			out = outbuf;
		}
	}
	/* numbers in the page are written with '.', whatever the locale */
	setlocale(LC_NUMERIC, "C");

	struct dm_error err;
	dm_error_clear(&err);
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_report *rep = acct ? dm_report_new(acct, &err) : NULL;
	if (!rep) {
		dm_cli_error("report: out of memory");
		dm_acct_free(acct);
		return DM_EXIT_MEMORY;
	}
	int status = DM_EXIT_OK;
	int rc = dm_report_read(rep, in, warn, &wc, &err);
	if (rc != 0) {
		dm_cli_print_error(&err);
		status = rc == DM_ENOMEM ? DM_EXIT_MEMORY : rc == DM_EUSAGE ? DM_EXIT_USAGE : DM_EXIT_INPUT;
		goto done;
	}
	struct dm_buf b;
	dm_buf_init(&b, acct, DM_TAG_OUTPUT);
	rc = dm_report_render(rep, fmt, in, &b);
	if (rc == 0)
		rc = dm_write_atomic(out, b.data, b.len, &err);
	else
		dm_error_set(&err, rc, "%s: out of memory drawing the report", out);
	dm_buf_fini(&b);
	if (rc != 0) {
		dm_cli_print_error(&err);
		status = rc == DM_ENOMEM ? DM_EXIT_MEMORY : DM_EXIT_INPUT;
		goto done;
	}
	uint64_t skipped = dm_report_skipped(rep);
	if (wc.n > MAX_WARNINGS && !wc.quiet)
		fprintf(stderr, "ddexmon: report: ... and %llu more skipped lines\n",
		        (unsigned long long)(wc.n - MAX_WARNINGS));
	char shown[DM_OUT_PATH_MAX * 2];
	if (strcmp(out, "-") != 0)
		fprintf(stderr, "ddexmon report: wrote %s (%llu samples as %llu points; %llu lines skipped)\n",
		        dm_esc(out, shown, sizeof shown), (unsigned long long)dm_report_samples(rep),
		        (unsigned long long)dm_report_points(dm_report_samples(rep)),
		        (unsigned long long)skipped);
	if (skipped)
		status = DM_EXIT_PARTIAL;
done:
	dm_report_free(rep);
	dm_acct_free(acct);
	return status;
}
