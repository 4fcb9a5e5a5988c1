/* The real DDEX corpus ($DM_CORPUS, else ../shared/corpus; the program is
 * skipped when there is none, see corpus_main.c): counts against MANIFEST.tsv,
 * refusals of what is not ERN or not well-formed, identical output at every
 * chunk size, and field values read from the XML by hand. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ern.h"
#include "parser.h"
#include "testutil.h"

static int is_ern_namespace(const char *ns)
{
	char v[16];
	return dm_ern_root_namespace(ns, strlen(ns), v, sizeof v);
}

static int is_purge_like(const char *root)
{
	return strcmp(root, "NewReleaseMessage") != 0;
}

/* ---- counts --------------------------------------------------------------- */

Test(corpus, every_well_formed_ern_message_parses_to_the_manifest_counts)
{
	struct tu_table m;
	char *mpath = tu_corpus_path("MANIFEST.tsv");
	tu_table_load(&m, mpath);
	free(mpath);
	cr_assert_gt(m.nrows, 150, "the manifest lists %zu messages", m.nrows);
	size_t checked = 0, nested = 0;
	for (size_t i = 0; i < m.nrows; i++) {
		const char *file = tu_cell(&m, i, "file");
		const char *root = tu_cell(&m, i, "root");
		if (strcmp(tu_cell(&m, i, "well_formed"), "yes") != 0 ||
		    !is_ern_namespace(tu_cell(&m, i, "namespace")))
			continue;
		char *path = tu_corpus_path(file);
		size_t len;
		char *data = tu_read_file(path, &len);
		struct tu_result r;
		tu_parse(data, len, NULL, 0, 0, 0, 0, &r);
		checked++;
		cr_expect_eq(r.rc, 0, "%s: %s", file, r.err.msg);
		cr_expect_eq(r.counts[DM_REC_HEADER], 1, "%s: header records", file);
		cr_expect_eq(r.live_after, 0, "%s: bytes left live", file);

		long want_rel = tu_cell_long(&m, i, "Release") + tu_cell_long(&m, i, "TrackRelease");
		uint64_t got_rel = tu_kind_count(&r, DM_REC_RELEASE, "Release") +
		                   tu_kind_count(&r, DM_REC_RELEASE, "TrackRelease");
		cr_expect_eq(got_rel, (uint64_t)want_rel, "%s: %llu release records, manifest %ld",
		             file, (unsigned long long)got_rel, want_rel);

		/* Purge/Update/Takedown messages hold releases under other names */
		uint64_t other = r.counts[DM_REC_RELEASE] - got_rel;
		long want_other = 0;
		if (is_purge_like(root))
			want_other = tu_expat_count(data, len, "PurgedRelease", NULL) +
			             tu_expat_count(data, len, "UpdateRelease", NULL) +
			             tu_expat_count(data, len, "TakedownRelease", NULL);
		cr_expect_eq(other, (uint64_t)want_other, "%s (%s): %llu other release records, want %ld",
		             file, root, (unsigned long long)other, want_other);

		/* The manifest counts SoundRecording elements anywhere (XPath
		 * //SoundRecording). Five originalworks/protocol messages nest a
		 * SoundRecording inside Release/ReleaseDetailsByTerritory/
		 * TechnicalDetails instead of listing it in the ResourceList: it is
		 * not a resource of the message and the parser rightly makes no
		 * record of it. Where the manifest disagrees with the SoundRecording
		 * elements directly under ResourceList (counted here by a bare expat
		 * pass), that direct count is the expectation. */
		long want_sr = tu_cell_long(&m, i, "SoundRecording");
		long direct_sr = tu_expat_count(data, len, "SoundRecording", "ResourceList");
		cr_assert_geq(direct_sr, 0, "%s: expat refuses a well-formed file", file);
		if (direct_sr != want_sr) {
			cr_expect(strncmp(file, "originalworks__protocol/", 24) == 0,
			          "%s: manifest %ld SoundRecording, %ld under ResourceList", file,
			          want_sr, direct_sr);
			want_sr = direct_sr;
			nested++;
		}
		uint64_t got_sr = tu_kind_count(&r, DM_REC_RESOURCE, "SoundRecording");
		cr_expect_eq(got_sr, (uint64_t)want_sr, "%s: %llu SoundRecording records, want %ld",
		             file, (unsigned long long)got_sr, want_sr);

		long want_deal = tu_cell_long(&m, i, "ReleaseDeal");
		cr_expect_eq(r.counts[DM_REC_DEAL], (uint64_t)want_deal, "%s: %llu deal records, want %ld",
		             file, (unsigned long long)r.counts[DM_REC_DEAL], want_deal);

		/* every resource kind matches its elements in the ResourceList, and
		 * parties their elements in the PartyList (expat as the witness) */
		long resources = 0;
		static const char *const kinds[] = {"SoundRecording", "Video", "Image", "Text",
		                                    "SheetMusic", "Software"};
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
			long n = tu_expat_count(data, len, kinds[k], "ResourceList");
			resources += n;
			cr_expect_eq(tu_kind_count(&r, DM_REC_RESOURCE, kinds[k]), (uint64_t)n,
			             "%s: %s records", file, kinds[k]);
		}
		cr_expect_geq(r.counts[DM_REC_RESOURCE], (uint64_t)resources, "%s", file);
		long parties = tu_expat_count(data, len, "Party", "PartyList");
		cr_expect_eq(r.counts[DM_REC_PARTY], (uint64_t)parties, "%s: party records", file);

		/* the whole output is one JSON object per line, "type" first */
		cr_expect_eq(tu_count_lines(r.json, "{\"type\":\""),
		             r.counts[DM_REC_HEADER] + r.counts[DM_REC_PARTY] +
		             r.counts[DM_REC_RESOURCE] + r.counts[DM_REC_RELEASE] +
		             r.counts[DM_REC_DEAL], "%s", file);
		tu_result_fini(&r);
		free(data);
		free(path);
	}
	cr_assert_gt(checked, 140, "only %zu ERN messages checked", checked);
	cr_assert_eq(nested, 5, "expected exactly the five originalworks files with a nested "
	             "SoundRecording, found %zu", nested);
	tu_table_free(&m);
}

