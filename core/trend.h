/* Memory trend: the least-squares slope of a series over a time window,
 * with a confidence bound that reflects the series' own scatter, and the
 * time left until a budget is reached while the growth is real. Also the
 * line fit itself (slope, standard error corrected for correlated noise)
 * and Student-t quantiles, which the leak detector shares. Pure: no
 * clock, no allocation, any thread. */
#ifndef DM_TREND_H
#define DM_TREND_H

#include <stddef.h>
#include <stdint.h>

enum dm_trend_kind {
	DM_TREND_UNKNOWN,      /* fewer than three points in the window */
	DM_TREND_STABLE,       /* slope not distinguishable from zero */
	DM_TREND_GROWING,
	DM_TREND_DECREASING,
};

/* One-sided confidence of the trend's classes: a series is called growing
 * (or decreasing) only when its slope is beyond zero at this level. */
#define DM_TREND_CONFIDENCE 0.99

/* RSS moves in pages: growth of less than one over the whole window is
 * not growth, however clean the line. */
#define DM_TREND_PAGE 4096.0

struct dm_trend {
	enum dm_trend_kind kind;
	double rate;            /* bytes/s, least-squares slope */
	double to_budget;       /* seconds until y reaches the budget at this
	                           rate; < 0 when not growing, no budget, or
	                           already past it (then 0) */
	size_t n;               /* points used */
	double rate_err;        /* half-width of the DM_TREND_CONFIDENCE bound
	                           on rate, bytes/s (0 below three points) */
	double noise;           /* scatter of the points about the line, bytes */
};

/* A straight-line fit y = slope * (t - mean_t) + mean_y. se is the
 * standard error of the slope, widened for lag-1 autocorrelation of the
 * residuals: memory series are not white noise (a sawtooth, a GC cycle,
 * churn that frees in batches), and the textbook error of a least-squares
 * slope on correlated residuals is far too small. The widening is the
 * usual AR(1) effective-sample-size correction n_eff = n (1 - r1)/(1 + r1)
 * (r1 clamped to [0, 0.95], so negative correlation never narrows it). */
struct dm_line {
	size_t n;
	double slope, se;       /* bytes/s */
	double df;              /* effective degrees of freedom, >= 1 */
	double r1;              /* lag-1 autocorrelation of residuals, clamped */
	double sigma;           /* residual standard deviation, bytes */
	double mean_t, mean_y;
	double sxx;             /* Σ(t - mean_t)²: the error of a slope fitted
	                           to part of the points is se * sqrt(sxx /
	                           that part's sxx) */
	double span;            /* t[last] - t[first] */
};

/* Fit n points (t ascending). Returns 0, or -1 (out zeroed but n, span)
 * when n < 3 or all t are equal. */
int dm_line_fit(const double *t, const double *y, size_t n, struct dm_line *out);

/* One-sided Student-t quantile for df degrees of freedom (fractional df
 * interpolated, df < 1 taken as 1) at level 0.95, 0.99 or 0.999 (other
 * levels use the nearest of those). */
double dm_t_quantile(double df, double level);

/* Fit the points (t[i], y[i]) (t ascending, seconds) whose t is within
 * window seconds of the last one (window <= 0 or infinite: all of them).
 * budget 0 = none; to_budget is counted from the last y, not the fitted
 * line. Fewer than three points, or all at the same t: DM_TREND_UNKNOWN
 * with rate 0: two points give no scatter to judge a slope by.
 * Never fails; out is always filled. */
void dm_trend_fit(const double *t, const double *y, size_t n, double window,
                  uint64_t budget, struct dm_trend *out);

/* "unknown", "stable", "growing", "decreasing". */
const char *dm_trend_name(enum dm_trend_kind k);

#endif
