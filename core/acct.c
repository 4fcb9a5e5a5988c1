/* Counting allocator: per-tag counters, budget chain, expat memory suite. */
#include "config.h"
#include "acct.h"
#include "acct_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#define DM_ACCT_MAX_DEPTH 4

struct tag_ctr {
	atomic_uint_fast64_t allocs, frees, live, peak;
};

struct dm_acct {
	struct dm_acct *parent;
	atomic_uint_fast64_t budget;
	atomic_uint_fast64_t live, peak, refused;
	atomic_long fail_countdown;
	struct tag_ctr tag[DM_TAG_COUNT];
	pthread_mutex_t refusal_lock;
	int has_refusal;
	struct dm_acct_refusal refusal;
};

/* 16 bytes keeps malloc's alignment guarantee for the user block. */
struct hdr {
	struct dm_acct *owner;
	uint64_t size_tag; /* size << 4 | tag */
};

static _Thread_local struct dm_acct *bound_acct;

static const char *const tag_names[DM_TAG_COUNT] = {
	"parser", "records", "pools", "output", "other", "leak",
};

const char *dm_tag_name(enum dm_tag tag)
{
	return (unsigned)tag < DM_TAG_COUNT ? tag_names[tag] : "?";
}

struct dm_acct *dm_acct_new(struct dm_acct *parent, uint64_t budget)
{
	struct dm_acct *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->parent = parent;
	atomic_init(&a->budget, budget);
	pthread_mutex_init(&a->refusal_lock, NULL);
	return a;
}

void dm_acct_free(struct dm_acct *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->refusal_lock);
	free(a);
}

void dm_acct_set_budget(struct dm_acct *a, uint64_t budget)
{
	atomic_store_explicit(&a->budget, budget, memory_order_relaxed);
}

uint64_t dm_acct_budget(const struct dm_acct *a)
{
	return atomic_load_explicit(&((struct dm_acct *)a)->budget, memory_order_relaxed);
}

uint64_t dm_acct_live(const struct dm_acct *a)
{
	return atomic_load_explicit(&((struct dm_acct *)a)->live, memory_order_relaxed);
}

static void raise_peak(atomic_uint_fast64_t *peak, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(peak, memory_order_relaxed);
	while (v > cur && !atomic_compare_exchange_weak_explicit(
	               peak, &cur, v, memory_order_relaxed, memory_order_relaxed))
		;
}

static void note_refusal(struct dm_acct *a, enum dm_tag tag, uint64_t request,
                         uint64_t in_use, uint64_t limit)
{
	atomic_fetch_add_explicit(&a->refused, 1, memory_order_relaxed);
	pthread_mutex_lock(&a->refusal_lock);
	a->has_refusal = 1;
	a->refusal.limit = limit;
	a->refusal.in_use = in_use;
	a->refusal.request = request;
	a->refusal.tag = tag;
	pthread_mutex_unlock(&a->refusal_lock);
}

/* Undo a charge of n at levels [from, upto) of the chain starting at a. */
static void uncharge_levels(struct dm_acct *a, struct dm_acct *upto, uint64_t n)
{
	for (struct dm_acct *l = a; l && l != upto; l = l->parent)
		atomic_fetch_sub_explicit(&l->live, n, memory_order_relaxed);
}

/* Charge n bytes at every level or at none. Returns 0 on success.
 * The live totals are reserved level by level first; peaks and tag counters
 * move only once every level has accepted, so a refusal higher up leaves no
 * trace below it. */
static int charge(struct dm_acct *a, enum dm_tag tag, uint64_t n)
{
	long fc = atomic_load_explicit(&a->fail_countdown, memory_order_relaxed);
	if (fc > 0 && atomic_fetch_sub_explicit(&a->fail_countdown, 1,
	                                        memory_order_relaxed) == 1) {
		note_refusal(a, tag, n, dm_acct_live(a), dm_acct_budget(a));
		return -1;
	}
	uint64_t now[DM_ACCT_MAX_DEPTH];
	int depth = 0;
	for (struct dm_acct *l = a; l; l = l->parent, depth++) {
		uint64_t v = atomic_fetch_add_explicit(&l->live, n, memory_order_relaxed) + n;
		uint64_t budget = atomic_load_explicit(&l->budget, memory_order_relaxed);
		if (budget && v > budget) {
			atomic_fetch_sub_explicit(&l->live, n, memory_order_relaxed);
			uncharge_levels(a, l, n);
			note_refusal(a, tag, n, v - n, budget);
			if (l != a)
				note_refusal(l, tag, n, v - n, budget);
			return -1;
		}
		if (depth < DM_ACCT_MAX_DEPTH)
			now[depth] = v;
	}
	depth = 0;
	for (struct dm_acct *l = a; l; l = l->parent, depth++) {
		if (depth < DM_ACCT_MAX_DEPTH)
			raise_peak(&l->peak, now[depth]);
		else
			raise_peak(&l->peak, atomic_load_explicit(&l->live, memory_order_relaxed));
		struct tag_ctr *t = &l->tag[tag];
		atomic_fetch_add_explicit(&t->allocs, 1, memory_order_relaxed);
		uint64_t tl = atomic_fetch_add_explicit(&t->live, n, memory_order_relaxed) + n;
		raise_peak(&t->peak, tl);
	}
	return 0;
}

