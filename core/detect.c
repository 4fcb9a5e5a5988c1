/* The growth detector: multi-scale history of a memory series, floor-slope
 * fits with confidence bounds, and the leak / bounded / exhaustion state
 * machine described in detect.h. */
#include "config.h"
#include "detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trend.h"

#define CONFIRM_LEVEL 0.999   /* one-sided: confirmation and suspicion */
#define ALARM_LEVEL 0.99      /* one-sided: the projection alarm, faster */
#define QUARTER_SHARE 0.75    /* each quarter's rate vs the window's */
#define RATE_STEP 2.0         /* material change of a confirmed rate */
#define NOISE_SPAN 60         /* 1 s floors the noise is judged on */
#define FLOOR_SPAN 10         /* 1 s floors in "the floor of the last 10 s" */
#define PROJ_SPAN 10          /* 1 s floors the projection fits */
#define PROJ_MIN 4
#define PROJ_QUIET 10         /* 1 s evaluations without it before a clear */
#define PROJ_KEEP 1.5         /* a standing alarm holds to this x horizon */
#define STEP_SIGMAS 6.0       /* a level suspicion: rise over the noise */
#define PEAK_SIGMAS 3.0       /* "the floor still rises": rise over the noise */
#define STALL_MIN 10.0        /* s without a rise before bounded / stopped */
#define TSLACK 1e-9
#define MAX_J 240

static const double scale_w[DM_DETECT_SCALES] = {1, 10, 60, 600};
static const unsigned scale_cap[DM_DETECT_SCALES] = {240, 240, 240, 144};
#define STORE (240 + 240 + 240 + 144)

/* Windows, in intervals of each scale: 8 s to 4 min, 6 min to 40 min,
 * 1 h to 4 h, 6 h to 24 h. Those shorter than min_duration are skipped. */
static const unsigned win_1s[] = {8, 12, 16, 20, 24, 32, 40, 48, 60, 80, 100, 120, 160, 200, 240};
static const unsigned win_10s[] = {36, 48, 60, 80, 100, 120, 160, 200, 240};
static const unsigned win_1m[] = {60, 80, 100, 120, 160, 200, 240};
static const unsigned win_10m[] = {36, 48, 72, 96, 144};
static const struct {
	const unsigned *j;
	size_t n;
} windows[DM_DETECT_SCALES] = {
	{win_1s, sizeof win_1s / sizeof win_1s[0]},
	{win_10s, sizeof win_10s / sizeof win_10s[0]},
	{win_1m, sizeof win_1m / sizeof win_1m[0]},
	{win_10m, sizeof win_10m / sizeof win_10m[0]},
};
/* Suspicion looks at the last 5, 8 and 12 s. */
static const unsigned win_suspect[] = {5, 8, 12};

struct ring {
	struct dm_detect_bucket cur;  /* the open interval */
	int64_t k;                    /* its index from t0 */
	int open;
	size_t head, n, cap;          /* closed ones; head = oldest */
	struct dm_detect_bucket *v;
};

/* Is a floor still making new ground? top is the highest 1 s floor seen
 * (the plateau, should it stop); mark the 10 s floor at its last real
 * rise, at time t. */
struct rise {
	uint64_t top, mark;
	double t;
	double rate;                  /* the rate it was rising at, bytes/s */
};

/* What a passing fit found. level: the fitted floor at the end of the
 * window, where the decision is taken. Each point is an interval's
 * minimum placed at its middle, so for steady growth the line runs half
 * an interval behind the floor: level errs low, by at most half an
 * interval of growth (1/16 of the shortest window), never high. */
struct finding {
	double rate, low, high, scale, window, level;
	unsigned s, j;
};

struct dm_detect {
	struct dm_detect_cfg cfg;
	struct dm_acct *acct;
	size_t size;
	int seen;
	double t0, last_t;
	uint64_t last_bytes;
	size_t samples;
	struct ring r[DM_DETECT_SCALES];

