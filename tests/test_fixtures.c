/* The project's own ERN fixtures (tests/fixtures, described by FIXTURES.tsv):
 * each gives exactly its expected records at every chunk size, from memory
 * and from the file; refused ones fail with their class, position and
 * message after the records before the error; UTF-16 gives the UTF-8
 * records; a file cut anywhere gives a clean error and a prefix of the
 * records. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parser.h"
#include "testutil.h"

static const size_t chunks[] = {1, 7, 4096, 65536};
#define NCHUNKS (sizeof chunks / sizeof *chunks)

static const char *const type_cols[DM_REC_TYPES] = {
	[DM_REC_HEADER] = "header", [DM_REC_PARTY] = "party", [DM_REC_RESOURCE] = "resource",
	[DM_REC_RELEASE] = "release", [DM_REC_DEAL] = "deal",
};

static int code_of(const char *name)
{
	static const struct { const char *name; int code; } codes[] = {
		{"ok", 0}, {"xml", DM_EXML}, {"notern", DM_ENOTERN}, {"record", DM_ERECORD},
		{"limit", DM_ELIMIT},
	};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
		if (strcmp(codes[i].name, name) == 0)
			return codes[i].code;
	cr_assert_fail("FIXTURES.tsv: unknown code '%s'", name);
	return 1;
}

/* NAME.jsonl for NAME.xml, or "" when there is none (no records expected). */
static char *expected_json(const char *rel)
{
	char jrel[256];
	size_t n = strlen(rel);
	cr_assert(n > 4 && n < sizeof jrel && strcmp(rel + n - 4, ".xml") == 0, "%s", rel);
	snprintf(jrel, sizeof jrel, "%.*s.jsonl", (int)(n - 4), rel);
	char *path = tu_fixture_path(jrel);
	char *json = access(path, R_OK) == 0 ? tu_read_file(path, NULL) : strdup("");
	cr_assert_not_null(json);
	free(path);
	return json;
}

static void load_table(struct tu_table *t)
{
	char *path = tu_fixture_path("FIXTURES.tsv");
	tu_table_load(t, path);
	free(path);
	cr_assert_geq(t->nrows, 12, "FIXTURES.tsv lists %zu fixtures", t->nrows);
}

static void expect_outcome(const struct tu_table *t, size_t row, const struct tu_result *r,
                           const char *want_json, const char *how)
{
	const char *rel = tu_cell(t, row, "file");
	int want = code_of(tu_cell(t, row, "code"));
	cr_assert_eq(r->rc, want, "%s (%s): rc %d, want %d: %s", rel, how, r->rc, want, r->err.msg);
	cr_assert_str_eq(r->json, want_json, "%s (%s): records differ from the .jsonl", rel, how);
	for (int ty = 0; ty < DM_REC_TYPES; ty++)
		cr_assert_eq(r->counts[ty], (uint64_t)tu_cell_long(t, row, type_cols[ty]),
		             "%s (%s): %llu %s records", rel, how, (unsigned long long)r->counts[ty],
		             type_cols[ty]);
	const char *version = tu_cell(t, row, "version");
	if (*version)
		cr_assert_str_eq(r->ern_version, version, "%s (%s)", rel, how);
	if (want) {
		char pos[64];
		snprintf(pos, sizeof pos, "%llu:%llu", (unsigned long long)r->err.line,
		         (unsigned long long)r->err.column);
		cr_assert(r->err.has_pos, "%s (%s): error without a position", rel, how);
		cr_assert_str_eq(pos, tu_cell(t, row, "position"), "%s (%s): %s", rel, how, r->err.msg);
		cr_assert_str_eq(r->err.msg, tu_cell(t, row, "message"), "%s (%s)", rel, how);
	}
	cr_assert_eq(r->live_after, 0, "%s (%s): %llu bytes live after free", rel, how,
	             (unsigned long long)r->live_after);
}

Test(fixtures, each_gives_its_records_at_every_chunk_size)
{
	struct tu_table t;
	load_table(&t);
	for (size_t row = 0; row < t.nrows; row++) {
		const char *rel = tu_cell(&t, row, "file");
		char *want = expected_json(rel);
		for (size_t c = 0; c < NCHUNKS; c++) {
			char how[48];
			struct tu_result r;
			snprintf(how, sizeof how, "chunk %zu", chunks[c]);
			tu_parse_fixture(rel, chunks[c], 0, &r);
			expect_outcome(&t, row, &r, want, how);
			tu_result_fini(&r);
			snprintf(how, sizeof how, "from the file, chunk %zu", chunks[c]);
			tu_parse_fixture(rel, chunks[c], TU_FROM_FD, &r);
			expect_outcome(&t, row, &r, want, how);
			tu_result_fini(&r);
		}
		free(want);
	}
	tu_table_free(&t);
}

