/* memgrow: a process whose memory grows in a known way, for testing and
 * benchmarking the growth detector on real RSS. Memory is malloc'd and
 * every page written, so it shows in the RSS as a real program's would.
 *
 *   memgrow [options] leak RATE            RATE per second, never freed
 *   memgrow [options] churn RATE+LEAK      allocate-and-free RATE/s, leak LEAK/s
 *   memgrow [options] step SIZE            SIZE at once, kept
 *   memgrow [options] cache SIZE SECONDS   fill SIZE over SECONDS, then flat
 *   memgrow [options] sawtooth PERIOD AMPLITUDE
 *                                          fill AMPLITUDE over PERIOD s, free, again
 *   memgrow [options] phases RATE:S[,RATE:S...]
 *                                          leak at each RATE for S seconds
 *                                          in turn (0 holds), then hold
 *   memgrow [options] flat                 nothing
 *
 * Sizes take K, M, G (powers of 1024); a rate may end in /s, /min or /h.
 * Options: --delay S (flat for S seconds first), --duration S (exit 0
 * after S seconds; default: until SIGTERM or SIGINT), --children N (N
 * children do the same, for process-tree tests; they die with the
 * parent), --pids (print the parent's and children's pids, one a line,
 * once they run). Exit 0, or 2 on bad arguments, 1 if memory runs out. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"

#define LEAK_BLOCK (64u * 1024u)     /* heap, below the mmap threshold */
#define FREE_BLOCK (256u * 1024u)    /* mmapped: freeing gives it back */
#define TICK_NS 10000000L            /* 10 ms */
#define CHURN_HOLD 0.25              /* s a churn block lives */

enum mode { M_LEAK, M_CHURN, M_STEP, M_CACHE, M_SAW, M_PHASES, M_FLAT };

#define MAX_PHASES 8

struct plan {
	enum mode mode;
	double rate, churn;          /* bytes/s */
	double size, seconds;        /* step, cache: bytes; cache: s */
	double period, amplitude;    /* sawtooth */
	double delay, duration;
	double phase_rate[MAX_PHASES], phase_secs[MAX_PHASES];   /* phases */
	unsigned nphases;
	unsigned children;
	int print_pids;
};

/* Blocks freed as a group (churn by age, sawtooth all at once). */
struct block {
	struct block *next;
	double born;
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: memgrow [--delay S] [--duration S] [--children N] [--pids] MODE ARGS\n"
	        "  leak RATE | churn RATE+LEAK | step SIZE | cache SIZE SECONDS |\n"
	        "  sawtooth PERIOD AMPLITUDE | phases RATE:S[,RATE:S...] | flat\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double parse_size_arg(const char *s)
{
	uint64_t v;
	if (dm_parse_size(s, &v) != 0) {
		fprintf(stderr, "memgrow: '%s' is not a size\n", s);
		exit(2);
	}
	return (double)v;
}

/* "5M", "5M/s", "1M/min", "10M/h": bytes per second. */
static double parse_rate(const char *s)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	double per = 1;
	if (slash) {
		*slash++ = '\0';
		if (strcmp(slash, "min") == 0 || strcmp(slash, "m") == 0)
			per = 60;
		else if (strcmp(slash, "h") == 0)
			per = 3600;
		else if (strcmp(slash, "s") != 0) {
			fprintf(stderr, "memgrow: '%s': a rate is per s, min or h\n", s);
			exit(2);
		}
	}
	return parse_size_arg(buf) / per;
}

static double parse_seconds(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= 0) || v > 1e7) {
		fprintf(stderr, "memgrow: '%s' is not a number of seconds\n", s);
		exit(2);
	}
	return v;
}

static void *touched(size_t n)
{
	char *p = malloc(n);
	if (!p) {
		fprintf(stderr, "memgrow: out of memory\n");
		exit(1);
	}
	memset(p, 0x5a, n);
	return p;
}

/* Leaked memory, in LEAK_BLOCK pieces; never freed. The pointer chain
 * keeps it reachable, so it is not optimised away. */
static void *leaked;

static void leak_bytes(double *owed)
{
	while (*owed >= LEAK_BLOCK) {
		void **b = touched(LEAK_BLOCK);
		*b = leaked;
		leaked = b;
		*owed -= LEAK_BLOCK;
	}
}

static struct block *grab(struct block *list, double t)
{
	struct block *b = touched(FREE_BLOCK);
	b->next = list;
	b->born = t;
	return b;
}

static struct block *free_older(struct block *list, double before)
{
	struct block **p = &list;
	while (*p) {
		if ((*p)->born < before) {
			struct block *dead = *p;
			*p = dead->next;
			free(dead);
		} else {
			p = &(*p)->next;
		}
	}
	return list;
}

/* Bytes the phases have leaked by time t of the run. */
static double phases_grown(const struct plan *pl, double t)
{
	double sum = 0, t0 = 0;
	for (unsigned k = 0; k < pl->nphases && t > t0; k++) {
		double in = t - t0 < pl->phase_secs[k] ? t - t0 : pl->phase_secs[k];
		sum += pl->phase_rate[k] * in;
		t0 += pl->phase_secs[k];
	}
	return sum;
}

/* "8M/s:10,0:5,24M:8": RATE:SECONDS pairs. */
static void parse_phases(struct plan *pl, const char *arg)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');
		if (!colon || pl->nphases == MAX_PHASES)
			usage();
		*colon = '\0';
		pl->phase_rate[pl->nphases] = strcmp(tok, "0") == 0 ? 0 : parse_rate(tok);
		pl->phase_secs[pl->nphases++] = parse_seconds(colon + 1);
	}
	if (!pl->nphases)
		usage();
}

