/* Parallel parse of one large file (--split N).
 *
 * A fast byte scan finds candidate split points at the start tags of
 * top-level SoundRecording / Release / TrackRelease / ReleaseDeal elements.
 * Each segment is parsed on a worker with the root element (and its
 * namespace declarations) and the enclosing list element replayed in front
 * of it; records become JSON lines in the segment's buffer, and the
 * buffers are written in document order. Nothing is trusted: a segment's
 * output is written only when the segment before it ended exactly between
 * two records of the list the next one assumed, without errors. On any
 * doubt (a DOCTYPE, UTF-16, a pipe, a split point inside a comment or
 * CDATA, an error, a skipped record, the element count limit) the file is
 * parsed again on one thread, the records already written suppressed, so
 * the output is always byte-identical to the single-threaded parse. */
#ifndef DM_SPLIT_H
#define DM_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "error.h"
#include "profile.h"
#include "record.h"

struct dm_split_out {
	/* JSON lines in document order; return 0 or a DM_E* to stop. */
	int (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
};

struct dm_split_stats {
	uint64_t bytes;
	uint64_t records[DM_REC_TYPES];
	uint64_t skipped;           /* invalid records skipped (continue_on_error) */
	unsigned segments;          /* parsed in parallel (0 when not split) */
	int fell_back;              /* parsed (partly) again on one thread */
	char why[160];              /* why it was not split, or fell back */
	char ern_version[16];
};

/* Parse path with n worker threads (n <= 1: one thread). Memory is charged
 * to acct (each worker gets a share of its budget). Errors as for
 * dm_parser_parse_file; record-check errors (continue_on_error) go to
 * record_error (may be NULL). Returns 0 or a DM_E* with err filled. */
int dm_split_parse(const char *path, const struct dm_config *cfg, struct dm_acct *acct,
                   unsigned n, const struct dm_split_out *out,
                   void (*record_error)(void *ctx, const struct dm_error *e),
                   struct dm_split_stats *st, struct dm_error *err);

#endif
