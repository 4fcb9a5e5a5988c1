/* Checks in a suite's teardown (.fini). Criterion prints a failed
 * assertion there but still counts the test as passed, so a teardown
 * check that used cr_assert could never fail anything. TEARDOWN_CHECK
 * aborts instead: Criterion reports a crash during teardown and the
 * program exits non-zero, which fails the suite. */
#ifndef DM_TEARDOWN_H
#define DM_TEARDOWN_H

#include <stdio.h>
#include <stdlib.h>

#define TEARDOWN_CHECK(cond, ...)                                              \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: teardown: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
