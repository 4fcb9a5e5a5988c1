/* ERN element state machine: element events -> record values -> records.
 *
 * The automaton states of the open elements (ern_rules.h) form a stack. At
 * each start tag the element's name id and its parent's state give its own
 * state, which says whether it begins a record and which rules it matches;
 * those are applied: capture the element's text into a field, take an
 * attribute, record the element's name, or open an instance of a repeated
 * sub-object. An element costs one hash lookup and one table index. */
#include "config.h"
#include "ern.h"
#include "ern_rules.h"
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_SEP '\x01'
#define MAX_CAPS 8

/* ---- the machine ------------------------------------------------------ */

struct capture {
	uint32_t depth;
	uint32_t start;       /* arena offset of the text */
	uint32_t nidx;
	uint32_t idx[3];      /* values that receive the text */
	int closed;           /* an inner capture began: no more text */
};

struct dm_ern {
	const struct ern_tables *t;
	struct dm_acct *acct;
	const struct dm_config *cfg;
	const struct dm_consumer *cons;
	void *ctx;
	const char *file;

	uint16_t *stack;       /* automaton states by depth; stack[0] unused */
	size_t stack_cap;
	size_t depth;

	int saw_root;
	unsigned list_id;      /* name id of the open child of the root */
	char version[16];
	char ns[160];          /* holds any URI dm_ern_root_namespace accepts */
	/* root element name and MessageSchemaVersionId, each NUL-terminated,
	 * as long as the document makes them (up to buffer_size) */
	struct dm_buf doc;
	size_t schema_off;

	/* the record in flight */
	int in_rec;
	size_t rec_depth;
	enum dm_rec_type rtype;
	size_t kind_len;       /* the record's element name opens its arena */
	uint64_t rline, rcol, roff;
	struct dm_buf arena;
	struct dm_value *vals;
	size_t nvals, vcap;
	uint64_t set_bits[2];
	/* repeated sub-objects: instances so far, and the open one: G_CLOSED,
	 * G_PENDING (its element is open but holds no value yet, so it has no
	 * number), or its number */
	uint32_t gcount[DM_G_COUNT];
	int64_t gcur[DM_G_COUNT];
	size_t gdepth[DM_G_COUNT];
	unsigned gopen;        /* bit g: gcur[g] is not G_CLOSED */
	size_t gtop;           /* the deepest gdepth of an open group, 0 if none */
	uint32_t period;       /* ValidityPeriods begun in the open deal */
	struct capture caps[MAX_CAPS];
	unsigned ncaps;
	/* the values that open the current DetailsByTerritory (its language,
	 * TerritoryCode and ExcludedTerritoryCode come first): [dt_lo, +dt_n) */
	size_t dt_lo, dt_n;

	struct dm_ern_counts counts;
	uint64_t seq;
	/* record text and value arrays come from these when set, and go back
	 * when the record has been handed on */
	struct dm_pool *text_pool, *vals_pool;
};

#define G_CLOSED (-1)
#define G_PENDING (-2)


static void release_buffers(struct dm_ern *e);

struct dm_ern *dm_ern_new(struct dm_acct *a, const struct dm_config *cfg,
                          const struct dm_consumer *cons, void *ctx)
{
	const struct ern_tables *t = dm_ern_rules();
	struct dm_ern *e = dm_acct_calloc(a, DM_TAG_PARSER, 1, sizeof *e);
	if (!e)
		return NULL;
	e->t = t;
	e->acct = a;
	e->cfg = cfg;
	e->cons = cons;
	e->ctx = ctx;
	dm_buf_init(&e->arena, a, DM_TAG_RECORDS);
	dm_buf_init(&e->doc, a, DM_TAG_PARSER);
	dm_ern_reset(e, "");
	return e;
}

void dm_ern_free(struct dm_ern *e)
{
	if (!e)
		return;
	release_buffers(e);
	dm_buf_fini(&e->arena);
	dm_buf_fini(&e->doc);
	dm_acct_dealloc(e->vals);
	dm_acct_dealloc(e->stack);
	dm_acct_dealloc(e);
}

static void release_buffers(struct dm_ern *e)
{
	if (e->text_pool && e->arena.data) {
		dm_pool_put(e->text_pool, e->arena.data);
		e->arena.data = NULL;
		e->arena.cap = 0;
	}
	if (e->vals_pool && e->vals) {
		dm_pool_put(e->vals_pool, e->vals);
		e->vals = NULL;
		e->vcap = 0;
	}
}

