/* Pools: reuse, limits, best fit, reclamation figures, threads. */
#include "config.h"
#include "pool.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "teardown.h"

static struct dm_acct *acct;

static void setup(void)
{
	acct = dm_acct_new(NULL, 0);
	cr_assert_not_null(acct);
}

static void teardown(void)
{
	TEARDOWN_CHECK(dm_acct_live(acct) == 0, "%llu bytes still live",
	             (unsigned long long)dm_acct_live(acct));
	dm_acct_free(acct);
}

TestSuite(pool, .init = setup, .fini = teardown);

static uint64_t pools_live(void)
{
	struct dm_acct_stats st;
	dm_acct_stats(acct, &st);
	cr_assert_eq(st.live, st.tag[DM_TAG_POOLS].live, "pool memory under another tag");
	return st.tag[DM_TAG_POOLS].live;
}

static struct dm_pool_stats stats(struct dm_pool *p)
{
	struct dm_pool_stats st;
	dm_pool_stats(p, &st);
	return st;
}

Test(pool, object_reuse_counts_hits)
{
	struct dm_pool *p = dm_pool_new(acct, "obj", 48, 4);
	cr_assert_not_null(p);
	uint64_t base = pools_live();
	cr_assert_gt(base, 0, "the pool itself is accounted");

	size_t cap = 0;
	void *a = dm_pool_get(p, 0, &cap);
	cr_assert_not_null(a);
	cr_assert_eq(cap, 48);
	memset(a, 0xab, 48);
	cr_assert_eq(pools_live(), base + 48);
	dm_pool_put(p, a);
	struct dm_pool_stats st = stats(p);
	cr_assert_eq(st.idle, 1);
	cr_assert_eq(st.idle_bytes, 48);
	cr_assert_eq(st.in_use, 0);

	void *b = dm_pool_get(p, 0, NULL);
	cr_assert_eq(b, a, "an idle object is handed out again");
	st = stats(p);
	cr_assert_str_eq(st.name, "obj");
	cr_assert_eq(st.hits, 1);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(st.in_use, 1);
	cr_assert_eq(st.idle, 0);
	cr_assert_eq(st.idle_bytes, 0);
	cr_assert_eq(pools_live(), base + 48);
	dm_pool_put(p, b);
	dm_pool_put(p, NULL);
	dm_pool_free(p);
}

Test(pool, max_size_is_respected)
{
	struct dm_pool *p = dm_pool_new(acct, "obj", 64, 4);
	uint64_t base = pools_live();
	void *o[10];
	for (int i = 0; i < 10; i++)
		cr_assert_not_null(o[i] = dm_pool_get(p, 0, NULL));
	cr_assert_eq(stats(p).in_use, 10);
	for (int i = 0; i < 10; i++)
		dm_pool_put(p, o[i]);
	struct dm_pool_stats st = stats(p);
	cr_assert_eq(st.max_size, 4);
	cr_assert_eq(st.idle, 4);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.idle_bytes, 4 * 64);
	cr_assert_eq(pools_live(), base + 4 * 64, "beyond max_size, a put frees");
	cr_assert_eq(st.reclaimed_bytes, 0);

	/* Lowering the limit drops the excess now. */
	dm_pool_set_max(p, 1);
	st = stats(p);
	cr_assert_eq(st.idle, 1);
	cr_assert_eq(st.idle_bytes, 64);
	cr_assert_eq(pools_live(), base + 64);

	dm_pool_set_max(p, 0);
	void *x = dm_pool_get(p, 0, NULL);
	dm_pool_put(p, x);
	cr_assert_eq(stats(p).idle, 0);
	cr_assert_eq(pools_live(), base);
	dm_pool_free(p);
}

