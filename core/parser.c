/* Streaming parser: expat driving, limits, security, error positions. */
#include "config.h"
#include "parser.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <expat.h>

#include "acct_int.h"
#include "pool_int.h"

/* expat keeps up to this much already-parsed context in its buffer */
#define CONTEXT_SLACK 1024

struct dm_parser {
	struct dm_acct *acct;
	const struct dm_config *cfg;
	const struct dm_consumer *cons;
	void *ctx;
	XML_Parser xp;
	struct dm_ern *ern;
	const char *name;
	atomic_size_t chunk_size;
	atomic_int stop;
	uint64_t depth, elements, max_depth, bytes, chunks;
	/* bytes of the current text run, held or not; while the machine
	 * captures, of the captured value so far, which holds the run */
	uint64_t text_run;
	/* the limits the handlers check, as they check them */
	uint64_t text_limit, depth_limit, count_limit;
	/* S_* bits: what takes the handlers off their common path */
	unsigned slow;
	uint64_t held;         /* bytes expat holds after the last parse call */
	int failed;            /* a DM_E* once the input is lost */
	int stream;            /* the input is a pipe, FIFO or device: poll before read */
	uint64_t refused_at_begin;  /* the accountant's refusals before this input */
	struct dm_error err;
};

/* The parse failed (S_FAILED); a token of this parse call can be longer
 * than buffer_size, so the element handlers measure theirs (S_MEASURE);
 * attribute values are measured (S_ATTRS: with DTD entities, a short tag
 * can carry long values); the machine captures the text (S_TEXT). */
enum { S_FAILED = 1, S_MEASURE = 2, S_ATTRS = 4, S_TEXT = 8 };

static void set_flag(struct dm_parser *p, unsigned bit, int on)
{
	p->slow = on ? p->slow | bit : p->slow & ~bit;
}

static void set_pos_here(struct dm_parser *p)
{
	dm_error_at(&p->err, p->name, (uint64_t)XML_GetCurrentLineNumber(p->xp),
	            (uint64_t)XML_GetCurrentColumnNumber(p->xp) + 1,
	            (uint64_t)XML_GetCurrentByteIndex(p->xp));
}

static int memory_error(struct dm_parser *p, const char *what);
static int tag_too_long(struct dm_parser *p);

/* A handler failed: remember why and where, and stop expat. */
static void fail_in_handler(struct dm_parser *p, int rc)
{
	if (!p->failed) {
		/* the handler's place first: memory_error would otherwise fall
		 * back to the byte offset as if between chunks */
		if (!p->err.has_pos)
			set_pos_here(p);
		if (rc == DM_ENOMEM)
			memory_error(p, "");
		p->failed = rc;
		p->slow |= S_FAILED;
		p->err.code = rc;
	}
	XML_StopParser(p->xp, XML_FALSE);
}

/* A token that arrived within one chunk never shows up as an unparsed
 * tail: every handler measures its own token, so that which inputs are
 * refused does not depend on chunk_size. Returns 1 when it failed the parse.
 * (The element handlers skip this when the call cannot hold such a token.) */
static int token_too_long(struct dm_parser *p)
{
	int n = XML_GetCurrentByteCount(p->xp);
	if (n <= 0 || (uint64_t)n <= p->text_limit)
		return 0;
	fail_in_handler(p, tag_too_long(p));
	return 1;
}

/* expat hands over attribute values with their entity references already
 * expanded, so the tag's raw length (token_too_long) says nothing about
 * what is held: with allow_dtd_entities a short tag can carry megabytes.
 * The values together are measured like a text value. Names are left
 * out: a namespace prefix comes back as its whole URI, so a name can be
 * longer than written, while a value without entities never is. Returns 1
 * when it failed the parse. */
