/* Parallel parse of one large file: a way the session parses a file when
 * split_workers > 1 (session.c), not an engine of its own.
 *
 * A fast byte scan finds candidate split points at the start tags of
 * top-level SoundRecording / Release / TrackRelease / ReleaseDeal (and
 * Party, Image, Video, Text) elements, one segment ahead of the segment
 * threads: the thread that takes a segment finds where the next one
 * starts, so parsing starts at once, nothing scans the whole file first,
 * and at most 2n segments (a ring of slots, reused) are held, whatever the
 * file's size. Each segment is parsed on a segment thread with the root
 * element (and its namespace declarations) and the enclosing list element
 * replayed in front of it; records become JSON lines in the segment's
 * buffer, and the buffers are written in document order. Nothing is
 * trusted: a segment's output is written only when the segment before it
 * ended exactly between two records of the list the next one assumed,
 * without errors. On any doubt (a DOCTYPE, UTF-16, a pipe, a split point
 * inside a comment or CDATA, an error, a skipped record, the element
 * count limit, no split point within the cap further on) it returns
 * DM_SPLIT_ONE_THREAD with the number of records already written: the
 * caller parses the file on one thread and suppresses that many, so the
 * output is always byte-identical to the one-thread parse. */
#ifndef DM_SPLIT_H
#define DM_SPLIT_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "error.h"
#include "profile.h"
#include "record.h"

/* Not an error: parse the file on one thread (the first st->emitted
 * records have been written already). */
#define DM_SPLIT_ONE_THREAD 1

struct dm_split_out {
	/* JSON lines in document order; return 0 or a DM_E* to stop. */
	int (*write)(void *ctx, const char *data, size_t len);
	/* After each segment written: bytes of the file done and the records
	 * so far; 0 to go on or a DM_E* to stop (may block: pause). May be
	 * NULL. */
	int (*progress)(void *ctx, uint64_t bytes, const uint64_t *records);
	void *ctx;
	/* nobody takes the lines: records are counted, never formatted, and
	 * write is not called */
	int count_only;
};

struct dm_split_stats {
	uint64_t bytes;
	uint64_t records[DM_REC_TYPES];
	uint64_t emitted;           /* records written (suppress them on one thread) */
	unsigned segments;          /* written (0 when not split) */
	int fell_back;              /* could not split safely (why says why) */
	char why[160];              /* why it was not split, or fell back */
	char ern_version[16];
};

/* Parse path with n segment threads (n <= 1: DM_SPLIT_ONE_THREAD; at most
 * 16). Memory is charged to acct (each segment thread gets a share of its
 * budget) and does not grow with the file. The calling thread waits, and
 * is the ordered writer: out's callbacks are called on it only, with no
 * lock held.
 * Returns 0 (every record written), DM_SPLIT_ONE_THREAD, or the DM_E* that
 * out->write or out->progress returned, with err filled. */
int dm_split_parse(const char *path, const struct dm_config *cfg, struct dm_acct *acct,
                   unsigned n, const struct dm_split_out *out, struct dm_split_stats *st,
                   struct dm_error *err);

#endif
