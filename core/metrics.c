/* Prometheus text exposition (0.0.4) of a metrics snapshot.
 *
 * What node_exporter's textfile collector needs, and why the text looks
 * as it does: only counter, gauge, histogram, summary and untyped types
 * (an OpenMetrics stateset or "# EOF" fails the whole file); each family's
 * HELP and TYPE once, its samples together; a counter's TYPE line names
 * the sample itself (x_total); no timestamps; the same series must not
 * come from two files, hence the run labels on every sample. */
#include "config.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[DM_METRICS_FILE_STATES] = {
	"queued", "waiting", "running", "done", "failed", "skipped",
};

/* Label names the series use themselves: a run label must not shadow one. */
static const char *const reserved[] = {
	"file", "state", "class", "type", "tag", "pool", "version", "profile",
};

void dm_metrics_init(struct dm_metrics_snapshot *s, struct dm_file_info *files,
                     size_t max_files)
{
	memset(s, 0, sizeof *s);
	s->files = files;
	s->max_files = files ? max_files : 0;
	s->to_budget = -1;
}

void dm_metrics_add_file(struct dm_metrics_snapshot *s, const struct dm_file_info *f)
{
	if ((unsigned)f->state < DM_METRICS_FILE_STATES)
		s->files_by_state[f->state]++;
	if (f->state == DM_FILE_FAILED) {
		unsigned c = f->code < 0 && -f->code < DM_METRICS_ERROR_CLASSES ? (unsigned)-f->code : 0;
		s->errors[c]++;
	}
	if (s->nfiles < s->max_files)
		s->files[s->nfiles++] = *f;
}

/* A label value: '\\', '"' and newline escaped; bytes that are not UTF-8
 * (a file name can be anything) become U+FFFD, as the format is UTF-8. */
