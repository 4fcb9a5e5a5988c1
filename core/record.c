/* Record field table, accessors and JSON serialisation. */
#include "config.h"
#include "record.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fmt { F_STR, F_NUM, F_BOOL };

/* What a member's JSON starts with after another member: ,"key": (the
 * first of an object skips the comma). Padded, so that a writer copies
 * KEY_ROOM bytes in one move and then counts only n. */
#define KEY_ROOM 32
struct member_key {
	char s[KEY_ROOM + 8];
	uint8_t n;
};
#define MKEY(k) {",\"" k "\":", sizeof ",\"" k "\":" - 1}

struct field_meta {
	const char *key;
	uint8_t klen;
	struct member_key json;
	uint8_t group;
	uint8_t multi;   /* an array of all values, not the first */
	uint8_t fmt;
};

#define K(s) s, sizeof s - 1, MKEY(s)
static const struct field_meta fields[DM_F_COUNT] = {
	[DM_F_NONE] = {K(""), 0, 0, F_STR},
	[DM_F_MESSAGE_ID] = {K("message_id"), 0, 0, F_STR},
	[DM_F_THREAD_ID] = {K("thread_id"), 0, 0, F_STR},
	[DM_F_SENDER_ID] = {K("sender_party_id"), 0, 0, F_STR},
	[DM_F_SENDER_NAME] = {K("sender_name"), 0, 0, F_STR},
	[DM_F_RECIPIENT_ID] = {K("recipient_party_id"), 0, 0, F_STR},
	[DM_F_RECIPIENT_NAME] = {K("recipient_name"), 0, 0, F_STR},
	[DM_F_CREATED] = {K("created"), 0, 0, F_STR},
	[DM_F_CONTROL_TYPE] = {K("control_type"), 0, 0, F_STR},
	[DM_F_REFERENCE] = {K("reference"), 0, 0, F_STR},
	[DM_F_SUBTYPE] = {K("subtype"), 0, 0, F_STR},
	[DM_F_ISRC] = {K("isrc"), 0, 0, F_STR},
	[DM_F_ICPN] = {K("icpn"), 0, 0, F_STR},
	[DM_F_GRID] = {K("grid"), 0, 0, F_STR},
	[DM_F_CATALOG_NUMBER] = {K("catalog_number"), 0, 0, F_STR},
	[DM_F_TITLE] = {K("title"), 0, 0, F_STR},
	[DM_F_SUBTITLE] = {K("subtitle"), 0, 0, F_STR},
	[DM_F_DISPLAY_ARTIST] = {K("display_artist"), 0, 0, F_STR},
	[DM_F_LABEL] = {K("label"), 0, 0, F_STR},
	[DM_F_LABEL_REF] = {K("label_reference"), 0, 0, F_STR},
	[DM_F_GENRE] = {K("genre"), 0, 0, F_STR},
	[DM_F_SUBGENRE] = {K("subgenre"), 0, 0, F_STR},
	[DM_F_RELEASE_DATE] = {K("release_date"), 0, 0, F_STR},
	[DM_F_ORIGINAL_RELEASE_DATE] = {K("original_release_date"), 0, 0, F_STR},
	[DM_F_CREATION_DATE] = {K("creation_date"), 0, 0, F_STR},
	[DM_F_PLINE] = {K("pline"), 0, 0, F_STR},
	[DM_F_PLINE_YEAR] = {K("pline_year"), 0, 0, F_NUM},
	[DM_F_CLINE] = {K("cline"), 0, 0, F_STR},
	[DM_F_CLINE_YEAR] = {K("cline_year"), 0, 0, F_NUM},
	[DM_F_DURATION] = {K("duration"), 0, 0, F_STR},
	[DM_F_PARENTAL_WARNING] = {K("parental_warning"), 0, 0, F_STR},
	[DM_F_LANGUAGE] = {K("language"), 0, 0, F_STR},
	[DM_F_IS_MAIN] = {K("is_main_release"), 0, 0, F_BOOL},
	[DM_F_RESOURCE_REF] = {K("resource_references"), 0, 1, F_STR},
	[DM_F_RELEASE_REF] = {K("release_references"), 0, 1, F_STR},
	[DM_F_EFFECTIVE_DATE] = {K("effective_date"), 0, 0, F_STR},
	[DM_F_NAME] = {K("names"), 0, 1, F_STR},
	[DM_F_ID_TYPE] = {K("type"), DM_G_ID, 0, F_STR},
	[DM_F_ID_NS] = {K("namespace"), DM_G_ID, 0, F_STR},
	[DM_F_ID_VALUE] = {K("value"), DM_G_ID, 0, F_STR},
	[DM_F_ARTIST_NAME] = {K("name"), DM_G_ARTIST, 0, F_STR},
	[DM_F_ARTIST_REF] = {K("reference"), DM_G_ARTIST, 0, F_STR},
	[DM_F_ARTIST_ROLE] = {K("role"), DM_G_ARTIST, 0, F_STR},
	[DM_F_CONTRIB_NAME] = {K("name"), DM_G_CONTRIB, 0, F_STR},
	[DM_F_CONTRIB_REF] = {K("reference"), DM_G_CONTRIB, 0, F_STR},
	[DM_F_CONTRIB_ROLE] = {K("roles"), DM_G_CONTRIB, 1, F_STR},
	[DM_F_FILE_NAME] = {K("file_name"), DM_G_FILE, 0, F_STR},
	[DM_F_FILE_PATH] = {K("file_path"), DM_G_FILE, 0, F_STR},
	[DM_F_FILE_URI] = {K("uri"), DM_G_FILE, 0, F_STR},
	[DM_F_CODEC] = {K("codec"), DM_G_FILE, 0, F_STR},
	[DM_F_BIT_RATE] = {K("bit_rate"), DM_G_FILE, 0, F_NUM},
	[DM_F_SAMPLING_RATE] = {K("sampling_rate"), DM_G_FILE, 0, F_NUM},
	[DM_F_HASH] = {K("hash"), DM_G_FILE, 0, F_STR},
	[DM_F_HASH_ALGORITHM] = {K("hash_algorithm"), DM_G_FILE, 0, F_STR},
	[DM_F_COMMERCIAL_MODEL] = {K("commercial_model_types"), DM_G_DEAL, 1, F_STR},
	[DM_F_USE_TYPE] = {K("use_types"), DM_G_DEAL, 1, F_STR},
	[DM_F_TERRITORY] = {K("territories"), DM_G_DEAL, 1, F_STR},
	[DM_F_EXCLUDED_TERRITORY] = {K("excluded_territories"), DM_G_DEAL, 1, F_STR},
	[DM_F_START] = {K("start"), DM_G_DEAL, 0, F_STR},
	[DM_F_END] = {K("end"), DM_G_DEAL, 0, F_STR},
	[DM_F_TAKEDOWN] = {K("takedown"), DM_G_DEAL, 0, F_BOOL},
	[DM_F_PRICE_TYPE] = {K("type"), DM_G_PRICE, 0, F_STR},
	[DM_F_PRICE_AMOUNT] = {K("amount"), DM_G_PRICE, 0, F_NUM},
	[DM_F_PRICE_CURRENCY] = {K("currency"), DM_G_PRICE, 0, F_STR},
	[DM_F_DAN_NAME] = {K("name"), DM_G_ARTIST_NAME, 0, F_STR},
	[DM_F_DAN_LANG] = {K("language_and_script"), DM_G_ARTIST_NAME, 0, F_STR},
	[DM_F_DAN_TERRITORY] = {K("territories"), DM_G_ARTIST_NAME, 1, F_STR},
	[DM_F_DAN_EXCLUDED] = {K("excluded_territories"), DM_G_ARTIST_NAME, 1, F_STR},
	[DM_F_DAN_DEFAULT] = {K("is_default"), DM_G_ARTIST_NAME, 0, F_BOOL},
	[DM_F_TV_TEXT] = {K("text"), DM_G_TITLE, 0, F_STR},
	[DM_F_TV_SUBTITLE] = {K("subtitle"), DM_G_TITLE, 0, F_STR},
	[DM_F_TV_TYPE] = {K("title_type"), DM_G_TITLE, 0, F_STR},
	[DM_F_TV_LANG] = {K("language_and_script"), DM_G_TITLE, 0, F_STR},
	[DM_F_TV_TERRITORY] = {K("territories"), DM_G_TITLE, 1, F_STR},
	[DM_F_TV_EXCLUDED] = {K("excluded_territories"), DM_G_TITLE, 1, F_STR},
	[DM_F_TV_DEFAULT] = {K("is_default"), DM_G_TITLE, 0, F_BOOL},
	[DM_F_DT_LANG] = {K("language_and_script"), DM_G_DETAILS, 0, F_STR},
	[DM_F_DT_TERRITORY] = {K("territories"), DM_G_DETAILS, 1, F_STR},
	[DM_F_DT_EXCLUDED] = {K("excluded_territories"), DM_G_DETAILS, 1, F_STR},
};

