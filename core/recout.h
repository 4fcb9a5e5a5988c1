/* The record writer: JSON lines to one file descriptor, for every command
 * that prints records. The session hands it whole lines (batches that a
 * worker formatted, each record rolled back if it could not be), so only
 * whole lines ever go out; once a write has failed nothing more is
 * written and the error is kept for the one message.
 *
 * Thread-safe: its own mutex, taken by the workers that write batches and
 * by whoever asks for the error; nothing else waits on it, so a slow
 * reader of the output slows the parse and never the monitor. */
#ifndef DM_RECOUT_H
#define DM_RECOUT_H

#include <pthread.h>
#include <stddef.h>

struct dm_recout {
	pthread_mutex_t mu;
	int fd;
	int write_errno;          /* of the first failed write, or 0 */
};

/* fd is borrowed. */
void dm_recout_init(struct dm_recout *w, int fd);
void dm_recout_fini(struct dm_recout *w);

/* Write whole JSON lines. 0, or DM_EIO (now or since a failed write). */
int dm_recout_write(struct dm_recout *w, const char *data, size_t len);
/* errno of the failed write, or 0. */
int dm_recout_errno(struct dm_recout *w);

#endif
