/* Records: ISO 8601 durations, JSON escaping, and the JSON layout of a
 * record (key order, groups, arrays, numbers). */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "buf.h"
#include "gen.h"
#include "parser.h"
#include "profile.h"
#include "record.h"
#include "teardown.h"

/* ---- durations ---------------------------------------------------------- */

static double dur(const char *s)
{
	double v = -1;
	cr_assert_eq(dm_parse_iso_duration(s, strlen(s), &v), 0, "'%s' refused", s);
	return v;
}

Test(duration, iso_8601_forms)
{
	cr_assert_float_eq(dur("PT3M20.5S"), 200.5, 1e-9);
	cr_assert_float_eq(dur("PT3M20,5S"), 200.5, 1e-9);  /* ISO allows a comma */
	cr_assert_float_eq(dur("PT3M20S"), 200, 1e-9);
	cr_assert_float_eq(dur("PT0H3M8S"), 188, 1e-9);
	cr_assert_float_eq(dur("PT13M31S"), 811, 1e-9);
	cr_assert_float_eq(dur("P0DT0H3M20S"), 200, 1e-9);
	cr_assert_float_eq(dur("P0DT1H"), 3600, 1e-9);
	cr_assert_float_eq(dur("P1DT2H"), 86400 + 7200, 1e-9);
	cr_assert_float_eq(dur("P1D"), 86400, 1e-9);
	cr_assert_float_eq(dur("PT1H"), 3600, 1e-9);
	cr_assert_float_eq(dur("PT58S"), 58, 1e-9);
	cr_assert_float_eq(dur("PT0S"), 0, 1e-9);
	cr_assert_float_eq(dur("PT0.5S"), 0.5, 1e-9);
	cr_assert_float_eq(dur("PT2M41.528S"), 161.528, 1e-9);
	cr_assert_float_eq(dur("PT36M07S"), 2167, 1e-9);
	cr_assert_float_eq(dur("PT1.5M"), 90, 1e-9);        /* fraction on the last part */
	cr_assert_float_eq(dur("P1W"), 7 * 86400, 1e-9);
}

Test(duration, length_bounds_the_text)
{
	double v;
	/* only the first n bytes are the duration */
	cr_assert_eq(dm_parse_iso_duration("PT3M20SXYZ", 7, &v), 0);
	cr_assert_float_eq(v, 200, 1e-9);
	cr_assert_eq(dm_parse_iso_duration("PT3M20S", 5, &v), -1, "'PT3M2' is not a duration");
}

Test(duration, bad_ones_are_rejected)
{
	static const char *const bad[] = {
		"", "P", "PT", "T3M", "3M20S", "PT3M20", "PTM", "PT-3S", "-PT3S", "PT3X",
		"P3H", "PT3D", "pt3m", "PT 3M", "PT3M20S ", "PT3.S", "PT.5S", "P1DT",
		"PT20S3M", "PT3M3M", "P1D2Y", "PT1H1H", "PT1.5M20S", "PTT3M", "P1DT2HT3M",
		"PT3M20S5", "P1D1D", "PT9999999999999999999999999999999999999999999999999999999"
		"9999999999999999999999999999999999999999999999999999999999999999999999999999"
		"9999999999999999999999999999999999999999999999999999999999999999999999999999"
		"9999999999999999999999999999999999999999999999999999999999999999999999999999"
		"9999999999999999999999999999999999999999999999999999999999999S",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		double v = -42;
		cr_assert_eq(dm_parse_iso_duration(bad[i], strlen(bad[i]), &v), -1,
		             "'%s' accepted as %g", bad[i], v);
		cr_assert_eq(v, -42, "'%s': output written on failure", bad[i]);
	}
}

/* ---- JSON strings --------------------------------------------------------- */

static struct dm_acct *A;

static void setup(void)
{
	A = dm_acct_new(NULL, 0);
	cr_assert_not_null(A);
}

static void teardown(void)
{
	TEARDOWN_CHECK(dm_acct_live(A) == 0, "buffers left live");
	dm_acct_free(A);
}

