/* `ddexmon profiles [NAME]`: the profiles found on the search path, in the
 * order they are looked up, with every key's value side by side so that
 * the presets can be compared at a glance; or one profile in full. */
#include "config.h"
#include "cli.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

#define MAX_DIRS 8
#define MAX_PROFILES 64

struct found {
	char name[DM_NAME_MAX];
	char path[DM_PATH_MAX + DM_NAME_MAX + 16];
	int dir;              /* index in the search path */
	int shadowed;         /* an earlier directory has the same name */
	int ok;               /* loaded */
	struct dm_config cfg;
	struct dm_error err;
};

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->dir != y->dir)
		return x->dir - y->dir;
	return strcmp(x->name, y->name);
}

/* Every NAME.profile in dir, appended to out. Returns the new count. */
static size_t scan_dir(const char *dir, int di, struct found *out, size_t n, size_t max)
{
	DIR *d = opendir(dir);
	if (!d)
		return n;
	struct dirent *de;
	while ((de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 8 || strcmp(de->d_name + len - 8, ".profile") != 0 ||
		    len - 8 >= DM_NAME_MAX)
			continue;
		struct found *f = &out[n];
		memset(f, 0, sizeof *f);
		memcpy(f->name, de->d_name, len - 8);
		f->name[len - 8] = '\0';
		snprintf(f->path, sizeof f->path, "%s/%s", dir, de->d_name);
		f->dir = di;
		n++;
	}
	closedir(d);
	return n;
}

static void load(struct found *f)
{
	dm_error_clear(&f->err);
	dm_config_init(&f->cfg);
	f->ok = dm_config_load(&f->cfg, f->path, &f->err) == 0;
}

/* Keys shown in the values table: everything but the texts shown above it. */
static int table_key(const struct dm_config_key *k)
{
	return strcmp(k->name, "name") != 0 && strcmp(k->name, "description") != 0;
}

static void print_table(struct found *fs, size_t n)
{
	/* one column per loaded, visible profile, after the built-in defaults */
	struct dm_config builtin;
	dm_config_init(&builtin);
	const struct dm_config *cols[MAX_PROFILES + 1];
	const char *heads[MAX_PROFILES + 1];
	size_t nc = 0;
	cols[nc] = &builtin;
	heads[nc++] = "(built-in)";
	for (size_t i = 0; i < n; i++)
		if (fs[i].ok && !fs[i].shadowed) {
			cols[nc] = &fs[i].cfg;
			heads[nc++] = fs[i].name;
		}
	size_t keyw = strlen("key");
	size_t width[MAX_PROFILES + 1];
	for (size_t c = 0; c < nc; c++)
		width[c] = strlen(heads[c]);
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		if (!table_key(k))
			continue;
		if (strlen(k->name) > keyw)
			keyw = strlen(k->name);
		for (size_t c = 0; c < nc; c++) {
			char v[DM_PATH_MAX];
			dm_config_format(cols[c], k, v, sizeof v);
			if (strlen(v) > width[c])
				width[c] = strlen(v);
		}
	}
	printf("\n%-*s", (int)keyw, "key");
	for (size_t c = 0; c < nc; c++)
		printf("  %-*s", c + 1 == nc ? 0 : (int)width[c], heads[c]);
	putchar('\n');
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		if (!table_key(k))
			continue;
		printf("%-*s", (int)keyw, k->name);
		for (size_t c = 0; c < nc; c++) {
			char v[DM_PATH_MAX];
			dm_config_format(cols[c], k, v, sizeof v);
			/* the last column needs no padding: no trailing blanks */
			printf("  %-*s", c + 1 == nc ? 0 : (int)width[c], v);
		}
		putchar('\n');
	}
}

static int list_all(int values)
{
	char dirs[MAX_DIRS][DM_PATH_MAX];
	size_t nd = dm_profile_dirs(dirs, MAX_DIRS);
	struct found *fs = calloc(MAX_PROFILES, sizeof *fs);
	if (!fs) {
		dm_cli_error("out of memory");
		return DM_EXIT_INPUT;
	}
	size_t n = 0;
	for (size_t d = 0; d < nd; d++)
		n = scan_dir(dirs[d], (int)d, fs, n, MAX_PROFILES);
	qsort(fs, n, sizeof *fs, cmp_found);
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(fs[j].name, fs[i].name) == 0)
				fs[i].shadowed = 1;
		load(&fs[i]);
		if (!fs[i].ok)
			bad = 1;
	}

	size_t namew = 4;
	for (size_t i = 0; i < n; i++)
		if (strlen(fs[i].name) > namew)
			namew = strlen(fs[i].name);
	printf("Profiles, in lookup order (ddexmon --profile NAME):\n");
	for (size_t d = 0; d < nd; d++) {
		/* the same directory twice (installed = source tree) lists once */
		int dup = 0;
		for (size_t e = 0; e < d; e++)
			if (strcmp(dirs[e], dirs[d]) == 0)
				dup = 1;
		if (dup)
			continue;
		size_t here = 0;
		for (size_t i = 0; i < n; i++)
			here += fs[i].dir == (int)d;
		/* names, directories and descriptions are anybody's text: escaped */
		char e1[DM_PATH_MAX * 4], e2[sizeof ((struct dm_config *)0)->description * 4];
		printf("\n%s%s\n", dm_esc(dirs[d], e1, sizeof e1), here ? "" : "  (none)");
		for (size_t i = 0; i < n; i++) {
			struct found *f = &fs[i];
			if (f->dir != (int)d)
				continue;
			if (!f->ok) {
				char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
				dm_error_format(&f->err, msg, sizeof msg);
				printf("  %-*s  error: %s\n", (int)namew, dm_esc(f->name, e1, sizeof e1), msg);
				continue;
			}
			printf("  %-*s  %s%s\n", (int)namew, dm_esc(f->name, e1, sizeof e1),
			       f->cfg.description[0] ? dm_esc(f->cfg.description, e2, sizeof e2)
			                             : "(no description)",
			       f->shadowed ? "  [hidden by an earlier one]" : "");
		}
	}
	if (n == 0)
		printf("\nNo profiles found; the built-in defaults apply.\n");
	if (values)
		print_table(fs, n);
	free(fs);
	if (fflush(stdout) != 0) {
		dm_cli_error("standard output: write error");
		return DM_EXIT_INPUT;
	}
	return bad ? DM_EXIT_USAGE : DM_EXIT_OK;
}

