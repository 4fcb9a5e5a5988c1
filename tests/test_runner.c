/* The multi-file runner (session API) and the shipped profiles: one bad
 * file among good ones, admission control with an injected memory reading,
 * the half-chunk retry on the real memory-limit path, every shipped
 * profile loading, and profile errors carrying file:line. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "gen.h"
#include "profile.h"
#include "session.h"
#include "testutil.h"

#define MAX_FILES 8
#define KiB 1024ULL
#define MiB (1024ULL * 1024)

static const char good_rel[] = "ern43-album.xml";
static const char bad_rel[] = "bad/mismatched-tag.xml";

/* ---- a recording consumer ---------------------------------------------- */

struct rec {
	pthread_mutex_t mu;
	unsigned events[DM_EV_COUNT];
	uint64_t records[MAX_FILES];          /* delivered through ops.record */
	uint64_t by_type[MAX_FILES][DM_REC_TYPES];
	int retry_file;
	char retry_value[32];
	int retry_code;                       /* the error that caused it */
	uint64_t before_retry;                /* records delivered by then */
	int error_file;
	struct dm_error error;                /* the failing file's ERROR event */
	double waiting_t, start_t[MAX_FILES];
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	r->retry_file = r->error_file = -1;
}

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct rec *r = ctx;
	pthread_mutex_lock(&r->mu);
	r->events[ev->type]++;
	switch (ev->type) {
	case DM_EV_RETRY:
		r->retry_file = ev->u.retry.file->index;
		snprintf(r->retry_value, sizeof r->retry_value, "%s",
		         ev->u.retry.chunk_size ? ev->u.retry.chunk_size : "");
		r->retry_code = ev->u.retry.cause ? ev->u.retry.cause->code : 0;
		r->before_retry = r->records[ev->u.retry.file->index];
		break;
	case DM_EV_ERROR:
		if (ev->u.error.fatal) {
			r->error_file = ev->u.error.file->index;
			r->error = *ev->u.error.error;
		}
		break;
	case DM_EV_WAITING:
		r->waiting_t = ev->t;
		break;
	case DM_EV_FILE_START:
		if (ev->u.file.file->index < MAX_FILES)
			r->start_t[ev->u.file.file->index] = ev->t;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&r->mu);
}