/* Escape n bytes and compare with the expected JSON literal. */
static void expect_json(const char *in, size_t n, const char *want)
{
	struct dm_buf b;
	dm_buf_init(&b, A, DM_TAG_OUTPUT);
	dm_buf_json_str(&b, in, n);
	cr_assert_not(b.failed);
	cr_assert_eq(b.len, strlen(want), "length %zu, want %zu for %s", b.len, strlen(want), want);
	cr_assert(memcmp(b.data, want, b.len) == 0, "got %.*s want %s", (int)b.len, b.data, want);
	dm_buf_fini(&b);
}

#define EXPECT_JSON(lit, want) expect_json((lit), sizeof(lit) - 1, (want))

TestSuite(json, .init = setup, .fini = teardown);

Test(json, plain_text_is_quoted)
{
	EXPECT_JSON("", "\"\"");
	EXPECT_JSON("Yume no Lullaby", "\"Yume no Lullaby\"");
}

Test(json, quotes_and_backslashes)
{
	EXPECT_JSON("say \"hi\"", "\"say \\\"hi\\\"\"");
	EXPECT_JSON("C:\\path\\", "\"C:\\\\path\\\\\"");
	EXPECT_JSON("a/b", "\"a/b\"");
}

Test(json, control_characters)
{
	EXPECT_JSON("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	EXPECT_JSON("\b\f", "\"\\b\\f\"");
	EXPECT_JSON("\x01\x1f", "\"\\u0001\\u001f\"");
	EXPECT_JSON("x\0y", "\"x\\u0000y\"");
	EXPECT_JSON("\x7f", "\"\x7f\"");  /* DEL needs no escape in JSON */
}

