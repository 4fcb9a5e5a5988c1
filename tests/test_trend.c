/* Trend fit: exact slopes, the seed's classes, time to budget, the window,
 * and the degenerate inputs a sampler produces at start-up. */
#include "config.h"
#include "trend.h"

#include <criterion/criterion.h>
#include <math.h>

#define N 100

static double t[N], y[N];

/* y = y0 + rate * (t - t0) at one point a second from t0. */
static void line(size_t n, double t0, double y0, double rate)
{
	for (size_t i = 0; i < n; i++) {
		t[i] = t0 + (double)i;
		y[i] = y0 + rate * (double)i;
	}
}

static void fit(size_t n, double window, uint64_t budget, struct dm_trend *tr)
{
	/* Poison: the fit must fill every field, whatever it finds. */
	tr->kind = (enum dm_trend_kind)99;
	tr->rate = NAN;
	tr->to_budget = NAN;
	tr->n = 12345;
	dm_trend_fit(t, y, n, window, budget, tr);
}

Test(trend, exact_slope_of_a_line)
{
	struct dm_trend tr;
	line(10, 0, 1000, 5e6);
	fit(10, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_GROWING);
	cr_assert_float_eq(tr.rate, 5e6, 1e-6);
	cr_assert_eq(tr.n, 10);
	cr_assert_eq(tr.to_budget, -1);
}

Test(trend, exact_slope_at_unix_time_and_gigabytes)
{
	/* Centred sums: a naive Σty at t ~ 1.7e9, y ~ 8e9 would lose it. */
	struct dm_trend tr;
	line(N, 1.7e9, 8e9, 3e3);
	fit(N, 0, 0, &tr);
	cr_assert_float_eq(tr.rate, 3e3, 1e-3, "rate %f", tr.rate);
	cr_assert_eq(tr.kind, DM_TREND_GROWING);
}