Test(corpus, messages_that_are_not_ern_are_refused)
{
	struct tu_table m;
	char *mpath = tu_corpus_path("MANIFEST.tsv");
	tu_table_load(&m, mpath);
	free(mpath);
	size_t refused = 0;
	for (size_t i = 0; i < m.nrows; i++) {
		const char *file = tu_cell(&m, i, "file");
		const char *ns = tu_cell(&m, i, "namespace");
		const char *root = tu_cell(&m, i, "root");
		int wf = strcmp(tu_cell(&m, i, "well_formed"), "yes") == 0;
		if (is_ern_namespace(ns) && wf)
			continue;
		struct tu_result r;
		tu_parse_corpus(file, 0, 0, &r);
		refused++;
		cr_expect_neq(r.rc, 0, "%s (%s) was accepted", file, root);
		cr_expect(r.err.has_pos && r.err.line > 0, "%s: no position", file);
		cr_expect_eq(r.json_len, 0, "%s: records from a refused message", file);
		if (wf) {
			char want[600];
			snprintf(want, sizeof want, "not a DDEX ERN message: root is {%s}%s", ns, root);
			cr_expect_eq(r.rc, DM_ENOTERN, "%s", file);
			cr_expect_str_eq(r.err.msg, want, "%s", file);
		} else {
			cr_expect_eq(r.rc, DM_EXML, "%s: %s", file, r.err.msg);
		}
		cr_expect_eq(r.live_after, 0);
		tu_result_fini(&r);
	}
	cr_assert_geq(refused, 6, "the manifest has MEAD, ECHO, MWN and DSR messages");
	tu_table_free(&m);
}

/* ---- bad/ ------------------------------------------------------------------- */

