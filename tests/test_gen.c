/* The synthetic delivery generator: well-formed (expat says so), the counts
 * it reports are what it wrote and what the parser finds, deterministic by
 * seed, and about the size asked for. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "testutil.h"

struct gen_out {
	char *data;
	size_t len;
	struct dm_gen_counts c;
	int rc;
	struct dm_error err;
};

static void gen(uint64_t size, uint64_t seed, int ern, struct gen_out *o)
{
	memset(o, 0, sizeof *o);
	FILE *f = open_memstream(&o->data, &o->len);
	cr_assert_not_null(f);
	struct dm_gen_opts opts = {.size = size, .seed = seed, .ern = ern};
	dm_error_clear(&o->err);
	o->rc = dm_gen_write(f, &opts, &o->c, &o->err);
	cr_assert_eq(fclose(f), 0);
}

static void gen_ok(uint64_t size, uint64_t seed, int ern, struct gen_out *o)
{
	gen(size, seed, ern, o);
	cr_assert_eq(o->rc, 0, "gen %llu/%llu/%d: %s", (unsigned long long)size,
	             (unsigned long long)seed, ern, o->err.msg);
	cr_assert_eq(o->c.bytes, o->len, "reported %llu bytes, wrote %zu",
	             (unsigned long long)o->c.bytes, o->len);
}

/* Lines of json holding both a and b. */
static uint64_t lines_with(const char *json, const char *a, const char *b)
{
	uint64_t n = 0;
	for (const char *line = json; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = strndup(line, len);
		n += strstr(copy, a) && strstr(copy, b);
		free(copy);
		if (!nl)
			break;
		line = nl + 1;
	}
	return n;
}

/* expat's count of elements named local directly under parent */
static uint64_t n_of(const struct gen_out *o, const char *local, const char *parent)
{
	long n = tu_expat_count(o->data, o->len, local, parent);
	cr_assert_geq(n, 0, "expat finds the output not well-formed");
	return (uint64_t)n;
}

static void check_counts(int ern, uint64_t size, uint64_t seed)
{
	struct gen_out o;
	gen_ok(size, seed, ern, &o);
	cr_assert(tu_expat_wellformed(o.data, o.len), "ERN %d output is not well-formed", ern);
	/* what the generator says it wrote, a bare expat pass confirms */
	cr_assert_gt(o.c.releases, 0);
	cr_assert_gt(o.c.sound_recordings, 0);
	cr_assert_eq(n_of(&o, "Release", "ReleaseList"), o.c.releases);
	cr_assert_eq(n_of(&o, "TrackRelease", "ReleaseList"), o.c.track_releases);
	cr_assert_eq(n_of(&o, "SoundRecording", "ResourceList"), o.c.sound_recordings);
	cr_assert_eq(n_of(&o, "Image", "ResourceList"), o.c.images);
	cr_assert_eq(n_of(&o, "ReleaseDeal", "DealList"), o.c.release_deals);
	cr_assert_eq(n_of(&o, "Deal", "ReleaseDeal"), o.c.deals);
	cr_assert_eq(n_of(&o, "Party", "PartyList"), o.c.parties);
	if (ern == 382) {
		cr_assert_eq(o.c.track_releases, 0, "3.8.2 has no TrackRelease element");
		cr_assert_eq(o.c.parties, 0, "3.8.2 has no PartyList");
	} else {
		cr_assert_gt(o.c.track_releases, 0);
		cr_assert_gt(o.c.parties, 0);
	}

	/* and the parser makes one record of each */
	struct tu_result r;
	tu_parse(o.data, o.len, NULL, 0, 0, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "ERN %d: %s", ern, r.err.msg);
	cr_assert_str_eq(r.ern_version, ern == 43 ? "4.3" : "3.8.2");
	cr_assert_eq(r.counts[DM_REC_HEADER], 1);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RELEASE, "Release"), o.c.releases);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RELEASE, "TrackRelease"), o.c.track_releases);
	cr_assert_eq(r.counts[DM_REC_RELEASE], o.c.releases + o.c.track_releases);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RESOURCE, "SoundRecording"), o.c.sound_recordings);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RESOURCE, "Image"), o.c.images);
	cr_assert_eq(r.counts[DM_REC_RESOURCE], o.c.sound_recordings + o.c.images);
	cr_assert_eq(r.counts[DM_REC_DEAL], o.c.release_deals);
	cr_assert_eq(r.counts[DM_REC_PARTY], o.c.parties);
	/* every sound recording has a valid ISO 8601 duration, so seconds */
	cr_assert_eq(lines_with(r.json, "\"kind\":\"SoundRecording\"", "\"duration_seconds\":"),
	             o.c.sound_recordings);
	tu_result_fini(&r);

	/* the same delivery read at a small chunk size gives the same records */
	struct tu_result a, b;
	tu_parse(o.data, o.len, NULL, 65536, TU_POSITIONS, 0, 0, &a);
	tu_parse(o.data, o.len, NULL, 7, TU_POSITIONS, 0, 0, &b);
	cr_assert_eq(a.rc, 0);
	cr_assert_str_eq(a.json, b.json, "chunk 7 differs from chunk 65536");
	tu_result_fini(&a);
	tu_result_fini(&b);
	free(o.data);
}

