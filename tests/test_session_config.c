/* Configuration switches while a session runs: each key takes effect at
 * the point session.h documents, every changed key is announced by one
 * SETTING event, and an invalid configuration is refused whole. */
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

#define MAX_EVENTS 50000

struct seen {
	pthread_mutex_t mu;
	int n;
	enum dm_event_type type[MAX_EVENTS];
	double t[MAX_EVENTS];
	uint64_t bytes[MAX_EVENTS];     /* PROGRESS */
	int index[MAX_EVENTS];          /* the file's index, or -1 */
	char key[MAX_EVENTS][24];       /* SETTING */
	char value[MAX_EVENTS][24];
};

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	if (s->n < MAX_EVENTS) {
		int i = s->n++;
		s->type[i] = ev->type;
		const struct dm_file_info *f = dm_event_file(ev);
		s->t[i] = ev->type == DM_EV_SAMPLE ? ev->u.sample.sample->t : ev->t;
		s->bytes[i] = f ? f->bytes : 0;
		s->index[i] = f ? f->index : -1;
		int set = ev->type == DM_EV_SETTING;
		snprintf(s->key[i], sizeof s->key[0], "%s", set ? ev->u.setting.key : "");
		snprintf(s->value[i], sizeof s->value[0], "%s", set ? ev->u.setting.value : "");
	}
	pthread_mutex_unlock(&s->mu);
}

static const struct dm_session_ops ops = {.event = on_event};

static int count(struct seen *s, enum dm_event_type t)
{
	pthread_mutex_lock(&s->mu);
	int k = 0;
	for (int i = 0; i < s->n; i++)
		k += s->type[i] == t;
	pthread_mutex_unlock(&s->mu);
	return k;
}

/* Index of the SETTING event for key, or -1. */
static int setting_at(struct seen *s, const char *key)
{
	pthread_mutex_lock(&s->mu);
	int at = -1;
	for (int i = 0; i < s->n && at < 0; i++)
		if (s->type[i] == DM_EV_SETTING && strcmp(s->key[i], key) == 0)
			at = i;
	pthread_mutex_unlock(&s->mu);
	return at;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int wait_count(struct seen *s, enum dm_event_type t, int n)
{
	for (int i = 0; i < 3000; i++) {
		if (count(s, t) >= n)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

static char gen_path[256];

static void make_delivery(void)
{
	snprintf(gen_path, sizeof gen_path, "/tmp/dm-session-cfg-%ld.xml", (long)getpid());
	FILE *f = fopen(gen_path, "w");
	cr_assert(f);
	struct dm_gen_opts o = {.size = 4u << 20, .seed = 5, .ern = 43};
	struct dm_error err;
	cr_assert_eq(dm_gen_write(f, &o, NULL, &err), 0);
	cr_assert_eq(fclose(f), 0);
}

static void drop_delivery(void)
{
	unlink(gen_path);
}

static double used_90(void *ctx)
{
	(void)ctx;
	return 90.0;
}

TestSuite(config, .init = make_delivery, .fini = drop_delivery);

static struct dm_session *new_session(struct seen *s, const struct dm_config *cfg,
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

static void start(struct dm_session *ss)
{
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_session_start(ss, &err), 0, "%s", err.msg);
}

static void switch_to(struct dm_session *ss, const struct dm_config *cfg)
{
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_session_set_config(ss, cfg, &err), 0, "%s", err.msg);
}

/* The budget applies at once: a file half-way through under 512M is
 * refused its next allocation under 64K and fails with the memory limit
 * (its retry at half the chunk size fails too): exit 3. */
Test(config, smaller_budget_mid_file_is_enforced_at_once)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session_opts o = {.force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 1));
	sleep_ms(50);   /* the worker is in its first progress call, paused */
	struct dm_config small = cfg;
	small.max_memory = 64u << 10;
	switch_to(ss, &small);
	int at = setting_at(&s, "max_memory");
	cr_assert_geq(at, 0, "no SETTING for max_memory");
	cr_assert_str_eq(s.value[at], "64K");
	struct dm_config now;
	dm_session_config(ss, &now);
	cr_assert_eq(now.max_memory, 64u << 10);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_MEMORY);
	struct dm_file_info fi;
	cr_assert_eq(dm_session_file(ss, 0, &fi), 0);
	cr_assert_eq(fi.state, DM_FILE_FAILED);
	cr_assert_eq(fi.code, DM_ENOMEM, "%s", fi.error ? fi.error : "");
	cr_assert_gt(fi.bytes, 0, "the file was under way when the budget changed");
	cr_assert_eq(count(&s, DM_EV_FILE_DONE), 1);
	dm_session_free(ss);
}

