/* Parallel parse of one file: split points, segment workers, ordered
 * output, and the single-threaded fallback. See split.h for the rules. */
#include "config.h"
#include "split.h"

#include <errno.h>
#include <fcntl.h>
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
/* a segment's records are held until it is written out, so a segment that
 * could not be cut short would make memory grow with the file: past this
 * the file is parsed on one thread */
#define SEG_CAP (4u << 20)
#define HEAD_MAX (1u << 20)
#define QNAME_MAX 256

struct seg {
	uint64_t start, end;
	char list[16];              /* list element assumed at start ("" for the first) */
	char listq[QNAME_MAX];      /* its name as written, prefix included */
	struct dm_buf out;
	uint64_t counts[DM_REC_TYPES];
	uint64_t elements;
	int rc, boundary_ok, record_errors, done;
	char version[16];
};

struct split {
	const char *path;
	int fd;
	const struct dm_config *cfg;
	struct dm_acct *acct;
	char *prefix;               /* XML declaration + root start tag, verbatim */
	size_t prefix_len;
	char root_q[QNAME_MAX];
	struct seg *segs;
	unsigned nseg, cap;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned next, emitted, window;
	int abort;
};

struct worker {
	struct split *sp;
	struct seg *cur;
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
static int candidate_at(const char *s, size_t avail, struct seg *g)
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
static uint64_t find_point(struct split *sp, char *buf, uint64_t off, uint64_t size, struct seg *g)
{
	const size_t step = 64u * 1024u;
	for (uint64_t at = off; at < off + SCAN_WINDOW && at < size; at += step) {
		size_t want = step + QNAME_MAX;
		if (at + want > size)
			want = (size_t)(size - at);
		ssize_t n = pread(sp->fd, buf, want, (off_t)at);
		if (n <= 0)
			return 0;
		size_t len = (size_t)n;
		size_t scan = len > QNAME_MAX && at + len < size ? len - QNAME_MAX : len;
		if (scan > step)
			scan = step;
		for (const char *p = buf; (p = memchr(p, '<', scan - (size_t)(p - buf))) != NULL; p++)
			if (candidate_at(p, len - (size_t)(p - buf), g))
				return at + (uint64_t)(p - buf);
	}
	return 0;
}

/* Read the head: XML declaration, no DOCTYPE, the root start tag. Returns
 * 0 or 1 with why filled when the file cannot be split. */
static int read_head(struct split *sp, char *buf, uint64_t size, uint64_t *head_end, char *why,
                     size_t whylen)
{
	size_t want = size < HEAD_MAX ? (size_t)size : HEAD_MAX;
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

/* Find the segments. Returns 0 or 1 (why filled) when there is only one. */
static int plan(struct split *sp, uint64_t size, unsigned n, char *why, size_t whylen)
{
	char *buf = dm_acct_alloc(sp->acct, DM_TAG_PARSER, SCAN_WINDOW + QNAME_MAX);
	if (!buf) {
		snprintf(why, whylen, "memory limit");
		return 1;
	}
	uint64_t head_end;
	int rc = read_head(sp, buf, size, &head_end, why, whylen);
	uint64_t seg = size / ((uint64_t)n * 4);
	if (seg < SEG_MIN)
		seg = SEG_MIN;
	if (seg > SEG_MAX)
		seg = SEG_MAX;
	/* tests split the small corpus files into many small segments */
	const char *force = getenv("DDEXMON_SPLIT_SEGMENT");
	if (force && strtoull(force, NULL, 10) >= 64)
		seg = strtoull(force, NULL, 10);
	uint64_t cap = SEG_CAP;
	if (cap < 2 * seg + SCAN_WINDOW)
		cap = 2 * seg + SCAN_WINDOW;
	if (!rc && size < 2 * seg) {
		snprintf(why, whylen, "small file");
		rc = 2;
	}
	sp->cap = (unsigned)(size / seg) + 2;
	if (!rc) {
		sp->segs = dm_acct_calloc(sp->acct, DM_TAG_PARSER, sp->cap, sizeof *sp->segs);
		if (!sp->segs) {
			snprintf(why, whylen, "memory limit");
			rc = 1;
		}
	}
	if (!rc) {
		sp->segs[0].start = 0;
		sp->nseg = 1;
		uint64_t last = 0;
		for (uint64_t target = head_end + seg; target + seg / 2 < size && sp->nseg < sp->cap;) {
			struct seg *g = &sp->segs[sp->nseg];
			uint64_t pt = find_point(sp, buf, target, size, g);
			if (pt && pt > last) {
				sp->segs[sp->nseg - 1].end = pt;
				g->start = pt;
				sp->nseg++;
				last = pt;
				target = pt + seg;
			} else if ((target += SCAN_WINDOW) - last > cap) {
				break;
			}
		}
		if (size - last > cap + seg) {
			snprintf(why, whylen, "no split point within %llu MB after byte %llu",
			         (unsigned long long)(cap >> 20), (unsigned long long)last);
			rc = 1;
		}
		sp->segs[sp->nseg - 1].end = size;
		if (!rc && sp->nseg < 2) {
			snprintf(why, whylen, "no split point found");
			rc = 1;
		}
	}
	dm_acct_dealloc(buf);
	return rc;
}

/* ---- the workers ------------------------------------------------------ */

static int seg_record(void *ctx, const struct dm_record *r)
{
	struct worker *w = ctx;
	struct seg *g = w->cur;
	g->counts[r->type]++;
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

static void parse_seg(struct worker *w, unsigned j)
{
	struct split *sp = w->sp;
	struct seg *g = &sp->segs[j];
	struct dm_parser *p = w->parser;
	w->cur = g;
	int rc = dm_parser_begin(p, sp->path);
	char tag[QNAME_MAX * 2 + 8];
	if (!rc && j > 0) {
		rc = dm_parser_feed(p, sp->prefix, sp->prefix_len, 0);
		int n = snprintf(tag, sizeof tag, "<%s>", g->listq);
		if (!rc)
			rc = dm_parser_feed(p, tag, (size_t)n, 0);
	}
	if (!rc)
		rc = dm_parser_feed_range(p, sp->fd, g->start, g->end - g->start);
	if (!rc && j + 1 < sp->nseg) {
		const struct seg *next = &sp->segs[j + 1];
		g->boundary_ok = dm_parser_between_records(p, next->list);
		if (g->boundary_ok) {
			int n = snprintf(tag, sizeof tag, "</%s></%s>", next->listq, sp->root_q);
			rc = dm_parser_feed(p, tag, (size_t)n, 1);
		}
	} else if (!rc) {
		rc = dm_parser_feed(p, "", 0, 1);
	}
	struct dm_parser_stats st;
	dm_parser_stats(p, &st);
	g->elements = st.elements - (j > 0 ? 2 : 0);
	snprintf(g->version, sizeof g->version, "%s", dm_parser_ern_version(p));
	g->rc = rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct split *sp = w->sp;
	for (;;) {
		pthread_mutex_lock(&sp->mu);
		while (!sp->abort && sp->next < sp->nseg && sp->next >= sp->emitted + sp->window)
			pthread_cond_wait(&sp->cv, &sp->mu);
		if (sp->abort || sp->next >= sp->nseg) {
			pthread_mutex_unlock(&sp->mu);
			return NULL;
		}
		unsigned j = sp->next++;
		pthread_mutex_unlock(&sp->mu);
		parse_seg(w, j);
		pthread_mutex_lock(&sp->mu);
		sp->segs[j].done = 1;
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
	}
}

/* ---- the whole ---------------------------------------------------------- */

static int run_parallel(struct split *sp, unsigned n, const struct dm_split_out *out,
                        struct dm_split_stats *st, struct dm_error *err)
{
	struct worker w[16];
	if (n > 16)
		n = 16;
	memset(w, 0, sizeof w);
	int setup = 0;
	for (unsigned i = 0; i < n && !setup; i++) {
		w[i].sp = sp;
		w[i].acct = dm_acct_new(sp->acct, dm_acct_budget(sp->acct) / (n + 1));
		if (!w[i].acct ||
		    !(w[i].parser = dm_parser_new(w[i].acct, sp->cfg, &seg_consumer, &w[i], err)))
			setup = DM_ENOMEM;
	}
	for (unsigned j = 0; j < sp->nseg; j++)
		dm_buf_init(&sp->segs[j].out, w[j % n].acct ? w[j % n].acct : sp->acct, DM_TAG_OUTPUT);
	sp->window = 2 * n;
	for (unsigned i = 0; i < n && !setup; i++) {
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0)
			setup = DM_ENOMEM;
		else
			w[i].started = 1;
	}
	int ok = !setup, rc = 0;
	uint64_t elements = 0;
	for (unsigned j = 0; ok && j < sp->nseg; j++) {
		struct seg *g = &sp->segs[j];
		pthread_mutex_lock(&sp->mu);
		while (!g->done)
			pthread_cond_wait(&sp->cv, &sp->mu);
		pthread_mutex_unlock(&sp->mu);
		elements += g->elements;
		if (g->rc || (j + 1 < sp->nseg && !g->boundary_ok) || g->record_errors ||
		    (sp->cfg->max_element_count && elements > sp->cfg->max_element_count)) {
			if (g->rc && j == 0 && g->rc != DM_ENOMEM)
				snprintf(st->why, sizeof st->why, "error in the first segment");
			else if (g->rc)
				snprintf(st->why, sizeof st->why, "segment %u failed", j);
			else if (j + 1 < sp->nseg && !g->boundary_ok)
				snprintf(st->why, sizeof st->why, "unsafe split point at byte %llu",
				         (unsigned long long)sp->segs[j + 1].start);
			else
				snprintf(st->why, sizeof st->why, "record checks or element count limit");
			ok = 0;
			break;
		}
		if (g->out.len && (rc = out->write(out->ctx, g->out.data, g->out.len)) != 0) {
			dm_error_set(err, rc, "write error");
			ok = 0;
		}
		for (int t = 0; t < DM_REC_TYPES; t++) {
			st->records[t] += g->counts[t];
			st->emitted += g->counts[t];
		}
		if (ok && out->progress && (rc = out->progress(out->ctx, g->end, st->records)) != 0) {
			dm_error_set(err, rc, "stopped");
			ok = 0;
		}
		if (j == 0)
			snprintf(st->ern_version, sizeof st->ern_version, "%s", g->version);
		/* the buffer goes on to the segment that this one's place in the
		 * window lets start: at most `window` buffers ever exist, reused
		 * rather than freed and grown again (which fragments the heap of
		 * every worker thread and lets RSS creep with the file size) */
		if (j + sp->window < sp->nseg) {
			struct seg *later = &sp->segs[j + sp->window];
			dm_buf_fini(&later->out);
			later->out = g->out;
			dm_buf_reset(&later->out);
			g->out.data = NULL;
			g->out.len = g->out.cap = 0;
		} else {
			dm_buf_fini(&g->out);
		}
		pthread_mutex_lock(&sp->mu);
		sp->emitted = j + 1;
		pthread_cond_broadcast(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
	}
	pthread_mutex_lock(&sp->mu);
	sp->abort = 1;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	for (unsigned i = 0; i < n; i++)
		if (w[i].started)
			pthread_join(w[i].th, NULL);
	for (unsigned j = 0; j < sp->nseg; j++)
		dm_buf_fini(&sp->segs[j].out);
	for (unsigned i = 0; i < n; i++) {
		dm_parser_free(w[i].parser);
		dm_acct_free(w[i].acct);
	}
	if (rc)
		return rc;
	if (setup && !st->why[0])
		snprintf(st->why, sizeof st->why, "could not start workers");
	return ok ? 0 : DM_SPLIT_ONE_THREAD;
}

int dm_split_parse(const char *path, const struct dm_config *cfg, struct dm_acct *acct,
                   unsigned n, const struct dm_split_out *out, struct dm_split_stats *st,
                   struct dm_error *err)
{
	memset(st, 0, sizeof *st);
	struct split sp = {.path = path, .fd = -1, .cfg = cfg, .acct = acct};
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
	pthread_mutex_init(&sp.mu, NULL);
	pthread_cond_init(&sp.cv, NULL);
	int rc;
	int planned = plan(&sp, (uint64_t)sb.st_size, n, st->why, sizeof st->why);
	if (planned != 0) {
		/* a small file is simply not split; anything else falls back */
		st->fell_back = planned == 1;
		rc = DM_SPLIT_ONE_THREAD;
	} else {
		st->segments = sp.nseg;
		rc = run_parallel(&sp, n, out, st, err);
		if (rc == 0)
			st->bytes = (uint64_t)sb.st_size;
		else if (rc == DM_SPLIT_ONE_THREAD)
			st->fell_back = 1;
	}
	close(sp.fd);
	dm_acct_dealloc(sp.segs);
	dm_acct_dealloc(sp.prefix);
	pthread_mutex_destroy(&sp.mu);
	pthread_cond_destroy(&sp.cv);
	return rc;
}
