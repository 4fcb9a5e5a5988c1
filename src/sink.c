/* Headless output: records, events, metrics, samples. */
#include "config.h"
#include "sink.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "emit.h"

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
	struct dm_buf b;
	dm_buf_init(&b, k->acct, DM_TAG_OUTPUT);
	const struct dm_sample *s = &k->last;
	struct dm_session_summary sum;
	dm_session_summary(k->session, &sum);
	struct dm_config cfg;
	dm_session_config(k->session, &cfg);
	dm_buf_printf(&b, "# HELP ddexmon_rss_bytes Resident set size.\n"
	                  "# TYPE ddexmon_rss_bytes gauge\nddexmon_rss_bytes %llu\n",
	              (unsigned long long)s->rss);
	dm_buf_printf(&b, "# HELP ddexmon_rss_peak_bytes Peak resident set size.\n"
	                  "# TYPE ddexmon_rss_peak_bytes gauge\nddexmon_rss_peak_bytes %llu\n",
	              (unsigned long long)s->rss_peak);
	dm_buf_printf(&b, "# HELP ddexmon_budget_bytes The memory budget (max_memory).\n"
	                  "# TYPE ddexmon_budget_bytes gauge\nddexmon_budget_bytes %llu\n",
	              (unsigned long long)cfg.max_memory);
	dm_buf_puts(&b, "# HELP ddexmon_accounted_live_bytes Live bytes per allocation tag.\n"
	                "# TYPE ddexmon_accounted_live_bytes gauge\n");
	for (int t = 0; t < DM_TAG_COUNT; t++)
		dm_buf_printf(&b, "ddexmon_accounted_live_bytes{tag=\"%s\"} %llu\n",
		              dm_tag_name((enum dm_tag)t), (unsigned long long)s->acct.tag[t].live);
	dm_buf_puts(&b, "# HELP ddexmon_accounted_peak_bytes Peak bytes per allocation tag.\n"
	                "# TYPE ddexmon_accounted_peak_bytes gauge\n");
	for (int t = 0; t < DM_TAG_COUNT; t++)
		dm_buf_printf(&b, "ddexmon_accounted_peak_bytes{tag=\"%s\"} %llu\n",
		              dm_tag_name((enum dm_tag)t), (unsigned long long)s->acct.tag[t].peak);
	struct dm_pool_stats ps[4];
	size_t np = dm_session_pools(k->session, ps, 4);
	dm_buf_puts(&b, "# HELP ddexmon_pool_idle_bytes Bytes held idle by a pool.\n"
	                "# TYPE ddexmon_pool_idle_bytes gauge\n");
	for (size_t i = 0; i < np; i++)
		dm_buf_printf(&b, "ddexmon_pool_idle_bytes{pool=\"%s\"} %llu\n", ps[i].name,
		              (unsigned long long)ps[i].idle_bytes);
	dm_buf_printf(&b, "# HELP ddexmon_reclamations Reclamations of idle memory.\n"
	                  "# TYPE ddexmon_reclamations counter\nddexmon_reclamations_total %llu\n",
	              (unsigned long long)sum.reclamations);
	dm_buf_printf(&b, "# HELP ddexmon_reclaimed_bytes Bytes freed from pools by reclamations.\n"
	                  "# TYPE ddexmon_reclaimed_bytes counter\nddexmon_reclaimed_bytes_total %llu\n",
	              (unsigned long long)sum.reclaimed_bytes);
	dm_buf_puts(&b, "# HELP ddexmon_leak_state Leak detector state (1 = current).\n"
	                "# TYPE ddexmon_leak_state stateset\n");
	for (int st = DM_LEAK_WATCHING; st <= DM_LEAK_CONFIRMED; st++)
		dm_buf_printf(&b, "ddexmon_leak_state{ddexmon_leak_state=\"%s\"} %d\n",
		              dm_leak_state_name((enum dm_leak_state)st), k->leak == (enum dm_leak_state)st);
	dm_buf_printf(&b, "# HELP ddexmon_leaks_confirmed Confirmed leaks.\n"
	                  "# TYPE ddexmon_leaks_confirmed counter\nddexmon_leaks_confirmed_total %llu\n",
	              (unsigned long long)sum.leaks_confirmed);
	dm_buf_printf(&b, "# HELP ddexmon_parsed_bytes Bytes of XML parsed.\n"
	                  "# TYPE ddexmon_parsed_bytes counter\nddexmon_parsed_bytes_total %llu\n",
	              (unsigned long long)sum.bytes);
	dm_buf_printf(&b, "# HELP ddexmon_records Records emitted.\n"
	                  "# TYPE ddexmon_records counter\nddexmon_records_total %llu\n",
	              (unsigned long long)sum.records_total);
	dm_buf_printf(&b, "# HELP ddexmon_throughput_bytes_per_second Bytes parsed per second since the start.\n"
	                  "# TYPE ddexmon_throughput_bytes_per_second gauge\n"
	                  "ddexmon_throughput_bytes_per_second %.0f\n",
	              sum.seconds > 0 ? (double)sum.bytes / sum.seconds : 0.0);
	dm_buf_printf(&b, "# HELP ddexmon_memory_trend_bytes_per_second Slope of RSS over the trend window.\n"
	                  "# TYPE ddexmon_memory_trend_bytes_per_second gauge\n"
	                  "ddexmon_memory_trend_bytes_per_second %.0f\n", k->trend.rate);
	dm_buf_puts(&b, "# EOF\n");
	if (!b.failed)
		dm_write_atomic(k->metrics_path, b.data, b.len, NULL);
	dm_buf_fini(&b);
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
