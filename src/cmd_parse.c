/* `ddexmon parse`: the session with a records-to-stdout sink and no
 * events by default; a summary line on stderr. Files are parsed one after
 * another so that their records come out in command-line order. */
#include "config.h"
#include "cli.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "session.h"
#include "sink.h"

struct parse_ctx {
	struct dm_sink sink;
	struct dm_session *s;
	uint64_t skipped;           /* invalid records skipped (continue_on_error) */
};

/* Errors and notes as one line each on stderr, as they happen; then the
 * sink, for --events. */
static void on_event(void *ctx, const struct dm_event *ev)
{
	struct parse_ctx *c = ctx;
	if (ev->type == DM_EV_ERROR) {
		if (!ev->u.error.fatal)
			__atomic_add_fetch(&c->skipped, 1, __ATOMIC_RELAXED);
		/* a failed stdout is said once, by the sink, naming stdout */
		if (ev->u.error.error->code != DM_EIO || !dm_recout_errno(&c->sink.rec))
			dm_cli_print_error(ev->u.error.error);
	} else if (ev->type == DM_EV_NOTE && ev->u.note.path) {
		dm_cli_error("%s: %s", ev->u.note.path, ev->u.note.text);
	}
	dm_sink_ops.event(&c->sink, ev);
}

static int on_lines(void *ctx, int file, const char *data, size_t len)
{
	struct parse_ctx *c = ctx;
	int rc = dm_sink_ops.lines(&c->sink, file, data, len);
	if (rc == DM_EIO)
		dm_session_stop(c->s);   /* nothing more can go out */
	return rc;
}

static const struct dm_session_ops parse_ops = {
	.event = on_event,
	.lines = on_lines,
};
/* --summary-only: without lines the session formats no record */
static const struct dm_session_ops count_ops = {
	.event = on_event,
};

enum { OPT_EVENTS = DM_OPT_FIRST_FREE, OPT_SUMMARY_ONLY };

static const struct dm_opt parse_opts[] = {
	{"summary-only", 0, DM_ARG_NONE, NULL, "print no records, only the summary", OPT_SUMMARY_ONLY},
	{"events", 0, DM_ARG_REQUIRED, "FILE|-", "events as JSON lines (as 'ddexmon run' writes them)",
	 OPT_EVENTS},
	{NULL, 0, 0, NULL, NULL, 0},
};

/* The worst error of the files decides, as for a single file. */
static int exit_code(struct dm_session *s, int *nfailed)
{
	int worst = 0;
	*nfailed = 0;
	for (size_t i = 0; i < dm_session_files(s); i++) {
		struct dm_file_info fi;
		if (dm_session_file(s, i, &fi) != 0 || fi.state == DM_FILE_DONE)
			continue;
		(*nfailed)++;
		int rc = fi.code ? fi.code : DM_EINTR;
		if (!worst || dm_exit_code(rc) > dm_exit_code(worst))
			worst = rc;
	}
	return dm_exit_code(worst);
}

static void summary_line(struct dm_session *s, int nfiles, int nfailed, double secs,
                         uint64_t skipped)
{
	struct dm_session_summary sum;
	dm_session_summary(s, &sum);
	char peak[32];
	dm_format_bytes(sum.acct_peak, peak, sizeof peak);
	fprintf(stderr,
	        "ddexmon: %d file%s%s, %llu bytes in %.3f s (%.1f MB/s): %llu header, %llu party, "
	        "%llu resource, %llu release, %llu deal records%s; peak accounted %s\n",
	        nfiles, nfiles == 1 ? "" : "s", nfailed ? " (some failed)" : "",
	        (unsigned long long)sum.bytes, secs, secs > 0 ? (double)sum.bytes / 1e6 / secs : 0.0,
	        (unsigned long long)sum.records[DM_REC_HEADER], (unsigned long long)sum.records[DM_REC_PARTY],
	        (unsigned long long)sum.records[DM_REC_RESOURCE],
	        (unsigned long long)sum.records[DM_REC_RELEASE], (unsigned long long)sum.records[DM_REC_DEAL],
	        skipped ? " (invalid records skipped)" : "", peak);
}

