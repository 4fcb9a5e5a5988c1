/* The sink's bounded event queue, behind a consumer that does not read:
 * the output thread is stuck writing to a full pipe while events keep
 * coming. Samples are dropped past the soft bound and narration past the
 * hard one, both counted; a file's result, its errors, a leak's
 * confirmation, the summary and the status are never dropped; the queue's
 * memory stays bounded; once the consumer reads again every line is whole,
 * a note in the stream says where and how much was left out, and
 * dm_sink_finish reports the count. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sink.h"
#include "testutil.h"

/* The sink's messages, kept for the test (the program prints them). */
static char said[8][400];
static int nsaid;

void dm_cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (nsaid < 8)
		vsnprintf(said[nsaid++], sizeof said[0], fmt, ap);
	va_end(ap);
}

void dm_cli_print_error(const struct dm_error *e)
{
	dm_cli_error("%s", e->msg);
}

struct drain {
	int fd;
	char *buf;
	size_t len, cap;
};

static void *drain_main(void *arg)
{
	struct drain *d = arg;
	for (;;) {
		if (d->cap - d->len < 65536) {
			d->cap = d->cap ? 2 * d->cap : 1 << 20;
			d->buf = realloc(d->buf, d->cap);
			cr_assert_not_null(d->buf);
		}
		ssize_t n = read(d->fd, d->buf + d->len, d->cap - d->len - 1);
		if (n <= 0)
			break;
		d->len += (size_t)n;
	}
	d->buf[d->len] = '\0';
	return NULL;
}

/* A sink writing sample events (and csv, when not NULL) into fd. */
static void start_sink(struct dm_sink *k, struct dm_acct *acct, int fd, const char *csv)
{
	memset(k, 0, sizeof *k);
	k->sample_events = 1;
	k->events = fdopen(fd, "w");
	k->events_name = "the pipe";
	k->csv_path = csv;
	cr_assert_eq(dm_sink_init(k, acct), 0);
}

/* Everything out, the pipe closed, its reader th done. */
static void end_sink(struct dm_sink *k, pthread_t th, int rfd)
{
	cr_assert_eq(dm_sink_finish(k), 0);
	dm_sink_fini(k);   /* closes the pipe: the drain ends */
	pthread_join(th, NULL);
	close(rfd);
}

static size_t queued(struct dm_sink *k, size_t *csv)
{
	pthread_mutex_lock(&k->mu);
	size_t n = k->evq.len;
	if (csv)
		*csv = k->csvq.len;
	pthread_mutex_unlock(&k->mu);
	return n;
}

/* A pipe whose consumer has read nothing yet: filled to the brim, so
 * the output thread's first write blocks. Returns the bytes it holds. */
static size_t stalled_pipe(int p[2])
{
	cr_assert_eq(pipe(p), 0);
	fcntl(p[1], F_SETPIPE_SZ, 4096);
	static char fill[4096];
	memset(fill, ' ', sizeof fill);
	int fl = fcntl(p[1], F_GETFL);
	fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
	size_t filled = 0;
	for (ssize_t w; (w = write(p[1], fill, filled ? 1 : sizeof fill)) > 0;)
		filled += (size_t)w;   /* a whole page, then the last bytes one by one */
	fcntl(p[1], F_SETFL, fl);
	cr_assert_gt(filled, 0);
	return filled;
}

#define SAMPLES 40000
#define PROGRESS 40000
#define FILES 2000
#define ERRORS 500

