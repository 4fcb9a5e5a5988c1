/* `ddexmon report FILE`: a recording, an --events file or tune --csv
 * output drawn as one self-contained HTML page (or the memory chart as
 * SVG), read in one streaming pass. */
#include "config.h"
#include "cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "acct.h"
#include "buf.h"
#include "outfile.h"
#include "report.h"

#define MAX_WARNINGS 20

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

enum { OPT_OUTPUT = DM_OPT_FIRST_FREE, OPT_FORMAT, OPT_QUIET };

static const struct dm_opt report_opts[] = {
	{"output", 'o', DM_ARG_REQUIRED, "OUT",
	 "where to write (default: FILE's name with .html or\n.svg, next to it; - is standard output)",
	 OPT_OUTPUT},
	{"format", 'f', DM_ARG_REQUIRED, "FMT", "html (default) or svg: the memory chart alone", OPT_FORMAT},
	{"quiet", 'q', DM_ARG_NONE, NULL, "do not list skipped lines (they are still counted)", OPT_QUIET},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int report_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	const char *out = dm_args_get(a, OPT_OUTPUT), *v = dm_args_get(a, OPT_FORMAT);
	enum dm_report_format fmt = DM_REPORT_HTML;
	struct warn_ctx wc = {0, dm_args_has(a, OPT_QUIET) > 0};
	if (v && !strcmp(v, "svg")) {
		fmt = DM_REPORT_SVG;
	} else if (v && strcmp(v, "html") != 0) {
		dm_cli_error("report: --format: '%s' is not html or svg", v);
		return DM_EXIT_USAGE;
	}
	if (a->argc != 1) {
		dm_cli_error("report: give one recording, events file or tune CSV (try 'ddexmon report --help')");
		return DM_EXIT_USAGE;
	}
	const char *in = a->argv[0];
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

static const struct dm_opt *const report_tables[] = {report_opts, NULL};

const struct dm_cmd dm_cmd_report = {
	.name = "report",
	.summary = "draw a recording, --events file or tune CSV as one HTML page",
	.usage = "ddexmon report FILE [OPTIONS]",
	.about = "Draw a recording or a 'run --events' file (plain or .gz) as one self-contained\n"
	         "HTML page: memory over time with reclamations, pressure, settings, leak states,\n"
	         "exhaustion projections and errors marked; a timeline of the files with their\n"
	         "throughput; each leak's story (suspected, confirmed, updated, stopped or\n"
	         "bounded) or the seed rule's verdicts; the configuration and the summary.\n"
	         "'tune --csv' output gives MB/s and peak RSS against chunk size; a\n"
	         "'--samples-csv' file the memory chart. Nothing in the page is fetched.\n",
	.opts = report_tables,
	.epilogue = "The recording is streamed: memory stays bounded whatever its length. More than\n"
	            "1024 samples are drawn as the minimum and maximum of buckets of 2^k samples.\n"
	            "Exit status: 0 written, 1 usage, 2 not a recording, unreadable or output not\n"
	            "written, 4 written but some lines were skipped (each named FILE:LINE).\n",
	.fn = report_main,
};