/* Layout items: a field id, a group array, or a computed member. */
#define GRP(g) (0x100 | (g))
#define X_KIND 0x200
#define X_SECONDS 0x201
#define X_END 0xFFFF

static const uint16_t layout_header[] = {
	DM_F_MESSAGE_ID, DM_F_THREAD_ID, DM_F_SENDER_ID, DM_F_SENDER_NAME,
	DM_F_RECIPIENT_ID, DM_F_RECIPIENT_NAME, DM_F_CREATED, DM_F_CONTROL_TYPE, X_END,
};
static const uint16_t layout_party[] = {
	DM_F_REFERENCE, GRP(DM_G_ID), DM_F_NAME, X_END,
};
static const uint16_t layout_resource[] = {
	X_KIND, DM_F_REFERENCE, DM_F_SUBTYPE, DM_F_ISRC, GRP(DM_G_ID), DM_F_TITLE,
	DM_F_SUBTITLE, GRP(DM_G_TITLE), DM_F_DISPLAY_ARTIST, GRP(DM_G_ARTIST_NAME),
	GRP(DM_G_ARTIST), GRP(DM_G_CONTRIB),
	DM_F_DURATION, X_SECONDS, DM_F_PARENTAL_WARNING, DM_F_LANGUAGE,
	DM_F_CREATION_DATE, DM_F_LABEL, DM_F_GENRE, DM_F_SUBGENRE, DM_F_PLINE,
	DM_F_PLINE_YEAR, DM_F_CLINE, DM_F_CLINE_YEAR, GRP(DM_G_FILE), X_END,
};
static const uint16_t layout_release[] = {
	X_KIND, DM_F_SUBTYPE, DM_F_REFERENCE, DM_F_ICPN, DM_F_GRID, DM_F_ISRC,
	DM_F_CATALOG_NUMBER, GRP(DM_G_ID), DM_F_TITLE, DM_F_SUBTITLE, GRP(DM_G_TITLE),
	DM_F_DISPLAY_ARTIST, GRP(DM_G_ARTIST_NAME), GRP(DM_G_ARTIST), DM_F_LABEL, DM_F_LABEL_REF,
	DM_F_GENRE, DM_F_SUBGENRE, DM_F_RELEASE_DATE, DM_F_ORIGINAL_RELEASE_DATE,
	DM_F_PLINE, DM_F_PLINE_YEAR, DM_F_CLINE, DM_F_CLINE_YEAR, DM_F_DURATION,
	X_SECONDS, DM_F_PARENTAL_WARNING, DM_F_IS_MAIN, DM_F_RESOURCE_REF, X_END,
};
static const uint16_t layout_deal[] = {
	DM_F_RELEASE_REF, DM_F_EFFECTIVE_DATE, GRP(DM_G_DEAL), X_END,
};

static const uint16_t *const layouts[DM_REC_TYPES] = {
	layout_header, layout_party, layout_resource, layout_release, layout_deal,
};

/* "subtype" reads better under a type-specific key. */
static const struct member_key release_type = MKEY("release_type"),
                               resource_type = MKEY("resource_type"), kind_key = MKEY("kind");

static const char *const group_keys[DM_G_COUNT] = {
	"", "ids", "artists", "contributors", "files", "deals", "prices",
	"display_artist_names", "titles", "details_by_territory",
};
static const struct member_key group_json[DM_G_COUNT] = {
	{"", 0}, MKEY("ids"), MKEY("artists"), MKEY("contributors"), MKEY("files"),
	MKEY("deals"), MKEY("prices"), MKEY("display_artist_names"), MKEY("titles"),
	MKEY("details_by_territory"),
};

static const char *const type_names[DM_REC_TYPES] = {
	"header", "party", "resource", "release", "deal",
};

/* How each record's JSON begins. */
static const struct {
	const char *s;
	size_t n;
} opening[DM_REC_TYPES] = {
#define OPEN(t) {"{\"type\":\"" t "\"", sizeof "{\"type\":\"" t "\"" - 1}
	OPEN("header"), OPEN("party"), OPEN("resource"), OPEN("release"), OPEN("deal"),
#undef OPEN
};

const char *dm_rec_type_name(enum dm_rec_type t)
{
	return (unsigned)t < DM_REC_TYPES ? type_names[t] : "?";
}

const char *dm_field_name(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT ? fields[f].key : "?";
}

const char *dm_group_name(enum dm_group g)
{
	return (unsigned)g < DM_G_COUNT ? group_keys[g] : "?";
}

enum dm_group dm_field_group(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT ? (enum dm_group)fields[f].group : DM_G_NONE;
}

int dm_field_multi(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT && fields[f].multi;
}

const char *dm_record_get(const struct dm_record *r, enum dm_field f, size_t *len)
{
	/* four at a time: most calls look through every value for a field the
	 * record does not have */
	const struct dm_value *v = r->values, *e = v + r->nvalues;
	for (; e - v >= 4; v += 4)
		if (v[0].field == f || v[1].field == f || v[2].field == f || v[3].field == f)
			break;
	for (; v < e; v++)
		if (v->field == f) {
			if (len)
				*len = v->len;
			return r->arena + v->off;
		}
	return NULL;
}

size_t dm_record_count(const struct dm_record *r, enum dm_field f)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nvalues; i++)
		n += r->values[i].field == f;
	return n;
}