	enum dm_detect_state state;
	double since;                 /* growth first seen */
	uint64_t baseline;            /* the floor before it */
	uint64_t ep_base;             /* the baseline the episode began from */
	int64_t growth;               /* the episode's rise (detect.h) */
	double base_t;                /* when the baseline was last lowered */
	int have_base;
	struct rise ep;               /* the episode's floor */
	double rearm;                 /* a new suspicion needs a floor above
	                                 this: the highest plateau reported,
	                                 with a margin */
	uint64_t plateau;
	struct finding f;             /* the suspicion's or the leak's */
	double noise;

	int exh, exh_quiet;
	double time_left;
	struct rise exr;              /* the floor since the alarm */
	uint64_t exh_rearm;

	unsigned confirmations, changes;
	double ft[MAX_J], fy[MAX_J];  /* fit scratch */
	struct dm_detect_bucket store[STORE];
};

static const char *const kind_names[] = {
	[DM_DETECT_LEAK_SUSPECTED] = "leak_suspected",
	[DM_DETECT_LEAK_CONFIRMED] = "leak_confirmed",
	[DM_DETECT_LEAK_UPDATED] = "leak_updated",
	[DM_DETECT_LEAK_STOPPED] = "leak_stopped",
	[DM_DETECT_GROWTH_BOUNDED] = "growth_bounded",
	[DM_DETECT_EXHAUSTION_PROJECTED] = "exhaustion_projected",
	[DM_DETECT_EXHAUSTION_CLEARED] = "exhaustion_cleared",
};

static const char *const state_names[] = {
	[DM_DETECT_WATCHING] = "watching",
	[DM_DETECT_SUSPECTED] = "suspected",
	[DM_DETECT_CONFIRMED] = "confirmed",
	[DM_DETECT_STOPPED] = "stopped",
};

const char *dm_detect_kind_name(enum dm_detect_kind k)
{
	if ((unsigned)k < sizeof kind_names / sizeof kind_names[0])
		return kind_names[k];
	return "?";
}

const char *dm_detect_state_name(enum dm_detect_state s)
{
	if ((unsigned)s < sizeof state_names / sizeof state_names[0])
		return state_names[s];
	return "?";
}

double dm_detect_scale_seconds(unsigned scale)
{
	return scale < DM_DETECT_SCALES ? scale_w[scale] : 0;
}

void dm_detect_cfg_from(struct dm_detect_cfg *out, const struct dm_config *c)
{
	*out = (struct dm_detect_cfg){
		.min_duration = (double)c->leak_min_duration_ms / 1000.0,
		.min_rate = (double)c->leak_min_rate,
		.min_growth = (double)c->leak_min_growth,
		.horizon = (double)c->exhaustion_horizon_ms / 1000.0,
	};
}

int dm_detect_selected(const struct dm_config *c)
{
	return strcmp(c->leak_detector, "seed") != 0;
}

struct dm_detect *dm_detect_new(const struct dm_detect_cfg *cfg, struct dm_acct *acct)
{
	static const struct dm_detect_cfg def = DM_DETECT_CFG_DEFAULT;
	if (!cfg)
		cfg = &def;
	if (!(cfg->min_duration >= 1) || isinf(cfg->min_duration) || !(cfg->min_rate >= 0) ||
	    !(cfg->min_growth >= 0) || !(cfg->horizon >= 0))
		return NULL;
	size_t size = sizeof(struct dm_detect);
	/* acct.c dereferences its accountant: without one, plain malloc. */
	struct dm_detect *d = acct ? dm_acct_alloc(acct, DM_TAG_OTHER, size) : malloc(size);
	if (!d)
		return NULL;
	memset(d, 0, size);
	d->cfg = *cfg;
	d->acct = acct;
	d->size = size;
	d->state = DM_DETECT_WATCHING;
	d->since = -1;
	d->time_left = -1;
	struct dm_detect_bucket *p = d->store;
	for (unsigned s = 0; s < DM_DETECT_SCALES; s++) {
		d->r[s].v = p;
		d->r[s].cap = scale_cap[s];
		p += scale_cap[s];
	}
	return d;
}

void dm_detect_free(struct dm_detect *d)
{
	if (!d)
		return;
	if (d->acct)
		dm_acct_dealloc(d);
	else
		free(d);
}

/* ---- history ------------------------------------------------------------ */

