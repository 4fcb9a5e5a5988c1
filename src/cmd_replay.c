/* `ddexmon replay FILE`: the dashboard on a recording, or, without a
 * terminal, the recording's summary on stdout. The input files of the run
 * are never needed: everything comes out of the recording. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "crt.h"
#include "fmt.h"
#include "jsonl.h"
#include "playback.h"
#include "replay.h"

#define MAX_WARNINGS 20
#define MAX_LEAK_LINES 20

struct tally {
	uint64_t events, files, files_ok, files_failed, records, bytes, rss_peak, acct_peak;
	uint64_t suspected, confirmed, cleared;
	uint64_t updated, stopped, bounded, projected, exh_cleared, leak_lines;
	const char *leak_state;
	struct dm_event_losses left_out;   /* what the recording says it lost */
	int have_summary, have_status;
	struct dm_session_summary sum;
	double t_last;
	uint64_t warned;
	int quiet;
};

static void warn(struct tally *t, const struct dm_error *err)
{
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64];
	dm_error_format(err, msg, sizeof msg);   /* FILE:LINE: what */
	if (!t->quiet && t->warned < MAX_WARNINGS)
		fprintf(stderr, "ddexmon: replay: %s\n", msg);
	t->warned++;
}

static void file_line(const struct dm_file_info *f)
{
	char rec[32], size[16], secs[16], rate[32], peak[16];
	printf("  %-7s %s  %s records", dm_file_state_name(f->state), f->path ? f->path : "-",
	       dm_tui_count(rec, sizeof rec, f->records_total));
	if (f->state == DM_FILE_DONE)
		printf(", %s in %s (%s), peak %s", dm_tui_size(size, sizeof size, f->bytes),
		       dm_tui_secs(secs, sizeof secs, f->seconds, 0),
		       dm_tui_rate(rate, sizeof rate, f->seconds > 0 ? (double)f->bytes / f->seconds : 0),
		       dm_tui_size(peak, sizeof peak, f->peak));
	putchar('\n');
	if (f->state == DM_FILE_FAILED && f->error)
		printf("          %s\n", f->error);
}

/* An event of the multiscale detector (the seed rule's suspicions and
 * verdicts are summed up only, as they always were). */
static int later_detector(const struct dm_jsonl *r, const struct dm_event *ev)
{
	const char *d = dm_jsonl_str(r, 0, "detector");
	return (d && !strcmp(d, "multiscale")) || (ev->type != DM_EV_LEAK_SUSPECTED &&
	                                            ev->type != DM_EV_LEAK_CONFIRMED &&
	                                            ev->type != DM_EV_LEAK_CLEARED);
}

/* One line of the leak's story, from the recorded event (r) as decoded
 * (ev): the figures a person needs to follow it. */
static void leak_line(const struct dm_jsonl *r, const struct dm_event *ev)
{
	char a[16], b[24], c[24];
	double rate = 0, left = -1;
	uint64_t rss = 0, plateau = 0, limit = 0;
	dm_jsonl_num(r, 0, "rate", &rate);
	dm_jsonl_num(r, 0, "time_left", &left);
	dm_jsonl_u64(r, 0, "rss", &rss);
	dm_jsonl_u64(r, 0, "plateau", &plateau);
	dm_jsonl_u64(r, 0, "limit", &limit);
	printf("  %-7s t=%.1f s  %s", "leak", ev->t, dm_event_name(ev->type));
	switch (ev->type) {
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_UPDATED:
		printf(": growing %s, RSS %s", dm_tui_rate(b, sizeof b, rate), dm_tui_size(a, sizeof a, rss));
		break;
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
		printf(": holds at %s%s", dm_tui_size(a, sizeof a, plateau),
		       ev->type == DM_EV_GROWTH_BOUNDED ? " (growth that ended: not a leak)" : "");
		break;
	case DM_EV_EXHAUSTION_PROJECTED:
		printf(": the limit %s in %s at %s", dm_tui_size(a, sizeof a, limit),
		       dm_tui_secs(c, sizeof c, left, 0), dm_tui_rate(b, sizeof b, rate));
		break;
	case DM_EV_EXHAUSTION_CLEARED:
		printf(": the limit %s no longer in reach", dm_tui_size(a, sizeof a, limit));
		break;
	default:
		break;
	}
	putchar('\n');
}

