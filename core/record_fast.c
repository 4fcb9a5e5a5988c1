/* The fast JSON writer: records of the common shape in one go, and the
 * plans that write the next record of a shape again. */
#include "config.h"
#include "record.h"
#include "record_int.h"

#include <string.h>

/* ---- the common case, written in one go ------------------------------
 *
 * Most records hold a few dozen values, each sub-object's values in one
 * run with nothing repeated that the JSON would show twice. For those, one
 * pass over the values files each under its slot, one check makes room for
 * the longest JSON the record could make (every byte escaped), and the
 * writers below fill the buffer without looking at its size again. Any
 * record that does not fit that shape is written by the general writer
 * (record_json.c); the two must give the same bytes (test_record checks both). */
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
	const uint8_t *slot = dm_rec_slot_of[r->type];
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
		unsigned c = dm_rec_field_cls[v->field];
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
	if (dm_rec_kind_slot[r->type] != NO_SLOT)
		present |= 1u << dm_rec_kind_slot[r->type];
	if (dm_rec_seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0)
		present |= 1u << dm_rec_seconds_slot[r->type];
	f->present = present;
	f->aend = r->arena + end;
	/* every byte escaped (\u00XX) at worst; dm_rec_put_seconds' longest form */
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
		dm_rec_put_seconds(b, r->duration_seconds);
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
	return dm_rec_fields[v->field].group == DM_G_PRICE ? v->inst2 : v->inst;
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
		const struct field_meta *m = &dm_rec_fields[fld];
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
	o = fast_key(o, &dm_rec_group_json[g], *first);
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
			if (g == DM_G_DEAL && dm_rec_fields[fld].group == DM_G_PRICE) {
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
			o = fast_key(o, &dm_rec_group_json[DM_G_PRICE], ofirst);
			*o++ = '[';
			unsigned u = prices;
			for (int pn = 0; u != t; pn++) {
				uint32_t pk = vals[u].inst;
				nidx = 0;
				for (; u != t && (dm_rec_fields[vals[u].field].group != DM_G_PRICE ||
				                  vals[u].inst == pk);
				     u = f->next[u]) {
					unsigned fld = vals[u].field;
					if (dm_rec_fields[fld].group != DM_G_PRICE)
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
	const struct field_meta *m = &dm_rec_fields[fld];
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
	memcpy(o, dm_rec_opening[r->type].s, dm_rec_opening[r->type].n);
	o += dm_rec_opening[r->type].n;
	for (uint32_t bits = f->present; bits; bits &= bits - 1) {
		unsigned s = (unsigned)__builtin_ctz(bits);
		unsigned item = dm_rec_layouts[r->type][s];
		if (item == X_KIND) {
			o = fast_key(o, &dm_rec_kind_key, 0);
			o = fast_step(w, o, S_KIND, 0, F_STR, 0);
		} else if (item == X_SECONDS) {
			o = fast_key(o, &seconds_key, 0);
			o = fast_step(w, o, S_SECONDS, 0, F_NUM, 0);
		} else if (item & 0x100) {
			int first = 0;
			o = fast_group(w, o, item & 0xFF, f->head[s], &first);
		} else if (dm_rec_fields[item].multi) {
			o = fast_array(w, o, item, f->head[s]);
		} else {
			const struct member_key *k = &dm_rec_fields[item].json;
			if (item == DM_F_SUBTYPE)
				k = r->type == DM_REC_RELEASE ? &dm_rec_release_type
				                              : &dm_rec_resource_type;
			o = fast_key(o, k, 0);
			o = fast_step(w, o, S_VALUE, f->head[s], dm_rec_fields[item].fmt, 0);
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
int dm_rec_fast_json(const struct dm_record *r, struct dm_buf *b)
{
	if (r->type == DM_REC_HEADER || b->failed)
		return 0;
	int seconds = dm_rec_seconds_slot[r->type] != NO_SLOT && r->duration_seconds >= 0;
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
