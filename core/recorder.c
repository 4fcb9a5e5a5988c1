/* The recording writer: format under a lock, write on a thread of its own. */
#include "config.h"
#include "recorder.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "clock.h"
#include "emit.h"
#include "jsonl.h"
#include "outfile.h"

/* Lines not yet written: samples go in below 8 MiB, narration below 16
 * MiB, results below DM_EVENT_RESULT_CAP: the queue and the batch the
 * writer is stuck on (an earlier queue) hold 64 MiB at the most, whatever
 * the disk does. */
#define QUEUE_SOFT (8u << 20)
static const struct dm_event_bounds bounds = {{QUEUE_SOFT, 2 * QUEUE_SOFT, DM_EVENT_RESULT_CAP}};
#define SLOW_DISK "the disk was too slow to take them"

struct kept_sample {
	struct dm_sample s;
	struct dm_trend tr;
	int has_tr;
	double t;
	int64_t wall_ms;
};

struct dm_recorder {
	struct dm_recorder_opts o;
	struct dm_acct *acct;
	char path[DM_OUT_PATH_MAX];
	int fd;
	gzFile gz;

	pthread_mutex_t mu;
	pthread_cond_t cv;        /* CLOCK_MONOTONIC; the writer and sync waiters */
	pthread_t th;
	int th_started, quit;
	struct dm_buf q;          /* whole lines not yet written */
	struct dm_buf early;      /* lines sent before "start" */
	int started;
	struct dm_event_losses lost;    /* left out past the bounds */
	struct dm_event_losses noted;   /* of them, said in the recording */
	double last_t;                  /* of the last event, for the last note */
	int64_t last_wall_ms;
	uint64_t sync_req, sync_done;
	int write_errno;

	/* downsampling, under mu */
	int stage;                /* 0 full rate, 1 mid buckets, 2 slow buckets */
	int have_bucket;
	double bucket;            /* the bucket's number */
	struct kept_sample lo, hi;
};

static void keep(struct kept_sample *k, const struct dm_event *ev)
{
	k->s = *ev->u.sample.sample;
	k->has_tr = ev->u.sample.trend != NULL;
	if (k->has_tr)
		k->tr = *ev->u.sample.trend;
	k->t = ev->t;
	k->wall_ms = ev->wall_ms;
}

/* Under mu: one event as a line, whole or not at all, if its class still
 * fits (the recorder's own notes count as results: they say how to read
 * the rest). Where lines were left out, the first line queued once the
 * writer has caught up is a note saying how many. */
static void put_line(struct dm_recorder *w, const struct dm_event *ev, enum dm_event_loss cls)
{
	struct dm_buf *b = w->started || ev->type == DM_EV_START ? &w->q : &w->early;
	w->last_t = ev->t;
	w->last_wall_ms = ev->wall_ms;
	if (!dm_event_admit(&bounds, cls, b->len)) {
		w->lost.n[cls]++;
		return;
	}
	/* not ahead of the start: a recording's first line is its start */
	if (b->len < QUEUE_SOFT && ev->type != DM_EV_START)
		dm_event_note_losses(b, &w->lost, &w->noted, ev->t, ev->wall_ms, "recording", SLOW_DISK);
	if (ev->type != DM_EV_START) {
		if (dm_event_to_line(ev, b) != 0)
			w->lost.n[cls]++;   /* out of memory for it */
		return;
	}
	size_t mark = b->len;
	if (dm_event_to_json(ev, b) == 0 && b->len > mark) {
		b->len--;   /* the closing brace: the recording's marks go in */
		dm_buf_printf(b, ",\"format\":%d,\"recording\":true}", DM_JSONL_FORMAT);
	}
	dm_buf_putc(b, '\n');
	if (b->failed) {
		b->len = mark;
		b->failed = 0;
		w->lost.n[cls]++;
	}
}

static void put_kept(struct dm_recorder *w, const struct kept_sample *k)
{
	struct dm_event ev = {.type = DM_EV_SAMPLE, .t = k->t, .wall_ms = k->wall_ms,
	                      .u.sample = {&k->s, k->has_tr ? &k->tr : NULL}};
	put_line(w, &ev, DM_LOSS_SAMPLE);
}

static void flush_bucket(struct dm_recorder *w)
{
	if (!w->have_bucket)
		return;
	w->have_bucket = 0;
	const struct kept_sample *a = &w->lo, *b = &w->hi;
	if (a->t > b->t) {
		a = &w->hi;
		b = &w->lo;
	}
	put_kept(w, a);
	if (b->t != a->t)
		put_kept(w, b);
}