static void run(const struct plan *pl)
{
	double start = now_s();
	double leak_owed = 0, churn_owed = 0, held = 0;
	double t_prev = 0;
	long cycle = 0;
	int stepped = 0;
	struct block *blocks = NULL;
	while (!quit) {
		double t = now_s() - start;
		if (pl->duration > 0 && t >= pl->duration)
			break;
		double run_t = t - pl->delay, dt = t - t_prev;
		t_prev = t;
		if (run_t >= 0) {
			double since = run_t - dt < 0 ? run_t : dt;
			switch (pl->mode) {
			case M_LEAK:
				leak_owed += pl->rate * since;
				leak_bytes(&leak_owed);
				break;
			case M_CHURN:
				leak_owed += pl->rate * since;
				leak_bytes(&leak_owed);
				churn_owed += pl->churn * since;
				for (; churn_owed >= FREE_BLOCK; churn_owed -= FREE_BLOCK)
					blocks = grab(blocks, t);
				blocks = free_older(blocks, t - CHURN_HOLD);
				break;
			case M_STEP:
				if (!stepped) {
					for (double n = 0; n < pl->size; n += FREE_BLOCK)
						blocks = grab(blocks, t);
					stepped = 1;
				}
				break;
			case M_CACHE: {
				double want = pl->seconds > 0 ? pl->size * (run_t < pl->seconds ? run_t / pl->seconds : 1)
				                              : pl->size;
				for (; held + FREE_BLOCK <= want; held += FREE_BLOCK)
					blocks = grab(blocks, t);
				break;
			}
			case M_SAW: {
				long c = (long)(run_t / pl->period);
				if (c != cycle) {
					blocks = free_older(blocks, t + 1);
					held = 0;
					cycle = c;
				}
				double phase = run_t - pl->period * (double)c;
				double want = pl->amplitude * phase / pl->period;
				for (; held + FREE_BLOCK <= want; held += FREE_BLOCK)
					blocks = grab(blocks, t);
				break;
			}
			case M_PHASES:
				leak_owed += phases_grown(pl, run_t) - phases_grown(pl, run_t - since);
				leak_bytes(&leak_owed);
				break;
			case M_FLAT:
				break;
			}
		}
		struct timespec ts = {0, TICK_NS};
		nanosleep(&ts, NULL);
	}
	free_older(blocks, 1e300);
}

int main(int argc, char **argv)
{
	struct plan pl = {.mode = M_FLAT};
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--pids") == 0)
			pl.print_pids = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--delay") == 0)
			pl.delay = parse_seconds(argv[++i]);
		else if (strcmp(argv[i], "--duration") == 0)
			pl.duration = parse_seconds(argv[++i]);
		else if (strcmp(argv[i], "--children") == 0) {
			double n = parse_seconds(argv[++i]);
			if (n > 256 || n != (double)(unsigned)n)
				usage();
			pl.children = (unsigned)n;
		} else
			usage();
	}
	if (i >= argc)
		usage();
	const char *m = argv[i++];
	int left = argc - i;
	if (strcmp(m, "leak") == 0 && left == 1) {
		pl.mode = M_LEAK;
		pl.rate = parse_rate(argv[i]);
	} else if (strcmp(m, "churn") == 0 && left == 1) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", argv[i]);
		char *plus = strchr(buf, '+');
		if (!plus)
			usage();
		*plus = '\0';
		pl.mode = M_CHURN;
		pl.churn = parse_rate(buf);
		pl.rate = parse_rate(plus + 1);
	} else if (strcmp(m, "step") == 0 && left == 1) {
		pl.mode = M_STEP;
		pl.size = parse_size_arg(argv[i]);
	} else if (strcmp(m, "cache") == 0 && left == 2) {
		pl.mode = M_CACHE;
		pl.size = parse_size_arg(argv[i]);
		pl.seconds = parse_seconds(argv[i + 1]);
	} else if (strcmp(m, "sawtooth") == 0 && left == 2) {
		pl.mode = M_SAW;
		pl.period = parse_seconds(argv[i]);
		pl.amplitude = parse_size_arg(argv[i + 1]);
		if (!(pl.period > 0))
			usage();
	} else if (strcmp(m, "phases") == 0 && left == 1) {
		pl.mode = M_PHASES;
		parse_phases(&pl, argv[i]);
	} else if (strcmp(m, "flat") == 0 && left == 0) {
		pl.mode = M_FLAT;
	} else {
		usage();
	}

	/* A fixed threshold: glibc would otherwise raise it after the first
	 * free, and freed blocks would stay in the heap instead of leaving
	 * the RSS, which is not the shape asked for. */
	mallopt(M_MMAP_THRESHOLD, FREE_BLOCK / 2);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pid_t parent = getpid(), kids[256];
	if (pl.print_pids)
		printf("%ld\n", (long)parent);
	for (unsigned c = 0; c < pl.children; c++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("memgrow: fork");
			return 1;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
			pl.children = 0;
			run(&pl);
			_exit(0);
		}
		kids[c] = pid;
		if (pl.print_pids)
			printf("%ld\n", (long)pid);
	}
	if (pl.print_pids)
		fflush(stdout);
	run(&pl);
	for (unsigned c = 0; c < pl.children; c++)
		kill(kids[c], SIGTERM);
	for (unsigned c = 0; c < pl.children; c++)
		while (waitpid(kids[c], NULL, 0) < 0 && errno == EINTR)
			;
	return 0;
}