static void count(struct tally *t, const struct dm_jsonl *r, const struct dm_event *ev)
{
	t->events++;
	if (ev->t > t->t_last)
		t->t_last = ev->t;
	switch (ev->type) {
	case DM_EV_FILE_DONE: {
		const struct dm_file_info *f = ev->u.file.file;
		t->files++;
		t->files_ok += f->state == DM_FILE_DONE;
		t->files_failed += f->state == DM_FILE_FAILED;
		t->records += f->records_total;
		t->bytes += f->bytes;
		file_line(f);
		break;
	}
	case DM_EV_SAMPLE:
		if (ev->u.sample.sample->rss_peak > t->rss_peak)
			t->rss_peak = ev->u.sample.sample->rss_peak;
		if (ev->u.sample.sample->acct.peak > t->acct_peak)
			t->acct_peak = ev->u.sample.sample->acct.peak;
		break;
	case DM_EV_LEAK_SUSPECTED:
	case DM_EV_LEAK_CONFIRMED:
	case DM_EV_LEAK_CLEARED:
	case DM_EV_LEAK_UPDATED:
	case DM_EV_LEAK_STOPPED:
	case DM_EV_GROWTH_BOUNDED:
	case DM_EV_EXHAUSTION_PROJECTED:
	case DM_EV_EXHAUSTION_CLEARED:
		t->suspected += ev->type == DM_EV_LEAK_SUSPECTED;
		t->confirmed += ev->type == DM_EV_LEAK_CONFIRMED;
		t->cleared += ev->type == DM_EV_LEAK_CLEARED;
		t->updated += ev->type == DM_EV_LEAK_UPDATED;
		t->stopped += ev->type == DM_EV_LEAK_STOPPED;
		t->bounded += ev->type == DM_EV_GROWTH_BOUNDED;
		t->projected += ev->type == DM_EV_EXHAUSTION_PROJECTED;
		t->exh_cleared += ev->type == DM_EV_EXHAUSTION_CLEARED;
		/* the state after the event, as recorded (a stopped leak is not
		 * still growing) */
		t->leak_state = dm_leak_state_name(ev->u.leak.leak->state);
		if (later_detector(r, ev) && t->leak_lines++ < MAX_LEAK_LINES)
			leak_line(r, ev);
		break;
	case DM_EV_SUMMARY:
		t->have_summary = 1;
		t->sum = *ev->u.summary;
		break;
	case DM_EV_STATUS:
		t->have_status = 1;
		break;
	case DM_EV_NOTE:
		for (int c = 0; ev->u.note.left_out && c < DM_LOSS_CLASSES; c++)
			t->left_out.n[c] += ev->u.note.left_out->n[c];
		break;
	default:
		break;
	}
}

/* The multiscale detector's later states, when there were any. */
static void later_states(const struct tally *t)
{
	if (t->leak_lines > MAX_LEAK_LINES)
		printf("  (%llu more leak events not listed)\n",
		       (unsigned long long)(t->leak_lines - MAX_LEAK_LINES));
	if (t->updated || t->stopped || t->bounded || t->projected || t->exh_cleared)
		printf("leak states: %llu updated, %llu stopped, %llu growth bounded; exhaustion "
		       "projected %llu, cleared %llu\n",
		       (unsigned long long)t->updated, (unsigned long long)t->stopped,
		       (unsigned long long)t->bounded, (unsigned long long)t->projected,
		       (unsigned long long)t->exh_cleared);
}

