/* Events as JSON lines (dm_event_to_json) for every kind, each member
 * from its own struct; and the output helpers of emit.c: write-all,
 * atomic writes, mkdir -p, timestamps, JSON members. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "event.h"
#include "session.h"
#include "teardown.h"

static struct dm_acct *A;
static struct dm_buf B;

static void setup(void)
{
	A = dm_acct_new(NULL, 0);
	cr_assert_not_null(A);
	dm_buf_init(&B, A, DM_TAG_OUTPUT);
}

static void teardown(void)
{
	dm_buf_fini(&B);
	TEARDOWN_CHECK(dm_acct_live(A) == 0, "output buffers leaked");
	dm_acct_free(A);
}

TestSuite(event, .init = setup, .fini = teardown);

/* The JSON of ev at a fixed time, NUL-terminated in B. */
static const char *json(struct dm_event *ev)
{
	ev->t = 1.5;
	ev->wall_ms = 1764547200123;   /* 2025-12-01T00:00:00.123Z */
	dm_buf_reset(&B);
	cr_assert_eq(dm_event_to_json(ev, &B), 0);
	dm_buf_putc(&B, '\0');
	cr_assert(!B.failed);
	return B.data;
}

#define HEAD(name) "{\"event\":\"" name "\",\"t\":1.5,\"time\":\"2025-12-01T00:00:00.123Z\""

Test(event, pressure_on_and_off)
{
	struct dm_event ev = {.type = DM_EV_PRESSURE, .u.pressure = {1, "32K"}};
	cr_assert_str_eq(json(&ev), HEAD("pressure") ",\"on\":true,\"chunk_size\":\"32K\"}");
	ev.u.pressure = (struct dm_ev_pressure){0, NULL};
	cr_assert_str_eq(json(&ev), HEAD("pressure") ",\"on\":false}");
}

Test(event, setting_and_note)
{
	struct dm_event ev = {.type = DM_EV_SETTING, .u.setting = {"chunk_size", "4K", NULL}};
	cr_assert_str_eq(json(&ev), HEAD("setting") ",\"key\":\"chunk_size\",\"value\":\"4K\"}");
	struct dm_event n = {.type = DM_EV_NOTE, .u.note = {"heap report written", "r/h.json"}};
	cr_assert_str_eq(json(&n), HEAD("note") ",\"message\":\"heap report written\",\"path\":\"r/h.json\"}");
	n.u.note = (struct dm_ev_note){"say \"hi\"\n", NULL, NULL};
	cr_assert_str_eq(json(&n), HEAD("note") ",\"message\":\"say \\\"hi\\\"\\n\"}");
}

/* The loss classes the events output and the recording share. */
Test(event, loss_classes)
{
	cr_expect_eq(dm_event_loss_class(DM_EV_SAMPLE), DM_LOSS_SAMPLE);
	static const enum dm_event_type narration[] = {DM_EV_FILE_QUEUED, DM_EV_FILE_START,
		DM_EV_WAITING, DM_EV_PROGRESS, DM_EV_RECLAIM, DM_EV_PRESSURE, DM_EV_SETTING, DM_EV_NOTE};
	for (size_t i = 0; i < sizeof narration / sizeof narration[0]; i++)
		cr_expect_eq(dm_event_loss_class(narration[i]), DM_LOSS_NARRATION, "%s",
		             dm_event_name(narration[i]));
	size_t results = 0;
	for (int t = 0; t < DM_EV_COUNT; t++)
		results += dm_event_loss_class((enum dm_event_type)t) == DM_LOSS_RESULT;
	cr_expect_eq(results, DM_EV_COUNT - 9);
	static const enum dm_event_type outcome[] = {DM_EV_START, DM_EV_ERROR, DM_EV_RETRY,
		DM_EV_FILE_DONE, DM_EV_LEAK_CONFIRMED, DM_EV_LEAK_STOPPED, DM_EV_EXHAUSTION_PROJECTED,
		DM_EV_SUMMARY, DM_EV_STATUS};
	for (size_t i = 0; i < sizeof outcome / sizeof outcome[0]; i++)
		cr_expect_eq(dm_event_loss_class(outcome[i]), DM_LOSS_RESULT, "%s",
		             dm_event_name(outcome[i]));
	struct dm_event_losses l = {{0}};
	char buf[160];
	cr_expect_str_eq(dm_event_losses_text(&l, buf, sizeof buf), "nothing");
	l.n[DM_LOSS_RESULT] = 1;
	cr_expect_str_eq(dm_event_losses_text(&l, buf, sizeof buf), "1 result");
	l.n[DM_LOSS_SAMPLE] = 12;
	l.n[DM_LOSS_NARRATION] = 3;
	cr_expect_str_eq(dm_event_losses_text(&l, buf, sizeof buf),
	                 "12 samples, 3 narration events and 1 result");
	cr_expect_eq(dm_event_losses_total(&l), 16);
}

