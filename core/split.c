/* Parallel parse of one file: split points found just ahead of the
 * segment threads, a ring of segments in flight, ordered output, and the
 * single-threaded fallback. See split.h for the rules. */
#include "config.h"
#include "split.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "parser.h"

#define SEG_MIN (1u << 20)
#define SEG_MAX (2u << 20)   /* bounds each segment's JSON buffer */
#define SCAN_WINDOW (1u << 20)
#define SCAN_STEP (64u * 1024u)
/* a segment's records are held until it is written out, so a segment that
 * could not be cut short would make memory grow with the file: past this
 * the file is parsed on one thread */
#define SEG_CAP (4u << 20)
#define HEAD_MAX (1u << 20)
#define QNAME_MAX 256
#define MAX_THREADS 16

/* A split point: the list element the segment starting there assumes
 * open, by local name and as written (prefix included). */
struct point {
	char list[16];
	char listq[QNAME_MAX];
};

/* Segment j in flight, in slot j % window of the ring. The slot's buffer
 * outlives its segments: at most `window` buffers ever exist, reused
 * rather than freed and grown again (which fragments the heap of every
 * worker thread and lets RSS creep with the file size). */
struct slot {
	uint64_t start, end;
	struct point at;            /* assumed at start (unused for the first) */
	struct point next;          /* what the next segment assumes at end */
	int last;                   /* ends at the end of the file */
	struct dm_buf out;
	uint64_t counts[DM_REC_TYPES];
	uint64_t elements;
	int rc, boundary_ok, record_errors, done;
	char version[16];
};

/* The next segment to hand out. Its end is found by the worker that
 * claimed the segment before it, outside the lock, while `planning`
 * keeps the other workers from claiming: split points are found one
 * segment ahead of the parse, so nothing scans the file before parsing
 * starts and nothing is held for segments not yet in the window. */
enum plan_state { PLAN_READY, PLAN_END, PLAN_FAIL };

struct plan {
	uint64_t start, end;
	struct point at, next;
	enum plan_state state;
};

struct split {
	const char *path;
	int fd;
	uint64_t size, seg, cap, head_end;
	const struct dm_config *cfg;
	struct dm_acct *acct;
	char *prefix;               /* XML declaration + root start tag, verbatim */
	size_t prefix_len;
	char root_q[QNAME_MAX];
	char *scan;                 /* the planner's reads (one planner at a time) */
	int count_only;
	struct slot *ring;
	unsigned window;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct plan plan;
	int planning;
	unsigned claimed, emitted;
	unsigned nseg;              /* UINT_MAX until the last segment is claimed */
	int abort;
	char why[160];              /* why the plan failed */
};

struct worker {
	struct split *sp;
	struct slot *cur;
	struct dm_acct *acct;
	struct dm_parser *parser;
	pthread_t th;
	int started;
};

/* ---- the byte scan ---------------------------------------------------- */

static const struct {
	const char *name;
	const char *list;
} candidates[] = {
	{"SoundRecording", "ResourceList"},
	{"Release", "ReleaseList"},
	{"TrackRelease", "ReleaseList"},
	{"ReleaseDeal", "DealList"},
	/* without these a long PartyList or a run of images would be one
	 * segment, and its JSON buffer would grow with the file */
	{"Party", "PartyList"},
	{"Image", "ResourceList"},
	{"Video", "ResourceList"},
	{"Text", "ResourceList"},
	{"SheetMusic", "ResourceList"},
	{"Software", "ResourceList"},
	{"MIDI", "ResourceList"},
	{"UserDefinedResource", "ResourceList"},
};