/* The counts in FIXTURES.tsv, seen by a bare expat pass over the XML: the
 * table is about the documents, not about what the parser happens to do. */
Test(fixtures, the_table_agrees_with_the_xml)
{
	static const struct { const char *col, *local, *parent; } witness[] = {
		{"party", "Party", "PartyList"},
		{"deal", "ReleaseDeal", "DealList"},
		{"header", "MessageHeader", NULL},
	};
	struct tu_table t;
	load_table(&t);
	for (size_t row = 0; row < t.nrows; row++) {
		const char *rel = tu_cell(&t, row, "file");
		if (strcmp(tu_cell(&t, row, "code"), "ok") != 0)
			continue;
		char *path = tu_fixture_path(rel);
		size_t len;
		char *xml = tu_read_file(path, &len);
		for (size_t w = 0; w < sizeof witness / sizeof *witness; w++) {
			long n = tu_expat_count(xml, len, witness[w].local, witness[w].parent);
			cr_assert_eq(n, tu_cell_long(&t, row, witness[w].col), "%s: %ld %s elements", rel,
			             n, witness[w].local);
		}
		long rel_n = tu_expat_count(xml, len, "Release", "ReleaseList") +
		             tu_expat_count(xml, len, "TrackRelease", "ReleaseList") +
		             tu_expat_count(xml, len, "PurgedRelease", NULL) +
		             tu_expat_count(xml, len, "TakedownRelease", NULL) +
		             tu_expat_count(xml, len, "UpdateRelease", NULL);
		/* under a root that is not a message nothing is at a record's place */
		if (strcmp(tu_cell(&t, row, "root"), "ReleaseList") != 0)
			cr_assert_eq(rel_n, tu_cell_long(&t, row, "release"), "%s: %ld releases", rel, rel_n);
		free(xml);
		free(path);
	}
	tu_table_free(&t);
}

/* Values read off the XML by hand, so that a wrong .jsonl cannot hide a
 * wrong extraction. */