static int attrs_too_long(struct dm_parser *p, const XML_Char **atts)
{
	uint64_t total = 0;
	for (size_t i = 0; atts[i] && atts[i + 1]; i += 2)
		total += strlen(atts[i + 1]);
	if (total <= p->cfg->buffer_size)
		return 0;
	char lim[32];
	dm_format_size(p->cfg->buffer_size, lim, sizeof lim);
	dm_error_set(&p->err, DM_ELIMIT,
	             "attribute values longer than buffer_size (%s) with entities expanded "
	             "(set buffer_size=N above %s to accept)", lim, lim);
	fail_in_handler(p, DM_ELIMIT);
	return 1;
}

__attribute__((cold, noinline)) static void too_deep(struct dm_parser *p)
{
	dm_error_set(&p->err, DM_ELIMIT, "element nesting deeper than max_element_depth (%llu) "
	             "(set max_element_depth=N above %llu to accept)",
	             (unsigned long long)p->cfg->max_element_depth,
	             (unsigned long long)p->cfg->max_element_depth);
	fail_in_handler(p, DM_ELIMIT);
}

__attribute__((cold, noinline)) static void too_many(struct dm_parser *p)
{
	dm_error_set(&p->err, DM_ELIMIT, "more than max_element_count (%llu) elements "
	             "(set max_element_count=0 for no limit)",
	             (unsigned long long)p->cfg->max_element_count);
	fail_in_handler(p, DM_ELIMIT);
}

/* What the machine said of an element that began or ended, but for 0. */
__attribute__((noinline)) static void ern_said(struct dm_parser *p, int rc, int start)
{
	if (rc < 0) {
		fail_in_handler(p, rc);
		return;
	}
	if (rc & DM_ERN_RECORD)
		dm_ern_set_pos(p->ern, (uint64_t)XML_GetCurrentLineNumber(p->xp),
		               (uint64_t)XML_GetCurrentColumnNumber(p->xp) + 1,
		               (uint64_t)XML_GetCurrentByteIndex(p->xp));
	set_flag(p, S_TEXT, rc & DM_ERN_TEXT);
	/* back in a capturing element: the value so far counts */
	if (!start && (rc & DM_ERN_TEXT))
		p->text_run = dm_ern_captured(p->ern);
}

/* Elements while the parse failed, a token can be long or attribute
 * values are measured; the checks in the order the common path makes
 * them. Returns 1 when the element goes no further. */
__attribute__((noinline)) static int start_checks(struct dm_parser *p, const XML_Char **atts)
{
	if (p->failed)
		return 1;
	if (p->depth > p->depth_limit) {
		too_deep(p);
		return 1;
	}
	if (p->elements > p->count_limit) {
		too_many(p);
		return 1;
	}
	/* without DTD entities no attribute value is longer than its tag */
	return ((p->slow & S_MEASURE) && token_too_long(p)) ||
	       ((p->slow & S_ATTRS) && attrs_too_long(p, atts));
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct dm_parser *p = ud;
	if (!p->failed) {
		p->elements++;
		p->text_run = 0;
		if (++p->depth > p->max_depth)
			p->max_depth = p->depth;
	}
	if (p->slow & (S_FAILED | S_MEASURE | S_ATTRS)) {
		if (start_checks(p, atts))
			return;
	} else if (p->depth > p->depth_limit) {
		too_deep(p);
		return;
	} else if (p->elements > p->count_limit) {
		too_many(p);
		return;
	}
	int rc = dm_ern_start(p->ern, name, atts, &p->err);
	if (rc == DM_ERN_TEXT)
		p->slow |= S_TEXT;   /* (a value begins: nothing captured yet) */
	else if (rc)
		ern_said(p, rc, 1);
	else
		p->slow &= ~S_TEXT;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	(void)name;
	struct dm_parser *p = ud;
	if ((p->slow & (S_FAILED | S_MEASURE)) && (p->failed || token_too_long(p)))
		return;
	p->depth--;
	p->text_run = 0;
	int rc = dm_ern_end(p->ern, &p->err);
	if (rc)
		ern_said(p, rc, 0);
	else
		p->slow &= ~S_TEXT;
}

