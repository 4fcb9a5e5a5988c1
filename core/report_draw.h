/* Drawing helpers shared by the report's charts and its page. */
#ifndef DM_REPORT_DRAW_H
#define DM_REPORT_DRAW_H

#include <stddef.h>
#include "buf.h"

struct dm_report;

/* s as HTML/XML text: markup characters as entities, control characters
 * and bytes that are not UTF-8 as U+FFFD. */
void dm_rd_esc(struct dm_buf *o, const char *s);
void dm_rd_bytes(char *out, size_t size, double bytes);
void dm_rd_secs(char *out, size_t size, double seconds);
/* A round step (1, 2, 2.5 or 5 x 10^k) giving about ticks ticks. */
double dm_rd_nice_step(double range, int ticks);
/* The unit that keeps tick labels short (1, 1024, 1024^2, ...) for values
 * up to max, and its name ("MiB"). */
double dm_rd_byte_unit(double max, const char **name);
const char *dm_rd_mark_colour(int kind);
const char *dm_rd_mark_id(int kind);

/* The charts, appended to o as <svg> elements (standalone: with the XML
 * declaration). 0 or DM_ENOMEM. */
int dm_rd_memory_chart(const struct dm_report *rep, struct dm_buf *o, int standalone);
int dm_rd_gantt(const struct dm_report *rep, struct dm_buf *o);
int dm_rd_tune_chart(const struct dm_report *rep, struct dm_buf *o, int standalone);

#endif