Test(fixtures, values_from_the_xml)
{
	struct tu_result r;
	tu_parse_fixture("ern43-album.xml", 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *l = tu_find_line(r.json, "\"reference\":\"A1\"", NULL);
	cr_assert_not_null(l);
	cr_assert(strstr(l, "\"isrc\":\"ZZFX12600001\"") && strstr(l, "\"duration_seconds\":200.5") &&
	          strstr(l, "\"title\":\"Norðurljós\"") && strstr(l, "\"subtitle\":\"Radio Edit\"") &&
	          strstr(l, "\"roles\":[\"Composer\",\"Lyricist\"]") &&
	          strstr(l, "\"uri\":\"resources/ZZFX12600001.flac\""), "%s", l);
	free(l);
	/* the RelatedRelease inside A2 is about another release */
	cr_assert_eq(tu_count_lines(r.json, "0000000000000"), 0);
	cr_assert_eq(tu_count_lines(r.json, "Some Other Album"), 0);
	l = tu_find_line(r.json, "\"type\":\"deal\"", NULL);
	cr_assert(l && strstr(l, "\"release_references\":[\"R0\",\"R1\",\"R2\"]") &&
	          strstr(l, "\"amount\":5.99,\"currency\":\"EUR\"") &&
	          strstr(l, "\"excluded_territories\":[\"KP\"]"), "%s", l);
	free(l);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RELEASE, "TrackRelease"), 2);
	cr_assert_eq(tu_kind_count(&r, DM_REC_RESOURCE, "Video"), 1);
	tu_result_fini(&r);

	tu_parse_fixture("ern382-album.xml", 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	l = tu_find_line(r.json, "\"reference\":\"R0\"", NULL);
	cr_assert(l && strstr(l, "\"title\":\"Harbour Lights\"") &&
	          strstr(l, "\"release_date\":\"2026-01-16\"") && strstr(l, "\"is_main_release\":true") &&
	          !strstr(l, "1999-01-01"), "%s", l);
	free(l);
	l = tu_find_line(r.json, "\"release_references\":[\"R1\",\"R2\"]", NULL);
	cr_assert(l && strstr(l, "\"takedown\":true"), "%s", l ? l : r.json);
	free(l);
	l = tu_find_line(r.json, "\"reference\":\"A1\"", NULL);
	cr_assert(l && strstr(l, "{\"name\":\"Ines Duarte\",\"roles\":[\"Producer\",\"Mixer\"]}") &&
	          strstr(l, "\"file_name\":\"ZZFX38200001.mp3\""), "%s", l);
	free(l);
	tu_result_fini(&r);

	tu_parse_fixture("ern33-single.xml", 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_eq(tu_count_lines(r.json, "\"title\":\"Spaces Around\""), 2, "trimmed: %s", r.json);
	tu_result_fini(&r);

	tu_parse_fixture("ern41-party-list.xml", 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_eq(tu_count_lines(r.json, "\"names\":[\"Ada \\\"Byte\\\" Okafor\",\"Ada Okafor\"]"), 1,
	             "%s", r.json);
	cr_assert_eq(tu_count_lines(r.json, "\"title\":\"Back\\\\slash\""), 2, "%s", r.json);
	tu_result_fini(&r);
}

Test(fixtures, utf16_with_a_bom_gives_the_utf8_records)
{
	static const char *const files[] = {"ern43-album.xml", "ern382-album.xml"};
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		char *path = tu_fixture_path(files[f]);
		size_t len;
		char *utf8 = tu_read_file(path, &len);
		struct tu_result want;
		tu_parse(utf8, len, NULL, 0, 0, 0, 0, &want);
		cr_assert_eq(want.rc, 0, "%s", want.err.msg);
		for (int be = 0; be <= 1; be++) {
			size_t n;
			char *utf16 = tu_utf16(utf8, len, be, &n);
			cr_assert_gt(n, 2 * len - 200, "%s: only %zu UTF-16 bytes", files[f], n);
			for (size_t c = 0; c < 3; c++) {
				struct tu_result r;
				tu_parse(utf16, n, NULL, chunks[c], 0, 0, 0, &r);
				cr_assert_eq(r.rc, 0, "%s UTF-16%s, chunk %zu: %s", files[f], be ? "BE" : "LE",
				             chunks[c], r.err.msg);
				cr_assert_str_eq(r.json, want.json, "%s UTF-16%s, chunk %zu", files[f],
				                 be ? "BE" : "LE", chunks[c]);
				cr_assert_eq(r.live_after, 0);
				tu_result_fini(&r);
			}
			free(utf16);
		}
		tu_result_fini(&want);
		free(utf8);
		free(path);
	}
}

Test(fixtures, a_file_cut_anywhere_is_a_clean_error_after_whole_records)
{
	char *path = tu_fixture_path("ern43-album.xml");
	size_t len;
	char *xml = tu_read_file(path, &len);
	struct tu_result full;
	tu_parse(xml, len, NULL, 0, 0, 0, 0, &full);
	cr_assert_eq(full.rc, 0);
	/* every cut before the root's end tag is an error; the final newline
	 * after it is optional */
	const char *end = strstr(xml, "</ern:NewReleaseMessage>");
	cr_assert_not_null(end);
	size_t last = (size_t)(end - xml) + strlen("</ern:NewReleaseMessage>") - 1;
	size_t prefixes = 0;
	for (size_t cut = 0; cut < last; cut += cut < 400 ? 1 : 37) {
		struct tu_result r;
		tu_parse(xml, cut, NULL, 4096, 0, 0, 0, &r);
		cr_assert_neq(r.rc, 0, "cut at %zu parsed", cut);
		cr_assert(r.rc == DM_EXML || (cut == 0 && r.rc != 0), "cut at %zu: rc %d %s", cut, r.rc,
		          r.err.msg);
		cr_assert(r.err.has_pos, "cut at %zu: no position: %s", cut, r.err.msg);
		cr_assert(r.json_len == 0 || r.json[r.json_len - 1] == '\n');
		cr_assert_eq(strncmp(r.json, full.json, r.json_len), 0, "cut at %zu: not a prefix", cut);
		cr_assert_eq(r.live_after, 0);
		prefixes += r.json_len > 0;
		tu_result_fini(&r);
	}
	cr_assert_gt(prefixes, 100, "few cuts came after a record: %zu", prefixes);
	tu_result_fini(&full);
	free(xml);
	free(path);
}
