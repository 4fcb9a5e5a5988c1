/* The accounting allocator: counters, budgets, the parent chain, fail
 * injection and the expat memory suite. */
#include "config.h"

#include <criterion/criterion.h>
#include <expat.h>
#include <pthread.h>
#include <string.h>

#include "acct.h"
#include "acct_int.h"
#include "teardown.h"

/* Every test allocates through A; .fini insists it ends with nothing live. */
static struct dm_acct *A;

static void setup(void)
{
	A = dm_acct_new(NULL, 0);
	cr_assert_not_null(A);
}

static void teardown(void)
{
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	TEARDOWN_CHECK(st.live == 0, "test left %llu bytes live", (unsigned long long)st.live);
	for (int t = 0; t < DM_TAG_COUNT; t++) {
		TEARDOWN_CHECK(st.tag[t].live == 0, "tag %s left %llu bytes live", dm_tag_name(t),
		             (unsigned long long)st.tag[t].live);
		TEARDOWN_CHECK(st.tag[t].allocs == st.tag[t].frees, "tag %s: %llu allocs, %llu frees",
		             dm_tag_name(t), (unsigned long long)st.tag[t].allocs,
		             (unsigned long long)st.tag[t].frees);
	}
	dm_acct_free(A);
	A = NULL;
}

TestSuite(acct, .init = setup, .fini = teardown);

Test(acct, allocs_minus_frees_is_live)
{
	void *p[10];
	size_t total = 0;
	for (int i = 0; i < 10; i++) {
		p[i] = dm_acct_alloc(A, DM_TAG_RECORDS, (size_t)(i + 1) * 100);
		cr_assert_not_null(p[i]);
		memset(p[i], 0xAB, (size_t)(i + 1) * 100);
		total += (size_t)(i + 1) * 100;
	}
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 10);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].frees, 0);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].live, total);
	cr_assert_eq(st.live, total);
	cr_assert_eq(dm_acct_live(A), total);

	/* free the odd ones: live drops by exactly their sizes */
	size_t freed = 0;
	for (int i = 1; i < 10; i += 2) {
		cr_assert_eq(dm_acct_size(p[i]), (size_t)(i + 1) * 100);
		freed += dm_acct_size(p[i]);
		dm_acct_dealloc(p[i]);
	}
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs - st.tag[DM_TAG_RECORDS].frees, 5);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].live, total - freed);
	cr_assert_eq(st.live, total - freed);
	for (int i = 0; i < 10; i += 2)
		dm_acct_dealloc(p[i]);
	dm_acct_stats(A, &st);
	cr_assert_eq(st.live, 0);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].frees, 10);
	/* nothing leaked into other tags */
	for (int t = 0; t < DM_TAG_COUNT; t++)
		if (t != DM_TAG_RECORDS)
			cr_assert_eq(st.tag[t].allocs, 0, "tag %s", dm_tag_name(t));
}

Test(acct, tags_are_counted_apart)
{
	void *a = dm_acct_alloc(A, DM_TAG_PARSER, 10);
	void *b = dm_acct_alloc(A, DM_TAG_OUTPUT, 20);
	void *c = dm_acct_alloc(A, DM_TAG_OUTPUT, 30);
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_PARSER].live, 10);
	cr_assert_eq(st.tag[DM_TAG_OUTPUT].live, 50);
	cr_assert_eq(st.tag[DM_TAG_OUTPUT].allocs, 2);
	cr_assert_eq(st.live, 60);
	dm_acct_dealloc(b);
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_OUTPUT].live, 30);
	cr_assert_eq(st.tag[DM_TAG_OUTPUT].peak, 50);
	dm_acct_dealloc(a);
	dm_acct_dealloc(c);
	cr_assert_str_eq(dm_tag_name(DM_TAG_PARSER), "parser");
	cr_assert_str_eq(dm_tag_name(DM_TAG_RECORDS), "records");
	cr_assert_str_eq(dm_tag_name(DM_TAG_LEAK), "leak");
	cr_assert_str_eq(dm_tag_name(DM_TAG_COUNT), "?");
}

Test(acct, peak_is_the_high_water_mark)
{
	void *a = dm_acct_alloc(A, DM_TAG_OTHER, 100);
	void *b = dm_acct_alloc(A, DM_TAG_OTHER, 200);
	dm_acct_dealloc(a);
	void *c = dm_acct_alloc(A, DM_TAG_OTHER, 50);
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.peak, 300);
	cr_assert_eq(st.live, 250);
	dm_acct_dealloc(b);
	dm_acct_dealloc(c);
	dm_acct_stats(A, &st);
	cr_assert_eq(st.peak, 300);
	cr_assert_eq(st.live, 0);
}

