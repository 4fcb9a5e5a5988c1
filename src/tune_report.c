/* The tune report: the table, its CSV and the verdict under it. */
#include "config.h"
#include "tune.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "emit.h"

/* A row counts for "best" when every run parsed the file without the
 * half-chunk retry. The budget (max_memory) bounds accounted memory and
 * the accountant enforces it: a chunk size that does not fit fails or is
 * retried. (Peak RSS also counts the program itself, a few megabytes, so
 * it is shown but not held against the budget.) */
static int eligible(const struct dm_tune_row *w)
{
	return w->ok && !w->retried;
}

int dm_tune_best(const struct dm_tune_row *rows, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++)
		if (eligible(&rows[i]) && (best < 0 || rows[i].median > rows[best].median))
			best = (int)i;
	return best;
}

void dm_tune_print_table(const struct dm_tune_row *rows, size_t n, int with_buffers, int best)
{
	printf("\n  %-6s%s  %8s  %15s  %9s  %9s  %9s  %8s\n", "chunk", with_buffers ? "  buffer" : "",
	       "MB/s", "(min-max)", "peak RSS", "accounted", "allocs", "reclaims");
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		char c[16], b[16], rss[16], acc[16], range[32];
		dm_format_size(w->chunk, c, sizeof c);
		dm_format_size(w->buffer, b, sizeof b);
		printf("%c %-6s", (int)i == best ? '*' : ' ', c);
		if (with_buffers)
			printf("  %-6s", b);
		if (!w->ok) {
			printf("  failed (%s): %s\n", dm_tune_error_class(w), w->error);
			continue;
		}
		dm_format_bytes(w->maxrss, rss, sizeof rss);
		dm_format_bytes(w->acct_peak, acc, sizeof acc);
		snprintf(range, sizeof range, "(%.1f-%.1f)", w->min, w->max);
		printf("  %8.1f  %15s  %9s  %9s  %9llu  %8llu", w->median, range, rss, acc,
		       (unsigned long long)w->mallocs, (unsigned long long)w->reclamations);
		if ((int)i == best)
			printf("  best");
		else if (w->retried)
			printf("  over budget: retried with half the chunk");
		putchar('\n');
	}
}

int dm_tune_write_csv(const char *path, const struct dm_tune_row *rows, size_t n, int best)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	if (!a) {
		dm_cli_error("%s: out of memory", path);
		return -1;
	}
	struct dm_buf b;
	dm_buf_init(&b, a, DM_TAG_OUTPUT);
	dm_buf_puts(&b, "chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,"
	                "mbps_min,mbps_max,peak_rss_bytes,accounted_peak_bytes,allocations,"
	                "reclamations,records,best,error_class,error\n");
	for (size_t i = 0; i < n; i++) {
		const struct dm_tune_row *w = &rows[i];
		char c[16], bb[16];
		dm_format_size(w->chunk, c, sizeof c);
		dm_format_size(w->buffer, bb, sizeof bb);
		/* the error is free text: quote it and double its quotes */
		char err[sizeof w->error * 2 + 3];
		size_t k = 0;
		err[k++] = '"';
		for (const char *p = w->error; *p && k < sizeof err - 3; p++) {
			if (*p == '"')
				err[k++] = '"';
			err[k++] = *p;
		}
		err[k++] = '"';
		err[k] = '\0';
		dm_buf_printf(&b, "%s,%llu,%s,%llu,%d,%d,%d,%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,%d,%s,%s\n",
		              c, (unsigned long long)w->chunk, bb, (unsigned long long)w->buffer,
		              w->runs, w->ok, w->retried, w->median, w->min, w->max,
		              (unsigned long long)w->maxrss, (unsigned long long)w->acct_peak,
		              (unsigned long long)w->mallocs, (unsigned long long)w->reclamations,
		              (unsigned long long)w->records, (int)i == best, w->ok ? "" : dm_tune_error_class(w),
		              w->error[0] ? err : "");
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


const char *dm_tune_error_class(const struct dm_tune_row *w)
{
	return w->code ? dm_error_class(w->code) : "run";
}

static void setting_text(const struct dm_tune_row *w, int with_buffers, char *out, size_t n)
{
	char c[16], b[16];
	dm_format_size(w->chunk, c, sizeof c);
	dm_format_size(w->buffer, b, sizeof b);
	snprintf(out, n, "chunk %s%s%s", c, with_buffers ? " buffer " : "", with_buffers ? b : "");
}

/* No setting qualified: say what each one ran into, once when they all
 * failed the same way (a limit or a malformed file fails at every size). */
static void print_reasons(const struct dm_tune_row *rows, size_t n, int with_buffers)
{
	int same = 1;
	for (size_t i = 0; i < n; i++)
		if (rows[i].ok || rows[i].code != rows[0].code || strcmp(rows[i].error, rows[0].error))
			same = 0;
	if (same && n) {
		printf("No setting parsed the file; every one failed (%s): %s\n",
		       dm_tune_error_class(&rows[0]), rows[0].error);
		return;
	}
	printf("No setting parsed the file within the budget (max_memory) and limits:\n");
	for (size_t i = 0; i < n; i++) {
		char what[48];
		setting_text(&rows[i], with_buffers, what, sizeof what);
		if (!rows[i].ok)
			printf("  %s: failed (%s): %s\n", what, dm_tune_error_class(&rows[i]), rows[i].error);
		else if (rows[i].retried)
			printf("  %s: over the budget (max_memory): parsed only after the half-chunk "
			       "retry\n", what);
	}
}

void dm_tune_print_verdict(const struct dm_tune_row *rows, size_t n, int with_buffers, int best)
{
	if (best < 0) {
		print_reasons(rows, n, with_buffers);
		return;
	}
	char c[16], b[16];
	dm_format_size(rows[best].chunk, c, sizeof c);
	dm_format_size(rows[best].buffer, b, sizeof b);
	printf("* best within the budget: chunk_size = %s%s%s (%.1f MB/s)\n", c,
	       with_buffers ? ", buffer_size = " : "", with_buffers ? b : "", rows[best].median);
}