/* The note of what was left out: once per gap, with the counts as figures. */
Test(event, note_of_what_was_left_out)
{
	struct dm_event_losses lost = {{12, 3, 0}}, noted = {{0}};
	dm_buf_reset(&B);
	cr_assert_eq(dm_event_note_losses(&B, &lost, &noted, 1.5, 1764547200123, "recording",
	                                  "the disk was too slow"), 1);
	dm_buf_putc(&B, '\0');
	cr_assert_str_eq(B.data, HEAD("note") ",\"message\":\"recording: 12 samples and 3 narration "
	                 "events left out before this point: the disk was too slow\",\"left_out\":"
	                 "{\"samples\":12,\"narration\":3,\"results\":0}}\n");
	cr_assert_eq(noted.n[DM_LOSS_SAMPLE], 12);
	dm_buf_reset(&B);
	cr_assert_eq(dm_event_note_losses(&B, &lost, &noted, 2, 0, NULL, "x"), 0, "nothing new");
	cr_assert_eq(B.len, 0);
	lost.n[DM_LOSS_RESULT] = 2;
	cr_assert_eq(dm_event_note_losses(&B, &lost, &noted, 2, 1764547200123, NULL, "why"), 1);
	dm_buf_putc(&B, '\0');
	cr_assert(strstr(B.data, "\"message\":\"2 results left out before this point: why\""), "%s",
	          B.data);
	cr_assert(strstr(B.data, "{\"samples\":0,\"narration\":0,\"results\":2}"), "%s", B.data);
}

Test(event, error_fatal_or_skipped_with_position)
{
	struct dm_file_info f = {.index = 2, .path = "a.xml"};
	struct dm_error e;
	dm_error_clear(&e);
	dm_error_set(&e, DM_EXML, "mismatched tag");
	e.has_pos = 1;
	e.line = 3;
	e.column = 9;
	e.offset = 40;
	struct dm_event ev = {.type = DM_EV_ERROR, .u.error = {&f, &e, 1}};
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"file\":\"a.xml\",\"index\":2,\"code\":"), "%s", j);
	cr_assert(strstr(j, "\"line\":3,\"column\":9,\"offset\":40,\"fatal\":true}"), "%s", j);
	ev.u.error.fatal = 0;
	e.has_pos = 0;
	j = json(&ev);
	cr_assert(strstr(j, "\"fatal\":false}"), "%s", j);
	cr_assert_null(strstr(j, "\"line\""), "%s", j);
	cr_assert_eq(dm_event_file(&ev), &f);
}

Test(event, file_events_by_kind)
{
	struct dm_file_info f = {.index = 0, .path = "d.xml", .state = DM_FILE_DONE, .size = 100,
	                         .bytes = 100, .records_total = 3, .seconds = 2, .peak = 7,
	                         .ern_version = "4.3"};
	f.records[DM_REC_RELEASE] = 3;
	struct dm_event ev = {.type = DM_EV_FILE_QUEUED, .u.file.file = &f};
	cr_assert_str_eq(json(&ev), HEAD("file_queued") ",\"file\":\"d.xml\",\"index\":0,\"size\":100}");
	ev.type = DM_EV_FILE_DONE;
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"records\":3,\"seconds\":2,\"mb_per_s\":5e-05,\"state\":\"done\""), "%s", j);
	cr_assert(strstr(j, "\"release\":3"), "%s", j);
	cr_assert(strstr(j, "\"retried\":false,\"ern_version\":\"4.3\"}"), "%s", j);
	cr_assert_null(strstr(j, "exit_code"), "a done file has no exit code: %s", j);
	/* a failed file says what 'parse' would exit with for it */
	f.state = DM_FILE_FAILED;
	f.code = DM_ENOMEM;
	f.error = "d.xml: memory limit exceeded";
	j = json(&ev);
	cr_assert(strstr(j, "\"error\":\"d.xml: memory limit exceeded\",\"exit_code\":3}"), "%s", j);
	f.code = DM_EXML;
	cr_assert(strstr(json(&ev), "\"exit_code\":2}"), "%s", json(&ev));
	f.state = DM_FILE_DONE;
	f.code = 0;
	f.error = NULL;
	struct dm_event r = {.type = DM_EV_RETRY, .u.retry = {&f, NULL, "32K"}};
	j = json(&r);
	cr_assert(strstr(j, "\"chunk_size\":\"32K\"}"), "%s", j);
	cr_assert_eq(dm_event_file(&r), &f);
	struct dm_event s = {.type = DM_EV_SAMPLE};
	cr_assert_null(dm_event_file(&s));
}

