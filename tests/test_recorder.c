/* The recording writer behind a disk that does not keep up: a FIFO whose
 * reader reads nothing, so the writer thread is stuck in write() while
 * events keep coming. Samples go first, then narration; every result
 * (file_done, error, retry, leak state, summary, status) is kept whole and
 * in order; memory stays bounded, up to a hard cap past which even
 * results are left out with an error; the recording says in a note what
 * it lost, and replay and report read it back whole. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acct.h"
#include "error.h"
#include "jsonl.h"
#include "profile.h"
#include "recorder.h"
#include "replay.h"
#include "report.h"
#include "session.h"
#include "testutil.h"

#define MiB (1u << 20)

static char dir[64];
static struct dm_acct *ac;

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-recorder-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ac = dm_acct_new(NULL, 0);
	cr_assert_not_null(ac);
}

static void teardown(void)
{
	char cmd[128];
	dm_acct_free(ac);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(recorder, .init = setup, .fini = teardown);

static const char *in_dir(const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

/* A FIFO with a reader that has read nothing yet and a full pipe: the
 * recorder's first write blocks. */
struct stall {
	char path[128];
	int rfd;
	size_t filled;        /* bytes of filler ahead of the recording */
	pthread_t th;
	char *buf;            /* what the reader got, once it reads */
	size_t len;
};

static void stall_open(struct stall *st)
{
	memset(st, 0, sizeof *st);
	snprintf(st->path, sizeof st->path, "%s", in_dir("rec.jsonl"));
	cr_assert_eq(mkfifo(st->path, 0600), 0);
	st->rfd = open(st->path, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(st->rfd, 0);
	fcntl(st->rfd, F_SETPIPE_SZ, 4096);
	int wfd = open(st->path, O_WRONLY | O_NONBLOCK);
	cr_assert_geq(wfd, 0);
	static char fill[4096];
	memset(fill, ' ', sizeof fill);
	for (ssize_t w; (w = write(wfd, fill, sizeof fill)) > 0;)
		st->filled += (size_t)w;
	for (ssize_t w; (w = write(wfd, fill, 1)) > 0;)
		st->filled += (size_t)w;
	cr_assert_eq(errno, EAGAIN);
	close(wfd);
	cr_assert_gt(st->filled, 0);
}

/* A reader of the FIFO to the end of the file (the stalled one, rfd,
 * stays open and reads nothing). */
static void *drain_main(void *arg)
{
	struct stall *st = arg;
	st->buf = tu_read_file(st->path, &st->len);
	return NULL;
}

/* The reader reads again, to the end of the file. */
static void stall_release(struct stall *st)
{
	cr_assert_eq(pthread_create(&st->th, NULL, drain_main, st), 0);
}

/* After the recorder is closed: the recording, without the filler, also
 * kept in a plain file for replay and report. */
static const char *stall_end(struct stall *st, const char *copy)
{
	pthread_join(st->th, NULL);
	close(st->rfd);
	cr_assert_gt(st->len, st->filled);
	const char *out = st->buf + st->filled;
	FILE *f = fopen(in_dir(copy), "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(out, 1, strlen(out), f), strlen(out));
	cr_assert_eq(fclose(f), 0);
	return out;
}

/* Every line whole: an object, ended by a newline. */
static size_t whole_lines(const char *out)
{
	size_t n = 0;
	cr_assert_eq(out[strlen(out) - 1], '\n');
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		cr_assert(e && l[0] == '{' && e[-1] == '}', "a whole JSON line: %.80s", l);
		n++;
	}
	return n;
}

/* The "index" of each file_done, in the order they were written: 0, 1,
 * 2, ... with none missing or repeated. Returns how many. */
static size_t results_in_order(const char *out)
{
	static const char head[] = "{\"event\":\"file_done\"", key[] = "\"index\":";
	size_t n = 0;
	/* a line at a time: the output is tens of MB, and a sanitizer's
	 * strstr measures all that is left on every call */
	for (const char *l = out, *e; (e = strchr(l, '\n')); l = e + 1) {
		if (strncmp(l, head, sizeof head - 1) != 0)
			continue;
		const char *ix = memmem(l, (size_t)(e - l), key, sizeof key - 1);
		cr_assert_not_null(ix);
		long v = strtol(ix + sizeof key - 1, NULL, 10);
		cr_assert_eq(v, (long)n, "file_done %ld where %zu was due", v, n);
		n++;
	}
	return n;
}

static struct dm_sample smp = {.rss = 50123456, .rss_peak = 60123456, .mem_total = 17179869184ull,
                               .mem_available = 12345678901ull, .mem_used_pct = 28.13,
                               .heap_inuse = 41234567, .heap_free = 1234567, .rss_anon = 45123456,
                               .rss_file = 5000000, .wall_ms = 1764547200123};
static struct dm_trend tr = {.kind = DM_TREND_GROWING, .rate = 1e6, .to_budget = 100};
static const struct dm_recorder_opts full_rate = {1e9, 1, 2e9, 10};

static struct dm_recorder *start(const char *path, struct dm_config *cfg)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(path, &full_rate, ac, &err);
	cr_assert_not_null(w, "%s", err.msg);
	dm_config_init(cfg);
	struct dm_event ev = {.type = DM_EV_START, .u.start = {cfg, 1}};
	dm_recorder_event(w, &ev);
	return w;
}

