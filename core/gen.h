/* Synthetic DDEX ERN deliveries of any size, deterministic by seed.
 *
 * The generator exists so that the parser, the benchmarks and the tests can
 * be run on deliveries far larger than any real sample we may ship (1 GiB and
 * up) without storing them. The output is one NewReleaseMessage holding many
 * albums with their sound recordings, cover images, parties and deals, in
 * ERN 4.3 or ERN 3.8.2 element structure. */
#ifndef DM_GEN_H
#define DM_GEN_H

#include <stdio.h>
#include <stdint.h>
#include "error.h"

struct dm_gen_opts {
	uint64_t size;   /* target bytes, >= 1 */
	uint64_t seed;
	int ern;         /* 43 or 382 */
};

/* How many elements of each local name were written, and the total bytes.
 * ERN 3.8.2 has no TrackRelease or Party element: there track-level releases
 * are <Release> elements (ReleaseType TrackRelease) and count as releases. */
struct dm_gen_counts {
	uint64_t bytes, releases, track_releases, sound_recordings, images,
	         release_deals, deals, parties;
};

/* Write one complete, well-formed ERN NewReleaseMessage of about o->size
 * bytes to out (within about 2% for sizes of 100K and more; a small size
 * still gives one release, so the message may be larger than asked). Above
 * 4G the release count is planned from a sample, so the first byte is
 * written at once whatever the size.
 *
 * Memory use is constant: a fixed stack buffer, no allocation. The same
 * opts always give the same bytes. out is not closed or flushed beyond what
 * the writes themselves do; the caller owns it. counts may be NULL; when not
 * it is filled even on error (with what was written so far).
 *
 * Returns 0, DM_EUSAGE (o->size is 0 or o->ern is neither 43 nor 382) or
 * DM_EIO (a write failed), with a message in err. May be called from any
 * thread; it keeps no state between calls. */
int dm_gen_write(FILE *out, const struct dm_gen_opts *o,
                 struct dm_gen_counts *counts, struct dm_error *err);

#endif