Test(corpus, bad_files_are_refused_with_a_position_or_parse_when_well_formed)
{
	struct tu_table b;
	char *npath = tu_corpus_path("bad/BAD_NOTES.tsv");
	tu_table_load(&b, npath);
	free(npath);
	size_t refused = 0, parsed = 0;
	for (size_t i = 0; i < b.nrows; i++) {
		const char *file = tu_cell(&b, i, "bad_file");
		const char *category = tu_cell(&b, i, "category");
		int wf = strcmp(tu_cell(&b, i, "well_formed"), "yes") == 0 &&
		         strcmp(tu_cell(&b, i, "ns_wellformed"), "yes") == 0;
		char *path = tu_corpus_path(file);
		size_t len;
		char *data = tu_read_file(path, &len);
		struct tu_result r;
		tu_parse(data, len, NULL, 0, 0, 0, 0, &r);
		cr_expect_eq(r.live_after, 0, "%s", file);
		if (!wf || strcmp(category, "unsupported-version") == 0) {
			refused++;
			cr_expect_neq(r.rc, 0, "%s (%s) was accepted", file, category);
			cr_expect(r.err.has_pos && r.err.line >= 1 && r.err.column >= 1,
			          "%s: the error names no position: %s", file, r.err.msg);
			/* one line, FILE:LINE:COL: message */
			char line[1200], prefix[64];
			dm_error_format(&r.err, line, sizeof line);
			snprintf(prefix, sizeof prefix, "test-input:%llu:%llu: ",
			         (unsigned long long)r.err.line, (unsigned long long)r.err.column);
			cr_expect(strncmp(line, prefix, strlen(prefix)) == 0 && !strchr(line, '\n'),
			          "%s: '%s'", file, line);
			if (strcmp(category, "unsupported-version") == 0)
				cr_expect_eq(r.rc, DM_ENOTERN, "%s", file);
			else if (strcmp(category, "malformed") == 0 && r.rc != DM_ENOTERN)
				cr_expect_eq(r.rc, DM_EXML, "%s: %s", file, r.err.msg);
		} else {
			parsed++;
			cr_expect_eq(r.rc, 0, "%s (%s) refused: %s", file, category, r.err.msg);
			cr_expect_eq(r.counts[DM_REC_HEADER], 1, "%s", file);
			long rel = tu_expat_count(data, len, "Release", "ReleaseList") +
			           tu_expat_count(data, len, "TrackRelease", "ReleaseList");
			long sr = tu_expat_count(data, len, "SoundRecording", "ResourceList");
			long deals = tu_expat_count(data, len, "ReleaseDeal", "DealList");
			cr_expect_eq(r.counts[DM_REC_RELEASE], (uint64_t)rel, "%s: releases", file);
			cr_expect_eq(tu_kind_count(&r, DM_REC_RESOURCE, "SoundRecording"), (uint64_t)sr,
			             "%s: sound recordings", file);
			cr_expect_eq(r.counts[DM_REC_DEAL], (uint64_t)deals, "%s: deals", file);
		}
		tu_result_fini(&r);
		free(data);
		free(path);
	}
	cr_assert_geq(refused, 9);
	cr_assert_geq(parsed, 10);

	/* every file in bad/ has its note */
	char *dirpath = tu_corpus_path("bad");
	DIR *d = opendir(dirpath);
	cr_assert_not_null(d);
	size_t files = 0;
	for (struct dirent *de; (de = readdir(d));) {
		size_t l = strlen(de->d_name);
		if (l < 4 || strcmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		files++;
		int found = 0;
		for (size_t i = 0; i < b.nrows && !found; i++)
			found = strcmp(tu_cell(&b, i, "bad_file") + 4, de->d_name) == 0;
		cr_expect(found, "bad/%s is not in BAD_NOTES.tsv", de->d_name);
	}
	closedir(d);
	free(dirpath);
	cr_assert_eq(files, b.nrows);
	tu_table_free(&b);
}

Test(corpus, specific_refusals_name_the_right_place)
{
	static const struct { const char *file; int rc; unsigned long line, col; const char *msg; } cases[] = {
		{"bad/miqwit__dedex__tests__samples__002_erroneous_xml.xml", DM_EXML, 157, 3,
		 "unclosed token"},
		{"bad/miqwit__dedex__tests__samples__004_xmlns_ern_missing.xml", DM_EXML, 5, 1,
		 "unbound prefix"},
		{"bad/miroivan12org__DDEX__Resources__Business Profiles Samples__"
		 "Profile_NonInteractiveSubscriptionStreamingService.xml", DM_EXML, 70, 3,
		 "mismatched tag"},
		{"bad/miroivan12org__DDEX__Resources__Release Profiles Samples__"
		 "Profile_TVSeries_FimBundle.xml", DM_EXML, 10, 2, "not well-formed (invalid token)"},
		{"bad/originalworks__protocol__ow_blob_codec__tests__assets__corrupted_xml__empty.xml",
		 DM_EXML, 1, 1, "empty input (no XML element found)"},
		{"bad/miqwit__dedex__tests__samples__003_version_not_supported.xml", DM_ENOTERN, 6, 1,
		 "not a DDEX ERN message: root is {http://ddex.net/xml/ern/113}NewReleaseMessage"},
		{"bad/daddykev__ddex-suite__test-suite__nasty__billion-laughs.xml", DM_EDTD, 3, 16,
		 "DOCTYPE declares entity 'lol' (set allow_dtd_entities=true to accept)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		for (size_t c = 1; c <= 65536; c *= 16) {
			struct tu_result r;
			tu_parse_corpus(cases[i].file, c, 0, &r);
			cr_expect_eq(r.rc, cases[i].rc, "%s at chunk %zu: rc %d", cases[i].file, c, r.rc);
			cr_expect_eq(r.err.line, cases[i].line, "%s at chunk %zu: line %llu", cases[i].file,
			             c, (unsigned long long)r.err.line);
			cr_expect_eq(r.err.column, cases[i].col, "%s at chunk %zu: column %llu",
			             cases[i].file, c, (unsigned long long)r.err.column);
			cr_expect_str_eq(r.err.msg, cases[i].msg, "%s", cases[i].file);
			tu_result_fini(&r);
		}
	}
}

Test(corpus, deep_nesting_is_refused_with_a_position)
{
	/* 1000 nested elements (not ERN): refused either as too deep or as not
	 * ERN, with a position, and without recursion trouble */
	struct tu_result r;
	tu_parse_corpus("bad/daddykev__ddex-suite__test-suite__nasty__deep-nesting.xml", 0, 0, &r);
	cr_assert(r.rc == DM_ELIMIT || r.rc == DM_ENOTERN, "rc %d: %s", r.rc, r.err.msg);
	cr_assert(r.err.has_pos && r.err.line > 0);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
}

/* ---- chunk sizes ------------------------------------------------------------ */

static void same_at_every_chunk_size(const char *rel, size_t *nfiles)
{
	static const size_t chunks[] = {4096, 7, 1};
	char *path = tu_corpus_path(rel);
	size_t len;
	char *data = tu_read_file(path, &len);
	struct tu_result ref;
	/* records with their positions, so a chunk boundary cannot move one */
	tu_parse(data, len, NULL, 65536, TU_POSITIONS, 0, 0, &ref);
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		struct tu_result r;
		tu_parse(data, len, NULL, chunks[i], TU_POSITIONS, 0, 0, &r);
		cr_expect_eq(r.rc, ref.rc, "%s: rc %d at chunk %zu, %d at 65536", rel, r.rc, chunks[i],
		             ref.rc);
		cr_expect(r.json_len == ref.json_len && memcmp(r.json, ref.json, r.json_len) == 0,
		          "%s: output at chunk %zu differs from chunk 65536", rel, chunks[i]);
		cr_expect_str_eq(r.err.msg, ref.err.msg, "%s at chunk %zu", rel, chunks[i]);
		cr_expect(r.err.line == ref.err.line && r.err.column == ref.err.column &&
		          r.err.offset == ref.err.offset, "%s: error position moved at chunk %zu",
		          rel, chunks[i]);
		cr_expect_eq(r.live_after, 0);
		tu_result_fini(&r);
	}
	/* reading the file through a descriptor gives the same as feeding it */
	struct tu_result fd;
	tu_parse(path, 0, NULL, 4096, TU_POSITIONS | TU_FROM_FD, 0, 0, &fd);
	cr_expect_eq(fd.rc, ref.rc, "%s", rel);
	cr_expect_str_eq(fd.json, ref.json, "%s: file read differs from memory feed", rel);
	tu_result_fini(&fd);
	tu_result_fini(&ref);
	free(data);
	free(path);
	(*nfiles)++;
}

