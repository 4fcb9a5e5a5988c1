/* Streaming JSON lines: a bounded line buffer, a fixed token array, and the
 * checks that make a file a recording. */
#include "config.h"
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "jsonl_int.h"

#define IN_SIZE (64u * 1024u)   /* bytes asked of zlib at a time */

struct dm_jsonl *dm_jsonl_open(const char *path, struct dm_acct *acct, struct dm_error *err)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		dm_error_set(err, DM_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		dm_error_set(err, DM_EIO, "%s: is a directory", path);
		return NULL;
	}
	struct dm_jsonl *r = dm_acct_calloc(acct, DM_TAG_OTHER, 1, sizeof *r);
	if (r) {
		r->in = dm_acct_alloc(acct, DM_TAG_OTHER, IN_SIZE);
		r->line = dm_acct_alloc(acct, DM_TAG_OTHER, DM_JSONL_LINE_MAX + 1);
		r->toks = dm_acct_calloc(acct, DM_TAG_OTHER, DM_JSONL_TOKENS_MAX, sizeof *r->toks);
	}
	if (!r || !r->in || !r->line || !r->toks) {
		close(fd);
		if (r) {
			dm_acct_dealloc(r->in);
			dm_acct_dealloc(r->line);
			dm_acct_dealloc(r->toks);
		}
		dm_acct_dealloc(r);
		dm_error_set(err, DM_ENOMEM, "%s: out of memory for the reader", path);
		return NULL;
	}
	r->acct = acct;
	snprintf(r->path, sizeof r->path, "%s", path);
	r->gz = gzdopen(fd, "rb");
	if (!r->gz) {
		close(fd);
		dm_error_set(err, DM_EIO, "%s: cannot open for reading", path);
		dm_jsonl_free(r);
		return NULL;
	}
	gzbuffer(r->gz, 128u * 1024u);
	r->line[0] = '\0';
	return r;
}

void dm_jsonl_free(struct dm_jsonl *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	dm_acct_dealloc(r->in);
	dm_acct_dealloc(r->line);
	dm_acct_dealloc(r->toks);
	dm_acct_dealloc(r);
}