Test(json, valid_utf8_passes_through)
{
	EXPECT_JSON("Bj\xc3\xb6rn", "\"Bj\xc3\xb6rn\"");                 /* 2 bytes */
	EXPECT_JSON("\xe3\x81\x97\xe3\x82\x85\xe3\x81\x86", "\"\xe3\x81\x97\xe3\x82\x85\xe3\x81\x86\"");
	EXPECT_JSON("\xf0\x9f\x8e\xb5", "\"\xf0\x9f\x8e\xb5\"");         /* 4 bytes */
	EXPECT_JSON("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
}

Test(json, invalid_utf8_becomes_replacement_characters)
{
	/* a lone continuation byte, a Latin-1 byte, an overlong '/', a UTF-16
	 * surrogate, a code point above U+10FFFF, a truncated sequence */
	EXPECT_JSON("a\x80z", "\"a\xef\xbf\xbdz\"");
	EXPECT_JSON("caf\xe9", "\"caf\xef\xbf\xbd\"");
	EXPECT_JSON("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	EXPECT_JSON("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	EXPECT_JSON("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	EXPECT_JSON("\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	EXPECT_JSON("\xe2\x82" "A", "\"\xef\xbf\xbd\xef\xbf\xbd" "A\"");
}

/* The escaping one byte at a time, as the JSON rules say it. */
static size_t reference_json(const unsigned char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : 't';
		} else if (c < 0x20) {
			o += (size_t)sprintf(out + o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if (c == 0xC3 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0xBF) {
			out[o++] = (char)c;
			out[o++] = (char)s[++i];
		} else if (c >= 0x80) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	return o;
}

Test(json, every_kind_of_byte_at_every_place_in_a_word)
{
	/* the scan takes 16 (or 8) bytes at a time and the tail by loads
	 * that overlap: each byte that needs care, alone or after another, at
	 * each offset of strings of 1 to 56 bytes, in a buffer with no spare
	 * room (escapes must grow it) */
	static const char *const odd[] = {"\"", "\\", "\n", "\t", "\x01", "\x1f", "\xc3\xa9",
	                                  "\x80", "\xff", "\xc3", "\x7f", " "};
	const size_t nodd = sizeof odd / sizeof *odd;
	unsigned char in[64];
	char want[400];
	for (size_t n = 1; n <= 56; n++)
		for (size_t at = 0; at < n; at++)
			for (size_t k = 0; k < nodd; k++)
				for (size_t k2 = 0; k2 < nodd; k2 += 5) {
					memset(in, 'a' + (int)(n % 26), n);
					size_t l = strlen(odd[k]);
					if (at + l > n)
						continue;
					memcpy(in + at, odd[k], l);
					size_t at2 = (at + l + 3) % n, l2 = strlen(odd[k2]);
					if (at2 >= at + l && at2 + l2 <= n)
						memcpy(in + at2, odd[k2], l2);
					size_t wl = reference_json(in, n, want);
					struct dm_buf b;
					dm_buf_init(&b, A, DM_TAG_OUTPUT);
					dm_buf_reserve(&b, 1);
					b.len = b.cap - 1; /* one byte free: the string must make its room */
					size_t base = b.len;
					dm_buf_json_str(&b, (const char *)in, n);
					cr_assert_not(b.failed);
					cr_assert_eq(b.len - base, wl, "n %zu at %zu k %zu k2 %zu: length %zu, want %zu",
					             n, at, k, k2, b.len - base, wl);
					cr_assert(memcmp(b.data + base, want, wl) == 0, "n %zu at %zu k %zu k2 %zu: %.*s",
					          n, at, k, k2, (int)(b.len - base), b.data + base);
					dm_buf_fini(&b);
				}
}

Test(json, appends_of_every_short_length_copy_exactly)
{
	/* short appends are two overlapping moves: every length and offset
	 * lands exactly, and nothing past it is written */
	char src[48];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (char)('A' + i % 26);
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n <= 40; n++) {
			struct dm_buf b;
			dm_buf_init(&b, A, DM_TAG_OUTPUT);
			cr_assert_eq(dm_buf_reserve(&b, 128), 0);
			memset(b.data, '.', b.cap);
			b.len = off;
			dm_buf_put(&b, src + (n % 5), n);
			cr_assert_eq(b.len, off + n);
			cr_assert(memcmp(b.data + off, src + (n % 5), n) == 0, "off %zu n %zu", off, n);
			for (size_t i = 0; i < off; i++)
				cr_assert_eq(b.data[i], '.', "off %zu n %zu: byte %zu before", off, n, i);
			for (size_t i = off + n; i < b.cap; i++)
				cr_assert_eq(b.data[i], '.', "off %zu n %zu: byte %zu after", off, n, i);
			dm_buf_fini(&b);
		}
}

Test(json, numbers_and_keys)
{
	struct dm_buf b;
	dm_buf_init(&b, A, DM_TAG_OUTPUT);
	int first = 1;
	dm_buf_putc(&b, '{');
	dm_buf_json_key(&b, "a", &first);
	dm_buf_u64(&b, 18446744073709551615ULL);
	dm_buf_json_key(&b, "b", &first);
	dm_buf_i64(&b, -42);
	dm_buf_json_key(&b, "c", &first);
	dm_buf_double(&b, 200.5);
	dm_buf_json_key(&b, "d", &first);
	dm_buf_double(&b, 188);
	dm_buf_json_key(&b, "e", &first);
	dm_buf_double(&b, NAN);
	dm_buf_putc(&b, '}');
	dm_buf_putc(&b, '\0');
	cr_assert_str_eq(b.data, "{\"a\":18446744073709551615,\"b\":-42,\"c\":200.5,\"d\":188,\"e\":null}");
	dm_buf_fini(&b);
}

Test(json, a_refused_buffer_fails_cleanly)
{
	struct dm_acct *tiny = dm_acct_new(NULL, 300);
	struct dm_buf b;
	dm_buf_init(&b, tiny, DM_TAG_OUTPUT);
	char big[1000];
	memset(big, 'x', sizeof big);
	dm_buf_json_str(&b, big, sizeof big);
	cr_assert(b.failed, "a buffer that could not grow says so");
	cr_assert_leq(dm_acct_live(tiny), 300);
	dm_buf_fini(&b);
	cr_assert_eq(dm_acct_live(tiny), 0);
	dm_acct_free(tiny);
}

/* ---- records as JSON ------------------------------------------------------ */

/* A record built by hand: text goes into arena, values point into it. */
struct rb {
	char arena[4096];
	size_t used;
	struct dm_value v[64];
	size_t n;
};

static void add(struct rb *b, enum dm_field f, unsigned inst, const char *text)
{
	size_t l = strlen(text);
	cr_assert_lt(b->used + l, sizeof b->arena);
	cr_assert_lt(b->n, 64);
	memcpy(b->arena + b->used, text, l);
	b->v[b->n] = (struct dm_value){.field = (uint16_t)f, .inst = (uint32_t)inst,
	                               .off = (uint32_t)b->used, .len = (uint32_t)l};
	b->used += l;
	b->n++;
}

static void init_rec(struct dm_record *r, struct rb *b, enum dm_rec_type t, const char *kind)
{
	memset(r, 0, sizeof *r);
	r->type = t;
	r->kind = kind;
	r->kind_len = strlen(kind);
	r->file = "x.xml";
	r->ern_version = "4.3";
	r->root = "NewReleaseMessage";
	r->namespace_uri = "http://ddex.net/xml/ern/43";
	r->schema_version = "";
	r->values = b->v;
	r->nvalues = b->n;
	r->arena = b->arena;
	r->duration_seconds = -1;
}

/* The record's JSON as the general writer makes it (into an empty buffer,
 * too small for the fast one), checked against the fast writer's (into a
 * buffer with room) and against the plan the fast writer took of it. */
static char *to_json(const struct dm_record *r)
{
	struct dm_buf b, w;
	dm_buf_init(&b, A, DM_TAG_OUTPUT);
	dm_buf_init(&w, A, DM_TAG_OUTPUT);
	cr_assert_eq(dm_record_to_json(r, &b), 0);
	for (int pass = 0; pass < 2; pass++) {
		dm_buf_reset(&w);
		cr_assert_eq(dm_buf_reserve(&w, 1 << 16), 0);
		cr_assert_eq(dm_record_to_json(r, &w), 0);
		cr_assert(w.len == b.len && memcmp(w.data, b.data, b.len) == 0,
		          "%s writer: %.*s\ngeneral writer: %.*s", pass ? "planned" : "fast",
		          (int)w.len, w.data, (int)b.len, b.data);
	}
	char *s = strndup(b.data, b.len);
	dm_buf_fini(&w);
	dm_buf_fini(&b);
	return s;
}

Test(json, resource_record_layout)
{
	struct rb b = {0};
	/* document order is not output order: the layout fixes the order */
	add(&b, DM_F_TITLE, 0, "Allez \"Allez\"");
	add(&b, DM_F_REFERENCE, 0, "A1");
	add(&b, DM_F_ISRC, 0, "DKFD52275001");
	add(&b, DM_F_ID_TYPE, 0, "ISRC");
	add(&b, DM_F_ID_VALUE, 0, "DKFD52275001");
	add(&b, DM_F_ARTIST_NAME, 0, "Technica");
	add(&b, DM_F_ARTIST_ROLE, 0, "MainArtist");
	add(&b, DM_F_ARTIST_NAME, 1, "N/A");
	add(&b, DM_F_ARTIST_ROLE, 1, "Composer");
	add(&b, DM_F_DURATION, 0, "PT0H3M8S");
	add(&b, DM_F_SUBTYPE, 0, "MusicalWorkSoundRecording");
	add(&b, DM_F_PLINE_YEAR, 0, "2016");
	add(&b, DM_F_CONTRIB_NAME, 0, "Steve\tAlbino");
	add(&b, DM_F_CONTRIB_ROLE, 0, "Producer");
	add(&b, DM_F_CONTRIB_ROLE, 0, "Mixer");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_RESOURCE, "SoundRecording");
	r.duration_seconds = 188;
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"resource\",\"kind\":\"SoundRecording\",\"reference\":\"A1\","
		"\"resource_type\":\"MusicalWorkSoundRecording\",\"isrc\":\"DKFD52275001\","
		"\"ids\":[{\"type\":\"ISRC\",\"value\":\"DKFD52275001\"}],"
		"\"title\":\"Allez \\\"Allez\\\"\","
		"\"artists\":[{\"name\":\"Technica\",\"role\":\"MainArtist\"},"
		"{\"name\":\"N/A\",\"role\":\"Composer\"}],"
		"\"contributors\":[{\"name\":\"Steve\\tAlbino\",\"roles\":[\"Producer\",\"Mixer\"]}],"
		"\"duration\":\"PT0H3M8S\",\"duration_seconds\":188,\"pline_year\":2016}");
	free(j);
	cr_assert_eq(dm_record_count(&r, DM_F_ARTIST_NAME), 2);
	size_t n;
	const char *s = dm_record_get(&r, DM_F_ISRC, &n);
	cr_assert_not_null(s);
	cr_assert_eq(n, 12);
	cr_assert(memcmp(s, "DKFD52275001", 12) == 0);
	cr_assert_null(dm_record_get(&r, DM_F_ICPN, &n));
}

Test(json, type_is_always_the_first_key)
{
	for (int t = 0; t < DM_REC_TYPES; t++) {
		struct rb b = {0};
		add(&b, DM_F_REFERENCE, 0, "X1");
		struct dm_record r;
		init_rec(&r, &b, (enum dm_rec_type)t, t == DM_REC_RELEASE ? "Release" : "SoundRecording");
		char *j = to_json(&r);
		char want[64];
		snprintf(want, sizeof want, "{\"type\":\"%s\"", dm_rec_type_name((enum dm_rec_type)t));
		cr_assert(strncmp(j, want, strlen(want)) == 0, "%s", j);
		free(j);
	}
	cr_assert_str_eq(dm_rec_type_name(DM_REC_HEADER), "header");
	cr_assert_str_eq(dm_rec_type_name(DM_REC_DEAL), "deal");
}

Test(json, header_record_layout)
{
	struct rb b = {0};
	add(&b, DM_F_SENDER_NAME, 0, "The Orchard Enterprises");
	add(&b, DM_F_MESSAGE_ID, 0, "2417334_20241002_101032");
	add(&b, DM_F_SENDER_ID, 0, "PADPIDA2012041004F");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_HEADER, "MessageHeader");
	r.schema_version = "ern/382";
	r.ern_version = "3.8.2";
	r.namespace_uri = "http://ddex.net/xml/ern/382";
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"header\",\"message_type\":\"NewReleaseMessage\",\"ern_version\":\"3.8.2\","
		"\"namespace\":\"http://ddex.net/xml/ern/382\",\"schema_version\":\"ern/382\","
		"\"message_id\":\"2417334_20241002_101032\",\"sender_party_id\":\"PADPIDA2012041004F\","
		"\"sender_name\":\"The Orchard Enterprises\"}");
	free(j);
}

