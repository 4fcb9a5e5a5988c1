/* Input paths for a session: standard input at most once, each file once
 * however many names or links reach it, and bounded directory walks for
 * --recursive (cycles through symbolic links end; memory has a ceiling). */
#include "config.h"
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "error.h"
#include "session.h"

static atomic_int walk_stop;

void dm_cli_stop_walk(void)
{
	atomic_store(&walk_stop, 1);
}

/* A file or directory already taken, by device and inode. */
struct seen {
	dev_t dev;
	ino_t ino;
	int file;       /* its session index, or -1 for a directory */
	int used;
};

/* A name read from a directory, waiting for its turn in sorted order. */
struct entry {
	char *name;
	int is_dir;
};

struct walk {
	struct dm_session *s;
	struct seen *set;
	size_t cap, used;
	size_t files, dirs;              /* queued, entered */
	size_t found;                    /* *.xml met, queued before or not */
	size_t held_files, held_dirs;    /* names read but not yet taken */
	int partial;                     /* a directory could not be read */
};

static size_t seen_slot(const struct seen *set, size_t cap, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)dev * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ino * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 31;
	size_t i = (size_t)h & (cap - 1);
	while (set[i].used && !(set[i].dev == dev && set[i].ino == ino))
		i = (i + 1) & (cap - 1);
	return i;
}

static const struct seen *seen_find(const struct walk *w, const struct stat *st)
{
	if (!w->cap)
		return NULL;
	const struct seen *e = &w->set[seen_slot(w->set, w->cap, st->st_dev, st->st_ino)];
	return e->used ? e : NULL;
}

/* Remember st as taken (file = its session index, or -1). 0, or -1 when
 * out of memory. */
static int seen_add(struct walk *w, const struct stat *st, int file)
{
	if ((w->used + 1) * 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		struct seen *set = calloc(cap, sizeof *set);
		if (!set)
			return -1;
		for (size_t i = 0; i < w->cap; i++)
			if (w->set[i].used)
				set[seen_slot(set, cap, w->set[i].dev, w->set[i].ino)] = w->set[i];
		free(w->set);
		w->set = set;
		w->cap = cap;
	}
	struct seen *e = &w->set[seen_slot(w->set, w->cap, st->st_dev, st->st_ino)];
	*e = (struct seen){.dev = st->st_dev, .ino = st->st_ino, .file = file, .used = 1};
	w->used++;
	return 0;
}

static int has_xml_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl && dir[dl - 1] == '/';
	char *p = malloc(dl + nl + 2);
	if (p) {
		memcpy(p, dir, dl);
		if (!slash)
			p[dl++] = '/';
		memcpy(p + dl, name, nl + 1);
	}
	return p;
}

static int out_of_memory(void)
{
	dm_cli_error("out of memory");
	return DM_EXIT_MEMORY;
}

/* Queue path unless the file behind it is taken already. st is NULL when
 * it cannot be stat'ed (a dangling link): queued so that it fails like
 * any file that cannot be opened. Returns 0, DM_EXIT_*, or 1 when the
 * file was taken before (*prev then names that). */
static int take_file(struct walk *w, const char *path, const struct stat *st,
                     const struct seen **prev)
{
	if (st && (*prev = seen_find(w, st)))
		return 1;
	int idx = dm_session_add(w->s, path);
	if (idx < 0 || (st && seen_add(w, st, idx) != 0))
		return out_of_memory();
	w->files++;
	return 0;
}

/* Keep a name of dir in sorted order for later: subdirectories and *.xml
 * files (through links too); everything else is left at once, so that a
 * directory of audio and images costs nothing. */
static int classify(DIR *d, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return 1;
	if (de->d_type == DT_REG)
		return has_xml_suffix(de->d_name) ? 0 : -1;
	if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
		return -1;      /* FIFOs, sockets, devices: never inputs of a walk */
	struct stat st;
	if (fstatat(dirfd(d), de->d_name, &st, 0) != 0)
		return has_xml_suffix(de->d_name) ? 0 : -1;
	if (S_ISDIR(st.st_mode))
		return 1;
	return S_ISREG(st.st_mode) && has_xml_suffix(de->d_name) ? 0 : -1;
}

static int too_many(const char *dir, const char *what, long limit)
{
	dm_cli_error("%s: more than %ld %s in the walk (the limit for one command; "
	             "give them to several runs)", dir, limit, what);
	return DM_EXIT_INPUT;
}

/* Read dir's names that matter; the walk's counts bound what is held. */
static int read_dir(struct walk *w, const char *dir, DIR *d, struct entry **out, size_t *nout)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (;;) {
		if (atomic_load(&walk_stop)) {
			rc = DM_EXIT_INTERRUPTED;
			break;
		}
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno) {
				dm_cli_error("%s: cannot read directory: %s (skipped)", dir, strerror(errno));
				w->partial = 1;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		int is_dir = classify(d, de);
		if (is_dir < 0)
			continue;
		if (is_dir && w->dirs + w->held_dirs >= DM_WALK_MAX_DIRS) {
			rc = too_many(dir, "directories", DM_WALK_MAX_DIRS);
			break;
		}
		if (!is_dir && w->files + w->held_files >= DM_WALK_MAX_FILES) {
			rc = too_many(dir, "*.xml files", DM_WALK_MAX_FILES);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct entry *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				rc = out_of_memory();
				break;
			}
			v = nv;
			cap = ncap;
		}
		if (!(v[n].name = strdup(de->d_name))) {
			rc = out_of_memory();
			break;
		}
		v[n++].is_dir = is_dir;
		if (is_dir)
			w->held_dirs++;
		else
			w->held_files++;
	}
	*out = v;
	*nout = n;
	return rc;
}