static int is_json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static int is_json_bool(const char *s, size_t n)
{
	return (n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0);
}

/* The writers below fill b's data themselves: each member first makes
 * room for everything it may write (its key, n bytes of text, quotes, a
 * separator); only an escape that grows the text asks for more. */
#define HOT static inline __attribute__((always_inline))

HOT int room(struct dm_buf *b, size_t n)
{
	if (b->cap - b->len >= n + KEY_ROOM + 4 && !b->failed)
		return 0;
	return dm_buf_reserve(b, n + KEY_ROOM + 4);
}

HOT char *key_at(char *o, const struct member_key *k, int *first)
{
	size_t skip = (size_t)*first;
	*first = 0;
	memcpy(o, k->s + skip, KEY_ROOM);
	return o + k->n - skip;
}

/* A value's text at o: in its field's format (a number or a boolean when
 * it is one), else as a string. NULL when the buffer could not grow. */
HOT char *text_at(struct dm_buf *b, char *o, const char *s, size_t n, unsigned fmt)
{
	if (fmt != F_STR && (fmt == F_NUM ? is_json_number(s, n) : is_json_bool(s, n))) {
		memcpy(o, s, n);
		return o + n;
	}
	*o++ = '"';
	size_t k = dm_json_copy_plain(o, s, n);
	o = k == n ? o + n : dm_buf_json_rest(b, o + k, s + k, s + n);
	if (o)
		*o++ = '"';
	return o;
}

HOT void done_at(struct dm_buf *b, char *o)
{
	if (o)
		b->len = (size_t)(o - b->data);
}

/* "key":value */
HOT void put_member(struct dm_buf *b, const struct member_key *k, const char *s, size_t n,
                       unsigned fmt, int *first)
{
	if (room(b, n) == 0)
		done_at(b, text_at(b, key_at(b->data + b->len, k, first), s, n, fmt));
}

/* The next value of an array: "key":[value, or ,value */
static void put_element(struct dm_buf *b, const struct member_key *k, const char *s, size_t n,
                        unsigned fmt, int *first, int any)
{
	if (room(b, n) != 0)
		return;
	char *o = b->data + b->len;
	if (any) {
		*o++ = ',';
	} else {
		o = key_at(o, k, first);
		*o++ = '[';
	}
	done_at(b, text_at(b, o, s, n, fmt));
}

/* Has value v the text of value u? (a repeated reference is left out) */
static int repeat_of(const struct dm_record *r, const struct dm_value *v, const struct dm_value *u)
{
	/* (references mostly differ in their last byte) */
	return u->len == v->len &&
	       (v->len == 0 || (r->arena[u->off + v->len - 1] == r->arena[v->off + v->len - 1] &&
	                        memcmp(r->arena + u->off, r->arena + v->off, v->len) == 0));
}

/* Is v a repeat of an earlier value of the same field in [lo, i)? */
static int seen_before(const struct dm_record *r, size_t lo, size_t i)
{
	const struct dm_value *v = &r->values[i];
	for (size_t j = lo; j < i; j++) {
		const struct dm_value *w = &r->values[j];
		if (w->field == v->field && repeat_of(r, v, w))
			return 1;
	}
	return 0;
}

/* One field, as a scalar (first value) or array (all values), among the
 * values in [lo, hi) that belong to instance `inst` (or any, if < 0). */
static void put_field(struct dm_buf *b, const struct dm_record *r, enum dm_field f,
                      size_t lo, size_t hi, long inst, int *first, int dedupe)
{
	const struct field_meta *m = &fields[f];
	int any = 0;
	for (size_t i = lo; i < hi; i++) {
		const struct dm_value *v = &r->values[i];
		if (v->field != f || (inst >= 0 && v->inst != inst))
			continue;
		if (!m->multi) {
			put_member(b, &m->json, r->arena + v->off, v->len, m->fmt, first);
			return;
		}
		if (dedupe && seen_before(r, lo, i))
			continue;
		put_element(b, &m->json, r->arena + v->off, v->len, m->fmt, first, any);
		any = 1;
	}
	if (any)
		dm_buf_putc(b, ']');
}

/* The instance of group g that v belongs to, or -1: a price belongs to
 * its deal as well as being an instance of its own. */
static inline long inst_of(const struct dm_value *v, unsigned g)
{
	unsigned vg = fields[v->field].group;
	if (vg == g)
		return v->inst;
	if (g == DM_G_DEAL && vg == DM_G_PRICE)
		return v->inst2;
	return -1;
}

/* A sub-object's field holds every value its elements gave, and the JSON
 * shows the first; when there are several (3.x repeats PartyName, one per
 * script, and ArtistRole), all of them also go under a plural key. */
static const struct {
	uint16_t field;
	struct member_key key;
} plurals[] = {
	{DM_F_ARTIST_NAME, MKEY("names")}, {DM_F_ARTIST_ROLE, MKEY("roles")},
	{DM_F_CONTRIB_NAME, MKEY("names")},
};

static void put_plurals(struct dm_buf *b, const struct dm_record *r, unsigned g, size_t lo,
                        size_t hi, long inst, const uint64_t *here, int *first)
{
	for (size_t p = 0; p < sizeof plurals / sizeof *plurals; p++) {
		unsigned f = plurals[p].field;
		if (fields[f].group != g || !(here[f / 64] & (1ull << (f % 64))))
			continue;
		size_t n = 0;
		for (size_t i = lo; i < hi; i++)
			n += r->values[i].field == f && r->values[i].inst == inst;
		if (n < 2)
			continue;
		int any = 0;
		for (size_t i = lo; i < hi; i++)
			if (r->values[i].field == f && r->values[i].inst == inst) {
				const struct dm_value *v = &r->values[i];
				put_element(b, &plurals[p].key, r->arena + v->off, v->len, fields[f].fmt,
				            first, any);
				any = 1;
			}
		dm_buf_putc(b, ']');
	}
}

/* A deal's "start" and "end" are its first ValidityPeriod's; when it has
 * several, each is also an object of "validity_periods", in order. */
static void put_periods(struct dm_buf *b, const struct dm_record *r, size_t lo, size_t hi,
                        long inst, int *first)
{
	uint32_t p0 = 0, many = 0;
	for (size_t i = lo; i < hi && !many; i++) {
		const struct dm_value *v = &r->values[i];
		if ((v->field == DM_F_START || v->field == DM_F_END) && v->inst == inst) {
			if (!p0)
				p0 = v->inst2;
			many = v->inst2 != p0;
		}
	}
	if (!many)
		return;
	dm_buf_json_key(b, "validity_periods", first);
	dm_buf_putc(b, '[');
	uint32_t done = 0; /* periods are numbered in document order */
	for (size_t i = lo; i < hi; i++) {
		const struct dm_value *v = &r->values[i];
		if ((v->field != DM_F_START && v->field != DM_F_END) || v->inst != inst ||
		    v->inst2 <= done)
			continue;
		uint32_t p = v->inst2;
		if (done)
			dm_buf_putc(b, ',');
		dm_buf_putc(b, '{');
		int pfirst = 1;
		static const uint16_t ends[] = {DM_F_START, DM_F_END};
		for (int k = 0; k < 2; k++)
			for (size_t j = i; j < hi; j++) {
				const struct dm_value *w = &r->values[j];
				if (w->field == ends[k] && w->inst == inst && w->inst2 == p) {
					put_member(b, &fields[w->field].json, r->arena + w->off, w->len, F_STR,
					           &pfirst);
					break;
				}
			}
		dm_buf_putc(b, '}');
		done = p;
	}
	dm_buf_putc(b, ']');
}