__attribute__((cold, noinline)) static void text_too_long(struct dm_parser *p)
{
	char lim[32];
	dm_format_size(p->cfg->buffer_size, lim, sizeof lim);
	dm_error_set(&p->err, DM_ELIMIT,
	             "text value longer than buffer_size (%s) (set buffer_size=N above %s to accept)",
	             lim, lim);
	fail_in_handler(p, DM_ELIMIT);
}

/* Text the machine captures, or any after the parse failed. */
__attribute__((noinline)) static void text_slow(struct dm_parser *p, const XML_Char *s, int len)
{
	if (p->failed)
		return;
	p->text_run += (uint64_t)len;
	if (p->text_run > p->text_limit) {
		text_too_long(p);
		return;
	}
	int rc = dm_ern_text(p->ern, s, (size_t)len, &p->err);
	if (rc < 0)
		fail_in_handler(p, rc);
}

/* Most text (the indentation between elements above all) is only
 * counted: expat calls this for every run and every newline. buffer_size
 * bounds every text value, not only the ones a rule captures: which
 * inputs are refused must not depend on the rules. While the machine
 * captures, the count is that of the value so far, which holds the run:
 * one check covers both. */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct dm_parser *p = ud;
	if (p->slow & (S_FAILED | S_TEXT)) {
		text_slow(p, s, len);
		return;
	}
	p->text_run += (uint64_t)len;
	if (p->text_run > p->text_limit)
		text_too_long(p);
}

/* Everything else expat parses (comments, processing instructions, the
 * XML declaration, other markup declarations, CDATA markers) is only
 * measured. Internal entities are still expanded (the Expand variant). */
static void XMLCALL on_other(void *ud, const XML_Char *s, int len)
{
	(void)s; (void)len;
	struct dm_parser *p = ud;
	if (!p->failed)
		token_too_long(p);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *system_id,
                               const XML_Char *public_id, int has_internal_subset)
{
	(void)name; (void)public_id; (void)has_internal_subset;
	struct dm_parser *p = ud;
	if (p->failed || token_too_long(p) || !system_id)
		return;
	/* never loaded (no external subset is ever read); refused like an
	 * external entity, so nobody thinks its defaults were applied */
	dm_error_set(&p->err, DM_EDTD, "DOCTYPE names an external DTD subset (never loaded)");
	fail_in_handler(p, DM_EDTD);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len,
                                   const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation)
{
	(void)value; (void)value_len; (void)base; (void)public_id; (void)notation;
	struct dm_parser *p = ud;
	if (p->failed || token_too_long(p))
		return;
	if (system_id) {
		/* never loaded in any case; refused so nobody thinks it was */
		dm_error_set(&p->err, DM_EDTD, "DOCTYPE declares external %sentity '%s' (never loaded)",
		             is_param ? "parameter " : "", name);
		fail_in_handler(p, DM_EDTD);
	} else if (!p->cfg->allow_dtd_entities) {
		dm_error_set(&p->err, DM_EDTD,
		             "DOCTYPE declares %sentity '%s' (set allow_dtd_entities=true to accept)",
		             is_param ? "parameter " : "", name);
		fail_in_handler(p, DM_EDTD);
	}
}

struct dm_parser *dm_parser_new(struct dm_acct *a, const struct dm_config *cfg,
                                const struct dm_consumer *cons, void *ctx,
                                struct dm_error *err)
{
	struct dm_parser *p = dm_acct_calloc(a, DM_TAG_PARSER, 1, sizeof *p);
	if (!p) {
		dm_error_set(err, DM_ENOMEM, "memory limit exceeded creating the parser");
		return NULL;
	}
	p->acct = a;
	p->cfg = cfg;
	p->cons = cons;
	p->ctx = ctx;
	atomic_init(&p->chunk_size, (size_t)cfg->chunk_size);
	p->ern = dm_ern_new(a, cfg, cons, ctx);
	if (!p->ern) {
		dm_acct_dealloc(p);
		dm_error_set(err, DM_ENOMEM, "memory limit exceeded creating the parser");
		return NULL;
	}
	return p;
}

