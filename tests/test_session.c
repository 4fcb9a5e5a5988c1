/* The session as the dashboard and `run` drive it: reclamation on demand,
 * memory pressure halving and restoring the chunk size, a deliberate leak
 * confirmed with a heap report, pause and skip, heap reports on demand,
 * and the records of a generated delivery matching a direct parse. */
#include "config.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "session.h"

#define MAX_EVENTS 20000

struct seen {
	pthread_mutex_t mu;
	int n;
	enum dm_event_type type[MAX_EVENTS];
	int on[MAX_EVENTS];
	char value[MAX_EVENTS][24];
	char reason[MAX_EVENTS][24];
	char report[512];
	uint64_t records;
	uint64_t reclaimed;     /* the last reclamation's pool bytes */
};

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->n < MAX_EVENTS) {
		s->type[s->n] = ev->type;
		s->on[s->n] = ev->type == DM_EV_PRESSURE ? ev->u.pressure.on : 0;
		const char *v = ev->type == DM_EV_PRESSURE ? ev->u.pressure.chunk_size
		                : ev->type == DM_EV_SETTING ? ev->u.setting.value : NULL;
		snprintf(s->value[s->n], sizeof s->value[0], "%s", v ? v : "");
		snprintf(s->reason[s->n], sizeof s->reason[0], "%s",
		         ev->type == DM_EV_RECLAIM ? ev->u.reclaim->reason : "");
		if (ev->type == DM_EV_RECLAIM)
			s->reclaimed = ev->u.reclaim->pool_bytes;
		if (ev->type == DM_EV_LEAK_CONFIRMED && ev->u.leak.report_path)
			snprintf(s->report, sizeof s->report, "%s", ev->u.leak.report_path);
		s->n++;
	}
	pthread_mutex_unlock(&s->mu);
}

static int on_record(void *ctx, int file, const struct dm_record *r)
{
	(void)file;
	(void)r;
	struct seen *s = ctx;
	__atomic_add_fetch(&s->records, 1, __ATOMIC_RELAXED);
	return 0;
}

static const struct dm_session_ops ops = {.event = on_event, .record = on_record};

static int count(struct seen *s, enum dm_event_type t)
{
	pthread_mutex_lock(&s->mu);
	int k = 0;
	for (int i = 0; i < s->n; i++)
		k += s->type[i] == t;
	pthread_mutex_unlock(&s->mu);
	return k;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Wait (up to 30 s) until an event of type t has been seen. */
static int wait_for(struct seen *s, enum dm_event_type t)
{
	for (int i = 0; i < 3000; i++) {
		if (count(s, t))
			return 1;
		sleep_ms(10);
	}
	return 0;
}

static char gen_path[256];
static struct dm_gen_counts gen_counts;

static void make_delivery(void)
{
	snprintf(gen_path, sizeof gen_path, "/tmp/dm-session-%ld.xml", (long)getpid());
	FILE *f = fopen(gen_path, "w");
	cr_assert(f);
	struct dm_gen_opts o = {.size = 8u << 20, .seed = 11, .ern = 43};
	struct dm_error err;
	cr_assert_eq(dm_gen_write(f, &o, &gen_counts, &err), 0);
	cr_assert_eq(fclose(f), 0);
}

static void drop_delivery(void)
{
	unlink(gen_path);
}

static struct dm_session *new_session(struct seen *s, struct dm_config *cfg,
                                      const struct dm_session_opts *o)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session *ss = dm_session_new(cfg, o, &ops, s, &err);
	cr_assert(ss, "%s", err.msg);
	return ss;
}

static void base_config(struct dm_config *cfg)
{
	dm_config_init(cfg);
	cfg->sample_interval_ms = 20;
	cfg->max_concurrent = 1;
	cfg->max_element_count = 0;
}

TestSuite(session, .init = make_delivery, .fini = drop_delivery);

Test(session, records_match_the_generator)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	cr_assert_geq(dm_session_add(ss, gen_path), 0);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0, "%s", err.msg);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	struct dm_file_info fi;
	cr_assert_eq(dm_session_file(ss, 0, &fi), 0);
	cr_assert_eq(fi.state, DM_FILE_DONE);
	cr_assert_eq(fi.records[DM_REC_DEAL], gen_counts.release_deals);
	cr_assert_eq(fi.records[DM_REC_RELEASE], gen_counts.releases + gen_counts.track_releases);
	cr_assert_eq(s.records, fi.records_total);
	cr_assert_eq(count(&s, DM_EV_START), 1);
	cr_assert_eq(count(&s, DM_EV_FILE_DONE), 1);
	cr_assert_eq(count(&s, DM_EV_SUMMARY), 1);
	cr_assert_eq(count(&s, DM_EV_STATUS), 1);
	cr_assert_gt(count(&s, DM_EV_SAMPLE), 0);
	struct dm_pool_stats ps[2];
	cr_assert_eq(dm_session_pools(ss, ps, 2), 2);
	/* one record in flight: after the first, every record's buffers are
	 * served from the pool */
	cr_assert_geq(ps[0].hits + 1, fi.records_total);
	cr_assert_leq(ps[0].misses, 2);
	/* no input pool listed while pool_input_buffers is off and unused */
	struct dm_pool_stats ps3[3];
	cr_assert_eq(dm_session_pools(ss, ps3, 3), 2);
	dm_session_free(ss);
}