Test(pool, tiny_objects_still_pool)
{
	struct dm_pool *p = dm_pool_new(acct, "tiny", 1, 2);
	void *a = dm_pool_get(p, 0, NULL);
	void *b = dm_pool_get(p, 0, NULL);
	dm_pool_put(p, a);
	dm_pool_put(p, b);
	cr_assert_eq(stats(p).idle, 2);
	cr_assert_eq(dm_pool_get(p, 0, NULL), b);
	cr_assert_eq(dm_pool_get(p, 0, NULL), a);
	dm_pool_put(p, a);
	dm_pool_put(p, b);
	dm_pool_free(p);
}

Test(pool, buffer_pool_picks_the_smallest_large_enough)
{
	struct dm_pool *p = dm_pool_new(acct, "buf", 0, 8);
	uint64_t base = pools_live();
	size_t cap;
	char *b100 = dm_pool_get(p, 100, &cap);
	cr_assert_eq(cap, 100);
	char *b1000 = dm_pool_get(p, 1000, &cap);
	char *b10000 = dm_pool_get(p, 10000, &cap);
	cr_assert_eq(cap, 10000);
	cr_assert_eq(pools_live(), base + 11100);
	dm_pool_put(p, b1000);
	dm_pool_put(p, b10000);
	dm_pool_put(p, b100);
	cr_assert_eq(stats(p).idle_bytes, 11100);

	char *x = dm_pool_get(p, 500, &cap);
	cr_assert_eq(x, b1000, "500 wants the 1000-byte buffer, not the 10000");
	cr_assert_eq(cap, 1000);
	char *y = dm_pool_get(p, 100, &cap);
	cr_assert_eq(y, b100, "an exact fit");
	cr_assert_eq(cap, 100);
	struct dm_pool_stats st = stats(p);
	cr_assert_eq(st.hits, 2);
	cr_assert_eq(st.misses, 3);
	cr_assert_eq(st.idle, 1);
	cr_assert_eq(st.idle_bytes, 10000);

	/* Nothing idle is large enough: the largest is grown, a miss. */
	dm_pool_put(p, x);
	char *z = dm_pool_get(p, 20000, &cap);
	cr_assert_not_null(z);
	cr_assert_eq(cap, 20000);
	memset(z, 0, cap);
	st = stats(p);
	cr_assert_eq(st.misses, 4);
	cr_assert_eq(st.idle, 1, "the 1000-byte buffer stays idle");
	cr_assert_eq(st.idle_bytes, 1000);
	cr_assert_eq(st.in_use, 2);
	cr_assert_eq(pools_live(), base + 20000 + 1000 + 100);

	dm_pool_put(p, y);
	dm_pool_put(p, z);
	dm_pool_free(p);
}

Test(pool, reclamation_frees_beyond_the_floor)
{
	struct dm_pool *p = dm_pool_new(acct, "buf", 0, 16);
	void *b[10];
	for (int i = 0; i < 10; i++)
		b[i] = dm_pool_get(p, 1000 + 100 * (size_t)i, NULL);
	for (int i = 0; i < 10; i++)
		dm_pool_put(p, b[i]);
	uint64_t before = pools_live();
	struct dm_pool_stats st = stats(p);
	cr_assert_eq(st.idle, 10);
	cr_assert_eq(st.idle_bytes, 10 * 1000 + 100 * 45);

	uint64_t freed = dm_pool_reclaim(p, 3);
	cr_assert_gt(freed, 0);
	cr_assert_eq(before - pools_live(), freed, "reported bytes are the accountant's");
	st = stats(p);
	cr_assert_eq(st.idle, 3);
	cr_assert_eq(st.idle_bytes, 10 * 1000 + 100 * 45 - freed);
	cr_assert_eq(st.reclaimed_bytes, freed);
	cr_assert_eq(st.reclaims, 1);
	/* The most recently put are the ones kept. */
	cr_assert_eq(freed, 7 * 1000 + 100 * (0 + 1 + 2 + 3 + 4 + 5 + 6));

	cr_assert_eq(dm_pool_reclaim(p, 3), 0);
	cr_assert_eq(stats(p).reclaims, 1, "a reclamation that frees nothing is not counted");
	uint64_t rest = dm_pool_reclaim(p, 0);
	cr_assert_eq(rest, 1000 * 3 + 100 * (7 + 8 + 9));
	st = stats(p);
	cr_assert_eq(st.idle, 0);
	cr_assert_eq(st.idle_bytes, 0);
	cr_assert_eq(st.reclaimed_bytes, freed + rest);
	cr_assert_eq(st.reclaims, 2);
	dm_pool_free(p);
}

