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
#include "report_draw.h"
#include "report_int.h"
#include "teardown.h"

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
	TEARDOWN_CHECK(dm_acct_live(ac) == 0, "left allocated");
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

/* ---- the multiscale detector's events: stories, projections, marks ---- */

#define MS "\"detector\":\"multiscale\""

/* A file of the lines given, after START. */
static const char *events_file(const char *name, const char *body)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(START, f);
	fputs(body, f);
	fclose(f);
	return path;
}

static struct dm_report *read_events(const char *path)
{
	struct dm_error err;
	struct dm_report *rep = dm_report_new(ac, &err);
	cr_assert_not_null(rep);
	cr_assert_eq(dm_report_read(rep, path, NULL, NULL, &err), 0, "%s", err.msg);
	return rep;
}

static size_t occurrences(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* A watch of a process: a rise that ends before it is confirmed, then a
 * leak confirmed, sped up, stopped, growing again and stopped again, and
 * two projections (the first cleared, the second still standing). The
 * figures are the shape the engine writes (tests/cli/test_report.sh makes
 * the same with the real binary). */
static const char *story_events =
	"{\"event\":\"sample\",\"t\":1,\"pid\":7,\"rss\":10000000}\n"
	"{\"event\":\"leak_suspected\",\"t\":5," MS ",\"state\":\"suspected\",\"rate\":4e6,\"rate_low\":3e6,"
	"\"window\":5,\"floor\":10000000,\"baseline\":10000000,\"growth\":0,\"since\":1,\"rss\":30000000}\n"
	"{\"event\":\"growth_bounded\",\"t\":15," MS ",\"state\":\"watching\",\"rate\":4e6,\"rate_low\":3e6,"
	"\"window\":5,\"floor\":30000000,\"baseline\":30000000,\"growth\":0,\"plateau\":30000000,\"since\":1,\"rss\":30000000}\n"
	"{\"event\":\"leak_suspected\",\"t\":20," MS ",\"state\":\"suspected\",\"rate\":2e6,\"rate_low\":1e6,"
	"\"window\":5,\"floor\":30000000,\"baseline\":30000000,\"growth\":0,\"since\":16,\"rss\":40000000}\n"
	"{\"event\":\"exhaustion_projected\",\"t\":21," MS ",\"state\":\"suspected\",\"rate\":2e6,\"rate_low\":1e6,"
	"\"window\":10,\"floor\":30000000,\"limit\":1000000000,\"time_left\":480,\"since\":16,\"rss\":42000000}\n"
	"{\"event\":\"leak_confirmed\",\"t\":36," MS ",\"state\":\"confirmed\",\"rate\":2e6,\"rate_low\":1.9e6,"
	"\"window\":20,\"floor\":50000000,\"baseline\":30000000,\"growth\":20000000,\"since\":16,\"rss\":70000000,"
	"\"alert\":{\"type\":\"memory_leak\",\"message\":\"Memory leak detected: 19.07MB growth\"},"
	"\"heap_report\":\"/r/heap-1.json\"}\n"
	"{\"event\":\"leak_updated\",\"t\":50," MS ",\"state\":\"confirmed\",\"rate\":8e6,\"rate_low\":7e6,"
	"\"window\":20,\"floor\":90000000,\"baseline\":30000000,\"growth\":60000000,\"since\":16,\"rss\":140000000}\n"
	"{\"event\":\"exhaustion_cleared\",\"t\":70," MS ",\"state\":\"confirmed\",\"rate\":8e6,\"rate_low\":7e6,"
	"\"floor\":200000000,\"limit\":1000000000,\"since\":16,\"rss\":200000000}\n"
	"{\"event\":\"leak_stopped\",\"t\":80," MS ",\"state\":\"stopped\",\"rate\":8e6,\"rate_low\":7e6,"
	"\"window\":20,\"floor\":200000000,\"baseline\":200000000,\"growth\":0,\"plateau\":200000000,\"since\":16,\"rss\":200000000}\n"
	"{\"event\":\"leak_updated\",\"t\":120," MS ",\"state\":\"confirmed\",\"rate\":3e6,\"rate_low\":2e6,"
	"\"window\":20,\"floor\":230000000,\"baseline\":200000000,\"growth\":30000000,\"since\":16,\"rss\":260000000}\n"
	"{\"event\":\"exhaustion_projected\",\"t\":121," MS ",\"state\":\"confirmed\",\"rate\":3e6,\"rate_low\":2e6,"
	"\"window\":10,\"floor\":230000000,\"limit\":400000000,\"time_left\":45,\"since\":16,\"rss\":265000000}\n"
	"{\"event\":\"sample\",\"t\":130,\"pid\":7,\"rss\":290000000}\n"
	"{\"event\":\"status\",\"t\":130.5,\"current\":{\"rss\":290000000},\"monitor\":{\"rss_peak\":290000000}}\n";

Test(report, leak_stories)
{
	struct dm_report *rep = read_events(events_file("story.jsonl", story_events));
	cr_expect(rep->stories_mode);
	cr_expect(rep->watched);
	cr_assert_eq(rep->nstories, 2);
	const struct story *b = &rep->stories[0], *l = &rep->stories[1];
	cr_expect_eq(b->end, MK_GROWTH_BOUNDED);
	cr_expect_eq(b->t_suspected, 5);
	cr_expect_eq(b->t_confirmed, -1);
	cr_expect_eq(b->baseline, 10000000);
	cr_expect_eq(b->plateau, 30000000);
	/* suspected, confirmed, updated, stopped, growing again: one story,
	 * open at the end, its baseline the one before it grew */
	cr_expect_eq(l->t_suspected, 20);
	cr_expect_eq(l->t_confirmed, 36);
	cr_expect_eq(l->since, 16);
	cr_expect_eq(l->updates, 2);
	cr_expect_eq(l->resumed, 1);
	cr_expect_eq(l->end, 0, "growing again after its stop");
	cr_expect_eq(l->baseline, 30000000);
	cr_expect_eq(l->rate_confirmed, 2e6);
	cr_expect_eq(l->rate_max, 8e6);
	cr_expect_eq(l->rate_last, 3e6);
	cr_expect_eq(l->nevents, 5);
	/* every event has its mark, of its own kind */
	cr_expect_eq(rep->kind_count[MK_LEAK_SUSPECTED], 2);
	cr_expect_eq(rep->kind_count[MK_LEAK_CONFIRMED], 1);
	cr_expect_eq(rep->kind_count[MK_LEAK_UPDATED], 2);
	cr_expect_eq(rep->kind_count[MK_LEAK_STOPPED], 1);
	cr_expect_eq(rep->kind_count[MK_GROWTH_BOUNDED], 1);
	cr_expect_eq(rep->kind_count[MK_EXHAUSTION_PROJECTED], 2);
	cr_expect_eq(rep->kind_count[MK_EXHAUSTION_CLEARED], 1);
	/* projections: the first cleared at 70 s, the second standing */
	cr_assert_eq(rep->nproj, 2);
	cr_expect_eq(rep->proj[0].t_cleared, 70);
	cr_expect_eq(rep->proj[0].superseded, 0);
	cr_expect_eq(rep->proj[0].time_left, 480);
	cr_expect_eq(rep->proj[0].limit, 1000000000);
	cr_expect_eq(rep->proj[1].t_cleared, -1);
	cr_expect(rep->proj_standing);

	char *html = render(rep, DM_REPORT_HTML);
	static const char *const ids[] = {"leak-suspected", "leak-confirmed", "leak-updated", "leak-stopped",
	                                  "growth-bounded", "exhaustion-projected", "exhaustion-cleared"};
	static const int counts[] = {2, 1, 2, 1, 1, 2, 1};
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
		char key[64];
		snprintf(key, sizeof key, "<g data-mark=\"%s\">", ids[i]);
		cr_expect_eq(occurrences(html, key), (size_t)counts[i], "%s marks", ids[i]);
		snprintf(key, sizeof key, "<tr data-mark=\"%s\">", ids[i]);
		cr_expect_eq(occurrences(html, key), (size_t)counts[i], "%s rows", ids[i]);
	}
	cr_expect(strstr(html, "<h2 id=\"leaks\">Leaks and growth</h2>") != NULL);
	cr_expect(strstr(html, "<tr data-story=\"1\" data-outcome=\"bounded\">") != NULL);
	cr_expect(strstr(html, "<tr data-story=\"2\" data-outcome=\"growing\">") != NULL);
	cr_expect(strstr(html, "data-outcome=\"growing\">Leak 2: still growing at the end") != NULL);
	cr_expect(strstr(html, "<tr data-leak=\"leak-updated\" data-story=\"2\"><td class=\"n\">2 min 00 s</td>"
	                       "<td><span class=\"swatch\" style=\"color:#d55e00\">\xE2\x97\x8F</span>growing again") != NULL,
	          "the update after the stop says it grows again");
	/* growth from the baseline before it grew: 290 MB at the end - 30 MB */
	cr_expect(strstr(html, "still growing at the end of the recording, 248 MiB above its baseline") != NULL);
	cr_expect(strstr(html, "heap report: <code>/r/heap-1.json</code>") != NULL);
	cr_expect(strstr(html, "<tr data-projection=\"0\" data-state=\"cleared\">") != NULL);
	cr_expect(strstr(html, "<tr data-projection=\"1\" data-state=\"standing\">") != NULL);
	/* cards: one leak, still growing; one bounded; a projection standing */
	cr_expect(strstr(html, "<div class=\"card bad\"><b>1</b><span>leaks confirmed: 1 still growing at the end, "
	                       "0 stopped</span>") != NULL);
	cr_expect(strstr(html, "<b>1</b><span>growth bounded (it ended: not a leak)</span>") != NULL);
	cr_expect(strstr(html, "<div class=\"card bad\"><b>2</b><span>exhaustion projected: still standing") != NULL);
	/* a watch: its chart has the limit, not ddexmon's budget or accounting */
	cr_expect_null(strstr(html, "data-line=\"budget\""));
	cr_expect_null(strstr(html, "data-series=\"accounted\""));
	cr_expect(strstr(html, "data-line=\"limit\"") != NULL, "400 MB is within reach of the chart");
	cr_expect_eq(occurrences(html, "<g data-projection="), 2);
	/* it ends with the watch's status: not cut short */
	cr_expect_null(strstr(html, "id=\"cut\""));
	cr_expect(strstr(html, "<b>final status</b>") != NULL);
	free(html);
	char *svg = render(rep, DM_REPORT_SVG);
	cr_expect_eq(occurrences(svg, "<g data-projection="), 2);
	/* the legend shows each kind as it is drawn: letter, and shape */
	cr_expect(strstr(svg, ">U</text><text x=") != NULL, "updated's letter in the legend");
	cr_expect(strstr(svg, "width=\"13\" height=\"13\" fill=\"#0072b2\"") != NULL, "stopped's square");
	cr_expect(strstr(svg, "fill=\"#fff\" stroke=\"#6b6b6b\"") != NULL, "cleared's hollow diamond");
	free(svg);
	dm_report_free(rep);
}