/* A recorder writing into a stalled FIFO, its start sent and its writer
 * given the time to take it and block on the full pipe: what follows
 * piles up in the queue (on a slow machine the writer could otherwise
 * first take a large batch, and hold it as well). */
static struct dm_recorder *stalled(struct stall *st, struct dm_config *cfg)
{
	stall_open(st);
	struct dm_recorder *w = start(st->path, cfg);
	usleep(200000);
	return w;
}

static void send_samples(struct dm_recorder *w, int n, double *t)
{
	struct dm_event ev = {.type = DM_EV_SAMPLE, .u.sample = {&smp, &tr}};
	for (int i = 0; i < n; i++) {
		ev.t = *t += 0.01;
		smp.t = ev.t;
		dm_recorder_event(w, &ev);
	}
}

static void send_file_done(struct dm_recorder *w, int index, double *t)
{
	struct dm_file_info fi = {.index = index, .path = "/d/in.xml", .size = 1 << 30,
	                          .bytes = 1 << 30, .records_total = 1234,
	                          .state = index % 3 ? DM_FILE_DONE : DM_FILE_FAILED};
	if (fi.state == DM_FILE_FAILED)
		fi.error = "/d/in.xml:3:7: mismatched tag";
	struct dm_event ev = {.type = DM_EV_FILE_DONE, .t = *t += 0.001, .u.file.file = &fi};
	dm_recorder_event(w, &ev);
}

#define SAMPLES 120000
#define PROGRESS 150000
#define FILES 2000
#define ERRORS 500

