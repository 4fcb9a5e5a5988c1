/* Output files: exclusive temporaries renamed into place, in-place writes
 * for devices and FIFOs, refused links, checked report directories. */
#include "config.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/random.h>
#endif

#include "emit.h"

static int fail(struct dm_error *err, const char *path, const char *what, int e)
{
	if (err)
		dm_error_set(err, DM_EIO, "%s: %s: %s", path, what, strerror(e));
	return DM_EIO;
}

/* The same, remembering why in o. */
static int ofail(struct dm_out *o, struct dm_error *err, const char *what, int e)
{
	o->errnum = e;
	return fail(err, o->path, what, e);
}

static void out_reset(struct dm_out *o, const char *shown, int flags)
{
	o->fd = -1;
	o->f = NULL;
	o->dirfd = -1;
	o->flags = flags;
	o->is_stdout = 0;
	o->mode = 0600;
	o->errnum = 0;
	o->name[0] = o->tmp[0] = '\0';
	snprintf(o->path, sizeof o->path, "%s", shown);
}

static int attach_stream(struct dm_out *o, struct dm_error *err)
{
	if (!(o->flags & DM_OUT_STREAM))
		return 0;
	o->f = o->is_stdout ? stdout : fdopen(o->fd, "wb");
	if (!o->f) {
		int e = errno;
		dm_out_abort(o);
		return ofail(o, err, "cannot write", e);
	}
	return 0;
}

/* A random suffix only makes the name hard to guess; O_EXCL is what makes
 * the file ours. */
static void random_suffix(char *s, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[16];
	size_t got = 0;
#ifdef __linux__
	ssize_t k = getrandom(r, sizeof r, GRND_NONBLOCK);
	got = k > 0 ? (size_t)k : 0;
#endif
	if (got < n) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^
		             (uint64_t)(uintptr_t)s;
		for (size_t i = got; i < sizeof r; i++, x = x * 6364136223846793005u + 1442695040888963407u)
			r[i] = (unsigned char)(x >> 33);
	}
	for (size_t i = 0; i < n && i < sizeof r; i++)
		s[i] = set[r[i] % (sizeof set - 1)];
}

