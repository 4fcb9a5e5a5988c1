/* The recording writer and the decoder of recorded events: every event a
 * dashboard draws survives the trip through JSON (plain and gzip) with
 * the figures it had; samples past the full-rate span are kept as each
 * bucket's lowest and highest RSS, in time order, with a note; events sent
 * before "start" come after it; a link is not written through; nothing
 * stays allocated. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "error.h"
#include "jsonl.h"
#include "profile.h"
#include "recorder.h"
#include "replay.h"
#include "session.h"
#include "teardown.h"

static char dir[64];
static struct dm_acct *ac;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-replay-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ac = dm_acct_new(NULL, 0);
	cr_assert_not_null(ac);
}

static void teardown(void)
{
	char cmd[128];
	TEARDOWN_CHECK(dm_acct_live(ac) == 0, "%llu bytes left allocated",
	             (unsigned long long)dm_acct_live(ac));
	dm_acct_free(ac);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(replay, .init = setup, .fini = teardown);

static const char *in_dir(const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static struct dm_file_info file_info(enum dm_file_state st)
{
	struct dm_file_info f;
	memset(&f, 0, sizeof f);
	f.index = 1;
	f.path = "/data/b \"quoted\".xml";
	f.state = st;
	f.size = 1000000;
	f.bytes = 750000;
	f.records[DM_REC_RELEASE] = 7;
	f.records[DM_REC_DEAL] = 3;
	f.records_total = 10;
	f.seconds = 2.5;
	f.peak = 123456;
	f.ern_version = "4.3";
	if (st == DM_FILE_FAILED)
		f.error = "/data/b.xml:3:7: not well-formed";
	return f;
}

/* Every kind of event the dashboard draws, into a recorder. */
static void record_all(struct dm_recorder *w, struct dm_config *cfg)
{
	double t = 0.5;
	struct dm_file_info q = file_info(DM_FILE_QUEUED), run = file_info(DM_FILE_RUNNING),
	                    done = file_info(DM_FILE_FAILED);
	struct dm_event ev = {.type = DM_EV_FILE_QUEUED, .t = 0.0, .u.file.file = &q};
	dm_recorder_event(w, &ev);   /* before start: must come after it */
	ev = (struct dm_event){.type = DM_EV_START, .t = 0.1, .u.start = {cfg, 2}};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_PROGRESS, .t = t, .u.file.file = &run};
	dm_recorder_event(w, &ev);
	struct dm_sample s;
	memset(&s, 0, sizeof s);
	s.rss = 50u << 20;
	s.rss_peak = 60u << 20;
	s.rss_anon = 30u << 20;
	s.rss_file = 19u << 20;
	s.rss_shmem = 1u << 20;
	s.acct.live = 1234567;
	s.acct.peak = 2345678;
	s.acct.tag[DM_TAG_PARSER].live = 4096;
	s.acct.tag[DM_TAG_PARSER].allocs = 17;
	s.mem_used_pct = 41.5;
	struct dm_trend tr = {.kind = DM_TREND_GROWING, .rate = 1048576.0, .to_budget = 300.0, .n = 10};
	ev = (struct dm_event){.type = DM_EV_SAMPLE, .t = 1.0, .u.sample = {&s, &tr}};
	dm_recorder_event(w, &ev);
	struct dm_reclaim_info rc = {"threshold", 4096, 50u << 20, 40u << 20, 1};
	ev = (struct dm_event){.type = DM_EV_RECLAIM, .t = 1.5, .u.reclaim = &rc};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_PRESSURE, .t = 1.6, .u.pressure = {1, "32K"}};
	dm_recorder_event(w, &ev);
	struct dm_leak_info li = {DM_LEAK_CONFIRMED, 4, 52428800, 4.0, 13107200.0, 1024, 1.0, 2.0, 0};
	ev = (struct dm_event){.type = DM_EV_LEAK_CONFIRMED, .t = 2.0,
	                       .u.leak = {.sample = &s, .leak = &li, .report_path = "/r/heap.json"}};
	dm_recorder_event(w, &ev);
	struct dm_error e;
	dm_error_clear(&e);
	dm_error_set(&e, DM_EXML, "not well-formed");
	ev = (struct dm_event){.type = DM_EV_ERROR, .t = 2.1, .u.error = {&run, &e, 1}};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_SETTING, .t = 2.2, .u.setting = {"chunk_size", "128K", cfg}};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_NOTE, .t = 2.3, .u.note = {"hello \xe2\x86\x92 there", NULL}};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_FILE_DONE, .t = 2.5, .u.file.file = &done};
	dm_recorder_event(w, &ev);
	struct dm_session_summary sum;
	memset(&sum, 0, sizeof sum);
	sum.files = 2;
	sum.files_ok = 1;
	sum.files_failed = 1;
	sum.bytes = 999;
	sum.records[DM_REC_RELEASE] = 7;
	sum.rss_peak = 60u << 20;
	sum.acct_peak = 2345678;
	sum.leaks_confirmed = 1;
	sum.exit_code = 4;
	ev = (struct dm_event){.type = DM_EV_SUMMARY, .t = 3.0, .u.summary = &sum};
	dm_recorder_event(w, &ev);
}

