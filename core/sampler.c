/* Memory samples of a process and of the system, and the sample ring.
 *
 * libproc2 gives VmRSS and the process state; it has no item for VmHWM,
 * so the peak and the RSS split by kind come from our own read of
 * /proc/PID/status. That file is
 * opened once and re-read with pread: a descriptor opened on a process
 * keeps naming that process, so when it is reaped and its pid reused the
 * read fails instead of silently describing a stranger. */
#include "config.h"
#include "sampler.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libproc2/meminfo.h>
#include <libproc2/pids.h>

/* status is about 1.5 KiB. Groups comes before VmHWM, so a process in
 * hundreds of supplementary groups could push VmHWM past the buffer; the
 * peak then falls back to the RSS (and the split to zeroes) rather than
 * failing the sample. */
#define STATUS_BUF 8192

enum { IT_RSS, IT_STATE };
static enum pids_item pid_items[] = { PIDS_VM_RSS, PIDS_STATE };

enum { MI_TOTAL, MI_AVAIL };
static enum meminfo_item mem_items[] = { MEMINFO_MEM_TOTAL, MEMINFO_MEM_AVAILABLE };

struct dm_sampler {
	pid_t pid;             /* resolved: never 0 */
	int self;
	struct dm_acct *acct;
	struct pids_info *pids;
	struct meminfo_info *mem;
	int status_fd;
	uint64_t peak;         /* highest RSS or VmHWM this sampler has seen */
	int tree;              /* descendants summed in */
	char status[STATUS_BUF];
};

static int read_meminfo(struct meminfo_info *mem, uint64_t *total, uint64_t *avail)
{
	/* select re-reads /proc/meminfo on every call; get would serve a
	 * value up to a second old, too coarse for 100 ms sampling. */
	struct meminfo_stack *st = procps_meminfo_select(mem, mem_items,
	                                                 (int)(sizeof mem_items / sizeof mem_items[0]));
	if (!st)
		return -1;
	*total = (uint64_t)MEMINFO_VAL(MI_TOTAL, ul_int, st, mem) * 1024;
	*avail = (uint64_t)MEMINFO_VAL(MI_AVAIL, ul_int, st, mem) * 1024;
	return 0;
}

int dm_sysmem(uint64_t *total, uint64_t *available)
{
	struct meminfo_info *mem = NULL;
	if (procps_meminfo_new(&mem) < 0)
		return DM_EIO;
	int rc = read_meminfo(mem, total, available);
	procps_meminfo_unref(&mem);
	return rc == 0 ? 0 : DM_EIO;
}

/* A kB figure from a "Key:\t  1234 kB" line of status, 0 when absent
 * (kernel threads and zombies have no Vm* lines). */