Test(pool, object_reclamation_figures)
{
	struct dm_pool *p = dm_pool_new(acct, "obj", 200, 8);
	uint64_t base = pools_live();
	void *o[8];
	for (int i = 0; i < 8; i++)
		o[i] = dm_pool_get(p, 0, NULL);
	for (int i = 0; i < 8; i++)
		dm_pool_put(p, o[i]);
	cr_assert_eq(dm_pool_reclaim(p, 2), 6 * 200);
	cr_assert_eq(pools_live(), base + 2 * 200);
	dm_pool_free(p);
}

Test(pool, refusals_leave_the_pool_consistent)
{
	dm_acct_set_budget(acct, 4096);
	struct dm_pool *p = dm_pool_new(acct, "buf", 0, 4);
	uint64_t base = pools_live();
	void *b = dm_pool_get(p, 100, NULL);
	cr_assert_not_null(b);
	cr_assert_null(dm_pool_get(p, 8192, NULL), "over the budget");
	struct dm_pool_stats st = stats(p);
	cr_assert_eq(st.in_use, 1);
	cr_assert_eq(st.misses, 1);

	/* Growing the only idle buffer is refused: it stays idle, intact. */
	dm_pool_put(p, b);
	cr_assert_null(dm_pool_get(p, 8192, NULL));
	st = stats(p);
	cr_assert_eq(st.idle, 1);
	cr_assert_eq(st.idle_bytes, 100);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(st.misses, 1);
	cr_assert_eq(pools_live(), base + 100);
	cr_assert_eq(dm_pool_get(p, 50, NULL), b);
	dm_pool_put(p, b);

	/* Every allocation failing in turn: no leak, counters intact. */
	dm_acct_set_budget(acct, 0);
	for (long n = 1; n <= 3; n++) {
		dm_acct_fail_after(acct, n);
		void *got[3] = { NULL, NULL, NULL };
		for (int i = 0; i < 3; i++)
			got[i] = dm_pool_get(p, 300, NULL);
		dm_acct_fail_after(acct, 0);
		for (int i = 0; i < 3; i++)
			dm_pool_put(p, got[i]);
		cr_assert_eq(stats(p).in_use, 0);
	}
	dm_pool_free(p);
	cr_assert_null(dm_pool_new(NULL, "x", 8, 1));
}

Test(pool, free_returns_every_byte)
{
	struct dm_pool *o = dm_pool_new(acct, "obj", 32, 64);
	struct dm_pool *b = dm_pool_new(acct, "buf", 0, 64);
	void *x[64], *y[64];
	for (int i = 0; i < 64; i++) {
		x[i] = dm_pool_get(o, 0, NULL);
		y[i] = dm_pool_get(b, (size_t)i * 37, NULL);
	}
	for (int i = 0; i < 64; i++) {
		dm_pool_put(o, x[i]);
		dm_pool_put(b, y[i]);
	}
	dm_pool_free(o);
	dm_pool_free(b);
	dm_pool_free(NULL);
	/* teardown checks zero live bytes */
}

/* ---- threads: workers get and put while another thread reclaims ---- */

#define WORKERS 2
#define ROUNDS 20000

/* Criterion's assertions abort from the main thread only: the threads
 * count what went wrong and the test checks the counts. */
struct worker {
	struct dm_pool *p;
	unsigned seed;
	uint64_t gets;
	unsigned bad;
};

static atomic_int workers_done;