Test(json, release_references_are_deduplicated_in_order)
{
	struct rb b = {0};
	add(&b, DM_F_REFERENCE, 0, "R0");
	add(&b, DM_F_RESOURCE_REF, 0, "A2");
	add(&b, DM_F_RESOURCE_REF, 0, "A1");
	add(&b, DM_F_RESOURCE_REF, 0, "A2");
	add(&b, DM_F_IS_MAIN, 0, "true");
	add(&b, DM_F_SUBTYPE, 0, "Album");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_RELEASE, "Release");
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"release\",\"kind\":\"Release\",\"release_type\":\"Album\","
		"\"reference\":\"R0\",\"is_main_release\":true,\"resource_references\":[\"A2\",\"A1\"]}");
	free(j);
}

Test(json, deals_with_prices)
{
	struct rb b = {0};
	add(&b, DM_F_RELEASE_REF, 0, "R1");
	add(&b, DM_F_COMMERCIAL_MODEL, 0, "PayAsYouGoModel");
	add(&b, DM_F_USE_TYPE, 0, "OnDemandStream");
	add(&b, DM_F_USE_TYPE, 0, "PermanentDownload");
	add(&b, DM_F_TERRITORY, 0, "Worldwide");
	add(&b, DM_F_PRICE_AMOUNT, 0, "4.0");
	add(&b, DM_F_PRICE_CURRENCY, 0, "USD");
	add(&b, DM_F_START, 0, "2023-09-02");
	add(&b, DM_F_COMMERCIAL_MODEL, 1, "SubscriptionModel");
	add(&b, DM_F_EXCLUDED_TERRITORY, 1, "MX");
	add(&b, DM_F_TAKEDOWN, 1, "true");
	add(&b, DM_F_PRICE_AMOUNT, 0, "not-a-number");
	b.v[b.n - 1].inst2 = 1;
	struct dm_record r;
	init_rec(&r, &b, DM_REC_DEAL, "ReleaseDeal");
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"deal\",\"release_references\":[\"R1\"],\"deals\":["
		"{\"commercial_model_types\":[\"PayAsYouGoModel\"],"
		"\"use_types\":[\"OnDemandStream\",\"PermanentDownload\"],"
		"\"territories\":[\"Worldwide\"],\"start\":\"2023-09-02\","
		"\"prices\":[{\"amount\":4.0,\"currency\":\"USD\"}]},"
		"{\"commercial_model_types\":[\"SubscriptionModel\"],\"excluded_territories\":[\"MX\"],"
		"\"takedown\":true,\"prices\":[{\"amount\":\"not-a-number\"}]}]}");
	free(j);
}