static void free_expat(struct dm_parser *p)
{
	if (p->xp) {
		struct dm_acct *prev = dm_acct_bind(p->acct);
		XML_ParserFree(p->xp);
		dm_acct_bind(prev);
		p->xp = NULL;
	}
}

void dm_parser_free(struct dm_parser *p)
{
	if (!p)
		return;
	free_expat(p);
	dm_ern_free(p->ern);
	dm_acct_dealloc(p);
}

static int fail(struct dm_parser *p, int code)
{
	p->failed = code;
	p->slow |= S_FAILED;
	p->err.code = code;
	return code;
}

static int memory_error(struct dm_parser *p, const char *what)
{
	struct dm_acct_refusal r;
	char lim[32], use[32], budget[32];
	dm_format_size(p->cfg->max_memory, budget, sizeof budget);
	if (dm_acct_last_refusal(p->acct, &r) && r.limit) {
		dm_format_bytes(r.limit, lim, sizeof lim);
		dm_format_bytes(r.in_use, use, sizeof use);
		dm_error_set(&p->err, DM_ENOMEM, "memory limit exceeded: limit %s, in use %s (tag %s)%s%s "
		             "(set max_memory=N above %s to allow more)",
		             lim, use, dm_tag_name(r.tag), *what ? ", " : "", what, budget);
	} else {
		dm_error_set(&p->err, DM_ENOMEM, "memory limit exceeded%s%s (set max_memory=N above %s "
		             "to allow more)", *what ? ": " : "", what, budget);
	}
	/* refused between expat calls (growing its buffer): no line applies,
	 * but the file and the byte offset still do */
	if (!p->err.has_pos && p->name)
		dm_error_at(&p->err, p->name, 0, 0, p->bytes);
	return fail(p, DM_ENOMEM);
}

int dm_parser_begin(struct dm_parser *p, const char *name)
{
	free_expat(p);
	dm_error_clear(&p->err);
	p->name = name;
	p->failed = 0;
	p->depth = p->elements = p->max_depth = p->bytes = p->chunks = p->text_run = 0;
	p->text_limit = p->cfg->buffer_size;
	p->depth_limit = p->cfg->max_element_depth;
	p->count_limit = p->cfg->max_element_count ? p->cfg->max_element_count : UINT64_MAX;
	p->slow = S_MEASURE | (p->cfg->allow_dtd_entities ? S_ATTRS : 0);
	p->held = 0;
	struct dm_acct_stats as;
	dm_acct_stats(p->acct, &as);
	p->refused_at_begin = as.refused;
	atomic_store(&p->stop, 0);
	atomic_store(&p->chunk_size, (size_t)p->cfg->chunk_size);
	dm_ern_reset(p->ern, name);

	struct dm_acct *prev = dm_acct_bind(p->acct);
	char sep[2] = {'\x01', '\0'};
	p->xp = XML_ParserCreate_MM(NULL, dm_pool_expat_suite(), sep);
	if (p->xp) {
		XML_SetUserData(p->xp, p);
		XML_SetElementHandler(p->xp, on_start, on_end);
		XML_SetCharacterDataHandler(p->xp, on_text);
		XML_SetEntityDeclHandler(p->xp, on_entity_decl);
		XML_SetStartDoctypeDeclHandler(p->xp, on_doctype);
		XML_SetDefaultHandlerExpand(p->xp, on_other);
		/* never read anything but the input: no external DTD subset, no
		 * parameter entities; billion-laughs protection set explicitly
		 * to expat's defaults so a future default change cannot loosen it */
		XML_SetParamEntityParsing(p->xp, XML_PARAM_ENTITY_PARSING_NEVER);
		XML_SetBillionLaughsAttackProtectionMaximumAmplification(p->xp, 100.0f);
		XML_SetBillionLaughsAttackProtectionActivationThreshold(p->xp, 8ULL << 20);
	}
	dm_acct_bind(prev);
	if (!p->xp) {
		p->err.has_pos = 0;
		snprintf(p->err.file, sizeof p->err.file, "%s", name);
		return memory_error(p, "creating expat");
	}
	return 0;
}

