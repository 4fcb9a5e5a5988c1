/* The fuzz harness: one input through the streaming parser, checked.
 *
 * Shared by the libFuzzer target (fuzz/fuzz_parser.c), which aborts on a
 * finding, and by the regression suite (tests/test_fuzz_regress.c), which
 * replays every input kept in tests/fuzz-regress/ the same way.
 *
 * Input layout: two header bytes choose the configuration, the rest is the
 * document (see harness.c; fuzz/seed.sh writes seeds with a header). */
#ifndef DM_FUZZ_HARNESS_H
#define DM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Parse data as described above and check every invariant the parser
 * promises. Returns NULL when all held, else a static one-line description
 * of what broke (valid until the next call). Never aborts itself; all
 * memory it takes is given back. */
const char *dm_fuzz_check(const uint8_t *data, size_t size);

#endif
