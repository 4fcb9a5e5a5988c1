/* Memory trend: the least-squares slope of a series over a time window,
 * classified as the seed's getMemoryTrend does (|rate| < 1 KiB/s stable),
 * with the time left until a budget is reached while growing. Pure. */
#ifndef DM_TREND_H
#define DM_TREND_H

#include <stddef.h>
#include <stdint.h>

enum dm_trend_kind {
	DM_TREND_UNKNOWN,      /* fewer than two points in the window */
	DM_TREND_STABLE,
	DM_TREND_GROWING,
	DM_TREND_DECREASING,
};

#define DM_TREND_STABLE_RATE 1024.0   /* bytes/s */

struct dm_trend {
	enum dm_trend_kind kind;
	double rate;            /* bytes/s, least-squares slope */
	double to_budget;       /* seconds until y reaches the budget at this
	                           rate; < 0 when not growing, no budget, or
	                           already past it (then 0) */
	size_t n;               /* points used */
};

/* Fit the points (t[i], y[i]) (t ascending, seconds) whose t is within
 * window seconds of the last one (window <= 0 or infinite: all of them).
 * budget 0 = none; to_budget is counted from the last y, not the fitted
 * line. Fewer than two points, or all at the same t: DM_TREND_UNKNOWN with
 * rate 0. Never fails; out is always filled. */
void dm_trend_fit(const double *t, const double *y, size_t n, double window,
                  uint64_t budget, struct dm_trend *out);

/* "unknown", "stable", "growing", "decreasing". */
const char *dm_trend_name(enum dm_trend_kind k);

#endif
