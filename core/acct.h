/* The accounting allocator.
 *
 * Every byte the core asks for goes through here, tagged by what it is for.
 * Each block carries a 16-byte header naming its accountant and size, so a
 * free needs no context. Accountants form a chain (a worker's accountant has
 * the session's as parent): an allocation is charged at every level and is
 * refused when any level would pass its budget. Counters are atomics, cheap
 * enough to stay on always, and may be read from any thread. expat's
 * memory suite is in acct_int.h, private to core/. */
#ifndef DM_ACCT_H
#define DM_ACCT_H

#include <stddef.h>
#include <stdint.h>

enum dm_tag {
	DM_TAG_PARSER,   /* expat and the parser's own state */
	DM_TAG_RECORDS,  /* records in flight */
	DM_TAG_POOLS,    /* pooled objects and buffers */
	DM_TAG_OUTPUT,   /* output buffers */
	DM_TAG_OTHER,    /* everything else */
	DM_TAG_LEAK,     /* deliberately leaked (--leak-rate, demos) */
	DM_TAG_COUNT
};

struct dm_acct;

struct dm_acct_tag_stats {
	uint64_t allocs, frees;
	uint64_t live, peak;
};

struct dm_acct_stats {
	struct dm_acct_tag_stats tag[DM_TAG_COUNT];
	uint64_t live, peak;     /* all tags */
	uint64_t budget;         /* 0 = unlimited */
	uint64_t refused;        /* allocations refused so far */
};

/* What the last refused allocation was. */
struct dm_acct_refusal {
	uint64_t limit, in_use, request;
	enum dm_tag tag;
};

/* Short lower-case name of a tag ("parser", "records", ...). */
const char *dm_tag_name(enum dm_tag tag);

/* A new accountant with a budget in bytes (0 = unlimited) under parent
 * (may be NULL). The accountant itself is plain malloc'ed: it is the
 * ledger, not a ledger entry. Returns NULL when malloc fails.
 * The parent must outlive the child. */
struct dm_acct *dm_acct_new(struct dm_acct *parent, uint64_t budget);

/* Free the accountant (not the blocks it counted). Accepts NULL. */
void dm_acct_free(struct dm_acct *a);

void dm_acct_set_budget(struct dm_acct *a, uint64_t budget);
uint64_t dm_acct_budget(const struct dm_acct *a);
uint64_t dm_acct_live(const struct dm_acct *a);

/* Allocate n bytes for tag. Returns NULL when the budget (here or in a
 * parent) would be passed, when malloc fails, or when fail injection says
 * so; dm_acct_last_refusal() then tells why. */
void *dm_acct_alloc(struct dm_acct *a, enum dm_tag tag, size_t n);
void *dm_acct_calloc(struct dm_acct *a, enum dm_tag tag, size_t n, size_t size);

/* Resize a block from dm_acct_alloc (p may be NULL: then an alloc with tag).
 * On failure returns NULL and p is untouched and still owned by the caller. */
void *dm_acct_realloc(struct dm_acct *a, enum dm_tag tag, void *p, size_t n);

/* Free a block from any accountant; accepts NULL. */
void dm_acct_dealloc(void *p);

/* Usable size the caller asked for. */
size_t dm_acct_size(const void *p);
/* The accountant and the tag a block is charged to (p not NULL). */
struct dm_acct *dm_acct_owner(const void *p);
enum dm_tag dm_acct_tag(const void *p);

/* Fill a snapshot of the counters (consistent per counter, not across). */
void dm_acct_stats(const struct dm_acct *a, struct dm_acct_stats *out);

/* Copy of the last refusal at this level; returns 0 if there was none. */
int dm_acct_last_refusal(const struct dm_acct *a, struct dm_acct_refusal *out);

/* Test hook: make the n-th allocation from now fail (n >= 1); 0 turns
 * it off. Counts allocations through this accountant only. */
void dm_acct_fail_after(struct dm_acct *a, long n);

#endif
