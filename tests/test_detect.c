/* The growth detector on synthetic series with a fake clock: a sample every
 * 100 ms (the default sample_interval), time is whatever t the test
 * passes, so a day of watching runs in about a second. Noise comes from a
 * fixed-seed generator: the same series on every run and machine. Each
 * leak scenario prints the times it measured (stderr), which is where the
 * README's fake-clock figures come from. */
#include "config.h"
#include "detect.h"
#include "trend.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MiB 1048576.0
#define STEP 0.1
#define LEAD 30.0                    /* flat seconds before anything starts */

struct sim {
	double base;
	double noise;                    /* gaussian, bytes */
	double churn;                    /* held churn, uniform in [0, churn] */
	double leak;                     /* bytes/s from LEAD */
	double leak_stop;                /* s after LEAD it stops; 0 = never */
	double (*shape)(const struct sim *s, double t);
	double a, b, c;                  /* shape parameters */
	uint64_t rng;
};

struct tally {
	int n[DM_DETECT_EXHAUSTION_CLEARED + 1];
	double first[DM_DETECT_EXHAUSTION_CLEARED + 1];
	struct dm_detect_change last[DM_DETECT_EXHAUSTION_CLEARED + 1];
	int confirmation_class;
};

static double uniform(struct sim *s)
{
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((double)(s->rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct sim *s)
{
	double u = uniform(s), v = uniform(s);
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static uint64_t level(struct sim *s, double t)
{
	double v = s->base;
	if (t > LEAD) {
		double run = t - LEAD;
		if (s->leak_stop > 0 && run > s->leak_stop)
			run = s->leak_stop;
		v += s->leak * run;
	}
	if (s->shape)
		v += s->shape(s, t);
	if (s->noise > 0)
		v += s->noise * gauss(s);
	if (s->churn > 0)
		v += s->churn * uniform(s);
	return v > 0 ? (uint64_t)v : 0;
}

/* The sampling interval: the default profile's, unless a test says. */
static double step = STEP;

/* Feed [from, to) every step; t = i * step, never accumulated. */
static void run(struct dm_detect *d, struct sim *s, double from, double to, uint64_t limit,
                struct tally *r)
{
	long i0 = lround(from / step), i1 = lround(to / step);
	for (long i = i0; i < i1; i++) {
		double t = (double)i * step;
		struct dm_detect_change c[DM_DETECT_MAX_CHANGES];
		size_t n = dm_detect_feed(d, t, level(s, t), limit, c, DM_DETECT_MAX_CHANGES);
		for (size_t k = 0; k < n; k++) {
			if (r->n[c[k].kind]++ == 0)
				r->first[c[k].kind] = t;
			r->last[c[k].kind] = c[k];
			if (c[k].kind == DM_DETECT_LEAK_CONFIRMED || c[k].kind == DM_DETECT_LEAK_UPDATED ||
			    c[k].kind == DM_DETECT_LEAK_STOPPED)
				r->confirmation_class++;
		}
	}
}

static struct dm_detect *must_new(void)
{
	static const struct dm_detect_cfg cfg = DM_DETECT_CFG_DEFAULT;
	struct dm_detect *d = dm_detect_new(&cfg, NULL);
	cr_assert_not_null(d);
	return d;
}

static double first_alarm(const struct tally *r)
{
	double a = -1;
	static const enum dm_detect_kind k[] = {DM_DETECT_LEAK_SUSPECTED, DM_DETECT_LEAK_CONFIRMED,
	                                        DM_DETECT_EXHAUSTION_PROJECTED};
	for (size_t i = 0; i < 3; i++)
		if (r->n[k[i]] && (a < 0 || r->first[k[i]] < a))
			a = r->first[k[i]];
	return a;
}

/* A steady leak from LEAD: alarmed within alarm_by (when > 0) and
 * confirmed within confirm_by seconds of its start; run on for `after`
 * seconds more to see nothing is repeated. */
static void leak_case(const char *name, struct sim *s, uint64_t limit, double alarm_by,
                      double confirm_by, double after)
{
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, s, 0, LEAD + confirm_by + after, limit, &r);
	double alarm = first_alarm(&r) - LEAD;
	double conf = r.n[DM_DETECT_LEAK_CONFIRMED] ? r.first[DM_DETECT_LEAK_CONFIRMED] - LEAD : -1;
	fprintf(stderr, "detect: %-28s alarm %6.1f s  confirmed %6.1f s  rate %.3g MiB/s (true %.3g)"
	                "  scale %gs window %gs  confirmation events %d\n",
	        name, alarm, conf, r.last[DM_DETECT_LEAK_CONFIRMED].rate / MiB, s->leak / MiB,
	        r.last[DM_DETECT_LEAK_CONFIRMED].scale, r.last[DM_DETECT_LEAK_CONFIRMED].window,
	        r.confirmation_class);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1, "%s: confirmed %d times", name,
	             r.n[DM_DETECT_LEAK_CONFIRMED]);
	cr_assert_geq(conf, 0, "%s: confirmed before the leak began", name);
	cr_assert_leq(conf, confirm_by, "%s: confirmed after %.1f s", name, conf);
	if (alarm_by > 0) {
		cr_assert_geq(alarm, 0, "%s: alarmed before the leak began", name);
		cr_assert_leq(alarm, alarm_by, "%s: first alarm after %.1f s", name, alarm);
	}
	const struct dm_detect_change *c = &r.last[DM_DETECT_LEAK_CONFIRMED];
	cr_assert_float_eq(c->rate, s->leak, 0.35 * s->leak, "%s: rate %.0f", name, c->rate);
	cr_assert_gt(c->rate_low, 0);
	cr_assert_leq(c->rate_low, c->rate);
	cr_assert_geq(c->window, 20);
	cr_assert_leq(r.confirmation_class, 3, "%s: %d confirmation-class events", name,
	              r.confirmation_class);
	cr_assert_leq(r.n[DM_DETECT_LEAK_SUSPECTED], 1);
	cr_assert_leq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 1);
	cr_assert_eq(r.n[DM_DETECT_LEAK_STOPPED], 0, "%s: a steady leak reported stopped", name);
	cr_assert_eq(r.n[DM_DETECT_GROWTH_BOUNDED], 0, "%s: a steady leak called bounded", name);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.state, DM_DETECT_CONFIRMED);
	cr_assert_eq(st.confirmations, 1);
	dm_detect_free(d);
}

