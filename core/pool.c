/* Object and buffer pools with reclamation of idle memory.
 *
 * Idle objects are kept on an intrusive singly linked list threaded through
 * their own first bytes, so keeping one idle costs no allocation and
 * dm_pool_set_max cannot fail. Every block is therefore at least one
 * pointer long. Capacities are the accountant's own figure (dm_acct_size),
 * so the bytes a reclamation reports are exactly the bytes the accountant
 * stops counting. Allocation and freeing happen outside the pool's lock:
 * the sampler thread reclaiming must not wait behind a worker's malloc. */
#include "config.h"
#include "pool.h"
#include "pool_int.h"

#include <pthread.h>
#include <string.h>

#include "acct_int.h"

#define MIN_BLOCK sizeof(void *)

struct idle {
	struct idle *next;
};

struct dm_pool {
	struct dm_acct *acct;
	const char *name;
	size_t obj_size;         /* 0 = buffer pool */
	pthread_mutex_t lock;
	/* under lock */
	size_t max_size;
	struct idle *idle;       /* most recently put first */
	size_t n_idle, in_use;
	uint64_t idle_bytes;
	uint64_t hits, misses, reclaimed_bytes, reclaims;
};

struct dm_pool *dm_pool_new(struct dm_acct *a, const char *name, size_t obj_size,
                            size_t max_size)
{
	if (!a)
		return NULL;
	struct dm_pool *p = dm_acct_calloc(a, DM_TAG_POOLS, 1, sizeof *p);
	if (!p)
		return NULL;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		dm_acct_dealloc(p);
		return NULL;
	}
	p->acct = a;
	p->name = name;
	p->obj_size = obj_size && obj_size < MIN_BLOCK ? MIN_BLOCK : obj_size;
	p->max_size = max_size;
	return p;
}

/* Free a detached chain; returns the bytes the accountant gave back. */
static uint64_t free_chain(struct idle *o)
{
	uint64_t bytes = 0;
	while (o) {
		struct idle *next = o->next;
		bytes += dm_acct_size(o);
		dm_acct_dealloc(o);
		o = next;
	}
	return bytes;
}

/* Detach the idle objects after the first keep; caller holds the lock. */
static struct idle *detach_beyond(struct dm_pool *p, size_t keep)
{
	if (p->n_idle <= keep)
		return NULL;
	struct idle **link = &p->idle;
	for (size_t i = 0; i < keep; i++)
		link = &(*link)->next;
	struct idle *chain = *link;
	*link = NULL;
	for (struct idle *o = chain; o; o = o->next) {
		p->idle_bytes -= dm_acct_size(o);
		p->n_idle--;
	}
	return chain;
}

void dm_pool_free(struct dm_pool *p)
{
	if (!p)
		return;
	free_chain(p->idle);
	pthread_mutex_destroy(&p->lock);
	dm_acct_dealloc(p);
}

/* Unlink the idle buffer that serves want best: the smallest that is large
 * enough, else (*short_one set) the largest, which is the cheapest to grow.
 * Caller holds the lock and has checked there is one. */
static struct idle *take_best(struct dm_pool *p, size_t want, int *short_one)
{
	struct idle **fit = NULL, **big = NULL;
	size_t fit_cap = SIZE_MAX, big_cap = 0;
	for (struct idle **l = &p->idle; *l; l = &(*l)->next) {
		size_t c = dm_acct_size(*l);
		if (c >= want && c < fit_cap) {
			fit = l;
			fit_cap = c;
		}
		if (!big || c > big_cap) {
			big = l;
			big_cap = c;
		}
	}
	struct idle **l = fit ? fit : big;
	*short_one = fit == NULL;
	struct idle *o = *l;
	*l = o->next;
	p->n_idle--;
	p->idle_bytes -= dm_acct_size(o);
	return o;
}