Test(recorder, stalled_disk_keeps_every_result)
{
	struct stall st;
	struct dm_config cfg;
	struct dm_recorder *w = stalled(&st, &cfg);
	double t = 0;

	/* samples until they stop going in: about 8 MiB of them */
	send_samples(w, SAMPLES, &t);
	size_t after_samples = dm_acct_live(ac);
	/* ~60 MB of samples were sent; the queue (under 8 MiB of lines, so a
	 * buffer of at most 16 MiB) and the batch the writer is stuck on
	 * (one earlier queue) are what is held */
	cr_expect_lt(after_samples, 33 * MiB, "samples are bounded: %zu bytes live", after_samples);

	/* narration past its bound */
	struct dm_file_info fi = {.path = "/d/in.xml", .size = 1 << 30, .state = DM_FILE_RUNNING};
	struct dm_event ev = {.type = DM_EV_PROGRESS, .u.file.file = &fi};
	for (int i = 0; i < PROGRESS; i++) {
		ev.t = t += 0.001;
		fi.bytes += 1000;
		dm_recorder_event(w, &ev);
	}
	/* one more sample: still left out, the queue is over its bound */
	send_samples(w, 1, &t);

	/* the results, each one of them, whatever the queue holds */
	struct dm_error e;
	dm_error_clear(&e);
	dm_error_at(&e, "/d/bad.xml", 3, 7, 99);
	dm_error_set(&e, DM_EXML, "mismatched tag");
	for (int i = 0; i < FILES; i++) {
		fi.index = i;
		if (i < ERRORS) {
			ev = (struct dm_event){.type = DM_EV_ERROR, .t = t += 0.001, .u.error = {&fi, &e, 0}};
			dm_recorder_event(w, &ev);
		}
		if (i == 7) {
			ev = (struct dm_event){.type = DM_EV_RETRY, .t = t += 0.001,
			                       .u.retry = {&fi, &e, "32K"}};
			dm_recorder_event(w, &ev);
		}
		send_file_done(w, i, &t);
	}
	struct dm_leak_info li = {.state = DM_LEAK_CONFIRMED, .growth = 80 << 20, .rate = 5e6};
	ev = (struct dm_event){.type = DM_EV_LEAK_CONFIRMED, .t = t += 0.1,
	                       .u.leak = {&smp, &li, NULL, "/r/heap-1.json", 0}};
	dm_recorder_event(w, &ev);
	struct dm_session_summary sum = {.files = FILES, .files_ok = FILES - (FILES + 2) / 3,
	                                 .files_failed = (FILES + 2) / 3, .exit_code = 4};
	ev = (struct dm_event){.type = DM_EV_SUMMARY, .t = t += 0.1, .u.summary = &sum};
	dm_recorder_event(w, &ev);
	ev = (struct dm_event){.type = DM_EV_STATUS, .t = t += 0.1, .u.status = {&smp, &tr, &sum}};
	dm_recorder_event(w, &ev);
	/* ~60 MB of samples and ~30 MB of narration were sent: what is held
	 * is the bounds and the results, in two buffers of at most 32 MiB */
	size_t held = dm_acct_live(ac);
	cr_expect_lt(held, 65 * MiB, "%zu bytes live", held);
	cr_expect_gt(held, 16 * MiB, "%zu bytes live: the narration bound was not reached", held);

	stall_release(&st);
	struct dm_error err;
	dm_error_clear(&err);
	cr_expect_eq(dm_recorder_close(w, &err), 0, "only samples and narration lost: %s", err.msg);
	const char *out = stall_end(&st, "copy.jsonl");

	whole_lines(out);
	cr_expect_eq(strncmp(out, "{\"event\":\"start\"", 16), 0);
	cr_expect_not_null(strstr(strchr(out, '\n') - 30, "\"recording\":true}"));
	cr_expect_eq(results_in_order(out), FILES, "every file_done, in order");
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"error\""), ERRORS);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"retry\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"leak_confirmed\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"summary\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"status\""), 1);
	size_t samples = tu_count_prefixed(out, "{\"event\":\"sample\""),
	       progress = tu_count_prefixed(out, "{\"event\":\"progress\"");
	cr_expect(samples > 1000 && samples < SAMPLES / 2, "%zu samples kept", samples);
	cr_expect(progress > 1000 && progress < PROGRESS, "%zu progress events kept", progress);

	/* what was lost is said in the recording, once, after the results
	 * (the writer never caught up before the end), and by close */
	char note[200];
	snprintf(note, sizeof note, "\"message\":\"recording: %zu samples and %zu narration events left "
	         "out before this point: the disk was too slow to take them\"",
	         (size_t)SAMPLES + 1 - samples, (size_t)PROGRESS - progress);
	cr_expect_not_null(strstr(out, note), "no note %s", note);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"note\""), 1);
	cr_expect_eq(err.code, 0);
	char said[200];
	snprintf(said, sizeof said, "%s: %zu events left out of the recording (%zu samples and %zu "
	         "narration events)", st.path, (size_t)SAMPLES + 1 - samples + PROGRESS - progress,
	         (size_t)SAMPLES + 1 - samples, (size_t)PROGRESS - progress);
	cr_expect_eq(strncmp(err.msg, said, strlen(said)), 0, "said '%s'", err.msg);

	/* replay decodes every line; report reads it with nothing skipped */
	struct dm_jsonl *r = dm_jsonl_open(in_dir("copy.jsonl"), ac, &err);
	cr_assert_not_null(r, "%s", err.msg);
	static struct dm_replay_event re;
	size_t events = 0, done = 0, notes = 0;
	while (dm_jsonl_next_event(r, &err) == 1) {
		cr_assert_eq(dm_replay_decode(r, &re), 0);
		events++;
		done += re.ev.type == DM_EV_FILE_DONE;
		if (re.ev.type != DM_EV_NOTE || !strstr(re.ev.u.note.text, "left out"))
			continue;
		notes++;
		/* the counts are figures too, not only words */
		cr_assert_not_null(re.ev.u.note.left_out);
		cr_expect_eq(re.ev.u.note.left_out->n[DM_LOSS_SAMPLE], SAMPLES + 1 - samples);
		cr_expect_eq(re.ev.u.note.left_out->n[DM_LOSS_NARRATION], PROGRESS - progress);
		cr_expect_eq(re.ev.u.note.left_out->n[DM_LOSS_RESULT], 0);
	}
	cr_expect_eq(dm_jsonl_skipped(r)->total, 0);
	cr_expect_eq(done, FILES);
	cr_expect_eq(notes, 1);
	size_t nlines = whole_lines(out);
	cr_expect_eq(events, nlines, "%zu events of %zu lines", events, nlines);
	dm_jsonl_free(r);
	struct dm_report *rep = dm_report_new(ac, &err);
	cr_assert_not_null(rep);
	cr_assert_eq(dm_report_read(rep, in_dir("copy.jsonl"), NULL, NULL, &err), 0, "%s", err.msg);
	cr_expect_eq(dm_report_skipped(rep), 0);
	cr_expect_eq(dm_report_samples(rep), samples);
	struct dm_buf html;
	dm_buf_init(&html, ac, DM_TAG_OUTPUT);
	cr_assert_eq(dm_report_render(rep, DM_REPORT_HTML, "copy.jsonl", &html), 0);
	dm_buf_putc(&html, '\0');
	cr_expect_not_null(strstr(html.data, "the disk was too slow to take them"),
	                   "the page shows the note");
	dm_buf_fini(&html);
	dm_report_free(rep);
	free(st.buf);
	cr_expect_eq(dm_acct_live(ac), 0, "%zu bytes left allocated", dm_acct_live(ac));
}

