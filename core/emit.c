/* Atomic file writes, timestamps, JSON members. */
#include "config.h"
#include "emit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int dm_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno ? errno : EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dm_write_atomic(const char *path, const void *data, size_t len, struct dm_error *err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
		if (err)
			dm_error_set(err, DM_EIO, "%s: path too long", path);
		return DM_EIO;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	int werr = dm_write_all(fd, data, len);
	if (werr) {
		close(fd);
		unlink(tmp);
		errno = werr;
		goto fail;
	}
	/* data before name: a reader never sees a half-written file */
	if (fsync(fd) != 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto fail;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		goto fail;
	}
	return 0;
fail:
	if (err)
		dm_error_set(err, DM_EIO, "%s: cannot write: %s", path, strerror(errno));
	return DM_EIO;
}

int dm_mkdirs(const char *path, struct dm_error *err)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		if (err)
			dm_error_set(err, DM_EIO, "%s: path too long", path);
		return DM_EIO;
	}
	for (char *s = buf + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
				if (err)
					dm_error_set(err, DM_EIO, "%s: cannot create directory: %s", buf,
					             strerror(errno));
				return DM_EIO;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

void dm_iso_time(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
}

void dm_stamp_time(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y%m%dT%H%M%SZ", &tm);
}

void dm_json_u64(struct dm_buf *b, const char *key, uint64_t v, int *first)
{
	dm_buf_json_key(b, key, first);
	dm_buf_u64(b, v);
}

void dm_json_i64(struct dm_buf *b, const char *key, int64_t v, int *first)
{
	dm_buf_json_key(b, key, first);
	dm_buf_i64(b, v);
}

void dm_json_num(struct dm_buf *b, const char *key, double v, int *first)
{
	dm_buf_json_key(b, key, first);
	dm_buf_double(b, v);
}

void dm_json_str(struct dm_buf *b, const char *key, const char *s, int *first)
{
	dm_buf_json_key(b, key, first);
	if (s)
		dm_buf_json_str(b, s, strlen(s));
	else
		dm_buf_puts(b, "null");
}

void dm_json_bool(struct dm_buf *b, const char *key, int v, int *first)
{
	dm_buf_json_key(b, key, first);
	dm_buf_puts(b, v ? "true" : "false");
}
