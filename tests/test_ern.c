/* The ERN machine's extraction on hand-written fixtures: repeated
 * sub-objects, name and title variants, deals in their 3.x and 4.x shapes,
 * and values that must be held whole or refused, never cut. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ern_rules.h"
#include "testutil.h"

#define FIXTURES DM_TEST_SRCDIR "/tests/fixtures/ern/"
#define NS43 "http://ddex.net/xml/ern/43"
#define OPEN43 "<NewReleaseMessage xmlns=\"" NS43 "\">"
#define CLOSE "</NewReleaseMessage>"
#define HEADER "<MessageHeader><MessageId>M1</MessageId></MessageHeader>"

static const char *const fixtures[] = {"groups-382.xml", "variants-43.xml",
                                       "variants-382.xml", "contributors-33.xml"};

static char *fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, FIXTURES "%s", name);
	return tu_read_file(path, len);
}

static void parse_fixture(const char *name, struct tu_result *r)
{
	size_t len;
	char *data = fixture(name, &len);
	tu_parse(data, len, NULL, 0, 0, 0, 0, r);
	free(data);
	cr_assert_eq(r->rc, 0, "%s: %s", name, r->err.msg);
}

/* The record line holding every needle, or the test fails showing all lines. */
static char *line_with(const struct tu_result *r, const char *a, const char *b)
{
	char *l = tu_find_line(r->json, a, b, (const char *)NULL);
	cr_assert_not_null(l, "no line with %s and %s in:\n%s", a, b ? b : "", r->json);
	return l;
}

static void expect_in(const char *line, const char *want)
{
	cr_expect(strstr(line, want), "missing %s in\n%s", want, line);
}

/* malloc'ed printf */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	cr_assert_geq(vasprintf(&s, f, ap), 0);
	va_end(ap);
	return s;
}

static struct dm_config cfg_with(const char *key, const char *value)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set(&c, key, value, &err), 0, "%s", err.msg);
	return c;
}

/* ---- the rule tables ------------------------------------------------------- */

Test(ern, every_rule_and_name_fits_the_tables)
{
	const struct ern_tables *t = dm_ern_rules();
	cr_assert_eq(t->dropped, 0);
	cr_assert_lt(t->nnames + 1, MAX_NAMES);
	cr_assert_gt(t->nrules, 200);
	for (unsigned i = 0; i < t->nrules; i++)
		for (unsigned k = 0; k < t->rules[i].n; k++)
			cr_assert_neq(t->rules[i].ids[k], 0, "rule %u, part %u has no name", i, k);
	cr_assert_eq(ern_lookup(t, "DisplayArtistName", 17) != 0, 1);
	cr_assert_eq(ern_lookup(t, "NoSuchElement", 13), 0);
}

/* The automaton the rules compile into matches each rule's whole path
 * inside the record, as the rules say it: */

Test(ern, a_path_may_begin_at_the_record_element_by_its_own_name)
{
	/* "PLine/PLineText" with the record's own element named PLine; a
	 * PLineText without a PLine above it is no pline */
	const char *doc = OPEN43 HEADER "<ResourceList>"
		"<PLine><PLineText>x</PLineText><Year>2001</Year></PLine>"
		"<SoundRecording><PLineText>y</PLineText><Year>1999</Year></SoundRecording>"
		"</ResourceList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_expect_eq(tu_count_lines(r.json, "{\"type\":\"resource\",\"kind\":\"PLine\",\"pline\":\"x\","
	                                    "\"pline_year\":2001}"), 1, "%s", r.json);
	cr_expect_eq(tu_count_lines(r.json, "{\"type\":\"resource\",\"kind\":\"SoundRecording\"}"), 1,
	             "%s", r.json);
	tu_result_fini(&r);
}

Test(ern, an_anchored_path_matches_only_right_under_the_record)
{
	const char *doc = OPEN43 HEADER "<ResourceList><SoundRecording>"
		"<X><ResourceReference>A</ResourceReference></X>"
		"<ResourceReference>B</ResourceReference></SoundRecording></ResourceList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_expect_eq(tu_count_lines(r.json, "\"reference\":\"B\""), 1, "%s", r.json);
	cr_expect_eq(tu_count_lines(r.json, "\"reference\":\"A\""), 0, "%s", r.json);
	tu_result_fini(&r);
}