static int on_record(void *ctx, int file, const struct dm_record *rec)
{
	struct rec *r = ctx;
	pthread_mutex_lock(&r->mu);
	if (file >= 0 && file < MAX_FILES) {
		r->records[file]++;
		r->by_type[file][rec->type]++;
	}
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static const struct dm_session_ops rec_ops = {.event = on_event, .record = on_record};

/* ---- helpers ------------------------------------------------------------ */

static char tmpdir[256];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/dm-test-runner-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

/* A generated delivery of about size bytes in tmpdir; returns its path. */
static char *gen_file(const char *name, uint64_t size, uint64_t seed)
{
	char *path = malloc(strlen(tmpdir) + strlen(name) + 2);
	cr_assert_not_null(path);
	sprintf(path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	struct dm_gen_opts o = {.size = size, .seed = seed, .ern = 43};
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_gen_write(f, &o, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(fclose(f), 0);
	return path;
}

/* Records per type from a plain single-threaded parse of the file. */
static void direct_counts(const char *path, const struct dm_config *cfg, uint64_t *counts,
                          uint64_t *total)
{
	struct tu_result r;
	tu_parse(path, 0, cfg, 0, TU_FROM_FD, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "direct parse of %s: %s", path, r.err.msg);
	*total = 0;
	for (int t = 0; t < DM_REC_TYPES; t++) {
		counts[t] = r.counts[t];
		*total += r.counts[t];
	}
	cr_assert_gt(*total, 0, "%s has records", path);
	tu_result_fini(&r);
}

/* One session over the files; returns the exit code, infos filled. */
static int run_session(const struct dm_config *cfg, struct dm_session_opts *so,
                       char *const *paths, size_t n, struct rec *r,
                       struct dm_file_info *infos, struct dm_session_summary *sum)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session_opts none = {0};
	struct dm_session *s = dm_session_new(cfg, so ? so : &none, &rec_ops, r, &err);
	cr_assert_not_null(s, "%s", err.msg);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(dm_session_add(s, paths[i]), (int)i);
	cr_assert_eq(dm_session_start(s, &err), 0, "%s", err.msg);
	int code = dm_session_wait(s);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(dm_session_file(s, i, &infos[i]), 0);
	if (sum)
		dm_session_summary(s, sum);
	/* path and error point into the session: keep what the tests read */
	for (size_t i = 0; i < n; i++) {
		infos[i].path = NULL;
		infos[i].error = infos[i].error ? "failed" : NULL;
	}
	dm_session_free(s);
	return code;
}

static void test_config(struct dm_config *cfg)
{
	dm_config_init(cfg);
	cfg->max_element_count = 0;     /* generated files exceed the default */
	cfg->sample_interval_ms = 20;
}

TestSuite(runner, .init = mk_tmp, .fini = rm_tmp, .timeout = 120);

/* ---- good + malformed + good ------------------------------------------- */

Test(runner, bad_file_among_good_ones_is_partial_failure)
{
	char *good1 = tu_fixture_path(good_rel);
	char *bad = tu_fixture_path(bad_rel);
	char *good2 = gen_file("good2.xml", 3 * MiB, 7);
	char *paths[3] = {good1, bad, good2};
	struct dm_config cfg;
	test_config(&cfg);
	cfg.max_concurrent = 2;

	uint64_t c1[DM_REC_TYPES], c2[DM_REC_TYPES], t1, t2;
	direct_counts(good1, &cfg, c1, &t1);
	direct_counts(good2, &cfg, c2, &t2);

	struct rec r;
	rec_init(&r);
	struct dm_file_info fi[3];
	struct dm_session_summary sum;
	int code = run_session(&cfg, NULL, paths, 3, &r, fi, &sum);

	cr_expect_eq(code, DM_EXIT_PARTIAL, "exit code %d", code);
	cr_expect_eq(sum.exit_code, DM_EXIT_PARTIAL);
	cr_expect_eq(sum.files, 3);
	cr_expect_eq(sum.files_ok, 2);
	cr_expect_eq(sum.files_failed, 1);

	/* both good files completely, and only once */
	cr_expect_eq(fi[0].state, DM_FILE_DONE);
	cr_expect_eq(fi[2].state, DM_FILE_DONE);
	cr_expect_eq(fi[0].records_total, t1);
	cr_expect_eq(fi[2].records_total, t2);
	cr_expect_eq(r.records[0], t1, "file 0 delivered %llu of %llu",
	             (unsigned long long)r.records[0], (unsigned long long)t1);
	cr_expect_eq(r.records[2], t2, "file 2 delivered %llu of %llu",
	             (unsigned long long)r.records[2], (unsigned long long)t2);
	for (int t = 0; t < DM_REC_TYPES; t++) {
		cr_expect_eq(r.by_type[0][t], c1[t], "file 0 type %d", t);
		cr_expect_eq(r.by_type[2][t], c2[t], "file 2 type %d", t);
	}
	cr_expect_eq(fi[2].retried, 0);

	/* the malformed one failed with an XML error and its position */
	cr_expect_eq(fi[1].state, DM_FILE_FAILED);
	cr_expect_eq(fi[1].code, DM_EXML, "code %d", fi[1].code);
	cr_expect_not_null(fi[1].error);
	cr_assert_eq(r.error_file, 1);
	cr_expect_eq(r.error.code, DM_EXML);
	cr_expect(r.error.has_pos && r.error.line > 0, "error has a line: %s", r.error.msg);
	cr_expect(strstr(r.error.file, "mismatched-tag.xml") != NULL, "error names the file: %s",
	          r.error.file);
	char line[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(&r.error, line, sizeof line);
	cr_expect(strstr(line, "mismatched-tag.xml:15:33: mismatched tag") != NULL,
	          "formatted as FILE:LINE:COL: %s", line);

	cr_expect_eq(r.events[DM_EV_FILE_DONE], 3);
	cr_expect_eq(r.events[DM_EV_RETRY], 0);
	free(good1);
	free(bad);
	free(good2);
}

Test(runner, all_good_is_exit_zero_and_one_bad_alone_is_input_error)
{
	char *good = tu_fixture_path(good_rel);
	char *bad = tu_fixture_path(bad_rel);
	struct dm_config cfg;
	test_config(&cfg);
	cfg.max_concurrent = 2;
	struct rec r;
	struct dm_file_info fi[2];
	char *two[2] = {good, good};
	rec_init(&r);
	cr_expect_eq(run_session(&cfg, NULL, two, 2, &r, fi, NULL), DM_EXIT_OK);
	cr_expect_eq(r.records[0], r.records[1]);
	char *one[1] = {bad};
	rec_init(&r);
	cr_expect_eq(run_session(&cfg, NULL, one, 1, &r, fi, NULL), DM_EXIT_INPUT);
	free(good);
	free(bad);
}

/* ---- admission control -------------------------------------------------- */

struct fake_mem {
	_Atomic double t0;       /* first reading (0 = none yet) */
	atomic_int calls;
};

/* 95% used for half a second from the first reading, then 10%. Timed from
 * the first reading rather than from the start of the test, so that a slow
 * machine starting the worker late still sees the shortage. */
static double fake_used_pct(void *ctx)
{
	struct fake_mem *m = ctx;
	double none = 0, now = dm_mono_s();
	atomic_compare_exchange_strong(&m->t0, &none, now);
	atomic_fetch_add(&m->calls, 1);
	return now - atomic_load(&m->t0) < 0.5 ? 95.0 : 10.0;
}

Test(runner, admission_waits_while_memory_is_short)
{
	char *good = tu_fixture_path(good_rel);
	struct dm_config cfg;
	test_config(&cfg);
	cfg.admission_percent = 85;
	struct fake_mem m;
	atomic_init(&m.t0, 0.0);
	atomic_init(&m.calls, 0);
	struct dm_session_opts so = {.mem_used_pct = fake_used_pct, .mem_used_ctx = &m};
	struct rec r;
	rec_init(&r);
	struct dm_file_info fi[1];
	char *paths[1] = {good};
	int code = run_session(&cfg, &so, paths, 1, &r, fi, NULL);
	cr_expect_eq(code, DM_EXIT_OK);
	cr_expect_eq(r.events[DM_EV_WAITING], 1, "one WAITING event, got %u", r.events[DM_EV_WAITING]);
	cr_expect_gt(atomic_load(&m.calls), 1, "the reading was polled");
	cr_expect_eq(fi[0].state, DM_FILE_DONE);
	cr_expect_gt(fi[0].records_total, 0);
	/* it started only once the reading fell, half a second later */
	cr_expect_geq(fi[0].started - r.waiting_t, 0.45, "waiting at %.3f s, started at %.3f s",
	              r.waiting_t, fi[0].started);
	free(good);
}

Test(runner, admission_does_not_wait_below_the_limit)
{
	char *good = tu_fixture_path(good_rel);
	struct dm_config cfg;
	test_config(&cfg);
	cfg.admission_percent = 99;
	struct fake_mem m;
	atomic_init(&m.t0, 0.0);
	atomic_init(&m.calls, 0);
	struct dm_session_opts so = {.mem_used_pct = fake_used_pct, .mem_used_ctx = &m};
	struct rec r;
	rec_init(&r);
	struct dm_file_info fi[1];
	char *paths[1] = {good};
	cr_expect_eq(run_session(&cfg, &so, paths, 1, &r, fi, NULL), DM_EXIT_OK);
	cr_expect_eq(r.events[DM_EV_WAITING], 0);
	cr_expect_geq(atomic_load(&m.calls), 1, "the reading was looked at");
	cr_expect_eq(fi[0].state, DM_FILE_DONE);
	free(good);
}

/* ---- retry with half the chunk size -------------------------------------- */

/* Parse path with this budget and chunk size in a session; 1 when the file
 * parsed at that chunk size without a retry. */
static int fits(const char *path, uint64_t budget, uint64_t chunk)
{
	struct dm_config cfg;
	test_config(&cfg);
	cfg.max_memory = budget;
	cfg.chunk_size = chunk;
	cfg.max_concurrent = 1;
	cfg.flush_threshold = 1.0;   /* no reclamation or pressure halving the chunk */
	struct rec r;
	rec_init(&r);
	struct dm_file_info fi[1];
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_session_opts so = {.force = 1};
	struct dm_session *s = dm_session_new(&cfg, &so, &rec_ops, &r, &err);
	cr_assert_not_null(s);
	cr_assert_eq(dm_session_add(s, path), 0);
	int ok = 0;
	if (dm_session_start(s, &err) == 0) {
		dm_session_wait(s);
		cr_assert_eq(dm_session_file(s, 0, &fi[0]), 0);
		ok = fi[0].state == DM_FILE_DONE && !fi[0].retried;
	}
	dm_session_free(s);
	return ok;
}

Test(runner, memory_limit_retries_once_with_half_the_chunk)
{
	char *path = gen_file("retry.xml", 1 * MiB, 3);
	/* The smallest budget (to 1K) at which 32K chunks get through: expat's
	 * buffer for 64K chunks is about twice that of 32K ones, so there the
	 * first attempt runs out of budget and the retry at 32K fits. */
	uint64_t lo = 64 * KiB, hi = 8 * MiB;   /* 64K: the smallest valid budget */
	cr_assert(fits(path, hi, 32 * KiB), "8M is enough for 32K chunks");
	cr_assert(!fits(path, lo, 32 * KiB), "64K is not");
	while (hi - lo > KiB) {
		uint64_t mid = (lo + hi) / 2;
		if (fits(path, mid, 32 * KiB))
			hi = mid;
		else
			lo = mid;
	}
	uint64_t budget = hi;
	cr_assert(!fits(path, budget, 64 * KiB),
	          "a budget of %llu fits 32K chunks but not 64K ones", (unsigned long long)budget);

	struct dm_config cfg;
	test_config(&cfg);
	uint64_t counts[DM_REC_TYPES], total;
	direct_counts(path, &cfg, counts, &total);

	cfg.max_memory = budget;
	cfg.chunk_size = 64 * KiB;
	cfg.max_concurrent = 1;
	cfg.flush_threshold = 1.0;
	struct rec r;
	rec_init(&r);
	struct dm_file_info fi[1];
	char *paths[1] = {path};
	struct dm_session_opts so = {.force = 1};
	int code = run_session(&cfg, &so, paths, 1, &r, fi, NULL);
	cr_expect_eq(code, DM_EXIT_OK, "budget %llu: exit %d", (unsigned long long)budget, code);
	cr_expect_eq(r.events[DM_EV_RETRY], 1);
	cr_expect_eq(r.retry_file, 0);
	cr_expect_str_eq(r.retry_value, "32K");
	cr_expect_eq(r.retry_code, DM_ENOMEM, "retried because of the memory limit (%d)", r.retry_code);
	cr_expect_eq(fi[0].state, DM_FILE_DONE);
	cr_expect_eq(fi[0].retried, 1);
	/* the first attempt got some way: records went out before the retry,
	 * so "nothing twice" below is a real check */
	cr_expect_gt(r.before_retry, 0, "records before the retry");
	cr_expect_lt(r.before_retry, total);
	cr_log_info("budget %llu: %llu of %llu records before the retry\n",
	            (unsigned long long)budget, (unsigned long long)r.before_retry,
	            (unsigned long long)total);
	/* nothing twice, nothing missing */
	cr_expect_eq(fi[0].records_total, total);
	cr_expect_eq(r.records[0], total, "delivered %llu of %llu records",
	             (unsigned long long)r.records[0], (unsigned long long)total);
	for (int t = 0; t < DM_REC_TYPES; t++)
		cr_expect_eq(r.by_type[0][t], counts[t], "type %d", t);

	/* just below that budget even 32K chunks do not fit: one retry, then
	 * the file fails cleanly with the memory limit (exit 3) */
	cfg.max_memory = lo;
	rec_init(&r);
	code = run_session(&cfg, &so, paths, 1, &r, fi, NULL);
	cr_expect_eq(code, DM_EXIT_MEMORY, "budget %llu: exit %d", (unsigned long long)lo, code);
	cr_expect_eq(r.events[DM_EV_RETRY], 1, "retried once only");
	cr_expect_eq(fi[0].state, DM_FILE_FAILED);
	cr_expect_eq(fi[0].code, DM_ENOMEM);
	cr_expect_eq(fi[0].retried, 1);
	free(path);
}

/* ---- shipped profiles ---------------------------------------------------- */

static const char *const shipped[] = {"default", "low-memory", "large-files", "throughput", "demo"};

/* Look only at the source tree's profiles/, whatever is installed or in
 * the user's own directory. */
static void source_profiles_only(char *dir, size_t size)
{
	snprintf(dir, size, "%s/profiles", DM_TEST_SRCDIR);
	cr_assert_eq(setenv("DDEXMON_PROFILE_PATH", dir, 1), 0);
	cr_assert_eq(setenv("XDG_CONFIG_HOME", tmpdir, 1), 0);
}

Test(profiles, every_shipped_profile_loads, .init = mk_tmp, .fini = rm_tmp)
{
	char dir[DM_PATH_MAX];
	source_profiles_only(dir, sizeof dir);
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		struct dm_config c;
		struct dm_error err;
		char path[DM_PATH_MAX + 80], want[DM_PATH_MAX + 80];
		dm_config_init(&c);
		dm_error_clear(&err);
		cr_assert_eq(dm_profile_find(shipped[i], path, sizeof path, &err), 0, "%s", err.msg);
		snprintf(want, sizeof want, "%s/%s.profile", dir, shipped[i]);
		cr_expect_str_eq(path, want);
		cr_assert_eq(dm_profile_load(&c, shipped[i], &err), 0, "%s: %s:%llu: %s", shipped[i],
		             err.file, (unsigned long long)err.line, err.msg);
		cr_expect_str_eq(c.name, shipped[i]);
		cr_expect_neq(c.description[0], '\0', "%s has a description", shipped[i]);
	}
	/* and nothing else in profiles/ that does not load */
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 9 || strcmp(de->d_name + len - 8, ".profile") != 0)
			continue;
		char path[DM_PATH_MAX + 300];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct dm_config c;
		struct dm_error err;
		dm_config_init(&c);
		dm_error_clear(&err);
		cr_expect_eq(dm_config_load(&c, path, &err), 0, "%s: %s", path, err.msg);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 5);
}