static const struct dm_detect_bucket *nth_newest(const struct ring *r, size_t k)
{
	return &r->v[(r->head + r->n - 1 - k) % r->cap];
}

static void ring_push(struct ring *r, const struct dm_detect_bucket *b)
{
	if (r->n == r->cap) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	r->v[(r->head + r->n) % r->cap] = *b;
	r->n++;
}

static void bucket_open(struct ring *r, int64_t k, double t0, double w, uint64_t bytes)
{
	r->k = k;
	r->open = 1;
	r->cur = (struct dm_detect_bucket){
		.t = t0 + (double)k * w, .min = bytes, .max = bytes, .mean = (double)bytes, .n = 1,
	};
}

/* Add a sample to every scale; closed[s] says which intervals it closed. */
static void record(struct dm_detect *d, double t, uint64_t bytes, int closed[DM_DETECT_SCALES])
{
	for (unsigned s = 0; s < DM_DETECT_SCALES; s++) {
		struct ring *r = &d->r[s];
		double w = scale_w[s];
		int64_t k = (int64_t)floor((t - d->t0) / w + TSLACK);
		closed[s] = 0;
		if (!r->open) {
			bucket_open(r, k, d->t0, w, bytes);
		} else if (k > r->k) {
			ring_push(r, &r->cur);
			closed[s] = 1;
			bucket_open(r, k, d->t0, w, bytes);
		} else {
			struct dm_detect_bucket *b = &r->cur;
			if (bytes < b->min)
				b->min = bytes;
			if (bytes > b->max)
				b->max = bytes;
			b->n++;
			b->mean += ((double)bytes - b->mean) / b->n;
		}
	}
}

/* The last j floors of scale s into the scratch arrays, at the middle of
 * their intervals. */
static size_t load(struct dm_detect *d, unsigned s, size_t j)
{
	const struct ring *r = &d->r[s];
	if (j > r->n)
		j = r->n;
	if (j > MAX_J)
		j = MAX_J;
	for (size_t i = 0; i < j; i++) {
		const struct dm_detect_bucket *b = nth_newest(r, j - 1 - i);
		d->ft[i] = b->t + scale_w[s] / 2;
		d->fy[i] = (double)b->min;
	}
	return j;
}

size_t dm_detect_history(const struct dm_detect *d, unsigned scale,
                         struct dm_detect_bucket *out, size_t max)
{
	if (scale >= DM_DETECT_SCALES)
		return 0;
	const struct ring *r = &d->r[scale];
	size_t n = r->n < max ? r->n : max;
	for (size_t i = 0; i < n; i++)
		out[i] = *nth_newest(r, n - 1 - i);
	return n;
}

/* ---- fits ----------------------------------------------------------------- */

/* Plain least-squares slope of n points; *sxx gets Σ(t - t̄)². */
static double slope_of(const double *t, const double *y, size_t n, double *sxx)
{
	double tm = 0, ym = 0;
	for (size_t i = 0; i < n; i++) {
		tm += t[i];
		ym += y[i];
	}
	tm /= (double)n;
	ym /= (double)n;
	double xx = 0, xy = 0;
	for (size_t i = 0; i < n; i++) {
		xx += (t[i] - tm) * (t[i] - tm);
		xy += (t[i] - tm) * (y[i] - ym);
	}
	*sxx = xx;
	return xx > 0 ? xy / xx : 0;
}

/* The fitted floor at the end of the n loaded intervals of w seconds. */
static double level_at_end(const struct dm_detect *d, const struct dm_line *ln, size_t n, double w)
{
	return ln->mean_y + ln->slope * (d->ft[n - 1] + w / 2 - ln->mean_t);
}

/* The whole-window test: the floor's slope is significantly positive,
 * fast enough and has risen enough. */
static int rising(const struct dm_detect *d, const struct dm_line *ln, double w, double level,
                  double *low)
{
	double tq = dm_t_quantile(ln->df, level);
	*low = ln->slope - tq * ln->se;
	return *low > 0 && ln->slope >= d->cfg.min_rate &&
	       ln->slope * (ln->span + w) >= d->cfg.min_growth;
}

/* Part [from, from + n) of the loaded window: its own slope, judged with
 * the whole window's scatter (a quarter has too few points for its own). */