Test(trend, stable_both_ways)
{
	struct dm_trend tr;
	line(20, 0, 5e8, 1000);
	fit(20, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
	cr_assert_float_eq(tr.rate, 1000, 1e-6);
	line(20, 0, 5e8, -1000);
	fit(20, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
	cr_assert_float_eq(tr.rate, -1000, 1e-6);
	line(20, 0, 5e8, 0);
	fit(20, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
	cr_assert_eq(tr.rate, 0);
	cr_assert_eq(tr.to_budget, -1, "stable never reaches the budget");
}

Test(trend, boundary_is_one_kib_per_second)
{
	struct dm_trend tr;
	line(2, 0, 0, DM_TREND_STABLE_RATE);
	fit(2, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_GROWING, "|rate| < 1 KiB/s is stable, 1 KiB/s is not");
	line(2, 0, 0, -DM_TREND_STABLE_RATE);
	fit(2, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_DECREASING);
	line(2, 0, 0, DM_TREND_STABLE_RATE - 1);
	fit(2, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
}

Test(trend, decreasing)
{
	struct dm_trend tr;
	line(30, 100, 9e8, -2e6);
	fit(30, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_DECREASING);
	cr_assert_float_eq(tr.rate, -2e6, 1e-6);
	cr_assert_eq(tr.to_budget, -1);
}

Test(trend, alternating_noise_is_not_growth)
{
	/* ±1 MB around a flat line, starting low and ending high: the seed's
	 * first-to-last rate says 20 KB/s "growing"; the fit says stable. */
	struct dm_trend tr;
	for (size_t i = 0; i < N; i++) {
		t[i] = (double)i;
		y[i] = 1e8 + (i % 2 ? 1e6 : -1e6);
	}
	fit(N, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE, "rate %f", tr.rate);
	cr_assert_gt((y[N - 1] - y[0]) / (t[N - 1] - t[0]), DM_TREND_STABLE_RATE);
}

Test(trend, time_to_budget)
{
	struct dm_trend tr;
	line(10, 0, 100e6, 10e6);             /* last y = 190 MB */
	fit(10, 0, 290000000, &tr);
	cr_assert_float_eq(tr.to_budget, 10.0, 1e-9);
	fit(10, 0, 190000000, &tr);
	cr_assert_eq(tr.to_budget, 0, "at the budget: no time left");
	fit(10, 0, 150000000, &tr);
	cr_assert_eq(tr.to_budget, 0, "past the budget: no time left");
	fit(10, 0, 0, &tr);
	cr_assert_eq(tr.to_budget, -1, "no budget");
}

Test(trend, time_to_budget_counts_from_the_last_value)
{
	/* A line with the last point 20 MB above it: the budget is nearer
	 * than the fitted line says. */
	struct dm_trend tr;
	line(11, 0, 0, 10e6);
	y[10] += 20e6;                        /* 120 MB */
	fit(11, 0, 220000000, &tr);
	cr_assert_gt(tr.rate, 10e6);
	cr_assert_float_eq(tr.to_budget, 100e6 / tr.rate, 1e-9);
}

Test(trend, window_cuts_off_old_points)
{
	/* Twenty seconds of steep fall, then ten of growth: a 9 s window
	 * sees only the growth, exactly. */
	struct dm_trend tr;
	for (size_t i = 0; i < 30; i++) {
		t[i] = (double)i;
		y[i] = i < 20 ? 1e9 - 4e7 * (double)i : 2e8 + 3e6 * (double)(i - 20);
	}
	fit(30, 9, 0, &tr);
	cr_assert_eq(tr.n, 10);
	cr_assert_eq(tr.kind, DM_TREND_GROWING);
	cr_assert_float_eq(tr.rate, 3e6, 1e-6);

	fit(30, 0, 0, &tr);
	cr_assert_eq(tr.n, 30, "window 0: everything");
	cr_assert_eq(tr.kind, DM_TREND_DECREASING);
	fit(30, INFINITY, 0, &tr);
	cr_assert_eq(tr.n, 30);
	fit(30, 1e6, 0, &tr);
	cr_assert_eq(tr.n, 30);
}

Test(trend, window_edge_is_inclusive)
{
	struct dm_trend tr;
	line(30, 0, 0, 2e6);
	fit(30, 5, 0, &tr);
	cr_assert_eq(tr.n, 6, "t = last - window is within the window");
}

Test(trend, fewer_than_two_points_is_unknown)
{
	struct dm_trend tr;
	line(5, 0, 1e6, 1e6);
	fit(0, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_UNKNOWN);
	cr_assert_eq(tr.n, 0);
	cr_assert_eq(tr.rate, 0);
	cr_assert_eq(tr.to_budget, -1);
	fit(1, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_UNKNOWN);
	cr_assert_eq(tr.n, 1);
	cr_assert_eq(tr.rate, 0);
	/* Five points, but the window leaves only the last. */
	fit(5, 0.5, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_UNKNOWN);
	cr_assert_eq(tr.n, 1);
	cr_assert_eq(tr.rate, 0);
	cr_assert_eq(tr.to_budget, -1);
}

Test(trend, zero_variance_in_t_is_unknown)
{
	struct dm_trend tr;
	for (size_t i = 0; i < 5; i++) {
		t[i] = 42.0;
		y[i] = 1e6 * (double)i;
	}
	fit(5, 10, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_UNKNOWN);
	cr_assert_eq(tr.n, 5);
	cr_assert_eq(tr.rate, 0);
	cr_assert(isfinite(tr.rate));
	cr_assert_eq(tr.to_budget, -1);
}

Test(trend, names)
{
	cr_assert_str_eq(dm_trend_name(DM_TREND_UNKNOWN), "unknown");
	cr_assert_str_eq(dm_trend_name(DM_TREND_STABLE), "stable");
	cr_assert_str_eq(dm_trend_name(DM_TREND_GROWING), "growing");
	cr_assert_str_eq(dm_trend_name(DM_TREND_DECREASING), "decreasing");
	cr_assert_str_eq(dm_trend_name((enum dm_trend_kind)42), "unknown");
}
