/* The sampler against the kernel's own figures, and the sample ring. */
#include "config.h"
#include "sampler.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024u * 1024u)

/* Read a small /proc file without stdio, whose buffer would be a fresh
 * malloc and could move the RSS we are about to compare. */
static size_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

static uint64_t statm_rss(void)
{
	char buf[256];
	slurp("/proc/self/statm", buf, sizeof buf);
	unsigned long long size, resident;
	cr_assert_eq(sscanf(buf, "%llu %llu", &size, &resident), 2);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t meminfo_kb(const char *key)
{
	char buf[8192];
	slurp("/proc/meminfo", buf, sizeof buf);
	const char *p = strstr(buf, key);
	cr_assert_not_null(p, "%s not in /proc/meminfo", key);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

static struct dm_sampler *must_new(pid_t pid, struct dm_acct *acct)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_sampler *s = dm_sampler_new(pid, acct, &err);
	cr_assert_not_null(s, "dm_sampler_new(%ld): %s", (long)pid, err.msg);
	return s;
}

static void must_read(struct dm_sampler *s, struct dm_sample *out)
{
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_sampler_read(s, 1.0, out, &err);
	cr_assert_eq(rc, 0, "dm_sampler_read: %s", err.msg);
}

Test(sampler, rss_agrees_with_statm)
{
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample smp;
	/* The first read lets libproc2 make its lasting allocations. */
	must_read(s, &smp);
	/* statm and VmRSS come from the same counters, so a sample taken
	 * between two statm reads lies between them (20000 tries here found
	 * it never outside). The 16 pages allow for what a sample touches
	 * that the statm after it has not yet seen. */
	uint64_t slack = 16 * (uint64_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < 20; i++) {
		uint64_t before = statm_rss();
		must_read(s, &smp);
		uint64_t after = statm_rss();
		uint64_t lo = before < after ? before : after;
		uint64_t hi = before < after ? after : before;
		cr_assert_geq(smp.rss + slack, lo, "rss %llu below statm %llu",
		              (unsigned long long)smp.rss, (unsigned long long)lo);
		cr_assert_leq(smp.rss, hi + slack, "rss %llu above statm %llu",
		              (unsigned long long)smp.rss, (unsigned long long)hi);
	}
	dm_sampler_free(s);
}

Test(sampler, peak_covers_rss_and_never_falls)
{
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample a, b, c;
	must_read(s, &a);
	cr_assert_gt(a.rss, 0);
	cr_assert_geq(a.rss_peak, a.rss);

	size_t n = 32 * MiB;
	char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m, MAP_FAILED);
	memset(m, 1, n);
	must_read(s, &b);
	cr_assert_geq(b.rss, a.rss + n - 2 * MiB);
	cr_assert_geq(b.rss_peak, b.rss);

	munmap(m, n);
	must_read(s, &c);
	cr_assert_lt(c.rss, b.rss - n / 2, "unmapping did not lower the RSS");
	cr_assert_geq(c.rss_peak, b.rss, "the high-water mark fell");
	dm_sampler_free(s);
}

