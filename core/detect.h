/* The growth detector: is the memory a process returns to (its floor)
 * rising without bound, and will it reach a limit soon?
 *
 * Fed (t, bytes) samples, it keeps a compact history of the whole run:
 * per-interval minimum, maximum and mean at 1 s, 10 s, 1 min and 10 min
 * resolution in fixed rings (4 min, 40 min, 4 h and 24 h of them), all
 * inside one block allocated once, so a day of watching costs what a
 * minute does. From that history it answers two questions separately:
 *
 *  - Certainty (leak_confirmed). On each scale, windows of several lengths
 *    (20 s to 24 h with the default leak_min_duration) fit a line to the
 *    per-interval MINIMA: the floor, which churn, garbage bursts and the
 *    top of a sawtooth do not move. Least squares, with the slope's
 *    standard error widened for lag-1 autocorrelation of the residuals
 *    (memory series are runs, not white noise: a sawtooth or a batch
 *    free leaves long runs above and below any line) and a one-sided
 *    99.9 % Student-t bound on the effective degrees of freedom. Least
 *    squares rather than Theil-Sen because the minima already remove the
 *    upward outliers that would bend it, and because the same fit must
 *    also give each quarter of the window its own slope and bound cheaply.
 *    A window confirms a leak when the floor's slope is significantly
 *    positive over the whole window AND in each of its four quarters,
 *    each quarter at least 3/4 of the whole-window rate: growth that is
 *    sustained from one end of the window to the other, not a step, not a
 *    cache that filled for part of it, not a sawtooth. The shortest window
 *    is leak_min_duration (20 s): a cache filling for 15 s cannot cover
 *    the four quarters of any 20 s window at 3/4 of its mean rate. A fast
 *    leak passes on the shortest window; a slow or noisy one on a longer
 *    window of a coarser scale, where the noise averages out: the time to
 *    decide shrinks as the rate grows. leak_min_rate and leak_min_growth
 *    keep page-level creep from counting.
 *
 *  - Speed (exhaustion_projected). The floor's slope over the last 10 s
 *    (1 s minima, 99 % bound): if it is real and would reach the limit
 *    the caller passes within exhaustion_horizon, say so at once, with
 *    the time left, whatever the cause and before any confirmation.
 *
 * Growth that is seen but not (yet) sustained is leak_suspected: the floor
 * slope is significant over the last 5 to 12 s, or the floor of the last
 * 10 s stands well above the baseline (a step). It ends as growth_bounded
 * (with its plateau) when the floor has not risen for as long as it had
 * been rising, or becomes leak_confirmed. A confirmed leak whose floor
 * stops rising becomes leak_stopped; one whose rate changes by a factor
 * of two either way gives one leak_updated. A leak that grows again after
 * stopping gives leak_updated too. Nothing is ever repeated: one
 * confirmation per leak, and a new suspicion only above the highest
 * plateau already reported (a sawtooth retracing its range is silent).
 *
 * Threads: none of its own, no clock, no I/O. Every call on one detector
 * must come from one thread at a time (the engine's monitor thread, which
 * owns it); the detector does no locking. Time is the caller's: any
 * monotonic seconds (tests pass a fake clock). */
#ifndef DM_DETECT_H
#define DM_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"
#include "profile.h"

struct dm_detect_cfg {
	double min_duration;   /* leak_min_duration, s: shortest growth that
	                          can be confirmed (>= 1; default 20) */
	double min_rate;       /* leak_min_rate, bytes/s: slower is no leak */
	double min_growth;     /* leak_min_growth, bytes: less rise is no leak */
	double horizon;        /* exhaustion_horizon, s (0: no projection) */
};

/* Defaults of the profile keys, for callers without a profile. */
#define DM_DETECT_CFG_DEFAULT \
	{ .min_duration = 20, .min_rate = 4096, .min_growth = 2 << 20, .horizon = 600 }

enum dm_detect_state {
	DM_DETECT_WATCHING,    /* no growth of the floor in sight */
	DM_DETECT_SUSPECTED,   /* growth seen, not yet shown to be sustained */
	DM_DETECT_CONFIRMED,   /* a leak */
	DM_DETECT_STOPPED,     /* a confirmed leak whose floor stopped rising */
};

enum dm_detect_kind {
	DM_DETECT_LEAK_SUSPECTED,
	DM_DETECT_LEAK_CONFIRMED,      /* once per leak */
	DM_DETECT_LEAK_UPDATED,        /* confirmed leak: rate x2 or /2, or resumed */
	DM_DETECT_LEAK_STOPPED,
	DM_DETECT_GROWTH_BOUNDED,      /* suspected growth that ended: plateau */
	DM_DETECT_EXHAUSTION_PROJECTED,
	DM_DETECT_EXHAUSTION_CLEARED,
};