static int part_rises(const struct dm_detect *d, const struct dm_line *ln, size_t from, size_t n,
                      double share)
{
	double sxx;
	if (n < 2)
		return 0;
	double b = slope_of(d->ft + from, d->fy + from, n, &sxx);
	if (!(sxx > 0))
		return 0;
	double se = ln->se * sqrt(ln->sxx / sxx);
	return b >= share * ln->slope && b - dm_t_quantile(ln->df, CONFIRM_LEVEL) * se > 0;
}

/* Sustained growth on j intervals of scale s (see detect.h). Intervals
 * without samples (a caller sampling slower than 1 s, or one that paused)
 * are absent, not empty: the window then spans more time than j * w,
 * which only makes it more demanding. */
static int confirm_test(struct dm_detect *d, unsigned s, unsigned j, struct finding *f)
{
	double w = scale_w[s];
	if (d->r[s].n < j || (double)j * w < d->cfg.min_duration - TSLACK)
		return 0;
	size_t n = load(d, s, j);
	struct dm_line ln;
	double low;
	if (dm_line_fit(d->ft, d->fy, n, &ln) != 0 || !rising(d, &ln, w, CONFIRM_LEVEL, &low))
		return 0;
	size_t q = n / 4;
	for (size_t k = 0; k < 4; k++)
		if (!part_rises(d, &ln, k < 3 ? k * q : n - q, q, QUARTER_SHARE))
			return 0;
	*f = (struct finding){
		.rate = ln.slope, .low = low,
		.high = ln.slope + dm_t_quantile(ln.df, CONFIRM_LEVEL) * ln.se,
		.scale = w, .window = (double)j * w, .level = level_at_end(d, &ln, n, w),
		.s = s, .j = j,
	};
	return 1;
}

/* The longest window that confirms, among the scales that just closed. */
static int confirm_any(struct dm_detect *d, const int closed[DM_DETECT_SCALES], struct finding *best)
{
	int found = 0;
	for (unsigned s = 0; s < DM_DETECT_SCALES; s++) {
		if (!closed[s])
			continue;
		for (size_t i = 0; i < windows[s].n; i++) {
			struct finding f;
			if (windows[s].j[i] <= scale_cap[s] && confirm_test(d, s, windows[s].j[i], &f) &&
			    (!found || f.window > best->window)) {
				*best = f;
				found = 1;
			}
		}
	}
	return found;
}

/* Growth in the last few seconds, still rising in their second half. */
static int suspect_slope(struct dm_detect *d, struct finding *f)
{
	for (size_t i = 0; i < sizeof win_suspect / sizeof win_suspect[0]; i++) {
		unsigned j = win_suspect[i];
		if (d->r[0].n < j)
			break;
		size_t n = load(d, 0, j);
		struct dm_line ln;
		double low;
		if (dm_line_fit(d->ft, d->fy, n, &ln) != 0 || !rising(d, &ln, 1, CONFIRM_LEVEL, &low))
			continue;
		if (!part_rises(d, &ln, n - n / 2, n / 2, 0.5))
			continue;
		*f = (struct finding){.rate = ln.slope, .low = low, .scale = 1, .window = j,
		                      .level = level_at_end(d, &ln, n, 1)};
		return 1;
	}
	return 0;
}

/* ---- noise and the floor --------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Robust scatter of the 1 s floors: the median absolute deviation of their
 * successive differences about the median difference. A steady leak moves
 * the median, not the spread, so growth does not pass for noise. */
static double floor_noise(struct dm_detect *d)
{
	size_t n = load(d, 0, NOISE_SPAN + 1);
	if (n < 11)
		return 0;
	double diff[NOISE_SPAN];
	for (size_t i = 1; i < n; i++)
		diff[i - 1] = d->fy[i] - d->fy[i - 1];
	size_t m = n - 1;
	qsort(diff, m, sizeof diff[0], cmp_double);
	double med = diff[m / 2];
	for (size_t i = 0; i < m; i++)
		diff[i] = fabs(diff[i] - med);
	qsort(diff, m, sizeof diff[0], cmp_double);
	return 1.4826 * diff[m / 2] / sqrt(2.0);
}

