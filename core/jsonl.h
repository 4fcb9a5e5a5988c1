/* A streaming reader of JSON lines: event files (`run --events`),
 * recordings (plain or gzip-compressed) and, line by line, any text file.
 *
 * One line is held at a time, in a buffer of at most DM_JSONL_LINE_MAX
 * bytes charged to the caller's accountant, and parsed into at most
 * DM_JSONL_TOKENS_MAX tokens nested at most DM_JSONL_DEPTH_MAX deep: memory
 * does not depend on the length of the file. A longer line, a line that is
 * not one JSON object, or a line cut short is skipped whole and reported
 * as "FILE:LINE: what"; reading resumes at the next line.
 *
 * On top of that, dm_jsonl_next_event() reads a ddexmon recording: the
 * first object must be a "start" event of a version this reader knows,
 * every object must carry "event" and a finite "t", and an event more than
 * DM_JSONL_T_SLACK seconds earlier than the latest one seen is skipped as
 * out of order (events from different threads may be a few microseconds
 * out of step; those are kept).
 *
 * A reader belongs to one thread. Tokens, strings and the line are valid
 * until the next call that reads. */
#ifndef DM_JSONL_H
#define DM_JSONL_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "error.h"

#define DM_JSONL_LINE_MAX (256u * 1024u)  /* bytes, newline excluded */
#define DM_JSONL_TOKENS_MAX 4096
#define DM_JSONL_DEPTH_MAX 16
#define DM_JSONL_T_SLACK 1.0              /* seconds */
#define DM_JSONL_FORMAT 1                 /* the recording format read */

enum dm_jtype { DM_J_NONE, DM_J_OBJECT, DM_J_ARRAY, DM_J_STRING, DM_J_NUMBER,
                DM_J_TRUE, DM_J_FALSE, DM_J_NULL };

/* What was skipped so far, by cause. */
struct dm_jsonl_skips {
	uint64_t corrupt;      /* not one JSON object (or not an event) */
	uint64_t too_long;     /* longer than DM_JSONL_LINE_MAX */
	uint64_t truncated;    /* the last line, cut short */
	uint64_t out_of_order; /* earlier than the latest event by > slack */
	uint64_t misplaced;    /* a second "start" */
	uint64_t total;
};

struct dm_jsonl;

/* Open path for reading ("-" is standard input); a gzip file is read
 * through zlib, anything else as it is. NULL with err ("PATH: why") when it
 * cannot be opened or acct refuses the buffers. */
struct dm_jsonl *dm_jsonl_open(const char *path, struct dm_acct *acct, struct dm_error *err);
void dm_jsonl_free(struct dm_jsonl *r);

/* The next line as text (no newline, NUL-terminated). 1 with *line and
 * *len set, 0 at end of file, DM_EIO on a read error (err set). A line
 * over DM_JSONL_LINE_MAX is skipped with err set and DM_ELIMIT returned;
 * the next call goes on after it. */
int dm_jsonl_getline(struct dm_jsonl *r, const char **line, size_t *len, struct dm_error *err);

/* Make the next dm_jsonl_getline() or dm_jsonl_next() return the line just
 * read again (once; a look at the first line before deciding what the
 * file is). Only after dm_jsonl_getline() returned 1. */
void dm_jsonl_unget(struct dm_jsonl *r);

/* The next line parsed: 1 when it is one JSON object (token 0), 0 at end
 * of file, DM_EIO on a read error. A line that cannot be used is skipped:
 * DM_EXML (corrupt, or the last line cut short) or DM_ELIMIT (too long)
 * with err saying "FILE:LINE: what"; call again to go on. Blank lines are
 * passed over silently. */
int dm_jsonl_next(struct dm_jsonl *r, struct dm_error *err);

/* The next event of a recording, as dm_jsonl_next, plus: DM_ENOTERN when
 * the first object is not a "start" event of format DM_JSONL_FORMAT (then
 * stop: the file is not a recording this reader knows), and DM_ERECORD for
 * an object without "event" and "t", a second start or an event out of
 * time order (skipped; call again).
 * Every skipped line is counted in dm_jsonl_skipped(). */
int dm_jsonl_next_event(struct dm_jsonl *r, struct dm_error *err);

/* The current event's "event" member and "t" (valid after next_event). */
const char *dm_jsonl_event(const struct dm_jsonl *r);
double dm_jsonl_t(const struct dm_jsonl *r);

/* Line number of the current line (1-based), lines read so far. */
uint64_t dm_jsonl_lineno(const struct dm_jsonl *r);
const char *dm_jsonl_path(const struct dm_jsonl *r);
const struct dm_jsonl_skips *dm_jsonl_skipped(const struct dm_jsonl *r);

/* ---- the current object: tokens are ints, 0 is the root; -1 is "none" */
enum dm_jtype dm_jsonl_type(const struct dm_jsonl *r, int tok);
/* The value of obj's member key, or -1 (also when obj is not an object). */
int dm_jsonl_get(const struct dm_jsonl *r, int obj, const char *key);
/* Members of an object / elements of an array: first child and the next
 * sibling of a child (or -1). For an object the child is the key string;
 * its value is dm_jsonl_value(). */
int dm_jsonl_first(const struct dm_jsonl *r, int tok);
int dm_jsonl_next_sibling(const struct dm_jsonl *r, int tok);
int dm_jsonl_value(const struct dm_jsonl *r, int key);
/* A string's decoded text (NUL-terminated; NUL in it shows as U+FFFD), or
 * NULL when tok is not a string. */
const char *dm_jsonl_text(const struct dm_jsonl *r, int tok);
/* A number's or literal's text as written (not NUL-terminated: *len bytes),
 * a string's decoded text; NULL for a container or no token. */
const char *dm_jsonl_raw(const struct dm_jsonl *r, int tok, size_t *len);

/* obj[key] as a string or NULL. */
const char *dm_jsonl_str(const struct dm_jsonl *r, int obj, const char *key);
/* obj[key] as a number: 0 with *out set, -1 when absent or not a number.
 * Integers up to 2^64-1 are exact. */
int dm_jsonl_u64(const struct dm_jsonl *r, int obj, const char *key, uint64_t *out);
int dm_jsonl_i64(const struct dm_jsonl *r, int obj, const char *key, int64_t *out);
int dm_jsonl_num(const struct dm_jsonl *r, int obj, const char *key, double *out);
/* obj[key] true/false: 1, 0, or -1 when absent or not a boolean. */
int dm_jsonl_bool(const struct dm_jsonl *r, int obj, const char *key);

/* Parse one JSON object from text (not NUL-terminated, len bytes) into r's
 * tokens, as for a line read: 0 or DM_EXML with why filled. For tests and
 * for callers with a line from elsewhere. text must stay valid and is not
 * modified (it is copied into r's line buffer). */
int dm_jsonl_parse(struct dm_jsonl *r, const char *text, size_t len, char *why, size_t whylen);

#endif