static int parse_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	struct parse_ctx c;
	memset(&c, 0, sizeof c);
	c.sink.records = !dm_args_has(a, OPT_SUMMARY_ONLY);
	c.sink.sample_events = 1;
	if (dm_cli_sink_outputs(a, &c.sink) != 0)
		return DM_EXIT_USAGE;
	const char *events = dm_args_get(a, OPT_EVENTS);
	if (a->argc == 0) {
		dm_cli_error("parse: no input file (use - for standard input; try 'ddexmon parse --help')");
		return DM_EXIT_USAGE;
	}
	struct dm_config cfg;
	if (dm_cli_config(a, NULL, &cfg) != 0)
		return DM_EXIT_USAGE;
	cfg.max_concurrent = 1;
	if (events && strcmp(events, "-") == 0 && c.sink.records) {
		dm_cli_error("--events - needs --summary-only (both would go to stdout)");
		return DM_EXIT_USAGE;
	}
	if (events && dm_sink_open_events(&c.sink, events) != 0)
		return DM_EXIT_INPUT;

	struct dm_acct *out_acct = dm_acct_new(NULL, 0);
	if (!out_acct || dm_sink_init(&c.sink, out_acct) != 0) {
		dm_sink_fini(&c.sink);
		dm_acct_free(out_acct);
		return DM_EXIT_INPUT;
	}
	/* parse has no pre-flight check: the budget is a ceiling, not a need */
	struct dm_session_opts so = {.force = 1};
	struct dm_error err;
	dm_error_clear(&err);
	int code;
	double t0 = dm_mono_s();
	c.s = dm_session_new(&cfg, &so, c.sink.records ? &parse_ops : &count_ops, &c, &err);
	if (!c.s) {
		dm_cli_print_error(&err);
		code = dm_exit_code(err.code);
		goto out;
	}
	dm_sink_attach(&c.sink, c.s);
	for (int i = 0; i < a->argc; i++)
		if (dm_session_add(c.s, a->argv[i]) < 0) {
			dm_cli_error("out of memory");
			code = DM_EXIT_MEMORY;
			goto out;
		}
	dm_cli_signals_stop_session(c.s);
	if (dm_session_start(c.s, &err) != 0) {
		dm_cli_print_error(&err);
		dm_session_stop(c.s);
		dm_session_wait(c.s);
		code = dm_exit_code(err.code);
		goto out;
	}
	int run_code = dm_session_wait(c.s);
	int nfailed;
	code = exit_code(c.s, &nfailed);
	if (run_code == DM_EXIT_INTERRUPTED && !dm_recout_errno(&c.sink.rec))
		code = DM_EXIT_INTERRUPTED;
	if (dm_sink_finish(&c.sink) != 0 && code != DM_EXIT_INTERRUPTED)
		code = DM_EXIT_INPUT;
	if (dm_cli_signal_seen() && !dm_recout_errno(&c.sink.rec))
		code = DM_EXIT_INTERRUPTED;   /* even when it came during the last flush */
	summary_line(c.s, a->argc, nfailed, dm_mono_s() - t0, c.skipped);
out:
	dm_cli_signals_stop_session(NULL);   /* before the session goes */
	dm_session_free(c.s);
	dm_sink_fini(&c.sink);
	dm_acct_free(out_acct);
	return code;
}

static const struct dm_opt *const parse_tables[] = {
	dm_opts_config, parse_opts, dm_opts_metrics, NULL,
};

const struct dm_cmd dm_cmd_parse = {
	.name = "parse",
	.summary = "parse ERN files to JSON lines in bounded memory",
	.usage = "ddexmon parse [OPTIONS] FILE...|-",
	.about = "Parse DDEX ERN messages in bounded memory; one JSON record per line on stdout.\n",
	.opts = parse_tables,
	.epilogue = "Files are parsed one after another, whatever max_concurrent says.\n"
	            "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	            "130 interrupted.\n",
	.fn = parse_main,
};