/* One state transition, for the caller to turn into an event. Plain data;
 * the caller owns its copy. Fields that do not apply are 0 (time_left and
 * since: -1). */
struct dm_detect_change {
	enum dm_detect_kind kind;
	enum dm_detect_state state;   /* leak state after the change */
	double t;                     /* time of the sample that decided */
	double rate;                  /* bytes/s: the floor's slope (exhaustion:
	                                 the 10 s slope it projects with) */
	double rate_low;              /* lower confidence bound of rate */
	double scale;                 /* s per interval of the deciding fit:
	                                 1, 10, 60 or 600 */
	double window;                /* s of history the deciding fit covered */
	uint64_t floor;               /* the floor of the last 10 s, bytes */
	uint64_t baseline;            /* the floor before the growth began
	                                 (LEAK_STOPPED, GROWTH_BOUNDED: the
	                                 plateau, the next growth's baseline) */
	int64_t growth;               /* how far the floor has risen since the
	                                 growth began: for a fit (a slope
	                                 suspicion, a confirmation, an update)
	                                 the fitted floor at t; after that, the
	                                 highest 1 s floor since; for a stop or
	                                 a bounded growth, the plateau; each
	                                 less the baseline it began from */
	uint64_t plateau;             /* GROWTH_BOUNDED, LEAK_STOPPED: where it
	                                 stopped */
	uint64_t limit;               /* EXHAUSTION_*: the limit projected to */
	double time_left;             /* EXHAUSTION_PROJECTED: s until the limit */
	double since;                 /* when the growth was first seen */
};

/* At most this many changes come out of one dm_detect_feed: one about the
 * leak state and one about the projection. */
#define DM_DETECT_MAX_CHANGES 2

struct dm_detect_status {
	enum dm_detect_state state;
	int exhaustion;               /* a projection alarm is standing */
	double rate, rate_low;        /* the leak's (or suspicion's) rate */
	double scale, window;         /* of the fit behind them */
	uint64_t floor, baseline, plateau;
	int64_t growth;               /* as in a change: the episode's rise so
	                                 far (watching: the floor of the last
	                                 10 s less the baseline) */
	double time_left;             /* -1 unless exhaustion */
	double noise;                 /* robust scatter of the 1 s floor, bytes */
	unsigned confirmations;       /* leak_confirmed events so far */
	unsigned changes;             /* all changes so far */
	size_t samples;               /* fed so far */
	size_t size;                  /* bytes this detector holds (constant) */
};

/* One interval of the history. */
struct dm_detect_bucket {
	double t;                     /* start of the interval */
	uint64_t min, max;
	double mean;
	uint32_t n;                   /* samples in it */
};

#define DM_DETECT_SCALES 4        /* 1 s, 10 s, 1 min, 10 min */

struct dm_detect;

/* The detector's settings from a profile (leak_min_duration,
 * leak_min_rate, leak_min_growth, exhaustion_horizon). */
void dm_detect_cfg_from(struct dm_detect_cfg *out, const struct dm_config *c);

/* Whether a profile selects this detector (leak_detector = multiscale)
 * rather than the seed's rule (core/leak.h). */
int dm_detect_selected(const struct dm_config *c);

/* A detector with cfg (copied; NULL = defaults). Its one block comes from
 * acct under DM_TAG_OTHER (acct NULL: plain malloc) and never grows. NULL
 * on allocation failure or a cfg out of range (min_duration < 1, negative
 * or NaN figures). */
struct dm_detect *dm_detect_new(const struct dm_detect_cfg *cfg, struct dm_acct *acct);
void dm_detect_free(struct dm_detect *d);

/* One sample: bytes at time t (s, non-decreasing; a t that steps back is
 * taken as the last one, NaN is ignored). limit: the level at which the
 * process is in trouble, in the same units as bytes (the budget in run;
 * rss + MemAvailable, or --limit, in watch), 0 = none. Writes up to max
 * changes to out (max >= DM_DETECT_MAX_CHANGES loses none) and returns
 * how many. Never allocates, never fails. */
size_t dm_detect_feed(struct dm_detect *d, double t, uint64_t bytes, uint64_t limit,
                      struct dm_detect_change *out, size_t max);

void dm_detect_status(const struct dm_detect *d, struct dm_detect_status *out);

/* Copy the last max closed intervals of scale (0 = 1 s ... 3 = 10 min),
 * oldest first; returns how many. */
size_t dm_detect_history(const struct dm_detect *d, unsigned scale,
                         struct dm_detect_bucket *out, size_t max);

/* Seconds per interval of a scale (0 for an unknown one). */
double dm_detect_scale_seconds(unsigned scale);

/* "leak_suspected", "leak_confirmed", ... as events are named. */
const char *dm_detect_kind_name(enum dm_detect_kind k);
/* "watching", "suspected", "confirmed", "stopped". */
const char *dm_detect_state_name(enum dm_detect_state s);

#endif
