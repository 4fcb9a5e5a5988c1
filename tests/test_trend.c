/* Trend fit: exact slopes, classes judged against the series' own scatter
 * (noisy flat and sawtooth series read stable, real growth under noise
 * reads growing), time to budget, the window, and the degenerate inputs a
 * sampler produces at start-up. */
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

Test(trend, flat_is_stable_and_a_clean_slow_line_is_growth)
{
	/* No fixed rate threshold: 1000 B/s on a clean line is real growth,
	 * a flat line is stable whatever the budget. */
	struct dm_trend tr;
	line(20, 0, 5e8, 1000);
	fit(20, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_GROWING);
	cr_assert_float_eq(tr.rate, 1000, 1e-6);
	line(20, 0, 5e8, -1000);
	fit(20, 0, 0, &tr);
	cr_assert_eq(tr.kind, DM_TREND_DECREASING);
	line(20, 0, 5e8, 0);
	fit(20, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
	cr_assert_eq(tr.rate, 0);
	cr_assert_eq(tr.to_budget, -1, "stable never reaches the budget");
}

Test(trend, less_than_a_page_over_the_window_is_stable)
{
	struct dm_trend tr;
	line(20, 0, 5e8, 200);          /* 3800 bytes over 19 s */
	fit(20, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_STABLE);
	cr_assert_eq(tr.to_budget, -1);
	line(20, 0, 5e8, 300);          /* 5700 bytes */
	fit(20, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_GROWING);
}

/* Gaussian noise from a fixed-seed generator: the same on every run. */
static uint64_t rng = 42;
static double gauss(void)
{
	double u[2];
	for (int i = 0; i < 2; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		u[i] = ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
	}
	return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

#define LONG 3000
static double lt[LONG], ly[LONG];

/* Slide a 10 s window over LONG samples 100 ms apart; count the classes. */
static void slide(int counts[4], uint64_t budget, int *to_budget_given)
{
	for (int k = 0; k < 4; k++)
		counts[k] = 0;
	*to_budget_given = 0;
	for (size_t end = 100; end <= LONG; end++) {
		struct dm_trend tr;
		dm_trend_fit(lt, ly, end, 10.0, budget, &tr);
		counts[tr.kind]++;
		if (tr.to_budget >= 0)
			(*to_budget_given)++;
	}
}

Test(trend, noisy_flat_series_reads_stable)
{
	/* 1 MiB of scatter around 300 MiB: the seed's 1 KiB/s rule calls
	 * almost every window growing or decreasing. */
	rng = 7;
	for (size_t i = 0; i < LONG; i++) {
		lt[i] = (double)i * 0.1;
		ly[i] = 300.0 * 1048576 + 1048576 * gauss();
	}
	int c[4], tb;
	slide(c, 400u << 20, &tb);
	int windows = LONG - 100 + 1;
	/* 1 % one-sided each way: allow 3 %, and never a budget projection
	 * from more than that. */
	cr_assert_geq(c[DM_TREND_STABLE], windows * 97 / 100,
	              "stable %d of %d (growing %d, decreasing %d)", c[DM_TREND_STABLE], windows,
	              c[DM_TREND_GROWING], c[DM_TREND_DECREASING]);
	cr_assert_leq(tb, windows * 3 / 100);
}

Test(trend, sawtooth_reads_stable_not_flipping)
{
	/* Fill and drop by 40 MiB every P seconds, P from 0.5 to 5 s,
	 * including exact multiples of the 100 ms sampling interval. */
	static const double periods[] = {0.5, 1.0, 1.3, 2.0, 3.7, 5.0};
	for (size_t p = 0; p < sizeof periods / sizeof periods[0]; p++) {
		rng = 11;
		for (size_t i = 0; i < LONG; i++) {
			lt[i] = (double)i * 0.1;
			double phase = fmod(lt[i] + 1e-9, periods[p]) / periods[p];
			ly[i] = 200.0 * 1048576 + 40.0 * 1048576 * phase + 65536 * gauss();
		}
		int c[4], tb;
		slide(c, 0, &tb);
		int windows = LONG - 100 + 1;
		cr_assert_geq(c[DM_TREND_STABLE], windows * 95 / 100,
		              "period %.1f s: stable %d of %d (growing %d, decreasing %d)", periods[p],
		              c[DM_TREND_STABLE], windows, c[DM_TREND_GROWING], c[DM_TREND_DECREASING]);
	}
}

Test(trend, real_growth_under_noise_is_growing_with_time_to_budget)
{
	/* 1 MiB/s under 1 MiB of scatter: every 10 s window sees it. */
	rng = 3;
	for (size_t i = 0; i < LONG; i++) {
		lt[i] = (double)i * 0.1;
		ly[i] = 100.0 * 1048576 + 1048576 * lt[i] + 1048576 * gauss();
	}
	int c[4], tb;
	slide(c, 2048u << 20, &tb);
	int windows = LONG - 100 + 1;
	cr_assert_eq(c[DM_TREND_GROWING], windows);
	cr_assert_eq(tb, windows);
	struct dm_trend tr;
	dm_trend_fit(lt, ly, LONG, 10.0, 2048u << 20, &tr);
	cr_assert_float_eq(tr.rate, 1048576, 0.1 * 1048576);
	cr_assert_gt(tr.rate_err, 0);
	cr_assert_lt(tr.rate_err, 0.5 * 1048576);
	cr_assert_float_eq(tr.noise, 1048576, 0.2 * 1048576);
}

Test(trend, t_quantiles)
{
	cr_assert_float_eq(dm_t_quantile(10, 0.99), 2.764, 1e-9);
	cr_assert_float_eq(dm_t_quantile(1e9, 0.999), 3.090, 1e-3);
	cr_assert_float_eq(dm_t_quantile(0.2, 0.95), 6.314, 1e-9);
	double q = dm_t_quantile(11, 0.99);
	cr_assert(q < 2.764 && q > 2.681, "%f", q);
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
	cr_assert_gt((y[N - 1] - y[0]) / (t[N - 1] - t[0]), 1024.0);
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
	/* A V is no line: the residuals are one long run each side, so the
	 * slope is negative but the class is not sure of a direction. */
	cr_assert_lt(tr.rate, -1e7);
	cr_assert_neq(tr.kind, DM_TREND_GROWING);
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

Test(trend, fewer_than_three_points_is_unknown)
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
	/* Two points give a slope but nothing to judge it against. */
	fit(2, 0, 1e9, &tr);
	cr_assert_eq(tr.kind, DM_TREND_UNKNOWN);
	cr_assert_eq(tr.n, 2);
	cr_assert_eq(tr.rate, 0);
	cr_assert_eq(tr.to_budget, -1);
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
