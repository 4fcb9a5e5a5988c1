/* Object and buffer pools with GC-style reclamation of idle memory.
 *
 * A pool keeps up to max_size released objects idle for reuse. An object
 * pool hands out blocks of one size; a buffer pool (obj_size 0) hands out
 * byte buffers and keeps their capacity, preferring an idle buffer at least
 * as large as asked. Reclamation frees idle objects beyond a floor and
 * reports the bytes. All memory is charged to the accountant under
 * DM_TAG_POOLS while idle and in use. Each pool has its own mutex: the
 * owning worker gets and puts, the sampler thread may reclaim. A buffer
 * pool may also hold expat's input buffers between files (below). */
#ifndef DM_POOL_H
#define DM_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"

struct dm_pool;

struct dm_pool_stats {
	const char *name;
	size_t max_size;         /* most idle objects kept */
	size_t idle;             /* idle objects now */
	size_t in_use;           /* handed out, not yet put back */
	uint64_t idle_bytes;     /* capacity held by idle objects */
	uint64_t hits, misses;   /* gets served from idle / by a new allocation */
	uint64_t reclaimed_bytes;/* freed by reclamation so far */
	uint64_t reclaims;       /* reclamations that freed something */
};

/* name is borrowed (a literal); a must not be NULL. NULL on allocation
 * failure. */
struct dm_pool *dm_pool_new(struct dm_acct *a, const char *name, size_t obj_size,
                            size_t max_size);
/* Frees idle objects; objects still handed out must have been put back. */
void dm_pool_free(struct dm_pool *p);

/* An object (obj_size bytes) or a buffer with capacity >= want (*cap gets
 * the capacity; cap may be NULL for object pools). NULL when the
 * accountant refuses. Contents are not cleared. */
void *dm_pool_get(struct dm_pool *p, size_t want, size_t *cap);
/* Give back an object from dm_pool_get (NULL ignored): kept idle if fewer
 * than max_size are, else freed. */
void dm_pool_put(struct dm_pool *p, void *obj);

/* Free idle objects beyond floor (the floor most recently put are kept);
 * returns bytes freed, as the accountant counts them. Does not call
 * malloc_trim: the caller does, once, after reclaiming every pool. Any
 * thread. */
uint64_t dm_pool_reclaim(struct dm_pool *p, size_t floor);
/* Lowering the limit frees the excess idle objects now (not counted as
 * reclaimed). */
void dm_pool_set_max(struct dm_pool *p, size_t max_size);
void dm_pool_stats(struct dm_pool *p, struct dm_pool_stats *out);

/* expat's big blocks (DM_POOL_EXPAT_MIN bytes and more: its input buffer,
 * which is about twice chunk_size) from a buffer pool, so that they
 * outlive the parse they were made for: the next file's parser reuses
 * them, and a reclamation frees them. expat's memory suite has no user
 * pointer, so the pool is bound to the calling thread, as the accountant
 * is (acct_int.h): bind it on the parsing thread around a file's parse and
 * the dm_parser_release that frees expat. NULL unbinds; returns the pool
 * bound before. The suite itself (pool_int.h, for the parser) charges
 * smaller blocks, and every block while no pool is bound, as the plain
 * accounting suite does. The pool's accountant must be the one the parser
 * binds. */
#define DM_POOL_EXPAT_MIN (16 * 1024)
struct dm_pool *dm_pool_bind_expat(struct dm_pool *p);

#endif
