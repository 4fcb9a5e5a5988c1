/* Output helpers shared by the session and the commands: the write-all
 * loop, ISO 8601 timestamps, and JSON members used by several writers.
 * (dm_event_to_json itself is declared in session.h.) */
#ifndef DM_EMIT_H
#define DM_EMIT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "clock.h"
#include "error.h"
#include "outfile.h"   /* dm_write_atomic and the file-writing rules */

/* Write all of data to fd, retrying short writes and EINTR. 0, or the
 * errno of the failed write. */
int dm_write_all(int fd, const void *data, size_t len);

/* "2026-11-25T13:02:14.123Z" (ms) into buf (>= 25 bytes). */
void dm_iso_time(int64_t wall_ms, char *buf, size_t size);
/* "20261125T130214Z" for file names. */
void dm_stamp_time(int64_t wall_ms, char *buf, size_t size);

/* JSON members with a leading comma as needed. */
void dm_json_u64(struct dm_buf *b, const char *key, uint64_t v, int *first);
void dm_json_i64(struct dm_buf *b, const char *key, int64_t v, int *first);
void dm_json_num(struct dm_buf *b, const char *key, double v, int *first);
void dm_json_str(struct dm_buf *b, const char *key, const char *s, int *first);
void dm_json_bool(struct dm_buf *b, const char *key, int v, int *first);

#endif
