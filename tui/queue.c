/* The event queue: copies events from the session's threads for the UI
 * thread. A ring under one mutex; pushes never block for long and never
 * allocate. */
#include "config.h"
#include "queue.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

struct dm_tui_queue {
	pthread_mutex_t lock;
	struct dm_tui_event *v;
	size_t cap, head, n;            /* head: oldest */
	uint64_t dropped;
};

struct dm_tui_queue *dm_tui_queue_new(size_t cap)
{
	if (cap < 4)
		cap = 4;
	struct dm_tui_queue *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->v = calloc(cap, sizeof *q->v);
	if (!q->v) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void dm_tui_queue_free(struct dm_tui_queue *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q->v);
	free(q);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	if (!src) {
		dst[0] = '\0';
		return;
	}
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

static void copy_file(struct dm_tui_event *d, const struct dm_file_info *f)
{
	d->has_file = 1;
	d->file = *f;
	d->file.path = NULL;
	d->file.error = NULL;
	d->file.ern_version = NULL;
	copy_str(d->name, sizeof d->name, f->path ? base_name(f->path) : "");
	if (f->error)
		copy_str(d->text, sizeof d->text, f->error);
}

static void copy_sample(struct dm_tui_event *d, const struct dm_sample *x, const struct dm_trend *tr)
{
	if (x) {
		d->has_sample = 1;
		d->sample = *x;
	}
	if (tr) {
		d->has_trend = 1;
		d->trend = *tr;
	}
}

void dm_tui_event_copy(struct dm_tui_event *d, const struct dm_event *ev)
{
	memset(d, 0, sizeof *d);
	d->type = ev->type;
	d->t = ev->t;
	d->wall_ms = ev->wall_ms;
	const struct dm_file_info *f = dm_event_file(ev);
	if (f)
		copy_file(d, f);
	switch (ev->type) {
	case DM_EV_START:
		d->workers = ev->u.start.workers;
		break;
	case DM_EV_ERROR:
		d->on = ev->u.error.fatal;
		if (ev->u.error.error) {
			d->code = ev->u.error.error->code;
			dm_error_format(ev->u.error.error, d->text, sizeof d->text);
		}
		break;
	case DM_EV_RETRY:
		if (ev->u.retry.cause) {
			d->code = ev->u.retry.cause->code;
			dm_error_format(ev->u.retry.cause, d->text, sizeof d->text);
		}
		if (ev->u.retry.chunk_size)
			copy_str(d->text2, sizeof d->text2, ev->u.retry.chunk_size);
		break;
	case DM_EV_SAMPLE:
		copy_sample(d, ev->u.sample.sample, ev->u.sample.trend);
		break;
	case DM_EV_STATUS:
		copy_sample(d, ev->u.status.sample, ev->u.status.trend);
		if (ev->u.status.summary)
			d->exit_code = ev->u.status.summary->exit_code;
		break;
	case DM_EV_RECLAIM:
		if (!ev->u.reclaim)
			break;
		d->has_reclaim = 1;
		d->reclaim = *ev->u.reclaim;
		d->reclaim.reason = NULL;
		if (ev->u.reclaim->reason)
			copy_str(d->text2, sizeof d->text2, ev->u.reclaim->reason);
		break;
	case DM_EV_PRESSURE:
		d->on = ev->u.pressure.on;
		if (ev->u.pressure.chunk_size)
			copy_str(d->text2, sizeof d->text2, ev->u.pressure.chunk_size);
		break;
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		copy_sample(d, ev->u.leak.sample, NULL);
		if (ev->u.leak.leak) {
			d->has_leak = 1;
			d->leak = *ev->u.leak.leak;
		}
		if (ev->u.leak.change) {
			d->has_change = 1;
			d->change = *ev->u.leak.change;
		}
		if (ev->u.leak.report_path)
			copy_str(d->text, sizeof d->text, ev->u.leak.report_path);
		break;
	case DM_EV_SETTING:
		if (ev->u.setting.key)
			copy_str(d->text, sizeof d->text, ev->u.setting.key);
		if (ev->u.setting.value)
			copy_str(d->text2, sizeof d->text2, ev->u.setting.value);
		break;
	case DM_EV_NOTE:
		if (!ev->u.note.text)
			break;
		if (ev->u.note.path)   /* a heap report */
			snprintf(d->text, sizeof d->text, "%s: %s", ev->u.note.text, ev->u.note.path);
		else
			copy_str(d->text, sizeof d->text, ev->u.note.text);
		break;
	case DM_EV_SUMMARY:
		if (ev->u.summary)
			d->exit_code = ev->u.summary->exit_code;
		break;
	default:
		break;
	}
}

/* Events whose news the next one of the same kind repeats. */
static int supersedable(enum dm_event_type t)
{
	return t == DM_EV_PROGRESS || t == DM_EV_SAMPLE || t == DM_EV_ERROR;
}

int dm_tui_queue_push(struct dm_tui_queue *q, const struct dm_event *ev)
{
	pthread_mutex_lock(&q->lock);
	size_t limit = supersedable(ev->type) ? q->cap - q->cap / 4 : q->cap;
	if (q->n >= limit) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		return -1;
	}
	/* copy straight into the slot: the copy is ~1 KiB and the lock is
	 * held only by the UI's drain, which is as short */
	dm_tui_event_copy(&q->v[(q->head + q->n) % q->cap], ev);
	q->n++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

size_t dm_tui_queue_drain(struct dm_tui_queue *q, struct dm_tui_event *out, size_t max)
{
	pthread_mutex_lock(&q->lock);
	size_t k = 0;
	while (k < max && q->n > 0) {
		out[k++] = q->v[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
	pthread_mutex_unlock(&q->lock);
	return k;
}

uint64_t dm_tui_queue_dropped(struct dm_tui_queue *q)
{
	pthread_mutex_lock(&q->lock);
	uint64_t d = q->dropped;
	q->dropped = 0;
	pthread_mutex_unlock(&q->lock);
	return d;
}