/* The same file under the same switch finishes when the budget is raised. */
Test(config, larger_budget_lets_the_file_finish)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	cfg.max_memory = 64u << 10;
	cfg.chunk_size = 4096;
	struct dm_session_opts o = {.force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 1));
	struct dm_config big = cfg;
	big.max_memory = 512u << 20;
	switch_to(ss, &big);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* chunk_size applies from the next chunk of the running file: every
 * progress step after the switch is at most the new size. */
Test(config, chunk_size_from_the_next_chunk)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	cfg.chunk_size = 256u << 10;
	struct dm_session_opts o = {.force = 1, .progress_every = 1e-9};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 1));
	sleep_ms(50);   /* paused in the progress call after the first chunk */
	dm_session_set_chunk_size(ss, 4096);
	int at = setting_at(&s, "chunk_size");
	cr_assert_geq(at, 0);
	cr_assert_str_eq(s.value[at], "4K");
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	pthread_mutex_lock(&s.mu);
	uint64_t prev = 0, first = 0;
	int steps = 0;
	for (int i = at; i < s.n; i++) {
		if (s.type[i] != DM_EV_PROGRESS)
			continue;
		uint64_t d = s.bytes[i] - prev;
		prev = s.bytes[i];
		if (!first) {
			first = d;   /* the chunk read before the switch */
			continue;
		}
		cr_expect_leq(d, 4096, "a step of %llu bytes after the switch", (unsigned long long)d);
		steps++;
	}
	pthread_mutex_unlock(&s.mu);
	cr_assert_gt(first, 4096, "the first chunk was read at 256K (%llu)", (unsigned long long)first);
	cr_assert_gt(steps, 100);
	dm_session_free(ss);
}

/* Keys read at the start of a file (limits, buffer_size, ...) leave the
 * running file alone and apply to the next one. */
Test(config, per_file_keys_from_the_next_file)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session_opts o = {.force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 1));
	struct dm_config strict = cfg;
	strict.max_element_count = 10;
	switch_to(ss, &strict);
	cr_assert_geq(setting_at(&s, "max_element_count"), 0);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_PARTIAL);
	struct dm_file_info a, b;
	dm_session_file(ss, 0, &a);
	dm_session_file(ss, 1, &b);
	cr_assert_eq(a.state, DM_FILE_DONE, "the running file kept its limits");
	cr_assert_eq(b.state, DM_FILE_FAILED, "the next file has the new limit");
	cr_assert_eq(b.code, DM_ELIMIT, "%s", b.error ? b.error : "");
	dm_session_free(ss);
}

/* max_concurrent applies at once: raised while paused, the waiting files
 * start on new workers without any file finishing. */
Test(config, max_concurrent_at_once)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session_opts o = {.force = 1};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	for (int i = 0; i < 3; i++)
		dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 1));
	sleep_ms(100);
	cr_assert_eq(count(&s, DM_EV_FILE_START), 1, "one file at a time");
	struct dm_config wide = cfg;
	wide.max_concurrent = 3;
	switch_to(ss, &wide);
	cr_assert(wait_count(&s, DM_EV_FILE_START, 3), "the raise did not start the queued files");
	cr_assert_eq(count(&s, DM_EV_FILE_DONE), 0, "while paused, nothing finished");
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* pool_max_size applies at once (idle objects beyond it are freed). */
Test(config, pool_limit_at_once)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	start(ss);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	struct dm_config small = cfg;
	small.pool_max_size = 1;
	small.pool_floor = 0;
	switch_to(ss, &small);
	struct dm_pool_stats ps[2];
	cr_assert_eq(dm_session_pools(ss, ps, 2), 2);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(ps[k].max_size, 1);
		cr_assert_leq(ps[k].idle, 1, "pool %s keeps %zu idle", ps[k].name, ps[k].idle);
	}
	dm_session_free(ss);
}

