/* Error codes and locations shared by the whole core.
 *
 * The core never exits: every fallible function returns 0 or a negative
 * DM_E* code and, where it takes one, fills a struct dm_error with the
 * place (file, line, column, byte offset) and a one-line message. */
#ifndef DM_ERROR_H
#define DM_ERROR_H

#include <stddef.h>
#include <stdint.h>

enum dm_errcode {
	DM_OK = 0,
	DM_EUSAGE = -1,     /* bad option or configuration value */
	DM_EIO = -2,        /* open/read/write failed */
	DM_EXML = -3,       /* not well-formed XML (expat's verdict) */
	DM_ENOTERN = -4,    /* well-formed but not an ERN message */
	DM_ELIMIT = -5,     /* depth, element count or buffer_size exceeded */
	DM_ENOMEM = -6,     /* memory budget refused an allocation */
	DM_ERECORD = -7,    /* a record failed its field checks */
	DM_EDTD = -8,       /* DOCTYPE declares entities and they are not allowed */
	DM_ESYSMEM = -9,    /* not enough system memory to start */
	DM_EINTR = -10,     /* stopped on request (skip, quit) */
	DM_EPARTIAL = -11,  /* some files of several failed */
};

/* Process exit codes, documented in --help, the man page and README. */
enum dm_exit {
	DM_EXIT_OK = 0,
	DM_EXIT_USAGE = 1,
	DM_EXIT_INPUT = 2,
	DM_EXIT_MEMORY = 3,
	DM_EXIT_PARTIAL = 4,
	DM_EXIT_INTERRUPTED = 130,
};

#define DM_ERRMSG_MAX 320
#define DM_ERRFILE_MAX 512

struct dm_error {
	int code;                   /* DM_E*, 0 when no error */
	char file[DM_ERRFILE_MAX];  /* "" when not about a file */
	uint64_t line, column;      /* 0 when unknown */
	uint64_t offset;            /* byte offset in the input */
	int has_pos;                /* line/column/offset are meaningful */
	char msg[DM_ERRMSG_MAX];
};

/* Short fixed text for a code ("memory limit exceeded", ...). Never NULL. */
const char *dm_strerror(int code);

/* Short machine name of a code's class, a metric label value and a
 * column: "xml", "limit", "memory", ... ("unknown" for anything else).
 * Never NULL. */
const char *dm_error_class(int code);

/* Reset to "no error". */
void dm_error_clear(struct dm_error *e);

/* Set code and a printf-style message; position is left as it is.
 * Returns code so callers can write `return dm_error_set(e, ...)`.
 * e may be NULL. */
int dm_error_set(struct dm_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the position fields. */
void dm_error_at(struct dm_error *e, const char *file, uint64_t line,
                 uint64_t column, uint64_t offset);

/* One line, no newline: "FILE:LINE:COL: message" or "FILE: message" or
 * "message", escaped with dm_esc (a file name cannot forge a line or a
 * terminal escape). Always NUL-terminated; truncated to size. */
void dm_error_format(const struct dm_error *e, char *buf, size_t size);

/* s made safe to print on a terminal or in a log, into buf (always
 * NUL-terminated, cut at a character boundary): control characters become
 * \n, \t, \r, \e or \xHH, bytes that are not UTF-8 \xHH, C1 controls and
 * bidirectional overrides \uHHHH. Printable text, UTF-8 included, is kept.
 * Escaping escaped text changes nothing. Returns buf. */
char *dm_esc(const char *s, char *buf, size_t size);

/* Map a DM_E* code to the process exit code. */
int dm_exit_code(int code);

#endif