Test(json, a_deal_of_prices_only_is_an_object_of_the_deals_array)
{
	struct rb b = {0};
	add(&b, DM_F_RELEASE_REF, 0, "R1");
	add(&b, DM_F_PRICE_TYPE, 0, "WholesalePrice");
	add(&b, DM_F_TERRITORY, 1, "FR");
	add(&b, DM_F_PRICE_TYPE, 0, "RetailPrice");
	b.v[b.n - 1].inst2 = 1;
	struct dm_record r;
	init_rec(&r, &b, DM_REC_DEAL, "ReleaseDeal");
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"deal\",\"release_references\":[\"R1\"],\"deals\":["
		"{\"prices\":[{\"type\":\"WholesalePrice\"}]},"
		"{\"territories\":[\"FR\"],\"prices\":[{\"type\":\"RetailPrice\"}]}]}");
	free(j);
}

Test(json, instance_numbers_past_16_bits)
{
	struct rb b = {0};
	add(&b, DM_F_ARTIST_REF, 65535, "P65535");
	add(&b, DM_F_ARTIST_REF, 65536, "P65536");
	add(&b, DM_F_ARTIST_ROLE, 70000, "MainArtist");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_RESOURCE, "SoundRecording");
	char *j = to_json(&r);
	cr_assert(strstr(j, "\"artists\":[{\"reference\":\"P65535\"},{\"reference\":\"P65536\"},"
	                    "{\"role\":\"MainArtist\"}]"), "%s", j);
	free(j);
}

