/* The streaming parser: limits, security, error positions, input sources,
 * allocation failures and the memory budget. */
#include "config.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acct.h"
#include "ern.h"
#include "parser.h"
#include "testutil.h"

#define NS43 "http://ddex.net/xml/ern/43"
#define OPEN43 "<NewReleaseMessage xmlns=\"" NS43 "\">"
#define CLOSE "</NewReleaseMessage>"
#define HEADER "<MessageHeader><MessageId>M1</MessageId></MessageHeader>"

/* Fixtures used where any real message will do: a small ERN 4.1 one and an
 * ERN 3.8.2 album with every record type but parties. */
#define SMALL_FILE "ern41-party-list.xml"
#define SWEEP_FILE "ern382-album.xml"

static const size_t chunks[] = {1, 7, 4096, 65536};
#define NCHUNKS (sizeof chunks / sizeof *chunks)

static struct dm_config cfg_with(const char *key, const char *value)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	if (key)
		cr_assert_eq(dm_config_set(&c, key, value, &err), 0, "%s", err.msg);
	return c;
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

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	cr_assert_not_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void expect_error_line(const struct tu_result *r, const char *want)
{
	char line[1024];
	dm_error_format(&r->err, line, sizeof line);
	cr_assert_str_eq(line, want);
}

/* ---- basics --------------------------------------------------------------- */

