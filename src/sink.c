/* Headless output: records, events, metrics, samples. */
#include "config.h"
#include "sink.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "emit.h"
#include "metrics.h"
#include "outfile.h"

#define QUEUE_SOFT DM_SINK_QUEUE_SOFT

/* Samples past the soft bound, narration past twice it, results only
 * past the cap: they are few (event.h), but a reader stalled for good
 * must not make the queue grow with the run. */
static const struct dm_event_bounds bounds = {{QUEUE_SOFT, 2 * QUEUE_SOFT, DM_EVENT_RESULT_CAP}};

/* Under k->mu: say in the stream itself, where the gap is, how much was
 * left out (at the first event queued after it, or at the end). When the
 * note cannot be queued it is said at the end, on stderr, all the same. */
static void note_dropped(struct dm_sink *k, double t, int64_t wall_ms)
{
	dm_event_note_losses(&k->evq, &k->lost, &k->noted, t, wall_ms, NULL,
	                     "the events output was too slow to take them");
}

static int on_lines(void *ctx, int file, const char *data, size_t len)
{
	(void)file;
	struct dm_sink *k = ctx;
	return k->records ? dm_recout_write(&k->rec, data, len) : 0;
}

/* Fill a snapshot of the figures and rewrite the metrics file (metrics.h).
 * The output thread only (or dm_sink_finish once it has stopped): k->last,
 * k->trend and k->leak are its copies of the monitor's. */
static void metrics_write(struct dm_sink *k)
{
	struct dm_metrics_snapshot m;
	size_t nfiles = dm_session_files(k->session);
	size_t keep = nfiles < DM_METRICS_MAX_FILES ? nfiles : DM_METRICS_MAX_FILES;
	struct dm_file_info *files = keep ? dm_acct_calloc(k->acct, DM_TAG_OUTPUT, keep, sizeof *files)
	                                  : NULL;
	if (keep && !files)
		return;   /* the next sample tries again */
	dm_metrics_init(&m, files, keep);
	struct dm_metrics_label run;
	dm_metrics_default_label(k->metrics_path, &run);
	dm_metrics_set_label(&m, &run);
	for (size_t i = 0; i < k->metrics_nlabels; i++)
		dm_metrics_set_label(&m, &k->metrics_labels[i]);
	struct dm_session_summary sum;
	dm_session_summary(k->session, &sum);
	struct dm_config cfg;
	dm_session_config(k->session, &cfg);
	struct dm_pool_stats ps[4];
	m.version = PACKAGE_VERSION;
	m.profile = cfg.name;
	m.start_time = sum.start_wall;
	m.finished = nfiles && dm_session_done(k->session);   /* watch has no files */
	m.exit_code = dm_session_exit_code(k->session);
	m.budget = cfg.max_memory;
	m.rss = k->last.rss;
	m.rss_peak = k->last.rss_peak;
	m.rss_anon = k->last.rss_anon;
	m.rss_file = k->last.rss_file;
	m.rss_shmem = k->last.rss_shmem;
	m.acct = k->last.acct;
	m.trend_rate = k->trend.rate;
	m.to_budget = k->trend.kind == DM_TREND_GROWING ? k->trend.to_budget : -1;
	m.leak = k->leak;
	m.leaks_suspected = sum.leaks_suspected;
	m.leaks_confirmed = sum.leaks_confirmed;
	m.reclamations = sum.reclamations;
	m.reclaimed_bytes = sum.reclaimed_bytes;
	m.bytes = sum.bytes;
	memcpy(m.records, sum.records, sizeof m.records);
	m.pools = ps;
	m.npools = dm_session_pools(k->session, ps, 4);
	for (size_t i = 0; i < nfiles; i++) {
		struct dm_file_info fi;
		if (dm_session_file(k->session, i, &fi) == 0)
			dm_metrics_add_file(&m, &fi);
	}
	struct dm_buf b;
	dm_buf_init(&b, k->acct, DM_TAG_OUTPUT);
	/* a failure is reported once, at the end; no more attempts */
	if (dm_metrics_format(&m, &b) == 0 && !b.failed && !k->metrics_failed &&
	    dm_write_atomic(k->metrics_path, b.data, b.len, &k->metrics_err) != 0)
		k->metrics_failed = 1;
	dm_buf_fini(&b);
	dm_acct_dealloc(files);
}

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct dm_sink *k = ctx;
	if (k->recorder)
		dm_recorder_event(k->recorder, ev);
	pthread_mutex_lock(&k->mu);
	/* STATUS carries the last sample: a run shorter than one sample
	 * interval still gets its metrics */
	const struct dm_sample *smp = ev->type == DM_EV_SAMPLE ? ev->u.sample.sample
	                              : ev->type == DM_EV_STATUS ? ev->u.status.sample : NULL;
	const struct dm_trend *tr = ev->type == DM_EV_SAMPLE ? ev->u.sample.trend
	                            : ev->type == DM_EV_STATUS ? ev->u.status.trend : NULL;
	if (smp) {
		k->pend_sample = *smp;
		if (tr)
			k->pend_trend = *tr;
		k->have_pend = 1;
	}
	if (ev->type == DM_EV_SAMPLE && smp && k->csv) {
		if (k->csvq.len < QUEUE_SOFT)
			dm_sample_csv_row(smp, &k->csvq);
		else
			k->csv_dropped++;
	}
	if (dm_event_is_leak(ev->type) && ev->u.leak.leak)
		k->pend_leak = ev->u.leak.leak->state;
	if (k->events && (ev->type != DM_EV_SAMPLE || k->sample_events)) {
		enum dm_event_loss loss = dm_event_loss_class(ev->type);
		k->last_t = ev->t;
		k->last_wall_ms = ev->wall_ms;
		if (!dm_event_admit(&bounds, loss, k->evq.len)) {
			k->lost.n[loss]++;
		} else {
			if (k->evq.len < QUEUE_SOFT)
				note_dropped(k, ev->t, ev->wall_ms);
			if (dm_event_to_line(ev, &k->evq) != 0)
				k->lost.n[loss]++;   /* out of memory for it: only whole lines */
		}
	}
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

