/* Replays every input kept in tests/fuzz-regress/ through the fuzz harness
 * (fuzz/harness.c): each once made the fuzzer report a finding, or is a
 * hand-made input of the same kind; all must now pass every check. The
 * file format is the fuzzer's: two configuration bytes, then the document. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"

#ifndef DM_TEST_SRCDIR
#define DM_TEST_SRCDIR "."
#endif

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(fuzz_regress, every_kept_input_passes_the_harness)
{
	char dir[1024];
	const char *src = getenv("DM_SRCDIR");
	snprintf(dir, sizeof dir, "%s/tests/fuzz-regress", src && *src ? src : DM_TEST_SRCDIR);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	char *names[4096];
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
			continue;
		cr_assert_lt(n, sizeof names / sizeof *names);
		names[n] = strdup(e->d_name);
		cr_assert_not_null(names[n]);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0, "no inputs in %s: the regression suite would test nothing", dir);
	qsort(names, n, sizeof *names, by_name);
	size_t failed = 0;
	for (size_t i = 0; i < n; i++) {
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len;
		char *data = tu_read_file(path, &len);
		const char *bad = dm_fuzz_check((const uint8_t *)data, len);
		if (bad) {
			cr_log_error("%s: %s", names[i], bad);
			failed++;
		}
		free(data);
		free(names[i]);
	}
	cr_assert_eq(failed, 0, "%zu of %zu kept fuzz inputs fail the harness", failed, n);
	cr_log_info("%zu kept fuzz inputs pass", n);
}