static int fail_at(struct dm_jsonl *r, struct dm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "FILE:LINE: what" as the rest of ddexmon reports a place. */
static int fail_at(struct dm_jsonl *r, struct dm_error *err, int code, const char *fmt, ...)
{
	if (!err)
		return code;
	dm_error_clear(err);
	dm_error_at(err, r->path, r->lineno, 0, 0);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->code = code;
	return code;
}

/* 1 more input, 0 end of file, DM_EIO. A gzip stream that stops early is
 * an end of file with stream_cut set: a recording killed mid-write. */
static int fill(struct dm_jsonl *r, struct dm_error *err)
{
	if (r->eof)
		return 0;
	int n = gzread(r->gz, r->in, IN_SIZE);
	if (n > 0) {
		r->in_len = (size_t)n;
		r->in_pos = 0;
		return 1;
	}
	r->eof = 1;
	int zerr = Z_OK;
	const char *msg = gzerror(r->gz, &zerr);
	if (n == 0 && zerr == Z_OK)
		return 0;
	if (zerr == Z_BUF_ERROR) {
		r->stream_cut = 1;
		return 0;
	}
	dm_error_set(err, DM_EIO, "%s: %s", r->path,
	             zerr == Z_ERRNO ? strerror(errno) : msg);
	return DM_EIO;
}

int dm_jsonl_getline(struct dm_jsonl *r, const char **line, size_t *len, struct dm_error *err)
{
	size_t n = 0;
	int too_long = 0, got = 0;
	if (r->again) {
		r->again = 0;
		*line = r->line;
		*len = r->line_len;
		return 1;
	}
	r->cut = 0;
	for (;;) {
		if (r->in_pos == r->in_len) {
			int rc = fill(r, err);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				if (!got) {
					if (r->stream_cut == 1) {
						r->stream_cut = 2;
						r->sk.truncated++;
						r->sk.total++;
						r->lineno++;
						int e = fail_at(r, err, DM_EXML, "the compressed stream ends early (cut short)");
						r->lineno--;
						return e;
					}
					return 0;
				}
				r->cut = 1;
				if (r->stream_cut == 1)
					r->stream_cut = 2;   /* said with the cut line */
				break;
			}
		}
		got = 1;
		const char *p = r->in + r->in_pos;
		size_t avail = r->in_len - r->in_pos;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		if (!too_long) {
			if (n + take > DM_JSONL_LINE_MAX)
				too_long = 1;
			else
				memcpy(r->line + n, p, take);
			n += take;
		}
		r->in_pos += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	r->lineno++;
	if (too_long) {
		r->line_len = 0;
		r->line[0] = '\0';
		r->sk.too_long++;
		r->sk.total++;
		return fail_at(r, err, DM_ELIMIT, "line longer than %u bytes: skipped", DM_JSONL_LINE_MAX);
	}
	if (n && r->line[n - 1] == '\r')
		n--;
	r->line[n] = '\0';
	r->line_len = n;
	*line = r->line;
	*len = n;
	return 1;
}

void dm_jsonl_unget(struct dm_jsonl *r)
{
	r->again = 1;
}

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

int dm_jsonl_next(struct dm_jsonl *r, struct dm_error *err)
{
	for (;;) {
		const char *line;
		size_t len;
		int rc = dm_jsonl_getline(r, &line, &len, err);
		if (rc <= 0)
			return rc;
		if (is_blank(line, len))
			continue;
		char why[96];
		if (dm_jsonl_parse_line(r, len, why, sizeof why) == 0)
			return 1;
		if (r->cut) {
			r->sk.truncated++;
			r->sk.total++;
			return fail_at(r, err, DM_EXML, "last line cut short (%s): skipped", why);
		}
		r->sk.corrupt++;
		r->sk.total++;
		return fail_at(r, err, DM_EXML, "%s: skipped", why);
	}
}

/* Major version of the program that wrote v ("0.1.0" -> 0), -1 if none. */
static long major_of(const char *v)
{
	char *end;
	if (!v || *v < '0' || *v > '9')
		return -1;
	long m = strtol(v, &end, 10);
	return *end == '.' || *end == '\0' ? m : -1;
}

static int check_start(struct dm_jsonl *r, struct dm_error *err)
{
	const char *v = dm_jsonl_str(r, 0, "version");
	uint64_t format;
	if (dm_jsonl_u64(r, 0, "format", &format) == 0 && format != DM_JSONL_FORMAT)
		return fail_at(r, err, DM_ENOTERN, "recording format %llu; this ddexmon reads format %d",
		               (unsigned long long)format, DM_JSONL_FORMAT);
	if (major_of(v) < 0 || major_of(v) != major_of(PACKAGE_VERSION))
		return fail_at(r, err, DM_ENOTERN, "recording from ddexmon version '%.40s'; this is %s",
		               v ? v : "(none)", PACKAGE_VERSION);
	return 0;
}

int dm_jsonl_next_event(struct dm_jsonl *r, struct dm_error *err)
{
	r->event = NULL;
	int rc = dm_jsonl_next(r, err);
	if (rc == 0 && !r->started)
		return dm_error_set(err, DM_ENOTERN, "%s: empty: not a ddexmon recording", r->path);
	if (rc < 0 && !r->started && rc != DM_EIO) {
		char msg[DM_ERRMSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		char *cut = strstr(msg, ": skipped");
		if (cut)
			*cut = '\0';
		return fail_at(r, err, DM_ENOTERN, "not a ddexmon recording: %.*s", (int)(sizeof msg - 40), msg);
	}
	if (rc <= 0)
		return rc;
	const char *ev = dm_jsonl_str(r, 0, "event");
	double t;
	/* a time past 300 years is a corrupt line, not one that would make
	 * every later event look out of order */
	int have_t = dm_jsonl_num(r, 0, "t", &t) == 0 && isfinite(t) && t >= 0 && t < 1e10;
	if (!r->started) {
		if (!ev || strcmp(ev, "start") != 0 || !have_t)
			return fail_at(r, err, DM_ENOTERN,
			               "not a ddexmon recording (the first line is not a 'start' event)");
		rc = check_start(r, err);
		if (rc != 0)
			return rc;
		r->started = 1;
		r->last_t = t;
	} else if (!ev || !have_t) {
		r->sk.corrupt++;
		r->sk.total++;
		return fail_at(r, err, DM_ERECORD, "not an event (no \"event\", or no valid \"t\"): skipped");
	} else if (strcmp(ev, "start") == 0) {
		r->sk.misplaced++;
		r->sk.total++;
		return fail_at(r, err, DM_ERECORD, "a second 'start' event: skipped");
	} else if (t < r->last_t - DM_JSONL_T_SLACK) {
		r->sk.out_of_order++;
		r->sk.total++;
		return fail_at(r, err, DM_ERECORD,
		                    "'%.32s' at t=%.3f s is earlier than t=%.3f s: skipped (out of order)", ev, t, r->last_t);
	} else if (t > r->last_t) {
		r->last_t = t;
	}
	r->event = ev;
	r->t = t;
	return 1;
}

const char *dm_jsonl_event(const struct dm_jsonl *r) { return r->event; }
double dm_jsonl_t(const struct dm_jsonl *r) { return r->t; }
uint64_t dm_jsonl_lineno(const struct dm_jsonl *r) { return r->lineno; }
const char *dm_jsonl_path(const struct dm_jsonl *r) { return r->path; }
const struct dm_jsonl_skips *dm_jsonl_skipped(const struct dm_jsonl *r) { return &r->sk; }