/* Values of one instance of a group, as indexes, in field order (as
 * found when they came so, else sorted stably): what put_field makes of
 * each field present, in one pass (a scalar's first value, an array of
 * all of a multiple field's). */
static void put_in_order(struct dm_buf *b, const struct dm_record *r, const uint32_t *idx,
                         size_t n, int *first)
{
	unsigned prev = DM_F_NONE;
	int open = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dm_value *v = &r->values[idx[i]];
		unsigned f = v->field;
		const struct field_meta *m = &fields[f];
		if (f == prev && !m->multi)
			continue;
		if (f != prev && open) {
			dm_buf_putc(b, ']');
			open = 0;
		}
		if (m->multi) {
			put_element(b, &m->json, r->arena + v->off, v->len, m->fmt, first, f == prev);
			open = 1;
		} else {
			put_member(b, &m->json, r->arena + v->off, v->len, m->fmt, first);
		}
		prev = f;
	}
	if (open)
		dm_buf_putc(b, ']');
}

#define INST_MAX 32    /* values of an instance sorted in place; more are scanned */

/* Emit group g's instances in [lo, hi) as an array of objects. Instances
 * are numbered in document order, so an instance's values lie between its
 * first value and the first value of a later instance. */
static void put_group(struct dm_buf *b, const struct dm_record *r, unsigned g,
                      size_t lo, size_t hi, int *first)
{
	const struct dm_value *vals = r->values;
	size_t cur = lo;
	while (cur < hi && inst_of(&vals[cur], g) < 0)
		cur++;
	if (cur == hi || room(b, 0) != 0)
		return;
	char *o = key_at(b->data + b->len, &group_json[g], first);
	*o++ = '[';
	b->len = (size_t)(o - b->data);
	for (int n = 0; cur < hi; n++) {
		long k = inst_of(&vals[cur], g);
		/* the instance's extent, the fields it holds, and its own values
		 * (up to INST_MAX), in field order */
		uint64_t here[(DM_F_COUNT + 63) / 64] = {0};
		uint32_t idx[INST_MAX];
		size_t end = cur, nidx = 0;
		do {
			unsigned f = vals[end].field;
			here[f / 64] |= 1ull << (f % 64);
			if (fields[f].group == g && vals[end].inst == k) {
				size_t j = nidx++;
				if (j < INST_MAX) {
					/* insertion, stable: after every value of a field <= f */
					for (; j > 0 && vals[idx[j - 1]].field > f; j--)
						idx[j] = idx[j - 1];
					idx[j] = (uint32_t)end;
				}
			}
			end++;
		} while (end < hi && inst_of(&vals[end], g) <= k);
		if (n)
			dm_buf_putc(b, ',');
		dm_buf_putc(b, '{');
		int ofirst = 1;
		if (nidx <= INST_MAX) {
			put_in_order(b, r, idx, nidx, &ofirst);
		} else {
			/* only the fields present, in field order */
			for (unsigned w = 0; w < sizeof here / sizeof *here; w++)
				for (uint64_t bits = here[w]; bits; bits &= bits - 1) {
					unsigned f = w * 64 + (unsigned)__builtin_ctzll(bits);
					if (fields[f].group == g)
						put_field(b, r, (enum dm_field)f, cur, end, k, &ofirst, 0);
				}
		}
		if (g == DM_G_ARTIST || g == DM_G_CONTRIB)
			put_plurals(b, r, g, cur, end, k, here, &ofirst);
		if (g == DM_G_DEAL) {
			put_periods(b, r, cur, end, k, &ofirst);
			put_group(b, r, DM_G_PRICE, cur, end, &ofirst);
		}
		dm_buf_putc(b, '}');
		cur = end;
		while (cur < hi && inst_of(&vals[cur], g) < 0)
			cur++;
	}
	dm_buf_putc(b, ']');
}

/* Seconds to the millisecond the parser keeps, all digits: a general
 * short format would round 12345.678 to 12345.7. */
static void put_seconds(struct dm_buf *b, double v)
{
	char tmp[400];
	if (v >= 0 && v < 1e9 && (double)(uint32_t)v == v) {
		/* whole seconds, as most durations are */
		dm_buf_u64(b, (uint64_t)v);
		return;
	}
	double ms = v * 1000;
	if (v < 1e9 && fabs(ms - nearbyint(ms)) < 0.01) {
		/* what %.3f makes of a whole number of milliseconds, without
		 * the cost of printf (every record with a duration has one) */
		uint64_t m = (uint64_t)nearbyint(ms);
		dm_buf_u64(b, m / 1000);
		unsigned frac = (unsigned)(m % 1000);
		if (frac) {
			char f[4] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
			             (char)('0' + frac % 10)};
			size_t n = 4;
			while (f[n - 1] == '0')
				n--;
			for (size_t i = 0; i < n; i++)
				dm_buf_putc(b, f[i]);
		}
	} else if (v < 1e15) {
		int n = snprintf(tmp, sizeof tmp, "%.3f", v);
		while (n > 0 && tmp[n - 1] == '0')
			n--;
		if (n > 0 && tmp[n - 1] == '.')
			n--;
		dm_buf_put(b, tmp, (size_t)n);
	} else {
		/* the shortest of %.15g and %.17g that reads back as v: no
		 * precision lost, and 1e306 stays 1e+306 */
		snprintf(tmp, sizeof tmp, "%.15g", v);
		if (strtod(tmp, NULL) != v)
			snprintf(tmp, sizeof tmp, "%.17g", v);
		dm_buf_puts(b, tmp);
	}
}

/* Each record type's layout, as slots: the slot of every field (its
 * group's for a field of a sub-object, its deal's for a price's), NO_SLOT
 * when the layout has none, and of the computed members. Built once. */
#define SLOTS_MAX 32
#define NO_SLOT 0xFF
static uint8_t slot_of[DM_REC_TYPES][DM_F_COUNT];
static uint8_t kind_slot[DM_REC_TYPES], seconds_slot[DM_REC_TYPES];
/* For the fast writer: a field's group, and (above) which of the
 * plurals' fields it is, 1-based. */
