/* The one option parser: getopt_long's tables and the --help text are
 * both built from a command's declaration (cmd.h). */
#include "config.h"
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"

#define MAX_OPTS 64
#define HELP_ID (-1)
/* getopt_long's val for the i-th option's long form: above any letter,
 * so that a short letter and its long name are told apart in optopt */
#define LONG_VAL(i) (0x100 + (int)(i))

static const struct dm_opt help_opt = {"help", 'h', DM_ARG_NONE, NULL, "this help", HELP_ID};

struct flat {
	const struct dm_opt *o[MAX_OPTS];
	size_t n;
};

/* The command's options in --help order, --help last. A table too large,
 * or a long name or letter declared twice, is a mistake in the tables:
 * said at once, whatever the command line, so every test of the command
 * catches it. */
static int flatten(const struct dm_cmd *cmd, struct flat *f)
{
	f->n = 0;
	for (const struct dm_opt *const *t = cmd->opts; t && *t; t++)
		for (const struct dm_opt *o = *t; o->name; o++) {
			if (f->n >= MAX_OPTS - 1) {
				dm_cli_error("%s: more than %d options in its tables", cmd->name, MAX_OPTS - 1);
				return -1;
			}
			f->o[f->n++] = o;
		}
	f->o[f->n++] = &help_opt;
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->o[i]->name, f->o[j]->name) == 0 ||
			    (f->o[i]->letter && f->o[i]->letter == f->o[j]->letter) ||
			    f->o[i]->id == f->o[j]->id) {
				dm_cli_error("%s: option --%s declared twice (name, letter or id)", cmd->name,
				             f->o[i]->name);
				return -1;
			}
	return 0;
}

#define HELP_COL 24

void dm_cmd_help(const struct dm_cmd *cmd, FILE *out)
{
	struct flat f;
	if (flatten(cmd, &f) != 0)
		return;
	fprintf(out, "Usage: %s\n%s\n", cmd->usage, cmd->about ? cmd->about : "");
	for (size_t i = 0; i < f.n; i++) {
		const struct dm_opt *o = f.o[i];
		char label[96];
		const char *value = o->arg == DM_ARG_REQUIRED ? o->metavar : NULL;
		int len;
		if (o->letter)
			len = snprintf(label, sizeof label, "-%c, --%s%s%s", o->letter, o->name,
			               value ? " " : "", value ? value : "");
		else
			len = snprintf(label, sizeof label, "--%s%s%s", o->name, value ? " " : "",
			               value ? value : "");
		fprintf(out, "  %s", label);
		int col = 2 + len;
		const char *h = o->help;
		for (;;) {
			const char *nl = strchr(h, '\n');
			int w = nl ? (int)(nl - h) : (int)strlen(h);
			int pad = col < HELP_COL ? HELP_COL - col : 2;
			fprintf(out, "%*s%.*s\n", pad, "", w, h);
			if (!nl)
				break;
			h = nl + 1;
			col = 0;
		}
	}
	if (cmd->epilogue)
		fprintf(out, "\n%s", cmd->epilogue);
}

static const char *lookup_letter(const struct flat *f, int c, size_t *idx)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->o[i]->letter == c) {
			*idx = i;
			return f->o[i]->name;
		}
	return NULL;
}

/* One line naming what getopt refused: the option as the command line
 * spelled it, so '--max-fr' says '--max-fr'. */
static int usage_error(const struct dm_cmd *cmd, const struct flat *f, int ret, char **argv)
{
	char word[128];
	const char *what = NULL;   /* NULL: not an option of this command */
	if (optopt >= LONG_VAL(0) && optopt < LONG_VAL(f->n)) {
		snprintf(word, sizeof word, "--%s", f->o[optopt - LONG_VAL(0)]->name);
		what = ret == ':' ? "needs a value" : "takes no value";
	} else if (optopt > 0 && optopt < LONG_VAL(0)) {
		snprintf(word, sizeof word, "-%c", optopt);
		what = ret == ':' ? "needs a value" : NULL;
	} else {
		const char *w = argv[optind - 1];
		size_t len = strcspn(w, "=");
		snprintf(word, sizeof word, "%.*s", (int)(len < 100 ? len : 100), w);
		/* getopt_long takes a unique prefix: a shared one is its own case */
		size_t matches = 0;
		if (strncmp(word, "--", 2) == 0 && word[2])
			for (size_t i = 0; i < f->n; i++)
				matches += strncmp(f->o[i]->name, word + 2, strlen(word + 2)) == 0;
		what = matches > 1 ? "is ambiguous" : NULL;
	}
	if (what)
		dm_cli_error("%s: option '%s' %s (try 'ddexmon %s --help')", cmd->name, word, what,
		             cmd->name);
	else
		dm_cli_error("%s: unrecognized option '%s' (try 'ddexmon %s --help')", cmd->name, word,
		             cmd->name);
	return DM_EXIT_USAGE;
}

int dm_cmd_main(const struct dm_cmd *cmd, int argc, char **argv)
{
	struct flat f;
	if (flatten(cmd, &f) != 0)
		return DM_EXIT_USAGE;
	struct option lo[MAX_OPTS + 1];
	char shortopts[2 * MAX_OPTS + 2];
	size_t ns = 0;
	shortopts[ns++] = ':';   /* a missing value returns ':' */
	for (size_t i = 0; i < f.n; i++) {
		const struct dm_opt *o = f.o[i];
		lo[i] = (struct option){o->name, o->arg == DM_ARG_REQUIRED ? required_argument : no_argument,
		                        NULL, LONG_VAL(i)};
		if (o->letter) {
			shortopts[ns++] = (char)o->letter;
			if (o->arg == DM_ARG_REQUIRED)
				shortopts[ns++] = ':';
		}
	}
	lo[f.n] = (struct option){NULL, 0, NULL, 0};
	shortopts[ns] = '\0';

	static struct dm_args a;   /* large; one command runs per process */
	memset(&a, 0, sizeof a);
	opterr = 0;
#ifdef __GLIBC__
	optind = 0;   /* glibc: also forgets the state of an earlier parse */
#else
	optind = 1;
#endif
	int c;
	while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		size_t i;
		if (c == ':' || c == '?')
			return usage_error(cmd, &f, c, argv);
		if (c >= LONG_VAL(0))
			i = (size_t)(c - LONG_VAL(0));
		else if (!lookup_letter(&f, c, &i))
			return usage_error(cmd, &f, '?', argv);
		if (f.o[i]->id == HELP_ID) {
			dm_cmd_help(cmd, stdout);
			return fflush(stdout) == 0 ? DM_EXIT_OK : DM_EXIT_INPUT;
		}
		if (a.n >= DM_ARGS_MAX) {
			dm_cli_error("%s: too many options (at most %d)", cmd->name, DM_ARGS_MAX);
			return DM_EXIT_USAGE;
		}
		a.seen[a.n].id = f.o[i]->id;
		a.seen[a.n++].value = optarg ? optarg : "";
	}
	a.argc = argc - optind;
	a.argv = argv + optind;
	return cmd->fn(cmd, &a);
}

const char *dm_args_get(const struct dm_args *a, int id)
{
	for (int i = a->n - 1; i >= 0; i--)
		if (a->seen[i].id == id)
			return a->seen[i].value;
	return NULL;
}

int dm_args_has(const struct dm_args *a, int id)
{
	int n = 0;
	for (int i = 0; i < a->n; i++)
		n += a->seen[i].id == id;
	return n;
}