Test(json, duration_seconds_keep_every_digit)
{
	static const struct { double v; const char *want; } cases[] = {
		{200, "\"duration_seconds\":200}"},
		{200.5, "\"duration_seconds\":200.5}"},
		{12345.678, "\"duration_seconds\":12345.678}"},
		{86400.0 * 365 * 1000 + 0.001, "\"duration_seconds\":31536000000.001}"},
		{1e306, "\"duration_seconds\":1e+306}"},
		/* whole milliseconds below 1e9 are formatted without printf:
		 * the same digits at both ends of that range, and what is not
		 * a whole number of milliseconds still rounds like %.3f */
		{0, "\"duration_seconds\":0}"},
		{0.001, "\"duration_seconds\":0.001}"},
		{0.07, "\"duration_seconds\":0.07}"},
		{999999999.999, "\"duration_seconds\":999999999.999}"},
		{1e9, "\"duration_seconds\":1000000000}"},
		{1.0004, "\"duration_seconds\":1}"},
		{2.0006, "\"duration_seconds\":2.001}"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct rb b = {0};
		add(&b, DM_F_DURATION, 0, "PT1S");
		struct dm_record r;
		init_rec(&r, &b, DM_REC_RESOURCE, "SoundRecording");
		r.duration_seconds = cases[i].v;
		char *j = to_json(&r);
		cr_expect(strstr(j, cases[i].want), "%s: %s", cases[i].want, j);
		free(j);
	}
}

Test(json, a_variant_group_per_name_and_title)
{
	struct rb b = {0};
	add(&b, DM_F_TITLE, 0, "Yoru");
	add(&b, DM_F_TV_LANG, 0, "ja-Latn");
	add(&b, DM_F_TV_TEXT, 0, "Yoru");
	add(&b, DM_F_TV_TEXT, 1, "夜");
	add(&b, DM_F_TV_TERRITORY, 1, "JP");
	add(&b, DM_F_DISPLAY_ARTIST, 0, "Aoi");
	add(&b, DM_F_DAN_NAME, 0, "Aoi");
	add(&b, DM_F_DAN_DEFAULT, 0, "true");
	add(&b, DM_F_DT_TERRITORY, 0, "JP");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_RELEASE, "Release");
	char *j = to_json(&r);
	cr_assert_str_eq(j,
		"{\"type\":\"release\",\"kind\":\"Release\",\"title\":\"Yoru\",\"titles\":["
		"{\"text\":\"Yoru\",\"language_and_script\":\"ja-Latn\"},"
		"{\"text\":\"夜\",\"territories\":[\"JP\"]}],"
		"\"display_artist\":\"Aoi\",\"display_artist_names\":[{\"name\":\"Aoi\",\"is_default\":true}]}");
	free(j);
}

