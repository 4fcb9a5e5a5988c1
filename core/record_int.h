/* What record.c (the model), record_json.c (the general JSON writer) and
 * record_fast.c (the fast writer and its plans) share; the core's alone. */
#ifndef DM_RECORD_INT_H
#define DM_RECORD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "record.h"

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

/* The field table: key, group, whether multiple, format. */
extern const struct field_meta dm_rec_fields[DM_F_COUNT];

/* Layout items: a field id, a group array, or a computed member. */
#define GRP(g) (0x100 | (g))
#define X_KIND 0x200
#define X_SECONDS 0x201
#define X_END 0xFFFF

/* Each record type's JSON layout, X_END-terminated. */
extern const uint16_t *const dm_rec_layouts[DM_REC_TYPES];

/* "subtype" reads better under a type-specific key. */
extern const struct member_key dm_rec_release_type, dm_rec_resource_type, dm_rec_kind_key;
extern const struct member_key dm_rec_group_json[DM_G_COUNT];

/* How each record's JSON begins. */
struct json_opening {
	const char *s;
	size_t n;
};
extern const struct json_opening dm_rec_opening[DM_REC_TYPES];

/* A sub-object's field holds every value its elements gave, and the JSON
 * shows the first; when there are several (3.x repeats PartyName, one per
 * script, and ArtistRole), all of them also go under a plural key. */
#define PLURALS 3
struct plural {
	uint16_t field;
	struct member_key key;
};
extern const struct plural dm_rec_plurals[PLURALS];

/* Each record type's layout, as slots: the slot of every field (its
 * group's for a field of a sub-object, its deal's for a price's), NO_SLOT
 * when the layout has none, and of the computed members. Built once. */
#define SLOTS_MAX 32
#define NO_SLOT 0xFF
extern uint8_t dm_rec_slot_of[DM_REC_TYPES][DM_F_COUNT];
extern uint8_t dm_rec_kind_slot[DM_REC_TYPES], dm_rec_seconds_slot[DM_REC_TYPES];
/* For the fast writer: a field's group, and (above) which of the
 * plurals' fields it is, 1-based. */
extern uint8_t dm_rec_field_cls[DM_F_COUNT];

#define INST_MAX 32    /* values of an instance sorted in place; more are scanned */

#define HOT static inline __attribute__((always_inline))

static inline int is_json_number(const char *s, size_t n)
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

static inline int is_json_bool(const char *s, size_t n)
{
	return (n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0);
}

/* Has value v the text of value u? (a repeated reference is left out) */
static inline int repeat_of(const struct dm_record *r, const struct dm_value *v,
                            const struct dm_value *u)
{
	/* (references mostly differ in their last byte) */
	return u->len == v->len &&
	       (v->len == 0 || (r->arena[u->off + v->len - 1] == r->arena[v->off + v->len - 1] &&
	                        memcmp(r->arena + u->off, r->arena + v->off, v->len) == 0));
}

/* Seconds as the JSON of duration_seconds, appended to b. */
void dm_rec_put_seconds(struct dm_buf *b, double v);

/* Both writers append r's JSON object to b and may be called only after
 * the slots are built (dm_record_to_json sees to it). The general one
 * returns 0, or -1 when b failed. The fast one returns 1 when it wrote r,
 * 0 when r is for the general one, -1 when its plans could not be had. */
int dm_rec_general_json(const struct dm_record *r, struct dm_buf *b);
int dm_rec_fast_json(const struct dm_record *r, struct dm_buf *b);

#endif
