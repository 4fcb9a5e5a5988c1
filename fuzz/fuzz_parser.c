/* libFuzzer target for the streaming parser: every input goes through the
 * harness (fuzz/harness.c); a broken invariant is reported and aborts, so
 * libFuzzer keeps the input as a crash file. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bad = dm_fuzz_check(data, size);
	if (bad) {
		fprintf(stderr, "ddexmon fuzz finding: %s\n", bad);
		abort();
	}
	return 0;
}