/* The floor of the last FLOOR_SPAN seconds: memory has not been below it. */
static uint64_t settled_floor(const struct dm_detect *d)
{
	const struct ring *r = &d->r[0];
	uint64_t lo = UINT64_MAX;
	for (size_t k = 0; k < r->n && k < FLOOR_SPAN; k++)
		if (nth_newest(r, k)->min < lo)
			lo = nth_newest(r, k)->min;
	return lo;
}

/* A rise worth a suspicion, and one that shows the floor still rising. */
static double step_threshold(const struct dm_detect *d)
{
	return fmax(d->cfg.min_growth, STEP_SIGMAS * d->noise);
}

static double peak_threshold(const struct dm_detect *d)
{
	return fmax(d->cfg.min_growth / 4, PEAK_SIGMAS * d->noise);
}

/* ---- the state machine ------------------------------------------------------ */

static struct dm_detect_change *emit(struct dm_detect *d, struct dm_detect_change *out,
                                     size_t max, size_t *n, enum dm_detect_kind kind, double t)
{
	d->changes++;
	if (*n >= max)
		return NULL;
	struct dm_detect_change *c = &out[(*n)++];
	*c = (struct dm_detect_change){
		.kind = kind, .state = d->state, .t = t, .rate = d->f.rate, .rate_low = d->f.low, .scale = d->f.scale,
		.window = d->f.window, .floor = settled_floor(d), .baseline = d->baseline,
		.growth = d->growth, .plateau = d->plateau, .time_left = -1, .since = d->since,
	};
	return c;
}

static void rise_start(const struct dm_detect *d, struct rise *r, double t, double rate)
{
	*r = (struct rise){.top = nth_newest(&d->r[0], 0)->min, .mark = settled_floor(d), .t = t,
	                   .rate = rate};
}

static void rise_track(const struct dm_detect *d, struct rise *r, double t)
{
	uint64_t last = nth_newest(&d->r[0], 0)->min, floor = settled_floor(d);
	if (last > r->top)
		r->top = last;
	if ((double)floor >= (double)r->mark + peak_threshold(d)) {
		r->mark = floor;
		r->t = t;
	}
}

/* The floor has made no new ground for long enough to call the growth
 * over: min_stall, and three times what the rise the tracker waits for
 * takes at the rate it was rising at, so a slow leak is not called
 * bounded between two of its steps. */
static int rise_stalled(const struct dm_detect *d, const struct rise *r, double t,
                        double min_stall)
{
	double wait = fmax(STALL_MIN, min_stall);
	if (r->rate > 0)
		wait = fmax(wait, 3 * peak_threshold(d) / r->rate);
	return t - r->t >= wait;
}

/* The episode's rise, up to a floor at level. */
static void grown_to(struct dm_detect *d, double level)
{
	d->growth = (int64_t)llround(level - (double)d->ep_base);
}

/* Between fits: the highest 1 s floor so far, if it is higher. */
static void track_growth(struct dm_detect *d)
{
	int64_t top = (int64_t)d->ep.top - (int64_t)d->ep_base;
	if (top > d->growth)
		d->growth = top;
}

static void start_episode(struct dm_detect *d, double t)
{
	if (d->since < 0)
		d->since = t - d->f.window;
	rise_start(d, &d->ep, t, d->f.rate);
	d->ep_base = d->baseline;
	grown_to(d, d->f.level);
}

static void end_episode(struct dm_detect *d, uint64_t floor)
{
	d->plateau = d->ep.top;
	grown_to(d, (double)d->ep.top);
	/* The margin: the noise, and one interval of growth at the episode's
	 * rate, by which the top of a 1 s floor varies with the phase of a
	 * sawtooth against the intervals. */
	double rearm = (double)d->ep.top + step_threshold(d) + fmax(d->f.rate, 0) * scale_w[0];
	if (rearm > d->rearm)
		d->rearm = rearm;
	d->baseline = floor;
	d->base_t = d->last_t;
	d->have_base = 1;
}

/* Each state's step, on every closed 1 s interval; at most one change. */
struct step {
	struct dm_detect *d;
	double t;
	const int *closed;
	struct dm_detect_change *out;
	size_t max, *n;
};