Test(detect, leak_50_mib_s_alarmed_fast_confirmed_within_30_s)
{
	struct sim s = {.base = 200 * MiB, .noise = 512 * 1024, .leak = 50 * MiB, .rng = 1};
	leak_case("50 MiB/s", &s, 0, 10, 30, 60);
}

Test(detect, leak_50_mib_s_projected_to_the_limit_at_once)
{
	/* Watch mode: the limit is the RSS plus 16 GiB available, 5.5 min
	 * away at this rate, inside the 10 min horizon. */
	struct sim s = {.base = 200 * MiB, .noise = 512 * 1024, .leak = 50 * MiB, .rng = 2};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, &s, 0, LEAD + 40, (uint64_t)(200 * MiB + 16.0 * 1024 * MiB), &r);
	double t = r.first[DM_DETECT_EXHAUSTION_PROJECTED] - LEAD;
	const struct dm_detect_change *c = &r.last[DM_DETECT_EXHAUSTION_PROJECTED];
	fprintf(stderr, "detect: %-28s projected %5.1f s  time left %.0f s\n", "50 MiB/s, 16 GiB free",
	        t, c->time_left);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 1);
	cr_assert(t >= 0 && t <= 10, "projected after %.1f s", t);
	/* The first fit still holds a second or two of the flat lead-in,
	 * so the rate is low and the time left long, by up to a quarter. */
	double truth = 16.0 * 1024 / 50 - t;
	cr_assert(c->time_left > 0.9 * truth && c->time_left < 1.25 * truth, "time left %.0f, truly %.0f",
	          c->time_left, truth);
	cr_assert_lt(t, r.first[DM_DETECT_LEAK_CONFIRMED] - LEAD, "projection comes first");
	cr_assert_eq(c->limit, (uint64_t)(200 * MiB + 16.0 * 1024 * MiB));
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert(st.exhaustion);
	cr_assert_gt(st.time_left, 0);
	dm_detect_free(d);
}

