/* Helpers shared by the parser suites: where the project's fixtures and the
 * external corpus are, TSV manifests, and "parse this input at this chunk
 * size into JSON lines".
 *
 * Everything here aborts the test (cr_assert) on set-up failures such as an
 * unreadable fixture. A program that needs the corpus links corpus_main.c,
 * which skips the whole program (exit 77) when there is none, so that a
 * missing corpus is reported instead of testing nothing. */
#ifndef DM_TESTUTIL_H
#define DM_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "profile.h"
#include "record.h"

/* The corpus directory: $DM_CORPUS, else the source tree's sibling
 * ../shared/corpus. tu_corpus_find returns NULL when it is not a
 * directory; tu_corpus asserts that it is. */
const char *tu_corpus_find(void);
const char *tu_corpus(void);

/* corpus + "/" + rel, malloc'ed. */
char *tu_corpus_path(const char *rel);

/* The project's own fixtures: $DM_SRCDIR (else the source tree the tests
 * were built from) + "/tests/fixtures/" + rel, malloc'ed. */
char *tu_fixture_path(const char *rel);

/* The whole file, malloc'ed and NUL-terminated; *len gets its size. */
char *tu_read_file(const char *path, size_t *len);

/* A TSV file with a header row (MANIFEST.tsv, bad/BAD_NOTES.tsv). */
struct tu_table {
	char *text;          /* the file, split in place */
	size_t ncols, nrows;
	char **head;         /* ncols names */
	char ***rows;        /* nrows x ncols cells ("" when empty) */
};

void tu_table_load(struct tu_table *t, const char *path);
void tu_table_free(struct tu_table *t);
/* Cell of row r in the column named col (asserts the column exists). */
const char *tu_cell(const struct tu_table *t, size_t r, const char *col);
/* The same, as a count ("" is 0). */
long tu_cell_long(const struct tu_table *t, size_t r, const char *col);

/* What one parse produced. */
#define TU_MAX_KINDS 16
struct tu_result {
	int rc;                          /* dm_parser_* return */
	struct dm_error err;             /* copy of dm_parser_error() */
	char *json;                      /* JSON lines, NUL-terminated (malloc) */
	size_t json_len;
	uint64_t counts[DM_REC_TYPES];   /* records per type */
	/* records per (type, kind), for resources and releases */
	struct { int type; char kind[48]; uint64_t n; } kinds[TU_MAX_KINDS];
	size_t nkinds;
	uint64_t record_errors;          /* record_error callbacks */
	uint64_t live_after;             /* accounted bytes left after free */
	uint64_t peak;                   /* accounted peak */
	char ern_version[16];
};

enum {
	TU_POSITIONS = 1,    /* prefix each line with "@line:col:offset " */
	TU_FROM_FD = 2,      /* read through dm_parser_parse_file, not feed */
};

/* Parse bytes (fed in chunk-sized calls) or a file (TU_FROM_FD; data is then
 * the path). cfg NULL means the defaults; chunk 0 means cfg's chunk_size.
 * fail_after > 0 arms dm_acct_fail_after before the parser is created.
 * budget 0 means cfg->max_memory. Always fills r (free with tu_result_fini). */
void tu_parse(const char *data, size_t len, const struct dm_config *cfg,
              size_t chunk, int flags, long fail_after, uint64_t budget,
              struct tu_result *r);
/* A corpus file (relative path) from memory at this chunk size. */
void tu_parse_corpus(const char *rel, size_t chunk, int flags, struct tu_result *r);
/* A fixture (relative path) from memory at this chunk size. */
void tu_parse_fixture(const char *rel, size_t chunk, int flags, struct tu_result *r);
/* A NUL-terminated string with the defaults (plus cfg if given). */
void tu_parse_str(const char *xml, const struct dm_config *cfg, struct tu_result *r);
void tu_result_fini(struct tu_result *r);

/* Records of this type and kind. */
uint64_t tu_kind_count(const struct tu_result *r, enum dm_rec_type t, const char *kind);

/* The first JSON line containing every one of the given substrings (a NULL
 * ends the list), malloc'ed, or NULL. */
char *tu_find_line(const char *json, ...) __attribute__((sentinel));
/* Lines containing the substring. */
size_t tu_count_lines(const char *json, const char *needle);
/* Lines that begin with prefix (one pass: for outputs of many MB). */
size_t tu_count_prefixed(const char *text, const char *prefix);

/* Elements of this local name in a whole document, counted by a bare expat
 * pass (namespace-aware), optionally only those whose parent has the local
 * name `parent` (NULL: anywhere). Returns -1 if expat finds the document not
 * well-formed. */
long tu_expat_count(const char *data, size_t len, const char *local, const char *parent);

/* Is the whole text well-formed XML according to a bare expat pass? */
int tu_expat_wellformed(const char *data, size_t len);

/* The UTF-8 document re-encoded as UTF-16 (big_endian or little) with a
 * byte order mark, its XML declaration's encoding changed to UTF-16;
 * malloc'ed, *out_len gets its size. Asserts the input is valid UTF-8. */
char *tu_utf16(const char *utf8, size_t len, int big_endian, size_t *out_len);

#endif
