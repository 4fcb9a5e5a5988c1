/* Memory trend: least-squares slope over a time window, classified the way
 * the seed's getMemoryTrend does. Unlike the seed (first and last point
 * only), every point in the window votes, so one noisy sample at either end
 * does not flip the class. */
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
	out->kind = DM_TREND_UNKNOWN;
	out->rate = 0;
	out->to_budget = -1;
	out->n = 0;
	if (n == 0 || !t || !y)
		return;

	size_t s = window_start(t, n, window);
	size_t m = n - s;
	out->n = m;
	/* Ascending t: all equal iff first == last. Then the slope is
	 * undefined (0/0), not zero, so the class stays unknown. */
	if (m < 2 || !(t[n - 1] > t[s]))
		return;

	/* Centre on the means before summing products: t may be a Unix time
	 * (~1.7e9) and y several GiB, and the textbook n*Σty - Σt*Σy form
	 * loses every significant digit to cancellation at those sizes. */
	double tm = 0, ym = 0;
	for (size_t i = s; i < n; i++) {
		tm += t[i];
		ym += y[i];
	}
	tm /= (double)m;
	ym /= (double)m;
	double sxx = 0, sxy = 0;
	for (size_t i = s; i < n; i++) {
		double dt = t[i] - tm;
		sxx += dt * dt;
		sxy += dt * (y[i] - ym);
	}
	if (!(sxx > 0))
		return;
	out->rate = sxy / sxx;

	if (fabs(out->rate) < DM_TREND_STABLE_RATE)
		out->kind = DM_TREND_STABLE;
	else if (out->rate > 0)
		out->kind = DM_TREND_GROWING;
	else
		out->kind = DM_TREND_DECREASING;

	/* Measured from the last observed value, not the fitted line: an
	 * operator reads "in use now, budget in N s", and "already past"
	 * must mean the memory is really there. */
	if (out->kind == DM_TREND_GROWING && budget > 0) {
		double left = (double)budget - y[n - 1];
		out->to_budget = left > 0 ? left / out->rate : 0;
	}
}