static int show_one(const char *spec)
{
	struct dm_error err;
	dm_error_clear(&err);
	char path[DM_PATH_MAX + DM_NAME_MAX + 16];
	if (dm_profile_find(spec, path, sizeof path, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EXIT_USAGE;
	}
	struct dm_config cfg, def;
	dm_config_init(&cfg);
	dm_config_init(&def);
	if (dm_config_load(&cfg, path, &err) != 0) {
		dm_cli_print_error(&err);
		return DM_EXIT_USAGE;
	}
	printf("%s: %s\n%s\n\n", cfg.name, cfg.description[0] ? cfg.description : "(no description)",
	       path);
	size_t keyw = 3, valw = 5, defw = 7;
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		char v[DM_PATH_MAX], d[DM_PATH_MAX];
		if (!table_key(k))
			continue;
		dm_config_format(&cfg, k, v, sizeof v);
		dm_config_format(&def, k, d, sizeof d);
		if (strlen(k->name) > keyw)
			keyw = strlen(k->name);
		if (strlen(v) > valw)
			valw = strlen(v);
		if (strlen(d) > defw)
			defw = strlen(d);
	}
	/* '*' marks what the profile changes from the built-in default */
	printf("  %-*s  %-*s  %-*s  %s\n", (int)keyw, "key", (int)valw, "value", (int)defw, "default",
	       "meaning");
	for (size_t i = 0; i < dm_config_key_count(); i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		char v[DM_PATH_MAX], d[DM_PATH_MAX];
		if (!table_key(k))
			continue;
		dm_config_format(&cfg, k, v, sizeof v);
		dm_config_format(&def, k, d, sizeof d);
		int changed = strcmp(v, d) != 0;
		printf("%c %-*s  %-*s  %-*s  %s\n", changed ? '*' : ' ', (int)keyw, k->name, (int)valw, v,
		       (int)defw, d, k->doc);
	}
	printf("\n* = differs from the built-in default\n");
	if (fflush(stdout) != 0) {
		dm_cli_error("standard output: write error");
		return DM_EXIT_INPUT;
	}
	return DM_EXIT_OK;
}

enum { OPT_VALUES = DM_OPT_FIRST_FREE, OPT_BRIEF };

static const struct dm_opt profiles_opts[] = {
	{"brief", 'b', DM_ARG_NONE, NULL, "names, descriptions and paths only", OPT_BRIEF},
	{"values", 'v', DM_ARG_NONE, NULL, "the values table (the default)", OPT_VALUES},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int profiles_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	int values = 1;
	/* the last of --brief and --values wins */
	for (int i = 0; i < a->n; i++)
		values = a->seen[i].id == OPT_VALUES;
	if (a->argc > 1) {
		dm_cli_error("profiles: one profile at a time (try 'ddexmon profiles --help')");
		return DM_EXIT_USAGE;
	}
	if (a->argc == 1)
		return show_one(a->argv[0]);
	return list_all(values);
}

static const struct dm_opt *const profiles_tables[] = {profiles_opts, NULL};

const struct dm_cmd dm_cmd_profiles = {
	.name = "profiles",
	.summary = "list the profiles on the search path with their values",
	.usage = "ddexmon profiles [OPTIONS] [NAME|FILE]",
	.about = "List the profiles on the search path, in lookup order, and every\n"
	         "configuration key's value in each; with NAME, show that profile.\n",
	.opts = profiles_tables,
	.epilogue = "Search order: $DDEXMON_PROFILE_PATH, $XDG_CONFIG_HOME/ddexmon/profiles\n"
	            "(or ~/.config/ddexmon/profiles), the installed profiles, and the source\n"
	            "tree's profiles/ when run uninstalled. A name found earlier hides the\n"
	            "same name later.\n",
	.fn = profiles_main,
};
