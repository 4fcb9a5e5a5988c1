/* The tuned configuration as a profile (`tune --write-profile`, the live
 * tune's w): the base configuration with the chosen sizes, the keys at
 * their defaults left out, a comment saying how and why it was chosen. */
#include "config.h"
#include "tune.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "emit.h"

int dm_tune_valid_name(const char *name)
{
	if (!*name || name[0] == '.' || strlen(name) >= DM_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

/* text as comment lines of at most about 72 columns, "# Why: " first; a
 * '#' or a control character in it cannot end the comment (a newline
 * would): they are written as '_'. */
static void comment_wrapped(struct dm_buf *t, const char *text)
{
	if (!text || !*text)
		return;
	const char *p = text;
	int first = 1;
	while (*p) {
		size_t room = first ? 64 : 70, n = strlen(p);
		if (n > room) {
			n = room;
			while (n > 0 && p[n] != ' ')
				n--;
			if (n == 0)
				n = room;
		}
		dm_buf_puts(t, first ? "# Why: " : "#   ");
		for (size_t i = 0; i < n; i++)
			dm_buf_puts(t, (char[2]){(unsigned char)p[i] < 0x20 || p[i] == '#' ? '_' : p[i], '\0'});
		dm_buf_puts(t, !p[n] ? ".\n" : "\n");
		p += n;
		while (*p == ' ')
			p++;
		first = 0;
	}
}

int dm_tune_profile_path(const char *name, char *dir, size_t dir_size, char *path,
                         size_t path_size, struct dm_error *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(dir, dir_size, "%s/ddexmon/profiles", xdg);
	else if (home && *home)
		snprintf(dir, dir_size, "%s/.config/ddexmon/profiles", home);
	else
		return dm_error_set(err, DM_EUSAGE, "no profile directory: neither XDG_CONFIG_HOME nor "
		                    "HOME is set");
	snprintf(path, path_size, "%s/%s.profile", dir, name);
	return 0;
}

/* The file's base name for a comment: a '#' would start one, a control
 * character end it. */
static void clean_stem(const char *file, char *out, size_t size)
{
	const char *stem = strrchr(file, '/');
	stem = stem ? stem + 1 : file;
	size_t k = 0;
	for (const char *p = stem; *p && k < size - 1; p++)
		out[k++] = (*p == '#' || (unsigned char)*p < 0x20) ? '_' : *p;
	out[k] = '\0';
}

/* The profile's text into t: the comment, then every key that differs
 * from the built-in defaults (and the sizes tuned, always). 0, or
 * DM_EUSAGE when a value cannot be written. */
static int profile_text(struct dm_buf *t, const char *name, const struct dm_config *base,
                        const struct dm_tune_row *w, const char *file, int runs, const char *why,
                        const char *by, struct dm_error *err)
{
	struct dm_config cfg = *base, def;
	dm_config_init(&def);
	cfg.chunk_size = w->chunk;
	cfg.buffer_size = w->buffer;
	char clean[64], c[16], b[16], when[32], rss[16], acc[16];
	clean_stem(file, clean, sizeof clean);
	dm_format_size(w->chunk, c, sizeof c);
	dm_format_size(w->buffer, b, sizeof b);
	dm_iso_time(dm_wall_ms(), when, sizeof when);
	snprintf(cfg.description, sizeof cfg.description, "tuned on %s: chunk %s, buffer %s, %.1f MB/s",
	         clean, c, b, w->median);
	dm_format_bytes(w->maxrss, rss, sizeof rss);
	dm_format_bytes(w->acct_peak, acc, sizeof acc);
	dm_buf_printf(t, "# %s: written by %s at %s\n"
	                 "# from %s, %d run%s per setting, base profile '%s'.\n"
	                 "# Chosen: chunk %s, buffer %s: %.1f MB/s median (middle half of the runs\n"
	                 "# %.1f-%.1f), accounted peak %s",
	              name, by, when, clean, runs, runs == 1 ? "" : "s", base->name, c, b, w->median,
	              w->q1, w->q3, acc);
	if (w->maxrss)
		dm_buf_printf(t, ", peak RSS %s", rss);
	dm_buf_puts(t, ".\n");
	comment_wrapped(t, why);
	dm_buf_puts(t, "# Keys equal to the built-in defaults are left out.\n\n");
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *key = dm_config_key_at(i);
		char v[DM_PATH_MAX], d[DM_PATH_MAX];
		if (strcmp(key->name, "name") == 0)
			continue;   /* the file's stem names it */
		dm_config_format(&cfg, key, v, sizeof v);
		dm_config_format(&def, key, d, sizeof d);
		int always = strcmp(key->name, "chunk_size") == 0 || strcmp(key->name, "buffer_size") == 0 ||
		             strcmp(key->name, "description") == 0;
		if (!always && strcmp(v, d) == 0)
			continue;
		if (strchr(v, '#'))
			return dm_error_set(err, DM_EUSAGE, "%s = %s cannot be written (a '#' starts a comment)",
			                    key->name, v);
		dm_buf_printf(t, "%s = %s\n", key->name, v);
	}
	return 0;
}

int dm_tune_profile_write(const char *name, const struct dm_config *base,
                          const struct dm_tune_row *w, const char *file, int runs,
                          const char *why, const char *by, struct dm_acct *parent, char *path,
                          size_t path_size, struct dm_error *err)
{
	char dir[DM_PATH_MAX];
	int rc = dm_tune_profile_path(name, dir, sizeof dir, path, path_size, err);
	if (rc)
		return rc;
	struct dm_acct *a = dm_acct_new(parent, 0);
	if (!a)
		return dm_error_set(err, DM_ENOMEM, "%s: out of memory", path);
	struct dm_buf t;
	dm_buf_init(&t, a, DM_TAG_OUTPUT);
	rc = profile_text(&t, name, base, w, file, runs, why, by, err);
	if (!rc && t.failed)
		rc = dm_error_set(err, DM_ENOMEM, "%s: out of memory", path);
	if (!rc)
		rc = dm_mkdirs(dir, err);
	if (!rc)
		rc = dm_write_atomic(path, t.data, t.len, err);
	dm_buf_fini(&t);
	dm_acct_free(a);
	if (!rc) {
		struct dm_config check;
		dm_config_init(&check);
		rc = dm_config_load(&check, path, err);
	}
	return rc;
}