Test(event, leak_confirmed_has_the_alert_and_the_report)
{
	struct dm_leak_info li = {.state = DM_LEAK_CONFIRMED, .snapshots = 5, .growth = 3 << 20,
	                          .span = 2, .rate = 1.5e6, .reclaimed = 0};
	struct dm_sample x = {.rss = 123};
	struct dm_event ev = {.type = DM_EV_LEAK_CONFIRMED, .u.leak = {&x, &li, NULL, "h.json", 42}};
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"state\":\"confirmed\",\"snapshots\":5,\"growth\":3145728"), "%s", j);
	cr_assert(strstr(j, "\"reclaimed\":0,\"rss\":123,\"alert\":{\"type\":\"memory_leak\""), "%s", j);
	cr_assert(strstr(j, "\"message\":\"Memory leak detected: 3.00MB growth\""), "%s", j);
	cr_assert(strstr(j, "\"pid\":42,"), "%s", j);
	cr_assert(strstr(j, "\"heap_report\":\"h.json\"}"), "%s", j);
	ev.type = DM_EV_LEAK_SUSPECTED;
	j = json(&ev);
	cr_assert_null(strstr(j, "alert"), "%s", j);
	cr_assert_null(strstr(j, "reclaimed"), "%s", j);
}

Test(event, multiscale_events_carry_their_figures)
{
	struct dm_leak_info li = {.state = DM_LEAK_CONFIRMED};
	struct dm_detect_change c = {.kind = DM_DETECT_LEAK_CONFIRMED, .state = DM_DETECT_CONFIRMED,
	                             .t = 30, .rate = 1048576, .rate_low = 524288, .scale = 1,
	                             .window = 20, .floor = 30 << 20, .baseline = 10 << 20,
	                             .growth = 21 << 20, .time_left = -1, .since = 4};
	struct dm_sample x = {.rss = 32 << 20};
	struct dm_event ev = {.type = DM_EV_LEAK_CONFIRMED, .u.leak = {&x, &li, &c, "h.json", 42}};
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"event\":\"leak_confirmed\""), "%s", j);
	cr_assert(strstr(j, "\"detector\":\"multiscale\",\"state\":\"confirmed\",\"rate\":1048576,"
	                    "\"rate_low\":524288,\"scale\":1,\"window\":20,\"floor\":31457280,"
	                    "\"baseline\":10485760,\"growth\":22020096,\"since\":4,\"rss\":33554432"),
	          "%s", j);
	/* the growth is the detector's figure for the rise, not the floor of
	 * the last 10 s less the baseline */
	cr_assert(strstr(j, "\"message\":\"Memory leak detected: 21.00MB growth\""), "%s", j);
	cr_assert(strstr(j, "\"growth_bytes\":22020096,"), "%s", j);
	cr_assert(strstr(j, "\"heap_report\":\"h.json\"}"), "%s", j);
	cr_assert_null(strstr(j, "snapshots"), "%s", j);

	c.kind = DM_DETECT_LEAK_STOPPED;
	c.state = DM_DETECT_STOPPED;
	c.plateau = 31 << 20;
	ev.type = DM_EV_LEAK_STOPPED;
	j = json(&ev);
	cr_assert(strstr(j, "\"event\":\"leak_stopped\""), "%s", j);
	cr_assert(strstr(j, "\"plateau\":32505856"), "%s", j);
	cr_assert_null(strstr(j, "alert"), "%s", j);

	ev.type = DM_EV_GROWTH_BOUNDED;
	j = json(&ev);
	cr_assert(strstr(j, "\"event\":\"growth_bounded\""), "%s", j);
	cr_assert(strstr(j, "\"plateau\":32505856"), "%s", j);

	c.limit = 512 << 20;
	c.time_left = 90.5;
	ev.type = DM_EV_EXHAUSTION_PROJECTED;
	j = json(&ev);
	cr_assert(strstr(j, "\"event\":\"exhaustion_projected\""), "%s", j);
	cr_assert(strstr(j, "\"limit\":536870912,\"time_left\":90.5"), "%s", j);
	cr_assert_null(strstr(j, "baseline"), "%s", j);
	ev.type = DM_EV_EXHAUSTION_CLEARED;
	cr_assert(strstr(json(&ev), "\"event\":\"exhaustion_cleared\""));
	ev.type = DM_EV_LEAK_UPDATED;
	cr_assert(strstr(json(&ev), "\"event\":\"leak_updated\""));
	for (int t = 0; t < DM_EV_COUNT; t++)
		cr_assert_neq(strcmp(dm_event_name((enum dm_event_type)t), "unknown"), 0);
	cr_assert(dm_event_is_leak(DM_EV_EXHAUSTION_PROJECTED));
	cr_assert_not(dm_event_is_leak(DM_EV_SAMPLE));
}