Test(ern, nothing_inside_a_related_release_is_the_records_own)
{
	const char *doc = OPEN43 HEADER "<ReleaseList><Release>"
		"<RelatedRelease><ReleaseReference>R9</ReleaseReference>"
		"<ReleaseId><ICPN>999</ICPN></ReleaseId></RelatedRelease>"
		"<ReleaseReference>R1</ReleaseReference><ReleaseId><ICPN>111</ICPN></ReleaseId>"
		"</Release></ReleaseList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *l = line_with(&r, "\"type\":\"release\"", NULL);
	expect_in(l, "\"reference\":\"R1\",\"icpn\":\"111\",\"ids\":[{\"type\":\"ICPN\",\"value\":\"111\"}]}");
	cr_expect_null(strstr(l, "R9"), "%s", l);
	cr_expect_null(strstr(l, "999"), "%s", l);
	free(l);
	tu_result_fini(&r);
}

/* ---- repeated sub-objects --------------------------------------------------- */

Test(ern, an_artist_with_nothing_captured_does_not_empty_the_next)
{
	struct tu_result r;
	parse_fixture("groups-382.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"artists\":[{\"name\":\"First Artist\",\"role\":\"MainArtist\"},"
	             "{\"name\":\"Second Artist\",\"role\":\"FeaturedArtist\"}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, a_deal_with_only_an_unknown_child_does_not_empty_the_next)
{
	struct tu_result r;
	parse_fixture("groups-382.xml", &r);
	char *l = line_with(&r, "\"release_references\":[\"R0\"]", NULL);
	expect_in(l, "\"deals\":[{\"commercial_model_types\":[\"SubscriptionModel\"],"
	             "\"use_types\":[\"OnDemandStream\"],\"territories\":[\"FR\"]}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, a_deal_holding_only_prices_is_a_deal)
{
	struct tu_result r;
	parse_fixture("groups-382.xml", &r);
	char *l = line_with(&r, "\"release_references\":[\"R1\"]", NULL);
	expect_in(l, "\"deals\":[{\"prices\":[{\"type\":\"WholesalePrice\",\"amount\":0.99,"
	             "\"currency\":\"EUR\"}]}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, prices_stay_with_their_own_deal)
{
	const char *doc = OPEN43 HEADER "<DealList><ReleaseDeal>"
		"<DealReleaseReference>R1</DealReleaseReference>"
		"<Deal><DealTerms><Other/></DealTerms></Deal>"
		"<Deal><DealTerms><PriceInformation><PriceType>A</PriceType></PriceInformation>"
		"</DealTerms></Deal>"
		"<Deal><DealTerms><TerritoryCode>DE</TerritoryCode>"
		"<PriceInformation><PriceType>B</PriceType></PriceInformation>"
		"<PriceInformation><PriceType>C</PriceType></PriceInformation></DealTerms></Deal>"
		"</ReleaseDeal></DealList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *l = line_with(&r, "\"type\":\"deal\"", NULL);
	expect_in(l, "\"deals\":[{\"prices\":[{\"type\":\"A\"}]},"
	             "{\"territories\":[\"DE\"],\"prices\":[{\"type\":\"B\"},{\"type\":\"C\"}]}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, more_than_65535_artists_are_all_kept)
{
	enum { N = 70000 };
	size_t cap = (size_t)N * 96 + 4096, len = 0;
	char *doc = malloc(cap);
	cr_assert_not_null(doc);
	len += (size_t)snprintf(doc + len, cap - len, "%s%s<ResourceList><SoundRecording>", OPEN43,
	                        HEADER);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(doc + len, cap - len,
		                        "<DisplayArtist><ArtistPartyReference>P%d</ArtistPartyReference>"
		                        "</DisplayArtist>", i);
	len += (size_t)snprintf(doc + len, cap - len, "</SoundRecording></ResourceList>%s", CLOSE);
	struct tu_result r;
	tu_parse(doc, len, NULL, 0, 0, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_expect_eq(tu_count_lines(r.json, "{\"reference\":\"P69999\"}]"), 1,
	             "the last artist is there, last");
	cr_expect_eq(tu_count_lines(r.json, "{\"reference\":\"P65536\"}"), 1);
	tu_result_fini(&r);
	free(doc);
}

/* ---- name and title variants ------------------------------------------------ */

Test(ern, every_display_artist_name_is_kept_with_its_script_and_territory)
{
	struct tu_result r;
	parse_fixture("variants-43.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"display_artist\":\"Hoshino Aoi\"");
	expect_in(l, "\"display_artist_names\":["
	             "{\"name\":\"Hoshino Aoi\",\"language_and_script\":\"ja-Latn\","
	             "\"territories\":[\"Worldwide\"],\"is_default\":true},"
	             "{\"name\":\"星野 葵\",\"language_and_script\":\"ja-Jpan\","
	             "\"territories\":[\"JP\"]}]");
	free(l);
	l = line_with(&r, "\"kind\":\"Release\"", NULL);
	expect_in(l, "{\"name\":\"星野 葵\",\"language_and_script\":\"ja-Jpan\","
	             "\"territories\":[\"JP\"]}");
	free(l);
	tu_result_fini(&r);
}

Test(ern, every_title_is_kept_with_its_script_territory_and_subtitle)
{
	struct tu_result r;
	parse_fixture("variants-43.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"title\":\"Yoru no Uta\"");
	expect_in(l, "\"titles\":["
	             "{\"text\":\"Yoru no Uta\",\"language_and_script\":\"ja-Latn\",\"is_default\":true},"
	             "{\"text\":\"夜の歌\",\"language_and_script\":\"ja-Jpan\",\"territories\":[\"JP\"]},"
	             "{\"text\":\"夜の歌\",\"subtitle\":\"ライブ\",\"language_and_script\":\"ja-Jpan\","
	             "\"territories\":[\"JP\"],\"is_default\":false}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, variants_inherit_the_language_and_territories_of_their_3x_details)
{
	struct tu_result r;
	parse_fixture("variants-382.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"display_artist_names\":["
	             "{\"name\":\"Ελένη Παππά\",\"language_and_script\":\"el-Grek\","
	             "\"territories\":[\"GR\",\"CY\"]},"
	             "{\"name\":\"Eleni Pappa\",\"language_and_script\":\"el-Latn\","
	             "\"excluded_territories\":[\"GR\"]}]");
	expect_in(l, "\"titles\":[{\"text\":\"Nychta\",\"language_and_script\":\"el-Latn\"},"
	             "{\"text\":\"Νύχτα\",\"title_type\":\"DisplayTitle\","
	             "\"language_and_script\":\"el-Grek\",\"territories\":[\"GR\",\"CY\"]},"
	             "{\"text\":\"Nychta\",\"title_type\":\"DisplayTitle\","
	             "\"language_and_script\":\"el-Latn\",\"excluded_territories\":[\"GR\"]}]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, every_name_and_role_of_a_3x_artist_or_contributor_is_kept)
{
	struct tu_result r;
	parse_fixture("variants-382.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"artists\":[{\"name\":\"Ελένη Παππά\",\"role\":\"MainArtist\","
	             "\"names\":[\"Ελένη Παππά\",\"Eleni Pappa\"],"
	             "\"roles\":[\"MainArtist\",\"Composer\"]}]");
	expect_in(l, "\"contributors\":[{\"name\":\"Νίκος Κ.\",\"roles\":[\"Producer\"],"
	             "\"names\":[\"Νίκος Κ.\",\"Nikos K.\"]}]");
	free(l);
	tu_result_fini(&r);
	/* one name and one role: the scalar says it all, no arrays */
	parse_fixture("groups-382.xml", &r);
	l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	cr_expect_null(strstr(l, "\"names\""), "%s", l);
	cr_expect_null(strstr(l, "\"roles\""), "%s", l);
	free(l);
	tu_result_fini(&r);
}

Test(ern, resource_contributors_of_3x_are_named)
{
	struct tu_result r;
	parse_fixture("contributors-33.xml", &r);
	char *l = line_with(&r, "\"kind\":\"SoundRecording\"", NULL);
	expect_in(l, "\"contributors\":[{\"roles\":[\"Composer\"]},"
	             "{\"name\":\"Saoirse Ní Bhriain\",\"roles\":[\"Producer\"]},"
	             "{\"name\":\"Ciarán Ó Dálaigh\",\"roles\":[\"Mixer\",\"Engineer\"]}]");
	free(l);
	tu_result_fini(&r);
}

/* ---- deals ----------------------------------------------------------------- */

Test(ern, a_commercial_model_beside_a_usage_block_is_kept)
{
	struct tu_result r;
	parse_fixture("variants-43.xml", &r);
	char *l = line_with(&r, "\"PayAsYouGoModel\"", NULL);
	expect_in(l, "\"deals\":[{\"commercial_model_types\":[\"PayAsYouGoModel\"],"
	             "\"use_types\":[\"PermanentDownload\"],\"territories\":[\"Worldwide\"]}]");
	free(l);
	l = line_with(&r, "\"SubscriptionModel\"", NULL);
	expect_in(l, "\"commercial_model_types\":[\"SubscriptionModel\","
	             "\"AdvertisementSupportedModel\"],"
	             "\"use_types\":[\"OnDemandStream\",\"NonInteractiveStream\"],"
	             "\"territories\":[\"JP\",\"KR\"]");
	free(l);
	tu_result_fini(&r);
}

Test(ern, every_validity_period_of_a_deal_is_kept)
{
	const char *doc = OPEN43 HEADER "<DealList><ReleaseDeal>"
		"<DealReleaseReference>R1</DealReleaseReference>"
		"<Deal><DealTerms><TerritoryCode>DE</TerritoryCode>"
		"<ValidityPeriod><StartDate>2024-01-01</StartDate><EndDate>2024-06-30</EndDate>"
		"</ValidityPeriod>"
		"<ValidityPeriod><EndDate>2024-12-31</EndDate></ValidityPeriod>"
		"<ValidityPeriod><StartDateTime>2025-01-01T00:00:00</StartDateTime></ValidityPeriod>"
		"</DealTerms></Deal>"
		"<Deal><DealTerms><TerritoryCode>AT</TerritoryCode>"
		"<ValidityPeriod><StartDate>2024-02-01</StartDate></ValidityPeriod>"
		"</DealTerms></Deal>"
		"</ReleaseDeal></DealList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *l = line_with(&r, "\"type\":\"deal\"", NULL);
	expect_in(l, "\"deals\":[{\"territories\":[\"DE\"],\"start\":\"2024-01-01\","
	             "\"end\":\"2024-06-30\",\"validity_periods\":["
	             "{\"start\":\"2024-01-01\",\"end\":\"2024-06-30\"},{\"end\":\"2024-12-31\"},"
	             "{\"start\":\"2025-01-01T00:00:00\"}]},"
	             "{\"territories\":[\"AT\"],\"start\":\"2024-02-01\"}]");
	free(l);
	tu_result_fini(&r);
}

/* ---- held whole or refused ---------------------------------------------------- */

/* 30 two-byte characters: cutting at any fixed byte count could split one */
#define LONG_NAME "Sound" "éééééééééééééééééééééééééééééé" "Recording"

Test(ern, a_long_record_element_name_is_held_whole)
{
	const char *doc = OPEN43 HEADER "<ResourceList><" LONG_NAME ">"
		"<ResourceReference>A1</ResourceReference></" LONG_NAME "></ResourceList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_expect_eq(tu_count_lines(r.json, "\"kind\":\"" LONG_NAME "\""), 1, "%s", r.json);
	tu_result_fini(&r);
}

Test(ern, long_schema_version_and_root_name_are_held_whole)
{
	const char *doc = "<" LONG_NAME "Message xmlns=\"" NS43 "\" MessageSchemaVersionId=\"ern/43/"
		"üüüüüüüüüüüüüüüüüüüüüüüüüüüüüü\">" HEADER "</" LONG_NAME "Message>";
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *l = line_with(&r, "\"type\":\"header\"", NULL);
	expect_in(l, "\"message_type\":\"" LONG_NAME "Message\"");
	expect_in(l, "\"schema_version\":\"ern/43/üüüüüüüüüüüüüüüüüüüüüüüüüüüüüü\"");
	free(l);
	tu_result_fini(&r);
}

Test(ern, names_longer_than_buffer_size_are_refused_with_the_position)
{
	/* the tag holding the name is over the limit too: whichever check
	 * sees it first, the file fails there and nothing is cut */
	struct dm_config c = cfg_with("buffer_size", "256");
	char name[301];
	memset(name, 'K', 300);
	name[300] = '\0';
	char *doc = fmt(OPEN43 HEADER "<ResourceList>\n<%s/></ResourceList>" CLOSE, name);
	struct tu_result r;
	tu_parse_str(doc, &c, &r);
	cr_expect_eq(r.rc, DM_ELIMIT);
	cr_expect(strstr(r.err.msg, "buffer_size"), "%s", r.err.msg);
	cr_expect_eq(r.err.line, 2);
	cr_expect_eq(r.counts[DM_REC_RESOURCE], 0);
	cr_expect_eq(r.live_after, 0);
	tu_result_fini(&r);
	free(doc);
}

Test(ern, an_entity_grown_schema_version_over_buffer_size_is_refused)
{
	/* 20 references of 20 bytes: a short tag whose attribute value is 400 */
	struct dm_config c = cfg_with("buffer_size", "256");
	struct dm_error err;
	cr_assert_eq(dm_config_set(&c, "allow_dtd_entities", "true", &err), 0, "%s", err.msg);
	const char *doc = "<!DOCTYPE NewReleaseMessage [<!ENTITY v \"vvvvvvvvvvvvvvvvvvvv\">]>\n"
		"<NewReleaseMessage xmlns=\"" NS43 "\" MessageSchemaVersionId=\""
		"&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;\">" HEADER CLOSE;
	struct tu_result r;
	tu_parse_str(doc, &c, &r);
	cr_expect_eq(r.rc, DM_ELIMIT);
	/* the parser's check on a tag's expanded attributes refuses it first */
	cr_expect(strstr(r.err.msg, "longer than buffer_size (256)"), "%s", r.err.msg);
	cr_expect_eq(r.err.line, 2);
	cr_expect_eq(r.counts[DM_REC_HEADER], 0);
	cr_expect_eq(r.live_after, 0);
	tu_result_fini(&r);
}

Test(ern, an_entity_grown_attribute_value_over_buffer_size_is_refused)
{
	struct dm_config c = cfg_with("buffer_size", "256");
	struct dm_error err;
	cr_assert_eq(dm_config_set(&c, "allow_dtd_entities", "true", &err), 0, "%s", err.msg);
	const char *doc = "<!DOCTYPE NewReleaseMessage [<!ENTITY v \"vvvvvvvvvvvvvvvvvvvv\">]>\n"
		"<NewReleaseMessage xmlns=\"" NS43 "\">" HEADER "<ResourceList>\n<SoundRecording>"
		"<DisplayArtistName LanguageAndScriptCode=\""
		"&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;&v;\">X</DisplayArtistName>"
		"</SoundRecording></ResourceList>" CLOSE;
	struct tu_result r;
	tu_parse_str(doc, &c, &r);
	cr_expect_eq(r.rc, DM_ELIMIT);
	cr_expect(strstr(r.err.msg, "longer than buffer_size (256)"), "%s", r.err.msg);
	cr_expect_eq(r.err.line, 3);
	cr_expect_eq(r.counts[DM_REC_RESOURCE], 0);
	cr_expect_eq(r.live_after, 0);
	tu_result_fini(&r);
}

#define ONE_DURATION(d) \
	OPEN43 HEADER "<ResourceList><SoundRecording><Duration>" d "</Duration>" \
	"</SoundRecording></ResourceList>" CLOSE

#define ZEROS10 "0000000000"
#define ZEROS100 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10

Test(ern, a_huge_duration_keeps_its_seconds)
{
	/* 1e306 seconds, written out */
	struct tu_result r;
	tu_parse_str(ONE_DURATION("PT1" ZEROS100 ZEROS100 ZEROS100 "000000S"), NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	const char *s = strstr(r.json, "\"duration_seconds\":");
	cr_assert_not_null(s, "%s", r.json);
	double v = strtod(s + strlen("\"duration_seconds\":"), NULL);
	cr_expect(v > 0.999e306 && v < 1.001e306, "%g", v);
	tu_result_fini(&r);
}

Test(ern, a_duration_beyond_a_double_is_a_record_error)
{
	struct tu_result r;
	tu_parse_str(ONE_DURATION("PT1" ZEROS100 ZEROS100 ZEROS100 ZEROS100 "S"), NULL, &r);
	cr_expect_eq(r.rc, DM_ERECORD);
	cr_expect(strstr(r.err.msg, "is not ISO 8601"), "%s", r.err.msg);
	cr_expect_eq(r.counts[DM_REC_RESOURCE], 0);
	tu_result_fini(&r);
}

Test(ern, milliseconds_of_a_long_duration_are_kept)
{
	struct tu_result r;
	tu_parse_str(ONE_DURATION("PT3H25M45.678S"), NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_expect(strstr(r.json, "\"duration_seconds\":12345.678}"), "%s", r.json);
	tu_result_fini(&r);
}

/* ---- the same records at every chunk size -------------------------------------- */

Test(ern, fixtures_give_identical_output_at_every_chunk_size)
{
	static const size_t chunks[] = {1, 7, 4096};
	for (size_t f = 0; f < sizeof fixtures / sizeof *fixtures; f++) {
		size_t len;
		char *data = fixture(fixtures[f], &len);
		struct tu_result ref;
		tu_parse(data, len, NULL, 65536, TU_POSITIONS, 0, 0, &ref);
		cr_assert_eq(ref.rc, 0, "%s: %s", fixtures[f], ref.err.msg);
		for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
			struct tu_result r;
			tu_parse(data, len, NULL, chunks[i], TU_POSITIONS, 0, 0, &r);
			cr_expect_str_eq(r.json, ref.json, "%s at chunk %zu", fixtures[f], chunks[i]);
			cr_expect_eq(r.live_after, 0);
			tu_result_fini(&r);
		}
		tu_result_fini(&ref);
		free(data);
	}
}