/* A disk that never takes another byte: results go in up to the hard cap,
 * then they too are left out, the recording says so at its end and close
 * fails; memory stays under the cap. */
Test(recorder, hard_cap_on_results)
{
	struct stall st;
	struct dm_config cfg;
	struct dm_recorder *w = stalled(&st, &cfg);
	double t = 0;
	size_t peak = 0;
	enum { SENT = 150000 };   /* ~50 MB of file_done lines */
	for (int i = 0; i < SENT; i++) {
		send_file_done(w, i, &t);
		size_t live = dm_acct_live(ac);
		peak = live > peak ? live : peak;
	}
	cr_expect_lt(peak, 65 * MiB, "%zu bytes live", peak);
	stall_release(&st);
	struct dm_error err;
	dm_error_clear(&err);
	cr_expect_eq(dm_recorder_close(w, &err), DM_EIO);
	const char *out = stall_end(&st, "copy.jsonl");
	whole_lines(out);
	size_t kept = results_in_order(out);
	cr_expect(kept > 30000 && kept < SENT, "%zu results kept", kept);
	char note[160];
	snprintf(note, sizeof note, "\"message\":\"recording: %zu results left out before this point",
	         (size_t)SENT - kept);
	const char *last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	cr_expect_eq(strncmp(last, "{\"event\":\"note\"", 15), 0, "the last line: %.80s", last);
	cr_expect_not_null(strstr(last, note), "no note %s in %s", note, last);
	char said[200];
	snprintf(said, sizeof said, "%s: the recording is incomplete: %zu results left out", st.path,
	         (size_t)SENT - kept);
	cr_expect_eq(strncmp(err.msg, said, strlen(said)), 0, "said '%s'", err.msg);
	free(st.buf);
	cr_expect_eq(dm_acct_live(ac), 0);
}

/* A disk that keeps up loses nothing and hears of no loss (the writer is
 * waited for after each batch, so that a slow machine, valgrind's for
 * one, cannot make it a slow disk). */
Test(recorder, disk_that_keeps_up)
{
	struct dm_config cfg;
	struct dm_recorder *w = start(in_dir("r.jsonl"), &cfg);
	double t = 0;
	struct dm_error err;
	dm_error_clear(&err);
	for (int i = 0; i < 200; i++) {
		send_samples(w, 100, &t);
		send_file_done(w, i, &t);
		cr_assert_eq(dm_recorder_sync(w, &err), 0, "%s", err.msg);
	}
	cr_expect_eq(dm_recorder_close(w, &err), 0);
	cr_expect_eq(err.msg[0], '\0', "%s", err.msg);
	char *out = tu_read_file(in_dir("r.jsonl"), NULL);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"sample\""), 200 * 100);
	cr_expect_eq(results_in_order(out), 200);
	cr_expect_null(strstr(out, "left out"));
	free(out);
	cr_expect_eq(dm_acct_live(ac), 0);
}

/* Lines sent before the start are held for it, under the same bounds; the
 * note of what they lost never goes ahead of the start, which stays the
 * first line, and the recording reads. */
Test(recorder, losses_before_the_start)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_recorder *w = dm_recorder_open(in_dir("e.jsonl"), &full_rate, ac, &err);
	cr_assert_not_null(w, "%s", err.msg);
	double t = 0;
	send_samples(w, SAMPLES, &t);
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_event ev = {.type = DM_EV_START, .t = 0, .u.start = {&cfg, 1}};
	dm_recorder_event(w, &ev);
	send_file_done(w, 0, &t);
	cr_expect_eq(dm_recorder_close(w, &err), 0, "%s", err.msg);
	cr_expect_not_null(strstr(err.msg, "samples"), "the loss is said: '%s'", err.msg);
	char *out = tu_read_file(in_dir("e.jsonl"), NULL);
	cr_expect_eq(strncmp(out, "{\"event\":\"start\"", 16), 0, "first line: %.60s", out);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"note\""), 1);
	cr_expect_eq(results_in_order(out), 1);
	free(out);
	struct dm_jsonl *r = dm_jsonl_open(in_dir("e.jsonl"), ac, &err);
	cr_assert_not_null(r, "%s", err.msg);
	size_t n = 0;
	while (dm_jsonl_next_event(r, &err) == 1)
		n++;
	cr_expect_gt(n, 1000);
	cr_expect_eq(dm_jsonl_skipped(r)->total, 0);
	dm_jsonl_free(r);
	cr_expect_eq(dm_acct_live(ac), 0);
}
