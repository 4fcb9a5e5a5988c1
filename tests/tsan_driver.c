/* A plain driver for ThreadSanitizer (Criterion forks and its runner does
 * not run under TSan): sessions with every control the dashboard has,
 * made from another thread while files parse — profile switches, chunk
 * and buffer changes, max_concurrent up and down, reclamations, pause,
 * skip, heap reports, CSV export, an injected leak — and the display
 * snapshots read all the while; the live tune's thread under a running
 * session's budget, read as the dashboard reads it, ended and cancelled. Exit 0 when every session ended as
 * expected; TSan itself fails the run on a report (halt_on_error=1).
 * Also runs in the ordinary suite, where it checks the outcomes. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "gen.h"
#include "session.h"
#include "tuner.h"

static int failures;
static struct dm_acct *out_acct;   /* the events' JSON buffers */

#define CHECK(c, ...)                                               \
	do {                                                            \
		if (!(c)) {                                                 \
			fprintf(stderr, "tsan_driver: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			failures++;                                             \
		}                                                           \
	} while (0)

struct counts {
	atomic_ulong events[DM_EV_COUNT];
	atomic_ulong records;
	atomic_ulong json_bytes;
};

/* Every event becomes JSON, as the headless sink does it, from whatever
 * thread sends it. */
static void on_event(void *ctx, const struct dm_event *ev)
{
	struct counts *c = ctx;
	atomic_fetch_add(&c->events[ev->type], 1);
	struct dm_buf b;
	dm_buf_init(&b, out_acct, DM_TAG_OUTPUT);
	if (dm_event_to_json(ev, &b) == 0)
		atomic_fetch_add(&c->json_bytes, b.len);
	dm_buf_fini(&b);
}

static int on_record(void *ctx, int file, const struct dm_record *r)
{
	(void)file;
	(void)r;
	struct counts *c = ctx;
	atomic_fetch_add(&c->records, 1);
	return 0;
}

static const struct dm_session_ops ops = {.event = on_event, .record = on_record};

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void gen(const char *path, uint64_t size, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	struct dm_gen_opts o = {.size = size, .seed = seed, .ern = 43};
	struct dm_error err;
	if (!f || dm_gen_write(f, &o, NULL, &err) != 0 || fclose(f) != 0) {
		fprintf(stderr, "tsan_driver: cannot write %s\n", path);
		exit(2);
	}
}

/* The display's view, as the dashboard takes it every frame. */
static void look(struct dm_session *s)
{
	struct dm_config cfg;
	dm_session_config(s, &cfg);
	size_t n = dm_session_files(s);
	for (size_t i = 0; i < n; i++) {
		struct dm_file_info fi;
		dm_session_file(s, i, &fi);
	}
	struct dm_pool_stats ps[2];
	dm_session_pools(s, ps, 2);
	struct dm_leak_info li;
	dm_session_leak(s, &li);
	struct dm_session_summary sum;
	dm_session_summary(s, &sum);
	(void)dm_session_done(s);
	(void)dm_session_exit_code(s);
}

static struct dm_session *session(const struct dm_config *cfg, const struct dm_session_opts *o,
                                  struct counts *c)
{
	memset(c, 0, sizeof *c);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session *s = dm_session_new(cfg, o, &ops, c, &err);
	if (!s) {
		fprintf(stderr, "tsan_driver: %s\n", err.msg);
		exit(2);
	}
	return s;
}

static void start(struct dm_session *s)
{
	struct dm_error err;
	dm_error_clear(&err);
	if (dm_session_start(s, &err) != 0) {
		fprintf(stderr, "tsan_driver: start: %s\n", err.msg);
		exit(2);
	}
}

/* Many files on several workers while the controls change everything. */
static void controls(const char *dir, char files[][300], int nfiles)
{
	struct dm_config base;
	dm_config_init(&base);
	base.sample_interval_ms = 10;
	base.trend_window_ms = 1000;
	base.leak_interval_ms = 20;
	base.leak_window_ms = 2000;
	base.leak_threshold = 2u << 20;
	base.max_concurrent = 2;
	snprintf(base.report_dir, sizeof base.report_dir, "%s/reports", dir);
	struct dm_config low = base;
	snprintf(low.name, sizeof low.name, "low");
	low.max_memory = 64u << 20;
	low.chunk_size = 16u << 10;
	low.pool_max_size = 4;
	low.pool_floor = 0;
	low.max_concurrent = 1;
	low.sample_interval_ms = 25;
	low.leak_threshold = 8u << 20;
	low.flush_threshold = 0.3;
	snprintf(low.report_dir, sizeof low.report_dir, "%s/reports-low", dir);
	struct dm_config wide = base;
	snprintf(wide.name, sizeof wide.name, "wide");
	wide.max_concurrent = 4;
	wide.chunk_size = 128u << 10;

	struct counts c;
	struct dm_session_opts o = {.force = 1, .leak_rate = 8u << 20};
	struct dm_session *s = session(&base, &o, &c);
	for (int i = 0; i < nfiles; i++)
		dm_session_add(s, files[i]);
	start(s);
	const struct dm_config *cycle[] = {&low, &wide, &base};
	char path[1024];
	for (int round = 0; !dm_session_done(s) && round < 400; round++) {
		look(s);
		switch (round % 10) {
		case 0: dm_session_set_config(s, cycle[(round / 10) % 3], NULL); break;
		case 1: dm_session_set_chunk_size(s, (size_t)(4096u << (round % 5))); break;
		case 2: dm_session_set_buffer_size(s, (size_t)(256u << 10)); break;
		case 3: dm_session_reclaim(s, "manual"); break;
		case 4: dm_session_pause(s, 1); break;
		case 5: dm_session_pause(s, 0); break;
		case 6:
			if (round % 40 == 6)
				dm_session_heap_report(s, path, sizeof path);
			break;
		case 7:
			snprintf(path, sizeof path, "%s/samples.csv", dir);
			dm_session_export_csv(s, path);
			break;
		case 8: dm_session_set_leak_rate(s, round % 20 == 8 ? 0 : 4u << 20); break;
		case 9:
			if (round == 19)
				dm_session_skip(s);
			if (round == 29)
				dm_session_add(s, files[0]);
			break;
		}
		sleep_ms(5);
	}
	dm_session_pause(s, 0);
	int code = dm_session_wait(s);
	look(s);
	CHECK(code == DM_EXIT_OK, "controls: exit %d", code);
	CHECK(atomic_load(&c.events[DM_EV_FILE_DONE]) == dm_session_files(s),
	      "controls: %lu FILE_DONE for %zu files", atomic_load(&c.events[DM_EV_FILE_DONE]),
	      dm_session_files(s));
	CHECK(atomic_load(&c.events[DM_EV_SETTING]) > 0, "controls: no SETTING");
	CHECK(atomic_load(&c.events[DM_EV_RECLAIM]) > 0, "controls: no RECLAIM");
	CHECK(atomic_load(&c.records) > 0, "controls: no records");
	dm_session_free(s);
}

/* A stop while files parse, wait for admission and queue. */
static double busy(void *ctx)
{
	return atomic_load((atomic_int *)ctx) ? 99.0 : 10.0;
}

static void stops(char files[][300], int nfiles)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.sample_interval_ms = 10;
	cfg.max_concurrent = 2;
	struct counts c;
	atomic_int full;
	atomic_init(&full, 0);
	struct dm_session_opts o = {.force = 1, .mem_used_pct = busy, .mem_used_ctx = &full};
	struct dm_session *s = session(&cfg, &o, &c);
	for (int i = 0; i < nfiles; i++)
		dm_session_add(s, files[i]);
	start(s);
	sleep_ms(30);
	atomic_store(&full, 1);   /* the next files wait for memory */
	for (int i = 0; i < 20; i++) {
		look(s);
		sleep_ms(5);
	}
	dm_session_stop(s);
	int code = dm_session_wait(s);
	CHECK(code == DM_EXIT_INTERRUPTED || code == DM_EXIT_OK, "stops: exit %d", code);
	CHECK(atomic_load(&c.events[DM_EV_FILE_DONE]) == (unsigned long)nfiles,
	      "stops: %lu FILE_DONE for %d files", atomic_load(&c.events[DM_EV_FILE_DONE]), nfiles);
	dm_session_free(s);
}

/* Tuners under the budget of a session that parses: one to its end, one
 * cancelled mid-run, their tables read all the while. */
static void tunes(char files[][300], int nfiles)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	cfg.sample_interval_ms = 10;
	cfg.max_concurrent = 2;
	struct counts c;
	struct dm_session_opts o = {.force = 1};
	struct dm_session *s = session(&cfg, &o, &c);
	for (int i = 0; i < nfiles; i++)
		dm_session_add(s, files[i]);
	start(s);
	uint64_t chunks[] = {16u << 10, 64u << 10, 256u << 10};
	struct dm_tuner_opts to = {.run_seconds = 0.05, .rounds = 2};
	for (int cancel = 0; cancel < 2; cancel++) {
		struct dm_error err;
		dm_error_clear(&err);
		struct dm_tuner *t = dm_tuner_start(dm_session_budget(s), &cfg, files[nfiles - 1],
		                                    chunks, 3, &to, &err);
		CHECK(t, "tunes: %s", err.msg);
		if (!t)
			break;
		struct dm_tune_row rows[3];
		struct dm_tuner_progress p;
		for (int i = 0; i < 2000; i++) {
			look(s);
			dm_tuner_read(t, rows, 3, &p);
			if (p.phase != DM_TUNER_RUNNING || (cancel && p.done >= 1))
				break;
			sleep_ms(2);
		}
		dm_tuner_free(t);
		if (!cancel) {
			CHECK(p.phase == DM_TUNER_DONE, "tunes: phase %d", (int)p.phase);
			for (int i = 0; i < 3; i++)
				CHECK(rows[i].ok && rows[i].runs == 2, "tunes: row %d: %d runs, %s", i,
				      rows[i].runs, rows[i].error);
		}
	}
	int code = dm_session_wait(s);
	CHECK(code == DM_EXIT_OK, "tunes: exit %d", code);
	dm_session_free(s);
}

int main(int argc, char **argv)
{
	const char *tmp = argc > 1 ? argv[1] : getenv("TMPDIR");
	char dir[256];
	snprintf(dir, sizeof dir, "%s/dm-tsan-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	char cmd[1100];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	enum { NFILES = 6 };
	char files[NFILES][300];
	for (int i = 0; i < NFILES; i++) {
		snprintf(files[i], sizeof files[i], "%s/f%d.xml", dir, i);
		gen(files[i], (uint64_t)(1 + i % 3) << 20, (uint64_t)i + 1);
	}
	out_acct = dm_acct_new(NULL, 0);
	if (!out_acct)
		return 2;
	controls(dir, files, NFILES);
	stops(files, NFILES);
	tunes(files, NFILES);
	dm_acct_free(out_acct);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failures++;
	if (failures)
		fprintf(stderr, "tsan_driver: %d check(s) failed\n", failures);
	return failures ? 1 : 0;
}