static uint64_t status_kb(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;
	while (p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return strtoull(p + klen + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

void dm_sampler_set_tree(struct dm_sampler *s, int on)
{
	s->tree = on && !s->self;
}

#define TREE_MAX 256

/* The children of pid's main thread, appended to list (up to max). */
static size_t children_of(pid_t pid, pid_t *list, size_t n, size_t max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return n;
	long c;
	while (n < max && fscanf(f, "%ld", &c) == 1)
		if (c > 0)
			list[n++] = (pid_t)c;
	fclose(f);
	return n;
}

/* Add the descendants' memory into out: breadth first, each read from
 * its own status once. A child that exits meanwhile is skipped. */
static void add_tree(struct dm_sampler *s, struct dm_sample *out)
{
	pid_t list[TREE_MAX];
	size_t n = children_of(s->pid, list, 0, TREE_MAX);
	char buf[STATUS_BUF], path[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/proc/%ld/status", (long)list[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t k = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (k <= 0)
			continue;
		buf[k] = '\0';
		struct dm_sample_child c = {.pid = (int32_t)list[i],
		                            .rss = status_kb(buf, "VmRSS") * 1024,
		                            .rss_anon = status_kb(buf, "RssAnon") * 1024};
		n = children_of(list[i], list, n, TREE_MAX);
		if (!c.rss)   /* on its way out, or a zombie: nothing resident */
			continue;
		out->rss += c.rss;
		out->rss_anon += c.rss_anon;
		out->rss_file += status_kb(buf, "RssFile") * 1024;
		out->rss_shmem += status_kb(buf, "RssShmem") * 1024;
		if (out->nchildren < DM_SAMPLE_CHILDREN)
			out->child[out->nchildren++] = c;
		out->children_total++;
	}
}

/* Re-read status through the open descriptor. 0, or -1 with errno. */
static int read_status(struct dm_sampler *s)
{
	ssize_t n = pread(s->status_fd, s->status, sizeof s->status - 1, 0);
	if (n <= 0) {
		if (n == 0)
			errno = ESRCH;
		return -1;
	}
	s->status[n] = '\0';
	return 0;
}

static int gone(pid_t pid, struct dm_error *err)
{
	return dm_error_set(err, DM_EIO, "process %ld has exited", (long)pid);
}

struct dm_sampler *dm_sampler_new(pid_t pid, struct dm_acct *acct, struct dm_error *err)
{
	if (pid < 0) {
		dm_error_set(err, DM_EIO, "invalid process id %ld", (long)pid);
		return NULL;
	}
	struct dm_sampler *s = calloc(1, sizeof *s);
	if (!s) {
		dm_error_set(err, DM_EIO, "cannot allocate the sampler");
		return NULL;
	}
	s->self = pid == 0 || pid == getpid();
	s->pid = pid ? pid : getpid();
	s->acct = acct;
	s->status_fd = -1;

	/* With a NULL info this only checks that /proc is mounted. */
	if (fatal_proc_unmounted(NULL, 0)) {
		dm_error_set(err, DM_EIO, "/proc is not mounted");
		goto fail;
	}
	int rc = procps_pids_new(&s->pids, pid_items,
	                         (int)(sizeof pid_items / sizeof pid_items[0]));
	if (rc < 0) {
		dm_error_set(err, DM_EIO, "libproc2: cannot set up process sampling: %s",
		             strerror(-rc));
		goto fail;
	}
	rc = procps_meminfo_new(&s->mem);
	if (rc < 0) {
		dm_error_set(err, DM_EIO, "libproc2: cannot read /proc/meminfo: %s",
		             strerror(-rc));
		goto fail;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/status", (long)s->pid);
	s->status_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->status_fd < 0) {
		if (errno == ENOENT)
			dm_error_set(err, DM_EIO, "no such process %ld", (long)s->pid);
		else
			dm_error_set(err, DM_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return s;
fail:
	dm_sampler_free(s);
	return NULL;
}

void dm_sampler_free(struct dm_sampler *s)
{
	if (!s)
		return;
	if (s->pids)
		procps_pids_unref(&s->pids);
	if (s->mem)
		procps_meminfo_unref(&s->mem);
	if (s->status_fd >= 0)
		close(s->status_fd);
	free(s);
}

int dm_sampler_read(struct dm_sampler *s, double t, struct dm_sample *out, struct dm_error *err)
{
	memset(out, 0, sizeof *out);
	out->t = t;
	out->wall_ms = dm_wall_ms();

	unsigned id = (unsigned)s->pid;
	struct pids_fetch *f = procps_pids_select(s->pids, &id, 1, PIDS_SELECT_PID);
	if (!f)
		return dm_error_set(err, DM_EIO, "libproc2: reading process %ld: %s",
		                    (long)s->pid, strerror(errno));
	if (f->counts->total < 1 || !f->stacks[0])
		return gone(s->pid, err);
	char state = PIDS_VAL(IT_STATE, s_ch, f->stacks[0], s->pids);
	/* An unreaped child stays in /proc as a zombie with no memory. */
	if (state == 'Z' || state == 'X')
		return gone(s->pid, err);
	out->rss = (uint64_t)PIDS_VAL(IT_RSS, ul_int, f->stacks[0], s->pids) * 1024;
	/* A process on its way out has dropped its memory before it turns
	 * zombie; a live one always has some resident. Its zero is not a
	 * sample: it would read as the whole heap given back. */
	if (out->rss == 0 && !s->self)
		return gone(s->pid, err);

	/* Read after the RSS so the high-water mark covers it. */
	if (read_status(s) != 0) {
		if (errno == ESRCH || errno == ENOENT)
			return gone(s->pid, err);
		return dm_error_set(err, DM_EIO, "/proc/%ld/status: %s", (long)s->pid,
		                    strerror(errno));
	}
	/* Since Linux 6.2 the RSS counters are per-CPU and VmHWM is recorded
	 * from their approximate sum, only when the RSS is about to shrink:
	 * it can sit a few hundred KiB below an RSS we already reported. A
	 * peak that falls would confuse every reader, so keep our own. */
	uint64_t hwm = status_kb(s->status, "VmHWM") * 1024;
	if (hwm > s->peak)
		s->peak = hwm;
	if (out->rss > s->peak)
		s->peak = out->rss;
	out->rss_peak = s->peak;
	/* Same read as the peak: the three add up to that read's VmRSS, a
	 * moment after the RSS above. "Is it heap or mapped files" is the
	 * first question about any growth. */
	out->rss_anon = status_kb(s->status, "RssAnon") * 1024;
	out->rss_file = status_kb(s->status, "RssFile") * 1024;
	out->rss_shmem = status_kb(s->status, "RssShmem") * 1024;
	if (!s->self)
		out->pid = (int32_t)s->pid;
	if (s->tree) {
		add_tree(s, out);
		/* VmHWM is the parent's alone: the tree's peak is ours */
		if (out->rss > s->peak)
			s->peak = out->rss;
		out->rss_peak = s->peak;
	}

	if (read_meminfo(s->mem, &out->mem_total, &out->mem_available) != 0)
		return dm_error_set(err, DM_EIO, "libproc2: reading /proc/meminfo: %s",
		                    strerror(errno));
	if (out->mem_total)
		out->mem_used_pct = 100.0 * (double)(out->mem_total - out->mem_available) /
		                    (double)out->mem_total;

#ifdef HAVE_MALLINFO2
	if (s->self) {
		struct mallinfo2 mi = mallinfo2();
		out->heap_inuse = mi.uordblks + mi.hblkhd;
		out->heap_free = mi.fordblks;
	}
#endif
	if (s->acct)
		dm_acct_stats(s->acct, &out->acct);
	return 0;
}

int dm_ring_init(struct dm_ring *r, struct dm_acct *acct, size_t cap)
{
	memset(r, 0, sizeof *r);
	if (cap == 0)
		return 0;
	r->plain = acct == NULL;
	r->v = acct ? dm_acct_calloc(acct, DM_TAG_OTHER, cap, sizeof *r->v)
	            : calloc(cap, sizeof *r->v);
	if (!r->v)
		return DM_ENOMEM;
	r->cap = cap;
	return 0;
}

void dm_ring_fini(struct dm_ring *r)
{
	if (r->plain)
		free(r->v);
	else
		dm_acct_dealloc(r->v);
	memset(r, 0, sizeof *r);
}

void dm_ring_push(struct dm_ring *r, const struct dm_sample *s)
{
	if (r->cap == 0)
		return;
	r->v[r->head] = *s;
	r->head = (r->head + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
}

const struct dm_sample *dm_ring_at(const struct dm_ring *r, size_t i)
{
	if (i >= r->n)
		return NULL;
	/* head - n is the oldest kept; add cap first to stay unsigned. */
	return &r->v[(r->head + r->cap - r->n + i) % r->cap];
}

const struct dm_sample *dm_ring_last(const struct dm_ring *r)
{
	return r->n ? dm_ring_at(r, r->n - 1) : NULL;
}

#if defined(__SANITIZE_ADDRESS__)
/* libproc2 keeps two 128 KiB read buffers per thread in thread-local
 * pointers and never frees them: when the sampler thread ends, they show
 * as leaked. Not ours, and bounded (one pair per sampler thread). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libproc2.so\n";
}
#endif