Test(gen, ern43_is_well_formed_and_parses_to_its_counts)
{
	check_counts(43, 200 * 1024, 1);
	check_counts(43, 150 * 1024, 987654321);
}

Test(gen, ern382_is_well_formed_and_parses_to_its_counts)
{
	check_counts(382, 200 * 1024, 1);
	check_counts(382, 150 * 1024, 42);
}

Test(gen, same_seed_same_bytes_other_seed_other_bytes)
{
	static const int erns[] = {43, 382};
	for (int i = 0; i < 2; i++) {
		struct gen_out a, b, c;
		gen_ok(300 * 1024, 7, erns[i], &a);
		gen_ok(300 * 1024, 7, erns[i], &b);
		gen_ok(300 * 1024, 8, erns[i], &c);
		cr_assert_eq(a.len, b.len);
		cr_assert(memcmp(a.data, b.data, a.len) == 0, "ERN %d: same seed, different bytes",
		          erns[i]);
		cr_assert(memcmp(&a.c, &b.c, sizeof a.c) == 0);
		cr_assert(a.len != c.len || memcmp(a.data, c.data, a.len) != 0,
		          "ERN %d: seeds 7 and 8 gave the same bytes", erns[i]);
		/* not just a different header: the catalogue itself differs */
		const char *ra = strstr(a.data, "<ResourceList>");
		const char *rc = strstr(c.data, "<ResourceList>");
		cr_assert(ra && rc);
		cr_assert(strncmp(ra, rc, 4096) != 0, "ERN %d: seed changes only the header", erns[i]);
		free(a.data);
		free(b.data);
		free(c.data);
	}
	struct gen_out x, y;
	gen_ok(100 * 1024, 7, 43, &x);
	gen_ok(100 * 1024, 7, 382, &y);
	cr_assert(strstr(x.data, "http://ddex.net/xml/ern/43"));
	cr_assert(strstr(y.data, "http://ddex.net/xml/ern/382"));
	free(x.data);
	free(y.data);
}

Test(gen, size_is_about_what_was_asked)
{
	static const uint64_t sizes[] = {100 * 1024, 1024 * 1024, 5 * 1024 * 1024};
	static const int erns[] = {43, 382};
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
		for (int e = 0; e < 2; e++) {
			struct gen_out o;
			gen_ok(sizes[s], 3, erns[e], &o);
			double ratio = (double)o.len / (double)sizes[s];
			cr_assert(ratio > 0.98 && ratio < 1.02, "ERN %d asked %llu got %zu (%.3f)",
			          erns[e], (unsigned long long)sizes[s], o.len, ratio);
			free(o.data);
		}
}

Test(gen, a_tiny_size_still_gives_one_whole_message)
{
	static const int erns[] = {43, 382};
	for (int e = 0; e < 2; e++) {
		struct gen_out o;
		gen_ok(1, 5, erns[e], &o);
		cr_assert(tu_expat_wellformed(o.data, o.len));
		cr_assert_geq(o.c.releases, 1);
		struct tu_result r;
		tu_parse(o.data, o.len, NULL, 0, 0, 0, 0, &r);
		cr_assert_eq(r.rc, 0, "%s", r.err.msg);
		cr_assert_geq(r.counts[DM_REC_RELEASE], 1);
		tu_result_fini(&r);
		free(o.data);
	}
}

Test(gen, bad_options_are_usage_errors)
{
	struct gen_out o;
	gen(0, 1, 43, &o);
	cr_assert_eq(o.rc, DM_EUSAGE);
	cr_assert_eq(o.len, 0, "nothing written for a refused request");
	free(o.data);
	gen(1024, 1, 42, &o);
	cr_assert_eq(o.rc, DM_EUSAGE);
	cr_assert(strstr(o.err.msg, "42") || strstr(o.err.msg, "ern"), "%s", o.err.msg);
	free(o.data);
}

Test(gen, a_failed_write_is_an_io_error)
{
	FILE *f = fopen("/dev/full", "w");
	cr_assert_not_null(f);
	struct dm_gen_opts opts = {.size = 1024 * 1024, .seed = 1, .ern = 43};
	struct dm_gen_counts c;
	struct dm_error err;
	dm_error_clear(&err);
	int rc = dm_gen_write(f, &opts, &c, &err);
	fclose(f);
	cr_assert_eq(rc, DM_EIO, "writing to /dev/full: rc %d", rc);
	cr_assert(err.msg[0], "an I/O error says why");
}