static uint8_t field_cls[DM_F_COUNT];
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void build_slots(void)
{
	memset(slot_of, NO_SLOT, sizeof slot_of);
	memset(kind_slot, NO_SLOT, sizeof kind_slot);
	memset(seconds_slot, NO_SLOT, sizeof seconds_slot);
	for (unsigned f = 0; f < DM_F_COUNT; f++)
		field_cls[f] = fields[f].group;
	for (unsigned p = 0; p < sizeof plurals / sizeof *plurals; p++)
		field_cls[plurals[p].field] |= (uint8_t)((p + 1) << 4);
	for (unsigned t = 0; t < DM_REC_TYPES; t++)
		for (unsigned s = 0; layouts[t][s] != X_END && s < SLOTS_MAX; s++) {
			unsigned item = layouts[t][s];
			if (item == X_KIND) {
				kind_slot[t] = (uint8_t)s;
			} else if (item == X_SECONDS) {
				seconds_slot[t] = (uint8_t)s;
			} else if (item & 0x100) {
				for (unsigned f = 1; f < DM_F_COUNT; f++)
					if (fields[f].group == (item & 0xFF) ||
					    ((item & 0xFF) == DM_G_DEAL && fields[f].group == DM_G_PRICE))
						slot_of[t][f] = (uint8_t)s;
			} else {
				slot_of[t][item] = (uint8_t)s;
			}
		}
}

/* Which slots a record fills, and where each one's values lie: every
 * slot looks only between its first and last value. */
struct spans {
	uint32_t present;
	size_t first[SLOTS_MAX], last[SLOTS_MAX];
};

static void find_spans(const struct dm_record *r, struct spans *sp)
{
	const uint8_t *slot = slot_of[r->type];
	uint32_t present = 0;
	for (size_t i = 0; i < r->nvalues; i++) {
		unsigned s = slot[r->values[i].field];
		if (s == NO_SLOT)
			continue;
		if (!(present & (1u << s))) {
			present |= 1u << s;
			sp->first[s] = i;
		}
		sp->last[s] = i;
	}
	if (kind_slot[r->type] != NO_SLOT)
		present |= 1u << kind_slot[r->type];
	if (seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0)
		present |= 1u << seconds_slot[r->type];
	sp->present = present;
}

/* ---- the common case, written in one go ------------------------------
 *
 * Most records hold a few dozen values, each sub-object's values in one
 * run with nothing repeated that the JSON would show twice. For those, one
 * pass over the values files each under its slot, one check makes room for
 * the longest JSON the record could make (every byte escaped), and the
 * writers below fill the buffer without looking at its size again. Any
 * record that does not fit that shape is written by the general writer
 * above; the two must give the same bytes (test_record checks both). */
#define FAST_VALUES 512            /* more values: the general writer */
#define FAST_NONE 0xFFFF
#define FAST_VALUE_ROOM (2 * KEY_ROOM + 32)   /* a value's keys and punctuation */

struct fast {
	uint16_t head[SLOTS_MAX], next[FAST_VALUES];
	uint32_t present;
	const char *aend;              /* end of the last value's text */
};

/* The first plain bytes of s (n of them) copied to o, as
 * dm_json_copy_plain, but a value of up to 16 or 32 bytes with as many
 * of the arena from its start is read as whole 16-byte loads (o has room
 * for them). */
HOT size_t fast_copy(char *o, const char *s, size_t n, const char *aend)
{
#if defined(__SSE2__)
	if (n <= 16 && aend - s >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		_mm_storeu_si128((__m128i *)(void *)o, v);
		unsigned m = dm_json_not_plain16(v) & ((1u << n) - 1);
		return m ? (size_t)__builtin_ctz(m) : n;
	}
	if (n <= 32 && aend - s >= 32) {
		__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
		_mm_storeu_si128((__m128i *)(void *)o, lo);
		_mm_storeu_si128((__m128i *)(void *)(o + 16), hi);
		uint64_t m = dm_json_not_plain16(lo) | (uint64_t)dm_json_not_plain16(hi) << 16;
		m &= (1ull << n) - 1;
		return m ? (size_t)__builtin_ctzll(m) : n;
	}
#endif
	(void)aend;
	return dm_json_copy_plain(o, s, n);
}

/* A value's text at o, as text_at. */
HOT char *fast_text(struct dm_buf *b, char *o, const char *s, size_t n, unsigned fmt,
                    const char *aend)
{
	if (fmt != F_STR && (fmt == F_NUM ? is_json_number(s, n) : is_json_bool(s, n))) {
		memcpy(o, s, n);
		return o + n;
	}
	*o++ = '"';
	size_t k = fast_copy(o, s, n, aend);
	/* (there is room for the rest escaped: dm_buf_json_rest does not grow b) */
	o = k == n ? o + n : dm_buf_json_rest(b, o + k, s + k, s + n);
	*o++ = '"';
	return o;
}

HOT char *fast_key(char *o, const struct member_key *k, int first)
{
	memcpy(o, k->s + first, KEY_ROOM);
	return o + k->n - first;
}

/* One pass: each value under its slot, in document order; the room the
 * record may need. 0 when the record is not one for the fast writer. */
static int fast_slots(const struct dm_record *r, struct fast *f, size_t *need)
{
	if (r->type == DM_REC_HEADER || r->nvalues > FAST_VALUES)
		return 0;
	const uint8_t *slot = slot_of[r->type];
	/* deals one after another (+1), and the ValidityPeriod of the current
	 * one's start and end: a second one is for the general writer */
	uint32_t deal = 0, period = 0;
	uint16_t tail[SLOTS_MAX];
	/* per group: the instance being read (+1, 0 for none) and its values */
	uint32_t ginst[DM_G_COUNT] = {0}, gcount[DM_G_COUNT] = {0};
	/* the last instance (+1) with a name or role that a second one of
	 * would make plural */
	uint32_t plural[3] = {0};
	uint32_t present = 0;
	size_t text = 0, end = 0;
	for (size_t i = 0; i < r->nvalues; i++) {
		const struct dm_value *v = &r->values[i];
		unsigned s = slot[v->field];
		if (s == NO_SLOT)
			continue;
		unsigned c = field_cls[v->field];
		if (c) {
			/* instances one after another, none too big to sort, and
			 * no sub-object field that would need a plural */
			unsigned g = c & 15;
			if (v->inst + 1 != ginst[g]) {
				if (v->inst + 1 < ginst[g])
					return 0;
				ginst[g] = v->inst + 1;
				gcount[g] = 0;
			}
			if (++gcount[g] > INST_MAX)
				return 0;
			if (c >> 4) {
				if (plural[(c >> 4) - 1] == v->inst + 1)
					return 0;
				plural[(c >> 4) - 1] = v->inst + 1;
			}
			if (g == DM_G_DEAL || g == DM_G_PRICE) {
				uint32_t d = (g == DM_G_PRICE ? v->inst2 : v->inst) + 1;
				if (d < deal)
					return 0;
				if (d != deal) {
					deal = d;
					period = 0;
				}
				if (v->field == DM_F_START || v->field == DM_F_END) {
					if (!period)
						period = v->inst2;
					else if (v->inst2 != period)
						return 0;
				}
			}
		}
		if (!(present & (1u << s))) {
			present |= 1u << s;
			f->head[s] = (uint16_t)i;
		} else {
			f->next[tail[s]] = (uint16_t)i;
		}
		tail[s] = (uint16_t)i;
		f->next[i] = FAST_NONE;
		text += v->len;
		if (v->off + v->len > end)
			end = v->off + v->len;
	}
	if (kind_slot[r->type] != NO_SLOT)
		present |= 1u << kind_slot[r->type];
	if (seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0)
		present |= 1u << seconds_slot[r->type];
	f->present = present;
	f->aend = r->arena + end;
	/* every byte escaped (\u00XX) at worst; put_seconds' longest form */
	*need = 1024 + 6 * r->kind_len + r->nvalues * FAST_VALUE_ROOM + 6 * text;
	return 1;
}


