/* The leak detector: the seed's MemoryLeakDetector (growth over the last
 * three snapshots > threshold, force a collection, confirm if less than
 * half came back) with the gaps filled in so that it can run unattended:
 *
 *  - snapshots live in a fixed ring sized from window / interval at
 *    creation, so an hour of watching never allocates again;
 *  - a confirmation also needs the series to keep growing after the
 *    reclamation. The seed's "less than half came back" alone confirms a
 *    cache that filled up and stopped, or the top of a sawtooth whose drop
 *    has not come yet. Two tests, both at a quarter of the suspected rate:
 *    the rise since the suspicion (so a confirmation needs at least 1.25
 *    thresholds of net rise, which no oscillation smaller than that can
 *    produce), and the rise over the second half of the period (so a
 *    cache that stopped filling just after the suspicion is not taken for
 *    a leak on the strength of its last few megabytes);
 *  - after a confirmation the next suspicion needs another threshold above
 *    the confirmed level, so one steady leak gives one alert per threshold
 *    of growth rather than one per snapshot. */
#include "config.h"
#include "leak.h"

#include <math.h>
#include <stdlib.h>

/* Relative slack on time comparisons: callers step t by float increments
 * (0.1 ten times is not 1.0), and a snapshot or a decision must not slip a
 * whole sample late because of the last bit. */
#define DM_LEAK_TIME_SLACK 1e-9

/* The seed waits 1 s after its forced GC; a slow interval needs two of them
 * so that the decision sees at least one snapshot after the reclamation. */
#define DM_LEAK_MIN_PERIOD 1.0

/* Growth is measured across three snapshots: fewer and there is no
 * measure, so expiry never drops below this. */
#define DM_LEAK_SPAN 3

struct snap {
	double t;
	uint64_t bytes;
};

struct dm_leak {
	struct dm_leak_cfg cfg;
	struct dm_acct *acct;        /* NULL: plain malloc */
	double period;               /* confirmation period, seconds */
	int seen;                    /* any observation yet */
	double last_t;

	enum dm_leak_state state;
	enum dm_leak_state resume;   /* state a CLEAR returns to */
	uint64_t sus_level;          /* bytes at the suspecting snapshot */
	uint64_t low_after;          /* least bytes seen since the suspicion */
	double mid_at, decide_at;
	int have_mid, have_prev;     /* observations since the suspicion: */
	struct snap mid;             /* first at or after mid_at */
	struct snap prev;            /* latest before the decision */

	int confirmed;               /* a confirmation happened */
	uint64_t baseline;           /* least bytes since the last confirmation */

	struct dm_leak_info info;    /* about the last SUSPECT/CONFIRM/CLEAR */

	size_t cap, head, count;     /* ring; head = oldest */
	struct snap ring[];
};

static const char *const state_names[] = {
	[DM_LEAK_WATCHING] = "watching",
	[DM_LEAK_SUSPECTED] = "suspected",
	[DM_LEAK_CONFIRMED] = "confirmed",
	[DM_LEAK_STOPPED] = "stopped",
};

const char *dm_leak_state_name(enum dm_leak_state s)
{
	if ((unsigned)s < sizeof state_names / sizeof state_names[0])
		return state_names[s];
	return "?";
}

struct dm_leak *dm_leak_new(const struct dm_leak_cfg *cfg, struct dm_acct *acct)
{
	if (!cfg || !(cfg->interval > 0) || isinf(cfg->interval) ||
	    !(cfg->window >= 0))
		return NULL;

	/* Snapshots are at least interval apart, so window / interval + 1 of
	 * them span the window; the slack absorbs 0.3 / 0.1 = 2.9999... */
	double ratio = cfg->window / cfg->interval * (1 + DM_LEAK_TIME_SLACK);
	size_t max_cap = (SIZE_MAX - sizeof(struct dm_leak)) / sizeof(struct snap) - 1;
	if (!(ratio < (double)max_cap))
		return NULL;
	size_t cap = (size_t)ratio + 1;
	if (cap < DM_LEAK_SPAN)
		cap = DM_LEAK_SPAN;

	size_t size = sizeof(struct dm_leak) + cap * sizeof(struct snap);
	/* acct.c dereferences its accountant, so a detector without one (the
	 * tests, or watch on another process) uses plain malloc. */
	struct dm_leak *l = acct ? dm_acct_alloc(acct, DM_TAG_OTHER, size) : malloc(size);
	if (!l)
		return NULL;
	*l = (struct dm_leak){
		.cfg = *cfg,
		.acct = acct,
		.period = fmax(2 * cfg->interval, DM_LEAK_MIN_PERIOD),
		.state = DM_LEAK_WATCHING,
		.resume = DM_LEAK_WATCHING,
		.info = { .suspected_at = -1, .confirmed_at = -1 },
		.cap = cap,
	};
	return l;
}

void dm_leak_free(struct dm_leak *l)
{
	if (!l)
		return;
	if (l->acct)
		dm_acct_dealloc(l);
	else
		free(l);
}

static const struct snap *nth_newest(const struct dm_leak *l, size_t k)
{
	return &l->ring[(l->head + l->count - 1 - k) % l->cap];
}

/* a - b, signed, saturated: a bogus reading near 2^64 must not wrap into
 * a huge negative growth (or a positive one). */
static int64_t diff(uint64_t a, uint64_t b)
{
	if (a >= b)
		return a - b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(a - b);
	return b - a > (uint64_t)INT64_MAX ? -INT64_MAX : -(int64_t)(b - a);
}

static int reached(double t, double when, double scale)
{
	return t + DM_LEAK_TIME_SLACK * scale >= when;
}

