/* The streaming parser: expat fed chunk_size bytes at a time, the ERN state
 * machine on top, limits and security settings enforced.
 *
 * One parser serves one thread; parse files one after another with it.
 * Nothing but expat's buffers and one record in flight is ever held. */
#ifndef DM_PARSER_H
#define DM_PARSER_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "error.h"
#include "ern.h"
#include "profile.h"
#include "record.h"

struct dm_parser;

struct dm_parser_stats {
	uint64_t bytes;        /* bytes read from the input */
	uint64_t elements;     /* start tags seen */
	uint64_t chunks;       /* reads handed to expat */
	uint64_t max_depth;
	struct dm_ern_counts ern;
};

/* A parser charging every byte (expat's included) to a. cfg and cons must
 * outlive it; cfg is read at each dm_parser_begin. Returns NULL and fills
 * err on failure (DM_ENOMEM). */
struct dm_parser *dm_parser_new(struct dm_acct *a, const struct dm_config *cfg,
                                const struct dm_consumer *cons, void *ctx,
                                struct dm_error *err);
void dm_parser_free(struct dm_parser *p);

/* Start a new input; name is used in errors and records (borrowed until
 * the next begin). Returns 0 or DM_ENOMEM. */
int dm_parser_begin(struct dm_parser *p, const char *name);

/* Feed bytes (copied into expat's buffer); final = 1 on the last call.
 * Returns 0 or a DM_E* with dm_parser_error() filled. Once an error is
 * returned, further feeds return it again. */
int dm_parser_feed(struct dm_parser *p, const void *data, size_t len, int final);

/* Read fd to its end in chunk_size reads straight into expat's buffer.
 * Returns like dm_parser_feed. The fd is not closed. */
int dm_parser_feed_fd(struct dm_parser *p, int fd);

/* Read len bytes of fd from off with pread, chunk_size at a time straight
 * into expat's buffer; never final. Returns like dm_parser_feed (DM_EIO
 * also when the file is shorter than off + len). */
int dm_parser_feed_range(struct dm_parser *p, int fd, uint64_t off, uint64_t len);

/* See dm_ern_between_records. */
int dm_parser_between_records(const struct dm_parser *p, const char *list);

/* begin + open (path "-" is stdin) + feed_fd + close. */
int dm_parser_parse_file(struct dm_parser *p, const char *path);

/* After a file: give back expat and the record buffers, so an idle
 * parser holds next to nothing. The next dm_parser_begin starts afresh. */
void dm_parser_release(struct dm_parser *p);

/* Change the chunk size for the next read (any thread). */
void dm_parser_set_chunk_size(struct dm_parser *p, size_t n);
size_t dm_parser_chunk_size(const struct dm_parser *p);

/* Ask the parse to stop before its next chunk (any thread): it returns
 * DM_EINTR. Cleared by dm_parser_begin. */
void dm_parser_stop(struct dm_parser *p);

/* Memory pressure: give back spare record capacity. Returns bytes freed.
 * Only from the parsing thread, between chunks (e.g. in progress()). */
uint64_t dm_parser_shrink(struct dm_parser *p);

/* Records' buffers from these pools (see dm_ern_set_pools). */
struct dm_pool;
void dm_parser_set_pools(struct dm_parser *p, struct dm_pool *text, struct dm_pool *vals);

const struct dm_error *dm_parser_error(const struct dm_parser *p);
void dm_parser_stats(const struct dm_parser *p, struct dm_parser_stats *out);
const char *dm_parser_ern_version(const struct dm_parser *p);

#endif