Test(profiles, shipped_values_match_their_purpose, .init = mk_tmp, .fini = rm_tmp)
{
	char dir[DM_PATH_MAX];
	source_profiles_only(dir, sizeof dir);
	struct dm_config c, def;
	struct dm_error err;
	dm_config_init(&def);

	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "default", &err), 0);
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		char a[DM_PATH_MAX], b[DM_PATH_MAX];
		if (strcmp(k->name, "description") == 0)
			continue;
		dm_config_format(&c, k, a, sizeof a);
		dm_config_format(&def, k, b, sizeof b);
		cr_expect_str_eq(a, b, "default.profile agrees with the built-in %s", k->name);
	}

	/* the seed's LARGE_FILE_CONFIG */
	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "large-files", &err), 0);
	cr_expect_eq(c.max_memory, 1024 * MiB);
	cr_expect_eq(c.chunk_size, 32 * KiB);
	cr_expect_float_eq(c.flush_threshold, 0.7, 1e-9);
	cr_expect_eq(c.max_element_count, 0, "a 1 GB delivery has millions of elements");

	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "low-memory", &err), 0);
	cr_expect_lt(c.max_memory, def.max_memory);
	cr_expect_lt(c.chunk_size, def.chunk_size);

	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "throughput", &err), 0);
	cr_expect_gt(c.pool_max_size, def.pool_max_size, "more pooled buffers");
	cr_expect_gt(c.sample_interval_ms, def.sample_interval_ms, "lighter sampling");
	cr_expect_eq(c.max_element_count, 0);

	/* the demo's leak (12M/s) must pass the threshold across three
	 * snapshots, i.e. two intervals, and a minute must be plenty */
	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "demo", &err), 0);
	cr_expect_eq(c.max_element_count, 0);
	double growth = 12.0 * MiB * 2 * (double)c.leak_interval_ms / 1000.0;
	cr_expect_gt(growth, (double)c.leak_threshold, "12M/s leak passes the threshold");
	cr_expect_lt(4 * c.leak_interval_ms, 60000, "confirmed well within a minute");
	cr_expect_leq(c.sample_interval_ms, 100);
}

