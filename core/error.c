/* Error texts, locations and the code -> exit status map. */
#include "config.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *dm_strerror(int code)
{
	switch (code) {
	case DM_OK: return "success";
	case DM_EUSAGE: return "invalid usage";
	case DM_EIO: return "input/output error";
	case DM_EXML: return "not well-formed XML";
	case DM_ENOTERN: return "not a DDEX ERN message";
	case DM_ELIMIT: return "parser limit exceeded";
	case DM_ENOMEM: return "memory limit exceeded";
	case DM_ERECORD: return "invalid record";
	case DM_EDTD: return "entity declarations are not allowed";
	case DM_ESYSMEM: return "insufficient memory available";
	case DM_EINTR: return "interrupted";
	case DM_EPARTIAL: return "some files failed";
	}
	return "unknown error";
}

const char *dm_error_class(int code)
{
	switch (code) {
	case DM_OK: return "none";
	case DM_EUSAGE: return "usage";
	case DM_EIO: return "io";
	case DM_EXML: return "xml";
	case DM_ENOTERN: return "not_ern";
	case DM_ELIMIT: return "limit";
	case DM_ENOMEM: return "memory";
	case DM_ERECORD: return "record";
	case DM_EDTD: return "dtd";
	case DM_ESYSMEM: return "system_memory";
	case DM_EINTR: return "interrupted";
	case DM_EPARTIAL: return "partial";
	}
	return "unknown";
}

void dm_error_clear(struct dm_error *e)
{
	if (!e)
		return;
	e->code = 0;
	e->file[0] = '\0';
	e->line = e->column = e->offset = 0;
	e->has_pos = 0;
	e->msg[0] = '\0';
}

int dm_error_set(struct dm_error *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void dm_error_at(struct dm_error *e, const char *file, uint64_t line,
                 uint64_t column, uint64_t offset)
{
	if (!e)
		return;
	if (file)
		snprintf(e->file, sizeof e->file, "%s", file);
	e->line = line;
	e->column = column;
	e->offset = offset;
	e->has_pos = 1;
}

static void format_raw(const struct dm_error *e, char *buf, size_t size);

/* Length of the UTF-8 sequence at p and its code point, or 0 when p does
 * not start a well-formed one (overlong, surrogate, past U+10FFFF, cut). */
static int utf8_seq(const unsigned char *p, unsigned *cp)
{
	int n;
	unsigned c = p[0], min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static int invisible(unsigned cp)
{
	return (cp >= 0x80 && cp < 0xA0) || cp == 0x200E || cp == 0x200F ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

char *dm_esc(const char *s, char *buf, size_t size)
{
	if (!size)
		return buf;
	size_t k = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		char piece[16];
		unsigned cp = 0;
		int n = utf8_seq(p, &cp);
		size_t len;
		if (n == 0) {
			len = (size_t)snprintf(piece, sizeof piece, "\\x%02X", *p);
			n = 1;
		} else if (cp < 0x20 || cp == 0x7F) {
			const char *name = cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : cp == '\r' ? "\\r"
			                   : cp == 0x1B ? "\\e" : NULL;
			len = name ? (size_t)snprintf(piece, sizeof piece, "%s", name)
			           : (size_t)snprintf(piece, sizeof piece, "\\x%02X", cp);
		} else if (invisible(cp)) {
			len = (size_t)snprintf(piece, sizeof piece, "\\u%04X", cp);
		} else {
			memcpy(piece, p, (size_t)n);
			len = (size_t)n;
		}
		if (k + len >= size)
			break;
		memcpy(buf + k, piece, len);
		k += len;
		p += n;
	}
	buf[k] = '\0';
	return buf;
}

void dm_error_format(const struct dm_error *e, char *buf, size_t size)
{
	char raw[DM_ERRFILE_MAX + DM_ERRMSG_MAX + 64];
	format_raw(e, raw, sizeof raw);
	dm_esc(raw, buf, size);
}

static void format_raw(const struct dm_error *e, char *buf, size_t size)
{
	const char *msg = e->msg[0] ? e->msg : dm_strerror(e->code);
	if (e->file[0] && e->has_pos && e->line && !e->column)
		snprintf(buf, size, "%s:%llu: %s", e->file, (unsigned long long)e->line, msg);
	else if (e->file[0] && e->has_pos && e->line)
		snprintf(buf, size, "%s:%llu:%llu: %s", e->file,
		         (unsigned long long)e->line,
		         (unsigned long long)e->column, msg);
	else if (e->file[0] && e->has_pos)
		snprintf(buf, size, "%s: byte %llu: %s", e->file,
		         (unsigned long long)e->offset, msg);
	else if (e->file[0])
		snprintf(buf, size, "%s: %s", e->file, msg);
	else
		snprintf(buf, size, "%s", msg);
}

int dm_exit_code(int code)
{
	switch (code) {
	case DM_OK: return DM_EXIT_OK;
	case DM_EUSAGE: return DM_EXIT_USAGE;
	case DM_ENOMEM:
	case DM_ESYSMEM: return DM_EXIT_MEMORY;
	case DM_EPARTIAL: return DM_EXIT_PARTIAL;
	case DM_EINTR: return DM_EXIT_INTERRUPTED;
	default: return DM_EXIT_INPUT;
	}
}