static void put_value(struct dm_buf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	while (*p) {
		unsigned c = *p;
		if (c == '\\' || c == '"') {
			dm_buf_putc(b, '\\');
			dm_buf_putc(b, (char)c);
			p++;
			continue;
		}
		if (c == '\n') {
			dm_buf_puts(b, "\\n");
			p++;
			continue;
		}
		if (c < 0x80) {
			dm_buf_putc(b, (char)c);
			p++;
			continue;
		}
		size_t n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
		size_t ok = n > 0;
		for (size_t i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		/* overlong, surrogate and beyond-U+10FFFF forms */
		if (ok && n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
			ok = 0;
		if (ok && n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
			ok = 0;
		if (ok) {
			dm_buf_put(b, p, n);
			p += n;
		} else {
			dm_buf_puts(b, "\xef\xbf\xbd");
			p++;
		}
	}
}

static void family(struct dm_buf *b, const char *name, const char *type, const char *help)
{
	dm_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label(struct dm_buf *b, int comma, const char *key, const char *value)
{
	if (comma)
		dm_buf_putc(b, ',');
	dm_buf_puts(b, key);
	dm_buf_puts(b, "=\"");
	put_value(b, value);
	dm_buf_putc(b, '"');
}

/* name{run labels[,key="value"[,key2="value2"]]} and a space: the value
 * follows. */
static void series2(struct dm_buf *b, const struct dm_metrics_snapshot *s, const char *name,
                    const char *key, const char *value, const char *key2, const char *value2)
{
	dm_buf_puts(b, name);
	if (!s->nlabels && !key) {
		dm_buf_putc(b, ' ');
		return;
	}
	dm_buf_putc(b, '{');
	for (size_t i = 0; i < s->nlabels; i++)
		label(b, i > 0, s->labels[i].name, s->labels[i].value);
	if (key)
		label(b, s->nlabels > 0, key, value);
	if (key2)
		label(b, 1, key2, value2);
	dm_buf_puts(b, "} ");
}

static void series(struct dm_buf *b, const struct dm_metrics_snapshot *s, const char *name,
                   const char *key, const char *value)
{
	series2(b, s, name, key, value, NULL, NULL);
}

static void u64_line(struct dm_buf *b, const struct dm_metrics_snapshot *s, const char *name,
                     const char *key, const char *value, uint64_t v)
{
	series(b, s, name, key, value);
	dm_buf_u64(b, v);
	dm_buf_putc(b, '\n');
}

static void double_line(struct dm_buf *b, const struct dm_metrics_snapshot *s, const char *name,
                        double v)
{
	series(b, s, name, NULL, NULL);
	if (isinf(v))
		dm_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		dm_buf_puts(b, "NaN");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)   /* 2^53: exact */
		dm_buf_printf(b, "%.0f", v);
	else
		dm_buf_printf(b, "%.3f", v);   /* ms and bytes/s: finer is noise */
	dm_buf_putc(b, '\n');
}

/* One unlabelled gauge or counter family with its single sample. */
static void scalar(struct dm_buf *b, const struct dm_metrics_snapshot *s, const char *name,
                   const char *type, const char *help, uint64_t v)
{
	family(b, name, type, help);
	u64_line(b, s, name, NULL, NULL, v);
}

static void run_figures(struct dm_buf *b, const struct dm_metrics_snapshot *s)
{
	family(b, "ddexmon_info", "gauge", "Always 1; the labels say which ddexmon and profile.");
	series2(b, s, "ddexmon_info", "version", s->version ? s->version : "", "profile",
	        s->profile ? s->profile : "");
	dm_buf_puts(b, "1\n");
	family(b, "ddexmon_start_time_seconds", "gauge", "When the run started, seconds since the epoch.");
	double_line(b, s, "ddexmon_start_time_seconds", s->start_time);
	scalar(b, s, "ddexmon_finished", "gauge",
	       "1 once every file is done (or the watched process has gone), else 0.", s->finished != 0);
	if (s->finished)   /* mid-run, a file not yet done would read as failed */
		scalar(b, s, "ddexmon_exit_code", "gauge", "The run's exit status, once finished.",
		       (uint64_t)s->exit_code);
}

static void memory_figures(struct dm_buf *b, const struct dm_metrics_snapshot *s)
{
	scalar(b, s, "ddexmon_budget_bytes", "gauge", "The memory budget (max_memory).", s->budget);
	scalar(b, s, "ddexmon_rss_bytes", "gauge", "Resident set size of the process sampled.", s->rss);
	scalar(b, s, "ddexmon_rss_peak_bytes", "gauge", "Highest resident set size seen.", s->rss_peak);
	family(b, "ddexmon_rss_kind_bytes", "gauge",
	       "Resident set size by kind: anonymous (heap, stacks), file-backed, shared memory.");
	u64_line(b, s, "ddexmon_rss_kind_bytes", "kind", "anon", s->rss_anon);
	u64_line(b, s, "ddexmon_rss_kind_bytes", "kind", "file", s->rss_file);
	u64_line(b, s, "ddexmon_rss_kind_bytes", "kind", "shmem", s->rss_shmem);
	family(b, "ddexmon_accounted_bytes", "gauge",
	       "Live bytes charged to the budget, by allocation tag (their sum is the total).");
	for (int t = 0; t < DM_TAG_COUNT; t++)
		u64_line(b, s, "ddexmon_accounted_bytes", "tag", dm_tag_name((enum dm_tag)t),
		         s->acct.tag[t].live);
	scalar(b, s, "ddexmon_accounted_peak_bytes", "gauge",
	       "Highest total of live bytes charged to the budget.", s->acct.peak);
	scalar(b, s, "ddexmon_allocations_refused_total", "counter",
	       "Allocations the budget refused.", s->acct.refused);
	family(b, "ddexmon_memory_trend_bytes_per_second", "gauge",
	       "Slope of RSS over the trend window.");
	double_line(b, s, "ddexmon_memory_trend_bytes_per_second", s->trend_rate);
	family(b, "ddexmon_budget_exhaustion_seconds", "gauge",
	       "Projected seconds until RSS reaches the budget at the current trend; +Inf when not growing.");
	double_line(b, s, "ddexmon_budget_exhaustion_seconds", s->to_budget < 0 ? INFINITY : s->to_budget);
	family(b, "ddexmon_leak_state", "gauge", "Leak detector state: 1 for the current one, else 0.");
	for (int st = DM_LEAK_WATCHING; st <= DM_LEAK_STOPPED; st++)
		u64_line(b, s, "ddexmon_leak_state", "state", dm_leak_state_name((enum dm_leak_state)st),
		         s->leak == (enum dm_leak_state)st);
	scalar(b, s, "ddexmon_leaks_suspected_total", "counter", "Times a leak was suspected.",
	       s->leaks_suspected);
	scalar(b, s, "ddexmon_leaks_confirmed_total", "counter", "Leaks confirmed.", s->leaks_confirmed);
	scalar(b, s, "ddexmon_reclamations_total", "counter", "Reclamations of idle memory.",
	       s->reclamations);
	scalar(b, s, "ddexmon_reclaimed_bytes_total", "counter",
	       "Bytes freed from pools by reclamations.", s->reclaimed_bytes);
	if (s->npools) {
		family(b, "ddexmon_pool_idle_bytes", "gauge", "Bytes held idle by a pool for reuse.");
		for (size_t i = 0; i < s->npools; i++)
			u64_line(b, s, "ddexmon_pool_idle_bytes", "pool", s->pools[i].name,
			         s->pools[i].idle_bytes);
	}
}

static void parse_figures(struct dm_buf *b, const struct dm_metrics_snapshot *s)
{
	scalar(b, s, "ddexmon_parsed_bytes_total", "counter", "Bytes of XML parsed, all files.", s->bytes);
	family(b, "ddexmon_records_total", "counter", "Records emitted, by record type.");
	for (int t = 0; t < DM_REC_TYPES; t++)
		u64_line(b, s, "ddexmon_records_total", "type", dm_rec_type_name((enum dm_rec_type)t),
		         s->records[t]);
	family(b, "ddexmon_files", "gauge", "Files of the run, by state.");
	for (int st = 0; st < DM_METRICS_FILE_STATES; st++)
		u64_line(b, s, "ddexmon_files", "state", state_names[st], s->files_by_state[st]);
	family(b, "ddexmon_errors_total", "counter", "Files that failed, by error class.");
	for (int c = 1; c < DM_METRICS_ERROR_CLASSES; c++)
		u64_line(b, s, "ddexmon_errors_total", "class", dm_error_class(-c), s->errors[c]);
	u64_line(b, s, "ddexmon_errors_total", "class", "other", s->errors[0]);
	if (!s->nfiles)
		return;
	family(b, "ddexmon_file_size_bytes", "gauge", "Size of a file; absent when unknown (a pipe).");
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].size)
			u64_line(b, s, "ddexmon_file_size_bytes", "file", s->files[i].path, s->files[i].size);
	family(b, "ddexmon_file_parsed_bytes", "gauge", "Bytes of a file parsed so far.");
	for (size_t i = 0; i < s->nfiles; i++)
		u64_line(b, s, "ddexmon_file_parsed_bytes", "file", s->files[i].path, s->files[i].bytes);
	family(b, "ddexmon_file_records", "gauge", "Records a file has emitted so far.");
	for (size_t i = 0; i < s->nfiles; i++)
		u64_line(b, s, "ddexmon_file_records", "file", s->files[i].path, s->files[i].records_total);
	family(b, "ddexmon_file_state", "gauge", "A file's state: 1 for the current one, else 0.");
	for (size_t i = 0; i < s->nfiles; i++)
		for (int st = 0; st < DM_METRICS_FILE_STATES; st++) {
			series2(b, s, "ddexmon_file_state", "file", s->files[i].path, "state",
			        state_names[st]);
			dm_buf_puts(b, s->files[i].state == (enum dm_file_state)st ? "1\n" : "0\n");
		}
}

int dm_metrics_format(const struct dm_metrics_snapshot *s, struct dm_buf *out)
{
	run_figures(out, s);
	memory_figures(out, s);
	parse_figures(out, s);
	return out->failed ? -1 : 0;
}

int dm_metrics_parse_label(const char *arg, struct dm_metrics_label *out, struct dm_error *err)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || !n)
		return dm_error_set(err, DM_EUSAGE, "--metrics-label %s: expected NAME=VALUE", arg);
	int ok = n < sizeof out->name && !(n >= 2 && arg[0] == '_' && arg[1] == '_');
	for (size_t i = 0; ok && i < n; i++) {
		char c = arg[i];
		ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (i > 0 && c >= '0' && c <= '9');
	}
	if (!ok)
		return dm_error_set(err, DM_EUSAGE,
		                    "--metrics-label %.*s: a label name is letters, digits and '_', "
		                    "not starting with a digit or \"__\"", (int)n, arg);
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
		if (strlen(reserved[i]) == n && memcmp(reserved[i], arg, n) == 0)
			return dm_error_set(err, DM_EUSAGE,
			                    "--metrics-label %s: '%s' is a label ddexmon's series use",
			                    arg, reserved[i]);
	if (strlen(eq + 1) >= sizeof out->value)
		return dm_error_set(err, DM_EUSAGE, "--metrics-label %.*s: value longer than %zu bytes",
		                    (int)n, arg, sizeof out->value - 1);
	memcpy(out->name, arg, n);
	out->name[n] = '\0';
	snprintf(out->value, sizeof out->value, "%s", eq + 1);
	return 0;
}

int dm_metrics_set_label(struct dm_metrics_snapshot *s, const struct dm_metrics_label *l)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, l->name) == 0) {
			s->labels[i] = *l;
			return 0;
		}
	if (s->nlabels >= DM_METRICS_MAX_LABELS)
		return DM_EUSAGE;
	s->labels[s->nlabels++] = *l;
	return 0;
}

void dm_metrics_default_label(const char *metrics_path, struct dm_metrics_label *out)
{
	const char *base = strrchr(metrics_path, '/');
	base = base ? base + 1 : metrics_path;
	size_t n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".prom") == 0)
		n -= 5;
	if (n >= sizeof out->value)
		n = sizeof out->value - 1;
	snprintf(out->name, sizeof out->name, "run");
	memcpy(out->value, base, n);
	out->value[n] = '\0';
}