/* ---- plans: what the fast writer did for a record of one shape --------
 *
 * Records of one file mostly come in a few shapes (the same fields in the
 * same instances). Whatever the fast writer writes for a shape, between
 * the texts of the values, is the same bytes in the same order: a plan
 * keeps them, with which text goes after each, and the next record of
 * that shape is written from it. A plan depends on nothing but the shape
 * (type, the field and instance of every value, whether it has seconds);
 * what depends on the texts (numbers, repeated references, escapes) is
 * decided for each record again. Plans live in the buffer's memo. */
#define PLANS 8
#define PLAN_VALUES 64
#define PLAN_STEPS (PLAN_VALUES + 2)  /* the values, kind and seconds */
#define PLAN_BYTES 1024

enum { S_VALUE, S_KIND, S_SECONDS, S_DEDUPE /* a value left out if a repeat */ };

struct step {
	uint16_t val;                /* the value (S_VALUE, S_DEDUPE) */
	uint16_t pre_off;            /* what goes before it, in bytes[] */
	uint8_t pre_len, what, fmt;
	uint8_t from;                /* S_DEDUPE: the step of its array's first */
};

struct plan {
	uint32_t age;                /* 0: empty */
	uint8_t type, seconds;
	uint16_t nvalues, nsteps, nbytes, end_off, end_len;
	uint64_t shape[PLAN_VALUES];
	struct step steps[PLAN_STEPS];
	char bytes[PLAN_BYTES + 32]; /* (a prefix is read 32 bytes at a time) */
};

struct memo {
	uint32_t clock;
	uint8_t last[DM_REC_TYPES];  /* the plan each type used last */
	struct plan plans[PLANS];
};

/* A value's field and instance as one word, with the pad between them
 * (the parser keeps it 0; were it not, a plan would only be found less
 * often, never wrongly). */
static inline uint64_t shape_of(const struct dm_value *v)
{
	uint64_t w;
	memcpy(&w, v, sizeof w);
	return w;
}

/* The plan being taken while the fast writer runs (b->data does not move
 * then: there is room for everything). */
struct taking {
	struct plan *p;
	const char *base;
	size_t last;                 /* offset after the last text written */
	int ok;
};

/* Note a step: what was written since the last text, or lit. */
static void take_step(struct taking *t, const char *o, unsigned what, unsigned val,
                      unsigned fmt, unsigned from, const char *lit)
{
	struct plan *p = t->p;
	const char *pre = lit ? lit : t->base + t->last;
	size_t n = lit ? strlen(lit) : (size_t)(o - pre);
	if (!t->ok || p->nsteps >= PLAN_STEPS || n > 255 || p->nbytes + n > PLAN_BYTES) {
		t->ok = 0;
		return;
	}
	struct step *s = &p->steps[p->nsteps++];
	*s = (struct step){(uint16_t)val, p->nbytes, (uint8_t)n, (uint8_t)what, (uint8_t)fmt,
	                   (uint8_t)from};
	memcpy(p->bytes + p->nbytes, pre, n);
	p->nbytes = (uint16_t)(p->nbytes + n);
}

/* A step's text at o. */
HOT char *step_text(struct dm_buf *b, const struct dm_record *r, char *o, unsigned what,
                    unsigned val, unsigned fmt, const char *aend)
{
	if (what == S_KIND)
		return fast_text(b, o, r->kind, r->kind_len, F_STR, r->kind);
	if (what == S_SECONDS) {
		b->len = (size_t)(o - b->data);
		put_seconds(b, r->duration_seconds);
		return b->data + b->len;
	}
	const struct dm_value *v = &r->values[val];
	return fast_text(b, o, r->arena + v->off, v->len, fmt, aend);
}

struct fast_writer {
	struct dm_buf *b;
	const struct dm_record *r;
	const struct fast *f;
	struct taking *take;         /* NULL: no plan taken */
};

HOT char *fast_step(const struct fast_writer *w, char *o, unsigned what, unsigned val,
                    unsigned fmt, unsigned from)
{
	if (w->take)
		take_step(w->take, o, what, val, fmt, from, NULL);
	o = step_text(w->b, w->r, o, what, val, fmt, w->f->aend);
	if (w->take)
		w->take->last = (size_t)(o - w->take->base);
	return o;
}

/* The deal a value of a deal's slot belongs to: a price's deal is its
 * inst2. */
static inline uint32_t deal_of(const struct dm_value *v)
{
	return fields[v->field].group == DM_G_PRICE ? v->inst2 : v->inst;
}

/* One instance's values (idx, in field order) as members of its object,
 * as put_in_order writes them. */
static char *fast_members(const struct fast_writer *w, char *o, const uint32_t *idx,
                          size_t nidx, int *first)
{
	const struct dm_value *vals = w->r->values;
	unsigned prev = DM_F_NONE;
	int open = 0;
	for (size_t i = 0; i < nidx; i++) {
		unsigned fld = vals[idx[i]].field;
		const struct field_meta *m = &fields[fld];
		if (fld == prev) {
			if (!m->multi)
				continue;
			*o++ = ',';
		} else {
			if (open)
				*o++ = ']';
			o = fast_key(o, &m->json, *first);
			*first = 0;
			if ((open = m->multi) != 0)
				*o++ = '[';
		}
		o = fast_step(w, o, S_VALUE, idx[i], m->fmt, 0);
		prev = fld;
	}
	if (open)
		*o++ = ']';
	return o;
}

/* A group's instances, from its slot's list, as put_group writes them:
 * for deals, the values whose deal is the same, and within each its own
 * fields and then its prices. */
static char *fast_group(const struct fast_writer *w, char *o, unsigned g, unsigned t, int *first)
{
	const struct dm_value *vals = w->r->values;
	const struct fast *f = w->f;
	o = fast_key(o, &group_json[g], *first);
	*first = 0;
	*o++ = '[';
	for (int n = 0; t != FAST_NONE; n++) {
		uint32_t k = g == DM_G_DEAL ? deal_of(&vals[t]) : vals[t].inst;
		uint32_t idx[INST_MAX];
		size_t nidx = 0;
		unsigned prices = FAST_NONE;
		for (; t != FAST_NONE && (g == DM_G_DEAL ? deal_of(&vals[t]) : vals[t].inst) == k;
		     t = f->next[t]) {
			unsigned fld = vals[t].field;
			if (g == DM_G_DEAL && fields[fld].group == DM_G_PRICE) {
				if (prices == FAST_NONE)
					prices = t;
				continue;
			}
			size_t j = nidx++;
			for (; j > 0 && vals[idx[j - 1]].field > fld; j--)
				idx[j] = idx[j - 1];
			idx[j] = t;
		}
		if (n)
			*o++ = ',';
		*o++ = '{';
		int ofirst = 1;
		o = fast_members(w, o, idx, nidx, &ofirst);
		if (prices != FAST_NONE) {
			/* the deal's prices: from its first to where the deal ends */
			o = fast_key(o, &group_json[DM_G_PRICE], ofirst);
			*o++ = '[';
			unsigned u = prices;
			for (int pn = 0; u != t; pn++) {
				uint32_t pk = vals[u].inst;
				nidx = 0;
				for (; u != t && (fields[vals[u].field].group != DM_G_PRICE ||
				                  vals[u].inst == pk); u = f->next[u]) {
					unsigned fld = vals[u].field;
					if (fields[fld].group != DM_G_PRICE)
						continue;
					size_t j = nidx++;
					for (; j > 0 && vals[idx[j - 1]].field > fld; j--)
						idx[j] = idx[j - 1];
					idx[j] = u;
				}
				if (pn)
					*o++ = ',';
				*o++ = '{';
				int pfirst = 1;
				o = fast_members(w, o, idx, nidx, &pfirst);
				*o++ = '}';
			}
			*o++ = ']';
		}
		*o++ = '}';
	}
	*o++ = ']';
	return o;
}