Test(detect, leak_5_mib_s_confirmed_within_60_s)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .rng = 3};
	leak_case("5 MiB/s", &s, 0, 0, 60, 120);
}

Test(detect, leak_1_mib_s_confirmed_within_180_s)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 1 * MiB, .rng = 4};
	leak_case("1 MiB/s", &s, 0, 0, 180, 300);
}

Test(detect, leak_1_mib_min_confirmed_within_12_min)
{
	struct sim s = {.base = 300 * MiB, .noise = 256 * 1024, .leak = MiB / 60, .rng = 5};
	leak_case("1 MiB/min", &s, 0, 0, 720, 1800);
}

Test(detect, leak_2_mib_s_under_40_mib_s_churn_confirmed_within_180_s)
{
	/* The churn holds anything from 0 to 40 MiB at each sample. */
	struct sim s = {.base = 300 * MiB, .noise = 512 * 1024, .churn = 40 * MiB,
	                .leak = 2 * MiB, .rng = 6};
	leak_case("2 MiB/s under 40 MiB churn", &s, 0, 0, 180, 300);
}

/* ---- how much a confirmed leak has grown ----------------------------------- */

/* The growth a confirmation reports (and the alert's "N MB growth") is the
 * floor's rise from where it was before the leak, at the moment of the
 * confirmation: within tol of the series' true rise then, rate * (t -
 * LEAD), whatever leak_min_duration is, plus what the scatter adds: the
 * floor is a minimum of fewer samples than the baseline (1 s of them
 * against its lowest 10 s), so it stands about 1.4 sigma of the noise and
 * a tenth of the churn higher. It was the floor of the last 10 s less the
 * baseline: with min_duration 2 s a leak confirmed 8 s in read 0 MB, one
 * confirmed at 20 s half its rise. The standing figure keeps following
 * the rise after the confirmation. */
static void growth_case(const char *name, struct sim *s, double min_duration, double confirm_by,
                        double tol)
{
	struct dm_detect_cfg cfg = DM_DETECT_CFG_DEFAULT;
	cfg.min_duration = min_duration;
	struct dm_detect *d = dm_detect_new(&cfg, NULL);
	cr_assert_not_null(d);
	struct tally r = {0};
	double t = 0;
	while (!r.n[DM_DETECT_LEAK_CONFIRMED] && t < LEAD + confirm_by) {
		run(d, s, t, t + step, 0, &r);
		t += step;
	}
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1, "%s: not confirmed within %.0f s", name,
	             confirm_by);
	const struct dm_detect_change *c = &r.last[DM_DETECT_LEAK_CONFIRMED];
	double truth = s->leak * (c->t - LEAD);
	fprintf(stderr, "detect: %-28s min_duration %4.0f s: confirmed %6.1f s in, growth %.2f MiB "
	        "(true %.2f MiB, %+.1f %%; floor of the last 10 s %.2f MiB)\n", name, min_duration,
	        c->t - LEAD, (double)c->growth / MiB, truth / MiB, 100 * ((double)c->growth / truth - 1),
	        ((double)c->floor - (double)c->baseline) / MiB);
	double slack = 2 * s->noise + s->churn / 8;
	cr_assert_float_eq((double)c->growth, truth, tol * truth + slack, "%s: growth %.2f MiB, truly "
	                   "%.2f", name, (double)c->growth / MiB, truth / MiB);
	cr_assert_float_eq((double)c->baseline, s->base, 4 * s->noise + s->churn + 1,
	                   "%s: baseline %.2f MiB", name, (double)c->baseline / MiB);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.growth, c->growth, "the standing figure is the change's at the change");

	/* a minute on: the standing figure has followed the rise */
	double end = c->t + 60;
	run(d, s, t, end, 0, &r);
	dm_detect_status(d, &st);
	truth = s->leak * (end - LEAD);
	cr_assert_float_eq((double)st.growth, truth, tol * truth + slack, "%s: a minute on, growth %.2f MiB, "
	                   "truly %.2f", name, (double)st.growth / MiB, truth / MiB);
	dm_detect_free(d);
}