static int walk_dir(struct walk *w, const char *dir, int depth);

static int walk_entry(struct walk *w, const char *dir, const struct entry *e, int depth)
{
	char *path = join(dir, e->name);
	if (!path)
		return out_of_memory();
	int rc = 0;
	if (e->is_dir) {
		rc = walk_dir(w, path, depth + 1);
	} else {
		struct stat st;
		int have = stat(path, &st) == 0;
		const struct seen *prev;
		w->found++;
		if (!have || S_ISREG(st.st_mode))
			rc = take_file(w, path, have ? &st : NULL, &prev);
		if (rc == 1)
			rc = 0;     /* another name of a file already queued */
	}
	free(path);
	return rc;
}

/* Queue the *.xml below dir in sorted order, each directory and file once. */
static int walk_dir(struct walk *w, const char *dir, int depth)
{
	if (depth > DM_WALK_MAX_DEPTH) {
		dm_cli_error("%s: directories nested deeper than %d in the walk (the limit)",
		             dir, DM_WALK_MAX_DEPTH);
		return DM_EXIT_INPUT;
	}
	DIR *d = opendir(dir);
	if (!d) {
		dm_cli_error("%s: cannot open directory: %s (skipped)", dir, strerror(errno));
		w->partial = 1;
		return 0;
	}
	/* identity of what was opened, not of the name: a link back to an
	 * ancestor, or a second link to any directory, is entered once */
	struct stat st;
	if (fstat(dirfd(d), &st) != 0 || seen_find(w, &st)) {
		closedir(d);
		return 0;
	}
	if (seen_add(w, &st, -1) != 0) {
		closedir(d);
		return out_of_memory();
	}
	w->dirs++;
	struct entry *v;
	size_t n;
	int rc = read_dir(w, dir, d, &v, &n);
	closedir(d);
	if (rc == 0 && n)
		qsort(v, n, sizeof *v, cmp_entry);
	for (size_t i = 0; i < n; i++) {
		if (v[i].is_dir)
			w->held_dirs--;
		else
			w->held_files--;
		if (rc == 0 && atomic_load(&walk_stop))
			rc = DM_EXIT_INTERRUPTED;
		if (rc == 0)
			rc = walk_entry(w, dir, &v[i], depth);
		free(v[i].name);
	}
	free(v);
	return rc;
}

static int add_dir(struct walk *w, const char *path, const struct stat *st)
{
	if (seen_find(w, st)) {
		dm_cli_error("%s: directory already walked (each file is parsed once)", path);
		return 0;
	}
	size_t before = w->found;
	int partial = w->partial;
	int rc = walk_dir(w, path, 0);
	if (rc == 0 && w->found == before && w->partial == partial)
		dm_cli_error("%s: no *.xml files found", path);
	return rc;
}

static int add_file(struct walk *w, const char *path, const struct stat *st)
{
	if (st && S_ISDIR(st->st_mode))
		st = NULL;      /* "-" on a directory: fails as its file, never a duplicate */
	const struct seen *prev;
	int rc = take_file(w, path, st, &prev);
	if (rc != 1)
		return rc;
	struct dm_file_info fi;
	const char *first = dm_session_file(w->s, (size_t)prev->file, &fi) == 0 ? fi.path : "?";
	if (st && S_ISREG(st->st_mode)) {
		dm_cli_error("%s: same file as %s (parsed once)", path, first);
		return 0;
	}
	dm_cli_error("%s: same input as %s (a pipe or device can be read only once)", path, first);
	return DM_EXIT_USAGE;
}

int dm_cli_check_stdin(char **paths, int n)
{
	int named = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(paths[i], "-") == 0 && named++) {
			dm_cli_error("- (standard input) given more than once (it can be read only once)");
			return DM_EXIT_USAGE;
		}
	return 0;
}

/* On the signal thread while a walk runs: the walk ends at its next entry
 * (exit 130) instead of the program ending under it. */
static void stop_walk_on_signal(void *ctx, int sig)
{
	(void)ctx;
	(void)sig;
	dm_cli_stop_walk();
}

int dm_cli_add_paths(struct dm_session *s, char **paths, int n, int recursive)
{
	if (dm_cli_check_stdin(paths, n) != 0)
		return DM_EXIT_USAGE;
	dm_cli_signals_on(stop_walk_on_signal, NULL);
	struct walk w = {.s = s};
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		if (atomic_load(&walk_stop)) {
			rc = DM_EXIT_INTERRUPTED;
			break;
		}
		struct stat st;
		int is_stdin = strcmp(paths[i], "-") == 0;
		int have = (is_stdin ? fstat(0, &st) : stat(paths[i], &st)) == 0;
		if (have && !is_stdin && S_ISDIR(st.st_mode)) {
			if (!recursive) {
				dm_cli_error("%s: is a directory (use --recursive to parse the *.xml in it)",
				             paths[i]);
				rc = DM_EXIT_USAGE;
			} else {
				rc = add_dir(&w, paths[i], &st);
			}
		} else {
			rc = add_file(&w, paths[i], have ? &st : NULL);
		}
	}
	free(w.set);
	dm_cli_signals_on(NULL, NULL);
	if (rc == 0 && atomic_load(&walk_stop))
		rc = DM_EXIT_INTERRUPTED;   /* the signal came after the last entry */
	if (rc == 0 && w.partial)
		rc = DM_EXIT_PARTIAL;
	return rc;
}