Test(json, numeric_fields_that_are_not_numbers_stay_strings)
{
	struct rb b = {0};
	add(&b, DM_F_PLINE_YEAR, 0, "circa 1994");
	struct dm_record r;
	init_rec(&r, &b, DM_REC_RESOURCE, "SoundRecording");
	char *j = to_json(&r);
	cr_assert(strstr(j, "\"pline_year\":\"circa 1994\""), "%s", j);
	free(j);
	struct rb c = {0};
	add(&c, DM_F_PLINE_YEAR, 0, "01994");
	init_rec(&r, &c, DM_REC_RESOURCE, "SoundRecording");
	j = to_json(&r);
	cr_assert(strstr(j, "\"pline_year\":\"01994\""), "a leading zero is not JSON: %s", j);
	free(j);
}

Test(json, field_names_are_stable)
{
	cr_assert_str_eq(dm_field_name(DM_F_ISRC), "isrc");
	cr_assert_str_eq(dm_field_name(DM_F_DISPLAY_ARTIST), "display_artist");
	cr_assert_str_eq(dm_field_name(DM_F_RESOURCE_REF), "resource_references");
	cr_assert_str_eq(dm_field_name(DM_F_COUNT), "?");
}

/* ---- the fast writer and its plans on parsed records ------------------ */

/* Every record of a parse written by the general writer and, into one
 * buffer kept across the records (so that plans taken from one record
 * write the next ones of that shape), by the fast writer. */
struct agree {
	struct dm_buf warm;
	uint64_t records, plain;  /* plain: parties, resources, releases */
	const char *what;
};

static int agree_on_record(void *ctx, const struct dm_record *r)
{
	struct agree *g = ctx;
	struct dm_buf cold;
	dm_buf_init(&cold, A, DM_TAG_OUTPUT);
	cr_assert_eq(dm_record_to_json(r, &cold), 0);
	dm_buf_reset(&g->warm);
	cr_assert_eq(dm_buf_reserve(&g->warm, 1 << 20), 0);
	cr_assert_eq(dm_record_to_json(r, &g->warm), 0);
	cr_assert(g->warm.len == cold.len && memcmp(g->warm.data, cold.data, cold.len) == 0,
	          "%s, record %llu:\nfast:    %.*s\ngeneral: %.*s", g->what,
	          (unsigned long long)g->records, (int)g->warm.len, g->warm.data, (int)cold.len,
	          cold.data);
	dm_buf_fini(&cold);
	g->records++;
	g->plain += r->type == DM_REC_PARTY || r->type == DM_REC_RESOURCE || r->type == DM_REC_RELEASE;
	return 0;
}