static void print_summary(const char *path, const struct tally *t, const struct dm_jsonl_skips *sk)
{
	char a[16], b[16];
	printf("ddexmon replay: %s: %llu events to t=%.1f s; %llu lines skipped (%llu corrupt, "
	       "%llu cut short, %llu too long, %llu out of order, %llu misplaced)\n", path,
	       (unsigned long long)t->events, t->t_last, (unsigned long long)sk->total,
	       (unsigned long long)sk->corrupt, (unsigned long long)sk->truncated,
	       (unsigned long long)sk->too_long, (unsigned long long)sk->out_of_order,
	       (unsigned long long)sk->misplaced);
	if (dm_event_losses_total(&t->left_out)) {
		char counts[160];
		printf("left out while recording: %s (the output was too slow to take them)%s\n",
		       dm_event_losses_text(&t->left_out, counts, sizeof counts),
		       t->left_out.n[DM_LOSS_RESULT] && !t->have_summary
		               ? "; the figures below lack those results" : "");
	}
	if (t->have_summary) {
		const struct dm_session_summary *s = &t->sum;
		uint64_t rec = 0;
		for (int i = 0; i < DM_REC_TYPES; i++)
			rec += s->records[i];
		printf("files: %zu (%zu done, %zu failed)\n", s->files, s->files_ok, s->files_failed);
		printf("records: %llu\nbytes: %llu\n", (unsigned long long)rec, (unsigned long long)s->bytes);
		printf("rss_peak: %llu (%s)\naccounted_peak: %llu (%s)\n",
		       (unsigned long long)s->rss_peak, dm_tui_size(a, sizeof a, s->rss_peak),
		       (unsigned long long)s->acct_peak, dm_tui_size(b, sizeof b, s->acct_peak));
		printf("reclamations: %llu\n", (unsigned long long)s->reclamations);
		printf("leaks: %llu suspected, %llu confirmed; last state %s\n",
		       (unsigned long long)s->leaks_suspected, (unsigned long long)s->leaks_confirmed,
		       t->leak_state ? t->leak_state : "watching");
		later_states(t);
		printf("exit code: %d\n", s->exit_code);
	} else {
		/* a watch has no files to sum up; otherwise the run was cut
		 * short: what the events say up to the end */
		if (t->have_status)
			printf("no summary (a watch records its final status only); figures to t=%.1f s:\n",
			       t->t_last);
		else
			printf("no summary: the recording ends at t=%.1f s (the run was cut short); "
			       "figures up to there:\n", t->t_last);
		printf("files: %llu finished (%llu done, %llu failed)\n", (unsigned long long)t->files,
		       (unsigned long long)t->files_ok, (unsigned long long)t->files_failed);
		printf("records: %llu\nbytes: %llu\n", (unsigned long long)t->records,
		       (unsigned long long)t->bytes);
		printf("rss_peak: %llu (%s)\naccounted_peak: %llu (%s)\n",
		       (unsigned long long)t->rss_peak, dm_tui_size(a, sizeof a, t->rss_peak),
		       (unsigned long long)t->acct_peak, dm_tui_size(b, sizeof b, t->acct_peak));
		printf("leaks: %llu suspected, %llu confirmed; last state %s\n",
		       (unsigned long long)t->suspected, (unsigned long long)t->confirmed,
		       t->leak_state ? t->leak_state : "watching");
		later_states(t);
		printf("exit code: none recorded\n");
	}
}

/* Read the whole recording, one event at a time. */
static int headless(const char *path, int quiet)
{
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_jsonl *r = acct ? dm_jsonl_open(path, acct, &err) : NULL;
	if (!r) {
		if (acct)
			dm_cli_print_error(&err);
		else
			dm_cli_error("out of memory");
		dm_acct_free(acct);
		return acct ? DM_EXIT_INPUT : DM_EXIT_MEMORY;
	}
	static struct dm_replay_event re;
	struct tally t;
	memset(&t, 0, sizeof t);
	t.quiet = quiet;
	int code = DM_EXIT_OK;
	for (;;) {
		dm_error_clear(&err);
		int rc = dm_jsonl_next_event(r, &err);
		if (rc == 0)
			break;
		if (rc == 1) {
			if (dm_replay_decode(r, &re) == 0) {
				count(&t, r, &re.ev);
				continue;
			}
			dm_error_at(&err, path, dm_jsonl_lineno(r), 0, 0);
			dm_error_set(&err, DM_ERECORD, "unknown event '%.40s': skipped", dm_jsonl_event(r));
		}
		if (rc == DM_ENOTERN || rc == DM_EIO) {
			dm_cli_print_error(&err);
			code = DM_EXIT_INPUT;
			break;
		}
		warn(&t, &err);
	}
	if (code == DM_EXIT_OK) {
		if (t.warned > MAX_WARNINGS && !quiet)
			fprintf(stderr, "ddexmon: replay: ... and %llu more skipped lines\n",
			        (unsigned long long)(t.warned - MAX_WARNINGS));
		print_summary(path, &t, dm_jsonl_skipped(r));
		if (t.warned)
			code = DM_EXIT_PARTIAL;
		if (fflush(stdout) != 0)
			code = DM_EXIT_INPUT;
	}
	dm_jsonl_free(r);
	dm_acct_free(acct);
	return code;
}