Test(acct, budget_refuses_at_exactly_the_right_byte)
{
	dm_acct_set_budget(A, 1000);
	cr_assert_eq(dm_acct_budget(A), 1000);
	void *a = dm_acct_alloc(A, DM_TAG_RECORDS, 600);
	cr_assert_not_null(a);
	/* 600 + 401 > 1000: refused */
	cr_assert_null(dm_acct_alloc(A, DM_TAG_RECORDS, 401));
	struct dm_acct_refusal why;
	cr_assert(dm_acct_last_refusal(A, &why));
	cr_assert_eq(why.limit, 1000);
	cr_assert_eq(why.in_use, 600);
	cr_assert_eq(why.request, 401);
	cr_assert_eq(why.tag, DM_TAG_RECORDS);
	cr_assert_eq(dm_acct_live(A), 600, "a refusal must not stay charged");
	/* 600 + 400 == 1000: accepted, the budget is inclusive */
	void *b = dm_acct_alloc(A, DM_TAG_PARSER, 400);
	cr_assert_not_null(b);
	cr_assert_eq(dm_acct_live(A), 1000);
	/* full: even one byte is refused */
	cr_assert_null(dm_acct_alloc(A, DM_TAG_OTHER, 1));
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.refused, 2);
	cr_assert_eq(st.budget, 1000);
	cr_assert_eq(st.tag[DM_TAG_OTHER].allocs, 0, "refused allocations are not counted");
	dm_acct_dealloc(a);
	/* room again */
	void *c = dm_acct_alloc(A, DM_TAG_OTHER, 600);
	cr_assert_not_null(c);
	dm_acct_dealloc(b);
	dm_acct_dealloc(c);
	/* 0 means unlimited */
	dm_acct_set_budget(A, 0);
	void *big = dm_acct_alloc(A, DM_TAG_OTHER, 1 << 20);
	cr_assert_not_null(big);
	dm_acct_dealloc(big);
}

Test(acct, no_refusal_reported_before_one_happens)
{
	struct dm_acct_refusal why;
	cr_assert_not(dm_acct_last_refusal(A, &why));
}

Test(acct, calloc_zeroes_and_checks_overflow)
{
	unsigned char *p = dm_acct_calloc(A, DM_TAG_OTHER, 16, 8);
	cr_assert_not_null(p);
	for (int i = 0; i < 128; i++)
		cr_assert_eq(p[i], 0);
	cr_assert_eq(dm_acct_size(p), 128);
	dm_acct_dealloc(p);
	cr_assert_null(dm_acct_calloc(A, DM_TAG_OTHER, SIZE_MAX / 2, 4));
	cr_assert_null(dm_acct_alloc(A, DM_TAG_OTHER, SIZE_MAX - 8));
	cr_assert_eq(dm_acct_live(A), 0);
}

Test(acct, realloc_moves_the_charge_not_the_count)
{
	char *p = dm_acct_realloc(A, DM_TAG_RECORDS, NULL, 100);
	cr_assert_not_null(p);
	memset(p, 'x', 100);
	p = dm_acct_realloc(A, DM_TAG_RECORDS, p, 5000);
	cr_assert_not_null(p);
	cr_assert_eq(p[99], 'x');
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.live, 5000);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 1, "a resize is not a new allocation");
	p = dm_acct_realloc(A, DM_TAG_RECORDS, p, 10);
	cr_assert_not_null(p);
	cr_assert_eq(p[9], 'x');
	dm_acct_stats(A, &st);
	cr_assert_eq(st.live, 10);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].live, 10);
	cr_assert_eq(dm_acct_size(p), 10);
	dm_acct_dealloc(p);
}

Test(acct, refused_realloc_leaves_the_block_alone)
{
	dm_acct_set_budget(A, 1000);
	char *p = dm_acct_alloc(A, DM_TAG_RECORDS, 500);
	cr_assert_not_null(p);
	memset(p, 'y', 500);
	cr_assert_null(dm_acct_realloc(A, DM_TAG_RECORDS, p, 1001));
	cr_assert_eq(dm_acct_live(A), 500);
	cr_assert_eq(dm_acct_size(p), 500);
	cr_assert_eq(p[499], 'y');
	/* growing to exactly the budget is fine */
	p = dm_acct_realloc(A, DM_TAG_RECORDS, p, 1000);
	cr_assert_not_null(p);
	cr_assert_eq(dm_acct_live(A), 1000);
	dm_acct_dealloc(p);
}

Test(acct, dealloc_accepts_null)
{
	dm_acct_dealloc(NULL);
	dm_acct_free(NULL);
	cr_assert_eq(dm_acct_size(NULL), 0);
}