/* The input pool's idle bytes, once a finished file's expat is freed
 * into it (just after its FILE_DONE). */
static uint64_t input_idle(struct dm_session *ss, uint64_t *misses)
{
	struct dm_pool_stats ps[3];
	for (int i = 0; i < 500; i++) {
		if (dm_session_pools(ss, ps, 3) == 3 && ps[2].idle_bytes && !ps[2].in_use) {
			*misses = ps[2].misses;
			return ps[2].idle_bytes;
		}
		sleep_ms(10);
	}
	return 0;
}

static int wait_count(struct seen *s, enum dm_event_type t, int n)
{
	for (int i = 0; i < 3000 && count(s, t) < n; i++)
		sleep_ms(10);
	return count(s, t) >= n;
}

Test(session, input_buffers_stay_between_files_until_a_reclamation)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	cfg.pool_input_buffers = 1;
	cfg.chunk_size = 1 << 20;
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	cr_assert_geq(dm_session_add(ss, gen_path), 0);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0, "%s", err.msg);
	cr_assert(wait_count(&s, DM_EV_FILE_DONE, 1));
	uint64_t misses, misses2;
	uint64_t idle = input_idle(ss, &misses);
	cr_assert_geq(idle, cfg.chunk_size, "expat's buffers are kept: %llu", (unsigned long long)idle);
	/* the next file reuses them: nothing new allocated, nothing more held */
	cr_assert_geq(dm_session_add(ss, gen_path), 0);
	cr_assert(wait_count(&s, DM_EV_FILE_DONE, 2));
	cr_assert_eq(input_idle(ss, &misses2), idle);
	cr_assert_eq(misses2, misses);
	/* a reclamation gives them all back (the floor does not apply) */
	dm_session_reclaim(ss, "manual");
	cr_assert(wait_for(&s, DM_EV_RECLAIM));
	pthread_mutex_lock(&s.mu);
	uint64_t back = s.reclaimed;
	pthread_mutex_unlock(&s.mu);
	cr_assert_geq(back, idle);
	struct dm_pool_stats ps[3];
	cr_assert_eq(dm_session_pools(ss, ps, 3), 3);
	cr_assert_eq(ps[2].idle_bytes, 0);
	/* turned off, the pool keeps nothing */
	struct dm_config off;
	dm_session_config(ss, &off);
	off.pool_input_buffers = 0;
	cr_assert_eq(dm_session_set_config(ss, &off, &err), 0, "%s", err.msg);
	cr_assert_geq(dm_session_add(ss, gen_path), 0);
	cr_assert(wait_count(&s, DM_EV_FILE_DONE, 3));
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	cr_assert_eq(dm_session_pools(ss, ps, 3), 3, "listed once it was used");
	cr_assert_eq(ps[2].idle_bytes, 0);
	cr_assert_eq(ps[2].max_size, 0);
	dm_session_free(ss);
}

Test(session, reclaim_on_demand_and_heap_report)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	char dir[128];
	snprintf(dir, sizeof dir, "/tmp/dm-session-reports-%ld", (long)getpid());
	snprintf(cfg.report_dir, sizeof cfg.report_dir, "%s", dir);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	dm_session_reclaim(ss, "manual");
	cr_assert(wait_for(&s, DM_EV_RECLAIM));
	int found = 0;
	pthread_mutex_lock(&s.mu);
	for (int i = 0; i < s.n; i++)
		found |= s.type[i] == DM_EV_RECLAIM && strcmp(s.reason[i], "manual") == 0;
	pthread_mutex_unlock(&s.mu);
	cr_assert(found, "no reclaim event with reason 'manual'");
	char path[600];
	cr_assert_eq(dm_session_heap_report(ss, path, sizeof path), 0);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_gt(st.st_size, 200);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
	unlink(path);
	rmdir(dir);
}

Test(session, pressure_halves_the_chunk_size_and_restores_it)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	/* a budget whose flush threshold the parser's own state passes */
	cfg.max_memory = 1u << 20;
	cfg.flush_threshold = 0.1;
	cfg.chunk_size = 64u << 10;
	struct dm_session_opts o = {.force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_PRESSURE), "no pressure event");
	/* once the file is done the worker gives its memory back: pressure
	 * passes and the chunk size comes back */
	for (int i = 0; i < 3000 && !dm_session_done(ss); i++)
		sleep_ms(10);
	for (int i = 0; i < 300 && count(&s, DM_EV_PRESSURE) < 2; i++)
		sleep_ms(10);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	int on = -1, off = -1;
	pthread_mutex_lock(&s.mu);
	for (int i = 0; i < s.n; i++) {
		if (s.type[i] == DM_EV_PRESSURE && s.on[i] && on < 0)
			on = i;
		if (s.type[i] == DM_EV_PRESSURE && !s.on[i] && off < 0)
			off = i;
	}
	pthread_mutex_unlock(&s.mu);
	cr_assert_geq(on, 0);
	cr_assert_str_eq(s.value[on], "32K");
	cr_assert_gt(off, on, "pressure never passed");
	cr_assert_str_eq(s.value[off], "64K");
	dm_session_free(ss);
}