static int make_temp(struct dm_out *o, struct dm_error *err)
{
	/* keep the temporary's name within NAME_MAX whatever the target's */
	int stem = (int)strlen(o->name) > 200 ? 200 : (int)strlen(o->name);
	for (int tries = 0; tries < 100; tries++) {
		char sfx[7] = {0};
		random_suffix(sfx, 6);
		snprintf(o->tmp, sizeof o->tmp, ".%.*s.tmp.%s", stem, o->name, sfx);
		o->fd = openat(o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		               o->mode ? 0600 : 0666);
		if (o->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	int e = errno;
	o->tmp[0] = '\0';
	close(o->dirfd);
	o->dirfd = -1;
	return ofail(o, err, "cannot create a temporary file beside it", e);
}

/* What is at name decides how it is written. */
static int open_in(struct dm_out *o, struct dm_error *err)
{
	struct stat st;
	if (fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT) {
			int e = errno;
			dm_out_abort(o);
			return ofail(o, err, "cannot write", e);
		}
		/* created 0666 the kernel masks with the umask (asking umask()
		 * for it would change it under the other threads) */
		o->mode = (o->flags & DM_OUT_PRIVATE) ? 0600 : 0;
	} else if (o->flags & DM_OUT_NOREPLACE) {
		dm_out_abort(o);
		return ofail(o, err, "cannot create", EEXIST);
	} else if (S_ISLNK(st.st_mode)) {
		dm_out_abort(o);
		o->errnum = ELOOP;
		if (err)
			dm_error_set(err, DM_EIO, "%s: is a symbolic link: not replacing it (name its target)",
			             o->path);
		return DM_EIO;
	} else if (S_ISDIR(st.st_mode)) {
		dm_out_abort(o);
		return ofail(o, err, "cannot write", EISDIR);
	} else if (S_ISREG(st.st_mode)) {
		o->mode = (o->flags & DM_OUT_PRIVATE) ? 0600 : (st.st_mode & 0777);
	} else {
		/* a device, FIFO or socket: the user means the thing itself */
		int fd = openat(o->dirfd, o->name, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		close(o->dirfd);
		o->dirfd = -1;
		if (fd < 0)
			return ofail(o, err, "cannot write", e);
		if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
			close(fd);
			if (err)
				dm_error_set(err, DM_EIO, "%s: changed while being opened", o->path);
			return DM_EIO;
		}
		o->fd = fd;
		return attach_stream(o, err);
	}
	if (make_temp(o, err) != 0)
		return DM_EIO;
	return attach_stream(o, err);
}

int dm_out_openat(struct dm_out *o, int dirfd, const char *shown, const char *name, int flags,
                  struct dm_error *err)
{
	char full[DM_OUT_PATH_MAX];
	snprintf(full, sizeof full, "%s/%s", shown, name);
	out_reset(o, full, flags);
	if (!*name || strchr(name, '/') || strlen(name) >= sizeof o->name)
		return ofail(o, err, "cannot write", EINVAL);
	snprintf(o->name, sizeof o->name, "%s", name);
	o->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (o->dirfd < 0)
		return ofail(o, err, "cannot write", errno);
	return open_in(o, err);
}

int dm_out_open(struct dm_out *o, const char *path, int flags, struct dm_error *err)
{
	out_reset(o, strcmp(path, "-") == 0 ? "standard output" : path, flags);
	if (strcmp(path, "-") == 0) {
		o->is_stdout = 1;
		o->fd = STDOUT_FILENO;
		return attach_stream(o, err);
	}
	if (strlen(path) >= sizeof o->path)
		return fail(err, path, "cannot write", ENAMETOOLONG);
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!*name)
		return fail(err, path, "cannot write", EISDIR);
	if (strlen(name) >= sizeof o->name)
		return fail(err, path, "cannot write", ENAMETOOLONG);
	snprintf(o->name, sizeof o->name, "%s", name);
	char dir[DM_OUT_PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		return fail(err, path, "cannot write", errno);
	return open_in(o, err);
}

/* Move the finished temporary to its name: over nothing or a regular file
 * only, or (NOREPLACE) over nothing at all. */
static int place(struct dm_out *o)
{
	if (o->flags & DM_OUT_NOREPLACE) {
#ifdef RENAME_NOREPLACE
		if (renameat2(o->dirfd, o->tmp, o->dirfd, o->name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EINVAL && errno != ENOSYS)
			return errno;
#endif
		if (linkat(o->dirfd, o->tmp, o->dirfd, o->name, 0) != 0)
			return errno;
		unlinkat(o->dirfd, o->tmp, 0);
		return 0;
	}
	struct stat st;
	/* rename never writes through a link, but a link or device put here
	 * since the open is still not ours to replace */
	if (fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		return EEXIST;
	return renameat(o->dirfd, o->tmp, o->dirfd, o->name) == 0 ? 0 : errno;
}

int dm_out_commit(struct dm_out *o, struct dm_error *err)
{
	int e = 0;
	errno = 0;
	if (o->f && (fflush(o->f) != 0 || ferror(o->f)))
		e = errno ? errno : EIO;
	if (o->is_stdout) {
		o->f = NULL;
		o->fd = -1;
		return e ? ofail(o, err, "write failed", e) : 0;
	}
	/* data before name: a reader never sees a half-written file */
	if (!e && o->dirfd >= 0 && fsync(o->fd) != 0 && errno != EINVAL)
		e = errno;
	if (!e && o->dirfd >= 0 && o->mode && fchmod(o->fd, o->mode) != 0)
		e = errno;
	int c = o->f ? fclose(o->f) : close(o->fd);
	if (c != 0 && !e)
		e = errno;
	o->f = NULL;
	o->fd = -1;
	if (!e && o->dirfd >= 0) {
		e = place(o);
		if (!e) {
			o->tmp[0] = '\0';
			(void)fsync(o->dirfd);   /* the rename itself, where supported */
		}
	}
	if (e) {
		dm_out_abort(o);
		return ofail(o, err, "cannot write", e);
	}
	dm_out_abort(o);
	return 0;
}

void dm_out_abort(struct dm_out *o)
{
	if (o->f && !o->is_stdout)
		fclose(o->f);
	else if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	o->f = NULL;
	o->fd = -1;
	if (o->dirfd >= 0) {
		if (o->tmp[0])
			unlinkat(o->dirfd, o->tmp, 0);
		close(o->dirfd);
	}
	o->dirfd = -1;
	o->tmp[0] = '\0';
}

FILE *dm_out_stream(const char *path, struct dm_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0666);
	struct stat st;
	if (fd < 0 && errno == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (err)
			dm_error_set(err, DM_EIO, "%s: is a symbolic link: not writing through it (name its "
			             "target)", path);
		return NULL;
	}
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		fail(err, path, "cannot write", errno);
		if (fd >= 0)
			close(fd);
	}
	return f;
}

int dm_write_atomic(const char *path, const void *data, size_t len, struct dm_error *err)
{
	struct dm_out o;
	if (dm_out_open(&o, path, 0, err) != 0)
		return DM_EIO;
	int e = dm_write_all(o.fd, data, len);
	if (e) {
		dm_out_abort(&o);
		return ofail(&o, err, "write failed", e);
	}
	return dm_out_commit(&o, err);
}

int dm_mkdirs_mode(const char *path, mode_t mode, struct dm_error *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return fail(err, path, "cannot create directory", ENAMETOOLONG);
	for (char *s = buf + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return fail(err, buf, "cannot create directory", errno);
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int dm_mkdirs(const char *path, struct dm_error *err)
{
	return dm_mkdirs_mode(path, 0755, err);
}

/* ---- heap reports ----------------------------------------------------- */

static pthread_mutex_t private_mu = PTHREAD_MUTEX_INITIALIZER;
static char private_dir[PATH_MAX];   /* the mkdtemp fallback, made once */

static int auto_dir(char *dir, size_t size, struct dm_error *err)
{
	const char *run = getenv("XDG_RUNTIME_DIR"), *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	/* the XDG variables count only when absolute, as the spec says */
	if (run && run[0] == '/')
		snprintf(dir, size, "%s/ddexmon-reports", run);
	else if (state && state[0] == '/')
		snprintf(dir, size, "%s/ddexmon/reports", state);
	else if (home && home[0] == '/')
		snprintf(dir, size, "%s/.local/state/ddexmon/reports", home);
	else {
		pthread_mutex_lock(&private_mu);
		if (!private_dir[0]) {
			const char *tmp = getenv("TMPDIR");
			snprintf(private_dir, sizeof private_dir, "%s/ddexmon-reports-XXXXXX",
			         tmp && tmp[0] == '/' ? tmp : "/tmp");
			if (!mkdtemp(private_dir)) {
				int e = errno;
				char shown[PATH_MAX];
				snprintf(shown, sizeof shown, "%s", private_dir);
				private_dir[0] = '\0';
				pthread_mutex_unlock(&private_mu);
				return fail(err, shown, "cannot create directory", e);
			}
		}
		snprintf(dir, size, "%s", private_dir);
		pthread_mutex_unlock(&private_mu);
	}
	return 0;
}

/* The report directory, open, after its owner and mode are checked on the
 * open descriptor (so the check is about what is written into). */
static int open_report_dir(const char *report_dir, char *dir, size_t size, struct dm_error *err)
{
	if (strcmp(report_dir, "auto") == 0) {
		if (auto_dir(dir, size, err) != 0)
			return -1;
	} else {
		snprintf(dir, size, "%s", report_dir);
	}
	if (dm_mkdirs_mode(dir, 0700, err) != 0)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fail(err, dir, "report_dir", errno);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char *why = NULL;
	if (st.st_uid != geteuid())
		why = "is not owned by this user";
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		why = "is group- or world-writable without the sticky bit";
	if (why) {
		close(fd);
		if (err)
			dm_error_set(err, DM_EIO, "%s: report_dir %s: refusing to write heap reports there",
			             dir, why);
		return -1;
	}
	return fd;
}

int dm_report_dir(const char *report_dir, char *dir, size_t size, struct dm_error *err)
{
	int fd = open_report_dir(report_dir, dir, size, err);
	if (fd < 0)
		return DM_EIO;
	close(fd);
	return 0;
}

int dm_report_write(const char *report_dir, const char *stem, const char *ext,
                    const void *data, size_t len, char *out, size_t outlen,
                    struct dm_error *err)
{
	char dir[PATH_MAX];
	int dfd = open_report_dir(report_dir, dir, sizeof dir, err);
	if (dfd < 0)
		return DM_EIO;
	int rc = DM_EIO;
	for (int i = 0; i < 100; i++) {
		char name[DM_OUT_NAME_MAX];
		if (i)
			snprintf(name, sizeof name, "%s-%d.%s", stem, i, ext);
		else
			snprintf(name, sizeof name, "%s.%s", stem, ext);
		struct dm_out o;
		struct dm_error e;
		dm_error_clear(&e);
		rc = dm_out_openat(&o, dfd, dir, name, DM_OUT_PRIVATE | DM_OUT_NOREPLACE, &e);
		int werr = rc ? 0 : dm_write_all(o.fd, data, len);
		if (werr) {
			dm_out_abort(&o);
			rc = ofail(&o, &e, "write failed", werr);
		} else if (!rc) {
			rc = dm_out_commit(&o, &e);
		}
		if (!rc) {
			snprintf(out, outlen, "%s", o.path);
			break;
		}
		if (err)
			*err = e;
		/* a taken name: the next suffix; anything else is final */
		if (o.errnum != EEXIST)
			break;
	}
	close(dfd);
	return rc;
}