void *dm_pool_get(struct dm_pool *p, size_t want, size_t *cap)
{
	size_t need = p->obj_size ? p->obj_size : want < MIN_BLOCK ? MIN_BLOCK : want;
	struct idle *o = NULL;
	int short_one = 0;

	/* Counted as handed out at once, so idle + in_use never dips while the
	 * allocation below runs unlocked; a refusal takes it back. */
	pthread_mutex_lock(&p->lock);
	if (p->idle) {
		if (p->obj_size) {
			o = p->idle;
			p->idle = o->next;
			p->n_idle--;
			p->idle_bytes -= dm_acct_size(o);
		} else {
			o = take_best(p, need, &short_one);
		}
	}
	p->in_use++;
	if (o && !short_one)
		p->hits++;
	else
		p->misses++;
	pthread_mutex_unlock(&p->lock);

	void *r = o;
	if (!o)
		r = dm_acct_alloc(p->acct, DM_TAG_POOLS, need);
	else if (short_one)
		r = dm_acct_realloc(p->acct, DM_TAG_POOLS, o, need);
	if (!r) {
		pthread_mutex_lock(&p->lock);
		p->in_use--;
		p->misses--;
		if (o) {
			/* A refused realloc leaves the buffer ours: idle again. */
			o->next = p->idle;
			p->idle = o;
			p->n_idle++;
			p->idle_bytes += dm_acct_size(o);
		}
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	if (cap)
		*cap = dm_acct_size(r);
	return r;
}

void dm_pool_put(struct dm_pool *p, void *obj)
{
	if (!obj)
		return;
	struct idle *o = obj;
	pthread_mutex_lock(&p->lock);
	if (p->in_use)
		p->in_use--;
	if (p->n_idle < p->max_size) {
		o->next = p->idle;
		p->idle = o;
		p->n_idle++;
		p->idle_bytes += dm_acct_size(o);
		o = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	dm_acct_dealloc(o);
}

uint64_t dm_pool_reclaim(struct dm_pool *p, size_t floor)
{
	pthread_mutex_lock(&p->lock);
	struct idle *chain = detach_beyond(p, floor);
	pthread_mutex_unlock(&p->lock);
	uint64_t bytes = free_chain(chain);
	if (bytes) {
		pthread_mutex_lock(&p->lock);
		p->reclaimed_bytes += bytes;
		p->reclaims++;
		pthread_mutex_unlock(&p->lock);
	}
	return bytes;
}

void dm_pool_set_max(struct dm_pool *p, size_t max_size)
{
	/* Lowering the limit is configuration, not reclamation: the excess
	 * is freed but not counted in reclaimed_bytes. */
	pthread_mutex_lock(&p->lock);
	p->max_size = max_size;
	struct idle *chain = detach_beyond(p, max_size);
	pthread_mutex_unlock(&p->lock);
	free_chain(chain);
}

void dm_pool_stats(struct dm_pool *p, struct dm_pool_stats *out)
{
	pthread_mutex_lock(&p->lock);
	out->name = p->name;
	out->max_size = p->max_size;
	out->idle = p->n_idle;
	out->in_use = p->in_use;
	out->idle_bytes = p->idle_bytes;
	out->hits = p->hits;
	out->misses = p->misses;
	out->reclaimed_bytes = p->reclaimed_bytes;
	out->reclaims = p->reclaims;
	pthread_mutex_unlock(&p->lock);
}

/* ---- expat's input buffers ------------------------------------------- */

static _Thread_local struct dm_pool *expat_pool;

struct dm_pool *dm_pool_bind_expat(struct dm_pool *p)
{
	struct dm_pool *prev = expat_pool;
	expat_pool = p;
	return prev;
}

static void *get_block(struct dm_pool *p, size_t n)
{
	return p && n >= DM_POOL_EXPAT_MIN ? dm_pool_get(p, n, NULL)
	                                   : dm_acct_expat_suite()->malloc_fcn(n);
}

static void *pooled_malloc(size_t n)
{
	struct dm_pool *p = expat_pool;
	void *r = get_block(p, n);
	/* what the pool holds idle counts against the same budget: a parse
	 * is not refused memory its own pool is sitting on */
	if (!r && p && dm_pool_reclaim(p, 0))
		r = get_block(p, n);
	return r;
}

static void *pooled_realloc(void *ptr, size_t n)
{
	if (!ptr)
		return pooled_malloc(n);
	/* a pooled block keeps its tag through a resize, and so goes back to
	 * the pool when expat frees it */
	struct dm_pool *p = expat_pool;
	void *r = dm_acct_expat_suite()->realloc_fcn(ptr, n);
	if (!r && p && dm_pool_reclaim(p, 0))
		r = dm_acct_expat_suite()->realloc_fcn(ptr, n);
	return r;
}

static void pooled_free(void *ptr)
{
	struct dm_pool *p = expat_pool;
	if (ptr && p && dm_acct_tag(ptr) == DM_TAG_POOLS && dm_acct_owner(ptr) == p->acct)
		dm_pool_put(p, ptr);
	else
		dm_acct_dealloc(ptr);
}

static const XML_Memory_Handling_Suite pooled_suite = {
	pooled_malloc, pooled_realloc, pooled_free,
};

const XML_Memory_Handling_Suite *dm_pool_expat_suite(void)
{
	return &pooled_suite;
}