Test(detect, confirmed_growth_is_the_rise_with_a_short_min_duration)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .rng = 21};
	growth_case("5 MiB/s", &s, 2, 60, 0.10);
	struct sim fast = {.base = 200 * MiB, .noise = 512 * 1024, .leak = 50 * MiB, .rng = 22};
	growth_case("50 MiB/s", &fast, 2, 30, 0.10);
}

Test(detect, confirmed_growth_is_the_rise_with_the_default_min_duration)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .rng = 23};
	growth_case("5 MiB/s", &s, 20, 60, 0.10);
	struct sim slow = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 1 * MiB, .rng = 24};
	growth_case("1 MiB/s", &slow, 20, 180, 0.10);
}

Test(detect, confirmed_growth_is_the_rise_with_a_long_min_duration)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .rng = 25};
	growth_case("5 MiB/s", &s, 120, 300, 0.10);
	struct sim slow = {.base = 300 * MiB, .noise = 256 * 1024, .leak = MiB / 60, .rng = 26};
	growth_case("1 MiB/min", &slow, 120, 720, 0.10);
}

Test(detect, confirmed_growth_under_churn_is_the_rise_of_the_floor)
{
	/* RSS swings 40 MiB above the floor; the growth is the floor's. */
	struct sim s = {.base = 300 * MiB, .noise = 512 * 1024, .churn = 40 * MiB, .leak = 2 * MiB,
	                .rng = 27};
	growth_case("2 MiB/s under 40 MiB churn", &s, 20, 180, 0.10);
}

Test(detect, leak_that_stops_is_reported_stopped_once)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .leak_stop = 120,
	                .rng = 7};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, &s, 0, LEAD + 1200, 0, &r);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1);
	cr_assert_eq(r.n[DM_DETECT_LEAK_STOPPED], 1);
	double stop = r.first[DM_DETECT_LEAK_STOPPED] - LEAD - 120;
	const struct dm_detect_change *c = &r.last[DM_DETECT_LEAK_STOPPED];
	fprintf(stderr, "detect: %-28s stopped reported %5.1f s after it stopped, plateau %.0f MiB\n",
	        "5 MiB/s for 120 s", stop, (double)c->plateau / MiB);
	cr_assert(stop > 0 && stop < 120, "stopped reported %.1f s after", stop);
	cr_assert_float_eq((double)c->plateau, 300 * MiB + 600 * MiB, 8 * MiB);
	cr_assert_float_eq((double)c->growth, 600 * MiB, 10 * MiB, "growth %.1f MiB",
	                   (double)c->growth / MiB);
	cr_assert_eq(c->state, DM_DETECT_STOPPED);
	cr_assert_leq(r.confirmation_class, 3);
	cr_assert_eq(r.n[DM_DETECT_GROWTH_BOUNDED], 0);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.state, DM_DETECT_STOPPED);
	cr_assert_eq(st.growth, c->growth, "a stopped leak's rise stands");
	dm_detect_free(d);
}

Test(detect, leak_that_doubles_gives_one_update)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 2 * MiB, .rng = 8};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, &s, 0, LEAD + 200, 0, &r);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1);
	cr_assert_eq(r.n[DM_DETECT_LEAK_UPDATED], 0);
	/* From here on 8 MiB/s: the floor keeps its level, the rate jumps. */
	s.base -= 6 * MiB * 200;
	s.leak = 8 * MiB;
	run(d, &s, LEAD + 200, LEAD + 600, 0, &r);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1, "one confirmation per leak");
	cr_assert_eq(r.n[DM_DETECT_LEAK_UPDATED], 1, "updates: %d", r.n[DM_DETECT_LEAK_UPDATED]);
	cr_assert_float_eq(r.last[DM_DETECT_LEAK_UPDATED].rate, 8 * MiB, 3 * MiB);
	cr_assert_leq(r.confirmation_class, 3);
	dm_detect_free(d);
}