/* sample_interval applies from the next sample. */
Test(config, sample_interval_from_the_next_sample)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_SAMPLE, 5));
	struct dm_config slow = cfg;
	slow.sample_interval_ms = 400;
	switch_to(ss, &slow);
	int at = setting_at(&s, "sample_interval");
	cr_assert_geq(at, 0);
	cr_assert_str_eq(s.value[at], "400ms");
	int before = count(&s, DM_EV_SAMPLE);
	sleep_ms(1300);
	int after = count(&s, DM_EV_SAMPLE) - before;
	cr_assert_geq(after, 2, "%d samples in 1.3 s", after);
	cr_assert_leq(after, 4, "%d samples in 1.3 s at 400ms", after);
	/* consecutive samples after the switch are on the 400ms schedule: a
	 * late tick shortens the next gap a little, never to the old 20ms */
	pthread_mutex_lock(&s.mu);
	double prev = -1;
	for (int i = at + 1; i < s.n; i++) {
		if (s.type[i] != DM_EV_SAMPLE)
			continue;
		if (prev >= 0)
			cr_expect_geq(s.t[i] - prev, 0.25, "samples %.3f s apart", s.t[i] - prev);
		prev = s.t[i];
	}
	pthread_mutex_unlock(&s.mu);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* A changed leak setting restarts the detector with it at once. */
Test(config, leak_settings_restart_the_detector)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	snprintf(cfg.leak_detector, sizeof cfg.leak_detector, "seed");
	cfg.leak_interval_ms = 50;
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	struct dm_leak_info li;
	for (int i = 0; i < 300; i++) {
		dm_session_leak(ss, &li);
		if (li.snapshots >= 5)
			break;
		sleep_ms(10);
	}
	cr_assert_geq(li.snapshots, 5);
	struct dm_config c2 = cfg;
	c2.leak_interval_ms = 2000;
	c2.leak_threshold = 1u << 30;
	switch_to(ss, &c2);
	cr_assert_geq(setting_at(&s, "leak_interval"), 0);
	cr_assert_geq(setting_at(&s, "leak_threshold"), 0);
	sleep_ms(200);
	dm_session_leak(ss, &li);
	cr_assert_leq(li.snapshots, 1, "%zu snapshots: the detector kept its old state", li.snapshots);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* So does a multiscale setting: its history starts again. */
Test(config, multiscale_settings_restart_the_detector)
{
	static struct seen s;
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	struct dm_leak_info li;
	for (int i = 0; i < 500; i++) {
		dm_session_leak(ss, &li);
		if (li.snapshots >= 40)
			break;
		sleep_ms(10);
	}
	cr_assert_geq(li.snapshots, 40);
	struct dm_config c2 = cfg;
	c2.leak_min_duration_ms = 5000;
	switch_to(ss, &c2);
	cr_assert_geq(setting_at(&s, "leak_min_duration"), 0);
	sleep_ms(100);
	dm_session_leak(ss, &li);
	cr_assert_lt(li.snapshots, 20, "%zu samples: the detector kept its old history", li.snapshots);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* admission_percent is read at every admission check. */
Test(config, admission_threshold_at_the_next_check)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	cfg.admission_percent = 85;
	struct dm_session_opts o = {.force = 1, .mem_used_pct = used_90};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	dm_session_add(ss, gen_path);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_WAITING, 1));
	sleep_ms(150);
	cr_assert_eq(count(&s, DM_EV_FILE_START), 0);
	struct dm_config lax = cfg;
	lax.admission_percent = 95;
	switch_to(ss, &lax);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	cr_assert_eq(count(&s, DM_EV_FILE_DONE), 1);
	dm_session_free(ss);
}

/* report_dir: the next heap report goes to the new directory. */
Test(config, report_dir_for_the_next_report)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	char dir[128];
	snprintf(dir, sizeof dir, "/tmp/dm-cfg-reports-%ld", (long)getpid());
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	struct dm_config c2 = cfg;
	snprintf(c2.report_dir, sizeof c2.report_dir, "%s", dir);
	switch_to(ss, &c2);
	char path[700];
	cr_assert_eq(dm_session_heap_report(ss, path, sizeof path), 0);
	cr_assert_eq(strncmp(path, dir, strlen(dir)), 0, "%s", path);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
	unlink(path);
	rmdir(dir);
}