static void confirm(const struct step *st, const struct finding *f, enum dm_detect_kind kind)
{
	struct dm_detect *d = st->d;
	d->f = *f;
	grown_to(d, f->level);
	d->state = DM_DETECT_CONFIRMED;
	if (kind == DM_DETECT_LEAK_CONFIRMED)
		d->confirmations++;
	emit(d, st->out, st->max, st->n, kind, st->t);
}

static void watching(const struct step *st)
{
	struct dm_detect *d = st->d;
	uint64_t floor = settled_floor(d), last = nth_newest(&d->r[0], 0)->min;
	struct finding f;
	if (!d->have_base || floor < d->baseline) {
		d->baseline = floor;
		d->base_t = st->t;
		d->have_base = 1;
	}
	d->growth = (int64_t)floor - (int64_t)d->baseline;
	d->since = -1;
	if (confirm_any(d, st->closed, &f)) {
		d->f = f;
		start_episode(d, st->t);
		confirm(st, &f, DM_DETECT_LEAK_CONFIRMED);
		return;
	}
	/* Above the highest plateau already reported, or a sawtooth would be
	 * suspected again on every tooth. */
	if ((double)last < d->rearm)
		return;
	if (suspect_slope(d, &f)) {
		d->f = f;
	} else if (d->r[0].n >= FLOOR_SPAN && (double)floor >= (double)d->baseline + step_threshold(d)) {
		double span = fmax(st->t - d->base_t, FLOOR_SPAN);
		d->f = (struct finding){.rate = (double)(floor - d->baseline) / span, .scale = 1,
		                        .window = span, .level = (double)floor};
	} else {
		return;
	}
	start_episode(d, st->t);
	d->state = DM_DETECT_SUSPECTED;
	emit(d, st->out, st->max, st->n, DM_DETECT_LEAK_SUSPECTED, st->t);
}

static void suspected(const struct step *st)
{
	struct dm_detect *d = st->d;
	struct finding f;
	rise_track(d, &d->ep, st->t);
	track_growth(d);
	if (confirm_any(d, st->closed, &f)) {
		d->ep.rate = f.rate;
		confirm(st, &f, DM_DETECT_LEAK_CONFIRMED);
	} else if (rise_stalled(d, &d->ep, st->t, d->ep.t - d->since)) {
		end_episode(d, settled_floor(d));
		d->state = DM_DETECT_WATCHING;
		emit(d, st->out, st->max, st->n, DM_DETECT_GROWTH_BOUNDED, st->t);
		d->since = -1;
	}
}

static void confirmed(const struct step *st)
{
	struct dm_detect *d = st->d;
	struct finding f;
	rise_track(d, &d->ep, st->t);
	track_growth(d);
	if (rise_stalled(d, &d->ep, st->t, d->f.window / 2)) {
		end_episode(d, settled_floor(d));
		d->state = DM_DETECT_STOPPED;
		emit(d, st->out, st->max, st->n, DM_DETECT_LEAK_STOPPED, st->t);
	} else if (st->closed[d->f.s] && confirm_test(d, d->f.s, d->f.j, &f) &&
	           (f.low > RATE_STEP * d->f.rate || f.high < d->f.rate / RATE_STEP)) {
		d->ep.rate = f.rate;
		confirm(st, &f, DM_DETECT_LEAK_UPDATED);
	}
}

/* Growth again after a stop, beyond the plateau it stopped at. */
static void stopped(const struct step *st)
{
	struct dm_detect *d = st->d;
	struct finding f;
	if ((double)settled_floor(d) > (double)d->plateau + step_threshold(d) &&
	    confirm_any(d, st->closed, &f)) {
		d->f = f;
		start_episode(d, st->t);
		confirm(st, &f, DM_DETECT_LEAK_UPDATED);
	}
}

static void leak_step(struct dm_detect *d, double t, const int closed[DM_DETECT_SCALES],
                      struct dm_detect_change *out, size_t max, size_t *n)
{
	static void (*const steps[])(const struct step *) = {
		[DM_DETECT_WATCHING] = watching,
		[DM_DETECT_SUSPECTED] = suspected,
		[DM_DETECT_CONFIRMED] = confirmed,
		[DM_DETECT_STOPPED] = stopped,
	};
	struct step st = {.d = d, .t = t, .closed = closed, .out = out, .max = max, .n = n};
	steps[d->state](&st);
}

