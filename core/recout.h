/* The record writer: records as JSON lines to one file descriptor, for
 * every command that prints records. Only whole lines ever go out: a
 * record that cannot be formatted is rolled back, and once a write has
 * failed nothing more is written. One flush policy: at 64 KiB and when
 * asked (the end of a file or of the run).
 *
 * Thread-safe: its own mutex, taken by the threads that put records (the
 * workers) and by whoever flushes; nothing else waits on it, so a slow
 * reader of the output slows the parse and never the monitor. */
#ifndef DM_RECOUT_H
#define DM_RECOUT_H

#include <pthread.h>
#include <stddef.h>
#include "buf.h"
#include "record.h"

struct dm_recout {
	pthread_mutex_t mu;
	int fd;
	struct dm_buf buf;
	int write_errno;          /* of the first failed write, or 0 */
	int discard;              /* count only: nothing is written */
};

/* fd is borrowed; buffers are charged to acct (DM_TAG_OUTPUT). */
void dm_recout_init(struct dm_recout *w, struct dm_acct *acct, int fd);
void dm_recout_fini(struct dm_recout *w);
/* Charge the buffer to acct from now on (before the first record). */
void dm_recout_charge(struct dm_recout *w, struct dm_acct *acct);

/* Append one record and its newline. 0, DM_ENOMEM (nothing of it kept),
 * or DM_EIO once a write has failed. */
int dm_recout_put(struct dm_recout *w, const struct dm_record *r);
/* Append lines already formatted (whole JSON lines). 0 or DM_EIO. */
int dm_recout_write(struct dm_recout *w, const char *data, size_t len);
/* Write out what is buffered. 0 or DM_EIO. */
int dm_recout_flush(struct dm_recout *w);
/* errno of the failed write, or 0. */
int dm_recout_errno(struct dm_recout *w);

#endif
