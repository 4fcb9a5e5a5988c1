/* What limited a failed tune setting: the key and its value, and where it
 * could be seen, what it was too small for ("buffer_size 1K < a 2.0K
 * TitleText value at line 120"), so the operator knows the value to set
 * rather than only that a run failed. */
#include "config.h"
#include "tune.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"

const char *dm_tune_error_class(const struct dm_tune_row *w)
{
	return w->code ? dm_error_class(w->code) : "run";
}

/* LINE and COLUMN of an error line "FILE:LINE:COLUMN: ..." about file. */
static int error_pos(const char *error, const char *file, uint64_t *line, uint64_t *col)
{
	char esc[DM_ERRFILE_MAX];
	dm_esc(file, esc, sizeof esc);
	size_t k = strlen(esc);
	if (strncmp(error, esc, k) != 0 || error[k] != ':')
		return -1;
	char *end;
	errno = 0;
	*line = strtoull(error + k + 1, &end, 10);
	if (errno || *end != ':' || *line == 0)
		return -1;
	*col = strtoull(end + 1, &end, 10);
	return errno || *end != ':' ? -1 : 0;
}

/* A text value found in the file: where it starts and ends, how long it
 * is as written (entities unexpanded), the element it is in. */
struct span {
	uint64_t l0, c0, l1, c1, len;
	char name[64];
};

/* (l, c) at or after (l0, c0) and at or before (l1, c1). */
static int span_has(const struct span *s, uint64_t l, uint64_t c)
{
	return (l > s->l0 || (l == s->l0 && c >= s->c0)) && (l < s->l1 || (l == s->l1 && c <= s->c1));
}

/* Every setting that fails on a long value asks about it, at a place that
 * moves with the chunk size: the values measured are kept, so a big file
 * is read once per value and not once per row. The `tune` command asks
 * from its one thread, the dashboard from its UI thread: the lock only
 * makes that no rule a caller must know. */
#define SEEN_MAX 4
static struct {
	char file[DM_ERRFILE_MAX];
	struct span s;
} seen[SEEN_MAX];
static size_t nseen;
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

static int measure_scan(const char *file, uint64_t line, uint64_t col, struct span *sp);

/* The text value around LINE:COLUMN (columns count characters, as expat
 * does). 0, or -1 when the place is not in text or the file cannot be
 * read. */
static int measure_text(const char *file, uint64_t line, uint64_t col, uint64_t *len, char *name,
                        size_t name_size)
{
	struct span sp;
	pthread_mutex_lock(&seen_mu);
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen[i].file, file) == 0 && span_has(&seen[i].s, line, col)) {
			*len = seen[i].s.len;
			snprintf(name, name_size, "%s", seen[i].s.name);
			pthread_mutex_unlock(&seen_mu);
			return 0;
		}
	pthread_mutex_unlock(&seen_mu);
	if (measure_scan(file, line, col, &sp) != 0)
		return -1;
	pthread_mutex_lock(&seen_mu);
	if (strlen(file) < sizeof seen[0].file) {
		size_t k = nseen < SEEN_MAX ? nseen++ : (size_t)(line % SEEN_MAX);
		snprintf(seen[k].file, sizeof seen[k].file, "%s", file);
		seen[k].s = sp;
	}
	pthread_mutex_unlock(&seen_mu);
	*len = sp.len;
	snprintf(name, name_size, "%s", sp.name);
	return 0;
}

static int measure_scan(const char *file, uint64_t line, uint64_t col, struct span *sp)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char buf[8192], cur[64] = "", next[64];
	uint64_t off = 0, ln = 1, cn = 1, text_start = 0, sl = 1, sc = 1;
	int in_tag = 0, naming = 0, start_tag = 0, found = 0, rc = -1;
	unsigned char quote = 0;   /* inside an attribute value: '>' does not end the tag */
	size_t nl = 0;
	ssize_t got;
	while (rc < 0 && found >= 0 && (got = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < got && rc < 0; i++, off++) {
			unsigned char ch = (unsigned char)buf[i];
			if (!found && (ln > line || (ln == line && cn >= col)))
				found = in_tag ? -1 : 1;   /* in markup: not a text value */
			if (found < 0)
				break;
			if (ch == '<' && !in_tag) {
				if (found) {
					sp->l0 = sl;
					sp->c0 = sc;
					sp->l1 = ln;
					sp->c1 = cn;
					sp->len = off - text_start;
					snprintf(sp->name, sizeof sp->name, "%s", cur);
					rc = 0;
				}
				in_tag = naming = start_tag = 1;
				nl = 0;
			} else if (in_tag && quote) {
				if (ch == quote)
					quote = 0;
			} else if (in_tag) {
				/* a start tag names the element the text is in; an end
				 * tag leaves it unknown; a comment or PI changes nothing */
				int stop = ch <= ' ' || ch == '/' || ch == '>';
				if (naming && nl == 0 && (ch == '!' || ch == '?'))
					naming = start_tag = 0;
				else if (naming && nl == 0 && ch == '/') {
					naming = start_tag = 0;
					cur[0] = '\0';
				} else if (naming && stop) {
					memcpy(cur, next, nl);
					cur[nl] = '\0';
					naming = 0;
				} else if (naming && nl + 1 < sizeof next) {
					next[nl++] = (char)ch;
				}
				if (!naming && start_tag && (ch == '"' || ch == '\''))
					quote = ch;
				if (ch == '>') {
					in_tag = 0;
					text_start = off + 1;
					sl = ln;
					sc = cn + 1;
				}
			}
			if (ch == '\n') {
				ln++;
				cn = 1;
			} else if ((ch & 0xc0) != 0x80) {
				cn++;
			}
		}
	}
	close(fd);
	return rc;
}