Test(sink, stalled_consumer)
{
	char dir[] = "/tmp/dm-sink-XXXXXX", csv[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(csv, sizeof csv, "%s/s.csv", dir);
	int p[2];
	size_t filled = stalled_pipe(p);

	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_sink k;
	start_sink(&k, acct, p[1], csv);

	/* figures of the size a real sample has (a CSV row of ~150 bytes) */
	struct dm_sample smp = {.rss = 50123456, .rss_peak = 60123456, .mem_total = 17179869184ull,
	                        .mem_available = 12345678901ull, .mem_used_pct = 28.13,
	                        .heap_inuse = 41234567, .heap_free = 1234567, .rss_anon = 45123456,
	                        .rss_file = 5000000, .wall_ms = 1764547200123};
	smp.acct.live = 31234567;
	smp.acct.peak = 32345678;
	struct dm_trend tr = {.kind = DM_TREND_GROWING, .rate = 1e6, .to_budget = 100};
	struct dm_event ev = {.type = DM_EV_SAMPLE, .u.sample = {&smp, &tr}};
	double t = 0;
	size_t peak = 0, csv_peak = 0, c;
	for (int i = 0; i < SAMPLES; i++) {
		ev.t = t += 0.1;
		smp.t = ev.t;
		dm_sink_ops.event(&k, &ev);
		size_t q = queued(&k, &c);
		peak = q > peak ? q : peak;
		csv_peak = c > csv_peak ? c : csv_peak;
	}
	cr_expect_gt(k.lost.n[DM_LOSS_SAMPLE], SAMPLES / 2, "a stalled consumer loses samples: %llu",
	             (unsigned long long)k.lost.n[DM_LOSS_SAMPLE]);
	cr_expect_leq(peak, DM_SINK_QUEUE_SOFT + 4096, "samples stop at the soft bound: %zu", peak);
	cr_expect_gt(k.csv_dropped, 0);
	cr_expect_leq(csv_peak, DM_SINK_QUEUE_SOFT + 512);
	uint64_t samples_kept = SAMPLES - k.lost.n[DM_LOSS_SAMPLE];

	/* narration past the hard bound */
	struct dm_file_info fi = {.path = "/d/in.xml", .size = 1 << 30, .state = DM_FILE_RUNNING};
	ev = (struct dm_event){.type = DM_EV_PROGRESS, .u.file.file = &fi};
	for (int i = 0; i < PROGRESS; i++) {
		ev.t = t += 0.001;
		fi.bytes += 1000;
		dm_sink_ops.event(&k, &ev);
	}
	cr_expect_gt(k.lost.n[DM_LOSS_NARRATION], 0, "narration is dropped too, past the hard bound");
	uint64_t progress_dropped = k.lost.n[DM_LOSS_NARRATION];
	size_t q = queued(&k, NULL);
	cr_expect_leq(q, 2 * DM_SINK_QUEUE_SOFT + 4096, "%zu", q);
	cr_expect_geq(q, 2 * DM_SINK_QUEUE_SOFT - 4096, "%zu", q);
	/* one more sample is still dropped, though the queue holds narration */
	ev = (struct dm_event){.type = DM_EV_SAMPLE, .t = t += 0.1, .u.sample = {&smp, &tr}};
	dm_sink_ops.event(&k, &ev);
	cr_expect_eq(SAMPLES + 1 - k.lost.n[DM_LOSS_SAMPLE], samples_kept);

	/* the outcomes: never dropped, whatever the queue holds */
	struct dm_error err;
	dm_error_clear(&err);
	dm_error_at(&err, "/d/bad.xml", 3, 7, 99);
	dm_error_set(&err, DM_EXML, "mismatched tag");
	for (int i = 0; i < FILES; i++) {
		fi.index = i;
		ev = (struct dm_event){.type = DM_EV_ERROR, .t = t += 0.001,
		                       .u.error = {&fi, &err, 0}};
		if (i < ERRORS)
			dm_sink_ops.event(&k, &ev);
		fi.state = i % 3 ? DM_FILE_DONE : DM_FILE_FAILED;
		ev = (struct dm_event){.type = DM_EV_FILE_DONE, .t = t += 0.001, .u.file.file = &fi};
		dm_sink_ops.event(&k, &ev);
	}
	struct dm_leak_info li = {.state = DM_LEAK_CONFIRMED, .growth = 80 << 20, .rate = 5e6};
	ev = (struct dm_event){.type = DM_EV_LEAK_CONFIRMED, .t = t += 0.1,
	                       .u.leak = {&smp, &li, NULL, "/r/heap-1.json", 0}};
	dm_sink_ops.event(&k, &ev);
	struct dm_session_summary sum = {.files = FILES, .exit_code = 4};
	ev = (struct dm_event){.type = DM_EV_SUMMARY, .t = t += 0.1, .u.summary = &sum};
	dm_sink_ops.event(&k, &ev);
	ev = (struct dm_event){.type = DM_EV_STATUS, .t = t += 0.1, .u.status = {&smp, &tr, &sum}};
	dm_sink_ops.event(&k, &ev);
	cr_expect_eq(k.lost.n[DM_LOSS_NARRATION], progress_dropped);
	cr_expect_eq(k.lost.n[DM_LOSS_RESULT], 0, "not one outcome dropped");
	q = queued(&k, NULL);
	cr_expect_gt(q, 2 * DM_SINK_QUEUE_SOFT, "the outcomes went in past the hard bound");
	/* memory: what was sent is ~80 MB of JSON; the queue's buffers are
	 * the bounds plus the outcomes (a buffer grows by doubling) */
	cr_expect_lt(dm_acct_live(acct), 2 * (q + 2 * DM_SINK_QUEUE_SOFT), "%llu bytes live",
	             (unsigned long long)dm_acct_live(acct));
	cr_expect_lt(dm_acct_live(acct), 40u << 20);

	/* the consumer reads again: everything queued comes out whole */
	struct drain d = {.fd = p[0]};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, drain_main, &d), 0);
	end_sink(&k, th, p[0]);

	const char *out = d.buf + filled;   /* after what the pipe held before */
	cr_assert_gt(d.len, filled);
	cr_expect_eq(out[strlen(out) - 1], '\n');
	size_t nlines = 0;
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		cr_assert(e && l[0] == '{' && e[-1] == '}', "a whole JSON line: %.80s", l);
		nlines++;
	}
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"file_done\""), FILES);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"error\""), ERRORS);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"leak_confirmed\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"summary\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"status\""), 1);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"sample\""), samples_kept);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"progress\""), PROGRESS - progress_dropped);
	/* the gap is said in the stream, with the counts */
	char note[200];
	snprintf(note, sizeof note, "%llu samples and %llu narration events left out before this point",
	         (unsigned long long)k.lost.n[DM_LOSS_SAMPLE], (unsigned long long)k.lost.n[DM_LOSS_NARRATION]);
	cr_expect(strstr(out, note) != NULL, "no note '%s'", note);
	cr_expect_eq(tu_count_prefixed(out, "{\"event\":\"note\""), 1);
	/* and at the end, on stderr */
	char want[200];
	snprintf(want, sizeof want, "the pipe: %llu events left out (%llu samples and %llu narration "
	         "events)", (unsigned long long)(k.lost.n[DM_LOSS_SAMPLE] + k.lost.n[DM_LOSS_NARRATION]),
	         (unsigned long long)k.lost.n[DM_LOSS_SAMPLE], (unsigned long long)k.lost.n[DM_LOSS_NARRATION]);
	int found = 0, csv_said = 0;
	for (int i = 0; i < nsaid; i++) {
		found |= strncmp(said[i], want, strlen(want)) == 0;
		csv_said |= strstr(said[i], "s.csv: ") && strstr(said[i], "samples left out");
	}
	cr_expect(found, "not said: '%s' (%d messages, first '%s')", want, nsaid, nsaid ? said[0] : "");
	cr_expect(csv_said, "the CSV's loss is said too");
	/* the CSV: its header and the rows it kept, each whole */
	FILE *f = fopen(csv, "r");
	cr_assert_not_null(f);
	char line[512];
	size_t rows = 0;
	while (fgets(line, sizeof line, f))
		rows += line[strlen(line) - 1] == '\n';
	fclose(f);
	cr_expect_eq(rows, 1 + SAMPLES + 1 - k.csv_dropped);
	free(d.buf);
	dm_acct_free(acct);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* A reader stalled for good: results go in up to the cap and no further
 * (the queue does not grow with the run); what was kept is whole lines
 * and, with what was left out, all that was sent; the finish says the
 * events output is incomplete and fails. */
