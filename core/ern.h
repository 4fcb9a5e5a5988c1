/* The ERN state machine: turns element events into records.
 *
 * Knows ERN's element names (3.x and 4.x), nothing about expat or files.
 * The parser calls start/end/text for every event; records go to the
 * consumer table as soon as their element closes. */
#ifndef DM_ERN_H
#define DM_ERN_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "error.h"
#include "profile.h"
#include "record.h"

struct dm_ern;

struct dm_ern_counts {
	uint64_t records[DM_REC_TYPES];
	uint64_t skipped;           /* records that failed checks and were skipped */
};

/* New machine charging a (tag records). cfg and cons must outlive it.
 * Returns NULL on allocation failure. */
struct dm_ern *dm_ern_new(struct dm_acct *a, const struct dm_config *cfg,
                          const struct dm_consumer *cons, void *ctx);
void dm_ern_free(struct dm_ern *e);

/* Forget the previous file; file is only borrowed (must outlive the parse). */
void dm_ern_reset(struct dm_ern *e, const char *file);

/* Event entry points. name is expat's "uri\x01local" or "local". start
 * and end return a negative DM_E* with err filled (the message only; the
 * caller adds the position), or these bits: DM_ERN_RECORD from start when a
 * record element just began (the caller then gives its position with
 * dm_ern_set_pos); DM_ERN_TEXT when the text that follows is captured, so
 * that only then does the caller hand it to dm_ern_text (text the machine
 * does not capture it ignores anyway). */
#define DM_ERN_RECORD 1
#define DM_ERN_TEXT 2
int dm_ern_start(struct dm_ern *e, const char *name, const char **atts, struct dm_error *err);
int dm_ern_end(struct dm_ern *e, struct dm_error *err);
int dm_ern_text(struct dm_ern *e, const char *s, size_t len, struct dm_error *err);
/* Bytes of the value being captured so far (after DM_ERN_TEXT from end:
 * the caller bounds the value, text runs and all, by buffer_size; the
 * machine does not check it again). */
size_t dm_ern_captured(const struct dm_ern *e);
void dm_ern_set_pos(struct dm_ern *e, uint64_t line, uint64_t col, uint64_t offset);

/* Is the machine between two records directly inside the root's child
 * element named list (e.g. "ResourceList")? The splitter's check that a
 * segment ended where the next one is assumed to begin. */
int dm_ern_between_records(const struct dm_ern *e, const char *list);

/* After the document ended: was an ERN root seen? */
int dm_ern_saw_root(const struct dm_ern *e);
const char *dm_ern_version(const struct dm_ern *e);
void dm_ern_counts(const struct dm_ern *e, struct dm_ern_counts *out);

/* Release spare capacity of the record buffers down to keep bytes (memory
 * pressure); returns bytes given back. */
uint64_t dm_ern_shrink(struct dm_ern *e, size_t keep);

/* Take each record's text and value buffers from these pools and give
 * them back once the record has been handed on (both may be NULL: plain
 * accounted buffers). The pools must outlive e. */
struct dm_pool;
void dm_ern_set_pools(struct dm_ern *e, struct dm_pool *text, struct dm_pool *vals);

/* Is name (as expat gives it) an ERN root? Fills version text ("4.3").
 * Exposed for tests and for the splitter. */
int dm_ern_root_namespace(const char *uri, size_t len, char *version, size_t vsize);

#endif