static void round_trip(const char *name)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(in_dir(name), NULL, ac, &err);
	cr_assert_not_null(w, "%s", err.msg);
	record_all(w, &cfg);
	cr_assert_eq(dm_recorder_close(w, &err), 0, "%s", err.msg);

	struct dm_jsonl *r = dm_jsonl_open(in_dir(name), ac, &err);
	cr_assert_not_null(r, "%s", err.msg);
	static struct dm_replay_event re;
	enum dm_event_type want[] = {DM_EV_START, DM_EV_FILE_QUEUED, DM_EV_PROGRESS, DM_EV_SAMPLE,
	                             DM_EV_RECLAIM, DM_EV_PRESSURE, DM_EV_LEAK_CONFIRMED, DM_EV_ERROR,
	                             DM_EV_SETTING, DM_EV_NOTE, DM_EV_FILE_DONE, DM_EV_SUMMARY};
	size_t n = 0;
	int rc;
	while ((rc = dm_jsonl_next_event(r, &err)) == 1) {
		cr_assert_eq(dm_replay_decode(r, &re), 0);
		cr_assert_lt(n, sizeof want / sizeof *want);
		cr_expect_eq(re.ev.type, want[n], "event %zu: %s", n, dm_event_name(re.ev.type));
		const struct dm_event *ev = &re.ev;
		switch (ev->type) {
		case DM_EV_START:
			cr_expect_eq(ev->u.start.workers, 2);
			cr_expect_float_eq(ev->t, 0.1, 1e-9);
			break;
		case DM_EV_FILE_QUEUED:
			cr_expect_str_eq(ev->u.file.file->path, "/data/b \"quoted\".xml");
			cr_expect_eq(ev->u.file.file->state, DM_FILE_QUEUED);
			cr_expect_eq(ev->u.file.file->size, 1000000);
			break;
		case DM_EV_PROGRESS:
			cr_expect_eq(ev->u.file.file->bytes, 750000);
			cr_expect_eq(ev->u.file.file->records_total, 10);
			cr_expect_eq(ev->u.file.file->state, DM_FILE_RUNNING);
			break;
		case DM_EV_SAMPLE: {
			const struct dm_sample *s = ev->u.sample.sample;
			cr_expect_eq(s->rss, 50u << 20);
			cr_expect_eq(s->rss_peak, 60u << 20);
			cr_expect_eq(s->rss_anon, 30u << 20);
			cr_expect_eq(s->rss_file, 19u << 20);
			cr_expect_eq(s->rss_shmem, 1u << 20);
			cr_expect_eq(s->acct.live, 1234567);
			cr_expect_eq(s->acct.peak, 2345678);
			cr_expect_eq(s->acct.tag[DM_TAG_PARSER].live, 4096);
			cr_expect_eq(s->acct.tag[DM_TAG_PARSER].allocs, 17);
			cr_expect_float_eq(s->mem_used_pct, 41.5, 1e-9);
			cr_assert_not_null(ev->u.sample.trend);
			cr_expect_eq(ev->u.sample.trend->kind, DM_TREND_GROWING);
			cr_expect_float_eq(ev->u.sample.trend->to_budget, 300.0, 1e-9);
			break;
		}
		case DM_EV_RECLAIM:
			cr_expect_str_eq(ev->u.reclaim->reason, "threshold");
			cr_expect_eq(ev->u.reclaim->rss_after, 40u << 20);
			cr_expect_eq(ev->u.reclaim->trimmed, 1);
			break;
		case DM_EV_PRESSURE:
			cr_expect_eq(ev->u.pressure.on, 1);
			cr_expect_str_eq(ev->u.pressure.chunk_size, "32K");
			break;
		case DM_EV_LEAK_CONFIRMED:
			cr_expect_eq(ev->u.leak.leak->state, DM_LEAK_CONFIRMED);
			cr_expect_eq(ev->u.leak.leak->growth, 52428800);
			cr_expect_eq(ev->u.leak.leak->reclaimed, 1024);
			cr_expect_str_eq(ev->u.leak.report_path, "/r/heap.json");
			cr_expect_eq(ev->u.leak.sample->rss, 50u << 20);
			break;
		case DM_EV_ERROR:
			cr_expect_eq(ev->u.error.error->code, DM_EXML);
			cr_expect_eq(ev->u.error.fatal, 1);
			cr_expect_not_null(strstr(ev->u.error.error->msg, "not well-formed"));
			cr_assert_not_null(ev->u.error.file);
			cr_expect_eq(ev->u.error.file->index, 1);
			break;
		case DM_EV_SETTING:
			cr_expect_str_eq(ev->u.setting.key, "chunk_size");
			cr_expect_str_eq(ev->u.setting.value, "128K");
			break;
		case DM_EV_NOTE:
			cr_expect_str_eq(ev->u.note.text, "hello \xe2\x86\x92 there");
			break;
		case DM_EV_FILE_DONE: {
			const struct dm_file_info *f = ev->u.file.file;
			cr_expect_eq(f->state, DM_FILE_FAILED);
			cr_expect_str_eq(f->error, "/data/b.xml:3:7: not well-formed");
			cr_expect_str_eq(f->ern_version, "4.3");
			cr_expect_eq(f->records[DM_REC_RELEASE], 7);
			cr_expect_eq(f->records[DM_REC_DEAL], 3);
			cr_expect_eq(f->peak, 123456);
			cr_expect(dm_replay_of_interest(ev));
			break;
		}
		case DM_EV_SUMMARY: {
			const struct dm_session_summary *s = ev->u.summary;
			cr_expect_eq(s->files, 2);
			cr_expect_eq(s->files_failed, 1);
			cr_expect_eq(s->records[DM_REC_RELEASE], 7);
			cr_expect_eq(s->rss_peak, 60u << 20);
			cr_expect_eq(s->acct_peak, 2345678);
			cr_expect_eq(s->leaks_confirmed, 1);
			cr_expect_eq(s->exit_code, 4);
			break;
		}
		default:
			break;
		}
		n++;
	}
	cr_expect_eq(rc, 0, "%s", err.msg);
	cr_expect_eq(n, sizeof want / sizeof *want);
	cr_expect_eq(dm_jsonl_skipped(r)->total, 0);
	dm_jsonl_free(r);
}

