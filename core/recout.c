/* Records as JSON lines to a descriptor: one lock, the first error kept. */
#include "config.h"
#include "recout.h"

#include "emit.h"

void dm_recout_init(struct dm_recout *w, int fd)
{
	pthread_mutex_init(&w->mu, NULL);
	w->fd = fd;
	w->write_errno = 0;
}

void dm_recout_fini(struct dm_recout *w)
{
	pthread_mutex_destroy(&w->mu);
}

int dm_recout_write(struct dm_recout *w, const char *data, size_t len)
{
	pthread_mutex_lock(&w->mu);
	if (!w->write_errno && len)
		w->write_errno = dm_write_all(w->fd, data, len);
	int rc = w->write_errno ? DM_EIO : 0;
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
