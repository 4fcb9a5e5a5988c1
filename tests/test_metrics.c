/* The metrics formatter: Prometheus 0.0.4 rules (families once and
 * together, counters named _total on their TYPE line, no stateset or
 * # EOF), label escaping, run labels, per-file series and their cap, and
 * --metrics-label validation. */
#include "config.h"
#include "metrics.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "teardown.h"

static struct dm_acct *acct;
static struct dm_buf out;

static void setup(void)
{
	acct = dm_acct_new(NULL, 0);
	dm_buf_init(&out, acct, DM_TAG_OUTPUT);
}

static void teardown(void)
{
	dm_buf_fini(&out);
	TEARDOWN_CHECK(dm_acct_live(acct) == 0, "the formatter leaves nothing allocated");
	dm_acct_free(acct);
}

TestSuite(metrics, .init = setup, .fini = teardown);

static const char *format(const struct dm_metrics_snapshot *s)
{
	dm_buf_reset(&out);
	cr_assert_eq(dm_metrics_format(s, &out), 0);
	dm_buf_putc(&out, '\0');
	cr_assert(!out.failed);
	return out.data;
}

static void run_label(struct dm_metrics_snapshot *s, const char *path)
{
	struct dm_metrics_label l;
	dm_metrics_default_label(path, &l);
	cr_assert_eq(dm_metrics_set_label(s, &l), 0);
}

Test(metrics, every_family_is_typed_once_and_its_samples_follow_it)
{
	struct dm_metrics_snapshot s;
	struct dm_file_info files[2] = {
		{.path = "a.xml", .state = DM_FILE_DONE, .size = 10, .bytes = 10},
		{.path = "b.xml", .state = DM_FILE_FAILED, .size = 7, .bytes = 3, .code = DM_EXML},
	};
	dm_metrics_init(&s, files, 2);
	for (int i = 0; i < 2; i++)
		dm_metrics_add_file(&s, &files[i]);
	run_label(&s, "/var/lib/textfile/job-7.prom");
	s.version = "1.2.3";
	s.finished = 1;
	const char *text = format(&s);
	cr_assert_null(strstr(text, "stateset"));
	cr_assert_null(strstr(text, "# EOF"));
	cr_assert_null(strstr(text, "# UNIT"));

	/* walk the lines: each sample's family is the last TYPE, and no TYPE
	 * repeats; a counter's samples end in _total */
	char seen[4096] = "";
	char fam[128] = "", type[16] = "";
	int samples = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		cr_assert_not_null(nl, "every line ends in a newline");
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
		p = nl + 1;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			cr_assert_eq(sscanf(line + 7, "%127s %15s", fam, type), 2, "%s", line);
			char key[140];
			snprintf(key, sizeof key, " %s ", fam);
			cr_assert_null(strstr(seen, key), "TYPE %s twice", fam);
			strncat(seen, key, sizeof seen - strlen(seen) - 1);
			cr_assert(strcmp(type, "gauge") == 0 || strcmp(type, "counter") == 0, "%s", line);
			if (strcmp(type, "counter") == 0)
				cr_assert(strlen(fam) > 6 && strcmp(fam + strlen(fam) - 6, "_total") == 0,
				          "counter %s", fam);
			cr_assert_eq(strncmp(fam, "ddexmon_", 8), 0, "%s", fam);
			continue;
		}
		if (line[0] == '#')
			continue;
		size_t n = strlen(fam);
		cr_assert(strncmp(line, fam, n) == 0 && line[n] == '{', "%s outside %s", line, fam);
		cr_assert_eq(strncmp(line + n, "{run=\"job-7\"", 12), 0, "%s", line);
		samples++;
	}
	cr_assert_gt(samples, 40);
	cr_assert(strstr(text, "ddexmon_errors_total{run=\"job-7\",class=\"xml\"} 1\n"), "%s", text);
	cr_assert(strstr(text, "ddexmon_files{run=\"job-7\",state=\"failed\"} 1\n"));
	cr_assert(strstr(text, "ddexmon_file_parsed_bytes{run=\"job-7\",file=\"b.xml\"} 3\n"));
	cr_assert(strstr(text, "ddexmon_file_state{run=\"job-7\",file=\"a.xml\",state=\"done\"} 1\n"));
	cr_assert(strstr(text, "ddexmon_file_state{run=\"job-7\",file=\"a.xml\",state=\"running\"} 0\n"));
	cr_assert(strstr(text, "ddexmon_info{run=\"job-7\",version=\"1.2.3\",profile=\"\"} 1\n"));
}