static uint64_t status_kb(const char *key)
{
	char buf[8192];
	slurp("/proc/self/status", buf, sizeof buf);
	const char *p = strstr(buf, key);
	cr_assert_not_null(p, "%s not in /proc/self/status", key);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

Test(sampler, rss_split_by_kind_agrees_with_status)
{
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample smp;
	must_read(s, &smp);
	uint64_t slack = 64 * (uint64_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < 10; i++) {
		uint64_t anon0 = status_kb("RssAnon:") * 1024, file0 = status_kb("RssFile:") * 1024;
		uint64_t shm0 = status_kb("RssShmem:") * 1024;
		must_read(s, &smp);
		uint64_t anon1 = status_kb("RssAnon:") * 1024, file1 = status_kb("RssFile:") * 1024;
		uint64_t shm1 = status_kb("RssShmem:") * 1024;
		cr_assert(smp.rss_anon + slack >= (anon0 < anon1 ? anon0 : anon1) &&
		          smp.rss_anon <= (anon0 > anon1 ? anon0 : anon1) + slack,
		          "anon %llu vs %llu..%llu", (unsigned long long)smp.rss_anon,
		          (unsigned long long)anon0, (unsigned long long)anon1);
		cr_assert(smp.rss_file + slack >= (file0 < file1 ? file0 : file1) &&
		          smp.rss_file <= (file0 > file1 ? file0 : file1) + slack);
		cr_assert(smp.rss_shmem + slack >= (shm0 < shm1 ? shm0 : shm1) &&
		          smp.rss_shmem <= (shm0 > shm1 ? shm0 : shm1) + slack);
	}
	/* The kernel's VmRSS is the sum of the three. */
	uint64_t sum = smp.rss_anon + smp.rss_file + smp.rss_shmem;
	cr_assert(sum + slack >= smp.rss && sum <= smp.rss + slack, "split %llu, rss %llu",
	          (unsigned long long)sum, (unsigned long long)smp.rss);
	dm_sampler_free(s);
}

Test(sampler, rss_split_tells_heap_from_mapped_files_and_shared_memory)
{
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample a, b;
	must_read(s, &a);
	size_t n = 16 * MiB;
	char *anon = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(anon, MAP_FAILED);
	memset(anon, 1, n);

	/* A file mapping, read through: file pages, not anonymous ones. */
	char path[] = "/tmp/dm-sampler-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(ftruncate(fd, (off_t)n), 0);
	char *file = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_neq(file, MAP_FAILED);
	memset(file, 2, n);
	char *shm = mmap(NULL, n / 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(shm, MAP_FAILED);
	memset(shm, 3, n / 2);

	must_read(s, &b);
	cr_assert_geq(b.rss_anon, a.rss_anon + n - 2 * MiB, "anon %llu -> %llu",
	              (unsigned long long)a.rss_anon, (unsigned long long)b.rss_anon);
	/* A shared file mapping of tmpfs counts as shmem, of a disk file as
	 * file: together they hold the 16 MiB, and the anonymous shared
	 * memory is shmem. */
	cr_assert_geq(b.rss_file + b.rss_shmem, a.rss_file + a.rss_shmem + n + n / 2 - 2 * MiB);
	cr_assert_geq(b.rss_shmem, a.rss_shmem + n / 2 - MiB, "shmem %llu -> %llu",
	              (unsigned long long)a.rss_shmem, (unsigned long long)b.rss_shmem);
	munmap(anon, n);
	munmap(file, n);
	munmap(shm, n / 2);
	close(fd);
	dm_sampler_free(s);
}

Test(sampler, system_memory_matches_meminfo)
{
	uint64_t total, avail;
	cr_assert_eq(dm_sysmem(&total, &avail), 0);
	uint64_t k_total = meminfo_kb("MemTotal:") * 1024;
	uint64_t k_avail = meminfo_kb("MemAvailable:") * 1024;
	cr_assert_gt(total, 16 * MiB);
	cr_assert_leq(avail, total);
	/* MemTotal is fixed; MemAvailable moves with the rest of the machine,
	 * so allow 1% of the total between the two reads. */
	cr_assert_eq(total, k_total);
	uint64_t tol = total / 100;
	cr_assert_leq(avail, k_avail + tol);
	cr_assert_geq(avail + tol, k_avail);

	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample smp;
	must_read(s, &smp);
	cr_assert_eq(smp.mem_total, total);
	cr_assert_leq(smp.mem_available, avail + tol);
	cr_assert_geq(smp.mem_available + tol, avail);
	double pct = 100.0 * (double)(smp.mem_total - smp.mem_available) / (double)smp.mem_total;
	cr_assert_float_eq(smp.mem_used_pct, pct, 1e-9);
	cr_assert(smp.mem_used_pct >= 0.0 && smp.mem_used_pct <= 100.0);
	dm_sampler_free(s);
}

Test(sampler, stamps_time)
{
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample smp;
	struct dm_error err;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	cr_assert_eq(dm_sampler_read(s, 12.5, &smp, &err), 0);
	cr_assert_float_eq(smp.t, 12.5, 1e-12);
	cr_assert_geq(smp.wall_ms, now);
	cr_assert_lt(smp.wall_ms, now + 5000);
	dm_sampler_free(s);
}

Test(sampler, accountant_counters_in_the_sample)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	void *r = dm_acct_alloc(a, DM_TAG_RECORDS, 1000);
	void *q = dm_acct_alloc(a, DM_TAG_PARSER, 24);
	cr_assert(r && q);

	struct dm_sampler *s = must_new(0, a);
	struct dm_sample smp;
	must_read(s, &smp);
	cr_assert_eq(smp.acct.tag[DM_TAG_RECORDS].live, 1000);
	cr_assert_eq(smp.acct.tag[DM_TAG_RECORDS].allocs, 1);
	cr_assert_eq(smp.acct.tag[DM_TAG_PARSER].live, 24);
	cr_assert_eq(smp.acct.live, 1024);

	dm_acct_dealloc(r);
	must_read(s, &smp);
	cr_assert_eq(smp.acct.tag[DM_TAG_RECORDS].live, 0);
	cr_assert_eq(smp.acct.tag[DM_TAG_RECORDS].frees, 1);
	cr_assert_eq(smp.acct.peak, 1024);
	dm_sampler_free(s);
	dm_acct_dealloc(q);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);

	s = must_new(0, NULL);
	must_read(s, &smp);
	cr_assert_eq(smp.acct.live, 0);
	cr_assert_eq(smp.acct.tag[DM_TAG_PARSER].allocs, 0);
	dm_sampler_free(s);
}