/* ---- profile errors carry file:line -------------------------------------- */

static void expect_error_at(const char *text, unsigned long line, const char *needle)
{
	char path[300];
	snprintf(path, sizeof path, "%s/broken.profile", tmpdir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
	struct dm_config c;
	struct dm_error err;
	dm_config_init(&c);
	dm_error_clear(&err);
	cr_assert_eq(dm_config_load(&c, path, &err), DM_EUSAGE, "'%s' is refused", text);
	cr_expect_str_eq(err.file, path);
	cr_expect_eq(err.line, line, "line %llu, want %lu", (unsigned long long)err.line, line);
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64], prefix[340];
	dm_error_format(&err, msg, sizeof msg);
	snprintf(prefix, sizeof prefix, "%s:%lu:", path, line);
	cr_expect_eq(strncmp(msg, prefix, strlen(prefix)), 0, "'%s' starts with '%s'", msg, prefix);
	cr_expect(strstr(msg, needle) != NULL, "'%s' mentions '%s'", msg, needle);
	/* and through the lookup by path, as --profile FILE does */
	dm_config_init(&c);
	dm_error_clear(&err);
	cr_expect_eq(dm_profile_load(&c, path, &err), DM_EUSAGE);
	cr_expect_eq(err.line, line);
}

Test(profiles, errors_name_file_and_line, .init = mk_tmp, .fini = rm_tmp)
{
	expect_error_at("# comment\nmax_memory = 64M\nno_such_key = 1\n", 3, "no_such_key");
	expect_error_at("chunk_size = 64K\n\nmax_concurrent = lots\n", 3, "lots");
	expect_error_at("max_memory = 512Q\n", 1, "512Q");
	expect_error_at("sample_interval = 5 fortnights\n", 1, "fortnights");
	expect_error_at("# a\n# b\nchunk_size 64K\n", 3, "key = value");
	expect_error_at("flush_threshold = 1.5\n", 1, "flush_threshold");
	expect_error_at("max_memory = 1K\n", 1, "out of range");
}