Test(parser, minimal_message_gives_a_header)
{
	struct tu_result r;
	tu_parse_str(OPEN43 HEADER CLOSE, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_eq(r.counts[DM_REC_HEADER], 1);
	cr_assert_str_eq(r.json, "{\"type\":\"header\",\"message_type\":\"NewReleaseMessage\","
	                 "\"ern_version\":\"4.3\",\"namespace\":\"" NS43 "\",\"message_id\":\"M1\"}\n");
	cr_assert_str_eq(r.ern_version, "4.3");
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
}

Test(parser, namespace_prefix_is_irrelevant)
{
	struct tu_result r;
	tu_parse_str("<ern:NewReleaseMessage xmlns:ern=\"http://ddex.net/xml/ern/382\" "
	             "MessageSchemaVersionId=\"ern/382\">" HEADER "</ern:NewReleaseMessage>",
	             NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert(strstr(r.json, "\"ern_version\":\"3.8.2\""), "%s", r.json);
	cr_assert(strstr(r.json, "\"schema_version\":\"ern/382\""), "%s", r.json);
	tu_result_fini(&r);
}

Test(parser, ern_namespaces_and_versions)
{
	static const struct { const char *uri, *version; } ok[] = {
		{"http://ddex.net/xml/ern/43", "4.3"},
		{"http://ddex.net/xml/ern/431", "4.3.1"},
		{"http://ddex.net/xml/ern/411", "4.1.1"},
		{"http://ddex.net/xml/ern/42", "4.2"},
		{"http://ddex.net/xml/ern/382", "3.8.2"},
		{"http://ddex.net/xml/ern/37D2", "3.7D2"},
		{"http://ddex.net/xml/ern/32", "3.2"},
		{"http://ddex.net/xml/2010/ern-main/32", "3.2"},
		{"http://ddex.net/xml/2011/ern-main/33", "3.3"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		char v[16] = "";
		cr_assert(dm_ern_root_namespace(ok[i].uri, strlen(ok[i].uri), v, sizeof v), "%s",
		          ok[i].uri);
		cr_assert_str_eq(v, ok[i].version, "%s", ok[i].uri);
	}
	static const char *const bad[] = {
		"http://ddex.net/xml/ern/113", "http://ddex.net/xml/ern/", "http://ddex.net/xml/ern/4",
		"http://ddex.net/xml/mead/101", "http://ddex.net/xml/2011/echo/11",
		"http://ddex.net/xml/mwn/10", "urn:ern:43", "", "http://ddex.net/xml/ern/43/x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char v[16];
		cr_assert_not(dm_ern_root_namespace(bad[i], strlen(bad[i]), v, sizeof v), "%s", bad[i]);
	}
}

Test(parser, non_ern_root_is_refused_by_name)
{
	struct tu_result r;
	tu_parse_str("<?xml version='1.0'?>\n<Catalog xmlns='urn:example:music'><x/></Catalog>",
	             NULL, &r);
	cr_assert_eq(r.rc, DM_ENOTERN);
	cr_assert_str_eq(r.err.msg, "not a DDEX ERN message: root is {urn:example:music}Catalog");
	expect_error_line(&r, "test-input:2:1: not a DDEX ERN message: root is "
	                      "{urn:example:music}Catalog");
	cr_assert_eq(r.err.offset, 22);
	cr_assert_eq(r.json_len, 0);
	tu_result_fini(&r);

	tu_parse_str("<NewReleaseMessage/>", NULL, &r);
	cr_assert_eq(r.rc, DM_ENOTERN);
	cr_assert_str_eq(r.err.msg, "not a DDEX ERN message: root is {}NewReleaseMessage");
	tu_result_fini(&r);

	tu_parse_str("<NewReleaseMessage xmlns='http://ddex.net/xml/ern/113'/>", NULL, &r);
	cr_assert_eq(r.rc, DM_ENOTERN);
	cr_assert_str_eq(r.err.msg, "not a DDEX ERN message: root is "
	                 "{http://ddex.net/xml/ern/113}NewReleaseMessage");
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
}

Test(parser, empty_input_is_an_error)
{
	struct tu_result r;
	tu_parse("", 0, NULL, 0, 0, 0, 0, &r);
	cr_assert_eq(r.rc, DM_EXML);
	cr_assert(strstr(r.err.msg, "empty"), "%s", r.err.msg);
	tu_result_fini(&r);
	tu_parse_str("<?xml version='1.0'?>\n", NULL, &r);
	cr_assert_eq(r.rc, DM_EXML);
	cr_assert(r.err.has_pos);
	tu_result_fini(&r);
}

Test(parser, errors_carry_line_column_and_offset)
{
	const char *doc = OPEN43 "\n<MessageHeader>\n  </Wrong>\n" CLOSE "\n";
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct tu_result r;
		tu_parse(doc, strlen(doc), NULL, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, DM_EXML, "chunk %zu", chunks[i]);
		cr_assert(r.err.has_pos);
		cr_assert_str_eq(r.err.file, "test-input");
		cr_assert_eq(r.err.line, 3, "chunk %zu: line %llu", chunks[i],
		             (unsigned long long)r.err.line);
		/* expat points at the name in the end tag: "  </Wrong>", 1-based */
		cr_assert_eq(r.err.column, 5, "chunk %zu: column %llu", chunks[i],
		             (unsigned long long)r.err.column);
		cr_assert_eq(r.err.offset, (uint64_t)(strstr(doc, "Wrong>") - doc),
		             "chunk %zu: offset %llu", chunks[i], (unsigned long long)r.err.offset);
		expect_error_line(&r, "test-input:3:5: mismatched tag");
		cr_assert_eq(r.live_after, 0);
		tu_result_fini(&r);
	}
}

Test(parser, truncated_input_is_an_error_at_its_end)
{
	const char *doc = OPEN43 "\n" HEADER "\n<ResourceList>";
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, DM_EXML);
	cr_assert_eq(r.err.line, 3);
	cr_assert(r.err.has_pos);
	cr_assert_eq(r.counts[DM_REC_HEADER], 1, "what closed before the error was delivered");
	tu_result_fini(&r);
}

Test(parser, record_positions_point_at_the_start_tag)
{
	const char *doc = OPEN43 "\n  <MessageHeader><MessageId>M</MessageId></MessageHeader>\n"
	                  "  <ResourceList>\n    <SoundRecording><ResourceReference>A1"
	                  "</ResourceReference></SoundRecording>\n  </ResourceList>\n" CLOSE;
	size_t off_h = (size_t)(strstr(doc, "<MessageHeader>") - doc);
	size_t off_s = (size_t)(strstr(doc, "<SoundRecording>") - doc);
	struct tu_result r;
	tu_parse(doc, strlen(doc), NULL, 3, TU_POSITIONS, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	char *want = fmt("@2:3:%zu {\"type\":\"header\"", off_h);
	cr_assert(strncmp(r.json, want, strlen(want)) == 0, "%s", r.json);
	free(want);
	want = fmt("\n@4:5:%zu {\"type\":\"resource\",\"kind\":\"SoundRecording\",\"reference\":\"A1\"}",
	           off_s);
	cr_assert(strstr(r.json, want), "%s", r.json);
	free(want);
	tu_result_fini(&r);
}

/* ---- limits -------------------------------------------------------------- */

/* An ERN message whose header holds nesting of the given depth in total. */
static char *nested(unsigned depth)
{
	cr_assert_geq(depth, 3);
	size_t cap = depth * 16 + 256;
	char *s = malloc(cap);
	size_t n = (size_t)snprintf(s, cap, OPEN43 "<MessageHeader>");
	for (unsigned i = 2; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "<d>");
	for (unsigned i = 2; i < depth; i++)
		n += (size_t)snprintf(s + n, cap - n, "</d>");
	snprintf(s + n, cap - n, "</MessageHeader>" CLOSE);
	return s;
}

Test(parser, max_element_depth_is_inclusive)
{
	struct dm_config c = cfg_with("max_element_depth", "10");
	char *ok = nested(10), *deep = nested(11);
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct tu_result r;
		tu_parse(ok, strlen(ok), &c, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, 0, "depth 10 of 10 refused: %s", r.err.msg);
		tu_result_fini(&r);
		tu_parse(deep, strlen(deep), &c, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, DM_ELIMIT, "depth 11 of 10 accepted at chunk %zu", chunks[i]);
		cr_assert(strstr(r.err.msg, "max_element_depth"), "%s", r.err.msg);
		cr_assert_eq(r.err.line, 1);
		/* the 11th start tag is the 9th <d> */
		size_t off = (size_t)(strstr(deep, "<d>") - deep) + 8 * 3;
		cr_assert_eq(r.err.offset, off, "offset %llu want %zu",
		             (unsigned long long)r.err.offset, off);
		cr_assert_eq(r.live_after, 0);
		tu_result_fini(&r);
	}
	free(ok);
	free(deep);
}

Test(parser, deep_nesting_is_refused)
{
	/* the same shape under an ERN root meets max_element_depth, with a
	 * position, and without recursion trouble */
	struct tu_result r;
	char *deep = nested(1000);
	tu_parse_str(deep, NULL, &r);
	cr_assert_eq(r.rc, DM_ELIMIT);
	cr_assert(strstr(r.err.msg, "max_element_depth (100)"), "%s", r.err.msg);
	cr_assert(r.err.has_pos && r.err.line > 0);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	free(deep);
}

static char *many_elements(unsigned total)
{
	/* root + MessageHeader + (total - 2) <e/> */
	size_t cap = total * 8 + 256;
	char *s = malloc(cap);
	size_t n = (size_t)snprintf(s, cap, OPEN43 "<MessageHeader>");
	for (unsigned i = 2; i < total; i++)
		n += (size_t)snprintf(s + n, cap - n, "<e/>");
	snprintf(s + n, cap - n, "</MessageHeader>" CLOSE);
	return s;
}

Test(parser, max_element_count_is_inclusive_and_zero_is_unlimited)
{
	struct dm_config c = cfg_with("max_element_count", "50");
	char *ok = many_elements(50), *more = many_elements(51);
	struct tu_result r;
	tu_parse_str(ok, &c, &r);
	cr_assert_eq(r.rc, 0, "50 of 50 refused: %s", r.err.msg);
	tu_result_fini(&r);
	tu_parse_str(more, &c, &r);
	cr_assert_eq(r.rc, DM_ELIMIT);
	cr_assert(strstr(r.err.msg, "max_element_count (50)"), "%s", r.err.msg);
	cr_assert(r.err.has_pos);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);

	c = cfg_with("max_element_count", "0");
	char *lots = many_elements(200000);
	tu_parse_str(lots, &c, &r);
	cr_assert_eq(r.rc, 0, "0 means unlimited: %s", r.err.msg);
	tu_result_fini(&r);
	/* and the default (1000000) lets 200000 through too */
	tu_parse_str(lots, NULL, &r);
	cr_assert_eq(r.rc, 0);
	tu_result_fini(&r);
	free(ok);
	free(more);
	free(lots);
}

