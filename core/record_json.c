/* The general JSON writer: any record, member by member, each making room
 * for itself. */
#include "config.h"
#include "record.h"
#include "record_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The writers below fill b's data themselves: each member first makes
 * room for everything it may write (its key, n bytes of text, quotes, a
 * separator); only an escape that grows the text asks for more. */

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
	const struct field_meta *m = &dm_rec_fields[f];
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
	unsigned vg = dm_rec_fields[v->field].group;
	if (vg == g)
		return v->inst;
	if (g == DM_G_DEAL && vg == DM_G_PRICE)
		return v->inst2;
	return -1;
}

static void put_plurals(struct dm_buf *b, const struct dm_record *r, unsigned g, size_t lo,
                        size_t hi, long inst, const uint64_t *here, int *first)
{
	for (size_t p = 0; p < PLURALS; p++) {
		unsigned f = dm_rec_plurals[p].field;
		if (dm_rec_fields[f].group != g || !(here[f / 64] & (1ull << (f % 64))))
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
				put_element(b, &dm_rec_plurals[p].key, r->arena + v->off, v->len,
				            dm_rec_fields[f].fmt, first, any);
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
					put_member(b, &dm_rec_fields[w->field].json, r->arena + w->off,
					           w->len, F_STR, &pfirst);
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
		const struct field_meta *m = &dm_rec_fields[f];
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
	char *o = key_at(b->data + b->len, &dm_rec_group_json[g], first);
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
			if (dm_rec_fields[f].group == g && vals[end].inst == k) {
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
					if (dm_rec_fields[f].group == g)
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
void dm_rec_put_seconds(struct dm_buf *b, double v)
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

/* Which slots a record fills, and where each one's values lie: every
 * slot looks only between its first and last value. */
struct spans {
	uint32_t present;
	size_t first[SLOTS_MAX], last[SLOTS_MAX];
};

static void find_spans(const struct dm_record *r, struct spans *sp)
{
	const uint8_t *slot = dm_rec_slot_of[r->type];
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
	if (dm_rec_kind_slot[r->type] != NO_SLOT)
		present |= 1u << dm_rec_kind_slot[r->type];
	if (dm_rec_seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0)
		present |= 1u << dm_rec_seconds_slot[r->type];
	sp->present = present;
}

int dm_rec_general_json(const struct dm_record *r, struct dm_buf *b)
{
	int first = 0;
	dm_buf_put(b, dm_rec_opening[r->type].s, dm_rec_opening[r->type].n);
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
	struct spans sp;
	find_spans(r, &sp);
	/* only the slots the record fills, in layout order */
	for (uint32_t bits = sp.present; bits; bits &= bits - 1) {
		unsigned s = (unsigned)__builtin_ctz(bits);
		unsigned item = dm_rec_layouts[r->type][s];
		if (item == X_KIND) {
			put_member(b, &dm_rec_kind_key, r->kind, r->kind_len, F_STR, &first);
		} else if (item == X_SECONDS) {
			dm_buf_json_keyn(b, "duration_seconds", 16, &first);
			dm_rec_put_seconds(b, r->duration_seconds);
		} else if (item & 0x100) {
			put_group(b, r, item & 0xFF, sp.first[s], sp.last[s] + 1, &first);
		} else if (item == DM_F_SUBTYPE) {
			const struct dm_value *v = &r->values[sp.first[s]];
			put_member(b,
			           r->type == DM_REC_RELEASE ? &dm_rec_release_type
			                                     : &dm_rec_resource_type,
			           r->arena + v->off, v->len, F_STR, &first);
		} else if (!dm_rec_fields[item].multi) {
			const struct dm_value *v = &r->values[sp.first[s]];
			put_member(b, &dm_rec_fields[item].json, r->arena + v->off, v->len,
			           dm_rec_fields[item].fmt, &first);
		} else {
			put_field(b, r, (enum dm_field)item, sp.first[s], sp.last[s] + 1, -1, &first,
			          item == DM_F_RESOURCE_REF || item == DM_F_RELEASE_REF);
		}
	}
	dm_buf_putc(b, '}');
	return b->failed ? -1 : 0;
}