Test(corpus, every_file_gives_identical_output_at_chunk_sizes_1_7_4096_65536)
{
	size_t n = 0;
	struct tu_table m;
	char *p = tu_corpus_path("MANIFEST.tsv");
	tu_table_load(&m, p);
	free(p);
	for (size_t i = 0; i < m.nrows; i++)
		same_at_every_chunk_size(tu_cell(&m, i, "file"), &n);
	tu_table_free(&m);
	p = tu_corpus_path("bad/BAD_NOTES.tsv");
	tu_table_load(&m, p);
	free(p);
	for (size_t i = 0; i < m.nrows; i++)
		same_at_every_chunk_size(tu_cell(&m, i, "bad_file"), &n);
	tu_table_free(&m);
	cr_assert_gt(n, 180);
}

/* ---- field values, read from the XML by hand ----------------------------------- */

struct parsed {
	struct tu_result r;
	const char *file;
};

static void parse_ok(struct parsed *p, const char *file)
{
	p->file = file;
	tu_parse_corpus(file, 0, 0, &p->r);
	cr_assert_eq(p->r.rc, 0, "%s: %s", file, p->r.err.msg);
}

/* The record line holding all of the selectors; asserted to exist. */
static char *rec(struct parsed *p, const char *type, const char *sel)
{
	char t[64];
	snprintf(t, sizeof t, "{\"type\":\"%s\"", type);
	char *line = tu_find_line(p->r.json, t, sel, NULL);
	cr_assert_not_null(line, "%s: no %s record with %s", p->file, type, sel ? sel : "");
	return line;
}

