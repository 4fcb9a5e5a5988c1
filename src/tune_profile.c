/* `tune --write-profile`: the tuned configuration as a profile. */
#include "config.h"
#include "tune.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
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

/* The base configuration with the chosen sizes, as a profile in the user's
 * profile directory, written atomically and read back as a check. */
int dm_tune_write_profile(const char *name, const struct dm_config *base,
                          const struct dm_tune_row *w, const char *file, int runs,
                          const char *why)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char dir[DM_PATH_MAX], path[DM_PATH_MAX + DM_NAME_MAX + 16];
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/ddexmon/profiles", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.config/ddexmon/profiles", home);
	else {
		dm_cli_error("--write-profile: neither XDG_CONFIG_HOME nor HOME is set");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.profile", dir, name);

	struct dm_config cfg = *base, def;
	dm_config_init(&def);
	cfg.chunk_size = w->chunk;
	cfg.buffer_size = w->buffer;
	/* a '#' would start a comment: keep the file's base name without them */
	const char *stem = strrchr(file, '/');
	stem = stem ? stem + 1 : file;
	char clean[64];
	size_t k = 0;
	for (const char *p = stem; *p && k < sizeof clean - 1; p++)
		clean[k++] = (*p == '#' || (unsigned char)*p < 0x20) ? '_' : *p;
	clean[k] = '\0';
	char c[16], b[16], when[32];
	dm_format_size(w->chunk, c, sizeof c);
	dm_format_size(w->buffer, b, sizeof b);
	dm_iso_time(dm_wall_ms(), when, sizeof when);
	snprintf(cfg.description, sizeof cfg.description, "tuned on %s: chunk %s, buffer %s, %.1f MB/s",
	         clean, c, b, w->median);

	struct dm_acct *a = dm_acct_new(NULL, 0);
	if (!a) {
		dm_cli_error("--write-profile: out of memory");
		return -1;
	}
	struct dm_buf t;
	dm_buf_init(&t, a, DM_TAG_OUTPUT);
	char rss[16], acc[16];
	dm_format_bytes(w->maxrss, rss, sizeof rss);
	dm_format_bytes(w->acct_peak, acc, sizeof acc);
	dm_buf_printf(&t, "# %s: written by `ddexmon tune` at %s\n"
	                  "# from %s, %d run%s per setting, base profile '%s'.\n"
	                  "# Chosen: chunk %s, buffer %s: %.1f MB/s median (middle half of the runs\n"
	                  "# %.1f-%.1f), accounted peak %s, peak RSS %s.\n",
	              name, when, clean, runs, runs == 1 ? "" : "s", base->name, c, b, w->median,
	              w->q1, w->q3, acc, rss);
	comment_wrapped(&t, why);
	dm_buf_puts(&t, "# Keys equal to the built-in defaults are left out.\n\n");
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
		if (strchr(v, '#')) {
			dm_cli_error("--write-profile: %s = %s cannot be written (a '#' starts a comment)",
			             key->name, v);
			dm_buf_fini(&t);
			dm_acct_free(a);
			return -1;
		}
		dm_buf_printf(&t, "%s = %s\n", key->name, v);
	}
	struct dm_error e;
	dm_error_clear(&e);
	int rc = t.failed ? dm_error_set(&e, DM_EIO, "out of memory") : dm_mkdirs(dir, &e);
	if (!rc)
		rc = dm_write_atomic(path, t.data, t.len, &e);
	dm_buf_fini(&t);
	dm_acct_free(a);
	if (!rc) {
		struct dm_config check;
		dm_config_init(&check);
		rc = dm_config_load(&check, path, &e);
	}
	if (rc) {
		dm_cli_print_error(&e);
		return -1;
	}
	printf("\nwrote profile '%s' to %s (use: --profile %s)\n", name, path, name);
	return 0;
}