/* Keep a snapshot if one is due. Returns 1 when one was taken. */
static int snapshot(struct dm_leak *l, double t, uint64_t bytes)
{
	if (l->count > 0 &&
	    !reached(t, nth_newest(l, 0)->t + l->cfg.interval, l->cfg.interval))
		return 0;
	if (l->count == l->cap) {
		/* Only float slack can get here; storage stays bounded. */
		l->head = (l->head + 1) % l->cap;
		l->count--;
	}
	l->ring[(l->head + l->count) % l->cap] = (struct snap){ t, bytes };
	l->count++;
	double oldest_kept = t - l->cfg.window - DM_LEAK_TIME_SLACK * l->cfg.interval;
	while (l->count > DM_LEAK_SPAN && l->ring[l->head].t < oldest_kept) {
		l->head = (l->head + 1) % l->cap;
		l->count--;
	}
	return 1;
}

static int64_t recent_growth(const struct dm_leak *l)
{
	if (l->count < DM_LEAK_SPAN)
		return 0;
	return diff(nth_newest(l, 0)->bytes, nth_newest(l, DM_LEAK_SPAN - 1)->bytes);
}

static int over(int64_t growth, uint64_t threshold)
{
	return growth > 0 && (uint64_t)growth > threshold;
}

static enum dm_leak_action check_growth(struct dm_leak *l, double t)
{
	if (l->count < DM_LEAK_SPAN)
		return DM_LEAK_NONE;
	const struct snap *now = nth_newest(l, 0);
	const struct snap *then = nth_newest(l, DM_LEAK_SPAN - 1);
	int64_t growth = diff(now->bytes, then->bytes);
	if (!over(growth, l->cfg.threshold))
		return DM_LEAK_NONE;
	if (l->confirmed && !over(diff(now->bytes, l->baseline), l->cfg.threshold))
		return DM_LEAK_NONE;

	l->resume = l->state;
	l->state = DM_LEAK_SUSPECTED;
	l->sus_level = now->bytes;
	l->low_after = now->bytes;
	l->mid_at = t + l->period / 2;
	l->decide_at = t + l->period;
	l->have_mid = 0;
	l->have_prev = 0;
	l->info.growth = growth;
	l->info.span = now->t - then->t;
	l->info.rate = l->info.span > 0 ? (double)growth / l->info.span : 0;
	l->info.reclaimed = 0;
	l->info.suspected_at = t;
	return DM_LEAK_SUSPECT;
}

/* Rose by at least a quarter of what the suspected rate predicts? */
static int rose(const struct dm_leak *l, int64_t rise, double dt)
{
	return rise > 0 && (double)rise * 4 >= l->info.rate * dt;
}

/* End of the confirmation period: the two halves of the rule. Less than
 * half came back: the reclamation could not explain the growth. Still
 * growing: since the suspicion, and again over the second half of the
 * period; a cache that stopped, or a sawtooth at its top, has not. */
static enum dm_leak_action decide(struct dm_leak *l, double t, uint64_t bytes)
{
	/* reclaimed * 2 < growth, without the overflow near 2^63 */
	int kept = l->info.reclaimed < l->info.growth - l->info.reclaimed;
	int growing = rose(l, diff(bytes, l->sus_level), t - l->info.suspected_at);
	/* A caller that observed nothing between suspicion and decision
	 * gives no second half to look at; the first test then stands alone. */
	if (!l->have_mid && l->have_prev) {
		l->mid = l->prev;
		l->have_mid = 1;
	}
	if (growing && l->have_mid && t > l->mid.t)
		growing = rose(l, diff(bytes, l->mid.bytes), t - l->mid.t);

	if (kept && growing) {
		l->state = DM_LEAK_CONFIRMED;
		l->confirmed = 1;
		l->baseline = bytes;
		l->info.confirmed_at = t;
		return DM_LEAK_CONFIRM;
	}
	l->state = l->resume;
	return DM_LEAK_CLEAR;
}

enum dm_leak_action dm_leak_observe(struct dm_leak *l, double t, uint64_t bytes,
                                    struct dm_leak_info *info)
{
	enum dm_leak_action act = DM_LEAK_NONE;

	if (isnan(t))
		goto out;
	/* A clock that steps back must not reorder the ring. */
	if (l->seen && t < l->last_t)
		t = l->last_t;
	l->seen = 1;
	l->last_t = t;

	/* The next confirmation is measured from the lowest level since the
	 * last one: if the leaked memory came back, new growth is new. */
	if (l->confirmed && bytes < l->baseline)
		l->baseline = bytes;

	if (l->state == DM_LEAK_SUSPECTED) {
		if (bytes < l->low_after)
			l->low_after = bytes;
		l->info.reclaimed = diff(l->sus_level, l->low_after);
		if (reached(t, l->decide_at, l->period)) {
			act = decide(l, t, bytes);
		} else {
			if (!l->have_mid && reached(t, l->mid_at, l->period)) {
				l->mid = (struct snap){ t, bytes };
				l->have_mid = 1;
			}
			l->prev = (struct snap){ t, bytes };
			l->have_prev = 1;
		}
	}
	/* One action a call: a suspicion raised in the call that settled the
	 * last one would hide the CONFIRM/CLEAR from the caller. */
	if (snapshot(l, t, bytes) && act == DM_LEAK_NONE &&
	    l->state != DM_LEAK_SUSPECTED)
		act = check_growth(l, t);
out:
	if (info)
		dm_leak_info(l, info);
	return act;
}

void dm_leak_info(const struct dm_leak *l, struct dm_leak_info *info)
{
	*info = l->info;
	info->state = l->state;
	info->snapshots = l->count;
	info->recent_growth = recent_growth(l);
}