int dm_sink_add_label(struct dm_sink *k, const char *arg)
{
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_metrics_label l;
	if (dm_metrics_parse_label(arg, &l, &err) != 0) {
		dm_cli_print_error(&err);
		return -1;
	}
	for (size_t i = 0; i < k->metrics_nlabels; i++)
		if (strcmp(k->metrics_labels[i].name, l.name) == 0) {
			k->metrics_labels[i] = l;
			return 0;
		}
	if (k->metrics_nlabels >= DM_METRICS_MAX_LABELS - 1) {   /* room for run= */
		dm_cli_error("--metrics-label: at most %d labels", DM_METRICS_MAX_LABELS - 1);
		return -1;
	}
	k->metrics_labels[k->metrics_nlabels++] = l;
	return 0;
}

const struct dm_session_ops dm_sink_ops = {
	.event = on_event,
	.lines = on_lines,
};

static const struct dm_session_ops events_only_ops = {
	.event = on_event,
};

const struct dm_session_ops *dm_sink_session_ops(const struct dm_sink *k)
{
	return k->records ? &dm_sink_ops : &events_only_ops;
}

static void swap_buf(struct dm_buf *a, struct dm_buf *b)
{
	struct dm_buf t = *a;
	*a = *b;
	*b = t;
}

/* Under k->mu: take the monitor's last figures as the thread's own. */
static void take_pending(struct dm_sink *k)
{
	if (k->have_pend) {
		k->last = k->pend_sample;
		k->trend = k->pend_trend;
		k->have_sample = 1;
	}
	k->leak = k->pend_leak;
}

/* The output thread: events, CSV rows and the metrics file, so that no
 * sender of events ever waits on a write. */
static void *out_main(void *arg)
{
	struct dm_sink *k = arg;
	struct dm_buf ev, csv;
	dm_buf_init(&ev, k->acct, DM_TAG_OUTPUT);
	dm_buf_init(&csv, k->acct, DM_TAG_OUTPUT);
	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->quit && !k->evq.len && !k->csvq.len) {
			if (!k->metrics_path) {
				pthread_cond_wait(&k->cv, &k->mu);
				continue;
			}
			double wait = k->metrics_last + 1.0 - dm_mono_s();
			if (wait <= 0)
				break;
			dm_cond_wait_s(&k->cv, &k->mu, wait);
		}
		swap_buf(&k->evq, &ev);
		swap_buf(&k->csvq, &csv);
		take_pending(k);
		int quit = k->quit;
		pthread_mutex_unlock(&k->mu);

		if (ev.len && k->events && !k->events_errno)
			k->events_errno = dm_write_all(fileno(k->events), ev.data, ev.len);
		if (csv.len && k->csv && !k->csv_errno && fwrite(csv.data, 1, csv.len, k->csv) != csv.len)
			k->csv_errno = errno ? errno : EIO;
		dm_buf_reset(&ev);
		dm_buf_reset(&csv);
		double now = dm_mono_s();
		if (k->metrics_path && now - k->metrics_last >= 1.0) {
			k->metrics_last = now;
			if (k->session && k->have_sample)
				metrics_write(k);
		}

		pthread_mutex_lock(&k->mu);
		if (quit && !k->evq.len && !k->csvq.len)
			break;
	}
	pthread_mutex_unlock(&k->mu);
	dm_buf_fini(&ev);
	dm_buf_fini(&csv);
	return NULL;
}

int dm_sink_open_events(struct dm_sink *k, const char *spec)
{
	if (!spec) {
		k->events = stderr;
		k->events_name = "standard error";
	} else if (strcmp(spec, "-") == 0) {
		k->events = stdout;
		k->events_name = "standard output";
	} else {
		struct dm_error err;
		dm_error_clear(&err);
		k->events = dm_out_stream(spec, &err);   /* never through a link */
		if (!k->events) {
			dm_cli_print_error(&err);
			return DM_EIO;
		}
		k->events_name = spec;
	}
	return 0;
}

