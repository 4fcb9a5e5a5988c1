/* The JSON-lines reader's state, shared by the line reader (jsonl.c) and
 * the value parser and accessors (jsonl_value.c). Not for other modules. */
#ifndef DM_JSONL_INT_H
#define DM_JSONL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include "jsonl.h"

struct tok {
	uint8_t type;
	uint32_t off, len;   /* text in the line buffer (strings: decoded) */
	int32_t next;        /* next element, or next key of an object; -1 */
	int32_t nchild;      /* elements or members */
};

struct dm_jsonl {
	struct dm_acct *acct;
	gzFile gz;
	char path[DM_ERRFILE_MAX];
	char *in;
	size_t in_len, in_pos;
	int eof, stream_cut;
	char *line;              /* DM_JSONL_LINE_MAX + 1 */
	size_t line_len;
	int cut;                 /* the current line had no newline (end of file) */
	int again;               /* dm_jsonl_unget: give the line once more */
	struct tok *toks;
	int ntok;
	uint64_t lineno;
	int started;
	double last_t, t;
	const char *event;
	struct dm_jsonl_skips sk;
};

/* Parse r->line[0..len) in place into r's tokens: 0, or DM_EXML with why
 * filled. */
int dm_jsonl_parse_line(struct dm_jsonl *r, size_t len, char *why, size_t whylen);

#endif