/* A message whose SoundRecording start tag is exactly tag_len bytes. */
static char *long_tag(size_t tag_len)
{
	static const char pre[] = "<SoundRecording a=\"", post[] = "\">";
	size_t fixed = sizeof pre - 1 + sizeof post - 1;
	cr_assert_gt(tag_len, fixed);
	char *pad = repeat('v', tag_len - fixed);
	char *doc = fmt(OPEN43 HEADER "\n<ResourceList>\n%s%s%s<ResourceReference>A1"
	                "</ResourceReference></SoundRecording>\n</ResourceList>\n" CLOSE,
	                pre, pad, post);
	free(pad);
	return doc;
}

Test(parser, buffer_size_bounds_a_start_tag_at_every_chunk_size)
{
	struct dm_config c = cfg_with("buffer_size", "1K");
	char *fits = long_tag(1024), *over = long_tag(1025), *far = long_tag(5000);
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct tu_result r;
		tu_parse(fits, strlen(fits), &c, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, 0, "a 1024-byte tag with buffer_size 1K at chunk %zu: %s",
		             chunks[i], r.err.msg);
		cr_assert_eq(r.counts[DM_REC_RESOURCE], 1);
		tu_result_fini(&r);
		const char *const docs[] = {over, far};
		for (int d = 0; d < 2; d++) {
			tu_parse(docs[d], strlen(docs[d]), &c, chunks[i], 0, 0, 0, &r);
			cr_assert_eq(r.rc, DM_ELIMIT, "a %s tag passed at chunk %zu",
			             d ? "5000-byte" : "1025-byte", chunks[i]);
			cr_assert(strstr(r.err.msg, "buffer_size (1K)"), "%s", r.err.msg);
			cr_assert(r.err.has_pos);
			cr_assert_eq(r.err.line, 3, "chunk %zu: line %llu", chunks[i],
			             (unsigned long long)r.err.line);
			cr_assert_eq(r.counts[DM_REC_RESOURCE], 0, "nothing truncated was delivered");
			cr_assert_eq(r.live_after, 0);
			tu_result_fini(&r);
		}
	}
	free(fits);
	free(over);
	free(far);
}