/* A record begins: take its buffers from the pools (when there are). */
static int acquire_buffers(struct dm_ern *e, struct dm_error *err)
{
	size_t cap;
	if (e->text_pool && !e->arena.data) {
		e->arena.data = dm_pool_get(e->text_pool, 4096, &cap);
		if (!e->arena.data)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (record text)");
		e->arena.cap = cap;
	}
	if (e->vals_pool && !e->vals) {
		e->vals = dm_pool_get(e->vals_pool, 64 * sizeof *e->vals, &cap);
		if (!e->vals)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (record values)");
		e->vcap = cap / sizeof *e->vals;
	}
	return 0;
}

void dm_ern_set_pools(struct dm_ern *e, struct dm_pool *text, struct dm_pool *vals)
{
	release_buffers(e);
	dm_buf_fini(&e->arena);
	dm_buf_init(&e->arena, e->acct, DM_TAG_RECORDS);
	dm_acct_dealloc(e->vals);
	e->vals = NULL;
	e->vcap = 0;
	e->text_pool = text;
	e->vals_pool = vals;
}

static void clear_record(struct dm_ern *e)
{
	e->in_rec = 0;
	e->nvals = 0;
	dm_buf_reset(&e->arena);
	release_buffers(e);
	e->set_bits[0] = e->set_bits[1] = 0;
	e->ncaps = 0;
	e->dt_lo = e->dt_n = 0;
	for (int g = 0; g < DM_G_COUNT; g++) {
		e->gcount[g] = 0;
		e->gcur[g] = G_CLOSED;
	}
	e->gopen = 0;
	e->gtop = 0;
}

void dm_ern_reset(struct dm_ern *e, const char *file)
{
	e->file = file;
	e->depth = 0;
	e->saw_root = 0;
	e->list_id = 0;
	e->version[0] = e->ns[0] = '\0';
	dm_buf_reset(&e->doc);
	e->schema_off = 0;
	memset(&e->counts, 0, sizeof e->counts);
	e->seq = 0;
	clear_record(e);
}

int dm_ern_root_namespace(const char *uri, size_t len, char *version, size_t vsize)
{
	static const char p1[] = "http://ddex.net/xml/ern/";
	static const char p2[] = "http://ddex.net/xml/20";
	const char *v = NULL;
	size_t vl = 0;
	if (len > sizeof p1 - 1 && memcmp(uri, p1, sizeof p1 - 1) == 0) {
		v = uri + sizeof p1 - 1;
		vl = len - (sizeof p1 - 1);
	} else if (len > sizeof p2 - 1 && memcmp(uri, p2, sizeof p2 - 1) == 0) {
		/* http://ddex.net/xml/20YY/ern-main/NN */
		const char *rest = uri + sizeof p2 - 1;
		size_t rl = len - (sizeof p2 - 1);
		if (rl > 12 && rest[0] >= '0' && rest[0] <= '9' && rest[1] >= '0' &&
		    rest[1] <= '9' && memcmp(rest + 2, "/ern-main/", 10) == 0) {
			v = rest + 12;
			vl = rl - 12;
		}
	}
	if (!v || vl < 2 || vl > 6 || (v[0] != '3' && v[0] != '4'))
		return 0;
	for (size_t i = 0; i < vl; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'A' && v[i] <= 'Z')))
			return 0;
	/* "43" -> 4.3, "411" -> 4.1.1, "37D2" -> 3.7D2 */
	size_t o = 0;
	for (size_t i = 0; i < vl && o + 2 < vsize; i++) {
		if (i > 0 && v[i] >= '0' && v[i] <= '9' && v[i - 1] >= '0' && v[i - 1] <= '9')
			version[o++] = '.';
		version[o++] = v[i];
	}
	version[o] = '\0';
	return 1;
}

static void split_name(const char *name, const char **uri, size_t *ulen,
                       const char **local, size_t *llen)
{
	/* one scan for a name without a namespace (most of ERN 3.x and of
	 * 4.x with a prefixed root) */
#ifdef HAVE_STRCHRNUL
	size_t n = (size_t)(strchrnul(name, NS_SEP) - name);
#else
	static const char seps[] = {NS_SEP, '\0'};
	size_t n = strcspn(name, seps);
#endif
	if (name[n]) {
		*uri = name;
		*ulen = n;
		*local = name + n + 1;
		*llen = strlen(*local);
	} else {
		*uri = "";
		*ulen = 0;
		*local = name;
		*llen = n;
	}
}

