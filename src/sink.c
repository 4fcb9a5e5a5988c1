/* Headless output: records, events, metrics, samples. */
#include "config.h"
#include "sink.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "emit.h"
#include "metrics.h"

#define FLUSH_AT (64 * 1024)

static int flush_records(struct dm_sink *k)
{
	if (!k->write_error)
		k->write_error = dm_write_all(k->record_fd, k->rec.data, k->rec.len);
	dm_buf_reset(&k->rec);
	return k->write_error ? DM_EIO : 0;
}

static int on_record(void *ctx, int file, const struct dm_record *r)
{
	(void)file;
	struct dm_sink *k = ctx;
	if (!k->records)
		return 0;
	pthread_mutex_lock(&k->mu);
	int rc = 0;
	if (k->write_error) {
		rc = DM_EIO;
	} else {
		size_t mark = k->rec.len;
		if (dm_record_to_json(r, &k->rec) != 0 || (dm_buf_putc(&k->rec, '\n'), k->rec.failed)) {
			k->rec.len = mark;    /* only whole lines go out */
			k->rec.failed = 0;
			rc = DM_ENOMEM;
		} else if (k->rec.len >= FLUSH_AT) {
			rc = flush_records(k);
		}
	}
	pthread_mutex_unlock(&k->mu);
	return rc;
}

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
	if (dm_metrics_format(&m, &b) == 0)
		dm_write_atomic(k->metrics_path, b.data, b.len, NULL);
	dm_buf_fini(&b);
	dm_acct_dealloc(files);
}

static void on_event(void *ctx, const struct dm_event *ev)
{
	struct dm_sink *k = ctx;
	pthread_mutex_lock(&k->mu);
	if (ev->type == DM_EV_SAMPLE && ev->sample) {
		k->last = *ev->sample;
		if (ev->trend)
			k->trend = *ev->trend;
		k->have_sample = 1;
		if (k->csv)
			fprintf(k->csv, "%.3f,%lld,%llu,%llu,%llu,%llu,%.2f,%llu,%llu,%llu,%llu,%.1f\n",
			        ev->sample->t, (long long)ev->sample->wall_ms,
			        (unsigned long long)ev->sample->rss, (unsigned long long)ev->sample->rss_peak,
			        (unsigned long long)ev->sample->mem_total,
			        (unsigned long long)ev->sample->mem_available, ev->sample->mem_used_pct,
			        (unsigned long long)ev->sample->heap_inuse,
			        (unsigned long long)ev->sample->heap_free,
			        (unsigned long long)ev->sample->acct.live,
			        (unsigned long long)ev->sample->acct.peak, ev->trend ? ev->trend->rate : 0.0);
		if (k->metrics_path && k->session && ev->t - k->metrics_last >= 1.0) {
			k->metrics_last = ev->t;
			metrics_write(k);
		}
	}
	if (ev->type == DM_EV_STATUS && ev->sample && ev->sample->rss) {
		k->last = *ev->sample;   /* a run shorter than one sample still gets metrics */
		if (ev->trend)
			k->trend = *ev->trend;
		k->have_sample = 1;
	}
	if (ev->type == DM_EV_LEAK_SUSPECTED || ev->type == DM_EV_LEAK_CONFIRMED ||
	    ev->type == DM_EV_LEAK_CLEARED)
		k->leak = ev->leak ? ev->leak->state : k->leak;
	if (k->events && (ev->type != DM_EV_SAMPLE || k->sample_events)) {
		dm_buf_reset(&k->ev);
		if (dm_event_to_json(ev, &k->ev) == 0) {
			dm_buf_putc(&k->ev, '\n');
			if (!k->ev.failed) {
				fwrite(k->ev.data, 1, k->ev.len, k->events);
				fflush(k->events);
			}
		}
	}
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
	.record = on_record,
};

int dm_sink_init(struct dm_sink *k, struct dm_acct *acct)
{
	pthread_mutex_init(&k->mu, NULL);
	k->acct = acct;
	k->record_fd = STDOUT_FILENO;
	k->metrics_last = -1e9;
	dm_buf_init(&k->rec, acct, DM_TAG_OUTPUT);
	dm_buf_init(&k->ev, acct, DM_TAG_OUTPUT);
	if (k->csv_path) {
		struct dm_error err;
		dm_error_clear(&err);
		if (dm_out_open(&k->csv_out, k->csv_path, DM_OUT_STREAM, &err) != 0) {
			dm_cli_print_error(&err);
			return DM_EIO;
		}
		k->csv = k->csv_out.f;
		fputs("t,wall_ms,rss,rss_peak,mem_total,mem_available,mem_used_pct,heap_inuse,"
		      "heap_free,accounted,accounted_peak,trend_rate\n", k->csv);
	}
	return 0;
}

int dm_sink_finish(struct dm_sink *k)
{
	pthread_mutex_lock(&k->mu);
	int rc = flush_records(k);
	if (k->csv) {
		struct dm_error err;
		dm_error_clear(&err);
		k->csv = NULL;
		if (dm_out_commit(&k->csv_out, &err) != 0)
			dm_cli_print_error(&err);
	}
	if (k->metrics_path && k->session && k->have_sample)
		metrics_write(k);
	pthread_mutex_unlock(&k->mu);
	return rc;
}

void dm_sink_fini(struct dm_sink *k)
{
	if (k->csv)
		dm_out_abort(&k->csv_out);
	dm_buf_fini(&k->rec);
	dm_buf_fini(&k->ev);
	pthread_mutex_destroy(&k->mu);
}