int dm_sink_init(struct dm_sink *k, struct dm_acct *acct)
{
	k->acct = acct;
	k->metrics_last = -1e9;
	dm_error_clear(&k->metrics_err);
	dm_recout_init(&k->rec, STDOUT_FILENO);
	pthread_mutex_init(&k->mu, NULL);
	dm_cond_init_mono(&k->cv);
	dm_buf_init(&k->evq, acct, DM_TAG_OUTPUT);
	dm_buf_init(&k->csvq, acct, DM_TAG_OUTPUT);
	if (k->csv_path) {
		struct dm_error err;
		dm_error_clear(&err);
		if (dm_out_open(&k->csv_out, k->csv_path, DM_OUT_STREAM, &err) != 0) {
			dm_cli_print_error(&err);
			return DM_EIO;
		}
		k->csv = k->csv_out.f;
		dm_sample_csv_header(&k->csvq);
	}
	if (k->record_path) {
		struct dm_error err;
		dm_error_clear(&err);
		k->recorder = dm_recorder_open(k->record_path, NULL, acct, &err);
		if (!k->recorder) {
			dm_cli_print_error(&err);
			return DM_EIO;
		}
	}
	if (pthread_create(&k->th, NULL, out_main, k) != 0) {
		dm_cli_error("cannot start the output thread: %s", strerror(errno));
		return DM_EIO;
	}
	k->th_started = 1;
	return 0;
}

void dm_sink_attach(struct dm_sink *k, struct dm_session *s)
{
	pthread_mutex_lock(&k->mu);
	k->session = s;
	pthread_mutex_unlock(&k->mu);
}

static void stop_thread(struct dm_sink *k)
{
	if (!k->th_started)
		return;
	pthread_mutex_lock(&k->mu);
	k->quit = 1;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	k->th_started = 0;
}

int dm_sink_finish(struct dm_sink *k)
{
	int rc = 0;
	if (dm_recout_errno(&k->rec)) {
		dm_cli_error("standard output: write error: %s", strerror(dm_recout_errno(&k->rec)));
		rc = DM_EIO;
	}
	pthread_mutex_lock(&k->mu);
	note_dropped(k, k->last_t, k->last_wall_ms);
	pthread_mutex_unlock(&k->mu);
	stop_thread(k);
	take_pending(k);   /* the thread has stopped: its figures are ours */
	if (k->events && !k->events_errno && fflush(k->events) != 0)
		k->events_errno = errno ? errno : EIO;
	if (k->events_errno) {
		dm_cli_error("%s: write error: %s", k->events_name ? k->events_name : "events",
		             strerror(k->events_errno));
		rc = DM_EIO;
	}
	if (k->lost.n[DM_LOSS_RESULT]) {
		char counts[160];
		dm_cli_error("%s: the events output is incomplete: %s left out: the output was too slow "
		             "to take them (%u MiB of lines were waiting)",
		             k->events_name ? k->events_name : "events",
		             dm_event_losses_text(&k->lost, counts, sizeof counts),
		             (unsigned)(DM_EVENT_RESULT_CAP >> 20));
		if (!rc)
			rc = DM_EIO;
	} else if (dm_event_losses_total(&k->lost)) {
		char counts[160];
		dm_cli_error("%s: %llu events left out (%s): the output was too slow to take them",
		             k->events_name ? k->events_name : "events",
		             (unsigned long long)dm_event_losses_total(&k->lost),
		             dm_event_losses_text(&k->lost, counts, sizeof counts));
	}
	if (k->csv_dropped)
		dm_cli_error("%s: %llu samples left out: the output was too slow to take them", k->csv_path,
		             (unsigned long long)k->csv_dropped);
	if (k->csv) {
		k->csv = NULL;
		if (k->csv_errno) {
			dm_cli_error("%s: write error: %s", k->csv_path, strerror(k->csv_errno));
			dm_out_abort(&k->csv_out);
			rc = DM_EIO;
		} else {
			struct dm_error err;
			dm_error_clear(&err);
			if (dm_out_commit(&k->csv_out, &err) != 0) {   /* renamed into place */
				dm_cli_print_error(&err);
				rc = DM_EIO;
			}
		}
	}
	if (k->metrics_path && k->session && k->have_sample)
		metrics_write(k);
	if (k->recorder) {
		struct dm_error err;
		dm_error_clear(&err);
		if (dm_recorder_close(k->recorder, &err) != 0)
			rc = DM_EIO;
		if (err.msg[0])
			dm_cli_print_error(&err);   /* the loss of samples alone is a warning */
		k->recorder = NULL;
	}
	if (k->metrics_failed) {
		dm_cli_print_error(&k->metrics_err);
		rc = DM_EIO;
	}
	return rc;
}

void dm_sink_fini(struct dm_sink *k)
{
	stop_thread(k);
	dm_recorder_close(k->recorder, NULL);
	k->recorder = NULL;
	if (k->csv) {
		dm_out_abort(&k->csv_out);
		k->csv = NULL;
	}
	if (k->events && k->events != stdout && k->events != stderr)
		fclose(k->events);
	k->events = NULL;
	dm_recout_fini(&k->rec);
	dm_buf_fini(&k->evq);
	dm_buf_fini(&k->csvq);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
}
