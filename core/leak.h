/* The seed's leak detector (leak_detector = seed), kept as a selectable
 * mode beside the multiscale detector of detect.h: the seed's
 * MemoryLeakDetector made real and testable.
 *
 * The caller feeds measurements (bytes of whatever it watches: RSS, or the
 * accounted live bytes) with a time from its own clock. Every interval a
 * snapshot is kept (for window seconds). When the growth across the last
 * three snapshots exceeds threshold the detector says SUSPECT: the caller
 * emits leak_suspected and forces a reclamation. The detector then keeps
 * watching for a confirmation period (two intervals, at least 1 s): if less
 * than half of the growth came back (measured to the lowest level seen in
 * the period) and the series is still growing (since the suspicion, and
 * again over the second half of the period, it rose by at least a quarter
 * of what the suspected rate predicts), it says
 * CONFIRM (the caller emits leak_confirmed, an alert and a heap report);
 * otherwise CLEAR. A flat series, a sawtooth and a cache that
 * grows and then stops are not confirmed. After a confirmation the next
 * suspicion needs another threshold of growth above the confirmed level
 * (or above the lowest level since, if memory came back). No clock, no
 * I/O: pure. */
#ifndef DM_LEAK_H
#define DM_LEAK_H

#include <stddef.h>
#include <stdint.h>
#include "acct.h"

enum dm_leak_state {
	DM_LEAK_WATCHING,
	DM_LEAK_SUSPECTED,
	DM_LEAK_CONFIRMED,
	DM_LEAK_STOPPED,     /* multiscale only: a confirmed leak that stopped */
};

enum dm_leak_action {
	DM_LEAK_NONE,
	DM_LEAK_SUSPECT,     /* growth > threshold: reclaim now */
	DM_LEAK_CONFIRM,     /* reclamation got back < half, still growing */
	DM_LEAK_CLEAR,       /* suspicion withdrawn */
};

struct dm_leak_cfg {
	double interval;     /* seconds between snapshots (leak_interval) */
	double window;       /* seconds of snapshots kept (leak_window) */
	uint64_t threshold;  /* bytes of growth over three snapshots */
};

/* What the last SUSPECT / CONFIRM / CLEAR was about. */
struct dm_leak_info {
	enum dm_leak_state state;
	size_t snapshots;        /* kept now */
	int64_t growth;          /* bytes over the three snapshots (suspicion) */
	double span;             /* seconds those three snapshots cover */
	double rate;             /* growth / span, bytes/s */
	int64_t reclaimed;       /* bytes that came back after the reclamation */
	double suspected_at, confirmed_at;   /* caller's clock; < 0 = never */
	int64_t recent_growth;   /* growth over the last three snapshots now */
};

struct dm_leak;

/* Snapshots are stored in one block from acct (DM_TAG_OTHER; acct NULL =
 * plain malloc), allocated here and never grown: at most window / interval
 * + 1 of them (at least 3). NULL on allocation failure, or when interval is
 * not a positive finite number or window is negative or NaN. */
struct dm_leak *dm_leak_new(const struct dm_leak_cfg *cfg, struct dm_acct *acct);
void dm_leak_free(struct dm_leak *l);

/* One measurement at time t (non-decreasing; a t that steps back is taken
 * as the last one, a NaN t is ignored). A snapshot is kept when interval
 * has passed since the last one; suspicion is only raised on a snapshot,
 * the confirmation decision on the first measurement at least
 * max(2 * interval, 1 s) after the suspicion. At most one action a call.
 * Returns what the caller must do; info (may be NULL) is filled in every
 * case. */
enum dm_leak_action dm_leak_observe(struct dm_leak *l, double t, uint64_t bytes,
                                    struct dm_leak_info *info);

void dm_leak_info(const struct dm_leak *l, struct dm_leak_info *info);
const char *dm_leak_state_name(enum dm_leak_state s);  /* "watching", ... */

#endif