static void discharge(struct dm_acct *a, enum dm_tag tag, uint64_t n, int count_free)
{
	for (struct dm_acct *l = a; l; l = l->parent) {
		atomic_fetch_sub_explicit(&l->live, n, memory_order_relaxed);
		struct tag_ctr *t = &l->tag[tag];
		atomic_fetch_sub_explicit(&t->live, n, memory_order_relaxed);
		if (count_free)
			atomic_fetch_add_explicit(&t->frees, 1, memory_order_relaxed);
	}
}

void *dm_acct_alloc(struct dm_acct *a, enum dm_tag tag, size_t n)
{
	if (n > (SIZE_MAX >> 5) - sizeof(struct hdr))
		return NULL;
	if (charge(a, tag, n) != 0)
		return NULL;
	struct hdr *h = malloc(sizeof *h + n);
	if (!h) {
		discharge(a, tag, n, 1);
		note_refusal(a, tag, n, dm_acct_live(a), dm_acct_budget(a));
		return NULL;
	}
	h->owner = a;
	h->size_tag = (uint64_t)n << 4 | (unsigned)tag;
	return h + 1;
}

void *dm_acct_calloc(struct dm_acct *a, enum dm_tag tag, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = dm_acct_alloc(a, tag, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *dm_acct_realloc(struct dm_acct *a, enum dm_tag tag, void *p, size_t n)
{
	if (!p)
		return dm_acct_alloc(a, tag, n);
	struct hdr *h = (struct hdr *)p - 1;
	struct dm_acct *owner = h->owner;
	enum dm_tag otag = (enum dm_tag)(h->size_tag & 15);
	uint64_t old = h->size_tag >> 4;
	if (n > (SIZE_MAX >> 5) - sizeof(struct hdr))
		return NULL;
	if (n > old) {
		if (charge(owner, otag, n - old) != 0)
			return NULL;
		/* charge() counted an allocation; a resize is not one */
		for (struct dm_acct *l = owner; l; l = l->parent)
			atomic_fetch_sub_explicit(&l->tag[otag].allocs, 1, memory_order_relaxed);
	}
	struct hdr *nh = realloc(h, sizeof *nh + n);
	if (!nh) {
		if (n > old)
			discharge(owner, otag, n - old, 0);
		return NULL;
	}
	if (n < old)
		discharge(owner, otag, old - n, 0);
	nh->size_tag = (uint64_t)n << 4 | (unsigned)otag;
	return nh + 1;
}

void dm_acct_dealloc(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)p - 1;
	discharge(h->owner, (enum dm_tag)(h->size_tag & 15), h->size_tag >> 4, 1);
	free(h);
}

size_t dm_acct_size(const void *p)
{
	return p ? (size_t)(((const struct hdr *)p - 1)->size_tag >> 4) : 0;
}

struct dm_acct *dm_acct_owner(const void *p)
{
	return ((const struct hdr *)p - 1)->owner;
}

enum dm_tag dm_acct_tag(const void *p)
{
	return (enum dm_tag)(((const struct hdr *)p - 1)->size_tag & 15);
}

void dm_acct_stats(const struct dm_acct *ca, struct dm_acct_stats *out)
{
	struct dm_acct *a = (struct dm_acct *)ca;
	for (int i = 0; i < DM_TAG_COUNT; i++) {
		out->tag[i].allocs = atomic_load_explicit(&a->tag[i].allocs, memory_order_relaxed);
		out->tag[i].frees = atomic_load_explicit(&a->tag[i].frees, memory_order_relaxed);
		out->tag[i].live = atomic_load_explicit(&a->tag[i].live, memory_order_relaxed);
		out->tag[i].peak = atomic_load_explicit(&a->tag[i].peak, memory_order_relaxed);
	}
	out->live = atomic_load_explicit(&a->live, memory_order_relaxed);
	out->peak = atomic_load_explicit(&a->peak, memory_order_relaxed);
	out->budget = atomic_load_explicit(&a->budget, memory_order_relaxed);
	out->refused = atomic_load_explicit(&a->refused, memory_order_relaxed);
}

int dm_acct_last_refusal(const struct dm_acct *ca, struct dm_acct_refusal *out)
{
	struct dm_acct *a = (struct dm_acct *)ca;
	pthread_mutex_lock(&a->refusal_lock);
	int has = a->has_refusal;
	if (has)
		*out = a->refusal;
	pthread_mutex_unlock(&a->refusal_lock);
	return has;
}

void dm_acct_fail_after(struct dm_acct *a, long n)
{
	atomic_store_explicit(&a->fail_countdown, n > 0 ? n : 0, memory_order_relaxed);
}

struct dm_acct *dm_acct_bind(struct dm_acct *a)
{
	struct dm_acct *prev = bound_acct;
	bound_acct = a;
	return prev;
}

static void *expat_malloc(size_t n)
{
	/* An unbound thread has no budget to charge: refuse rather than
	 * allocate behind the ledger's back. */
	return bound_acct ? dm_acct_alloc(bound_acct, DM_TAG_PARSER, n) : NULL;
}

static void *expat_realloc(void *p, size_t n)
{
	if (!p)
		return expat_malloc(n);
	return dm_acct_realloc(NULL, DM_TAG_PARSER, p, n);
}

static const XML_Memory_Handling_Suite expat_suite = {
	expat_malloc, expat_realloc, dm_acct_dealloc,
};

const XML_Memory_Handling_Suite *dm_acct_expat_suite(void)
{
	return &expat_suite;
}