/* line must contain every fragment in the NULL-terminated list */
static void has(const char *line, ...) __attribute__((sentinel));
static void has(const char *line, ...)
{
	va_list ap;
	va_start(ap, line);
	for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		cr_expect(strstr(line, s), "missing %s in\n%s", s, line);
	va_end(ap);
}

static void lacks(const char *line, const char *s)
{
	cr_expect_null(strstr(line, s), "unexpected %s in\n%s", s, line);
}

Test(fields, ern_382_single)
{
	struct parsed p;
	parse_ok(&p, "kazhs__ddex-json-codec/tests__fixtures__ern382__single.xml");
	char *h = rec(&p, "header", NULL);
	has(h, "\"ern_version\":\"3.8.2\"", "\"message_id\":\"2417334_20241002_101032\"",
	    "\"thread_id\":\"2417334\"", "\"sender_party_id\":\"PADPIDA2012041004F\"",
	    "\"sender_name\":\"The Orchard Enterprises\"", "\"recipient_name\":\"MONSTAR LAB, INC.\"",
	    "\"created\":\"2024-10-02T10:10:32Z\"", "\"schema_version\":\"ern/382\"", NULL);
	lacks(h, "recipient_party_id"); /* <PartyId IsDPID="true"/> is empty */

	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"kind\":\"Release\"", "\"release_type\":\"Single\"", "\"icpn\":\"5710261026118\"",
	    "\"title\":\"Allez Allez Allez\"", "\"display_artist\":\"Technica\"",
	    "\"original_release_date\":\"2012-07-02\"", "\"label\":\"Technica\"",
	    "\"pline\":\"(P) 2016 Technica\"", "\"cline\":\"(C) 2016 Technica\"",
	    "\"duration_seconds\":188", "\"is_main_release\":true",
	    "\"resource_references\":[\"A1\",\"A2\"]", NULL);
	lacks(r0, "\"release_date\"");
	char *r1 = rec(&p, "release", "\"reference\":\"R1\"");
	has(r1, "\"release_type\":\"TrackRelease\"", "\"isrc\":\"DKFD52275001\"",
	    "\"resource_references\":[\"A1\"]", NULL);
	lacks(r1, "\"icpn\"");

	char *a1 = rec(&p, "resource", "\"reference\":\"A1\"");
	has(a1, "\"kind\":\"SoundRecording\"", "\"isrc\":\"DKFD52275001\"",
	    "\"title\":\"Allez Allez Allez\"", "\"duration\":\"PT0H3M8S\"", "\"duration_seconds\":188",
	    "\"language\":\"en\"", "\"genre\":\"Pop\"", "\"parental_warning\":\"NotExplicit\"",
	    "{\"name\":\"Technica\",\"role\":\"MainArtist\"}", NULL);
	char *a2 = rec(&p, "resource", "\"reference\":\"A2\"");
	has(a2, "\"kind\":\"Image\"", "\"resource_type\":\"FrontCoverImage\"",
	    "{\"type\":\"ProprietaryId\",\"namespace\":\"DPID:PADPIDA2012041004F\","
	    "\"value\":\"IMAGE_COVER_5710261026118\"}", NULL);

	char *d = rec(&p, "deal", "\"release_references\":[\"R0\"]");
	has(d, "\"effective_date\":\"2024-10-02\"", "\"territories\":[\"JP\"]",
	    "\"start\":\"2019-01-14\"", "\"takedown\":true", NULL);
	free(h); free(r0); free(r1); free(a1); free(a2); free(d);
	tu_result_fini(&p.r);
}