static void note(struct dm_recorder *w, const struct dm_event *at, const char *text)
{
	struct dm_event ev = {.type = DM_EV_NOTE, .t = at->t, .wall_ms = at->wall_ms,
	                      .u.note = {text, NULL}};
	put_line(w, &ev, DM_LOSS_RESULT);
}

static void sample(struct dm_recorder *w, const struct dm_event *ev)
{
	int stage = ev->t < w->o.full_s ? 0 : ev->t < w->o.slow_s ? 1 : 2;
	if (stage == 0 || !ev->u.sample.sample) {
		flush_bucket(w);
		put_line(w, ev, DM_LOSS_SAMPLE);
		return;
	}
	double width = stage == 1 ? w->o.mid_w : w->o.slow_w;
	double bucket = floor(ev->t / width);
	if (w->have_bucket && (stage != w->stage || bucket != w->bucket))
		flush_bucket(w);
	if (stage != w->stage) {
		char text[160];
		snprintf(text, sizeof text,
		         "recording: from t=%.0f s the samples are kept as the lowest and highest RSS "
		         "of each %g s", ev->t, width);
		w->stage = stage;
		note(w, ev, text);
	}
	if (!w->have_bucket) {
		w->have_bucket = 1;
		w->bucket = bucket;
		keep(&w->lo, ev);
		keep(&w->hi, ev);
		return;
	}
	if (ev->u.sample.sample->rss < w->lo.s.rss)
		keep(&w->lo, ev);
	if (ev->u.sample.sample->rss >= w->hi.s.rss)
		keep(&w->hi, ev);
}