Test(sampler, heap_from_mallinfo2)
{
#if !defined(HAVE_MALLINFO2)
	cr_skip_test("no mallinfo2");
#elif defined(__SANITIZE_ADDRESS__)
	cr_skip_test("ASan's allocator is not glibc's heap");
#else
	struct dm_sampler *s = must_new(0, NULL);
	struct dm_sample a, b;
	must_read(s, &a);
	cr_assert_gt(a.heap_inuse, 0);
	char *m = malloc(4 * MiB);
	cr_assert_not_null(m);
	memset(m, 1, 4 * MiB);
	must_read(s, &b);
	cr_assert_geq(b.heap_inuse, a.heap_inuse + 4 * MiB);
	free(m);
	dm_sampler_free(s);
#endif
}

/* A child that touches mb MiB, says so on the pipe, then waits; it dies
 * with this process should an assertion end the test first. mmap, since a
 * malloc'ed buffer that is only written may be optimised away. */
static pid_t spawn_hog(size_t mb)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t parent = getpid();
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		alarm(60);
		close(fds[0]);
		char *m = mmap(NULL, mb * MiB, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			_exit(1);
		memset(m, 0x5a, mb * MiB);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	char c;
	cr_assert_eq(read(fds[0], &c, 1), 1, "the child did not start");
	close(fds[0]);
	return pid;
}