/* ---- growth that ends: never confirmed ------------------------------------ */

static double shape_step(const struct sim *s, double t)
{
	return t >= s->a ? s->b : 0;
}

/* A cache: fills at rate b from a for c seconds, then stays. */
static double shape_cache(const struct sim *s, double t)
{
	if (t < s->a)
		return 0;
	return s->b * fmin(t - s->a, s->c);
}

/* Rises by b over each period a, then drops back. */
static double shape_saw(const struct sim *s, double t)
{
	return s->b * fmod(t + 1e-9, s->a) / s->a;
}

/* Garbage: every ~20 s a burst of 50-300 MiB lasting 0.1-3 s. */
static double shape_bursts(const struct sim *s, double t)
{
	(void)s;
	double slot = floor(t / 20.0);
	uint64_t h = (uint64_t)slot * 0x9E3779B97F4A7C15ULL;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	double start = slot * 20.0 + (double)(h % 1000) / 100.0;
	double len = 0.1 + (double)((h >> 10) % 290) / 100.0;
	double size = (50.0 + (double)((h >> 20) % 250)) * MiB;
	return t >= start && t < start + len ? size : 0;
}

static struct tally bounded_case(const char *name, struct sim *s, double seconds)
{
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, s, 0, seconds, (uint64_t)(2048 * MiB), &r);
	fprintf(stderr, "detect: %-28s suspected %d bounded %d confirmed %d projected %d\n", name,
	        r.n[DM_DETECT_LEAK_SUSPECTED], r.n[DM_DETECT_GROWTH_BOUNDED],
	        r.n[DM_DETECT_LEAK_CONFIRMED], r.n[DM_DETECT_EXHAUSTION_PROJECTED]);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 0, "%s: confirmed at %.1f s", name,
	             r.first[DM_DETECT_LEAK_CONFIRMED]);
	cr_assert_eq(r.confirmation_class, 0, "%s", name);
	cr_assert_leq(r.n[DM_DETECT_LEAK_SUSPECTED], 1, "%s: suspected %d times", name,
	              r.n[DM_DETECT_LEAK_SUSPECTED]);
	cr_assert_eq(r.n[DM_DETECT_LEAK_SUSPECTED], r.n[DM_DETECT_GROWTH_BOUNDED],
	             "%s: a suspicion that never ended", name);
	cr_assert_leq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 1, "%s: projected %d times", name,
	              r.n[DM_DETECT_EXHAUSTION_PROJECTED]);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.state, DM_DETECT_WATCHING, "%s: ends %s", name,
	             dm_detect_state_name(st.state));
	dm_detect_free(d);
	return r;
}

Test(detect, step_is_bounded_with_its_plateau)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .shape = shape_step, .a = LEAD,
	                .b = 200 * MiB, .rng = 10};
	struct tally r = bounded_case("+200 MiB step", &s, 1800);
	cr_assert_eq(r.n[DM_DETECT_GROWTH_BOUNDED], 1);
	cr_assert_float_eq((double)r.last[DM_DETECT_GROWTH_BOUNDED].plateau, 500 * MiB, 4 * MiB);
	/* the rise is the plateau over where it began, not over the new
	 * baseline the plateau becomes */
	cr_assert_float_eq((double)r.last[DM_DETECT_GROWTH_BOUNDED].growth, 200 * MiB, 6 * MiB,
	                   "growth %.1f MiB", (double)r.last[DM_DETECT_GROWTH_BOUNDED].growth / MiB);
	cr_assert_float_eq((double)r.last[DM_DETECT_GROWTH_BOUNDED].baseline, 500 * MiB, 4 * MiB);
}