Test(acct, parent_chain_charges_every_level)
{
	struct dm_acct *child = dm_acct_new(A, 0);
	cr_assert_not_null(child);
	void *p = dm_acct_alloc(child, DM_TAG_POOLS, 300);
	cr_assert_not_null(p);
	cr_assert_eq(dm_acct_live(child), 300);
	cr_assert_eq(dm_acct_live(A), 300);
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_POOLS].live, 300);
	cr_assert_eq(st.tag[DM_TAG_POOLS].allocs, 1);
	/* a free needs no context: the block knows its accountant */
	dm_acct_dealloc(p);
	cr_assert_eq(dm_acct_live(child), 0);
	cr_assert_eq(dm_acct_live(A), 0);
	dm_acct_free(child);
}

Test(acct, parent_budget_refuses_for_the_child)
{
	dm_acct_set_budget(A, 1000);
	struct dm_acct *c1 = dm_acct_new(A, 0);
	struct dm_acct *c2 = dm_acct_new(A, 800);
	cr_assert(c1 && c2);
	void *a = dm_acct_alloc(c1, DM_TAG_RECORDS, 700);
	cr_assert_not_null(a);
	/* c2's own budget has room (800) but the parent's has only 300 */
	cr_assert_null(dm_acct_alloc(c2, DM_TAG_RECORDS, 301));
	struct dm_acct_refusal why;
	cr_assert(dm_acct_last_refusal(c2, &why), "the child learns why it was refused");
	cr_assert_eq(why.limit, 1000);
	cr_assert_eq(why.in_use, 700);
	cr_assert_eq(why.request, 301);
	cr_assert(dm_acct_last_refusal(A, &why), "so does the level that refused");
	cr_assert_eq(why.limit, 1000);

	/* the refused charge is fully undone at every level, tags included */
	struct dm_acct_stats st;
	dm_acct_stats(c2, &st);
	cr_assert_eq(st.live, 0);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].live, 0);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 0);
	cr_assert_eq(st.peak, 0, "a refused allocation never was live");
	dm_acct_stats(A, &st);
	cr_assert_eq(st.live, 700);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].live, 700);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 1);

	void *b = dm_acct_alloc(c2, DM_TAG_RECORDS, 300);
	cr_assert_not_null(b, "exactly filling the parent is allowed");
	cr_assert_eq(dm_acct_live(A), 1000);
	dm_acct_dealloc(a);
	dm_acct_dealloc(b);
	dm_acct_free(c1);
	dm_acct_free(c2);
}

Test(acct, child_budget_refuses_without_touching_the_parent)
{
	struct dm_acct *c = dm_acct_new(A, 100);
	cr_assert_not_null(c);
	cr_assert_null(dm_acct_alloc(c, DM_TAG_OTHER, 101));
	cr_assert_eq(dm_acct_live(A), 0);
	struct dm_acct_refusal why;
	cr_assert_not(dm_acct_last_refusal(A, &why), "the parent did not refuse anything");
	cr_assert(dm_acct_last_refusal(c, &why));
	cr_assert_eq(why.limit, 100);
	void *p = dm_acct_alloc(c, DM_TAG_OTHER, 100);
	cr_assert_not_null(p);
	dm_acct_dealloc(p);
	dm_acct_free(c);
}

Test(acct, fail_after_fails_exactly_the_nth)
{
	dm_acct_fail_after(A, 3);
	void *a = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	void *b = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	void *c = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	void *d = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(c, "the third allocation must fail");
	cr_assert_not_null(d, "only one allocation fails");
	cr_assert_eq(dm_acct_live(A), 24);
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.refused, 1);
	dm_acct_dealloc(a);
	dm_acct_dealloc(b);
	dm_acct_dealloc(d);
}

Test(acct, fail_after_counts_growing_reallocs)
{
	char *p = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	dm_acct_fail_after(A, 1);
	cr_assert_null(dm_acct_realloc(A, DM_TAG_OTHER, p, 64));
	cr_assert_eq(dm_acct_live(A), 8);
	p = dm_acct_realloc(A, DM_TAG_OTHER, p, 64);
	cr_assert_not_null(p);
	dm_acct_dealloc(p);
}

Test(acct, fail_after_zero_turns_it_off)
{
	dm_acct_fail_after(A, 1);
	dm_acct_fail_after(A, 0);
	void *p = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	cr_assert_not_null(p);
	dm_acct_dealloc(p);
}