/* After expat returned an error status: fill p->err. */
static int expat_failed(struct dm_parser *p)
{
	if (p->failed)
		return p->failed;
	enum XML_Error code = XML_GetErrorCode(p->xp);
	set_pos_here(p);
	/* expat does not always say NO_MEMORY when its malloc failed (2.5.0
	 * reports a failed namespace binding as "unbound prefix"): any refusal
	 * during this input means the verdict is about memory, not the XML */
	struct dm_acct_stats as;
	dm_acct_stats(p->acct, &as);
	if (code == XML_ERROR_NO_MEMORY || as.refused != p->refused_at_begin)
		return memory_error(p, "");
	if (code == XML_ERROR_NO_ELEMENTS && p->bytes == 0) {
		dm_error_set(&p->err, DM_EXML, "empty input (no XML element found)");
		return fail(p, DM_EXML);
	}
	dm_error_set(&p->err, DM_EXML, "%s", XML_ErrorString(code));
	return fail(p, DM_EXML);
}

/* After a parse call: what expat holds (the unparsed tail, after some
 * consumed context). Every token the next call completes lies in that
 * plus the new bytes; unknown (no input context) counts as unbounded. */
static void note_held(struct dm_parser *p)
{
	int offset = 0, size = 0;
	if (XML_GetInputContext(p->xp, &offset, &size))
		p->held = size > 0 ? (uint64_t)size : 0;
	else
		p->held = UINT64_MAX / 2;
}

/* Before a parse call with n new bytes: can a token it completes be
 * longer than buffer_size? */
static int may_complete_long_token(const struct dm_parser *p, size_t n)
{
	return p->held + n > p->cfg->buffer_size;
}

/* Bytes expat holds unparsed: an unfinished start tag or other token. */
static uint64_t unparsed_bytes(struct dm_parser *p)
{
	int offset = 0, size = 0;
	if (!XML_GetInputContext(p->xp, &offset, &size))
		return 0;
	return size > offset ? (uint64_t)(size - offset) : 0;
}

static int tag_too_long(struct dm_parser *p)
{
	char lim[32];
	dm_format_size(p->cfg->buffer_size, lim, sizeof lim);
	set_pos_here(p);
	dm_error_set(&p->err, DM_ELIMIT,
	             "a single tag or token is longer than buffer_size (%s) "
	             "(set buffer_size=N above %s to accept)", lim, lim);
	return DM_ELIMIT;
}

static int check_tail(struct dm_parser *p)
{
	if (unparsed_bytes(p) <= p->cfg->buffer_size)
		return 0;
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
	/* With reparse deferral expat may hold complete tokens behind a
	 * partial one it has not retried yet; retry now so that only a token
	 * that is itself too long counts. Rare: only when the tail is long. */
	struct dm_acct *prev = dm_acct_bind(p->acct);
	set_flag(p, S_MEASURE, 1);
	XML_SetReparseDeferralEnabled(p->xp, XML_FALSE);
	enum XML_Status st = XML_ParseBuffer(p->xp, 0, XML_FALSE);
	note_held(p);
	XML_SetReparseDeferralEnabled(p->xp, XML_TRUE);
	dm_acct_bind(prev);
	if (st != XML_STATUS_OK)
		return expat_failed(p);
	if (unparsed_bytes(p) <= p->cfg->buffer_size)
		return 0;
#endif
	return fail(p, tag_too_long(p));
}