/* Another process's sample: its RSS by kind and its children, nothing of
 * ours (no heap, no budget, no parser tags). */
Test(event, watched_sample_carries_only_what_applies)
{
	struct dm_sample x = {.rss = 300, .rss_anon = 200, .rss_file = 90, .rss_shmem = 10,
	                      .pid = 77, .nchildren = 1, .children_total = 3,
	                      .child = {{.pid = 78, .rss = 100, .rss_anon = 60}}};
	struct dm_event ev = {.type = DM_EV_SAMPLE, .u.sample = {&x, NULL}};
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"pid\":77,\"rss\":300,\"rss_peak\":0,\"rss_anon\":200,\"rss_file\":90,"
	                    "\"rss_shmem\":10,\"children\":3,"
	                    "\"per_child\":[{\"pid\":78,\"rss\":100,\"rss_anon\":60}]"),
	          "%s", j);
	cr_assert_null(strstr(j, "tags"), "%s", j);
	cr_assert_null(strstr(j, "accounted"), "%s", j);
	cr_assert_null(strstr(j, "heap_"), "%s", j);
	x.pid = 0;
	x.nchildren = x.children_total = 0;
	j = json(&ev);
	cr_assert(strstr(j, "\"tags\":{"), "%s", j);
	cr_assert(strstr(j, "\"rss_anon\":200"), "%s", j);
	cr_assert_null(strstr(j, "per_child"), "%s", j);
}

Test(event, start_lists_every_key_once)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_event ev = {.type = DM_EV_START, .u.start = {&c, 3}};
	const char *j = json(&ev);
	cr_assert(strstr(j, "\"profile\":\"default\""), "%s", j);
	for (size_t i = 0; dm_config_key_at(i); i++) {
		const char *name = dm_config_key_at(i)->name;
		char key[80];
		snprintf(key, sizeof key, "\"%s\":", name);
		int want = strcmp(name, "name") != 0 && strcmp(name, "description") != 0;
		cr_assert_eq(strstr(j, key) != NULL, want, "%s in %s", name, j);
	}
	cr_assert(strstr(j, "\"workers\":3,"), "%s", j);
}

Test(event, reclaim_summary_status)
{
	struct dm_reclaim_info r = {.reason = "manual", .pool_bytes = 10, .rss_before = 50,
	                            .rss_after = 20, .trimmed = 1};
	struct dm_event ev = {.type = DM_EV_RECLAIM, .u.reclaim = &r};
	cr_assert_str_eq(json(&ev), HEAD("reclaim") ",\"reason\":\"manual\",\"pool_bytes\":10,"
	                 "\"rss_before\":50,\"rss_after\":20,\"rss_freed\":30,\"trimmed\":true}");
	struct dm_session_summary sum = {.files = 2, .files_ok = 1, .files_failed = 1, .exit_code = 4};
	struct dm_event s = {.type = DM_EV_SUMMARY, .u.summary = &sum};
	const char *j = json(&s);
	cr_assert(strstr(j, "\"files\":2,\"files_ok\":1,\"files_failed\":1,"), "%s", j);
	cr_assert(strstr(j, "\"exit_code\":4}"), "%s", j);
	struct dm_sample x = {.rss = 9, .heap_inuse = 8, .heap_free = 7};
	struct dm_event st = {.type = DM_EV_STATUS, .u.status = {&x, NULL, &sum}};
	j = json(&st);
	cr_assert(strstr(j, "\"current\":{\"rss\":9,\"heap_used\":8,\"heap_free\":7,"), "%s", j);
	cr_assert(strstr(j, "\"monitor\":{"), "%s", j);
}