static uint64_t agree_on(const char *what, const char *xml, size_t len)
{
	static const struct dm_consumer cons = {.record = agree_on_record};
	struct agree g = {.what = what};
	dm_buf_init(&g.warm, A, DM_TAG_OUTPUT);
	struct dm_config cfg;
	dm_config_init(&cfg);
	struct dm_error err;
	struct dm_parser *p = dm_parser_new(A, &cfg, &cons, &g, &err);
	cr_assert_not_null(p);
	if (dm_parser_begin(p, what) == 0)
		(void)dm_parser_feed(p, xml, len, 1);  /* (a bad file: its records so far) */
	dm_parser_free(p);
	if (g.plain)
		cr_assert_not_null(g.warm.memo, "%s: the fast writer took no plans", what);
	dm_buf_fini(&g.warm);
	return g.records;
}

/* A fixture's path ($DM_SRCDIR or the source tree), malloc'ed. */
static char *fixture(const char *rel)
{
	const char *src = getenv("DM_SRCDIR");
	char *p = NULL;
	cr_assert_gt(asprintf(&p, "%s/tests/fixtures/%s", src && *src ? src : DM_TEST_SRCDIR, rel), 0);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	char *out = NULL;
	FILE *m = open_memstream(&out, len);
	cr_assert_not_null(m);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	return out;
}

static char *generated(int ern, uint64_t seed, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	cr_assert_not_null(f);
	struct dm_gen_opts o = {.size = 400 * 1024, .seed = seed, .ern = ern};
	struct dm_error err;
	cr_assert_eq(dm_gen_write(f, &o, NULL, &err), 0);
	fclose(f);
	return out;
}

/* Every "&amp;" of xml made into text that needs escapes of every kind
 * (and moves what follows across 16-byte boundaries). */
static char *odd_text(const char *xml, size_t len, size_t *out_len)
{
	static const char odd[] = "&quot;&amp;\\&#9;&#10;&#13;&#127;&#x85;&#x2028;&#x2029;"
	                          "&lt;\xc3\xa9&#x1F600;&amp;";
	size_t n = 0;
	for (const char *q = xml; (q = strstr(q, "&amp;")) != NULL; q += 5)
		n++;
	char *o = malloc(len + n * sizeof odd + 1), *w = o;
	cr_assert_not_null(o);
	const char *q = xml, *e;
	while ((e = strstr(q, "&amp;")) != NULL) {
		memcpy(w, q, (size_t)(e - q));
		w += e - q;
		memcpy(w, odd, sizeof odd - 1);
		w += sizeof odd - 1;
		q = e + 5;
	}
	size_t rest = len - (size_t)(q - xml);
	memcpy(w, q, rest);
	w += rest;
	*w = 0;
	*out_len = (size_t)(w - o);
	cr_assert_gt(n, 10, "the generator wrote too few ampersands to test with");
	return o;
}

Test(json, the_fast_writer_and_its_plans_agree_with_the_general_one_on_generated_files)
{
	static const int erns[] = {43, 382};
	for (int k = 0; k < 2; k++)
		for (uint64_t seed = 1; seed <= 2; seed++) {
			size_t len, olen;
			char *xml = generated(erns[k], seed, &len);
			char what[64];
			snprintf(what, sizeof what, "ERN %d seed %llu", erns[k], (unsigned long long)seed);
			cr_assert_gt(agree_on(what, xml, len), 200, "%s: too few records", what);
			char *odd = odd_text(xml, len, &olen);
			snprintf(what, sizeof what, "ERN %d seed %llu, odd text", erns[k],
			         (unsigned long long)seed);
			cr_assert_gt(agree_on(what, odd, olen), 200, "%s: too few records", what);
			free(odd);
			free(xml);
		}
}

Test(json, the_fast_writer_and_its_plans_agree_with_the_general_one_on_the_fixtures)
{
	static const char *const dirs[] = {"", "ern/"};
	int files = 0;
	for (int k = 0; k < 2; k++) {
		char *dir = fixture(dirs[k]);
		DIR *d = opendir(dir);
		cr_assert_not_null(d, "%s", dir);
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);
			if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0)
				continue;
			char rel[300];
			snprintf(rel, sizeof rel, "%s%s", dirs[k], de->d_name);
			char *path = fixture(rel);
			size_t len;
			char *xml = slurp(path, &len);
			agree_on(rel, xml, len);
			free(xml);
			free(path);
			files++;
		}
		closedir(d);
		free(dir);
	}
	cr_assert_gt(files, 10);
}
