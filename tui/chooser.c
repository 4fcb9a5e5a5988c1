/* The file chooser: directory listing, cursor, selection, drawing. */
#include "config.h"
#include "chooser.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"

struct entry {
	char *name;
	int is_dir;
	uint64_t size;
};

struct dm_tui_chooser {
	char dir[PATH_MAX];
	struct entry *e;
	size_t n, cap;
	size_t cursor, top;
	char **sel;                 /* absolute paths */
	size_t nsel, capsel;
	char message[160];          /* why the last key did nothing */
};

static int is_xml(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (strcmp(x->name, "..") == 0)
		return -1;
	if (strcmp(y->name, "..") == 0)
		return 1;
	if (x->is_dir != y->is_dir)
		return y->is_dir - x->is_dir;      /* directories first */
	return strcmp(x->name, y->name);
}

static void clear_entries(struct dm_tui_chooser *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].name);
	c->n = 0;
}

static int push_entry(struct dm_tui_chooser *c, const char *name, int is_dir, uint64_t size)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct entry *e = realloc(c->e, cap * sizeof *e);
		if (!e)
			return -1;
		c->e = e;
		c->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -1;
	c->e[c->n++] = (struct entry){copy, is_dir, size};
	return 0;
}

/* List dir (absolute); on failure the old listing stays. */
static int load(struct dm_tui_chooser *c, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(c->message, sizeof c->message, "%s: %s", dir, strerror(errno));
		return -1;
	}
	clear_entries(c);
	snprintf(c->dir, sizeof c->dir, "%s", dir);
	if (strcmp(dir, "/") != 0)
		push_entry(c, "..", 1, 0);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;       /* hidden, "." and ".." (added above) */
		char path[PATH_MAX + 256];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			push_entry(c, de->d_name, 1, 0);
		else if (S_ISREG(st.st_mode) && is_xml(de->d_name))
			push_entry(c, de->d_name, 0, (uint64_t)st.st_size);
	}
	closedir(d);
	qsort(c->e, c->n, sizeof *c->e, cmp_entry);
	c->cursor = c->top = 0;
	c->message[0] = '\0';
	return 0;
}

struct dm_tui_chooser *dm_tui_chooser_new(const char *dir)
{
	struct dm_tui_chooser *c = calloc(1, sizeof *c);
	char abs[PATH_MAX];
	if (!c)
		return NULL;
	if (!realpath(dir ? dir : ".", abs) || load(c, abs) != 0) {
		dm_tui_chooser_free(c);
		return NULL;
	}
	return c;
}

void dm_tui_chooser_free(struct dm_tui_chooser *c)
{
	if (!c)
		return;
	clear_entries(c);
	free(c->e);
	for (size_t i = 0; i < c->nsel; i++)
		free(c->sel[i]);
	free(c->sel);
	free(c);
}

static void path_of(const struct dm_tui_chooser *c, const struct entry *e, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", strcmp(c->dir, "/") ? c->dir : "", e->name);
}

static long find_sel(const struct dm_tui_chooser *c, const char *path)
{
	for (size_t i = 0; i < c->nsel; i++)
		if (strcmp(c->sel[i], path) == 0)
			return (long)i;
	return -1;
}

static void toggle(struct dm_tui_chooser *c, const struct entry *e)
{
	char path[PATH_MAX + 256];
	path_of(c, e, path, sizeof path);
	long i = find_sel(c, path);
	if (i >= 0) {
		free(c->sel[i]);
		memmove(&c->sel[i], &c->sel[i + 1], (c->nsel - (size_t)i - 1) * sizeof *c->sel);
		c->nsel--;
		return;
	}
	if (c->nsel == c->capsel) {
		size_t cap = c->capsel ? c->capsel * 2 : 16;
		char **s = realloc(c->sel, cap * sizeof *s);
		if (!s)
			return;
		c->sel = s;
		c->capsel = cap;
	}
	char *copy = strdup(path);
	if (copy)
		c->sel[c->nsel++] = copy;
}

static void enter_dir(struct dm_tui_chooser *c, const struct entry *e)
{
	char path[PATH_MAX + 256], abs[PATH_MAX];
	path_of(c, e, path, sizeof path);
	if (!realpath(path, abs)) {
		snprintf(c->message, sizeof c->message, "%s: %s", e->name, strerror(errno));
		return;
	}
	load(c, abs);
}