/* Glyphs: no two of the new kinds share a letter and a shape, and none
 * shares its letter with an older kind (they are read without colour). */
Test(report, marks_distinct_without_colour)
{
	struct dm_report *rep = read_events(events_file("story.jsonl", story_events));
	char *svg = render(rep, DM_REPORT_SVG);
	static const int kinds[] = {MK_LEAK_UPDATED, MK_LEAK_STOPPED, MK_GROWTH_BOUNDED,
	                            MK_EXHAUSTION_PROJECTED, MK_EXHAUSTION_CLEARED};
	char letters[16] = "";
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		char key[64];
		snprintf(key, sizeof key, "<g data-mark=\"%s\">", dm_rd_mark_id(kinds[i]));
		const char *g = strstr(svg, key);
		cr_assert_not_null(g, "%s", key);
		const char *end = strstr(g, "</g>");
		const char *tx = strstr(g, "text-anchor=\"middle\">");
		cr_assert(tx && tx < end);
		char c = tx[strlen("text-anchor=\"middle\">")];
		cr_expect_null(strchr(letters, c), "letter %c twice", c);
		cr_expect_null(strchr("RPpSLCET", c), "letter %c is an older kind's", c);
		size_t n = strlen(letters);
		letters[n] = c;
		letters[n + 1] = '\0';
	}
	free(svg);
	dm_report_free(rep);
}