static int after_chunk(struct dm_parser *p, enum XML_Status st, size_t n, int final)
{
	p->bytes += n;
	p->chunks++;
	if (st != XML_STATUS_OK)
		return expat_failed(p);
	if (final) {
		if (!dm_ern_saw_root(p->ern)) {
			dm_error_set(&p->err, DM_EXML, "no root element");
			return fail(p, DM_EXML);
		}
		return 0;
	}
	int rc = check_tail(p);
	if (rc)
		return rc;
	if (p->cons->progress) {
		rc = p->cons->progress(p->ctx, p->bytes);
		if (rc < 0) {
			dm_error_set(&p->err, rc, "%s", dm_strerror(rc));
			return fail(p, rc);
		}
	}
	return 0;
}

int dm_parser_feed(struct dm_parser *p, const void *data, size_t len, int final)
{
	if (p->failed)
		return p->failed;
	const char *s = data;
	do {
		if (atomic_load_explicit(&p->stop, memory_order_relaxed)) {
			dm_error_set(&p->err, DM_EINTR, "stopped");
			return fail(p, DM_EINTR);
		}
		size_t chunk = atomic_load_explicit(&p->chunk_size, memory_order_relaxed);
		size_t n = len < chunk ? len : chunk;
		int last = final && n == len;
		struct dm_acct *prev = dm_acct_bind(p->acct);
		void *buf = XML_GetBuffer(p->xp, (int)(n ? n : 1));
		enum XML_Status st = XML_STATUS_ERROR;
		if (buf) {
			memcpy(buf, s, n);
			set_flag(p, S_MEASURE, may_complete_long_token(p, n));
			st = XML_ParseBuffer(p->xp, (int)n, last);
			note_held(p);
		}
		dm_acct_bind(prev);
		if (!buf)
			return memory_error(p, "growing expat's buffer");
		int rc = after_chunk(p, st, n, last);
		if (rc)
			return rc;
		s += n;
		len -= n;
	} while (len);
	return 0;
}

/* A pipe that never sends would hold read() and the stop with it: wait
 * for input in short polls, asking between them whether to stop (the
 * parser's flag and the consumer's progress, which sees a stop that came
 * before this input began). Regular files never wait here. */
static int wait_readable(struct dm_parser *p, int fd)
{
	for (;;) {
		if (atomic_load_explicit(&p->stop, memory_order_relaxed)) {
			dm_error_set(&p->err, DM_EINTR, "stopped");
			return fail(p, DM_EINTR);
		}
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int r = poll(&pf, 1, 200);
		if (r > 0 || (r < 0 && errno != EINTR))
			return 0;   /* ready, hung up or an error read() reports */
		if (r == 0 && p->cons->progress) {
			int rc = p->cons->progress(p->ctx, p->bytes);
			if (rc < 0) {
				dm_error_set(&p->err, rc, "%s", dm_strerror(rc));
				return fail(p, rc);
			}
		}
	}
}

/* One read of at most max bytes from fd straight into expat's buffer,
 * then parsed: at off with pread, or (off < 0) from the file position,
 * where end of file is the end of the document. *got: bytes read. */
