/* The tune report: the table, its CSV and the verdict under it. */
#include "config.h"
#include "tune_cmd.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "emit.h"

/* Below this share of the budget, memory did not decide anything. */
#define SMALL_SHARE 0.10

static double spread_pct(const struct dm_tune_row *w)
{
	return w->median > 0 ? (w->q3 - w->q1) / w->median * 100 : 0;
}

static const char *mark(const struct dm_tune_row *rows, size_t i, const struct dm_tune_choice *c)
{
	if ((int)i == c->best)
		return "chosen";
	if (rows[i].noise)
		return "within noise";
	if (rows[i].retried)
		return "over budget: retried with half the chunk";
	return "";
}

void dm_tune_print_table(const struct dm_tune_row *rows, size_t n, int with_buffers,
                         const struct dm_tune_choice *c)
{
	printf("\n  %-6s%s  %6s  %11s  %11s  %6s  %9s  %9s  %7s  %8s\n", "chunk",
	       with_buffers ? "  buffer" : "", "MB/s", "min-max", "IQR", "spread", "peak RSS",
	       "accounted", "allocs", "reclaims");
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		char ch[16], b[16], rss[16], acc[16], range[32], iqr[32];
		dm_format_size(w->chunk, ch, sizeof ch);
		dm_format_size(w->buffer, b, sizeof b);
		printf("%c %-6s", (int)i == c->best ? '*' : w->noise ? '~' : ' ', ch);
		if (with_buffers)
			printf("  %-6s", b);
		if (!w->ok) {
			printf("  failed (%s): %s\n", dm_tune_error_class(w), w->error);
			continue;
		}
		if (!w->runs) {
			printf("  not run (interrupted)\n");
			continue;
		}
		dm_format_bytes(w->maxrss, rss, sizeof rss);
		dm_format_bytes(w->acct_peak, acc, sizeof acc);
		snprintf(range, sizeof range, "%.1f-%.1f", w->min, w->max);
		snprintf(iqr, sizeof iqr, "%.1f-%.1f", w->q1, w->q3);
		printf("  %6.1f  %11s  %11s  %5.1f%%  %9s  %9s  %7llu  %8llu", w->median, range, iqr,
		       spread_pct(w), rss, acc, (unsigned long long)w->mallocs,
		       (unsigned long long)w->reclamations);
		const char *m = mark(rows, i, c);
		printf("%s%s\n", *m ? "  " : "", m);
	}
}

/* Free text as one CSV field: quoted, its quotes doubled. */
static void csv_field(struct dm_buf *b, const char *s)
{
	if (!*s)
		return;
	dm_buf_puts(b, "\"");
	for (const char *p = s; *p; p++)
		dm_buf_puts(b, *p == '"' ? "\"\"" : (char[2]){*p, '\0'});
	dm_buf_puts(b, "\"");
}

int dm_tune_write_csv(const char *path, const struct dm_tune_row *rows, size_t n,
                      const struct dm_tune_choice *c, const struct dm_config *base,
                      const char *file)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	if (!a) {
		dm_cli_error("%s: out of memory", path);
		return -1;
	}
	struct dm_buf b;
	dm_buf_init(&b, a, DM_TAG_OUTPUT);
	dm_buf_puts(&b, "chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,"
	                "mbps_min,mbps_max,mbps_q1,mbps_q3,spread_pct,peak_rss_bytes,"
	                "accounted_peak_bytes,allocations,reclamations,records,chosen,within_noise,"
	                "error_class,error,limit\n");
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		char ch[16], bb[16], limit[256];
		dm_format_size(w->chunk, ch, sizeof ch);
		dm_format_size(w->buffer, bb, sizeof bb);
		dm_tune_limit_text(w, rows, n, base, file, limit, sizeof limit);
		dm_buf_printf(&b, "%s,%llu,%s,%llu,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%llu,%llu,%llu,"
		              "%llu,%llu,%d,%d,%s,", ch, (unsigned long long)w->chunk, bb,
		              (unsigned long long)w->buffer, w->runs, w->ok, w->retried, w->median,
		              w->min, w->max, w->q1, w->q3, spread_pct(w), (unsigned long long)w->maxrss,
		              (unsigned long long)w->acct_peak, (unsigned long long)w->mallocs,
		              (unsigned long long)w->reclamations, (unsigned long long)w->records,
		              (int)i == c->best, w->noise, w->ok ? "" : dm_tune_error_class(w));
		csv_field(&b, w->error);
		dm_buf_puts(&b, ",");
		csv_field(&b, limit);
		dm_buf_puts(&b, "\n");
	}
	struct dm_error e;
	dm_error_clear(&e);
	int rc = b.failed ? dm_error_set(&e, DM_EIO, "%s: out of memory", path)
	                  : dm_write_atomic(path, b.data, b.len, &e);
	dm_buf_fini(&b);
	dm_acct_free(a);
	if (rc) {
		dm_cli_print_error(&e);
		return -1;
	}
	return 0;
}

