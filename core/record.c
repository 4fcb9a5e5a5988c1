/* The record model: field, group and type tables, accessors, the layouts
 * as slots, the JSON dispatch, and ISO 8601 durations. */
#include "config.h"
#include "record.h"
#include "record_int.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define K(s) s, sizeof s - 1, MKEY(s)
const struct field_meta dm_rec_fields[DM_F_COUNT] = {
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

const uint16_t *const dm_rec_layouts[DM_REC_TYPES] = {
	layout_header, layout_party, layout_resource, layout_release, layout_deal,
};

const struct member_key dm_rec_release_type = MKEY("release_type"),
                        dm_rec_resource_type = MKEY("resource_type"),
                        dm_rec_kind_key = MKEY("kind");

static const char *const group_keys[DM_G_COUNT] = {
	"", "ids", "artists", "contributors", "files", "deals", "prices",
	"display_artist_names", "titles", "details_by_territory",
};
const struct member_key dm_rec_group_json[DM_G_COUNT] = {
	{"", 0}, MKEY("ids"), MKEY("artists"), MKEY("contributors"), MKEY("files"),
	MKEY("deals"), MKEY("prices"), MKEY("display_artist_names"), MKEY("titles"),
	MKEY("details_by_territory"),
};

static const char *const type_names[DM_REC_TYPES] = {
	"header", "party", "resource", "release", "deal",
};

const struct json_opening dm_rec_opening[DM_REC_TYPES] = {
#define OPEN(t) {"{\"type\":\"" t "\"", sizeof "{\"type\":\"" t "\"" - 1}
	OPEN("header"), OPEN("party"), OPEN("resource"), OPEN("release"), OPEN("deal"),
#undef OPEN
};

const struct plural dm_rec_plurals[PLURALS] = {
	{DM_F_ARTIST_NAME, MKEY("names")}, {DM_F_ARTIST_ROLE, MKEY("roles")},
	{DM_F_CONTRIB_NAME, MKEY("names")},
};

const char *dm_rec_type_name(enum dm_rec_type t)
{
	return (unsigned)t < DM_REC_TYPES ? type_names[t] : "?";
}

const char *dm_field_name(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT ? dm_rec_fields[f].key : "?";
}

const char *dm_group_name(enum dm_group g)
{
	return (unsigned)g < DM_G_COUNT ? group_keys[g] : "?";
}

enum dm_group dm_field_group(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT ? (enum dm_group)dm_rec_fields[f].group : DM_G_NONE;
}

int dm_field_multi(enum dm_field f)
{
	return (unsigned)f < DM_F_COUNT && dm_rec_fields[f].multi;
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

uint8_t dm_rec_slot_of[DM_REC_TYPES][DM_F_COUNT];
uint8_t dm_rec_kind_slot[DM_REC_TYPES], dm_rec_seconds_slot[DM_REC_TYPES];
uint8_t dm_rec_field_cls[DM_F_COUNT];
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static void build_slots(void)
{
	memset(dm_rec_slot_of, NO_SLOT, sizeof dm_rec_slot_of);
	memset(dm_rec_kind_slot, NO_SLOT, sizeof dm_rec_kind_slot);
	memset(dm_rec_seconds_slot, NO_SLOT, sizeof dm_rec_seconds_slot);
	for (unsigned f = 0; f < DM_F_COUNT; f++)
		dm_rec_field_cls[f] = dm_rec_fields[f].group;
	for (unsigned p = 0; p < PLURALS; p++)
		dm_rec_field_cls[dm_rec_plurals[p].field] |= (uint8_t)((p + 1) << 4);
	for (unsigned t = 0; t < DM_REC_TYPES; t++)
		for (unsigned s = 0; dm_rec_layouts[t][s] != X_END && s < SLOTS_MAX; s++) {
			unsigned item = dm_rec_layouts[t][s];
			if (item == X_KIND) {
				dm_rec_kind_slot[t] = (uint8_t)s;
			} else if (item == X_SECONDS) {
				dm_rec_seconds_slot[t] = (uint8_t)s;
			} else if (item & 0x100) {
				for (unsigned f = 1; f < DM_F_COUNT; f++)
					if (dm_rec_fields[f].group == (item & 0xFF) ||
					    ((item & 0xFF) == DM_G_DEAL &&
					     dm_rec_fields[f].group == DM_G_PRICE))
						dm_rec_slot_of[t][f] = (uint8_t)s;
			} else {
				dm_rec_slot_of[t][item] = (uint8_t)s;
			}
		}
}

int dm_record_to_json(const struct dm_record *r, struct dm_buf *b)
{
	pthread_once(&slots_once, build_slots);
	int fast = dm_rec_fast_json(r, b);
	if (fast)
		return fast > 0 ? 0 : -1;
	return dm_rec_general_json(r, b);
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
