/* The ERN rule tables, shared by the machine (ern.c) and the file that
 * defines and builds them (ern_rules.c); not for other modules.
 *
 * Every element's local name the rules mention is interned to a small id.
 * A rule is a path of ids (ID_RECROOT standing for the record's own
 * element) plus an action. The rules are compiled into an automaton whose
 * states stand for open elements: from an element's state, the id of a
 * child leads to the child's state, which says what the child is (outside
 * any record, the element of a record, inside one) and which rules match it,
 * so an element costs one name lookup and one table index, never a walk
 * over rules. The tables are built once, on first use, and only read
 * afterwards. */
#ifndef DM_ERN_RULES_H
#define DM_ERN_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"

#define MAX_NAMES 512
#define HASH_SLOTS 2048
#define MAX_PATH 5
#define MAX_RULES 1024
#define ID_RECROOT 0xFFFF
#define MAX_REC_RULES 8
#define MAX_STATES 1024
#define MAX_ACTS 4096
/* an action at or past this refers to rec_rules[ref - REC_RULE_REF] */
#define REC_RULE_REF MAX_RULES

/* A_VARIANT opens an instance of a variant group (display artist names,
 * titles, 3.x details by territory) and takes its attributes in one pass;
 * A_PERIOD begins a deal's next validity period. */
enum action { A_CAP, A_OPEN, A_ATTR, A_NAME, A_VARIANT, A_PERIOD };
enum { M_H = 1 << DM_REC_HEADER, M_P = 1 << DM_REC_PARTY, M_S = 1 << DM_REC_RESOURCE,
       M_R = 1 << DM_REC_RELEASE, M_D = 1 << DM_REC_DEAL, M_SR = M_S | M_R };

/* Structural names the machine itself looks at. */
enum {
	N_MessageHeader = 1, N_ResourceList, N_PartyList, N_Party, N_ReleaseList,
	N_Release, N_TrackRelease, N_DealList, N_ReleaseDeal, N_PurgedRelease,
	N_UpdateReleaseList, N_TakedownReleaseList, N_RelatedRelease, N_RelatedResource,
	N_STRUCT_END
};

struct ern_rule {
	uint8_t mask, action, n;
	uint16_t arg;
	uint16_t ids[MAX_PATH];
	const char *attr;
};

/* What an open element is. K_REC: in a record (the record's element or
 * inside it); K_DOC: the root; K_LIST: a child of the root whose children
 * may be records; K_OUT: outside any record for good; K_SKIP: inside a
 * Related* element of a record, which speaks of another release or
 * resource, not of the record itself. From K_CLOSED on, every child is in
 * its parent's state. */
enum ern_kind { K_REC, K_DOC, K_LIST, K_OUT, K_SKIP, K_CLOSED = K_OUT };

struct ern_state {
	uint8_t kind;
	uint8_t rtype;       /* K_REC: the record's type */
	uint8_t begins;      /* this element is a record's own */
	uint8_t nact;        /* rules matching the element: acts[act, +nact) */
	uint16_t act;
};

struct ern_tables {
	const char *names[MAX_NAMES];
	uint8_t lens[MAX_NAMES];
	uint64_t keys[MAX_NAMES][2];  /* ern_name_keys of each name */
	unsigned nnames;
	uint16_t slots[HASH_SLOTS];   /* name id, 0 = empty */
	struct ern_rule rules[MAX_RULES];
	unsigned nrules;
	/* rules whose whole path is "^": the record element itself */
	struct ern_rule rec_rules[MAX_REC_RULES];
	unsigned nrec_rules;
	/* the automaton: a child named id of an element in state s is in
	 * state next[s * nsyms + id] (id 0: a name no rule knows) */
	struct ern_state states[MAX_STATES];
	unsigned nstates, nsyms;
	uint16_t doc_state;
	uint16_t acts[MAX_ACTS];      /* rule indexes, in table order per state */
	unsigned nacts;
	uint16_t next[MAX_STATES * MAX_NAMES];
	/* record.c's field table, copied: looked up per value */
	uint8_t field_group[DM_F_COUNT];
	uint8_t field_multi[DM_F_COUNT];
	unsigned dropped;    /* rules, names or states that did not fit (a test wants 0) */
};

/* The tables, built on the first call (any thread, once). */
const struct ern_tables *dm_ern_rules(void);

/* The rule an action refers to. */
static inline const struct ern_rule *ern_act_rule(const struct ern_tables *t, unsigned ref)
{
	return ref >= REC_RULE_REF ? &t->rec_rules[ref - REC_RULE_REF] : &t->rules[ref];
}

static inline uint64_t ern_load8(const char *s)
{
	uint64_t w;
	memcpy(&w, s, 8);
	return w;
}

static inline uint64_t ern_load4(const char *s)
{
	uint32_t w;
	memcpy(&w, s, 4);
	return w;
}

/* Two words that, with the length, tell names of up to 16 bytes apart
 * exactly (the first and last eight bytes, or smaller overlapping
 * pieces): a lookup compares words, not bytes, and hashes them. */
static inline void ern_name_keys(const char *s, size_t n, uint64_t k[2])
{
	if (n >= 8) {
		k[0] = ern_load8(s);
		k[1] = ern_load8(s + n - 8);
	} else if (n >= 4) {
		k[0] = ern_load4(s) | ern_load4(s + n - 4) << 32;
		k[1] = 0;
	} else {
		k[0] = n ? (unsigned char)s[0] | (uint64_t)(unsigned char)s[n / 2] << 8 |
		           (uint64_t)(unsigned char)s[n - 1] << 16
		         : 0;
		k[1] = 0;
	}
}

static inline uint32_t ern_hash_keys(const uint64_t k[2], size_t n)
{
	uint64_t h = (k[0] ^ (k[1] * 0x9E3779B97F4A7C15ull) ^ n) * 0xC2B2AE3D27D4EB4Full;
	return (uint32_t)(h >> 40);
}

/* Is the name of id the n bytes at s, given their keys? Past 16 bytes the
 * keys cover both ends; the middle is compared a word at a time. */
static inline int ern_name_is(const struct ern_tables *t, unsigned id, const char *s, size_t n,
                              const uint64_t k[2])
{
	if (t->lens[id] != n || t->keys[id][0] != k[0] || t->keys[id][1] != k[1])
		return 0;
	for (size_t i = 8; i + 8 < n; i += 8)
		if (ern_load8(t->names[id] + i) != ern_load8(s + i))
			return 0;
	return 1;
}

/* The id of a local name, 0 if no rule or structure knows it. */
static inline unsigned ern_lookup(const struct ern_tables *t, const char *s, size_t n)
{
	if (n > UINT8_MAX)
		return 0;
	uint64_t k[2];
	ern_name_keys(s, n, k);
	uint32_t h = ern_hash_keys(k, n) & (HASH_SLOTS - 1);
	for (;;) {
		unsigned id = t->slots[h];
		if (!id)
			return 0;
		if (ern_name_is(t, id, s, n, k))
			return id;
		h = (h + 1) & (HASH_SLOTS - 1);
	}
}

#endif