/* The default detector confirms a steady leak once, with one report. */
Test(session, multiscale_confirms_a_leak_once)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	cfg.sample_interval_ms = 50;
	cfg.leak_min_duration_ms = 2000;
	char dir[128];
	snprintf(dir, sizeof dir, "/tmp/dm-session-ms-%ld", (long)getpid());
	snprintf(cfg.report_dir, sizeof cfg.report_dir, "%s", dir);
	struct dm_session_opts o = {.leak_rate = 16u << 20};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_LEAK_CONFIRMED));
	sleep_ms(2000);   /* still leaking: no second confirmation */
	dm_session_set_leak_rate(ss, 0);
	cr_assert_eq(count(&s, DM_EV_LEAK_CONFIRMED), 1);
	cr_assert_eq(count(&s, DM_EV_RECLAIM), 0, "the multiscale detector reclaims nothing");
	struct stat st;
	cr_assert_eq(stat(s.report, &st), 0, "%s", s.report);
	struct dm_leak_info li;
	dm_session_leak(ss, &li);
	cr_assert(li.state == DM_LEAK_CONFIRMED || li.state == DM_LEAK_STOPPED);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
	unlink(s.report);
	rmdir(dir);
}

/* The deliberate leak is charged to the budget: a file that then cannot
 * have its memory fails with the memory exit, and nothing is over. */
Test(session, deliberate_leak_is_charged_to_the_budget)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	cfg.max_memory = 48u << 20;
	struct dm_session_opts o = {.leak_rate = 256u << 20, .force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_NOTE), "no note of the refused leak");
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_MEMORY);
	struct dm_session_summary sum;
	dm_session_summary(ss, &sum);
	cr_assert_leq(sum.acct_peak, cfg.max_memory);
	dm_session_free(ss);
}

Test(session, deliberate_leak_is_confirmed_with_a_report)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	snprintf(cfg.leak_detector, sizeof cfg.leak_detector, "seed");
	cfg.leak_interval_ms = 100;
	cfg.leak_threshold = 4u << 20;
	char dir[128];
	snprintf(dir, sizeof dir, "/tmp/dm-session-leak-%ld", (long)getpid());
	snprintf(cfg.report_dir, sizeof cfg.report_dir, "%s", dir);
	struct dm_session_opts o = {.leak_rate = 40u << 20};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);   /* keep the run alive while it leaks */
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_LEAK_SUSPECTED));
	cr_assert(wait_for(&s, DM_EV_LEAK_CONFIRMED));
	cr_assert_neq(s.report[0], '\0');
	struct stat st;
	cr_assert_eq(stat(s.report, &st), 0, "%s", s.report);
	struct dm_leak_info li;
	dm_session_leak(ss, &li);
	cr_assert_eq(li.state, DM_LEAK_CONFIRMED);
	dm_session_set_leak_rate(ss, 0);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	struct dm_session_summary sum;
	dm_session_summary(ss, &sum);
	cr_assert_geq(sum.leaks_confirmed, 1);
	dm_session_free(ss);
	unlink(s.report);
	rmdir(dir);
}

Test(session, skip_and_stop)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_FILE_START));
	dm_session_skip(ss);
	cr_assert(wait_for(&s, DM_EV_FILE_DONE));
	struct dm_file_info fi;
	dm_session_file(ss, 0, &fi);
	cr_assert_eq(fi.state, DM_FILE_SKIPPED);
	dm_session_stop(ss);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_INTERRUPTED);
	dm_session_file(ss, 1, &fi);
	cr_assert_neq(fi.state, DM_FILE_DONE);
	dm_session_free(ss);
}

/* A pause stops the run clock: the time a file was held paused is not in
 * its seconds (so not in its throughput) nor in dm_session_elapsed. */
Test(session, pause_is_left_out_of_the_clocks)
{
	struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	struct dm_error err;
	cr_assert_eq(dm_session_start(ss, &err), 0);
	cr_assert(wait_for(&s, DM_EV_FILE_START));
	double e0 = dm_session_elapsed(ss);
	sleep_ms(800);
	double e1 = dm_session_elapsed(ss);
	cr_assert_lt(e1 - e0, 0.05, "the run clock moved %.3f s while paused", e1 - e0);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	struct dm_file_info fi;
	cr_assert_eq(dm_session_file(ss, 0, &fi), 0);
	/* the file is held for 800 ms and parses in far less: with the pause
	 * counted its seconds would be at least 0.8 */
	cr_assert_lt(fi.seconds, 0.7, "the pause counted: %.3f s", fi.seconds);
	cr_assert_gt(fi.seconds, 0);
	cr_assert_geq(dm_session_elapsed(ss), fi.seconds);
	dm_session_free(ss);
}