/* A top-level field of all values: an array, references without repeats. */
static char *fast_array(const struct fast_writer *w, char *o, unsigned fld, unsigned t)
{
	const struct dm_record *r = w->r;
	const struct field_meta *m = &fields[fld];
	int dedupe = fld == DM_F_RESOURCE_REF || fld == DM_F_RELEASE_REF;
	unsigned t0 = t, from = w->take ? w->take->p->nsteps : 0;
	o = fast_key(o, &m->json, 0);
	*o++ = '[';
	o = fast_step(w, o, S_VALUE, t, m->fmt, 0);
	for (t = w->f->next[t]; t != FAST_NONE; t = w->f->next[t]) {
		if (dedupe) {
			int seen = 0;
			for (unsigned u = t0; u != t && !seen; u = w->f->next[u])
				seen = repeat_of(r, &r->values[t], &r->values[u]);
			if (seen) {
				if (w->take)
					take_step(w->take, o, S_DEDUPE, t, m->fmt, from, ",");
				continue;
			}
		}
		*o++ = ',';
		o = fast_step(w, o, dedupe ? S_DEDUPE : S_VALUE, t, m->fmt, from);
	}
	*o++ = ']';
	return o;
}

static const struct member_key seconds_key = MKEY("duration_seconds");

static void fast_write(const struct fast_writer *w)
{
	const struct dm_record *r = w->r;
	const struct fast *f = w->f;
	struct dm_buf *b = w->b;
	char *o = b->data + b->len;
	memcpy(o, opening[r->type].s, opening[r->type].n);
	o += opening[r->type].n;
	for (uint32_t bits = f->present; bits; bits &= bits - 1) {
		unsigned s = (unsigned)__builtin_ctz(bits);
		unsigned item = layouts[r->type][s];
		if (item == X_KIND) {
			o = fast_key(o, &kind_key, 0);
			o = fast_step(w, o, S_KIND, 0, F_STR, 0);
		} else if (item == X_SECONDS) {
			o = fast_key(o, &seconds_key, 0);
			o = fast_step(w, o, S_SECONDS, 0, F_NUM, 0);
		} else if (item & 0x100) {
			int first = 0;
			o = fast_group(w, o, item & 0xFF, f->head[s], &first);
		} else if (fields[item].multi) {
			o = fast_array(w, o, item, f->head[s]);
		} else {
			const struct member_key *k = &fields[item].json;
			if (item == DM_F_SUBTYPE)
				k = r->type == DM_REC_RELEASE ? &release_type : &resource_type;
			o = fast_key(o, k, 0);
			o = fast_step(w, o, S_VALUE, f->head[s], fields[item].fmt, 0);
		}
	}
	*o++ = '}';
	if (w->take) {
		struct taking *t = w->take;
		struct plan *p = t->p;
		size_t n = (size_t)(o - (t->base + t->last));
		if (p->nbytes + n > PLAN_BYTES) {
			t->ok = 0;
		} else {
			memcpy(p->bytes + p->nbytes, t->base + t->last, n);
			p->end_off = p->nbytes;
			p->end_len = (uint16_t)n;
			p->nbytes = (uint16_t)(p->nbytes + n);
		}
	}
	b->len = (size_t)(o - b->data);
}

/* n bytes of a plan at o: 32 at a time (o has room; the plan's bytes are
 * padded). */
HOT char *put_pre(char *o, const char *p, size_t n)
{
	if (n <= 32)
		memcpy(o, p, 32);
	else
		memcpy(o, p, n);
	return o + n;
}

/* (kept out of line: it has the registers to itself) */
__attribute__((noinline)) static void plan_write(const struct plan *p, const struct dm_record *r,
                                                 struct dm_buf *b, const char *aend)
{
	const struct dm_value *vals = r->values;
	const char *arena = r->arena, *bytes = p->bytes;
	const struct step *s = p->steps, *end = s + p->nsteps;
	char *o = b->data + b->len;
	for (; s < end; s++) {
		if (s->what == S_VALUE && s->fmt == F_STR) {
			/* most steps: a string */
			const struct dm_value *v = &vals[s->val];
			const char *t = arena + v->off;
			size_t n = v->len;
			o = put_pre(o, bytes + s->pre_off, s->pre_len);
			*o++ = '"';
			size_t k = fast_copy(o, t, n, aend);
			o = k == n ? o + n : dm_buf_json_rest(b, o + k, t + k, t + n);
			*o++ = '"';
			continue;
		}
		if (s->what == S_DEDUPE) {
			int seen = 0;
			for (const struct step *u = p->steps + s->from; u < s && !seen; u++)
				seen = repeat_of(r, &vals[s->val], &vals[u->val]);
			if (seen)
				continue;
		}
		o = put_pre(o, bytes + s->pre_off, s->pre_len);
		o = step_text(b, r, o, s->what, s->val, s->fmt, aend);
	}
	o = put_pre(o, bytes + p->end_off, p->end_len);
	b->len = (size_t)(o - b->data);
}

/* Is p the plan of r's shape? Checked value by value, with the length of
 * r's text and where it ends found on the way. */
static inline int plan_fits(const struct plan *p, const struct dm_record *r, int seconds,
                            size_t *text, size_t *end)
{
	if (!p->age || p->type != r->type || p->nvalues != r->nvalues || p->seconds != seconds)
		return 0;
	size_t t = 0, e = 0;
	for (size_t i = 0; i < r->nvalues; i++) {
		const struct dm_value *v = &r->values[i];
		if (p->shape[i] != shape_of(v))
			return 0;
		t += v->len;
		if (v->off + v->len > e)
			e = v->off + v->len;
	}
	*text = t;
	*end = e;
	return 1;
}

/* The fast writers for r: 1 when they wrote it, 0 when r is for the
 * general one, -1 when the plans could not be had. The plans are made
 * with the first record that can use them; doing without them when acct
 * refuses would let a larger budget fail where a smaller one passed (the
 * plans taking what the parse needed later), so a refusal is a failed
 * append like any other. */