Test(detect, cache_filling_5_or_15_s_at_any_rate_is_never_confirmed)
{
	static const double secs[] = {5, 15};
	static const double rates[] = {0.5, 1, 5, 20, 50, 200};
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
			struct sim s = {.base = 300 * MiB, .noise = 512 * 1024, .shape = shape_cache,
			                .a = LEAD, .b = rates[k] * MiB, .c = secs[i],
			                .rng = 20 + i * 10 + k};
			char name[64];
			snprintf(name, sizeof name, "cache %g MiB/s for %g s", rates[k], secs[i]);
			struct tally r = bounded_case(name, &s, 1200);
			if (rates[k] * secs[i] >= 20)
				cr_assert_eq(r.n[DM_DETECT_GROWTH_BOUNDED], 1, "%s: not reported bounded",
				             name);
		}
}

Test(detect, sawtooths_are_never_confirmed)
{
	/* Periods on and off the 100 ms grid, and on and off the 1 s and
	 * 10 s intervals of the history. */
	static const double periods[] = {0.3, 0.5, 1.0, 1.3, 2.0, 3.7, 5.0, 10.0, 12.5};
	for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
		struct sim s = {.base = 300 * MiB, .noise = 512 * 1024, .shape = shape_saw,
		                .a = periods[i], .b = 60 * MiB, .rng = 40 + i};
		char name[64];
		snprintf(name, sizeof name, "sawtooth %g s x 60 MiB", periods[i]);
		bounded_case(name, &s, 1800);
	}
}

Test(detect, noisy_flat_series_is_never_confirmed_and_reads_stable)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .churn = 8 * MiB, .rng = 60};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	/* Two hours, and the trend of the last 10 s at every minute. */
	static double t[100], y[100];
	int stable = 0, fits = 0;
	for (long i = 0; i < 72000; i++) {
		double now = (double)i * STEP;
		uint64_t b = level(&s, now);
		t[i % 100] = now;
		y[i % 100] = (double)b;
		struct dm_detect_change c[DM_DETECT_MAX_CHANGES];
		size_t n = dm_detect_feed(d, now, b, (uint64_t)(1024 * MiB), c, DM_DETECT_MAX_CHANGES);
		for (size_t k = 0; k < n; k++)
			r.n[c[k].kind]++;
		if (i % 600 == 599) {
			/* the ring is in order when it has just wrapped */
			struct dm_trend tr;
			dm_trend_fit(t, y, 100, 10, 1024u << 20, &tr);
			fits++;
			stable += tr.kind == DM_TREND_STABLE;
		}
	}
	fprintf(stderr, "detect: %-28s suspected %d confirmed %d projected %d; trend stable %d/%d\n",
	        "noisy flat, 2 h", r.n[DM_DETECT_LEAK_SUSPECTED], r.n[DM_DETECT_LEAK_CONFIRMED],
	        r.n[DM_DETECT_EXHAUSTION_PROJECTED], stable, fits);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 0);
	cr_assert_eq(r.n[DM_DETECT_LEAK_SUSPECTED], 0);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 0);
	cr_assert_geq(stable, fits * 95 / 100, "stable %d of %d", stable, fits);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.state, DM_DETECT_WATCHING);
	cr_assert_gt(st.noise, 0);
	dm_detect_free(d);
}

Test(detect, garbage_bursts_are_never_confirmed)
{
	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .shape = shape_bursts, .rng = 70};
	bounded_case("garbage bursts", &s, 3600);
}

Test(detect, projection_clears_and_a_retraced_range_is_not_alarmed_again)
{
	/* Run mode: 100 MiB rising by 150 MiB every 15 s under a 512 MiB
	 * budget. The first rise projects the budget within the horizon;
	 * the drop clears it; the later teeth cover the same ground. */
	struct sim s = {.base = 100 * MiB, .noise = 256 * 1024, .shape = shape_saw, .a = 15,
	                .b = 150 * MiB, .rng = 90};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, &s, 0, 900, (uint64_t)(512 * MiB), &r);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 1, "projected %d times",
	             r.n[DM_DETECT_EXHAUSTION_PROJECTED]);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_CLEARED], 1);
	cr_assert_gt(r.first[DM_DETECT_EXHAUSTION_CLEARED], r.first[DM_DETECT_EXHAUSTION_PROJECTED]);
	cr_assert_lt(r.first[DM_DETECT_EXHAUSTION_PROJECTED], 15, "within the first tooth");
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 0);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_not(st.exhaustion);
	cr_assert_eq(st.time_left, -1);
	dm_detect_free(d);
}