Test(metrics, states_are_gauges_with_one_current)
{
	struct dm_metrics_snapshot s;
	dm_metrics_init(&s, NULL, 0);
	s.leak = DM_LEAK_SUSPECTED;
	const char *text = format(&s);
	cr_assert(strstr(text, "# TYPE ddexmon_leak_state gauge\n"));
	cr_assert(strstr(text, "ddexmon_leak_state{state=\"watching\"} 0\n"), "%s", text);
	cr_assert(strstr(text, "ddexmon_leak_state{state=\"suspected\"} 1\n"));
	cr_assert(strstr(text, "ddexmon_leak_state{state=\"confirmed\"} 0\n"));
	/* not growing: never exhausted, which an alert can compare */
	cr_assert(strstr(text, "ddexmon_budget_exhaustion_seconds +Inf\n"), "%s", text);
	cr_assert_null(strstr(text, "ddexmon_exit_code"), "no exit code before the end");
	s.to_budget = 12.5;
	s.finished = 1;
	s.exit_code = 3;
	text = format(&s);
	cr_assert(strstr(text, "ddexmon_budget_exhaustion_seconds 12.500\n"));
	cr_assert(strstr(text, "ddexmon_exit_code 3\n"));
}

Test(metrics, label_values_are_escaped_and_valid_utf8)
{
	struct dm_metrics_snapshot s;
	struct dm_file_info f = {.path = "a\"b\\c\nd\xff\xc3\xa9\xe2\x82", .state = DM_FILE_RUNNING};
	struct dm_file_info keep[1];
	dm_metrics_init(&s, keep, 1);
	dm_metrics_add_file(&s, &f);
	const char *text = format(&s);
	cr_assert(strstr(text, "file=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\"}"),
	          "%s", strstr(text, "file=") ? strstr(text, "file=") : text);
}

Test(metrics, per_file_series_are_capped_but_every_file_is_counted)
{
	struct dm_metrics_snapshot s;
	struct dm_file_info keep[2];
	dm_metrics_init(&s, keep, 2);
	for (int i = 0; i < 5; i++) {
		struct dm_file_info f = {.path = i < 2 ? "kept.xml" : "dropped.xml",
		                         .state = i == 4 ? DM_FILE_FAILED : DM_FILE_DONE,
		                         .code = DM_ENOMEM};
		dm_metrics_add_file(&s, &f);
	}
	const char *text = format(&s);
	cr_assert(strstr(text, "ddexmon_files{state=\"done\"} 4\n"));
	cr_assert(strstr(text, "ddexmon_errors_total{class=\"memory\"} 1\n"));
	cr_assert(strstr(text, "kept.xml"));
	cr_assert_null(strstr(text, "dropped.xml"));
}

Test(metrics, run_label_defaults_to_the_file_name)
{
	struct dm_metrics_label l;
	dm_metrics_default_label("/a/b/ingest-3.prom", &l);
	cr_assert_str_eq(l.name, "run");
	cr_assert_str_eq(l.value, "ingest-3");
	dm_metrics_default_label("plain", &l);
	cr_assert_str_eq(l.value, "plain");
	struct dm_metrics_snapshot s;
	dm_metrics_init(&s, NULL, 0);
	cr_assert_eq(dm_metrics_set_label(&s, &l), 0);
	struct dm_error err;
	cr_assert_eq(dm_metrics_parse_label("run=other", &l, &err), 0);
	cr_assert_eq(dm_metrics_set_label(&s, &l), 0);
	cr_assert_eq(s.nlabels, 1, "run= replaces the default");
	cr_assert_str_eq(s.labels[0].value, "other");
}

Test(metrics, label_names_follow_prometheus_rules)
{
	struct dm_metrics_label l;
	struct dm_error err;
	cr_assert_eq(dm_metrics_parse_label("host=a=b", &l, &err), 0);
	cr_assert_str_eq(l.name, "host");
	cr_assert_str_eq(l.value, "a=b");
	cr_assert_eq(dm_metrics_parse_label("_x9=", &l, &err), 0);
	const char *bad[] = {"9x=1", "=1", "noeq", "__name__=x", "a-b=1", "file=x", "state=x"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		dm_error_clear(&err);
		cr_assert_eq(dm_metrics_parse_label(bad[i], &l, &err), DM_EUSAGE, "%s", bad[i]);
		cr_assert(strstr(err.msg, "--metrics-label"), "%s", err.msg);
	}
}