static int fast_to_json(const struct dm_record *r, struct dm_buf *b)
{
	if (r->type == DM_REC_HEADER || b->failed)
		return 0;
	int seconds = seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0;
	struct memo *m = NULL;
	/* (a deal's shape would need the inst2 of its values too) */
	if (r->nvalues <= PLAN_VALUES && r->type != DM_REC_DEAL) {
		if (!b->memo && !(b->memo = dm_acct_calloc(b->acct, b->tag, 1, sizeof(struct memo)))) {
			b->failed = 1;
			return -1;
		}
		m = b->memo;
	}
	struct plan *victim = NULL;
	if (m) {
		/* the plan of r's shape, if there is one: the last one a record
		 * of this type used first */
		size_t text, end;
		struct plan *p = &m->plans[m->last[r->type]];
		if (!plan_fits(p, r, seconds, &text, &end)) {
			p = NULL;
			for (int k = 0; k < PLANS && !p; k++) {
				if (plan_fits(&m->plans[k], r, seconds, &text, &end))
					p = &m->plans[k];
				else if (!victim || m->plans[k].age < victim->age)
					victim = &m->plans[k];
			}
		}
		if (p) {
			if (b->cap - b->len < 1024 + 6 * r->kind_len + r->nvalues * FAST_VALUE_ROOM + 6 * text)
				return 0;
			p->age = ++m->clock;
			m->last[r->type] = (uint8_t)(p - m->plans);
			plan_write(p, r, b, r->arena + end);
			return 1;
		}
	}
	struct fast f;
	size_t need;
	if (!fast_slots(r, &f, &need) || b->cap - b->len < need)
		return 0;
	struct taking t = {victim, b->data, b->len, victim != NULL};
	struct fast_writer w = {b, r, &f, victim ? &t : NULL};
	if (victim) {
		victim->age = 0;
		victim->nsteps = victim->nbytes = 0;
		t.last = b->len;
	}
	fast_write(&w);
	if (victim && t.ok) {
		victim->type = (uint8_t)r->type;
		victim->seconds = (uint8_t)seconds;
		victim->nvalues = (uint16_t)r->nvalues;
		for (size_t i = 0; i < r->nvalues; i++)
			victim->shape[i] = shape_of(&r->values[i]);
		victim->age = ++m->clock;
	}
	return 1;
}

int dm_record_to_json(const struct dm_record *r, struct dm_buf *b)
{
	pthread_once(&slots_once, build_slots);
	int fast = fast_to_json(r, b);
	if (fast)
		return fast > 0 ? 0 : -1;
	int first = 0;
	dm_buf_put(b, opening[r->type].s, opening[r->type].n);
	if (r->type == DM_REC_HEADER) {
		dm_buf_json_key(b, "message_type", &first);
		dm_buf_json_str(b, r->root, strlen(r->root));
		dm_buf_json_key(b, "ern_version", &first);
		dm_buf_json_str(b, r->ern_version, strlen(r->ern_version));
		dm_buf_json_key(b, "namespace", &first);
		dm_buf_json_str(b, r->namespace_uri, strlen(r->namespace_uri));
		if (r->schema_version && *r->schema_version) {
			dm_buf_json_key(b, "schema_version", &first);
			dm_buf_json_str(b, r->schema_version, strlen(r->schema_version));
		}
	}
	pthread_once(&slots_once, build_slots);
	struct spans sp;
	find_spans(r, &sp);
	/* only the slots the record fills, in layout order */
	for (uint32_t bits = sp.present; bits; bits &= bits - 1) {
		unsigned s = (unsigned)__builtin_ctz(bits);
		unsigned item = layouts[r->type][s];
		if (item == X_KIND) {
			put_member(b, &kind_key, r->kind, r->kind_len, F_STR, &first);
		} else if (item == X_SECONDS) {
			dm_buf_json_keyn(b, "duration_seconds", 16, &first);
			put_seconds(b, r->duration_seconds);
		} else if (item & 0x100) {
			put_group(b, r, item & 0xFF, sp.first[s], sp.last[s] + 1, &first);
		} else if (item == DM_F_SUBTYPE) {
			const struct dm_value *v = &r->values[sp.first[s]];
			put_member(b, r->type == DM_REC_RELEASE ? &release_type : &resource_type,
			           r->arena + v->off, v->len, F_STR, &first);
		} else if (!fields[item].multi) {
			const struct dm_value *v = &r->values[sp.first[s]];
			put_member(b, &fields[item].json, r->arena + v->off, v->len, fields[item].fmt, &first);
		} else {
			put_field(b, r, (enum dm_field)item, sp.first[s], sp.last[s] + 1, -1, &first,
			          item == DM_F_RESOURCE_REF || item == DM_F_RELEASE_REF);
		}
	}
	dm_buf_putc(b, '}');
	return b->failed ? -1 : 0;
}

/* Digits with an optional fraction; returns chars used or 0. *frac says
 * whether there was a fraction. */
static size_t iso_number(const char *s, size_t n, double *out, int *frac)
{
	size_t i = 0;
	double v = 0;
	*frac = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (s[i++] - '0');
	if (i == 0)
		return 0;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		size_t j = ++i;
		double scale = 0.1;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v += (s[i++] - '0') * scale;
			scale /= 10;
		}
		if (i == j)
			return 0;
		*frac = 1;
	}
	*out = v;
	return i;
}

int dm_parse_iso_duration(const char *s, size_t n, double *seconds)
{
	/* designators in the only order ISO 8601 allows (YMWD, then after T
	 * HMS), and their lengths; calendar units have no fixed length: a
	 * year counts 365 days and a month 30, which is what a duration field
	 * can mean in ERN */
	static const double unit[] = {365.0 * 86400, 30.0 * 86400, 7.0 * 86400, 86400,
	                              3600, 60, 1};
	size_t i = 0;
	if (i >= n || s[i++] != 'P')
		return -1;
	double total = 0;
	int in_time = 0, parts = 0, time_parts = 0, last = -1, after_frac = 0;
	while (i < n) {
		if (s[i] == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			last = 3;   /* time designators come after D */
			i++;
			continue;
		}
		double v;
		int frac;
		size_t used = iso_number(s + i, n - i, &v, &frac);
		if (!used || i + used >= n || after_frac)
			return -1; /* only the last component may have a fraction */
		i += used;
		char u = s[i++];
		int k = in_time ? (u == 'H' ? 4 : u == 'M' ? 5 : u == 'S' ? 6 : -1)
		                : (u == 'Y' ? 0 : u == 'M' ? 1 : u == 'W' ? 2 : u == 'D' ? 3 : -1);
		if (k < 0 || k <= last)
			return -1; /* unknown, repeated, or out of order */
		last = k;
		total += v * unit[k];
		after_frac = frac;
		parts++;
		time_parts += in_time;
	}
	if (!parts || (in_time && !time_parts) || !isfinite(total))
		return -1;
	/* to the millisecond (a whole number of seconds is already); past
	 * 1e15 a double has no milliseconds left and total * 1000 could
	 * overflow */
	if (total < 1e15 && (double)(int64_t)total != total)
		total = round(total * 1000) / 1000;
	*seconds = total;
	return 0;
}