Test(detect, no_limit_or_no_horizon_means_no_projection)
{
	struct sim s = {.base = 200 * MiB, .noise = 512 * 1024, .leak = 50 * MiB, .rng = 91};
	struct dm_detect *d = must_new();
	struct tally r = {0};
	run(d, &s, 0, LEAD + 30, 0, &r);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 0, "limit 0 is none");
	dm_detect_free(d);

	struct dm_detect_cfg cfg = DM_DETECT_CFG_DEFAULT;
	cfg.horizon = 0;
	d = dm_detect_new(&cfg, NULL);
	memset(&r, 0, sizeof r);
	run(d, &s, 0, LEAD + 30, (uint64_t)(1024 * MiB), &r);
	cr_assert_eq(r.n[DM_DETECT_EXHAUSTION_PROJECTED], 0, "horizon 0 is off");
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1, "confirmation does not depend on it");
	dm_detect_free(d);
}

Test(detect, slower_sampling_still_confirms_leaks_and_not_caches)
{
	/* sample_interval 1 s and 2 s: the 1 s intervals hold one sample or
	 * none; windows then span more time, never less. */
	static const double steps[] = {1.0, 2.0};
	for (size_t i = 0; i < 2; i++) {
		step = steps[i];
		struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .leak = 5 * MiB, .rng = 100 + i};
		struct dm_detect *d = must_new();
		struct tally r = {0};
		run(d, &s, 0, LEAD + 120, 0, &r);
		cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 1, "step %g", step);
		double conf = r.first[DM_DETECT_LEAK_CONFIRMED] - LEAD;
		cr_assert(conf > 15 && conf <= 60, "step %g: confirmed after %.1f s", step, conf);
		dm_detect_free(d);

		struct sim c = {.base = 300 * MiB, .noise = 1 * MiB, .shape = shape_cache, .a = LEAD,
		                .b = 50 * MiB, .c = 15, .rng = 110 + i};
		d = must_new();
		memset(&r, 0, sizeof r);
		run(d, &c, 0, 900, 0, &r);
		cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 0, "step %g: cache confirmed", step);
		dm_detect_free(d);
	}
	step = STEP;
}

/* ---- bookkeeping ------------------------------------------------------------ */

Test(detect, a_day_costs_what_a_minute_does)
{
	struct dm_acct *a = dm_acct_new(NULL, 0);
	static const struct dm_detect_cfg cfg = DM_DETECT_CFG_DEFAULT;
	struct dm_detect *d = dm_detect_new(&cfg, a);
	cr_assert_not_null(d);
	uint64_t live = dm_acct_live(a);
	cr_assert_gt(live, 0, "the detector's block is accounted");
	struct dm_detect_status st0, st;
	dm_detect_status(d, &st0);
	cr_assert_leq(st0.size, 64 * 1024);

	struct sim s = {.base = 300 * MiB, .noise = 1 * MiB, .rng = 80};
	struct tally r = {0};
	run(d, &s, 0, 60, 0, &r);
	cr_assert_eq(dm_acct_live(a), live);
	run(d, &s, 60, 86400, 0, &r);
	cr_assert_eq(dm_acct_live(a), live, "a day of samples allocated");
	dm_detect_status(d, &st);
	cr_assert_eq(st.size, st0.size);
	cr_assert_eq(st.samples, 864000);
	cr_assert_eq(r.n[DM_DETECT_LEAK_CONFIRMED], 0);

	/* The history holds the whole day at 10 min, the last 4 min at 1 s. */
	static struct dm_detect_bucket h[300];
	cr_assert_eq(dm_detect_history(d, 0, h, 300), 240);
	cr_assert_float_eq(h[239].t, 86398, 1e-6);
	cr_assert_eq(h[239].n, 10);
	cr_assert_leq(h[239].min, h[239].max);
	cr_assert(h[239].mean >= (double)h[239].min && h[239].mean <= (double)h[239].max);
	cr_assert_eq(dm_detect_history(d, 3, h, 300), 143);
	cr_assert_float_eq(h[0].t, 0, 1e-6);
	cr_assert_eq(h[0].n, 6000);
	cr_assert_eq(dm_detect_history(d, 4, h, 300), 0);
	cr_assert_eq(dm_detect_scale_seconds(2), 60);

	dm_detect_free(d);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

Test(detect, refused_storage_and_bad_config)
{
	struct dm_acct *a = dm_acct_new(NULL, 4096);
	static const struct dm_detect_cfg cfg = DM_DETECT_CFG_DEFAULT;
	cr_assert_null(dm_detect_new(&cfg, a));
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);

	struct dm_detect_cfg bad = cfg;
	bad.min_duration = 0.5;
	cr_assert_null(dm_detect_new(&bad, NULL));
	bad = cfg;
	bad.min_rate = NAN;
	cr_assert_null(dm_detect_new(&bad, NULL));
	bad = cfg;
	bad.horizon = -1;
	cr_assert_null(dm_detect_new(&bad, NULL));
	struct dm_detect *d = dm_detect_new(NULL, NULL);
	cr_assert_not_null(d, "NULL: the defaults");
	dm_detect_free(d);
	dm_detect_free(NULL);
}