/* Input text quoted in an error: at most size - 1 bytes, cut at a
 * character boundary, control characters (C0, DEL, C1: a newline inside an
 * element, a terminal escape) as spaces, so that the message stays one
 * harmless line of valid UTF-8. */
static void quote_text(char *out, size_t size, const char *s, size_t n)
{
	if (n > size - 1) {
		/* cut before a continuation byte (s[n] is inside the text here) */
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F) {
			out[o++] = ' ';
			i++;
		} else {
			out[o++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
		}
	}
	out[o] = '\0';
}

/* A name or attribute the record must carry whole is longer than the
 * text limit: refused, never cut. */
static int limit_error(const struct dm_ern *e, struct dm_error *err, const char *what)
{
	char lim[32];
	dm_format_size(e->cfg->buffer_size, lim, sizeof lim);
	return dm_error_set(err, DM_ELIMIT, "%s longer than buffer_size (%s)", what, lim);
}

static int begin_root(struct dm_ern *e, const char *name, const char **atts,
                      struct dm_error *err)
{
	const char *uri, *local;
	size_t ulen, llen;
	split_name(name, &uri, &ulen, &local, &llen);
	if (!dm_ern_root_namespace(uri, ulen, e->version, sizeof e->version)) {
		char quri[201], qlocal[101];
		quote_text(quri, sizeof quri, uri, ulen);
		quote_text(qlocal, sizeof qlocal, local, llen);
		return dm_error_set(err, DM_ENOTERN, "not a DDEX ERN message: root is {%s}%s", quri,
		                    qlocal);
	}
	e->saw_root = 1;
	snprintf(e->ns, sizeof e->ns, "%.*s", (int)ulen, uri);
	const char *schema = "";
	for (const char **a = atts; a[0]; a += 2)
		if (strcmp(a[0], "MessageSchemaVersionId") == 0)
			schema = a[1];
	size_t slen = strlen(schema);
	if (llen > e->cfg->buffer_size)
		return limit_error(e, err, "root element name");
	if (slen > e->cfg->buffer_size)
		return limit_error(e, err, "MessageSchemaVersionId");
	dm_buf_put(&e->doc, local, llen);
	dm_buf_putc(&e->doc, '\0');
	e->schema_off = e->doc.len;
	dm_buf_put(&e->doc, schema, slen);
	dm_buf_putc(&e->doc, '\0');
	if (e->doc.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (root element)");
	return 0;
}

/* The open instance of g receives its first value: it becomes an instance
 * and gets the next number (a price makes its deal one too). */
static int number_instance(struct dm_ern *e, enum dm_group g, struct dm_error *err)
{
	if (g == DM_G_PRICE && number_instance(e, DM_G_DEAL, err) < 0)
		return -1;
	if (e->gcur[g] != G_PENDING)
		return 0;
	if (e->gcount[g] == UINT32_MAX) {
		dm_error_set(err, DM_ELIMIT, "more than %lu %s in one record",
		             (unsigned long)UINT32_MAX, dm_group_name(g));
		return -1;
	}
	e->gcur[g] = e->gcount[g]++;
	return 0;
}

/* Values address their text with 32-bit offsets, and captures their
 * values with 32-bit indexes: a record beyond either is refused whole. */
static int arena_full(const struct dm_ern *e, size_t more)
{
	return e->arena.len > UINT32_MAX || more > UINT32_MAX - e->arena.len;
}

static int record_too_large(struct dm_error *err)
{
	return dm_error_set(err, DM_ELIMIT, "record larger than 4 GiB of text or values");
}

static int push_value(struct dm_ern *e, unsigned field, struct dm_error *err)
{
	if (e->nvals >= UINT32_MAX)
		return record_too_large(err);
	if (e->nvals == e->vcap) {
		size_t cap = e->vcap ? e->vcap * 2 : 64;
		struct dm_value *v = dm_acct_realloc(e->acct, DM_TAG_RECORDS, e->vals, cap * sizeof *v);
		if (!v)
			return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
		e->vals = v;
		e->vcap = cap;
	}
	struct dm_value *v = &e->vals[e->nvals];
	v->field = (uint16_t)field;
	v->pad = 0;
	v->inst = v->inst2 = 0;
	enum dm_group g = e->t->field_group[field];
	if (g != DM_G_NONE) {
		if (e->gcur[g] == G_CLOSED)
			return 1; /* outside its sub-object: not ours */
		if (number_instance(e, g, err) < 0)
			return DM_ELIMIT;
		v->inst = (uint32_t)e->gcur[g];
		if (g == DM_G_PRICE)
			v->inst2 = (uint32_t)e->gcur[DM_G_DEAL];
		else if (g == DM_G_DEAL)
			v->inst2 = e->period;
	} else if (!e->t->field_multi[field]) {
		uint64_t bit = 1ULL << (field & 63);
		if (e->set_bits[field >> 6] & bit)
			return 1; /* the first value wins */
		e->set_bits[field >> 6] |= bit;
	}
	v->off = (uint32_t)e->arena.len;
	v->len = 0;
	if (g == DM_G_DETAILS && e->nvals == e->dt_lo + e->dt_n)
		e->dt_n++;
	e->nvals++;
	return 0;
}

static int put_text_value(struct dm_ern *e, unsigned field, const char *s, size_t n,
                          struct dm_error *err)
{
	if (n > e->cfg->buffer_size)
		return limit_error(e, err, "attribute value");
	if (arena_full(e, n))
		return record_too_large(err);
	int rc = push_value(e, field, err);
	if (rc)
		return rc < 0 ? rc : 0;
	dm_buf_put(&e->arena, s, n);
	if (e->arena.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
	e->vals[e->nvals - 1].len = (uint32_t)n;
	return 0;
}

static int open_group(struct dm_ern *e, unsigned g)
{
	if (g == DM_G_PRICE && e->gcur[DM_G_DEAL] == G_CLOSED)
		return 0;
	if (g == DM_G_DEAL) {
		e->gcount[DM_G_PRICE] = 0;
		e->period = 0;
	}
	e->gcur[g] = G_PENDING;
	e->gdepth[g] = e->depth;
	e->gopen |= 1u << g;
	e->gtop = e->depth;    /* open groups belong to the open elements */
	return 0;
}

/* The attributes a variant group takes, by field; 0 = not taken. */
struct variant_keys {
	uint16_t lang, territory, excluded, is_default, type;
};
static const struct variant_keys vkeys[DM_G_COUNT] = {
	[DM_G_ARTIST_NAME] = {DM_F_DAN_LANG, DM_F_DAN_TERRITORY, DM_F_DAN_EXCLUDED,
	                      DM_F_DAN_DEFAULT, 0},
	[DM_G_TITLE] = {DM_F_TV_LANG, DM_F_TV_TERRITORY, DM_F_TV_EXCLUDED, DM_F_TV_DEFAULT,
	                DM_F_TV_TYPE},
	[DM_G_DETAILS] = {DM_F_DT_LANG, 0, 0, 0, 0},
};

static unsigned variant_attr(const struct variant_keys *k, const char *name)
{
	switch (name[0]) {
	case 'L': return strcmp(name, "LanguageAndScriptCode") == 0 ? k->lang : 0;
	case 'A': return strcmp(name, "ApplicableTerritoryCode") == 0 ? k->territory : 0;
	case 'I': return strcmp(name, "IsDefault") == 0 ? k->is_default : 0;
	case 'T': return strcmp(name, "TitleType") == 0 ? k->type : 0;
	}
	return 0;
}

/* A variant of a name or title begins: its own attributes, then what it
 * does not say itself taken from the DetailsByTerritory around it (3.x
 * gives the territory there, not on the name). */
static int open_variant(struct dm_ern *e, enum dm_group g, const char **atts,
                        struct dm_error *err)
{
	open_group(e, g);
	if (g == DM_G_DETAILS) {
		e->dt_lo = e->nvals;
		e->dt_n = 0;
	}
	const struct variant_keys *k = &vkeys[g];
	int have_lang = 0, have_territory = 0;
	for (const char **a = atts; a[0]; a += 2) {
		unsigned f = variant_attr(k, a[0]);
		if (!f)
			continue;
		int rc = put_text_value(e, f, a[1], strlen(a[1]), err);
		if (rc < 0)
			return rc;
		have_lang |= f == k->lang;
		have_territory |= f == k->territory;
	}
	if (g == DM_G_DETAILS || e->gcur[DM_G_DETAILS] < 0)
		return 0;
	for (size_t i = e->dt_lo; i < e->dt_lo + e->dt_n; i++) {
		unsigned from = e->vals[i].field, to = 0;
		if (from == DM_F_DT_LANG && !have_lang)
			to = k->lang;
		else if (from == DM_F_DT_TERRITORY && !have_territory)
			to = k->territory;
		else if (from == DM_F_DT_EXCLUDED && !have_territory)
			to = k->excluded;
		if (!to)
			continue;
		int rc = push_value(e, to, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			/* the same text, not a copy of it */
			e->vals[e->nvals - 1].off = e->vals[i].off;
			e->vals[e->nvals - 1].len = e->vals[i].len;
		}
	}
	return 0;
}

/* A value of field whose text the element's capture will fill. */
static int add_capture(struct dm_ern *e, unsigned field, struct capture *cap,
                       struct dm_error *err)
{
	int rc = push_value(e, field, err);
	if (rc < 0)
		return rc;
	if (rc == 0 && cap->nidx < 3)
		cap->idx[cap->nidx++] = (uint32_t)(e->nvals - 1);
	return 0;
}

static int apply(struct dm_ern *e, const struct ern_rule *r, const char *local, size_t llen,
                 const char **atts, struct capture *cap, struct dm_error *err)
{
	switch (r->action) {
	case A_OPEN:
		return open_group(e, r->arg);
	case A_VARIANT:
		return open_variant(e, r->arg, atts, err);
	case A_PERIOD:
		if (e->gcur[DM_G_DEAL] != G_CLOSED && e->period < UINT32_MAX)
			e->period++;
		return 0;
	case A_NAME:
		return put_text_value(e, r->arg, local, llen, err);
	case A_ATTR:
		for (const char **a = atts; a[0]; a += 2)
			if (strcmp(a[0], r->attr) == 0)
				return put_text_value(e, r->arg, a[1], strlen(a[1]), err);
		return 0;
	case A_CAP:
		return add_capture(e, r->arg, cap, err);
	}
	return 0;
}

static int grow_stack(struct dm_ern *e)
{
	size_t cap = e->stack_cap ? e->stack_cap * 2 : 64;
	uint16_t *s = dm_acct_realloc(e->acct, DM_TAG_PARSER, e->stack, cap * sizeof *s);
	if (!s)
		return -1;
	e->stack = s;
	e->stack_cap = cap;
	return 0;
}

/* The element of a record of st's type begins. */
static int begin_record(struct dm_ern *e, const struct ern_state *st, const char *local,
                        size_t llen, const char **atts, struct dm_error *err)
{
	int rc0 = acquire_buffers(e, err);
	if (rc0 < 0)
		return rc0;
	e->in_rec = 1;
	e->rec_depth = e->depth;
	e->rtype = st->rtype;
	if (llen > e->cfg->buffer_size)
		return limit_error(e, err, "record element name");
	dm_buf_put(&e->arena, local, llen);
	if (e->arena.failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
	e->kind_len = llen;
	for (unsigned i = 0; i < st->nact; i++) {
		struct capture dummy = {0};
		int rc = apply(e, ern_act_rule(e->t, e->t->acts[st->act + i]), local, llen, atts,
		               &dummy, err);
		if (rc < 0)
			return rc;
	}
	return DM_ERN_RECORD;
}

/* An element whose state does something: begins a record, or matches
 * rules. Out of line, so that the common element costs no more than the
 * lookup and the table index. */
static inline __attribute__((always_inline)) int enter(struct dm_ern *e, const struct ern_state *st,
                                           const char *local, size_t llen, const char **atts,
                                           struct dm_error *err)
{
	const struct ern_tables *T = e->t;
	if (st->begins)
		return begin_record(e, st, local, llen, atts, err);
	struct capture cap = {0};
	for (unsigned i = 0; i < st->nact; i++) {
		const struct ern_rule *r = &T->rules[T->acts[st->act + i]];
		/* most rules capture text: no detour through apply's switch */
		int rc = r->action == A_CAP ? add_capture(e, r->arg, &cap, err)
		                            : apply(e, r, local, llen, atts, &cap, err);
		if (rc < 0)
			return rc;
	}
	if (cap.nidx && e->ncaps < MAX_CAPS) {
		if (e->ncaps) {
			struct capture *outer = &e->caps[e->ncaps - 1];
			if (!outer->closed) {
				outer->closed = 1;
				for (uint32_t i = 0; i < outer->nidx; i++)
					e->vals[outer->idx[i]].len = (uint32_t)(e->arena.len - outer->start);
			}
		}
		cap.depth = (uint32_t)e->depth;
		cap.start = (uint32_t)e->arena.len;
		for (uint32_t i = 0; i < cap.nidx; i++)
			e->vals[cap.idx[i]].off = cap.start;
		e->caps[e->ncaps++] = cap;
		return DM_ERN_TEXT;
	}
	return 0;
}

int dm_ern_start(struct dm_ern *e, const char *name, const char **atts, struct dm_error *err)
{
	const struct ern_tables *T = e->t;
	size_t d = ++e->depth;
	if (d >= e->stack_cap && grow_stack(e) != 0)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded (element stack at depth %zu)",
		                    d);
	if (d == 1) {
		e->stack[1] = T->doc_state;
		return begin_root(e, name, atts, err);
	}
	unsigned up = e->stack[d - 1];
	if (T->states[up].kind >= K_CLOSED) {
		e->stack[d] = (uint16_t)up;
		return 0;
	}
	const char *uri, *local;
	size_t ulen, llen;
	split_name(name, &uri, &ulen, &local, &llen);
	unsigned id = ern_lookup(T, local, llen);
	if (d == 2)
		e->list_id = id;
	unsigned s = T->next[up * T->nsyms + id];
	e->stack[d] = (uint16_t)s;
	const struct ern_state *st = &T->states[s];
	if (!st->begins && !st->nact)
		return 0;
	return enter(e, st, local, llen, atts, err);
}

int dm_ern_text(struct dm_ern *e, const char *s, size_t len, struct dm_error *err)
{
	if (!e->ncaps)
		return 0;
	struct capture *c = &e->caps[e->ncaps - 1];
	if (c->closed || c->depth != e->depth)
		return 0;
	struct dm_buf *b = &e->arena;
	/* room, and far from the 32-bit offsets' limit: one test and a copy
	 * (dm_buf_put would read the failed flag again after its copy) */
	if (b->cap - b->len >= len && b->len + len <= UINT32_MAX && !b->failed) {
		dm_copy(b->data + b->len, s, len);
		b->len += len;
		return 0;
	}
	if (arena_full(e, len))
		return record_too_large(err);
	dm_buf_put(b, s, len);
	if (b->failed)
		return dm_error_set(err, DM_ENOMEM, "memory limit exceeded while building a record");
	return 0;
}

size_t dm_ern_captured(const struct dm_ern *e)
{
	return e->ncaps ? e->arena.len - e->caps[e->ncaps - 1].start : 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void end_capture(struct dm_ern *e)
{
	struct capture *c = &e->caps[--e->ncaps];
	uint32_t start = c->start;
	uint32_t end = c->closed ? start + (c->nidx ? e->vals[c->idx[0]].len : 0)
	                         : (uint32_t)e->arena.len;
	while (start < end && is_space(e->arena.data[start]))
		start++;
	while (end > start && is_space(e->arena.data[end - 1]))
		end--;
	for (uint32_t i = 0; i < c->nidx; i++) {
		struct dm_value *v = &e->vals[c->idx[i]];
		v->off = start;
		v->len = end - start;
		if (v->len == 0) {
			/* an empty element says nothing; let a later one speak */
			unsigned f = v->field;
			if (e->t->field_group[f] == DM_G_NONE && !e->t->field_multi[f])
				e->set_bits[f >> 6] &= ~(1ULL << (f & 63));
			v->field = DM_F_NONE;
		}
	}
}

static int finish_record(struct dm_ern *e, struct dm_error *err)
{
	struct dm_record r;
	memset(&r, 0, sizeof r);
	r.type = e->rtype;
	r.arena = e->arena.data ? e->arena.data : "";
	r.kind = r.arena;
	r.kind_len = e->kind_len;
	r.file = e->file;
	r.line = e->rline;
	r.column = e->rcol;
	r.offset = e->roff;
	r.seq = e->seq++;
	r.ern_version = e->version;
	r.root = e->doc.data;
	r.namespace_uri = e->ns;
	r.schema_version = e->doc.data + e->schema_off;
	r.values = e->vals;
	r.nvalues = e->nvals;
	r.duration_seconds = -1;

	size_t dlen;
	const char *dur = dm_record_get(&r, DM_F_DURATION, &dlen);
	if (dur && dm_parse_iso_duration(dur, dlen, &r.duration_seconds) != 0) {
		struct dm_error rec_err;
		dm_error_clear(&rec_err);
		dm_error_at(&rec_err, e->file, e->rline, e->rcol, e->roff);
		char quoted[65], kind[65];
		quote_text(quoted, sizeof quoted, dur, dlen);
		quote_text(kind, sizeof kind, r.kind, r.kind_len);
		dm_error_set(&rec_err, DM_ERECORD, "%s: duration '%s' is not ISO 8601 (e.g. PT3M20S)",
		             kind, quoted);
		if (!e->cfg->continue_on_error) {
			if (err)
				*err = rec_err;
			return DM_ERECORD;
		}
		e->counts.skipped++;
		if (e->cons->record_error)
			e->cons->record_error(e->ctx, &rec_err);
		if (e->counts.skipped > e->cfg->max_errors) {
			if (err)
				*err = rec_err;
			return dm_error_set(err, DM_ERECORD, "too many invalid records (%llu, max_errors %llu) "
			                    "(set max_errors=N above %llu to tolerate more)",
			                    (unsigned long long)e->counts.skipped,
			                    (unsigned long long)e->cfg->max_errors,
			                    (unsigned long long)e->cfg->max_errors);
		}
		return 0;
	}
	e->counts.records[e->rtype]++;
	return e->cons->record ? e->cons->record(e->ctx, &r) : 0;
}

/* The element at gtop ends: its groups close; gtop goes to the next. */
static void close_groups(struct dm_ern *e)
{
	size_t top = 0;
	for (unsigned open = e->gopen; open; open &= open - 1) {
		unsigned g = (unsigned)__builtin_ctz(open);
		if (e->gdepth[g] == e->depth) {
			e->gcur[g] = G_CLOSED;
			e->gopen &= ~(1u << g);
		} else if (e->gdepth[g] > top) {
			top = e->gdepth[g];
		}
	}
	e->gtop = top;
}

int dm_ern_end(struct dm_ern *e, struct dm_error *err)
{
	int rc = 0;
	if (e->in_rec) {
		if (e->ncaps && e->caps[e->ncaps - 1].depth == e->depth)
			end_capture(e);
		if (e->depth == e->gtop)
			close_groups(e);
		if (e->depth == e->rec_depth) {
			rc = finish_record(e, err);
			clear_record(e);
		}
	}
	e->depth--;
	if (rc >= 0 && e->ncaps) {
		/* back in a capturing element: its text goes on */
		const struct capture *c = &e->caps[e->ncaps - 1];
		rc = !c->closed && c->depth == e->depth ? DM_ERN_TEXT : 0;
	}
	return rc;
}

void dm_ern_set_pos(struct dm_ern *e, uint64_t line, uint64_t col, uint64_t offset)
{
	e->rline = line;
	e->rcol = col;
	e->roff = offset;
}

int dm_ern_between_records(const struct dm_ern *e, const char *list)
{
	unsigned id = ern_lookup(e->t, list, strlen(list));
	return id && e->depth == 2 && !e->in_rec && e->list_id == id;
}

int dm_ern_saw_root(const struct dm_ern *e) { return e->saw_root; }
const char *dm_ern_version(const struct dm_ern *e) { return e->version; }

void dm_ern_counts(const struct dm_ern *e, struct dm_ern_counts *out)
{
	*out = e->counts;
}

uint64_t dm_ern_shrink(struct dm_ern *e, size_t keep)
{
	uint64_t before = e->arena.cap + e->vcap * sizeof *e->vals;
	dm_buf_shrink(&e->arena, e->arena.len > keep ? e->arena.len : keep);
	size_t vkeep = keep / sizeof *e->vals;
	if (vkeep < e->nvals)
		vkeep = e->nvals;
	if (e->vcap > vkeep && vkeep > 0) {
		struct dm_value *v = dm_acct_realloc(e->acct, DM_TAG_RECORDS, e->vals, vkeep * sizeof *v);
		if (v) {
			e->vals = v;
			e->vcap = vkeep;
		}
	}
	uint64_t after = e->arena.cap + e->vcap * sizeof *e->vals;
	return before > after ? before - after : 0;
}