enum dm_tui_chooser_result dm_tui_chooser_key(struct dm_tui_chooser *c, int key)
{
	struct entry *e = c->n ? &c->e[c->cursor] : NULL;
	c->message[0] = '\0';
	switch (key) {
	case KEY_UP: case 'k':
		if (c->cursor > 0)
			c->cursor--;
		break;
	case KEY_DOWN: case 'j':
		if (c->cursor + 1 < c->n)
			c->cursor++;
		break;
	case KEY_PPAGE:
		c->cursor = c->cursor > 10 ? c->cursor - 10 : 0;
		break;
	case KEY_NPAGE:
		c->cursor = c->cursor + 10 < c->n ? c->cursor + 10 : (c->n ? c->n - 1 : 0);
		break;
	case KEY_HOME:
		c->cursor = 0;
		break;
	case KEY_END:
		c->cursor = c->n ? c->n - 1 : 0;
		break;
	case ' ':
		if (e && !e->is_dir) {
			toggle(c, e);
			if (c->cursor + 1 < c->n)
				c->cursor++;
		} else if (e) {
			snprintf(c->message, sizeof c->message, "only .xml files can be selected");
		}
		break;
	case 'T': case 't':
		snprintf(c->message, sizeof c->message, "the live tune (T) needs a file: choose one first");
		break;
	case '*':
		/* every .xml file here */
		for (size_t i = 0; i < c->n; i++) {
			char path[PATH_MAX + 256];
			path_of(c, &c->e[i], path, sizeof path);
			if (!c->e[i].is_dir && find_sel(c, path) < 0)
				toggle(c, &c->e[i]);
		}
		break;
	case '\n': case '\r': case KEY_ENTER:
		if (e && e->is_dir) {
			enter_dir(c, e);
			break;
		}
		if (c->nsel == 0 && e)
			toggle(c, e);
		if (c->nsel > 0)
			return DM_TUI_CHOOSER_DONE;
		snprintf(c->message, sizeof c->message, "select .xml files with space first");
		break;
	case KEY_BACKSPACE: case 127: case 'h': case KEY_LEFT:
		if (c->n && strcmp(c->e[0].name, "..") == 0)
			enter_dir(c, &c->e[0]);
		break;
	case 27: case 'q':
		return DM_TUI_CHOOSER_CANCEL;
	default:
		break;
	}
	return DM_TUI_CHOOSER_OPEN;
}

void dm_tui_chooser_draw(WINDOW *w, struct dm_tui_chooser *c, const struct dm_tui_view *v)
{
	char right[64], line[PATH_MAX + 64], size[16];
	snprintf(right, sizeof right, "%zu selected", c->nsel);
	struct dm_tui_view boxed = *v;
	boxed.compact = 0;
	struct dm_tui_rect r = dm_tui_frame(w, &boxed, "Choose files", right, DM_TUI_PLAIN);
	if (r.h < 3)
		return;
	dm_tui_put(w, v, r.y, r.x, r.w, c->dir, dm_tui_attr(v, DM_TUI_STRONG));
	int rows = r.h - 2;
	/* keep the cursor in view (top is a cache of the scroll position) */
	size_t top = c->top;
	if (c->cursor < top)
		top = c->cursor;
	if (c->cursor >= top + (size_t)rows)
		top = c->cursor - (size_t)rows + 1;
	c->top = top;
	if (c->n == 0)
		dm_tui_put(w, v, r.y + 1, r.x, r.w, "(no directories or .xml files here)",
		           dm_tui_attr(v, DM_TUI_DIM));
	for (int i = 0; i < rows && top + (size_t)i < c->n; i++) {
		const struct entry *e = &c->e[top + (size_t)i];
		char path[PATH_MAX + 256];
		path_of(c, e, path, sizeof path);
		if (e->is_dir)
			snprintf(line, sizeof line, "    %s/", e->name);
		else
			snprintf(line, sizeof line, "%s %-*s %6s", find_sel(c, path) >= 0 ? "[x]" : "[ ]",
			         r.w - 11 > 8 ? r.w - 11 : 8, e->name, dm_tui_size(size, sizeof size, e->size));
		attr_t a = top + (size_t)i == c->cursor ? A_REVERSE : A_NORMAL;
		char fitted[PATH_MAX + 64];
		dm_tui_fit(fitted, sizeof fitted, line, r.w, v->utf8);
		dm_tui_put(w, v, r.y + 1 + i, r.x, r.w, fitted, a);
	}
	const char *help = c->message[0] ? c->message
	                   : v->utf8 ? "\xe2\x86\x91\xe2\x86\x93 move  Enter open/start  space select  * all  Esc cancel"
	                             : "arrows move  Enter open/start  space select  * all  Esc cancel";
	dm_tui_put(w, v, r.y + r.h - 1, r.x, r.w, help,
	           dm_tui_attr(v, c->message[0] ? DM_TUI_NOTICE : DM_TUI_DIM));
}

size_t dm_tui_chooser_selection(const struct dm_tui_chooser *c, const char *const **paths)
{
	*paths = (const char *const *)c->sel;
	return c->nsel;
}