Test(event, every_kind_has_a_name)
{
	for (int t = 0; t < DM_EV_COUNT; t++) {
		const char *n = dm_event_name((enum dm_event_type)t);
		cr_assert(n && *n && strcmp(n, "?") != 0, "event %d", t);
	}
}

Test(event, sample_csv_one_schema)
{
	dm_sample_csv_header(&B);
	struct dm_sample x = {.t = 0.25, .wall_ms = 1764547200123, .rss = 1, .rss_peak = 2,
	                      .mem_total = 3, .mem_available = 4, .mem_used_pct = 5.5,
	                      .heap_inuse = 6, .heap_free = 7, .rss_anon = 10, .rss_file = 11,
	                      .rss_shmem = 12};
	x.acct.live = 8;
	x.acct.peak = 9;
	dm_sample_csv_row(&x, &B);
	dm_buf_putc(&B, '\0');
	/* the split by kind after the older columns, which keep their places */
	cr_assert_str_eq(B.data, "t,time,wall_ms,rss,rss_peak,mem_total,mem_available,mem_used_pct,"
	                         "heap_inuse,heap_free,accounted,accounted_peak,rss_anon,rss_file,rss_shmem\n"
	                         "0.250,2025-12-01T00:00:00.123Z,1764547200123,1,2,3,4,5.50,6,7,8,9,10,11,12\n");
}

/* ---- emit.c --------------------------------------------------------------- */

TestSuite(emit, .init = setup, .fini = teardown);

static char dir[128];

static void mkscratch(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-emit-%ld", (long)getpid());
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(emit, write_all_through_a_pipe_and_its_error)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	char data[3000];
	memset(data, 'x', sizeof data);
	cr_assert_eq(dm_write_all(p[1], data, sizeof data), 0);
	char back[4000];
	cr_assert_eq(read(p[0], back, sizeof back), (ssize_t)sizeof data);
	close(p[0]);
	close(p[1]);
	cr_assert_eq(dm_write_all(p[1], data, 1), EBADF, "the errno of the failed write");
	int full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		cr_assert_eq(dm_write_all(full, data, 10), ENOSPC);
		close(full);
	}
}

Test(emit, atomic_write_mkdirs_and_errors)
{
	mkscratch();
	char sub[256], path[300];
	snprintf(sub, sizeof sub, "%s/a/b/c", dir);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_mkdirs(sub, &err), 0, "%s", err.msg);
	cr_assert_eq(dm_mkdirs(sub, &err), 0, "an existing directory is fine");
	snprintf(path, sizeof path, "%s/f.txt", sub);
	cr_assert_eq(dm_write_atomic(path, "one\n", 4, &err), 0, "%s", err.msg);
	cr_assert_eq(dm_write_atomic(path, "two\n", 4, &err), 0, "%s", err.msg);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char line[16] = "";
	cr_assert_not_null(fgets(line, sizeof line, f));
	fclose(f);
	cr_assert_str_eq(line, "two\n");
	/* nothing but the file: no temporary left behind */
	char cmd[400];
	snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = f.txt", sub);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/missing/f.txt", dir);
	cr_assert_eq(dm_write_atomic(path, "x", 1, &err), DM_EIO);
	cr_assert(strstr(err.msg, path), "the message names the file: %s", err.msg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(emit, timestamps)
{
	char b[32];
	dm_iso_time(1764547200123, b, sizeof b);
	cr_assert_str_eq(b, "2025-12-01T00:00:00.123Z");
	dm_stamp_time(1764547200123, b, sizeof b);
	cr_assert_str_eq(b, "20251201T000000Z");
	int64_t w = dm_wall_ms();
	cr_assert_gt(w, 1700000000000LL);
	double a = dm_mono_s(), c = dm_mono_s();
	cr_assert_geq(c, a, "monotonic");
}

Test(emit, json_members_and_commas)
{
	int first = 1;
	dm_buf_putc(&B, '{');
	dm_json_u64(&B, "u", 18446744073709551615ULL, &first);
	dm_json_i64(&B, "i", -5, &first);
	dm_json_num(&B, "n", 0.5, &first);
	dm_json_str(&B, "s", "tab\there", &first);
	dm_json_str(&B, "z", NULL, &first);
	dm_json_bool(&B, "b", 1, &first);
	dm_buf_puts(&B, "}");
	dm_buf_putc(&B, '\0');
	cr_assert_str_eq(B.data, "{\"u\":18446744073709551615,\"i\":-5,\"n\":0.5,\"s\":\"tab\\there\","
	                         "\"z\":null,\"b\":true}");
}