/* Validation: an impossible combination is refused whole, nothing
 * changes and nothing is announced; one SETTING per changed key. */
Test(config, invalid_refused_and_one_setting_per_key)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	struct dm_session *ss = new_session(&s, &cfg, NULL);
	dm_session_add(ss, gen_path);
	dm_session_pause(ss, 1);
	start(ss);
	struct dm_config bad = cfg;
	bad.pool_floor = bad.pool_max_size + 1;
	bad.max_memory = 1u << 20;
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_session_set_config(ss, &bad, &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "pool_floor"), "%s", err.msg);
	bad = cfg;
	bad.chunk_size = 0;
	cr_assert_eq(dm_session_set_config(ss, &bad, &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "chunk_size"), "%s", err.msg);
	struct dm_config now;
	dm_session_config(ss, &now);
	cr_assert_eq(now.max_memory, cfg.max_memory);
	cr_assert_eq(count(&s, DM_EV_SETTING), 1, "only the pause was announced");
	struct dm_config two = cfg;
	two.max_memory = 256u << 20;
	two.flush_threshold = 0.5;
	snprintf(two.name, sizeof two.name, "other");
	switch_to(ss, &two);
	cr_assert_eq(count(&s, DM_EV_SETTING), 4, "pause, profile, max_memory, flush_threshold");
	cr_assert_geq(setting_at(&s, "profile"), 0);
	cr_assert_geq(setting_at(&s, "flush_threshold"), 0);
	switch_to(ss, &two);
	cr_assert_eq(count(&s, DM_EV_SETTING), 4, "the same configuration again changes nothing");
	dm_session_pause(ss, 0);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_OK);
	dm_session_free(ss);
}

/* Every shipped profile validates as a whole, and the defaults do. */
Test(config, shipped_profiles_validate)
{
	static const char *const names[] = {"default", "low-memory", "large-files", "throughput", "demo"};
	struct dm_config c;
	struct dm_error err;
	dm_error_clear(&err);
	dm_config_init(&c);
	cr_assert_eq(dm_config_validate(&c, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/profiles/%s.profile", DM_TEST_SRCDIR, names[i]);
		dm_config_init(&c);
		cr_assert_eq(dm_config_load(&c, path, &err), 0, "%s", err.msg);
		cr_assert_eq(dm_config_validate(&c, &err), 0, "%s: %s", names[i], err.msg);
	}
	c.leak_window_ms = 2 * c.leak_interval_ms;
	cr_assert_eq(dm_config_validate(&c, &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "leak_window"), "%s", err.msg);
}

/* Exactly one FILE_DONE per file whatever stopped it: one running, one
 * waiting for memory, one never taken from the queue. */
Test(config, one_file_done_per_file_on_stop)
{
	static struct seen s;   /* large: kept off the stack */
	struct dm_config cfg;
	base_config(&cfg);
	cfg.max_concurrent = 2;
	cfg.admission_percent = 85;
	struct dm_session_opts o = {.force = 1, .mem_used_pct = used_90};
	struct dm_session *ss = new_session(&s, &cfg, &o);
	for (int i = 0; i < 3; i++)
		dm_session_add(ss, gen_path);
	start(ss);
	cr_assert(wait_count(&s, DM_EV_WAITING, 2), "two files wait for memory");
	dm_session_stop(ss);
	cr_assert_eq(dm_session_wait(ss), DM_EXIT_INTERRUPTED);
	cr_assert_eq(count(&s, DM_EV_FILE_DONE), 3);
	for (int i = 0; i < 3; i++) {
		int done = 0;
		pthread_mutex_lock(&s.mu);
		for (int k = 0; k < s.n; k++)
			done += s.type[k] == DM_EV_FILE_DONE && s.index[k] == i;
		pthread_mutex_unlock(&s.mu);
		cr_assert_eq(done, 1, "file %d: %d FILE_DONE", i, done);
		struct dm_file_info fi;
		dm_session_file(ss, (size_t)i, &fi);
		cr_assert_eq(fi.state, DM_FILE_FAILED);
		cr_assert_eq(fi.code, DM_EINTR);
	}
	dm_session_free(ss);
}