/* A signal ends the dashboard's loop; the terminal is restored after. */
static void post_signal(void *ctx, int sig)
{
	(void)ctx;
	dm_tui_crt_post_signal(sig);
}

/* Before the screen goes up: a file that cannot be replayed is a message
 * on the terminal, not a blank dashboard. */
static int check(const char *path)
{
	struct dm_acct *acct = dm_acct_new(NULL, 0);
	struct dm_error err;
	dm_error_clear(&err);
	struct dm_jsonl *r = acct ? dm_jsonl_open(path, acct, &err) : NULL;
	int rc = r ? dm_jsonl_next_event(r, &err) : DM_EIO;
	if (rc != 1) {
		if (acct)
			dm_cli_print_error(&err);
		else
			dm_cli_error("out of memory");
	}
	dm_jsonl_free(r);
	dm_acct_free(acct);
	return rc == 1 ? 0 : -1;
}

enum { OPT_QUIET = DM_OPT_FIRST_FREE };

static const struct dm_opt replay_opts[] = {
	{"quiet", 'q', DM_ARG_NONE, NULL, "do not list skipped lines (they are still counted)", OPT_QUIET},
	{NULL, 0, 0, NULL, NULL, 0},
};

static int replay_main(const struct dm_cmd *cmd, const struct dm_args *a)
{
	(void)cmd;
	struct dm_tui_dash_opts dopts = {0};
	const char *v = dm_args_get(a, DM_OPT_MAX_FRAMES);
	if (v) {
		char *end;
		dopts.max_frames = strtol(v, &end, 10);
		if (end == v || *end || dopts.max_frames <= 0) {
			dm_cli_error("--max-frames %s: not a positive number", v);
			return DM_EXIT_USAGE;
		}
	}
	int quiet = dm_args_has(a, OPT_QUIET) > 0;
	if (a->argc != 1) {
		dm_cli_error("replay: give one recording (try 'ddexmon replay --help')");
		return DM_EXIT_USAGE;
	}
	const char *path = a->argv[0];
	if (!isatty(STDOUT_FILENO))
		return headless(path, quiet);
	if (check(path) != 0)
		return DM_EXIT_INPUT;
	struct dm_tui_view view;
	char msg[DM_ERRMSG_MAX + DM_ERRFILE_MAX + 64] = "";
	if (dm_tui_crt_begin(&view, msg, sizeof msg) != 0) {
		dm_cli_error("%s; printing the summary instead", msg);
		return headless(path, quiet);
	}
	dm_cli_signals_on(post_signal, NULL);
	int rc = dm_tui_replay_run(path, &view, &dopts, msg, sizeof msg);
	dm_cli_signals_on(NULL, NULL);
	dm_tui_crt_end();
	if (msg[0])
		dm_cli_error("%s", msg);
	return rc;
}

static const struct dm_opt *const replay_tables[] = {replay_opts, dm_opts_dashboard, NULL};

const struct dm_cmd dm_cmd_replay = {
	.name = "replay",
	.summary = "the dashboard on a recording (--record); its summary without a terminal",
	.usage = "ddexmon replay [OPTIONS] FILE",
	.about = "Open the dashboard on a recording ('--record FILE' of run, tui, demo or watch;\n"
	         "plain or .gz): the same panels, the clock at recorded time. Without a terminal\n"
	         "on stdout, print the recording's summary instead.\n",
	.opts = replay_tables,
	.epilogue = "Keys: space pause, f or > faster, s or < slower (1x, 10x, 100x, as fast as\n"
	            "it reads), 0 or Home the start, $ or End the end, n the next reclamation,\n"
	            "leak state change or error, e the report next to the recording, q quit.\n"
	            "Arrows, Enter, Tab, z and ? as in the live dashboard; the parser's keys\n"
	            "(+ - [ ] P g L a) say that they do not apply to a recording.\n\n"
	            "Exit status: 0 read whole, 1 usage, 2 not a recording or unreadable, 4 read\n"
	            "but some lines were skipped (each named FILE:LINE).\n",
	.fn = replay_main,
};