/* A recording cut or skipped: whichever event comes first starts a story;
 * a clear with nothing projected is only a mark; stories past the cap are
 * counted. */
Test(report, stories_from_a_cut_recording)
{
	char *body = malloc(200000);
	cr_assert_not_null(body);
	size_t n = 0;
	n += (size_t)sprintf(body + n,
	                     "{\"event\":\"exhaustion_cleared\",\"t\":1," MS ",\"state\":\"confirmed\",\"limit\":9}\n"
	                     "{\"event\":\"leak_updated\",\"t\":2," MS ",\"state\":\"confirmed\",\"rate\":5e6,"
	                     "\"baseline\":100,\"floor\":500,\"rss\":900}\n"
	                     "{\"event\":\"leak_stopped\",\"t\":3," MS ",\"state\":\"stopped\",\"baseline\":700,"
	                     "\"plateau\":700,\"floor\":700,\"rss\":700}\n"
	                     "{\"event\":\"leak_confirmed\",\"t\":4," MS ",\"state\":\"confirmed\",\"rate\":1e6,"
	                     "\"baseline\":700,\"floor\":800,\"rss\":900}\n");
	for (int i = 0; i < DM_REPORT_STORIES + 3; i++)
		n += (size_t)sprintf(body + n,
		                     "{\"event\":\"leak_suspected\",\"t\":%d," MS ",\"state\":\"suspected\",\"rate\":1e6}\n"
		                     "{\"event\":\"growth_bounded\",\"t\":%d.5," MS ",\"state\":\"watching\",\"plateau\":5}\n",
		                     10 + i, 10 + i);
	struct dm_report *rep = read_events(events_file("cut.jsonl", body));
	free(body);
	cr_expect_eq(rep->nproj, 0);
	cr_expect_eq(rep->kind_count[MK_EXHAUSTION_CLEARED], 1);
	cr_expect_eq(rep->proj_standing, 0);
	/* updated then stopped: one story, its baseline from the update */
	const struct story *s = &rep->stories[0];
	cr_expect_eq(s->t_first, 2);
	cr_expect_eq(s->end, MK_LEAK_STOPPED);
	cr_expect_eq(s->baseline, 100);
	cr_expect_eq(s->plateau, 700);
	/* a confirmation after a stop is a new leak */
	cr_expect_eq(rep->stories[1].t_confirmed, 4);
	cr_expect_eq(rep->stories[1].end, 0);
	cr_expect_eq(rep->nstories, DM_REPORT_STORIES);
	cr_expect_eq(rep->stories_more, 5, "2 kept above, 48 of 53 bounded ones kept");
	char *html = render(rep, DM_REPORT_HTML);
	cr_expect(strstr(html, "5 more not shown (the first 50 are)") != NULL);
	cr_expect(strstr(html, "<div class=\"card bad\"><b>2+</b><span>leaks confirmed: 1 still growing at the end, "
	                       "1 stopped</span>") != NULL);
	cr_expect_null(strstr(html, "id=\"projections\""), "no projection to list");
	cr_expect(strstr(html, "<h2 id=\"exhaustion\">") != NULL, "but the clear is explained");
	free(html);
	dm_report_free(rep);
}