Test(sink, hard_cap_on_results)
{
	int p[2];
	size_t filled = stalled_pipe(p);
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_sink k;
	start_sink(&k, acct, p[1], NULL);
	enum { SENT = 150000 };   /* some 40 MB of file_done lines */
	struct dm_file_info fi = {.path = "/deliveries/2026/12/batch-0001/release-000001.xml",
	                          .size = 1 << 20, .state = DM_FILE_DONE, .records_total = 40};
	size_t peak = 0;
	for (int i = 0; i < SENT; i++) {
		fi.index = i;
		struct dm_event ev = {.type = DM_EV_FILE_DONE, .t = 0.001 * i, .u.file.file = &fi};
		dm_sink_ops.event(&k, &ev);
		size_t q = queued(&k, NULL);
		peak = q > peak ? q : peak;
	}
	uint64_t lost = k.lost.n[DM_LOSS_RESULT];
	cr_expect_gt(lost, 0, "past the cap results are left out");
	cr_expect_lt(lost, SENT);
	cr_expect_leq(peak, DM_EVENT_RESULT_CAP + 4096, "the queue stops at the cap: %zu", peak);
	cr_expect_lt(dm_acct_live(acct), 64u << 20, "%llu bytes live",
	             (unsigned long long)dm_acct_live(acct));
	struct drain d = {.fd = p[0]};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, drain_main, &d), 0);
	nsaid = 0;
	cr_expect_neq(dm_sink_finish(&k), 0, "an incomplete events output fails the run");
	dm_sink_fini(&k);
	pthread_join(th, NULL);
	close(p[0]);
	int said_it = 0;
	for (int i = 0; i < nsaid; i++)
		said_it |= strstr(said[i], "the pipe: the events output is incomplete") != NULL &&
		           strstr(said[i], "results") != NULL;
	cr_expect(said_it, "not said (%d messages, first '%s')", nsaid, nsaid ? said[0] : "");
	/* whole lines, every file_done kept or counted as left out */
	const char *out = d.buf + filled;
	uint64_t kept = 0;
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		cr_assert(e && l[0] == '{' && e[-1] == '}', "a whole JSON line: %.80s", l);
		if (strncmp(l, "{\"event\":\"file_done\"", 20) == 0)
			kept++;
	}
	cr_expect_eq(kept + lost, SENT, "%llu kept, %llu left out", (unsigned long long)kept,
	             (unsigned long long)lost);
	free(d.buf);
	dm_acct_free(acct);
}

/* A consumer that keeps up loses nothing and hears of no loss. */
Test(sink, consumer_that_keeps_up)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	nsaid = 0;
	struct drain d = {.fd = p[0]};
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, drain_main, &d), 0);
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_sink k;
	start_sink(&k, acct, p[1], NULL);
	struct dm_sample smp = {.rss = 1 << 20};
	struct dm_event ev = {.type = DM_EV_SAMPLE, .u.sample = {&smp, NULL}};
	for (int i = 0; i < 2000; i++) {
		ev.t = i * 0.1;
		dm_sink_ops.event(&k, &ev);
		if (i % 100 == 0)
			usleep(1000);
	}
	end_sink(&k, th, p[0]);
	cr_expect_eq(dm_event_losses_total(&k.lost), 0);
	cr_expect_eq(tu_count_prefixed(d.buf, "{\"event\":\"sample\""), 2000);
	cr_expect_null(strstr(d.buf, "left out"));
	cr_expect_eq(nsaid, 0);
	free(d.buf);
	dm_acct_free(acct);
}