static int one_chunk(struct dm_parser *p, int fd, int64_t off, uint64_t max, ssize_t *got)
{
	*got = 0;
	if (atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		dm_error_set(&p->err, DM_EINTR, "stopped");
		return fail(p, DM_EINTR);
	}
	size_t chunk = atomic_load_explicit(&p->chunk_size, memory_order_relaxed);
	if (chunk > INT32_MAX)
		chunk = INT32_MAX;
	if (chunk > max)
		chunk = (size_t)max;
	struct dm_acct *prev = dm_acct_bind(p->acct);
	void *buf = XML_GetBuffer(p->xp, (int)chunk);
	dm_acct_bind(prev);
	if (!buf)
		return memory_error(p, "growing expat's buffer");
	int rc = off < 0 && p->stream ? wait_readable(p, fd) : 0;
	if (rc)
		return rc;
	ssize_t n;
	do
		n = off < 0 ? read(fd, buf, chunk) : pread(fd, buf, chunk, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (n == 0 && off >= 0)) {
		dm_error_at(&p->err, p->name, 0, 0, off < 0 ? p->bytes : (uint64_t)off);
		p->err.line = 0;
		dm_error_set(&p->err, DM_EIO, "read error: %s", n < 0 ? strerror(errno) : "file shrank");
		return fail(p, DM_EIO);
	}
	int final = off < 0 && n == 0;
	set_flag(p, S_MEASURE, may_complete_long_token(p, (size_t)n));
	prev = dm_acct_bind(p->acct);
	enum XML_Status st = XML_ParseBuffer(p->xp, (int)n, final);
	note_held(p);
	dm_acct_bind(prev);
	*got = n;
	return after_chunk(p, st, (size_t)n, final);
}

int dm_parser_feed_fd(struct dm_parser *p, int fd)
{
	if (p->failed)
		return p->failed;
	struct stat st;
	p->stream = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
	for (;;) {
		ssize_t n;
		int rc = one_chunk(p, fd, -1, UINT64_MAX, &n);
		if (rc || n == 0)
			return rc;
	}
}

int dm_parser_feed_range(struct dm_parser *p, int fd, uint64_t off, uint64_t len)
{
	if (p->failed)
		return p->failed;
	while (len) {
		ssize_t n;
		int rc = one_chunk(p, fd, (int64_t)off, len, &n);
		if (rc)
			return rc;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int dm_parser_between_records(const struct dm_parser *p, const char *list)
{
	return dm_ern_between_records(p->ern, list);
}

int dm_parser_parse_file(struct dm_parser *p, const char *path)
{
	int rc = dm_parser_begin(p, path);
	if (rc)
		return rc;
	/* without O_NONBLOCK a FIFO no writer opens blocks open() beyond any
	 * stop; the reads that follow wait in poll instead, in blocking mode */
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
	                                : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(p->err.file, sizeof p->err.file, "%s", path);
		dm_error_set(&p->err, DM_EIO, "cannot open: %s", strerror(errno));
		return fail(p, DM_EIO);
	}
	if (fd != STDIN_FILENO) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		snprintf(p->err.file, sizeof p->err.file, "%s", path);
		dm_error_set(&p->err, DM_EIO, "is a directory");
		return fail(p, DM_EIO);
	}
	rc = dm_parser_feed_fd(p, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

void dm_parser_release(struct dm_parser *p)
{
	free_expat(p);
	dm_ern_reset(p->ern, p->name ? p->name : "");
	dm_ern_shrink(p->ern, 0);
}

void dm_parser_set_chunk_size(struct dm_parser *p, size_t n)
{
	atomic_store(&p->chunk_size, n ? n : 1);
}

size_t dm_parser_chunk_size(const struct dm_parser *p)
{
	return atomic_load(&((struct dm_parser *)p)->chunk_size);
}

void dm_parser_stop(struct dm_parser *p)
{
	atomic_store(&p->stop, 1);
}

uint64_t dm_parser_shrink(struct dm_parser *p)
{
	return dm_ern_shrink(p->ern, 4096);
}

void dm_parser_set_pools(struct dm_parser *p, struct dm_pool *text, struct dm_pool *vals)
{
	dm_ern_set_pools(p->ern, text, vals);
}

const struct dm_error *dm_parser_error(const struct dm_parser *p)
{
	return &p->err;
}

void dm_parser_stats(const struct dm_parser *p, struct dm_parser_stats *out)
{
	out->bytes = p->bytes;
	out->elements = p->elements;
	out->chunks = p->chunks;
	out->max_depth = p->max_depth;
	dm_ern_counts(p->ern, &out->ern);
}

const char *dm_parser_ern_version(const struct dm_parser *p)
{
	return dm_ern_version(p->ern);
}