Test(fields, ern_382_ddex_audio_single_profile)
{
	struct parsed p;
	parse_ok(&p, "miroivan12org__DDEX/Resources__Release Profiles Samples__Profile_AudioSingle.xml");
	char *h = rec(&p, "header", NULL);
	has(h, "\"sender_party_id\":\"DPID_OF_THE_SENDER\"",
	    "\"recipient_party_id\":\"DPID_OF_THE_RECIPIENT\"", NULL);
	lacks(h, "\"message_id\""); /* <MessageId/> */
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"release_type\":\"Single\"", "\"grid\":\"A1UCASE0000000001X\"",
	    "\"title\":\"Can you feel ...the Monkey Claw!\"",
	    "\"display_artist\":\"Monkey Claw featung. Ape Hand\"",
	    "\"release_date\":\"2010-01-01\"", "\"original_release_date\":\"1955-01-01\"",
	    "\"resource_references\":[\"A1\",\"A2\"]", NULL);
	char *a1 = rec(&p, "resource", "\"reference\":\"A1\"");
	has(a1, "\"isrc\":\"CASE00000001\"", "\"title\":\"Can you feel ...the Monkey Claw!\"",
	    "\"duration\":\"PT13M31S\"", "\"duration_seconds\":811",
	    "{\"name\":\"Steve Albino\",\"roles\":[\"Producer\"]}",
	    "{\"name\":\"Bob Black\",\"roles\":[\"Composer\"]}", NULL);
	free(h); free(r0); free(a1);
	tu_result_fini(&p.r);
}

Test(fields, ern_382_deal_types)
{
	struct parsed p;
	parse_ok(&p, "AudiusProject__ddex-processor/fixtures__dealTypes.xml");
	char *d = rec(&p, "deal", "\"release_references\":[\"R1\"]");
	has(d, "\"commercial_model_types\":[\"PayAsYouGoModel\"]",
	    "\"use_types\":[\"OnDemandStream\",\"PermanentDownload\"]",
	    "\"territories\":[\"Worldwide\"]", "\"start\":\"2023-09-02\"",
	    "\"prices\":[{\"amount\":4.0,\"currency\":\"USD\"}]", NULL);
	char *d3 = rec(&p, "deal", "\"release_references\":[\"R3\"]");
	has(d3, "\"commercial_model_types\":[\"UserDefined\"]", "\"use_types\":[\"OnDemandStream\"]",
	    NULL);
	lacks(d3, "prices");
	free(d); free(d3);
	tu_result_fini(&p.r);
}

Test(fields, ern_411_audio)
{
	struct parsed p;
	parse_ok(&p, "sshaw__ddex/spec__fixtures__ern__411__1 Audio.xml");
	char *h = rec(&p, "header", NULL);
	has(h, "\"ern_version\":\"4.1.1\"", "\"message_id\":\"Test1.1\"", "\"thread_id\":\"Test1\"",
	    "\"sender_party_id\":\"PADPIDA2013042401U\"", "\"sender_name\":\"UniversalMusicGroup\"",
	    "\"recipient_party_id\":\"PADPIDA2009101501Y\"", "\"recipient_name\":\"Sony DADC\"", NULL);
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"kind\":\"Release\"", "\"release_type\":\"Album\"", "\"icpn\":\"00094631432057\"",
	    "\"title\":\"Yume no Hajmari\"", "\"display_artist\":\"Saeko Shu\"",
	    "\"label_reference\":\"PEMI\"", "\"genre\":\"J-Pop\"", "\"duration_seconds\":2190",
	    "\"resource_references\":[\"A1\",\"A2\",\"A3\",", NULL);
	/* 04988006110809 is the ICPN of a RelatedRelease, not of R0 */
	lacks(r0, "04988006110809");
	lacks(r0, "\"release_date\"");
	char *r5 = rec(&p, "release", "\"reference\":\"R5\"");
	has(r5, "\"kind\":\"TrackRelease\"", "\"resource_references\":[\"A5\"]",
	    "\"value\":\"00094631432057_JPTO09404940_R5\"", NULL);
	char *a1 = rec(&p, "resource", "\"reference\":\"A1\"");
	has(a1, "\"kind\":\"SoundRecording\"", "\"isrc\":\"JPTO09404900\"",
	    "\"title\":\"Yume no Lullaby\"", "\"display_artist\":\"Saeko Shu\"",
	    "\"duration\":\"PT2M28S\"", "\"duration_seconds\":148",
	    "{\"reference\":\"PSaekoShu\",\"role\":\"MainArtist\"}", NULL);
	char *d = rec(&p, "deal", "\"release_references\":[\"R1\",\"R2\",");
	has(d, "\"R21\"]", "\"commercial_model_types\":[\"AsPerContract\",\"SubscriptionModel\","
	    "\"AdvertisementSupportedModel\"]", "\"use_types\":[\"ConditionalDownload\",\"Stream\"]",
	    "\"territories\":[\"JP\"]", "\"start\":\"2004-04-01\"", "\"prices\":[{\"type\":\"AAAA\"}]",
	    NULL);
	free(h); free(r0); free(r5); free(a1); free(d);
	tu_result_fini(&p.r);
}

