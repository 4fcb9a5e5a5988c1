/* Memory trend: a least-squares slope judged against the series' own
 * scatter. The seed calls anything under 1 KiB/s stable and anything above
 * growing; a process with 1 MiB of allocator jitter then flips between
 * growing and decreasing on every sample, and a slow real leak under
 * 1 KiB/s is never seen. Here the slope must clear its own confidence
 * bound, so a flat noisy process reads stable and a clean slow line reads
 * growing. */
#include "config.h"
#include "trend.h"

#include <math.h>

static const char *const kind_names[] = {
	[DM_TREND_UNKNOWN] = "unknown",
	[DM_TREND_STABLE] = "stable",
	[DM_TREND_GROWING] = "growing",
	[DM_TREND_DECREASING] = "decreasing",
};

const char *dm_trend_name(enum dm_trend_kind k)
{
	if ((unsigned)k < sizeof kind_names / sizeof kind_names[0])
		return kind_names[k];
	return "unknown";
}

/* One-sided t quantiles at 0.95, 0.99 and 0.999 for these df (the last
 * row is the normal limit). Interpolated linearly in 1/df, which is
 * how the quantiles approach their limit. */
static const double t_df[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 60, 120, INFINITY};
static const double t_q[3][17] = {
	{6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812,
	 1.782, 1.753, 1.725, 1.697, 1.671, 1.658, 1.645},
	{31.821, 6.965, 4.541, 3.747, 3.365, 3.143, 2.998, 2.896, 2.821, 2.764,
	 2.681, 2.602, 2.528, 2.457, 2.390, 2.358, 2.326},
	{318.31, 22.327, 10.215, 7.173, 5.893, 5.208, 4.785, 4.501, 4.297, 4.144,
	 3.930, 3.733, 3.552, 3.385, 3.232, 3.160, 3.090},
};

double dm_t_quantile(double df, double level)
{
	int row = level < 0.97 ? 0 : level < 0.995 ? 1 : 2;
	const double *q = t_q[row];
	size_t n = sizeof t_df / sizeof t_df[0];
	if (!(df > 1))
		return q[0];
	for (size_t i = 1; i < n; i++) {
		if (df <= t_df[i]) {
			double a = 1 / t_df[i - 1], b = 1 / t_df[i], x = 1 / df;
			return q[i] + (q[i - 1] - q[i]) * (x - b) / (a - b);
		}
	}
	return q[n - 1];
}

int dm_line_fit(const double *t, const double *y, size_t n, struct dm_line *out)
{
	*out = (struct dm_line){.n = n};
	if (n == 0)
		return -1;
	out->span = t[n - 1] - t[0];
	if (n < 3 || !(out->span > 0))
		return -1;

	/* Centre on the means before summing products: t may be a Unix time
	 * (~1.7e9) and y several GiB, and the textbook n*Σty - Σt*Σy form
	 * loses every significant digit to cancellation at those sizes. */
	double tm = 0, ym = 0;
	for (size_t i = 0; i < n; i++) {
		tm += t[i];
		ym += y[i];
	}
	tm /= (double)n;
	ym /= (double)n;
	double sxx = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		double dt = t[i] - tm;
		sxx += dt * dt;
		sxy += dt * (y[i] - ym);
	}
	if (!(sxx > 0))
		return -1;
	double b = sxy / sxx;

	double sse = 0, lag = 0, prev = 0;
	for (size_t i = 0; i < n; i++) {
		double e = y[i] - ym - b * (t[i] - tm);
		sse += e * e;
		if (i)
			lag += e * prev;
		prev = e;
	}
	double r1 = sse > 0 ? lag / sse : 0;
	if (!(r1 > 0))
		r1 = 0;
	if (r1 > 0.95)
		r1 = 0.95;
	double neff = (double)n * (1 - r1) / (1 + r1);
	double df = neff - 2;
	if (df < 1)
		df = 1;
	/* sse / (n - 2) is the residual variance; the correlation widens the
	 * slope's error by sqrt((1 + r1) / (1 - r1)). */
	double var = sse / (double)(n - 2);
	out->slope = b;
	out->se = sqrt(var / sxx * (1 + r1) / (1 - r1));
	out->df = df;
	out->r1 = r1;
	out->sigma = sqrt(var);
	out->mean_t = tm;
	out->mean_y = ym;
	out->sxx = sxx;
	return 0;
}

/* Index of the first point within window of the last one. t is ascending,
 * so a binary search keeps a fit over a long ring cheap. */
static size_t window_start(const double *t, size_t n, double window)
{
	if (!(window > 0) || isinf(window))
		return 0;
	double from = t[n - 1] - window;
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void dm_trend_fit(const double *t, const double *y, size_t n, double window,
                  uint64_t budget, struct dm_trend *out)
{
	*out = (struct dm_trend){.kind = DM_TREND_UNKNOWN, .to_budget = -1};
	if (n == 0 || !t || !y)
		return;

	size_t s = window_start(t, n, window);
	struct dm_line ln;
	out->n = n - s;
	if (dm_line_fit(t + s, y + s, n - s, &ln) != 0)
		return;
	out->rate = ln.slope;
	out->rate_err = dm_t_quantile(ln.df, DM_TREND_CONFIDENCE) * ln.se;
	out->noise = ln.sigma;

	if (fabs(ln.slope) <= out->rate_err || fabs(ln.slope) * ln.span < DM_TREND_PAGE)
		out->kind = DM_TREND_STABLE;
	else if (ln.slope > 0)
		out->kind = DM_TREND_GROWING;
	else
		out->kind = DM_TREND_DECREASING;

	/* Measured from the last observed value, not the fitted line: an
	 * operator reads "in use now, budget in N s", and "already past"
	 * must mean the memory is really there. */
	if (out->kind == DM_TREND_GROWING && budget > 0) {
		double left = (double)budget - y[n - 1];
		out->to_budget = left > 0 ? left / ln.slope : 0;
	}
}