Test(replay, round_trip_plain) { round_trip("r.jsonl"); }
Test(replay, round_trip_gzip)
{
	round_trip("r.jsonl.gz");
	FILE *f = fopen(in_dir("r.jsonl.gz"), "rb");
	cr_assert_not_null(f);
	unsigned char magic[2];
	cr_assert_eq(fread(magic, 1, 2, f), 2);
	fclose(f);
	cr_expect(magic[0] == 0x1f && magic[1] == 0x8b, "not gzip");
}

Test(replay, interest)
{
	struct dm_event ev = {.type = DM_EV_SAMPLE};
	cr_expect_not(dm_replay_of_interest(&ev));
	ev.type = DM_EV_LEAK_SUSPECTED;
	cr_expect(dm_replay_of_interest(&ev));
	ev.type = DM_EV_RECLAIM;
	cr_expect(dm_replay_of_interest(&ev));
	struct dm_file_info ok = file_info(DM_FILE_DONE);
	ev = (struct dm_event){.type = DM_EV_FILE_DONE, .u.file.file = &ok};
	cr_expect_not(dm_replay_of_interest(&ev));
}

Test(replay, unknown_event_is_refused)
{
	const char *text = "{\"event\":\"start\",\"t\":0,\"version\":\"" PACKAGE_VERSION "\"}\n"
	                   "{\"event\":\"teleport\",\"t\":1}\n";
	FILE *f = fopen(in_dir("u.jsonl"), "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_jsonl *r = dm_jsonl_open(in_dir("u.jsonl"), ac, &err);
	cr_assert_not_null(r);
	static struct dm_replay_event re;
	cr_assert_eq(dm_jsonl_next_event(r, &err), 1);
	cr_expect_eq(dm_replay_decode(r, &re), 0);
	cr_assert_eq(dm_jsonl_next_event(r, &err), 1);
	cr_expect_eq(dm_replay_decode(r, &re), DM_ERECORD);
	dm_jsonl_free(r);
}

/* 0.1 s samples for 30 s; full rate for 10 s, 1 s buckets to 20 s, 5 s after;
 * one spike at t=15.3 and one dip at t=25.2. */
Test(replay, downsampling_keeps_peaks_in_order)
{
	struct dm_recorder_opts o = {10, 1, 20, 5};
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(in_dir("d.jsonl"), &o, ac, &err);
	cr_assert_not_null(w, "%s", err.msg);
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_event ev = {.type = DM_EV_START, .u.start = {&cfg, 1}};
	dm_recorder_event(w, &ev);
	for (int i = 0; i <= 300; i++) {
		struct dm_sample s;
		memset(&s, 0, sizeof s);
		s.rss = 100000 + (uint64_t)i;
		if (i == 153)
			s.rss = 999999;
		if (i == 252)
			s.rss = 5;
		ev = (struct dm_event){.type = DM_EV_SAMPLE, .t = i / 10.0, .u.sample = {&s, NULL}};
		dm_recorder_event(w, &ev);
	}
	cr_assert_eq(dm_recorder_close(w, &err), 0, "%s", err.msg);

	struct dm_jsonl *r = dm_jsonl_open(in_dir("d.jsonl"), ac, &err);
	cr_assert_not_null(r);
	size_t samples = 0, notes = 0;
	int spike = 0, dip = 0;
	double last = -1;
	while (dm_jsonl_next_event(r, &err) == 1) {
		double t = dm_jsonl_t(r);
		cr_expect_geq(t, last, "out of order at t=%.2f after %.2f", t, last);
		last = t;
		if (strcmp(dm_jsonl_event(r), "note") == 0)
			notes++;
		if (strcmp(dm_jsonl_event(r), "sample") != 0)
			continue;
		samples++;
		uint64_t rss;
		cr_assert_eq(dm_jsonl_u64(r, 0, "rss", &rss), 0);
		spike |= rss == 999999;
		dip |= rss == 5;
	}
	/* 100 at full rate, 2 a bucket for 10 one-second and 2 five-second
	 * buckets, and the last sample (t=30) alone in its bucket */
	cr_expect_eq(samples, 100 + 20 + 4 + 1, "%zu samples", samples);
	cr_expect_eq(notes, 2, "a note when each stage starts");
	cr_expect(spike, "the spike was lost");
	cr_expect(dip, "the dip was lost");
	cr_expect_eq(dm_jsonl_skipped(r)->total, 0);
	dm_jsonl_free(r);
}

Test(replay, no_writing_through_a_link)
{
	cr_assert_eq(symlink("/tmp/dm-replay-target-never", in_dir("link.jsonl")), 0);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(in_dir("link.jsonl"), NULL, ac, &err);
	cr_expect_null(w);
	cr_expect_not_null(strstr(err.msg, "symbolic link"), "%s", err.msg);
	cr_expect_neq(access("/tmp/dm-replay-target-never", F_OK), 0);
}

Test(replay, sync_makes_a_whole_prefix)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(in_dir("s.jsonl.gz"), NULL, ac, &err);
	cr_assert_not_null(w);
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_event ev = {.type = DM_EV_START, .u.start = {&cfg, 1}};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_NOTE, .t = 1, .u.note = {"before sync", NULL}};
	dm_recorder_event(w, &ev);
	cr_assert_eq(dm_recorder_sync(w, &err), 0, "%s", err.msg);
	/* read while the writer is still open: both lines are there */
	struct dm_jsonl *r = dm_jsonl_open(in_dir("s.jsonl.gz"), ac, &err);
	cr_assert_not_null(r);
	int n = 0;
	while (dm_jsonl_next_event(r, &err) == 1)
		n++;
	cr_expect_eq(n, 2);
	dm_jsonl_free(r);
	cr_assert_eq(dm_recorder_close(w, &err), 0);
}
