/* The report model: the RSS line has exactly dm_report_points() points for
 * any number of samples (one per sample up to DM_REPORT_BUCKETS, then the
 * minimum and maximum of each bucket), extremes survive downsampling,
 * marks and files stop at their caps and count the rest, and a page
 * references nothing outside itself. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "buf.h"
#include "report.h"
#include "report_int.h"

static char dir[64];
static struct dm_acct *ac;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ac = dm_acct_new(NULL, 0);
}

static void teardown(void)
{
	char cmd[128];
	cr_expect_eq(dm_acct_live(ac), 0);
	dm_acct_free(ac);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(report, .init = setup, .fini = teardown);

#define START "{\"event\":\"start\",\"t\":0,\"profile\":\"p\",\"max_memory\":\"64M\",\"flush_threshold\":\"0.5\",\"version\":\"" PACKAGE_VERSION "\"}\n"

/* A recording of n samples; RSS is a ramp with one spike at sample spike. */
static const char *recording(uint64_t n, uint64_t spike, int reclaims, int files)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/r%llu.jsonl", dir, (unsigned long long)n);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(START, f);
	for (int i = 0; i < files; i++)
		fprintf(f, "{\"event\":\"file_queued\",\"t\":0,\"file\":\"f%d.xml\",\"index\":%d,\"size\":10}\n", i, i);
	for (uint64_t i = 0; i < n; i++)
		fprintf(f, "{\"event\":\"sample\",\"t\":%.1f,\"rss\":%llu,\"accounted\":%llu,"
		        "\"tags\":{\"parser\":{\"live\":%llu},\"leak\":{\"live\":5}}}\n",
		        (double)(i + 1) * 0.1, (unsigned long long)(i == spike ? 999999999 : 1000000 + i),
		        (unsigned long long)(500 + i), (unsigned long long)(495 + i));
	for (int i = 0; i < reclaims; i++)
		fprintf(f, "{\"event\":\"reclaim\",\"t\":%.1f,\"reason\":\"x\",\"rss_freed\":1}\n", (double)n * 0.1 + 1);
	fclose(f);
	return path;
}

static size_t count_points(const char *html, const char *series)
{
	char key[64];
	snprintf(key, sizeof key, "data-series=\"%s\"", series);
	const char *s = strstr(html, key);
	cr_assert_not_null(s, "no %s polyline", series);
	s = strstr(s, " points=\"");
	cr_assert_not_null(s);
	s += 9;
	size_t n = 0;
	for (; *s && *s != '"'; s++)
		n += *s == ',';
	return n;
}

static char *render(struct dm_report *rep, enum dm_report_format fmt)
{
	struct dm_buf b;
	dm_buf_init(&b, ac, DM_TAG_OUTPUT);
	cr_assert_eq(dm_report_render(rep, fmt, "t", &b), 0);
	dm_buf_putc(&b, '\0');
	char *s = strdup(b.data);
	dm_buf_fini(&b);
	return s;
}

Test(report, points_formula)
{
	cr_expect_eq(dm_report_points(0), 0);
	cr_expect_eq(dm_report_points(1), 1);
	cr_expect_eq(dm_report_points(DM_REPORT_BUCKETS), DM_REPORT_BUCKETS);
	/* 1025 samples: buckets of 2, 512 full ones and one of a single sample */
	cr_expect_eq(dm_report_points(DM_REPORT_BUCKETS + 1), DM_REPORT_BUCKETS + 1);
	cr_expect_eq(dm_report_points(DM_REPORT_BUCKETS + 2), DM_REPORT_BUCKETS + 2);
	cr_expect_eq(dm_report_points(2 * DM_REPORT_BUCKETS), 2 * DM_REPORT_BUCKETS);
	/* 864,000 (24 h at 100 ms): buckets of 1024, 843 full and one of 768 */
	cr_expect_eq(dm_report_points(864000), 2 * 843 + 2);
	for (uint64_t n = 1; n < 100000000; n = n * 3 + 1)
		cr_expect_leq(dm_report_points(n), 2 * DM_REPORT_BUCKETS, "n=%llu", (unsigned long long)n);
}

Test(report, polyline_has_the_predicted_points)
{
	static const uint64_t ns[] = {1, 7, DM_REPORT_BUCKETS, DM_REPORT_BUCKETS + 1, 3000, 4097, 20000};
	for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
		uint64_t n = ns[k];
		struct dm_error err;
		struct dm_report *rep = dm_report_new(ac, &err);
		cr_assert_not_null(rep);
		cr_assert_eq(dm_report_read(rep, recording(n, n / 2, 0, 0), NULL, NULL, &err), 0, "%s", err.msg);
		cr_expect_eq(dm_report_samples(rep), n);
		char *html = render(rep, DM_REPORT_HTML);
		cr_expect_eq(count_points(html, "rss"), dm_report_points(n), "n=%llu", (unsigned long long)n);
		cr_expect_eq(count_points(html, "accounted"), dm_report_points(n));
		/* the spike is kept whatever the bucket width: the chart tops out near 1 GB */
		cr_expect_geq(rep->rss_max, 999999999);
		uint64_t top = 0;
		for (int i = 0; i < rep->nb; i++)
			if (rep->b[i].rmax > top)
				top = rep->b[i].rmax;
		cr_expect_eq(top, 999999999, "n=%llu: spike lost", (unsigned long long)n);
		/* and the samples are all in the buckets */
		uint64_t in = 0;
		for (int i = 0; i < rep->nb; i++)
			in += rep->b[i].n;
		cr_expect_eq(in, n);
		free(html);
		char *svg = render(rep, DM_REPORT_SVG);
		cr_expect(strncmp(svg, "<?xml", 5) == 0);
		cr_expect_eq(count_points(svg, "rss"), dm_report_points(n));
		free(svg);
		dm_report_free(rep);
	}
}

