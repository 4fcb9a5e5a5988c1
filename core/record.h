/* Records: what the parser hands out, one per ERN element of interest, and
 * the consumer table they are handed to.
 *
 * A record is a flat list of values, each naming a field and, for fields
 * that belong to repeated sub-objects (ids, artists, contributors, files,
 * deals, prices), which instance it belongs to. The text lives in the
 * record's arena. A record and everything it points to are valid only
 * during the callback that receives it. */
#ifndef DM_RECORD_H
#define DM_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

enum dm_rec_type {
	DM_REC_HEADER,
	DM_REC_PARTY,
	DM_REC_RESOURCE,
	DM_REC_RELEASE,
	DM_REC_DEAL,
	DM_REC_TYPES
};

/* Repeated sub-objects a field can belong to. */
enum dm_group {
	DM_G_NONE,
	DM_G_ID,       /* {"type","namespace","value"} */
	DM_G_ARTIST,   /* display artists */
	DM_G_CONTRIB,  /* contributors */
	DM_G_FILE,     /* technical details */
	DM_G_DEAL,     /* Deal inside ReleaseDeal */
	DM_G_PRICE,    /* PriceInformation inside a Deal */
	DM_G_ARTIST_NAME, /* every DisplayArtistName, with its language and territory */
	DM_G_TITLE,    /* every title, with its type, language and territory */
	DM_G_DETAILS,  /* a 3.x *DetailsByTerritory: what its variants inherit (not output) */
	DM_G_COUNT
};

enum dm_field {
	DM_F_NONE,
	/* header */
	DM_F_MESSAGE_ID, DM_F_THREAD_ID, DM_F_SENDER_ID, DM_F_SENDER_NAME,
	DM_F_RECIPIENT_ID, DM_F_RECIPIENT_NAME, DM_F_CREATED, DM_F_CONTROL_TYPE,
	/* common */
	DM_F_REFERENCE, DM_F_SUBTYPE, DM_F_ISRC, DM_F_ICPN, DM_F_GRID,
	DM_F_CATALOG_NUMBER, DM_F_TITLE, DM_F_SUBTITLE, DM_F_DISPLAY_ARTIST,
	DM_F_LABEL, DM_F_LABEL_REF, DM_F_GENRE, DM_F_SUBGENRE,
	DM_F_RELEASE_DATE, DM_F_ORIGINAL_RELEASE_DATE, DM_F_CREATION_DATE,
	DM_F_PLINE, DM_F_PLINE_YEAR, DM_F_CLINE, DM_F_CLINE_YEAR,
	DM_F_DURATION, DM_F_PARENTAL_WARNING, DM_F_LANGUAGE, DM_F_IS_MAIN,
	DM_F_RESOURCE_REF, DM_F_RELEASE_REF, DM_F_EFFECTIVE_DATE, DM_F_NAME,
	/* ids */
	DM_F_ID_TYPE, DM_F_ID_NS, DM_F_ID_VALUE,
	/* artists and contributors */
	DM_F_ARTIST_NAME, DM_F_ARTIST_REF, DM_F_ARTIST_ROLE,
	DM_F_CONTRIB_NAME, DM_F_CONTRIB_REF, DM_F_CONTRIB_ROLE,
	/* files */
	DM_F_FILE_NAME, DM_F_FILE_PATH, DM_F_FILE_URI, DM_F_CODEC,
	DM_F_BIT_RATE, DM_F_SAMPLING_RATE, DM_F_HASH, DM_F_HASH_ALGORITHM,
	/* deals */
	DM_F_COMMERCIAL_MODEL, DM_F_USE_TYPE, DM_F_TERRITORY,
	DM_F_EXCLUDED_TERRITORY, DM_F_START, DM_F_END, DM_F_TAKEDOWN,
	DM_F_PRICE_TYPE, DM_F_PRICE_AMOUNT, DM_F_PRICE_CURRENCY,
	/* display artist name variants */
	DM_F_DAN_NAME, DM_F_DAN_LANG, DM_F_DAN_TERRITORY, DM_F_DAN_EXCLUDED, DM_F_DAN_DEFAULT,
	/* title variants */
	DM_F_TV_TEXT, DM_F_TV_SUBTITLE, DM_F_TV_TYPE, DM_F_TV_LANG, DM_F_TV_TERRITORY,
	DM_F_TV_EXCLUDED, DM_F_TV_DEFAULT,
	/* a 3.x DetailsByTerritory's language and territories */
	DM_F_DT_LANG, DM_F_DT_TERRITORY, DM_F_DT_EXCLUDED,
	DM_F_COUNT
};

/* Instances are numbered densely from 0 in document order, counting only
 * those that hold at least one value: an element of a repeated sub-object
 * in which nothing was captured is not an instance. */
struct dm_value {
	uint16_t field;
	uint16_t pad;
	uint32_t inst;      /* instance of the field's group */
	uint32_t inst2;     /* for prices: instance of the enclosing deal; for a
	                     * deal's fields: its ValidityPeriod (1-based, 0: none) */
	uint32_t off, len;  /* text in the arena */
};

struct dm_record {
	enum dm_rec_type type;
	const char *kind;        /* element local name: SoundRecording, Release, ...
	                          * (not NUL-terminated: kind_len bytes) */
	size_t kind_len;
	const char *file;        /* input name as given */
	uint64_t line, column, offset;  /* where the record's element starts */
	uint64_t seq;            /* 0-based record number in the file */
	const char *ern_version; /* "4.3", "3.8.2", ... */
	const char *root;        /* root element local name */
	const char *namespace_uri;
	const char *schema_version; /* MessageSchemaVersionId attribute, "" if none */
	/* values, in document order */
	const struct dm_value *values;
	size_t nvalues;
	const char *arena;
	/* set by the parser: seconds for DM_F_DURATION, or < 0 when absent */
	double duration_seconds;
};

/* Called for each record as soon as its element closes. Return 0 to go on,
 * a negative DM_E* code to stop the parse (it is reported as that error). */
struct dm_consumer {
	int (*record)(void *ctx, const struct dm_record *rec);
	/* A record that failed its field checks under continue_on_error: the
	 * error says where and why; the record is skipped. May be NULL. */
	void (*record_error)(void *ctx, const struct dm_error *err);
	/* After each chunk: bytes consumed so far. Return 0 to go on, a
	 * negative DM_E* code to stop. May block (pause). May be NULL. */
	int (*progress)(void *ctx, uint64_t bytes);
};

const char *dm_rec_type_name(enum dm_rec_type t);
const char *dm_field_name(enum dm_field f);
/* JSON key of a group's array ("artists", "deals", ...). */
const char *dm_group_name(enum dm_group g);
/* The group a field belongs to (DM_G_NONE for plain fields); whether all
 * its values count (an array) rather than the first. */
enum dm_group dm_field_group(enum dm_field f);
int dm_field_multi(enum dm_field f);

/* First value of a field (NULL if absent); *len gets its length. */
const char *dm_record_get(const struct dm_record *r, enum dm_field f, size_t *len);
/* Number of values of a field. */
size_t dm_record_count(const struct dm_record *r, enum dm_field f);

/* Append the record as one JSON object (no newline), "type" first, keys in
 * a fixed order per record type. Returns 0 or -1 when the buffer failed. */
int dm_record_to_json(const struct dm_record *r, struct dm_buf *out);

/* ISO 8601 duration ("PT3M20.5S", "P1DT2H", "PT0H3M8S") to seconds.
 * Returns 0 or -1 if the text is not such a duration. */
int dm_parse_iso_duration(const char *s, size_t n, double *seconds);

#endif