void dm_recorder_event(struct dm_recorder *w, const struct dm_event *ev)
{
	pthread_mutex_lock(&w->mu);
	if (ev->type == DM_EV_SAMPLE) {
		sample(w, ev);
	} else {
		flush_bucket(w);
		put_line(w, ev, dm_event_loss_class(ev->type));
		if (ev->type == DM_EV_START && !w->started) {
			w->started = 1;
			if (w->early.len)
				dm_buf_put(&w->q, w->early.data, w->early.len);
			dm_buf_reset(&w->early);
		}
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int write_out(struct dm_recorder *w, const char *data, size_t len)
{
	if (!w->gz)
		return dm_write_all(w->fd, data, len);
	while (len) {
		unsigned n = len > (1u << 30) ? 1u << 30 : (unsigned)len;
		int k = gzwrite(w->gz, data, n);
		if (k <= 0)
			return errno ? errno : EIO;
		data += k;
		len -= (size_t)k;
	}
	return 0;
}

static int gz_flush(struct dm_recorder *w)
{
	return w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK ? (errno ? errno : EIO) : 0;
}

static void *writer_main(void *arg)
{
	struct dm_recorder *w = arg;
	struct dm_buf b;
	dm_buf_init(&b, w->acct, DM_TAG_OUTPUT);
	double last_flush = dm_mono_s();
	int unflushed = 0;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !w->q.len && w->sync_req == w->sync_done) {
			if (!unflushed) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			double wait = last_flush + 1.0 - dm_mono_s();
			if (wait <= 0)
				break;
			dm_cond_wait_s(&w->cv, &w->mu, wait);
		}
		struct dm_buf t = w->q;
		w->q = b;
		b = t;
		uint64_t req = w->sync_req;
		int want_sync = req != w->sync_done;
		int quit = w->quit;
		pthread_mutex_unlock(&w->mu);

		int e = 0;
		if (b.len && !w->write_errno) {
			e = write_out(w, b.data, b.len);
			unflushed = 1;
		}
		dm_buf_reset(&b);
		double now = dm_mono_s();
		if (!e && unflushed && (quit || want_sync || now - last_flush >= 1.0)) {
			e = gz_flush(w);
			last_flush = now;
			unflushed = 0;
		}

		pthread_mutex_lock(&w->mu);
		if (e && !w->write_errno)
			w->write_errno = e;
		if (req > w->sync_done && !w->q.len) {
			w->sync_done = req;
			pthread_cond_broadcast(&w->cv);
		}
		if (quit && !w->q.len)
			break;
	}
	pthread_mutex_unlock(&w->mu);
	dm_buf_fini(&b);
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

struct dm_recorder *dm_recorder_open(const char *path, const struct dm_recorder_opts *o,
                                     struct dm_acct *acct, struct dm_error *err)
{
	struct dm_recorder *w = dm_acct_calloc(acct, DM_TAG_OUTPUT, 1, sizeof *w);
	if (!w) {
		dm_error_set(err, DM_ENOMEM, "%s: out of memory for the recording", path);
		return NULL;
	}
	static const struct dm_recorder_opts defaults = {600, 1, 3600, 10};
	w->o = o ? *o : defaults;
	w->acct = acct;
	w->fd = -1;
	snprintf(w->path, sizeof w->path, "%s", path);
	if (strcmp(path, "-") == 0) {
		dm_error_set(err, DM_EUSAGE, "--record: give a file name (the recording is not "
		             "written to standard output)");
		dm_acct_dealloc(w);
		return NULL;
	}
	FILE *f = dm_out_stream(path, err);
	if (!f) {
		dm_acct_dealloc(w);
		return NULL;
	}
	w->fd = dup(fileno(f));
	fclose(f);
	if (w->fd >= 0 && ends_with(path, ".gz")) {
		w->gz = gzdopen(w->fd, "wb6");
		if (!w->gz) {
			close(w->fd);
			w->fd = -1;
		}
	}
	if (w->fd < 0) {
		dm_error_set(err, DM_EIO, "%s: cannot write: %s", path, strerror(errno ? errno : ENOMEM));
		dm_acct_dealloc(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	dm_cond_init_mono(&w->cv);
	dm_buf_init(&w->q, acct, DM_TAG_OUTPUT);
	dm_buf_init(&w->early, acct, DM_TAG_OUTPUT);
	if (pthread_create(&w->th, NULL, writer_main, w) != 0) {
		dm_error_set(err, DM_EIO, "%s: cannot start the recording's writer", path);
		w->th_started = 0;
		dm_recorder_close(w, NULL);
		return NULL;
	}
	w->th_started = 1;
	return w;
}

int dm_recorder_sync(struct dm_recorder *w, struct dm_error *err)
{
	pthread_mutex_lock(&w->mu);
	flush_bucket(w);
	uint64_t want = ++w->sync_req;
	pthread_cond_broadcast(&w->cv);
	while (w->sync_done < want && w->th_started)
		pthread_cond_wait(&w->cv, &w->mu);
	int e = w->write_errno;
	pthread_mutex_unlock(&w->mu);
	if (e)
		return dm_error_set(err, DM_EIO, "%s: write error: %s", w->path, strerror(e));
	return 0;
}

int dm_recorder_close(struct dm_recorder *w, struct dm_error *err)
{
	if (err)
		dm_error_clear(err);
	if (!w)
		return 0;
	pthread_mutex_lock(&w->mu);
	flush_bucket(w);
	if (!w->started && w->early.len) {   /* no start came: keep what there is */
		dm_buf_put(&w->q, w->early.data, w->early.len);
		dm_buf_reset(&w->early);
	}
	/* the last line says what the end of the run lost, past any bound */
	dm_event_note_losses(&w->q, &w->lost, &w->noted, w->last_t, w->last_wall_ms, "recording",
	                     SLOW_DISK);
	struct dm_event_losses lost = w->lost;
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->th_started)
		pthread_join(w->th, NULL);
	int e = w->write_errno;
	if (w->gz) {
		int zr = gzclose(w->gz);   /* closes fd */
		if (!e && zr != Z_OK)
			e = errno ? errno : EIO;
	} else if (w->fd >= 0 && close(w->fd) != 0 && !e) {
		e = errno;
	}
	int rc = 0;
	char counts[160];
	dm_event_losses_text(&lost, counts, sizeof counts);
	if (e)
		rc = dm_error_set(err, DM_EIO, "%s: write error: %s", w->path, strerror(e));
	else if (lost.n[DM_LOSS_RESULT])
		rc = dm_error_set(err, DM_EIO, "%s: the recording is incomplete: %s left out: " SLOW_DISK
		                  " (%u MiB of lines were waiting)", w->path, counts,
		                  (unsigned)(DM_EVENT_RESULT_CAP >> 20));
	else if (dm_event_losses_total(&lost))
		dm_error_set(err, 0, "%s: %llu events left out of the recording (%s): " SLOW_DISK,
		             w->path, (unsigned long long)dm_event_losses_total(&lost), counts);
	dm_buf_fini(&w->q);
	dm_buf_fini(&w->early);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	dm_acct_dealloc(w);
	return rc;
}

const char *dm_recorder_path(const struct dm_recorder *w) { return w->path; }
