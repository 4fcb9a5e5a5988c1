/* Output files written without harming anything that is already there.
 *
 * Every file ddexmon writes (gen OUT, --metrics, --samples-csv, tune --csv,
 * --write-profile, heap reports) goes through here, with one set of rules:
 *
 *  - "-" is standard output, written in place.
 *  - A name that does not exist, or names a regular file, is written under a
 *    temporary name created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, a random
 *    suffix) in the same directory, synced, and renamed over the name only
 *    when complete. A new file gets 0666 & ~umask (the temporary is made
 *    so); a replaced one keeps its permission bits (the temporary is 0600
 *    until they are set, just before the rename).
 *  - A character or block device, FIFO or socket is written in place: it is
 *    never replaced by a regular file.
 *  - A symbolic link is refused (the message names it): whoever planted it
 *    does not get to choose what is written. Give its target instead.
 *  - A directory is refused.
 *
 * The calls are for any thread; a struct dm_out belongs to one thread. */
#ifndef DM_OUTFILE_H
#define DM_OUTFILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "error.h"

enum dm_out_flags {
	DM_OUT_STREAM = 1,     /* also open a stdio stream (o->f) */
	DM_OUT_PRIVATE = 2,    /* mode 0600 whatever the umask */
	DM_OUT_NOREPLACE = 4,  /* the name must not exist: fail with EEXIST */
};

#define DM_OUT_PATH_MAX 4096
#define DM_OUT_NAME_MAX 256

struct dm_out {
	int fd;                          /* write here (with STREAM: through f) */
	FILE *f;                         /* with DM_OUT_STREAM, else NULL */
	int dirfd;                       /* the target's directory; -1 in place */
	int flags;
	int is_stdout;                   /* "-": fd 1, never closed */
	mode_t mode;                     /* set before the rename; 0: as created */
	int errnum;                      /* errno of the last failure, 0 if none */
	char path[DM_OUT_PATH_MAX];      /* as given: what messages name */
	char name[DM_OUT_NAME_MAX];      /* last component, in dirfd */
	char tmp[DM_OUT_NAME_MAX];       /* temporary name, in dirfd */
};

/* Open path for writing under the rules above. 0, or DM_EIO with err
 * naming path (err may be NULL); on failure there is nothing to abort. */
int dm_out_open(struct dm_out *o, const char *path, int flags, struct dm_error *err);

/* The same for name inside an open directory; shown names "shown/name". */
int dm_out_openat(struct dm_out *o, int dirfd, const char *shown, const char *name, int flags,
                  struct dm_error *err);

/* Flush, sync, close and (for a temporary) rename into place. 0 or DM_EIO
 * with err naming the output; either way o is finished with. */
int dm_out_commit(struct dm_out *o, struct dm_error *err);

/* Give up: close and remove the temporary. Accepts a finished o. */
void dm_out_abort(struct dm_out *o);

/* A stream written as it goes rather than replaced when complete (the
 * --events file): a symbolic link is refused, a regular file truncated in
 * place, a device or FIFO written. The caller fcloses it. NULL with err
 * naming path. */
FILE *dm_out_stream(const char *path, struct dm_error *err);

/* Write data to path (dm_out_open + write + commit). 0 or DM_EIO. */
int dm_write_atomic(const char *path, const void *data, size_t len, struct dm_error *err);

/* mkdir -p, new directories with mode. 0 or DM_EIO. */
int dm_mkdirs_mode(const char *path, mode_t mode, struct dm_error *err);
/* mkdir -p (mode 0755). 0 or DM_EIO. */
int dm_mkdirs(const char *path, struct dm_error *err);

/* Heap reports. report_dir "auto" is a directory of this user's:
 * $XDG_RUNTIME_DIR/ddexmon-reports, else $XDG_STATE_HOME/ddexmon/reports,
 * else ~/.local/state/ddexmon/reports, else a private directory made once
 * per process with mkdtemp in $TMPDIR (or /tmp). Anything else is taken as
 * given. The directory is created (0700) if missing, and refused unless it
 * is owned by this user and, if group- or world-writable, sticky.
 * Fills dir (size bytes) with the directory used. 0 or DM_EIO. */
int dm_report_dir(const char *report_dir, char *dir, size_t size, struct dm_error *err);

/* Write data as a new file (0600) STEM.EXT in the checked report_dir, or
 * STEM-1.EXT ... if the name is taken: never over an existing name. The
 * path written goes to out. 0 or DM_EIO with err filled. */
int dm_report_write(const char *report_dir, const char *stem, const char *ext,
                    const void *data, size_t len, char *out, size_t outlen,
                    struct dm_error *err);

#endif