static int name_char(unsigned char c)
{
	return c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Is there a candidate start tag at s (s[0] == '<')? Fills the list and
 * the list's qualified name (same prefix as the candidate). */
static int candidate_at(const char *s, size_t avail, struct point *g)
{
	size_t i = 1, colon = 0;
	while (i < avail && i < QNAME_MAX - 16 && name_char((unsigned char)s[i]))
		i++;
	if (i < avail && s[i] == ':') {
		colon = i;
		i++;
		while (i < avail && i < QNAME_MAX - 16 && name_char((unsigned char)s[i]))
			i++;
	}
	if (i >= avail || !(s[i] == '>' || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		return 0;
	const char *local = colon ? s + colon + 1 : s + 1;
	size_t llen = (size_t)(s + i - local);
	for (size_t k = 0; k < sizeof candidates / sizeof *candidates; k++) {
		if (strlen(candidates[k].name) != llen || memcmp(local, candidates[k].name, llen) != 0)
			continue;
		snprintf(g->list, sizeof g->list, "%s", candidates[k].list);
		if (colon)
			snprintf(g->listq, sizeof g->listq, "%.*s:%s", (int)(colon - 1), s + 1,
			         candidates[k].list);
		else
			snprintf(g->listq, sizeof g->listq, "%s", candidates[k].list);
		return 1;
	}
	return 0;
}

/* The first candidate at or after off within the scan window: its offset,
 * or 0 when there is none. Reads 64 KiB at a time: a candidate is nearly
 * always within the first few KiB. */
static uint64_t find_point(struct split *sp, uint64_t off, struct point *g)
{
	char *buf = sp->scan;
	for (uint64_t at = off; at < off + SCAN_WINDOW && at < sp->size; at += SCAN_STEP) {
		size_t want = SCAN_STEP + QNAME_MAX;
		if (at + want > sp->size)
			want = (size_t)(sp->size - at);
		ssize_t n = pread(sp->fd, buf, want, (off_t)at);
		if (n <= 0)
			return 0;
		size_t len = (size_t)n;
		size_t scan = len > QNAME_MAX && at + len < sp->size ? len - QNAME_MAX : len;
		if (scan > SCAN_STEP)
			scan = SCAN_STEP;
		for (const char *p = buf; (p = memchr(p, '<', scan - (size_t)(p - buf))) != NULL; p++)
			if (candidate_at(p, len - (size_t)(p - buf), g))
				return at + (uint64_t)(p - buf);
	}
	return 0;
}

/* The segment is parsed within a segment's time of being planned: have
 * the kernel read it now, in large requests, rather than have the
 * workers' interleaved chunk reads find it missing. */
static void read_ahead(const struct split *sp, uint64_t start, uint64_t end)
{
	(void)posix_fadvise(sp->fd, (off_t)start, (off_t)(end - start), POSIX_FADV_WILLNEED);
}

/* The end of the segment that starts at start, looking for a split point
 * from `from` + seg on: the first one found, or the end of the file when
 * less than half a segment is left past the search. Returns 0, or 1 (why
 * filled) when there is no split point within the cap and more than a
 * capped segment is left. */
static int find_end(struct split *sp, uint64_t start, uint64_t from, uint64_t *end,
                    struct point *next, char *why, size_t whylen)
{
	for (uint64_t target = from + sp->seg; target + sp->seg / 2 < sp->size;) {
		uint64_t pt = find_point(sp, target, next);
		if (pt) {
			*end = pt;
			return 0;
		}
		if ((target += SCAN_WINDOW) - start > sp->cap)
			break;
	}
	if (sp->size - start > sp->cap + sp->seg) {
		snprintf(why, whylen, "no split point within %llu MB after byte %llu",
		         (unsigned long long)(sp->cap >> 20), (unsigned long long)start);
		return 1;
	}
	*end = sp->size;
	return 0;
}

/* Read the head into buf (max bytes): XML declaration, no DOCTYPE, the
 * root start tag. Returns 0 or 1 with why filled when the file cannot be
 * split. */
static int read_head(struct split *sp, char *buf, size_t max, uint64_t *head_end, char *why,
                     size_t whylen)
{
	size_t want = sp->size < max ? (size_t)sp->size : max;
	ssize_t n = pread(sp->fd, buf, want, 0);
	if (n < 4) {
		snprintf(why, whylen, "file too small");
		return 1;
	}
	const unsigned char *u = (const unsigned char *)buf;
	if ((u[0] == 0xFE && u[1] == 0xFF) || (u[0] == 0xFF && u[1] == 0xFE) || u[0] == 0 || u[1] == 0) {
		snprintf(why, whylen, "UTF-16 input");
		return 1;
	}
	size_t len = (size_t)n, i = 0, decl_end = 0;
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		i = 3;
	if (len - i >= 5 && memcmp(buf + i, "<?xml", 5) == 0) {
		const char *e = memmem(buf + i, len - i, "?>", 2);
		if (!e) {
			snprintf(why, whylen, "XML declaration not understood");
			return 1;
		}
		decl_end = (size_t)(e + 2 - buf);
		const char *enc = memmem(buf + i, decl_end - i, "encoding", 8);
		if (enc) {
			const char *q = enc + 8;
			while (q < buf + decl_end && (*q == ' ' || *q == '=' || *q == '"' || *q == '\''))
				q++;
			if (strncasecmp(q, "UTF-8", 5) != 0 && strncasecmp(q, "US-ASCII", 8) != 0 &&
			    strncasecmp(q, "ISO-8859-1", 10) != 0) {
				snprintf(why, whylen, "declared encoding is not UTF-8");
				return 1;
			}
		}
	}
	/* skip comments, processing instructions and white space to the root */
	i = decl_end ? decl_end : i;
	for (;;) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
			i++;
		if (i + 9 <= len && memcmp(buf + i, "<!DOCTYPE", 9) == 0) {
			snprintf(why, whylen, "DOCTYPE present");
			return 1;
		}
		if (i + 4 <= len && memcmp(buf + i, "<!--", 4) == 0) {
			const char *e = memmem(buf + i, len - i, "-->", 3);
			if (!e)
				break;
			i = (size_t)(e + 3 - buf);
			continue;
		}
		if (i + 2 <= len && memcmp(buf + i, "<?", 2) == 0) {
			const char *e = memmem(buf + i, len - i, "?>", 2);
			if (!e)
				break;
			i = (size_t)(e + 2 - buf);
			continue;
		}
		break;
	}
	if (i >= len || buf[i] != '<') {
		snprintf(why, whylen, "root element not found in the first %u bytes", HEAD_MAX);
		return 1;
	}
	size_t root = i, k = i + 1;
	while (k < len && k - root < QNAME_MAX - 1 && (name_char((unsigned char)buf[k]) || buf[k] == ':'))
		k++;
	memcpy(sp->root_q, buf + root + 1, k - root - 1);
	sp->root_q[k - root - 1] = '\0';
	char quote = 0;
	for (; k < len; k++) {
		if (quote) {
			if (buf[k] == quote)
				quote = 0;
		} else if (buf[k] == '"' || buf[k] == '\'') {
			quote = buf[k];
		} else if (buf[k] == '>') {
			break;
		}
	}
	if (k >= len || buf[k - 1] == '/' || !sp->root_q[0]) {
		snprintf(why, whylen, "root start tag not understood");
		return 1;
	}
	size_t plen = decl_end + (k + 1 - root) + 1;
	sp->prefix = dm_acct_alloc(sp->acct, DM_TAG_PARSER, plen);
	if (!sp->prefix) {
		snprintf(why, whylen, "memory limit");
		return 1;
	}
	memcpy(sp->prefix, buf, decl_end);
	memcpy(sp->prefix + decl_end, buf + root, k + 1 - root);
	sp->prefix_len = plen - 1;
	sp->prefix[sp->prefix_len] = '\0';
	*head_end = k + 1;
	return 0;
}

/* Segment sizes, the head, and the first segment. Returns 0, 1 (why
 * filled) when the file cannot be split, or 2 when it is too small to. */
static int plan_first(struct split *sp, unsigned n, char *why, size_t whylen)
{
	/* the head nearly always fits in the scan buffer; the planner keeps it */
	size_t small = SCAN_STEP + QNAME_MAX;
	sp->scan = dm_acct_alloc(sp->acct, DM_TAG_PARSER, small);
	if (!sp->scan) {
		snprintf(why, whylen, "memory limit");
		return 1;
	}
	int rc = read_head(sp, sp->scan, small, &sp->head_end, why, whylen);
	if (rc && sp->size > small) {
		char *buf = dm_acct_alloc(sp->acct, DM_TAG_PARSER, HEAD_MAX);
		if (!buf) {
			snprintf(why, whylen, "memory limit");
			return 1;
		}
		rc = read_head(sp, buf, HEAD_MAX, &sp->head_end, why, whylen);
		dm_acct_dealloc(buf);
	}
	if (rc)
		return rc;
	uint64_t seg = sp->size / ((uint64_t)n * 4);
	if (seg < SEG_MIN)
		seg = SEG_MIN;
	if (seg > SEG_MAX)
		seg = SEG_MAX;
	/* tests split the small corpus files into many small segments */
	const char *force = getenv("DDEXMON_SPLIT_SEGMENT");
	if (force && strtoull(force, NULL, 10) >= 64)
		seg = strtoull(force, NULL, 10);
	sp->seg = seg;
	sp->cap = SEG_CAP;
	if (sp->cap < 2 * seg + SCAN_WINDOW)
		sp->cap = 2 * seg + SCAN_WINDOW;
	if (sp->size < 2 * seg) {
		snprintf(why, whylen, "small file");
		return 2;
	}
	struct plan *pl = &sp->plan;
	memset(pl, 0, sizeof *pl);
	if (find_end(sp, 0, sp->head_end, &pl->end, &pl->next, why, whylen) != 0)
		return 1;
	if (pl->end >= sp->size) {
		snprintf(why, whylen, "no split point found");
		return 1;
	}
	pl->state = PLAN_READY;
	read_ahead(sp, 0, pl->end);
	return 0;
}

/* ---- the workers ------------------------------------------------------ */

static int seg_record(void *ctx, const struct dm_record *r)
{
	struct worker *w = ctx;
	struct slot *g = w->cur;
	g->counts[r->type]++;
	if (w->sp->count_only)
		return 0;
	if (dm_record_to_json(r, &g->out) != 0)
		return DM_ENOMEM;
	dm_buf_putc(&g->out, '\n');
	return g->out.failed ? DM_ENOMEM : 0;
}

static void seg_record_error(void *ctx, const struct dm_error *e)
{
	(void)e;
	struct worker *w = ctx;
	w->cur->record_errors++;
}

static int seg_progress(void *ctx, uint64_t bytes)
{
	(void)bytes;
	struct worker *w = ctx;
	return __atomic_load_n(&w->sp->abort, __ATOMIC_RELAXED) ? DM_EINTR : 0;
}

static const struct dm_consumer seg_consumer = {
	.record = seg_record,
	.record_error = seg_record_error,
	.progress = seg_progress,
};

static struct slot *slot_of(struct split *sp, unsigned j)
{
	return &sp->ring[j % sp->window];
}

static void parse_seg(struct worker *w, struct slot *g, int first)
{
	struct split *sp = w->sp;
	struct dm_parser *p = w->parser;
	w->cur = g;
	int rc = dm_parser_begin(p, sp->path);
	char tag[QNAME_MAX * 2 + 8];
	if (!rc && !first) {
		rc = dm_parser_feed(p, sp->prefix, sp->prefix_len, 0);
		int n = snprintf(tag, sizeof tag, "<%s>", g->at.listq);
		if (!rc)
			rc = dm_parser_feed(p, tag, (size_t)n, 0);
	}
	if (!rc)
		rc = dm_parser_feed_range(p, sp->fd, g->start, g->end - g->start);
	if (!rc && !g->last) {
		g->boundary_ok = dm_parser_between_records(p, g->next.list);
		if (g->boundary_ok) {
			int n = snprintf(tag, sizeof tag, "</%s></%s>", g->next.listq, sp->root_q);
			rc = dm_parser_feed(p, tag, (size_t)n, 1);
		}
	} else if (!rc) {
		rc = dm_parser_feed(p, "", 0, 1);
	}
	struct dm_parser_stats st;
	dm_parser_stats(p, &st);
	g->elements = st.elements - (first ? 0 : 2);
	snprintf(g->version, sizeof g->version, "%s", dm_parser_ern_version(p));
	g->rc = rc;
}

/* Under mu: wait for the planned segment and a free slot, and take it.
 * Returns the slot, or NULL when there is nothing more to parse. When
 * *plan_after is set on return the caller must find the end of the
 * segment after this one (plan_next). */
static struct slot *claim(struct split *sp, unsigned *j, int *plan_after)
{
	while (!sp->abort && sp->plan.state == PLAN_READY &&
	       (sp->planning || sp->claimed >= sp->emitted + sp->window))
		pthread_cond_wait(&sp->cv, &sp->mu);
	if (sp->abort || sp->plan.state != PLAN_READY)
		return NULL;
	struct plan *pl = &sp->plan;
	*j = sp->claimed++;
	struct slot *g = slot_of(sp, *j);
	g->start = pl->start;
	g->end = pl->end;
	g->at = pl->at;
	g->next = pl->next;
	g->last = pl->end >= sp->size;
	dm_buf_reset(&g->out);
	memset(g->counts, 0, sizeof g->counts);
	g->elements = 0;
	g->rc = g->boundary_ok = g->record_errors = g->done = 0;
	g->version[0] = '\0';
	*plan_after = !g->last;
	if (g->last) {
		pl->state = PLAN_END;
		sp->nseg = sp->claimed;
		pthread_cond_broadcast(&sp->cv);
	} else {
		sp->planning = 1;
		pl->start = pl->end;
		pl->at = pl->next;
	}
	return g;
}

/* Outside mu, holding the planning turn: find where the planned segment
 * ends, then hand the turn back. */
static void plan_next(struct split *sp)
{
	uint64_t start = sp->plan.start, end = 0;
	struct point next;
	char why[sizeof sp->why];
	int failed = find_end(sp, start, start, &end, &next, why, sizeof why);
	pthread_mutex_lock(&sp->mu);
	if (failed) {
		sp->plan.state = PLAN_FAIL;
		sp->nseg = sp->claimed;
		memcpy(sp->why, why, sizeof why);
	} else {
		sp->plan.end = end;
		sp->plan.next = next;
	}
	sp->planning = 0;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	if (!failed)
		read_ahead(sp, start, end);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct split *sp = w->sp;
	for (;;) {
		unsigned j;
		int plan_after = 0;
		pthread_mutex_lock(&sp->mu);
		struct slot *g = claim(sp, &j, &plan_after);
		pthread_mutex_unlock(&sp->mu);
		if (!g)
			return NULL;
		if (plan_after)
			plan_next(sp);
		parse_seg(w, g, j == 0);
		pthread_mutex_lock(&sp->mu);
		g->done = 1;
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
	}
}

/* ---- the whole ---------------------------------------------------------- */

/* Under mu: wait until segment j is parsed. Returns it, or NULL when
 * there is no segment j (the last one is written, or the plan failed). */
static struct slot *wait_done(struct split *sp, unsigned j)
{
	while (j < sp->nseg && !(j < sp->claimed && slot_of(sp, j)->done))
		pthread_cond_wait(&sp->cv, &sp->mu);
	return j < sp->nseg ? slot_of(sp, j) : NULL;
}

/* Why segment j (of nseg so far) may not be written, or NULL. */
static const char *refuse(struct split *sp, const struct slot *g, unsigned j, uint64_t elements,
                          char *why, size_t whylen)
{
	if (g->rc && j == 0 && g->rc != DM_ENOMEM)
		snprintf(why, whylen, "error in the first segment");
	else if (g->rc)
		snprintf(why, whylen, "segment %u failed", j);
	else if (!g->last && !g->boundary_ok)
		snprintf(why, whylen, "unsafe split point at byte %llu", (unsigned long long)g->end);
	else if (g->record_errors ||
	         (sp->cfg->max_element_count && elements > sp->cfg->max_element_count))
		snprintf(why, whylen, "record checks or element count limit");
	else
		return NULL;
	return why;
}

/* The calling thread is the ordered writer: each segment's lines go out
 * whole, in order, while the workers parse the ones after it. */
static int write_ordered(struct split *sp, const struct dm_split_out *out,
                         struct dm_split_stats *st, struct dm_error *err)
{
	uint64_t elements = 0;
	for (unsigned j = 0;; j++) {
		pthread_mutex_lock(&sp->mu);
		struct slot *g = wait_done(sp, j);
		pthread_mutex_unlock(&sp->mu);
		if (!g)
			break;
		elements += g->elements;
		if (refuse(sp, g, j, elements, st->why, sizeof st->why))
			return DM_SPLIT_ONE_THREAD;
		int rc = g->out.len ? out->write(out->ctx, g->out.data, g->out.len) : 0;
		if (rc) {
			dm_error_set(err, rc, "write error");
			return rc;
		}
		for (int t = 0; t < DM_REC_TYPES; t++) {
			st->records[t] += g->counts[t];
			st->emitted += g->counts[t];
		}
		st->segments = j + 1;
		if (out->progress && (rc = out->progress(out->ctx, g->end, st->records)) != 0) {
			dm_error_set(err, rc, "stopped");
			return rc;
		}
		if (j == 0)
			snprintf(st->ern_version, sizeof st->ern_version, "%s", g->version);
		pthread_mutex_lock(&sp->mu);
		sp->emitted = j + 1;
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
	}
	/* everything before the part that could not be cut is written */
	pthread_mutex_lock(&sp->mu);
	int failed = sp->plan.state == PLAN_FAIL;
	if (failed)
		snprintf(st->why, sizeof st->why, "%s", sp->why);
	pthread_mutex_unlock(&sp->mu);
	return failed ? DM_SPLIT_ONE_THREAD : 0;
}

static int run_parallel(struct split *sp, unsigned n, const struct dm_split_out *out,
                        struct dm_split_stats *st, struct dm_error *err)
{
	struct worker w[MAX_THREADS];
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	memset(w, 0, sizeof w);
	sp->window = 2 * n;
	sp->nseg = UINT_MAX;
	int setup = 0;
	for (unsigned i = 0; i < n && !setup; i++) {
		w[i].sp = sp;
		w[i].acct = dm_acct_new(sp->acct, dm_acct_budget(sp->acct) / (n + 1));
		if (!w[i].acct ||
		    !(w[i].parser = dm_parser_new(w[i].acct, sp->cfg, &seg_consumer, &w[i], err)))
			setup = DM_ENOMEM;
	}
	sp->ring = setup ? NULL : dm_acct_calloc(sp->acct, DM_TAG_PARSER, sp->window, sizeof *sp->ring);
	if (!sp->ring)
		setup = DM_ENOMEM;
	/* slot k's buffer is charged to worker k % n: two buffers a worker */
	for (unsigned k = 0; !setup && k < sp->window; k++)
		dm_buf_init(&sp->ring[k].out, w[k % n].acct, DM_TAG_OUTPUT);
	for (unsigned i = 0; i < n && !setup; i++) {
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
			setup = DM_ENOMEM;
		else
			w[i].started = 1;
	}
	int rc = setup ? DM_SPLIT_ONE_THREAD : write_ordered(sp, out, st, err);
	pthread_mutex_lock(&sp->mu);
	__atomic_store_n(&sp->abort, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	for (unsigned i = 0; i < n; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	for (unsigned k = 0; sp->ring && k < sp->window; k++)
		dm_buf_fini(&sp->ring[k].out);
	dm_acct_dealloc(sp->ring);
	sp->ring = NULL;
	for (unsigned i = 0; i < n; i++) {
		dm_parser_free(w[i].parser);
		dm_acct_free(w[i].acct);
	}
	if (setup && !st->why[0])
		snprintf(st->why, sizeof st->why, "could not start workers");
	return rc;
}

int dm_split_parse(const char *path, const struct dm_config *cfg, struct dm_acct *acct,
                   unsigned n, const struct dm_split_out *out, struct dm_split_stats *st,
                   struct dm_error *err)
{
	memset(st, 0, sizeof *st);
	struct split sp = {.path = path, .fd = -1, .cfg = cfg, .acct = acct,
	                   .count_only = out->count_only};
	struct stat sb;
	if (n <= 1) {
		snprintf(st->why, sizeof st->why, "one thread asked for");
		return DM_SPLIT_ONE_THREAD;
	}
	/* a pipe cannot be read at two places at once, and a FIFO must not be
	 * opened here at all: open() would wait for a writer beyond any stop,
	 * and closing it would leave the writer with no reader; a file that
	 * does not open gets its error from the one-thread parse */
	int stream = strcmp(path, "-") == 0 || (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode));
	sp.fd = stream ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (sp.fd < 0 || fstat(sp.fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (sp.fd >= 0 || stream) {
			snprintf(st->why, sizeof st->why, "not a regular file");
			st->fell_back = 1;
		}
		if (sp.fd >= 0)
			close(sp.fd);
		return DM_SPLIT_ONE_THREAD;
	}
	sp.size = (uint64_t)sb.st_size;
	pthread_mutex_init(&sp.mu, NULL);
	pthread_cond_init(&sp.cv, NULL);
	int rc;
	int planned = plan_first(&sp, n, st->why, sizeof st->why);
	if (planned != 0) {
		/* a small file is simply not split; anything else falls back */
		st->fell_back = planned == 1;
		rc = DM_SPLIT_ONE_THREAD;
	} else {
		rc = run_parallel(&sp, n, out, st, err);
		if (rc == 0)
			st->bytes = sp.size;
		else if (rc == DM_SPLIT_ONE_THREAD)
			st->fell_back = 1;
	}
	close(sp.fd);
	dm_acct_dealloc(sp.scan);
	dm_acct_dealloc(sp.prefix);
	pthread_mutex_destroy(&sp.mu);
	pthread_cond_destroy(&sp.cv);
	return rc;
}