Test(parser, buffer_size_bounds_a_captured_text_value)
{
	struct dm_config c = cfg_with("buffer_size", "1K");
	char *t_ok = repeat('t', 1024), *t_long = repeat('t', 1025);
	char *ok = fmt(OPEN43 HEADER "<ResourceList><SoundRecording><DisplayTitleText>%s"
	               "</DisplayTitleText></SoundRecording></ResourceList>" CLOSE, t_ok);
	char *lng = fmt(OPEN43 HEADER "<ResourceList><SoundRecording><DisplayTitleText>%s"
	                "</DisplayTitleText></SoundRecording></ResourceList>" CLOSE, t_long);
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct tu_result r;
		tu_parse(ok, strlen(ok), &c, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, 0, "chunk %zu: %s", chunks[i], r.err.msg);
		char *want = fmt("\"title\":\"%s\"", t_ok);
		cr_assert(strstr(r.json, want), "the 1024-byte title is whole at chunk %zu", chunks[i]);
		free(want);
		tu_result_fini(&r);
		tu_parse(lng, strlen(lng), &c, chunks[i], 0, 0, 0, &r);
		cr_assert_eq(r.rc, DM_ELIMIT, "a 1025-byte title passed at chunk %zu", chunks[i]);
		cr_assert(strstr(r.err.msg, "buffer_size (1K)"), "%s", r.err.msg);
		cr_assert_eq(r.counts[DM_REC_RESOURCE], 0, "no truncated record");
		tu_result_fini(&r);
	}
	/* text no rule captures meets the same limit: which inputs are refused
	 * does not depend on the rules */
	char *skip = fmt(OPEN43 HEADER "<ResourceList><SoundRecording><Comment>%s</Comment>"
	                 "</SoundRecording></ResourceList>" CLOSE, t_long);
	struct tu_result r;
	tu_parse(skip, strlen(skip), &c, 7, 0, 0, 0, &r);
	cr_assert_eq(r.rc, DM_ELIMIT, "%s", r.err.msg);
	tu_result_fini(&r);
	free(skip);
	skip = fmt(OPEN43 HEADER "<ResourceList><SoundRecording><Comment>%s</Comment>"
	           "</SoundRecording></ResourceList>" CLOSE, t_ok);
	tu_parse(skip, strlen(skip), &c, 7, 0, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	tu_result_fini(&r);
	free(skip);
	free(ok);
	free(lng);
	free(t_ok);
	free(t_long);
}

Test(parser, an_endless_tag_is_refused_in_bounded_memory)
{
	/* a start tag that never ends, 4 MB of it: refused long before the end,
	 * and expat's buffer never held much more than chunk + buffer_size */
	struct dm_config c = cfg_with("buffer_size", "16K");
	size_t pad = 4u << 20;
	char *v = repeat('v', pad);
	char *doc = fmt(OPEN43 HEADER "<ResourceList><SoundRecording a=\"%s", v);
	free(v);
	struct tu_result base;
	tu_parse_str(OPEN43 HEADER CLOSE, &c, &base);
	cr_assert_eq(base.rc, 0);
	const size_t chunk = 4096;
	struct tu_result r;
	tu_parse(doc, strlen(doc), &c, chunk, 0, 0, 0, &r);
	cr_assert_eq(r.rc, DM_ELIMIT, "%s", r.err.msg);
	/* expat doubles its buffer and frees the old one after copying:
	 * allow the old and the new buffer for chunk + buffer_size + context */
	uint64_t bound = base.peak + 3 * (chunk + 16384 + 1024);
	cr_assert_leq(r.peak, bound, "peak %llu bytes, bound %llu", (unsigned long long)r.peak,
	              (unsigned long long)bound);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	tu_result_fini(&base);
	free(doc);
}

/* ---- DTDs, entities, amplification ---------------------------------------- */

#define INTERNAL_ENTITY_DOC \
	"<?xml version=\"1.0\"?>\n<!DOCTYPE NewReleaseMessage [\n" \
	"  <!ENTITY sender \"Example &amp; Sons\">\n]>\n" \
	OPEN43 "<MessageHeader><MessageId>M1</MessageId><MessageSender><PartyName>" \
	"<FullName>&sender;</FullName></PartyName></MessageSender></MessageHeader>" CLOSE

Test(parser, dtd_entity_declarations_are_refused_by_default)
{
	struct tu_result r;
	tu_parse_str(INTERNAL_ENTITY_DOC, NULL, &r);
	cr_assert_eq(r.rc, DM_EDTD);
	cr_assert(strstr(r.err.msg, "sender") && strstr(r.err.msg, "allow_dtd_entities"), "%s",
	          r.err.msg);
	cr_assert_eq(r.err.line, 3);
	cr_assert_eq(r.json_len, 0);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
}