/* The smallest buffer that parsed at w's chunk size, larger than w's. */
static const struct dm_tune_row *buffer_that_fits(const struct dm_tune_row *w,
                                                   const struct dm_tune_row *rows, size_t n)
{
	const struct dm_tune_row *fit = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[i].chunk == w->chunk && rows[i].buffer > w->buffer && dm_tune_eligible(&rows[i]) &&
		    (!fit || rows[i].buffer < fit->buffer))
			fit = &rows[i];
	return fit;
}

/* The largest chunk that parsed within the budget at w's buffer size. */
static const struct dm_tune_row *chunk_that_fits(const struct dm_tune_row *w,
                                                  const struct dm_tune_row *rows, size_t n)
{
	const struct dm_tune_row *fit = NULL;
	for (size_t i = 0; i < n; i++)
		if (rows[i].buffer == w->buffer && dm_tune_eligible(&rows[i]) &&
		    (!fit || rows[i].chunk > fit->chunk))
			fit = &rows[i];
	return fit;
}

static void buffer_limit(struct dm_tune_text *t, const struct dm_tune_row *w, const struct dm_tune_row *rows,
                         size_t n, const char *file)
{
	char b[16], v[16], name[64];
	dm_format_size(w->buffer, b, sizeof b);
	uint64_t line = 0, col = 0, len = 0;
	int pos = error_pos(w->error, file, &line, &col) == 0;
	if (pos && strstr(w->error, "text value") &&
	    measure_text(file, line, col, &len, name, sizeof name) == 0 && len > w->buffer) {
		dm_format_bytes(len, v, sizeof v);
		dm_tune_addf(t, "buffer_size %s < a %s %s%svalue at line %llu", b, v, name, *name ? " " : "",
		    (unsigned long long)line);
	} else if (pos) {
		dm_tune_addf(t, "buffer_size %s < a %s at line %llu", b,
		    strstr(w->error, "tag or token") ? "tag" : "longer value", (unsigned long long)line);
	} else {
		dm_tune_addf(t, "buffer_size %s", b);
	}
	const struct dm_tune_row *fit = buffer_that_fits(w, rows, n);
	if (fit) {
		dm_format_size(fit->buffer, b, sizeof b);
		dm_tune_addf(t, " (buffer %s parsed it)", b);
	}
}

static void memory_limit(struct dm_tune_text *t, const struct dm_tune_row *w, const struct dm_tune_row *rows,
                         size_t n, const struct dm_config *base)
{
	char m[16], c[16];
	dm_format_size(base->max_memory, m, sizeof m);
	dm_format_size(w->chunk, c, sizeof c);
	if (w->ok)   /* retried */
		dm_tune_addf(t, "max_memory %s: the %s chunk parsed only after the half-chunk retry", m, c);
	else if (strstr(w->error, "expat's buffer") || w->chunk >= base->max_memory)
		dm_tune_addf(t, "max_memory %s < expat's buffer for a %s chunk", m, c);
	else
		dm_tune_addf(t, "max_memory %s", m);
	const struct dm_tune_row *fit = chunk_that_fits(w, rows, n);
	if (fit && fit->chunk < w->chunk) {
		char a[16];
		dm_format_size(fit->chunk, c, sizeof c);
		dm_format_bytes(fit->acct_peak, a, sizeof a);
		dm_tune_addf(t, " (chunk %s fits: accounted peak %s)", c, a);
	}
}

void dm_tune_limit_text(const struct dm_tune_row *w, const struct dm_tune_row *rows, size_t n,
                        const struct dm_config *base, const char *file, char *out, size_t size)
{
	struct dm_tune_text t = {out, size, 0};
	if (!size)
		return;
	out[0] = '\0';
	if (w->ok && w->retried) {
		memory_limit(&t, w, rows, n, base);
		return;
	}
	if (w->ok)
		return;
	switch (w->code) {
	case DM_ENOMEM:
		memory_limit(&t, w, rows, n, base);
		break;
	case DM_ESYSMEM: {
		char m[16];
		dm_format_size(base->max_memory, m, sizeof m);
		dm_tune_addf(&t, "the system's available memory < max_memory %s (--force starts anyway)", m);
		break;
	}
	case DM_ELIMIT:
		if (strstr(w->error, "buffer_size"))
			buffer_limit(&t, w, rows, n, file);
		else if (strstr(w->error, "max_element_count"))
			dm_tune_addf(&t, "max_element_count %llu", (unsigned long long)base->max_element_count);
		else if (strstr(w->error, "max_element_depth"))
			dm_tune_addf(&t, "max_element_depth %llu", (unsigned long long)base->max_element_depth);
		break;
	default:
		break;   /* the file, not a setting: the message says it all */
	}
}