Test(acct, fail_after_counts_only_its_own_accountant)
{
	struct dm_acct *c = dm_acct_new(A, 0);
	dm_acct_fail_after(A, 1);
	void *p = dm_acct_alloc(c, DM_TAG_OTHER, 8);
	cr_assert_not_null(p, "the child's allocations are not the parent's to fail");
	void *q = dm_acct_alloc(A, DM_TAG_OTHER, 8);
	cr_assert_null(q);
	dm_acct_dealloc(p);
	dm_acct_free(c);
}

struct thread_arg {
	struct dm_acct *a;
	int n;
	int failed;   /* asserts belong to the test's own thread */
};

static void *hammer(void *arg)
{
	struct thread_arg *t = arg;
	for (int i = 0; i < t->n; i++) {
		void *p = dm_acct_alloc(t->a, DM_TAG_RECORDS, (size_t)(i % 64) + 1);
		if (!p)
			t->failed++;
		dm_acct_dealloc(p);
	}
	return NULL;
}

Test(acct, counters_survive_concurrent_use)
{
	struct dm_acct *c = dm_acct_new(A, 0);
	pthread_t th[4];
	struct thread_arg arg[4];
	for (int i = 0; i < 4; i++) {
		arg[i].a = i % 2 ? c : A;
		arg[i].n = 20000;
		arg[i].failed = 0;
		cr_assert_eq(pthread_create(&th[i], NULL, hammer, &arg[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(arg[i].failed, 0);
	}
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.live, 0);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 80000);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].frees, 80000);
	dm_acct_stats(c, &st);
	cr_assert_eq(st.tag[DM_TAG_RECORDS].allocs, 40000);
	dm_acct_free(c);
}

/* ---- the expat memory suite ---------------------------------------------- */

static const char small_doc[] =
	"<?xml version='1.0'?><a xmlns='urn:x'><b c='d'>text</b><b>more</b></a>";

Test(acct, expat_suite_charges_the_bound_accountant)
{
	struct dm_acct *prev = dm_acct_bind(A);
	XML_Parser xp = XML_ParserCreate_MM(NULL, dm_acct_expat_suite(), "\x01");
	cr_assert_not_null(xp);
	uint64_t after_create = dm_acct_live(A);
	cr_assert_gt(after_create, 0, "expat's allocations must be charged");
	struct dm_acct_stats st;
	dm_acct_stats(A, &st);
	cr_assert_eq(st.tag[DM_TAG_PARSER].live, after_create, "expat is charged to tag parser");
	cr_assert_eq(XML_Parse(xp, small_doc, (int)strlen(small_doc), 1), XML_STATUS_OK);
	XML_ParserFree(xp);
	cr_assert_eq(dm_acct_bind(prev), A, "bind returns the previous binding");
	cr_assert_eq(dm_acct_live(A), 0, "XML_ParserFree gives everything back");
}

Test(acct, expat_suite_refuses_when_unbound)
{
	struct dm_acct *prev = dm_acct_bind(NULL);
	XML_Parser xp = XML_ParserCreate_MM(NULL, dm_acct_expat_suite(), "\x01");
	cr_assert_null(xp, "no accountant bound: expat must not allocate behind the ledger");
	dm_acct_bind(prev);
}

Test(acct, expat_suite_respects_the_budget)
{
	dm_acct_set_budget(A, 512);
	struct dm_acct *prev = dm_acct_bind(A);
	XML_Parser xp = XML_ParserCreate_MM(NULL, dm_acct_expat_suite(), "\x01");
	dm_acct_bind(prev);
	cr_assert_null(xp, "expat needs more than 512 bytes to start");
	cr_assert_eq(dm_acct_live(A), 0, "a failed create gives back what it got");
	struct dm_acct_refusal why;
	cr_assert(dm_acct_last_refusal(A, &why));
	cr_assert_eq(why.tag, DM_TAG_PARSER);
}

Test(acct, expat_suite_survives_every_failed_allocation)
{
	/* expat's own alloc_tests pattern: fail the n-th allocation until the
	 * parse goes through; each run must clean up completely */
	int done = 0;
	for (long n = 1; n < 200 && !done; n++) {
		dm_acct_fail_after(A, n);
		struct dm_acct *prev = dm_acct_bind(A);
		XML_Parser xp = XML_ParserCreate_MM(NULL, dm_acct_expat_suite(), "\x01");
		if (xp) {
			done = XML_Parse(xp, small_doc, (int)strlen(small_doc), 1) == XML_STATUS_OK;
			if (!done)
				cr_assert_eq(XML_GetErrorCode(xp), XML_ERROR_NO_MEMORY, "n=%ld", n);
			XML_ParserFree(xp);
		}
		dm_acct_bind(prev);
		dm_acct_fail_after(A, 0);
		cr_assert_eq(dm_acct_live(A), 0, "n=%ld left bytes live", n);
	}
	cr_assert(done, "the parse never succeeded");
}
