/* Records as JSON lines: rollback, one flush policy, the first error kept. */
#include "config.h"
#include "recout.h"

#include "emit.h"

#define FLUSH_AT (64u * 1024u)

void dm_recout_init(struct dm_recout *w, struct dm_acct *acct, int fd)
{
	pthread_mutex_init(&w->mu, NULL);
	w->fd = fd;
	w->write_errno = 0;
	w->discard = 0;
	dm_buf_init(&w->buf, acct, DM_TAG_OUTPUT);
}

void dm_recout_fini(struct dm_recout *w)
{
	dm_buf_fini(&w->buf);
	pthread_mutex_destroy(&w->mu);
}

void dm_recout_charge(struct dm_recout *w, struct dm_acct *acct)
{
	pthread_mutex_lock(&w->mu);
	dm_buf_fini(&w->buf);
	dm_buf_init(&w->buf, acct, DM_TAG_OUTPUT);
	pthread_mutex_unlock(&w->mu);
}

/* Under w->mu. */
static int flush_locked(struct dm_recout *w)
{
	if (!w->write_errno && w->buf.len && !w->discard)
		w->write_errno = dm_write_all(w->fd, w->buf.data, w->buf.len);
	dm_buf_reset(&w->buf);
	return w->write_errno ? DM_EIO : 0;
}

int dm_recout_put(struct dm_recout *w, const struct dm_record *r)
{
	pthread_mutex_lock(&w->mu);
	int rc = 0;
	if (w->write_errno) {
		rc = DM_EIO;
	} else {
		size_t mark = w->buf.len;
		if (dm_record_to_json(r, &w->buf) != 0 || (dm_buf_putc(&w->buf, '\n'), w->buf.failed)) {
			w->buf.len = mark;
			w->buf.failed = 0;
			rc = DM_ENOMEM;
		} else if (w->buf.len >= FLUSH_AT) {
			rc = flush_locked(w);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int dm_recout_write(struct dm_recout *w, const char *data, size_t len)
{
	pthread_mutex_lock(&w->mu);
	int rc = flush_locked(w);
	if (!rc && !w->discard && len) {
		w->write_errno = dm_write_all(w->fd, data, len);
		rc = w->write_errno ? DM_EIO : 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int dm_recout_flush(struct dm_recout *w)
{
	pthread_mutex_lock(&w->mu);
	int rc = flush_locked(w);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int dm_recout_errno(struct dm_recout *w)
{
	pthread_mutex_lock(&w->mu);
	int e = w->write_errno;
	pthread_mutex_unlock(&w->mu);
	return e;
}