static void *work(void *arg)
{
	struct worker *w = arg;
	void *held[8];
	for (int r = 0; r < ROUNDS; r++) {
		unsigned k = 1 + (w->seed = w->seed * 1103515245u + 12345u) % 8;
		for (unsigned i = 0; i < k; i++) {
			size_t want = 16 + (w->seed = w->seed * 1103515245u + 12345u) % 4096;
			size_t cap = 0;
			held[i] = dm_pool_get(w->p, want, &cap);
			if (!held[i] || cap < want) {
				w->bad++;
				held[i] = NULL;
				continue;
			}
			memset(held[i], (int)i, want);
			w->gets++;
		}
		for (unsigned i = 0; i < k; i++)
			dm_pool_put(w->p, held[i]);
	}
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

struct reclaimer {
	struct dm_pool *p;
	uint64_t freed, rounds;
	unsigned bad;
};

static void *reclaim_loop(void *arg)
{
	struct reclaimer *rc = arg;
	while (atomic_load(&workers_done) < WORKERS) {
		rc->freed += dm_pool_reclaim(rc->p, rc->rounds++ % 3);
		struct dm_pool_stats st;
		dm_pool_stats(rc->p, &st);
		if (st.idle > st.max_size || st.in_use > WORKERS * 8 ||
		    st.reclaimed_bytes != rc->freed)
			rc->bad++;
	}
	return NULL;
}

Test(pool, concurrent_get_put_and_reclaim, .timeout = 60)
{
	struct dm_pool *p = dm_pool_new(acct, "buf", 0, 12);
	uint64_t base = pools_live();
	atomic_store(&workers_done, 0);
	struct worker w[WORKERS];
	pthread_t tw[WORKERS], tr;
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (struct worker){ .p = p, .seed = 7u + (unsigned)i };
		cr_assert_eq(pthread_create(&tw[i], NULL, work, &w[i]), 0);
	}
	struct reclaimer rc = { .p = p };
	cr_assert_eq(pthread_create(&tr, NULL, reclaim_loop, &rc), 0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(tw[i], NULL);
	pthread_join(tr, NULL);

	struct dm_pool_stats st = stats(p);
	uint64_t gets = 0;
	for (int i = 0; i < WORKERS; i++) {
		cr_assert_eq(w[i].bad, 0);
		gets += w[i].gets;
	}
	cr_assert_eq(rc.bad, 0);
	cr_assert_gt(rc.rounds, 1);
	cr_assert_eq(st.reclaimed_bytes, rc.freed);
	cr_assert_eq(st.hits + st.misses, gets);
	cr_assert_eq(st.in_use, 0);
	cr_assert_leq(st.idle, 12);
	cr_assert_eq(pools_live(), base + st.idle_bytes,
	             "idle bytes are all the pool holds once everything is back");
	uint64_t idle = st.idle_bytes;
	cr_assert_eq(dm_pool_reclaim(p, 0), idle);
	cr_assert_eq(pools_live(), base);
	dm_pool_free(p);
}

/* ---- expat's input buffers through a pool (pool_input_buffers) --------- */

#include <stdio.h>
#include <stdlib.h>

#include "gen.h"
#include "parser.h"

static char *doc;
static size_t doc_len;
static struct dm_acct *pacct;
static struct dm_config pcfg;

static int no_record(void *ctx, const struct dm_record *rec)
{
	(void)ctx;
	(void)rec;
	return 0;
}

static const struct dm_consumer quiet = {.record = no_record};

static void input_setup(void)
{
	FILE *f = open_memstream(&doc, &doc_len);
	cr_assert_not_null(f);
	struct dm_gen_opts o = {.size = 3 << 20, .seed = 7, .ern = 43};
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_gen_write(f, &o, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(fclose(f), 0);
	pacct = dm_acct_new(NULL, 0);
	cr_assert_not_null(pacct);
	dm_config_init(&pcfg);
	pcfg.chunk_size = 256 << 10;
}

static void input_teardown(void)
{
	TEARDOWN_CHECK(dm_acct_live(pacct) == 0, "%llu bytes still live",
	             (unsigned long long)dm_acct_live(pacct));
	dm_acct_free(pacct);
	free(doc);
}

TestSuite(input, .init = input_setup, .fini = input_teardown);

/* One whole parse and the release that frees expat, as a worker does. */
static int parse_once(struct dm_parser *p)
{
	cr_assert_eq(dm_parser_begin(p, "doc.xml"), 0);
	int rc = dm_parser_feed(p, doc, doc_len, 1);
	dm_parser_release(p);
	return rc;
}

static uint64_t tag_live(enum dm_tag t)
{
	struct dm_acct_stats st;
	dm_acct_stats(pacct, &st);
	return st.tag[t].live;
}

/* A parser and an input pool for it, and their end: unbound, the pool
 * emptied, both freed, and nothing left live. */
static void open_input(struct dm_pool **in, struct dm_parser **p)
{
	*in = dm_pool_new(pacct, "input", 0, 64);
	*p = dm_parser_new(pacct, &pcfg, &quiet, NULL, NULL);
	cr_assert(*in && *p);
}

static void close_input(struct dm_pool *in, struct dm_parser *p)
{
	dm_pool_bind_expat(NULL);
	dm_pool_reclaim(in, 0);
	dm_parser_free(p);
	dm_pool_free(in);
	/* here, not in the teardown: a failure there does not fail the test */
	cr_assert_eq(dm_acct_live(pacct), 0, "%llu bytes still live",
	             (unsigned long long)dm_acct_live(pacct));
}

/* What a parser holds between files once it has parsed one (its state
 * machine's stack and the like), with no pool bound. */
static uint64_t warm(struct dm_parser *p)
{
	cr_assert_eq(parse_once(p), 0, "%s", dm_parser_error(p)->msg);
	return dm_acct_live(pacct);
}

Test(input, buffers_outlive_the_parse_and_a_reclamation_frees_them)
{
	struct dm_pool *in;
	struct dm_parser *p;
	open_input(&in, &p);
	uint64_t base = warm(p);
	struct dm_pool *prev = dm_pool_bind_expat(in);
	cr_assert_null(prev);

	cr_assert_eq(parse_once(p), 0, "%s", dm_parser_error(p)->msg);
	/* expat is gone; its input buffers (a chunk and more) stay, idle */
	struct dm_pool_stats st;
	dm_pool_stats(in, &st);
	cr_assert_geq(st.idle_bytes, pcfg.chunk_size, "idle %llu", (unsigned long long)st.idle_bytes);
	cr_assert_eq(st.in_use, 0);
	cr_assert_eq(dm_acct_live(pacct) - base, st.idle_bytes,
	             "what stays is exactly what the pool holds");
	uint64_t misses = st.misses;

	/* the next file takes them again: no new buffer, no growth */
	cr_assert_eq(parse_once(p), 0);
	struct dm_pool_stats again;
	dm_pool_stats(in, &again);
	cr_assert_eq(again.misses, misses, "the second parse allocated input buffers");
	cr_assert_gt(again.hits, st.hits);
	cr_assert_eq(again.idle_bytes, st.idle_bytes);

	/* a reclamation gives back exactly what the accountant counted */
	uint64_t before = dm_acct_live(pacct);
	uint64_t freed = dm_pool_reclaim(in, 0);
	cr_assert_eq(freed, st.idle_bytes);
	cr_assert_eq(before - dm_acct_live(pacct), freed);
	cr_assert_eq(dm_acct_live(pacct), base);

	close_input(in, p);
}

Test(input, unbound_the_buffers_are_the_parsers_and_go)
{
	struct dm_pool *in;
	struct dm_parser *p;
	open_input(&in, &p);
	uint64_t base = warm(p);
	cr_assert_eq(dm_parser_begin(p, "doc.xml"), 0);
	cr_assert_eq(dm_parser_feed(p, doc, 600 << 10, 0), 0);
	/* mid-parse: expat's buffer is charged as parser memory, not pooled */
	cr_assert_geq(tag_live(DM_TAG_PARSER), pcfg.chunk_size);
	dm_parser_release(p);
	struct dm_pool_stats st;
	dm_pool_stats(in, &st);
	cr_assert_eq(st.hits + st.misses, 0);
	cr_assert_eq(dm_acct_live(pacct), base);
	close_input(in, p);
}

Test(input, bound_mid_parse_buffers_are_pooled_and_in_use)
{
	struct dm_pool *in;
	struct dm_parser *p;
	open_input(&in, &p);
	dm_pool_bind_expat(in);
	cr_assert_eq(dm_parser_begin(p, "doc.xml"), 0);
	cr_assert_eq(dm_parser_feed(p, doc, 600 << 10, 0), 0);
	struct dm_pool_stats st;
	dm_pool_stats(in, &st);
	cr_assert_geq(st.in_use, 1, "expat's buffer comes from the pool");
	cr_assert_geq(tag_live(DM_TAG_POOLS), pcfg.chunk_size);
	/* a reclamation now frees only what is idle: the parse goes on */
	dm_pool_reclaim(in, 0);
	cr_assert_eq(dm_parser_feed(p, doc + (600 << 10), doc_len - (600 << 10), 1), 0,
	             "%s", dm_parser_error(p)->msg);
	dm_parser_release(p);
	close_input(in, p);
}

/* Idle buffers count against the budget: a parse that needs the room
 * gets it back from its own pool rather than being refused. */
Test(input, a_full_budget_takes_back_the_idle_buffers_first)
{
	struct dm_pool *in;
	struct dm_parser *p;
	open_input(&in, &p);
	warm(p);
	/* four idle megabytes, and not a byte of room left */
	void *b[4];
	for (int i = 0; i < 4; i++)
		cr_assert_not_null(b[i] = dm_pool_get(in, 1 << 20, NULL));
	for (int i = 0; i < 4; i++)
		dm_pool_put(in, b[i]);
	dm_acct_set_budget(pacct, dm_acct_live(pacct));
	dm_pool_bind_expat(in);
	cr_assert_eq(parse_once(p), 0, "%s", dm_parser_error(p)->msg);
	struct dm_pool_stats st;
	dm_pool_stats(in, &st);
	cr_assert_geq(st.reclaimed_bytes, 4 << 20, "the idle buffers were given up");
	/* unbound, the same budget refuses: the pool was what made the room */
	dm_pool_bind_expat(NULL);
	dm_pool_reclaim(in, 0);
	dm_acct_set_budget(pacct, dm_acct_live(pacct));
	int rc = dm_parser_begin(p, "doc.xml");
	if (rc == 0)
		rc = dm_parser_feed(p, doc, doc_len, 1);
	dm_parser_release(p);
	cr_assert_eq(rc, DM_ENOMEM);
	dm_acct_set_budget(pacct, 0);
	close_input(in, p);
}

/* The allocation-failure sweep with the pool bound: every refusal is a
 * clean memory error, and nothing is left but what the pool holds. */
Test(input, every_refused_allocation_is_clean, .timeout = 120)
{
	struct dm_pool *in;
	struct dm_parser *p;
	open_input(&in, &p);
	uint64_t base = warm(p);
	dm_pool_bind_expat(in);
	int clean = 0;
	for (long n = 1; n < 400; n++) {
		dm_pool_reclaim(in, 0);
		dm_acct_fail_after(pacct, n);
		int rc = dm_parser_begin(p, "doc.xml");
		if (rc == 0)
			rc = dm_parser_feed(p, doc, doc_len, 1);
		dm_parser_release(p);
		dm_acct_fail_after(pacct, 0);
		if (rc == 0) {
			clean = 1;
			break;
		}
		cr_assert_eq(rc, DM_ENOMEM, "n=%ld: %s", n, dm_parser_error(p)->msg);
		struct dm_pool_stats st;
		dm_pool_stats(in, &st);
		cr_assert_eq(st.in_use, 0, "n=%ld: a pooled buffer still out", n);
		cr_assert_eq(dm_acct_live(pacct) - base, st.idle_bytes, "n=%ld: a leak", n);
	}
	cr_assert(clean, "no number of allocations let the parse through");
	close_input(in, p);
}