Test(detect, clock_that_steps_back_or_nan_is_harmless)
{
	struct dm_detect *d = must_new();
	struct dm_detect_change c[DM_DETECT_MAX_CHANGES];
	cr_assert_eq(dm_detect_feed(d, NAN, 1000, 0, c, DM_DETECT_MAX_CHANGES), 0);
	for (int i = 0; i < 100; i++)
		dm_detect_feed(d, i * STEP, 100u << 20, 0, c, DM_DETECT_MAX_CHANGES);
	dm_detect_feed(d, 1.0, 100u << 20, 0, c, DM_DETECT_MAX_CHANGES);
	dm_detect_feed(d, NAN, 100u << 20, 0, c, DM_DETECT_MAX_CHANGES);
	struct dm_detect_status st;
	dm_detect_status(d, &st);
	cr_assert_eq(st.samples, 101);
	cr_assert_eq(st.state, DM_DETECT_WATCHING);
	static struct dm_detect_bucket h[20];
	size_t n = dm_detect_history(d, 0, h, 20);
	cr_assert_eq(n, 9);
	for (size_t i = 1; i < n; i++)
		cr_assert_gt(h[i].t, h[i - 1].t);
	dm_detect_free(d);
}

Test(detect, settings_from_the_default_profile_are_the_defaults)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_detect_cfg got;
	static const struct dm_detect_cfg want = DM_DETECT_CFG_DEFAULT;
	dm_detect_cfg_from(&got, &c);
	cr_assert_float_eq(got.min_duration, want.min_duration, 1e-9);
	cr_assert_float_eq(got.min_rate, want.min_rate, 1e-9);
	cr_assert_float_eq(got.min_growth, want.min_growth, 1e-9);
	cr_assert_float_eq(got.horizon, want.horizon, 1e-9);
	cr_assert(dm_detect_selected(&c));
	struct dm_error err;
	cr_assert_eq(dm_config_set(&c, "leak_detector", "seed", &err), 0);
	cr_assert_not(dm_detect_selected(&c));
}

Test(detect, names)
{
	cr_assert_str_eq(dm_detect_kind_name(DM_DETECT_LEAK_CONFIRMED), "leak_confirmed");
	cr_assert_str_eq(dm_detect_kind_name(DM_DETECT_GROWTH_BOUNDED), "growth_bounded");
	cr_assert_str_eq(dm_detect_kind_name(DM_DETECT_EXHAUSTION_PROJECTED), "exhaustion_projected");
	cr_assert_str_eq(dm_detect_kind_name((enum dm_detect_kind)99), "?");
	cr_assert_str_eq(dm_detect_state_name(DM_DETECT_STOPPED), "stopped");
	cr_assert_str_eq(dm_detect_state_name((enum dm_detect_state)99), "?");
}