Test(parser, dtd_entities_allowed_when_configured)
{
	struct dm_config c = cfg_with("allow_dtd_entities", "true");
	struct tu_result r;
	tu_parse_str(INTERNAL_ENTITY_DOC, &c, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert(strstr(r.json, "\"sender_name\":\"Example & Sons\""), "%s", r.json);
	tu_result_fini(&r);
}

Test(parser, doctype_without_entities_is_fine)
{
	struct tu_result r;
	tu_parse_str("<!DOCTYPE NewReleaseMessage>\n" OPEN43 HEADER CLOSE, NULL, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	tu_result_fini(&r);
}

static char secret_path[256];
#define SECRET "TOP-SECRET-4711-do-not-read"

static void make_secret(void)
{
	snprintf(secret_path, sizeof secret_path, "/tmp/dm-test-secret-XXXXXX");
	int fd = mkstemp(secret_path);
	cr_assert_geq(fd, 0);
	const char text[] = SECRET "\n";
	cr_assert_eq(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
}

static void drop_secret(void)
{
	unlink(secret_path);
}

/* Parse doc with and without allow_dtd_entities: whatever the verdict, the
 * secret must appear nowhere, neither in records nor in the error. */
static void expect_secret_kept(const char *doc, int must_fail)
{
	for (int allow = 0; allow < 2; allow++) {
		struct dm_config c = cfg_with("allow_dtd_entities", allow ? "true" : "false");
		for (size_t i = 0; i < NCHUNKS; i += 3) {
			struct tu_result r;
			tu_parse(doc, strlen(doc), &c, chunks[i], 0, 0, 0, &r);
			cr_assert_null(strstr(r.json, "TOP-SECRET"), "external entity was loaded: %s", r.json);
			cr_assert_null(strstr(r.err.msg, "TOP-SECRET"), "%s", r.err.msg);
			if (must_fail) {
				cr_assert_eq(r.rc, DM_EDTD, "allow=%d: rc %d (%s)", allow, r.rc, r.err.msg);
				cr_assert(strstr(r.err.msg, "never loaded"), "%s", r.err.msg);
			}
			cr_assert_eq(r.live_after, 0);
			tu_result_fini(&r);
		}
	}
}

Test(parser, external_general_entity_is_never_loaded, .init = make_secret, .fini = drop_secret)
{
	char *doc = fmt("<?xml version=\"1.0\"?>\n<!DOCTYPE NewReleaseMessage [\n"
	                "  <!ENTITY ext SYSTEM \"file://%s\">\n]>\n" OPEN43
	                "<MessageHeader><MessageId>&ext;</MessageId></MessageHeader>" CLOSE,
	                secret_path);
	expect_secret_kept(doc, 1);
	free(doc);
	/* a relative or plain path is no different */
	doc = fmt("<!DOCTYPE NewReleaseMessage [<!ENTITY ext SYSTEM \"%s\">]>" OPEN43
	          "<MessageHeader><MessageId>&ext;</MessageId></MessageHeader>" CLOSE, secret_path);
	expect_secret_kept(doc, 1);
	free(doc);
}

Test(parser, external_parameter_entity_is_never_loaded, .init = make_secret,
     .fini = drop_secret)
{
	char *doc = fmt("<!DOCTYPE NewReleaseMessage [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>"
	                OPEN43 HEADER CLOSE, secret_path);
	expect_secret_kept(doc, 1);
	free(doc);
}

Test(parser, external_dtd_subset_is_never_loaded, .init = make_secret, .fini = drop_secret)
{
	/* a DTD file that would define &s; as the secret, were it read */
	char dtd[300];
	snprintf(dtd, sizeof dtd, "%s.dtd", secret_path);
	FILE *f = fopen(dtd, "w");
	cr_assert_not_null(f);
	fprintf(f, "<!ENTITY s \"" SECRET "\">\n");
	fclose(f);
	char *doc = fmt("<!DOCTYPE NewReleaseMessage SYSTEM \"file://%s\">" OPEN43
	                "<MessageHeader><MessageId>&s;</MessageId></MessageHeader>" CLOSE, dtd);
	expect_secret_kept(doc, 0);
	free(doc);
	unlink(dtd);
}

/* 10 levels of 10 references: 10^10 bytes if expanded. */
static char *laughs(void)
{
	char *s = fmt("<?xml version=\"1.0\"?>\n<!DOCTYPE NewReleaseMessage [\n"
	              "<!ENTITY l0 \"lol\">\n");
	for (int i = 1; i <= 10; i++) {
		char *t = fmt("%s<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">\n",
		              s, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
		free(s);
		s = t;
	}
	/* in an element nobody captures, so only expat's protection can stop it */
	char *t = fmt("%s]>\n" OPEN43 HEADER "<Note>&l10;</Note>" CLOSE, s);
	free(s);
	return t;
}

Test(parser, billion_laughs_is_refused_even_when_entities_are_allowed)
{
	char *doc = laughs();
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, DM_EDTD, "refused by default as a DTD with entities");
	tu_result_fini(&r);

	/* allowed entities: refused by some limit, whichever comes first */
	struct dm_config c = cfg_with("allow_dtd_entities", "true");
	tu_parse_str(doc, &c, &r);
	cr_assert_neq(r.rc, 0, "10^10 bytes of laughter accepted");
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	/* and with buffer_size out of the way, expat's own protection */
	struct dm_error err;
	cr_assert_eq(dm_config_set(&c, "buffer_size", "1G", &err), 0);
	tu_parse_str(doc, &c, &r);
	cr_assert_eq(r.rc, DM_EXML, "amplification passed: rc %d %s", r.rc, r.err.msg);
	cr_assert(strstr(r.err.msg, "amplification"), "%s", r.err.msg);
	cr_assert(r.err.has_pos);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	free(doc);
}

/* ---- record checks --------------------------------------------------------- */

#define TWO_RECORDINGS(d1, d2) \
	OPEN43 HEADER "<ResourceList>\n" \
	"<SoundRecording><ResourceReference>A1</ResourceReference><Duration>" d1 "</Duration>" \
	"</SoundRecording>\n" \
	"<SoundRecording><ResourceReference>A2</ResourceReference><Duration>" d2 "</Duration>" \
	"</SoundRecording>\n" \
	"<SoundRecording><ResourceReference>A3</ResourceReference><Duration>PT1S</Duration>" \
	"</SoundRecording>\n</ResourceList>" CLOSE

Test(parser, a_bad_duration_stops_the_file_by_default)
{
	const char *doc = TWO_RECORDINGS("PT3M20.5S", "three minutes");
	struct tu_result r;
	tu_parse_str(doc, NULL, &r);
	cr_assert_eq(r.rc, DM_ERECORD);
	cr_assert(strstr(r.err.msg, "'three minutes' is not ISO 8601"), "%s", r.err.msg);
	cr_assert_eq(r.err.line, 3, "the error points at the record");
	cr_assert_eq(r.err.column, 1);
	cr_assert_eq(r.counts[DM_REC_RESOURCE], 1);
	cr_assert(strstr(r.json, "\"duration_seconds\":200.5"), "%s", r.json);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
}

Test(parser, continue_on_error_skips_bad_records_up_to_max_errors)
{
	struct dm_config c = cfg_with("continue_on_error", "true");
	struct tu_result r;
	tu_parse_str(TWO_RECORDINGS("PT3M20.5S", "three minutes"), &c, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_eq(r.counts[DM_REC_RESOURCE], 2);
	cr_assert_eq(r.record_errors, 1);
	cr_assert_null(strstr(r.json, "\"A2\""), "the bad record is skipped");
	cr_assert(strstr(r.json, "\"A3\""), "the next record still comes");
	tu_result_fini(&r);

	struct dm_error err;
	cr_assert_eq(dm_config_set(&c, "max_errors", "1", &err), 0);
	tu_parse_str(TWO_RECORDINGS("bad", "worse"), &c, &r);
	cr_assert_eq(r.rc, DM_ERECORD);
	cr_assert(strstr(r.err.msg, "too many invalid records"), "%s", r.err.msg);
	cr_assert_eq(r.record_errors, 2);
	tu_result_fini(&r);
}

/* ---- the consumer and control ------------------------------------------------ */

static int stop_at_second(void *ctx, const struct dm_record *rec)
{
	(void)rec;
	int *n = ctx;
	return ++*n == 2 ? DM_EINTR : 0;
}

Test(parser, a_consumer_can_stop_the_parse)
{
	static const struct dm_consumer cons = {.record = stop_at_second};
	struct dm_config c;
	dm_config_init(&c);
	struct dm_acct *a = dm_acct_new(NULL, 0);
	int n = 0;
	struct dm_error err;
	struct dm_parser *p = dm_parser_new(a, &c, &cons, &n, &err);
	cr_assert_not_null(p);
	const char *doc = TWO_RECORDINGS("PT1S", "PT2S");
	cr_assert_eq(dm_parser_begin(p, "doc"), 0);
	cr_assert_eq(dm_parser_feed(p, doc, strlen(doc), 1), DM_EINTR);
	cr_assert_eq(n, 2);
	cr_assert_eq(dm_parser_error(p)->code, DM_EINTR);
	/* once failed, feeding again returns the same error */
	cr_assert_eq(dm_parser_feed(p, "x", 1, 1), DM_EINTR);
	cr_assert_eq(n, 2);
	/* a new input starts clean */
	n = -100;
	cr_assert_eq(dm_parser_begin(p, "again"), 0);
	cr_assert_eq(dm_parser_feed(p, doc, strlen(doc), 1), 0);
	cr_assert_eq(dm_parser_error(p)->code, 0);
	struct dm_parser_stats st;
	dm_parser_stats(p, &st);
	cr_assert_eq(st.bytes, strlen(doc));
	cr_assert_eq(st.ern.records[DM_REC_RESOURCE], 3);
	cr_assert_eq(st.ern.records[DM_REC_HEADER], 1);
	cr_assert_eq(st.max_depth, 4);
	dm_parser_free(p);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

static int enomem_at_second(void *ctx, const struct dm_record *rec)
{
	(void)rec;
	int *n = ctx;
	return ++*n == 2 ? DM_ENOMEM : 0;
}

Test(parser, a_memory_error_in_a_record_carries_its_position)
{
	/* a consumer that cannot store a record: the error is a memory error
	 * and still says where in the file the parse stopped */
	static const struct dm_consumer cons = {.record = enomem_at_second};
	struct dm_config c;
	dm_config_init(&c);
	struct dm_acct *a = dm_acct_new(NULL, 0);
	int n = 0;
	struct dm_error err;
	struct dm_parser *p = dm_parser_new(a, &c, &cons, &n, &err);
	cr_assert_not_null(p);
	const char *doc = TWO_RECORDINGS("PT1S", "PT2S");
	cr_assert_eq(dm_parser_begin(p, "doc.xml"), 0);
	cr_assert_eq(dm_parser_feed(p, doc, strlen(doc), 1), DM_ENOMEM);
	const struct dm_error *e = dm_parser_error(p);
	cr_assert(strstr(e->msg, "memory limit exceeded"), "%s", e->msg);
	/* the first SoundRecording ends on line 2 */
	cr_assert_eq(e->line, 2, "line %llu", (unsigned long long)e->line);
	cr_assert_gt(e->column, 1);
	char line[512];
	dm_error_format(e, line, sizeof line);
	cr_assert(strncmp(line, "doc.xml:2:", 10) == 0, "%s", line);
	dm_parser_free(p);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

Test(parser, stop_request_interrupts_before_the_next_chunk)
{
	static const struct dm_consumer cons = {0};
	struct dm_config c;
	dm_config_init(&c);
	struct dm_acct *a = dm_acct_new(NULL, 0);
	struct dm_error err;
	struct dm_parser *p = dm_parser_new(a, &c, &cons, NULL, &err);
	cr_assert_eq(dm_parser_begin(p, "doc"), 0);
	dm_parser_stop(p);
	const char *doc = OPEN43 HEADER CLOSE;
	cr_assert_eq(dm_parser_feed(p, doc, strlen(doc), 1), DM_EINTR);
	cr_assert_eq(dm_parser_begin(p, "doc"), 0, "begin clears the request");
	cr_assert_eq(dm_parser_feed(p, doc, strlen(doc), 1), 0);
	dm_parser_set_chunk_size(p, 0);
	cr_assert_eq(dm_parser_chunk_size(p), 1, "a zero chunk size means one byte");
	dm_parser_free(p);
	dm_parser_free(NULL);
	cr_assert_eq(dm_acct_live(a), 0);
	dm_acct_free(a);
}

/* ---- input sources --------------------------------------------------------- */

/* Fork a writer that copies data into a pipe; returns the read end. */
static int pipe_from(const char *data, size_t len, pid_t *pid)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	*pid = fork();
	cr_assert_geq(*pid, 0);
	if (*pid == 0) {
		close(fds[0]);
		/* odd-sized writes so the reader sees short reads */
		size_t off = 0;
		while (off < len) {
			size_t n = len - off < 3001 ? len - off : 3001;
			ssize_t w = write(fds[1], data + off, n);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

Test(parser, stdin_and_pipes_read_like_files)
{
	char *path = tu_fixture_path(SWEEP_FILE);
	size_t len;
	char *data = tu_read_file(path, &len);
	struct tu_result want;
	tu_parse(data, len, NULL, 0, 0, 0, 0, &want);
	cr_assert_eq(want.rc, 0);
	cr_assert_gt(want.json_len, 0);

	/* the file by path, read through dm_parser_parse_file */
	struct tu_result r;
	tu_parse(path, 0, NULL, 4096, TU_FROM_FD, 0, 0, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_str_eq(r.json, want.json);
	tu_result_fini(&r);

	/* "-" is standard input, here a pipe */
	pid_t pid;
	int fd = pipe_from(data, len, &pid);
	cr_assert_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	tu_parse("-", 0, NULL, 1000, TU_FROM_FD, 0, 0, &r);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_str_eq(r.json, want.json, "stdin gives the same records as the file");
	tu_result_fini(&r);

	/* dm_parser_feed_fd on a pipe, one byte per read */
	fd = pipe_from(data, len, &pid);
	struct dm_config c;
	dm_config_init(&c);
	c.chunk_size = 1;
	struct dm_acct *a = dm_acct_new(NULL, 0);
	static const struct dm_consumer none = {0};
	struct dm_error err;
	struct dm_parser *p = dm_parser_new(a, &c, &none, NULL, &err);
	cr_assert_eq(dm_parser_begin(p, "pipe"), 0);
	cr_assert_eq(dm_parser_feed_fd(p, fd), 0, "%s", dm_parser_error(p)->msg);
	struct dm_parser_stats st;
	dm_parser_stats(p, &st);
	cr_assert_eq(st.bytes, len);
	cr_assert_geq(st.chunks, len);
	cr_assert_eq(st.ern.records[DM_REC_RELEASE], 3);
	close(fd);
	waitpid(pid, &status, 0);
	dm_parser_free(p);
	dm_acct_free(a);

	tu_result_fini(&want);
	free(data);
	free(path);
}

Test(parser, unreadable_inputs_are_io_errors)
{
	struct tu_result r;
	tu_parse("/nonexistent/ddexmon/file.xml", 0, NULL, 0, TU_FROM_FD, 0, 0, &r);
	cr_assert_eq(r.rc, DM_EIO);
	cr_assert_str_eq(r.err.file, "/nonexistent/ddexmon/file.xml");
	cr_assert(strstr(r.err.msg, "cannot open"), "%s", r.err.msg);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	tu_parse("/tmp", 0, NULL, 0, TU_FROM_FD, 0, 0, &r);
	cr_assert_eq(r.rc, DM_EIO);
	cr_assert(strstr(r.err.msg, "directory"), "%s", r.err.msg);
	tu_result_fini(&r);
}

/* ---- memory ------------------------------------------------------------------ */

static void sweep(const char *rel, size_t chunk)
{
	char *path = tu_fixture_path(rel);
	size_t len;
	char *data = tu_read_file(path, &len);
	struct tu_result want;
	tu_parse(data, len, NULL, chunk, 0, 0, 0, &want);
	cr_assert_eq(want.rc, 0);
	long n;
	int ok = 0;
	for (n = 1; n < 100000 && !ok; n++) {
		struct tu_result r;
		tu_parse(data, len, NULL, chunk, 0, n, 0, &r);
		if (r.rc == 0) {
			ok = 1;
			cr_assert_str_eq(r.json, want.json, "n=%ld: a late failure changed the output", n);
		} else {
			cr_assert_eq(r.rc, DM_ENOMEM, "chunk %zu, n=%ld: rc %d (%s)", chunk, n, r.rc,
			             r.err.msg);
			cr_assert_eq(r.err.code, DM_ENOMEM);
			cr_assert(strstr(r.err.msg, "memory limit exceeded"), "n=%ld: %s", n, r.err.msg);
			/* records already delivered are whole lines */
			cr_assert(r.json_len == 0 || r.json[r.json_len - 1] == '\n');
			cr_assert_eq(strncmp(r.json, want.json, r.json_len), 0,
			             "n=%ld: output before the failure differs", n);
		}
		cr_assert_eq(r.live_after, 0, "chunk %zu, n=%ld: %llu bytes live after free", chunk, n,
		             (unsigned long long)r.live_after);
		tu_result_fini(&r);
	}
	cr_assert(ok, "never succeeded");
	cr_assert_gt(n, 10, "the sweep should have failed several allocations");
	tu_result_fini(&want);
	free(data);
	free(path);
}

Test(parser, allocation_failure_sweep)
{
	sweep(SWEEP_FILE, 65536);
	sweep(SWEEP_FILE, 7);
	sweep(SMALL_FILE, 1);
}

Test(parser, a_tiny_budget_gives_memory_limit_exceeded)
{
	char *path = tu_fixture_path(SMALL_FILE);
	size_t len;
	char *data = tu_read_file(path, &len);
	struct tu_result r;
	/* read from the file, expat is asked for a whole 64K chunk */
	tu_parse(path, 0, NULL, 0, TU_FROM_FD, 0, 16 * 1024, &r);
	cr_assert_eq(r.rc, DM_ENOMEM, "rc %d %s", r.rc, r.err.msg);
	cr_assert(strstr(r.err.msg, "memory limit exceeded"), "%s", r.err.msg);
	cr_assert(strstr(r.err.msg, "16.0K"), "the message gives the limit: %s", r.err.msg);
	cr_assert_eq(dm_exit_code(r.rc), DM_EXIT_MEMORY);
	cr_assert_eq(r.live_after, 0);
	tu_result_fini(&r);
	/* the same budget with small chunks is enough for a small file */
	tu_parse(data, len, NULL, 512, 0, 0, 64 * 1024, &r);
	cr_assert_eq(r.rc, 0, "%s", r.err.msg);
	cr_assert_leq(r.peak, 64 * 1024);
	tu_result_fini(&r);
	free(data);
	free(path);
}

Test(parser, a_budget_between_parser_and_budget_fails_cleanly)
{
	/* every budget from nothing to enough: either a clean refusal or the
	 * full output, never a crash or a leak */
	char *path = tu_fixture_path(SMALL_FILE);
	size_t len;
	char *data = tu_read_file(path, &len);
	struct tu_result want;
	tu_parse(data, len, NULL, 256, 0, 0, 0, &want);
	cr_assert_eq(want.rc, 0);
	int ok = 0;
	for (uint64_t b = 256; b <= want.peak + 256 && !ok; b += 256) {
		struct tu_result r;
		tu_parse(data, len, NULL, 256, 0, 0, b, &r);
		if (r.rc == 0) {
			ok = 1;
			cr_assert_str_eq(r.json, want.json);
		} else {
			cr_assert_eq(r.rc, DM_ENOMEM, "budget %llu: %s", (unsigned long long)b, r.err.msg);
		}
		cr_assert_leq(r.peak, b);
		cr_assert_eq(r.live_after, 0);
		tu_result_fini(&r);
	}
	cr_assert(ok, "the measured peak was not enough");
	tu_result_fini(&want);
	free(data);
	free(path);
}
