/* Memory samples: RSS and peak RSS of a process, system memory through
 * libproc2, the malloc heap (mallinfo2) and the accounting counters; and
 * a fixed ring of samples.
 *
 * libproc2 is not thread-safe: every dm_sampler_* and dm_sysmem call must
 * happen on one thread (the session's sampler thread, or main before any
 * thread starts). The ring is plain data; lock it yourself if shared. */
#ifndef DM_SAMPLER_H
#define DM_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "acct.h"
#include "error.h"

/* Per-child figures of a process tree (dm_sampler_set_tree). */
#define DM_SAMPLE_CHILDREN 8
struct dm_sample_child {
	int32_t pid;
	uint64_t rss, rss_anon;
};

struct dm_sample {
	double t;                 /* seconds on the caller's clock */
	int64_t wall_ms;          /* CLOCK_REALTIME, ms since the epoch */
	uint64_t rss, rss_peak;   /* bytes: VmRSS; the most of VmHWM and RSS
	                           * this sampler has seen (never falls) */
	uint64_t rss_anon;        /* bytes of the RSS by kind (RssAnon, RssFile,
	                           * RssShmem of /proc/PID/status): heap and */
	uint64_t rss_file;        /* stacks, mapped files and executables, */
	uint64_t rss_shmem;       /* shared memory; 0 on kernels before 4.5 */
	uint64_t mem_total;       /* system MemTotal, bytes */
	uint64_t mem_available;   /* system MemAvailable, bytes */
	double mem_used_pct;      /* 100 * (total - available) / total */
	uint64_t heap_inuse;      /* mallinfo2 uordblks + hblkhd (self only) */
	uint64_t heap_free;       /* mallinfo2 fordblks (self only) */
	struct dm_acct_stats acct;/* zeroes when no accountant */
	int32_t pid;              /* the process sampled; 0 = this one */
	/* tree sampling: rss and the split above are the sum over the process
	 * and its descendants; the first DM_SAMPLE_CHILDREN descendants found
	 * are listed, all of them counted */
	uint32_t nchildren, children_total;
	struct dm_sample_child child[DM_SAMPLE_CHILDREN];
};

struct dm_sampler;

/* A sampler for pid (0 = this process), reading acct's counters too (acct
 * may be NULL). Fails with DM_EIO and a message when libproc2 cannot be
 * set up or the process does not exist. */
struct dm_sampler *dm_sampler_new(pid_t pid, struct dm_acct *acct, struct dm_error *err);
void dm_sampler_free(struct dm_sampler *s);

/* Sum the process's descendants into every sample from now on (children
 * of its main thread, found through /proc/PID/task/PID/children, to any
 * depth, at most 256 a sample). Not for this process. */
void dm_sampler_set_tree(struct dm_sampler *s, int on);

/* Take one sample stamped t. Returns 0, or DM_EIO when the process has
 * gone (err filled). */
int dm_sampler_read(struct dm_sampler *s, double t, struct dm_sample *out, struct dm_error *err);

/* System MemTotal and MemAvailable in bytes via libproc2. 0 or DM_EIO. */
int dm_sysmem(uint64_t *total, uint64_t *available);

/* A ring of the last cap samples. */
struct dm_ring {
	struct dm_sample *v;
	size_t cap, head, n;      /* head: next slot to write */
	int plain;                /* v is plain malloc'ed (no accountant) */
};

/* Storage from acct under DM_TAG_OTHER (acct may be NULL: plain malloc).
 * 0 or DM_ENOMEM. */
int dm_ring_init(struct dm_ring *r, struct dm_acct *acct, size_t cap);
void dm_ring_fini(struct dm_ring *r);
void dm_ring_push(struct dm_ring *r, const struct dm_sample *s);
/* i-th sample, 0 = oldest kept; NULL when i >= n. */
const struct dm_sample *dm_ring_at(const struct dm_ring *r, size_t i);
const struct dm_sample *dm_ring_last(const struct dm_ring *r);

#endif