Test(report, marks_and_files_are_capped)
{
	struct dm_error err;
	struct dm_report *rep = dm_report_new(ac, &err);
	cr_assert_eq(dm_report_read(rep, recording(10, 99, DM_REPORT_MARKS + 37, DM_REPORT_FILES + 5),
	                            NULL, NULL, &err), 0, "%s", err.msg);
	cr_expect_eq(rep->nmarks, DM_REPORT_MARKS);
	cr_expect_eq(rep->kind_count[MK_RECLAIM], DM_REPORT_MARKS + 37);
	cr_expect_eq(rep->kind_more[MK_RECLAIM], 37);
	cr_expect_eq(rep->nfiles, DM_REPORT_FILES);
	cr_expect_eq(rep->files_more, 5);
	char *html = render(rep, DM_REPORT_HTML);
	cr_expect(strstr(html, "37 more not shown") != NULL);
	cr_expect(strstr(html, "5 more events of files") != NULL);
	free(html);
	dm_report_free(rep);
}

Test(report, self_contained_and_escaped)
{
	char path[128];
	snprintf(path, sizeof path, "%s/x.jsonl", dir);
	FILE *f = fopen(path, "w");
	fputs(START, f);
	fputs("{\"event\":\"file_queued\",\"t\":0.1,\"file\":\"<script>alert(1)</script>\\u0007.xml\",\"index\":0,\"size\":1}\n"
	      "{\"event\":\"error\",\"t\":0.2,\"file\":\"a\",\"index\":0,\"message\":\"x & \\\"y\\\" <img src=http://e/>\"}\n"
	      "{\"event\":\"note\",\"t\":0.3,\"message\":\"<b>\xff</b>\"}\n", f);
	fclose(f);
	struct dm_error err;
	struct dm_report *rep = dm_report_new(ac, &err);
	cr_assert_eq(dm_report_read(rep, path, NULL, NULL, &err), 0, "%s", err.msg);
	char *html = render(rep, DM_REPORT_HTML);
	cr_expect_null(strstr(html, "<script"));
	cr_expect_null(strstr(html, "<img"));
	cr_expect(strstr(html, "&lt;b&gt;\xEF\xBF\xBD&lt;/b&gt;") != NULL, "markup and a bad byte in a note");
	cr_expect_null(strstr(html, "\xff"));
	cr_expect_null(strstr(html, "\x07"));
	cr_expect(strstr(html, "&lt;script&gt;") != NULL);
	cr_expect(strstr(html, "x &amp; &quot;y&quot;") != NULL);
	cr_expect(strstr(html, "no memory samples") != NULL);
	cr_expect(strstr(html, "ends before the run's summary") != NULL);
	free(html);
	dm_report_free(rep);
}

Test(report, tune_csv)
{
	char path[128];
	snprintf(path, sizeof path, "%s/t.csv", dir);
	FILE *f = fopen(path, "w");
	fputs("chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,mbps_min,mbps_max,"
	      "peak_rss_bytes,accounted_peak_bytes,allocations,reclamations,records,best,error\n"
	      "4K,4096,1M,1048576,1,1,0,22.697,22.0,23.0,3923968,34163,139,0,46409,0,\n"
	      "64K,65536,1M,1048576,1,1,0,32.5,30,33,4055040,213653,139,0,46409,1,\n"
	      "garbage line\n"
	      "1M,1048576,1M,1048576,1,0,0,0,0,0,4055040,213653,139,0,0,0,\"failed, \"\"badly\"\"\"\n", f);
	fclose(f);
	struct dm_error err;
	struct dm_report *rep = dm_report_new(ac, &err);
	cr_assert_eq(dm_report_read(rep, path, NULL, NULL, &err), 0, "%s", err.msg);
	cr_expect_eq(rep->ntune, 3);
	cr_expect_eq(dm_report_skipped(rep), 1);
	cr_expect_str_eq(rep->tune[2].error, "failed, \"badly\"");
	char *svg = render(rep, DM_REPORT_SVG);
	cr_expect_eq(count_points(svg, "mbps"), 3);
	cr_expect(strstr(svg, "data-best") != NULL);
	free(svg);
	dm_report_free(rep);
}

/* a report whose model or page cannot be allocated fails cleanly */
Test(report, allocation_failures)
{
	const char *path = recording(50, 3, 2, 2);
	for (long n = 1; n <= 12; n++) {
		struct dm_acct *a = dm_acct_new(NULL, 0);
		struct dm_error err;
		dm_error_clear(&err);
		dm_acct_fail_after(a, n);
		struct dm_report *rep = dm_report_new(a, &err);
		int rc = rep ? dm_report_read(rep, path, NULL, NULL, &err) : DM_ENOMEM;
		if (rc == 0) {
			struct dm_buf b;
			dm_buf_init(&b, a, DM_TAG_OUTPUT);
			rc = dm_report_render(rep, DM_REPORT_HTML, "t", &b);
			dm_buf_fini(&b);
		}
		cr_expect(rc == 0 || rc == DM_ENOMEM, "n=%ld: rc %d", n, rc);
		dm_report_free(rep);
		cr_expect_eq(dm_acct_live(a), 0, "n=%ld", n);
		dm_acct_free(a);
	}
}