/* An older recording (the seed rule's events only) keeps its page: the
 * verdicts table, no stories, no new style. */
Test(report, seed_recording_keeps_its_page)
{
	struct dm_report *rep = read_events(events_file("seed.jsonl",
		"{\"event\":\"sample\",\"t\":0.5,\"rss\":1000000,\"accounted\":10}\n"
		"{\"event\":\"leak_suspected\",\"t\":1,\"state\":\"suspected\",\"snapshots\":3,\"growth\":9000000,"
		"\"span\":0.2,\"rate\":45000000,\"rss\":20000000}\n"
		"{\"event\":\"leak_cleared\",\"t\":2,\"state\":\"watching\",\"snapshots\":3,\"growth\":9000000,"
		"\"span\":0.2,\"rate\":45000000,\"reclaimed\":8000000,\"rss\":20000000}\n"
		"{\"event\":\"summary\",\"t\":3,\"files\":0,\"leaks_suspected\":1,\"leaks_confirmed\":0,\"exit_code\":0}\n"));
	cr_expect_eq(rep->stories_mode, 0);
	char *html = render(rep, DM_REPORT_HTML);
	cr_expect(strstr(html, "<h2 id=\"leaks\">Leak verdicts</h2>\n<p>The detector takes an RSS snapshot") != NULL);
	cr_expect(strstr(html, "<tr data-leak=\"leak-cleared\">") != NULL);
	cr_expect(strstr(html, "leak suspected: growth 8.6 MiB at 42.92 MiB/s") != NULL, "the mark's old text");
	cr_expect(strstr(html, "<b>1 / 0</b><span>leaks suspected / confirmed</span>") != NULL);
	cr_expect_null(strstr(html, "Leaks and growth"));
	cr_expect_null(strstr(html, "h3{"));
	cr_expect_null(strstr(html, "data-projection"));
	cr_expect(strstr(html, "data-series=\"accounted\"") != NULL);
	cr_expect(strstr(html, "data-line=\"budget\"") == NULL, "64M is above 1.6 x 20 MB");
	/* the old legend: dots, not glyphs */
	cr_expect(strstr(html, "r=\"6\" fill=\"#e69500\"") != NULL);
	free(html);
	dm_report_free(rep);
}