Test(sampler, child_process_then_gone)
{
	pid_t pid = spawn_hog(50);
	struct dm_sampler *s = must_new(pid, NULL);
	struct dm_sample smp;
	must_read(s, &smp);
	cr_assert_geq(smp.rss, 50 * MiB, "child rss %llu", (unsigned long long)smp.rss);
	cr_assert_geq(smp.rss_anon, 50 * MiB, "the child's touched memory is anonymous");
	cr_assert_lt(smp.rss_file, smp.rss - 50 * MiB + MiB);
	cr_assert_geq(smp.rss_peak, smp.rss);
	cr_assert_eq(smp.heap_inuse, 0, "mallinfo2 describes only this process");
	cr_assert_gt(smp.mem_total, 0);

	/* Killed but not reaped: a zombie, still in /proc, no longer sampled. */
	cr_assert_eq(kill(pid, SIGKILL), 0);
	struct dm_error err;
	dm_error_clear(&err);
	int rc = 0;
	for (int i = 0; i < 2000 && rc == 0; i++) {
		rc = dm_sampler_read(s, 2.0, &smp, &err);
		if (rc == 0)
			usleep(1000);
	}
	cr_assert_eq(rc, DM_EIO);
	char want[64];
	snprintf(want, sizeof want, "process %ld has exited", (long)pid);
	cr_assert_str_eq(err.msg, want);

	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	dm_error_clear(&err);
	cr_assert_eq(dm_sampler_read(s, 3.0, &smp, &err), DM_EIO);
	cr_assert_str_eq(err.msg, want);
	dm_sampler_free(s);
}

Test(sampler, exited_pid_is_refused)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_null(dm_sampler_new(pid, NULL, &err));
	cr_assert_eq(err.code, DM_EIO);
	cr_assert_not_null(strstr(err.msg, "no such process"), "%s", err.msg);

	dm_error_clear(&err);
	cr_assert_null(dm_sampler_new(-3, NULL, &err));
	cr_assert_eq(err.code, DM_EIO);
}

static void fill(struct dm_sample *smp, double t)
{
	memset(smp, 0, sizeof *smp);
	smp->t = t;
	smp->rss = (uint64_t)t * 4096;
}

static uint64_t live_other(struct dm_acct *a)
{
	struct dm_acct_stats st;
	dm_acct_stats(a, &st);
	return st.tag[DM_TAG_OTHER].live;
}

static void check_ring(struct dm_acct *a)
{
	struct dm_ring r;
	cr_assert_eq(dm_ring_init(&r, a, 4), 0);
	if (a)
		cr_assert_eq(live_other(a), 4 * sizeof(struct dm_sample));
	cr_assert_null(dm_ring_last(&r));
	cr_assert_null(dm_ring_at(&r, 0));

	struct dm_sample smp;
	for (int i = 0; i < 3; i++) {
		fill(&smp, i);
		dm_ring_push(&r, &smp);
	}
	cr_assert_eq(r.n, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_float_eq(dm_ring_at(&r, i)->t, (double)i, 1e-12);
	cr_assert_null(dm_ring_at(&r, 3));

	for (int i = 3; i < 10; i++) {
		fill(&smp, i);
		dm_ring_push(&r, &smp);
		cr_assert_float_eq(dm_ring_last(&r)->t, (double)i, 1e-12);
	}
	cr_assert_eq(r.n, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_float_eq(dm_ring_at(&r, i)->t, 6.0 + (double)i, 1e-12);
		cr_assert_eq(dm_ring_at(&r, i)->rss, (6 + i) * 4096);
	}
	cr_assert_null(dm_ring_at(&r, 4));
	dm_ring_fini(&r);
	cr_assert_eq(r.n, 0);
	cr_assert_null(r.v);
}

Test(ring, keeps_the_last_cap_in_order_with_an_accountant)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	check_ring(a);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

Test(ring, keeps_the_last_cap_in_order_with_malloc)
{
	check_ring(NULL);
}

Test(ring, refused_storage)
{
	struct dm_acct *a = dm_acct_new(NULL, 100);
	struct dm_ring r;
	cr_assert_eq(dm_ring_init(&r, a, 4), DM_ENOMEM);
	cr_assert_null(r.v);
	dm_ring_fini(&r);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

Test(ring, zero_capacity_keeps_nothing)
{
	struct dm_ring r;
	cr_assert_eq(dm_ring_init(&r, NULL, 0), 0);
	struct dm_sample smp;
	fill(&smp, 1);
	dm_ring_push(&r, &smp);
	cr_assert_eq(r.n, 0);
	cr_assert_null(dm_ring_last(&r));
	dm_ring_fini(&r);
}