Test(fields, ern_411_simple_audio_single)
{
	struct parsed p;
	parse_ok(&p, "sshaw__ddex/spec__fixtures__ern__411__4 SimpleAudioSingle.xml");
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	/* the only ICPN in the file belongs to a RelatedRelease */
	lacks(r0, "\"icpn\"");
	lacks(r0, "190295810726");
	free(r0);
	tu_result_fini(&p.r);
}

Test(fields, ern_42_album)
{
	struct parsed p;
	parse_ok(&p, "kazhs__ddex-json-codec/tests__fixtures__ern42__album.xml");
	char *h = rec(&p, "header", NULL);
	has(h, "\"ern_version\":\"4.2\"", "\"message_id\":\"Test1.1\"",
	    "\"sender_party_id\":\"PADPIDA2013042401U\"", "\"sender_name\":\"UniversalMusicGroup\"",
	    NULL);
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"icpn\":\"00094631432057\"", "\"title\":\"Yume no Hajmari\"",
	    "\"display_artist\":\"Saeko Shu\"", "\"duration\":\"PT4M10S\"",
	    "\"resource_references\":[\"A1\",\"A2\",\"A3\"]", NULL);
	char *a2 = rec(&p, "resource", "\"reference\":\"A2\"");
	has(a2, "\"isrc\":\"JPTO09404910\"",
	    "\"title\":\"Yume no Hajimari - Kaze no Okuri Mono (Introduction)\"",
	    "\"duration_seconds\":102", NULL);
	char *d1 = rec(&p, "deal", "\"release_references\":[\"R1\",\"R2\"]");
	has(d1, "\"commercial_model_types\":[\"SubscriptionModel\"]",
	    "\"use_types\":[\"ConditionalDownload\",\"Stream\"]", "\"territories\":[\"JP\"]",
	    "\"start\":\"2004-04-01\"", NULL);
	char *d0 = rec(&p, "deal", "\"release_references\":[\"R0\"]");
	has(d0, "\"commercial_model_types\":[\"PayAsYouGoModel\"]",
	    "\"use_types\":[\"PermanentDownload\"]", NULL);
	free(h); free(r0); free(a2); free(d1); free(d0);
	tu_result_fini(&p.r);
}

Test(fields, ern_42_dj_mix)
{
	struct parsed p;
	parse_ok(&p, "sshaw__ddex/spec__fixtures__ern__42__8 DjMix.xml");
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"release_type\":\"DjMix\"", "\"icpn\":\"123123123123\"", "\"title\":\"MMix\"",
	    "\"display_artist\":\"Monkey Claw\"", "\"original_release_date\":\"2017-01-02\"",
	    "\"genre\":\"Nu Disco\"", "\"resource_references\":[\"A1\",\"A10\"]", NULL);
	char *d = rec(&p, "deal", "\"release_references\":[\"R0\"]");
	has(d, "\"territories\":[\"KR\",\"AU\",\"PE\",\"SG\",\"SI\",\"GB\",\"US\",\"VN\",\"CA\","
	    "\"DO\",\"FR\",\"DE\"]", "\"start\":\"2017-01-02\"",
	    "\"commercial_model_types\":[\"SubscriptionModel\",\"UserDefined\"]",
	    "\"use_types\":[\"ConditionalDownload\",\"OnDemandStream\"]", NULL);
	free(r0); free(d);
	tu_result_fini(&p.r);
}