/* The floor's slope over the last 10 s, projected to the limit. */
static void project(struct dm_detect *d, double t, uint64_t limit,
                    struct dm_detect_change *out, size_t max, size_t *n)
{
	if (!(d->cfg.horizon > 0))
		return;
	size_t m = load(d, 0, PROJ_SPAN);
	struct dm_line ln = {0};
	double left = -1, low = 0;
	int now = 0, still = 0;
	if (limit > 0 && m >= PROJ_MIN && dm_line_fit(d->ft, d->fy, m, &ln) == 0) {
		low = ln.slope - dm_t_quantile(ln.df, ALARM_LEVEL) * ln.se;
		if (low > 0 && ln.slope >= d->cfg.min_rate) {
			left = d->last_bytes < limit ? (double)(limit - d->last_bytes) / ln.slope : 0;
			now = left <= d->cfg.horizon;
			/* Hysteresis: a leak whose time left wobbles about the
			 * horizon keeps its one alarm. */
			still = left <= PROJ_KEEP * d->cfg.horizon;
		}
	}
	uint64_t last = nth_newest(&d->r[0], 0)->min;
	struct dm_detect_change *c;
	if (!d->exh) {
		if (!now || last < d->exh_rearm)
			return;
		d->exh = 1;
		d->exh_quiet = 0;
		rise_start(d, &d->exr, t, ln.slope);
		d->time_left = left;
		if ((c = emit(d, out, max, n, DM_DETECT_EXHAUSTION_PROJECTED, t))) {
			c->rate = ln.slope;
			c->rate_low = low;
			c->scale = 1;
			c->window = (double)m;
			c->limit = limit;
			c->time_left = left;
		}
		return;
	}
	rise_track(d, &d->exr, t);
	if (still) {
		d->exh_quiet = 0;
		d->time_left = left;
	} else {
		d->exh_quiet++;
	}
	/* Cleared when the growth has not been seen for a while, or has made
	 * no new ground (a sawtooth rising toward the limit on every tooth
	 * and dropping back before it). */
	if (d->exh_quiet < PROJ_QUIET && !rise_stalled(d, &d->exr, t, PROJ_QUIET))
		return;
	/* The next alarm needs new ground, so growth that retraces the same
	 * range (a sawtooth, a cache refilled) is not alarmed again. */
	d->exh = 0;
	d->time_left = -1;
	d->exh_rearm = d->exr.top + (uint64_t)step_threshold(d);
	if ((c = emit(d, out, max, n, DM_DETECT_EXHAUSTION_CLEARED, t)))
		c->limit = limit;
}

size_t dm_detect_feed(struct dm_detect *d, double t, uint64_t bytes, uint64_t limit,
                      struct dm_detect_change *out, size_t max)
{
	size_t n = 0;
	if (isnan(t))
		return 0;
	if (!d->seen) {
		d->seen = 1;
		d->t0 = t;
	} else if (t < d->last_t) {
		t = d->last_t;
	}
	d->last_t = t;
	d->last_bytes = bytes;
	d->samples++;

	int closed[DM_DETECT_SCALES];
	record(d, t, bytes, closed);
	if (!closed[0])
		return 0;
	d->noise = floor_noise(d);
	project(d, t, limit, out, max, &n);
	leak_step(d, t, closed, out, max, &n);
	return n;
}

void dm_detect_status(const struct dm_detect *d, struct dm_detect_status *out)
{
	*out = (struct dm_detect_status){
		.state = d->state, .exhaustion = d->exh, .rate = d->f.rate, .rate_low = d->f.low,
		.scale = d->f.scale, .window = d->f.window,
		.floor = d->r[0].n ? settled_floor(d) : 0, .baseline = d->baseline,
		.growth = d->growth, .plateau = d->plateau, .time_left = d->exh ? d->time_left : -1,
		.noise = d->noise,
		.confirmations = d->confirmations, .changes = d->changes, .samples = d->samples,
		.size = d->size,
	};
}
