/* main() for the suites that run on the external corpus of real DDEX
 * files: without a corpus the whole program is skipped (automake's exit
 * 77, shown as SKIP) with one line saying how to point at one, instead of
 * failing or passing on nothing. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>

#include "testutil.h"

int main(int argc, char *argv[])
{
	if (!tu_corpus_find()) {
		fprintf(stderr, "corpus not found: set DM_CORPUS=/path/to/corpus (see README)\n");
		return 77;
	}
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	return result;
}