Test(fields, ern_43_simple_audio_single)
{
	struct parsed p;
	parse_ok(&p, "daddykev__ddex-suite/examples__Samples43__4 SimpleAudioSingle.xml");
	char *h = rec(&p, "header", NULL);
	has(h, "\"ern_version\":\"4.3\"", "\"message_id\":\"W83814161\"",
	    "\"sender_party_id\":\"PADPIDA2007050901U\"", "\"sender_name\":\"Warner Music Group\"",
	    "\"recipient_name\":\"5752-X5 SRR\"", "\"created\":\"2017-04-25T15:00:29.947Z\"",
	    "\"control_type\":\"LiveMessage\"", NULL);
	char *party = rec(&p, "party", "\"reference\":\"PRIOPY\"");
	has(party, "\"names\":[\"RIOPY\"]", "\"value\":\"1981969\"", NULL);
	char *a1 = rec(&p, "resource", "\"reference\":\"A1\"");
	has(a1, "\"isrc\":\"GBAYC1700598\"", "\"title\":\"RIOPY: I Love You\"",
	    "\"display_artist\":\"RIOPY\"", "\"duration\":\"PT4M23.583S\"",
	    "\"duration_seconds\":263.583",
	    "\"files\":[{\"uri\":\"resources/190295810726_00001_LL.flac\",\"codec\":\"FLAC\","
	    "\"sampling_rate\":44.1,\"hash\":\"db7dd2f3bb9b322646e3f4d7b65b47ab\","
	    "\"hash_algorithm\":\"MD5\"}]", NULL);
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"release_type\":\"SingleResourceRelease\"", "\"grid\":\"A10302B0003989564F\"",
	    "\"title\":\"RIOPY: I Love You\"", "\"display_artist\":\"RIOPY\"",
	    "\"genre\":\"Classical\"", "\"subgenre\":\"Classical Crossover\"",
	    "\"cline_year\":2017", "\"resource_references\":[\"A1\",\"A2\"]", NULL);
	/* 190295810726 is the ICPN of the RelatedRelease only */
	lacks(r0, "\"icpn\"");
	lacks(r0, "190295810726");
	char *d = rec(&p, "deal", "\"release_references\":[\"R0\"]");
	has(d, "\"deals\":[{\"commercial_model_types\":[\"AdvertisementSupportedModel\"],"
	    "\"use_types\":[\"NonInteractiveStream\",\"OnDemandStream\"],\"territories\":[\"AD\"],"
	    "\"start\":\"2017-04-25\"},{\"commercial_model_types\":[\"SubscriptionModel\"],", NULL);
	free(h); free(party); free(a1); free(r0); free(d);
	tu_result_fini(&p.r);
}

Test(fields, ern_43_album_with_release_date)
{
	struct parsed p;
	parse_ok(&p, "drumusician__ddex-delivery-service/priv__ddex__packages__glass_garden_ern43__"
	             "glass_garden.xml");
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"release_type\":\"Album\"", "\"icpn\":\"0196118307423\"", "\"title\":\"Glass Garden\"",
	    "\"display_artist\":\"Mara Chen\"", "\"release_date\":\"2025-06-20\"",
	    "\"duration\":\"PT36M07S\"", "\"duration_seconds\":2167", "\"label\":\"Halcyon Music Group\"",
	    "\"resource_references\":[\"A1\",\"A2\",\"A3\",\"A4\",\"A5\",\"A6\",\"A7\",\"A8\",\"A9\","
	    "\"A10\"]", NULL);
	char *r1 = rec(&p, "release", "\"reference\":\"R1\"");
	has(r1, "\"isrc\":\"GBX0425000101\"", "\"title\":\"Prism Light\"",
	    "\"display_artist\":\"Mara Chen feat. Yuki Tanaka\"", NULL);
	free(r0); free(r1);
	tu_result_fini(&p.r);
}

Test(fields, ern_43_official_audio_sample)
{
	struct parsed p;
	parse_ok(&p, "sshaw__ddex/spec__fixtures__ern__43__1 Audio.xml");
	char *a9 = rec(&p, "resource", "\"reference\":\"A9\"");
	has(a9, "\"isrc\":\"JPTO09404980\"", "\"title\":\"Natsu no Omoide (Instrumental)\"",
	    "\"duration\":\"PT1M14S\"", "\"duration_seconds\":74", "\"language\":\"ja\"",
	    "\"creation_date\":\"1993-12-01\"", "\"files\":[{\"uri\":\"0094631432057_01_009.wav\"}]",
	    NULL);
	char *r0 = rec(&p, "release", "\"reference\":\"R0\"");
	has(r0, "\"icpn\":\"00094631432057\"", "\"ids\":[{\"type\":\"ICPN\",\"value\":\"00094631432057\"}]",
	    "\"duration_seconds\":2190", NULL);
	char *d = rec(&p, "deal", "\"release_references\":[\"R0\"]");
	has(d, "\"commercial_model_types\":[\"PayAsYouGoModel\"]",
	    "\"use_types\":[\"PermanentDownload\",\"ConditionalDownload\"]", "\"territories\":[\"JP\"]",
	    "\"start\":\"2004-04-01\"", NULL);
	free(a9); free(r0); free(d);
	tu_result_fini(&p.r);
}
