/* The write-all loop, timestamps, JSON members. */
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