/* Each failed (or retried) setting: what stopped it. */
static void print_limits(const struct dm_tune_row *rows, size_t n, int with_buffers,
                         const struct dm_config *base, const char *file, int with_message)
{
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		if (w->ok && !w->retried)
			continue;
		char what[48], limit[256];
		dm_tune_setting_text(w, with_buffers, what, sizeof what);
		dm_tune_limit_text(w, rows, n, base, file, limit, sizeof limit);
		if (with_message && !w->ok)
			printf("  %s: failed (%s): %s\n", what, dm_tune_error_class(w), w->error);
		else if (!*limit)
			printf("  %s: failed (%s), see its row\n", what, dm_tune_error_class(w));
		if (*limit)
			printf("  %s: limited by %s\n", what, limit);
	}
}

/* No setting qualified: say what each one ran into, once when they all
 * failed the same way (a limit or a malformed file fails at every size). */
static void print_reasons(const struct dm_tune_row *rows, size_t n, int with_buffers,
                          const struct dm_config *base, const char *file)
{
	int same = n > 0;
	for (size_t i = 0; i < n; i++)
		if (rows[i].ok || rows[i].code != rows[0].code || strcmp(rows[i].error, rows[0].error))
			same = 0;
	if (same) {
		char limit[256];
		dm_tune_limit_text(&rows[0], rows, n, base, file, limit, sizeof limit);
		printf("No setting parsed the file; every one failed (%s): %s\n",
		       dm_tune_error_class(&rows[0]), rows[0].error);
		if (*limit)
			printf("Limited by %s.\n", limit);
		return;
	}
	printf("No setting qualified:\n");
	print_limits(rows, n, with_buffers, base, file, 1);
}

/* Whether memory decided anything: when every setting stayed far below
 * the budget, saying "within the budget" would suggest it did. */
static void print_memory(const struct dm_tune_row *rows, size_t n, const struct dm_config *base)
{
	const struct dm_tune_row *top = NULL;
	uint64_t rss = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		if ((!w->ok && w->code == DM_ENOMEM) || (w->ok && w->retried))
			return;   /* the limit lines said how the budget bit */
		if (!w->ok || !w->runs)
			continue;
		if (!top || w->acct_peak > top->acct_peak)
			top = w;
		if (w->maxrss > rss)
			rss = w->maxrss;
	}
	if (!top || !base->max_memory)
		return;
	char acc[16], bud[16], r[16], ch[16];
	dm_format_bytes(top->acct_peak, acc, sizeof acc);
	dm_format_size(base->max_memory, bud, sizeof bud);
	dm_format_bytes(rss, r, sizeof r);
	dm_format_size(top->chunk, ch, sizeof ch);
	double share = (double)top->acct_peak / (double)base->max_memory;
	char pct[16];
	if (share < 0.001)
		snprintf(pct, sizeof pct, "under 0.1%%");
	else
		snprintf(pct, sizeof pct, "%.1f%%", share * 100);
	printf("%s: the largest accounted peak, %s (chunk %s), is %s of the %s budget "
	       "(max_memory); peak RSS at most %s.\n",
	       share < SMALL_SHARE ? "Memory was not a constraint" : "Memory", acc, ch, pct,
	       bud, r);
}

void dm_tune_print_verdict(const struct dm_tune_row *rows, size_t n, int with_buffers,
                           const struct dm_tune_choice *c, const struct dm_config *base,
                           const char *file)
{
	if (c->best < 0) {
		print_reasons(rows, n, with_buffers, base, file);
		return;
	}
	char why[1024], ch[16], b[16];
	dm_tune_explain(rows, n, c, with_buffers, DM_TUNE_MBPS, why, sizeof why);
	printf("%s.\n", why);
	const struct dm_tune_row *w = &rows[c->best];
	dm_format_size(w->chunk, ch, sizeof ch);
	dm_format_size(w->buffer, b, sizeof b);
	printf("* chosen: chunk_size = %s%s%s (%.1f MB/s median)\n", ch,
	       with_buffers ? ", buffer_size = " : "", with_buffers ? b : "", w->median);
	int failed = 0;
	for (size_t i = 0; i < n; i++)
		failed |= !rows[i].ok || rows[i].retried;
	if (failed) {
		printf("Not chosen, and why:\n");
		print_limits(rows, n, with_buffers, base, file, 0);
	}
	print_memory(rows, n, base);
}
