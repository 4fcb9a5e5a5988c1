/* Each panel's layout at 120x40 (full), 80x24 and 60x20 (compact) and
 * 39x11 (too small), drawn from a hand-made model on a newterm screen and
 * read back from curscr: titles, figures, borders intact (nothing drawn
 * past a panel's edge), and no line wrapped into the next. */
#include "config.h"
#include "screen.h"

#include <criterion/criterion.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "fmt.h"
#include "keys.h"

static SCREEN *term;
static FILE *out, *in;
static struct dm_tui_screen *scr;
static struct dm_tui_model *m;
static struct dm_tui_view view = {1, 0, 0};
static char text[200][1024];     /* the screen, one UTF-8 line a row */
static int ncols, nlines;

static void event(enum dm_event_type type, double t, void (*fill)(struct dm_tui_event *))
{
	struct dm_tui_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.t = t;
	if (fill)
		fill(&ev);
	dm_tui_model_apply(m, &ev);
}

static void file(size_t i, const char *name, enum dm_file_state st, uint64_t size,
                 uint64_t bytes, uint64_t records, double started, double seconds,
                 const char *error)
{
	struct dm_file_info fi;
	memset(&fi, 0, sizeof fi);
	fi.index = (int)i;
	fi.path = name;
	fi.state = st;
	fi.size = size;
	fi.bytes = bytes;
	fi.records_total = records;
	fi.started = started;
	fi.seconds = seconds;
	fi.error = error;
	dm_tui_model_set_file(m, i, &fi);
}

static void reclaim_fill(struct dm_tui_event *ev)
{
	ev->has_reclaim = 1;
	ev->reclaim.pool_bytes = 2202010;
	ev->reclaim.rss_before = 8808038;
	ev->reclaim.rss_after = 6501171;
	snprintf(ev->text2, sizeof ev->text2, "threshold");
}

static void leak_fill(struct dm_tui_event *ev)
{
	ev->has_leak = 1;
	ev->leak.state = DM_LEAK_CONFIRMED;
	ev->leak.snapshots = 14;
	ev->leak.growth = 151ll << 20;
	ev->leak.span = 3;
	ev->leak.rate = 52.8e6;
	ev->leak.reclaimed = 2 << 20;
	snprintf(ev->text, sizeof ev->text, "ddexmon-reports/heap-20261125T130214Z.json");
}

/* The sketch of DASHBOARD.md as a model: five files in every state,
 * 72 s of samples at 6.2M RSS, two reclamations, two pools. */
static void sketch_model(int leak)
{
	m = dm_tui_model_new();
	cr_assert_not_null(m);
	m->utf8 = view.utf8;
	struct dm_config cfg;
	dm_config_init(&cfg);
	snprintf(cfg.name, sizeof cfg.name, "default");
	cfg.chunk_size = 64 << 10;
	cfg.buffer_size = 1 << 20;
	cfg.max_memory = 512ull << 20;
	cfg.flush_threshold = 0.8;
	cfg.max_concurrent = 2;
	dm_tui_model_set_config(m, &cfg);
	m->state = DM_TUI_RUNNING;
	event(DM_EV_START, 0, NULL);
	m->now = 72;
	file(0, "/data/in/catalogue-2026-11.xml", DM_FILE_DONE, 1159641170ull, 1159641170ull,
	     259844, 0.2, 11.8, NULL);
	/* two looks at a running file 2 s apart: its current rate */
	file(1, "sony-delta-0041.xml", DM_FILE_RUNNING, 1095216660ull, 400ull << 20, 100000, 60,
	     10, NULL);
	file(1, "sony-delta-0041.xml", DM_FILE_RUNNING, 1095216660ull, 512ull << 20, 121003, 60,
	     12, NULL);
	file(2, "warner-full.xml", DM_FILE_RUNNING, 980ull << 20, 140ull << 20, 33410, 64, 8, NULL);
	file(3, "umg-2026-11-24.xml", DM_FILE_QUEUED, 2480343613ull, 0, 0, 0, 0, NULL);
	file(4, "broken.xml", DM_FILE_FAILED, 40 << 10, 12 << 10, 3, 1, 0.1,
	     "broken.xml:211:7: mismatched tag");
	for (int i = 0; i < 720; i++) {
		struct dm_sample s;
		memset(&s, 0, sizeof s);
		s.t = i * 0.1;
		s.rss = 6501171 + (uint64_t)((719 - i) % 50) * 2000;   /* ends at 6.2M */
		s.rss_peak = 7235174;
		s.mem_total = 32ull << 30;
		s.mem_available = 17287243366ull;     /* 16.1G */
		s.mem_used_pct = 31;
		s.acct.live = 1468006;
		s.acct.peak = 1600000;
		s.acct.tag[DM_TAG_PARSER] = (struct dm_acct_tag_stats){40, 38, 209920, 215040};
		s.acct.tag[DM_TAG_RECORDS] = (struct dm_acct_tag_stats){(uint64_t)i * 12, (uint64_t)i * 12,
		                                                        98304, 131072};
		s.acct.tag[DM_TAG_POOLS] = (struct dm_acct_tag_stats){90, 10, 385024, 421888};
		s.acct.tag[DM_TAG_OUTPUT] = (struct dm_acct_tag_stats){4, 3, 65536, 65536};
		struct dm_trend tr = {.kind = DM_TREND_STABLE, .rate = 204.8, .to_budget = -1, .n = 50};
		dm_tui_model_sample(m, &s, &tr);
		if (i == 300 || i == 600)
			event(DM_EV_RECLAIM, s.t, reclaim_fill);
	}
	m->now = 72;
	struct dm_pool_stats ps[2] = {
		{"text", 48, 40, 8, 327680, 1200000, 3, 0, 0},
		{"values", 16, 14, 2, 57344, 110000, 0, 0, 0},
	};
	dm_tui_model_set_pools(m, ps, 2, 70);
	ps[0].hits += 1200000;
	ps[1].hits += 110000;
	dm_tui_model_set_pools(m, ps, 2, 71);      /* hits/s from these two */
	struct dm_leak_info li = {DM_LEAK_WATCHING, 3, 0, 0, 0, 0, -1, -1, 419430};
	dm_tui_model_set_leak(m, &li);
	if (leak)
		event(DM_EV_LEAK_CONFIRMED, 70, leak_fill);
	dm_tui_model_log(m, DM_TUI_INFO, "chunk size 32K %s 64K (+)", dm_tui_model_arrow(m));
}

/* Draw the model on a cols x lines screen and read it back. */
static void read_screen(void);

static void draw(int cols, int lines)
{
	setlocale(LC_ALL, "C.UTF-8");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	term = newterm("xterm-256color", out, in);
	cr_assert_not_null(term, "no terminfo for xterm-256color");
	set_term(term);
	resizeterm(lines, cols);
	ncols = cols;
	nlines = lines;
	scr = dm_tui_screen_new();
	cr_assert_eq(dm_tui_screen_layout(scr, m, 1), 1);
	cr_assert(dm_tui_screen_draw(scr, m, &view));
	doupdate();
	read_screen();
}

/* curscr into text[], checking that no row wrapped. */
static void read_screen(void)
{
	int lines = nlines, cols = ncols;
	for (int y = 0; y < lines && y < 200; y++) {
		wchar_t w[1024];
		memset(w, 0, sizeof w);
		mvwinnwstr(curscr, y, 0, w, cols);
		wcstombs(text[y], w, sizeof text[y]);
		/* every row is exactly the screen wide: nothing wrapped */
		cr_assert_eq(dm_tui_width(text[y]), cols, "row %d: [%s]", y, text[y]);
	}
	if (getenv("DM_TUI_DUMP"))      /* to look at a layout: DM_TUI_DUMP=1 */
		for (int y = 0; y < lines; y++)
			fprintf(stderr, "%s\n", text[y]);
}

static void done(void)
{
	dm_tui_screen_free(scr);
	endwin();
	delscreen(term);
	fclose(out);
	fclose(in);
	dm_tui_model_free(m);
}

/* The row holding s, or -1. */
static int find(const char *s)
{
	for (int y = 0; y < nlines; y++)
		if (strstr(text[y], s))
			return y;
	return -1;
}

#define HAS(s) cr_assert_geq(find(s), 0, "not on screen: %s", s)
#define HASNT(s) cr_assert_eq(find(s), -1, "on screen: %s", s)

/* The cell at column x of row y, as UTF-8. */
static const char *cell(int y, int x)
{
	static char c[8];
	const unsigned char *p = (const unsigned char *)text[y];
	int col = 0;
	while (*p) {
		int len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
		if (col == x) {
			memcpy(c, p, (size_t)len);
			c[len] = '\0';
			return c;
		}
		p += len;
		col++;
	}
	return "";
}

/* A boxed panel's frame is whole: corners, both sides on every row. */
static void box_intact(enum dm_tui_panel_id id, const char *title)
{
	const struct dm_tui_box *b = &dm_tui_screen_current(scr)->box[id];
	cr_assert_gt(b->h, 2, "%s hidden", title);
	int x1 = b->x + b->w - 1, y1 = b->y + b->h - 1;
	cr_assert_str_eq(cell(b->y, b->x), "\xe2\x94\x8c", "%s top left", title);
	cr_assert_str_eq(cell(b->y, x1), "\xe2\x94\x90", "%s top right", title);
	cr_assert_str_eq(cell(y1, b->x), "\xe2\x94\x94", "%s bottom left", title);
	cr_assert_str_eq(cell(y1, x1), "\xe2\x94\x98", "%s bottom right", title);
	for (int y = b->y + 1; y < y1; y++) {
		cr_assert_str_eq(cell(y, b->x), "\xe2\x94\x82", "%s left side, row %d", title, y);
		cr_assert_str_eq(cell(y, x1), "\xe2\x94\x82", "%s right side, row %d: %s", title, y,
		                 text[y]);
	}
	char t[64];
	snprintf(t, sizeof t, "\xe2\x94\x8c %s ", title);
	cr_assert(strstr(text[b->y], t), "%s: title missing: %s", title, text[b->y]);
}

Test(panels, full_120x40)
{
	sketch_model(0);
	draw(120, 40);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_FULL);
	/* header */
	cr_assert(strstr(text[0], "ddexmon " PACKAGE_VERSION));
	cr_assert(strstr(text[0], "profile default"));
	cr_assert(strstr(text[0], "chunk 64K"));
	cr_assert(strstr(text[0], "buffer 1M"));
	cr_assert(strstr(text[0], "budget 512M"));
	cr_assert(strstr(text[0], "workers 2"));
	cr_assert(strstr(text[0], "00:01:12"));
	cr_assert(strstr(text[0], "RUNNING"));
	box_intact(DM_TUI_FILES, "Files");
	box_intact(DM_TUI_MEMCHART, "Memory");
	box_intact(DM_TUI_ALLOC, "Allocations");
	box_intact(DM_TUI_POOLS, "Pools");
	box_intact(DM_TUI_LEAKS, "Leaks");
	box_intact(DM_TUI_LOG, "Log");
	/* files: icons, bars, sizes, rates, records, states, the error */
	int y = find("catalogue-2026-11.xml");
	cr_assert_geq(y, 0);
	cr_assert(strstr(text[y], "\xe2\x9c\x93 catalogue-2026-11.xml"));
	cr_assert(strstr(text[y], "1.08G/1.08G"));
	cr_assert(strstr(text[y], "93.7M/s"), "%s", text[y]);
	cr_assert(strstr(text[y], "259,844 rec"));
	cr_assert(strstr(text[y], "done"));
	cr_assert(strstr(text[y], "11.8s"));
	y = find("sony-delta-0041.xml");
	cr_assert(strstr(text[y], "\xe2\x96\xb6 sony"));
	cr_assert(strstr(text[y], " 512M/1.02G"));
	cr_assert(strstr(text[y], "\xe2\x96\x88\xe2\x96\x91"), "a bar: %s", text[y]);
	cr_assert(strstr(text[y], "running"));
	cr_assert(strstr(text[y], "42.7M/s"), "the file's average: %s", text[y]);
	cr_assert(strstr(text[y], "12.0s  now 56M/s"), "the last 2 s: %s", text[y]);
	y = find("umg-2026-11-24.xml");
	cr_assert(strstr(text[y], "0/2.31G"));
	cr_assert(strstr(text[y], "queued"));
	y = find("broken.xml");
	cr_assert(strstr(text[y], "\xe2\x9c\x97 broken.xml"));
	cr_assert(strstr(text[y], "exit 2: line 211 col 7: mismatched tag"), "%s", text[y]);
	HAS("1 done \xc2\xb7 2 running \xc2\xb7 1 queued \xc2\xb7 1 failed");
	/* memory: figures in the title, the scale, the axis, marks, trend */
	HAS("RSS 6.2M  peak 6.9M  accounted 1.4M = 0% of budget");
	HAS("8M \xe2\x94\xa4");                      /* round ticks */
	HAS("6M \xe2\x94\xa4");
	HAS("4M \xe2\x94\xa4");
	cr_assert_lt(find("7M \xe2\x94\xa4"), 0);
	HAS("\xe2\xa3\xbf acct\xc3\x97" "4");            /* the accounted strip: 2M, x4 */
	HAS("\xe2\xa3\xbf read");                      /* the throughput strip */
	HAS(" now ");                                  /* time labels where the data is */
	HAS(" -10s ");
	HAS("zoom 1m");
	HAS("0 \xe2\x94\x94\xe2\x94\x80");
	HAS("\xe2\x94\xac");                          /* a reclamation on the axis */
	HAS("GC \xe2\x88\x92" "2.1M");
	HAS("trend: stable (+205B/s)   time to budget: \xe2\x80\x94");
	HAS("system: 31% used, MemAvailable 16.1G");
	HAS("\xe2\x86\x91 budget");                   /* 512M is far above 7M */
	HAS("\xe2\xa3\xbf acct");
	/* allocations and pools */
	HAS("tag         live     peak  allocs/s  frees/s");
	HAS("records      96K     128K       120      120");
	HAS("live 1.4M of 512M");
	y = find("text         40");
	cr_assert_geq(y, 0, "pool row");
	cr_assert(strstr(text[y], "320K"));
	HAS("last GC 00:01:00 (threshold): pools \xe2\x88\x92" "2.1M, RSS 8.4M \xe2\x86\x92 6.2M");
	HAS("00:01:00  reclamation (threshold): pools \xe2\x88\x92" "2.1M, RSS 8.4M \xe2\x86\x92 6.2M");
	HAS("2 reclamations");
	/* leaks and log */
	HAS("state: watching (3 snapshots, growth +410K)");
	HAS("no warnings");
	HAS("00:01:12  chunk size 32K \xe2\x86\x92 64K (+)");
	/* the key bar */
	cr_assert(strstr(text[39], "+/- chunk"));
	cr_assert(strstr(text[39], "q quit"));
	done();
}

Test(panels, leak_confirmed_is_said_in_words)
{
	sketch_model(1);
	draw(120, 40);
	HAS("CONFIRMED 00:01:10  +151M in 3.0s (50.4M/s)");
	HAS("reclamation got back only \xe2\x88\x92" "2M");
	HAS("heap report: heap-20261125T130214Z.json");         /* base name: narrow panel */
	HAS(" CONFIRMED \xe2\x94\x80");
	HAS("LEAK CONFIRMED: +151M in 3.0s (50.4M/s)");
	box_intact(DM_TUI_LEAKS, "Leaks");
	done();
}

Test(panels, compact_80x24)
{
	sketch_model(0);
	draw(80, 24);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_COMPACT);
	cr_assert(strstr(text[0], "chunk 64K"));
	cr_assert(strstr(text[0], "RUNNING"));
	cr_assert(strstr(text[0], "00:01:12"));
	/* rules, not boxes */
	HAS("\xe2\x94\x80\xe2\x94\x80 Files ");
	HAS("\xe2\x94\x80\xe2\x94\x80 Memory ");
	HAS("\xe2\x94\x80\xe2\x94\x80 Allocations ");
	HAS("\xe2\x94\x80\xe2\x94\x80 Pools ");
	HAS("\xe2\x94\x80\xe2\x94\x80 Leaks ");
	HAS("\xe2\x94\x80\xe2\x94\x80 Log ");
	HASNT("\xe2\x94\x8c");
	/* one line a file, no bar: percent instead */
	HASNT("\xe2\x96\x88\xe2\x96\x91");
	int y = find("sony-delta-0041.xml");
	cr_assert_geq(y, 0);
	cr_assert(strstr(text[y], " 49%"), "%s", text[y]);
	/* the average and, in the narrow state cell, the last 2 s */
	cr_assert(strstr(text[y], "42.7M/s"), "%s", text[y]);
	cr_assert(strstr(text[y], "now 56M/s"), "%s", text[y]);
	/* the chart keeps six rows: five of graph and the axis */
	const struct dm_tui_box *b = &dm_tui_screen_current(scr)->box[DM_TUI_MEMCHART];
	cr_assert_eq(b->h, 8);
	HAS("RSS 6.2M  peak 6.9M  acct 1.4M");
	HAS("  0\xe2\x94\x94");
	/* allocations and pools side by side, one table */
	int ya = find("tag        live    peak allocs/s");
	int yp = find("pool      idle  hits/s  misses");
	cr_assert_geq(ya, 0);
	cr_assert_eq(ya, yp);
	/* leaks and log share the last lines */
	b = &dm_tui_screen_current(scr)->box[DM_TUI_LEAKS];
	cr_assert_eq(b->y + b->h, 23);
	HAS("no warnings");
	cr_assert(strstr(text[23], "q quit") || strstr(text[23], "? help"));
	done();
}

Test(panels, compact_60x20)
{
	sketch_model(0);
	draw(60, 20);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_COMPACT);
	cr_assert(strstr(text[0], "chunk 64K"), "%s", text[0]);
	cr_assert(strstr(text[0], "RUNNING"));
	HAS(" Files ");
	HAS(" Memory ");
	HAS(" Allocations ");
	HAS(" Leaks ");
	HAS("RSS 6.2M");
	/* files scroll to keep the running ones in view and say which */
	HAS("1-2 of 5");
	HAS("sony-delta-0041.xml");
	/* the rate column goes at 60, the current rate stays */
	cr_assert(strstr(text[find("sony-delta-0041.xml")], "now 56M/s"), "%s",
	          text[find("sony-delta-0041.xml")]);
	/* every file row starts with its icon (nothing wrapped into it) */
	const struct dm_tui_box *b = &dm_tui_screen_current(scr)->box[DM_TUI_FILES];
	for (int y = b->y + 1; y < b->y + b->h; y++)
		cr_assert(strncmp(text[y], "\xe2\x9c\x93 ", 4) == 0 || strncmp(text[y], "\xe2\x96\xb6 ", 4) == 0,
		          "row %d: %s", y, text[y]);
	done();
}

Test(panels, too_small_39x11)
{
	sketch_model(0);
	draw(39, 11);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_TOO_SMALL);
	HAS("terminal too small (need 40\xc3\x97" "12)");
	HASNT("Files");
	HASNT("ddexmon");
	done();
}

Test(panels, minimum_40x12_shows_the_essentials)
{
	sketch_model(0);
	draw(40, 12);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_COMPACT);
	cr_assert(strstr(text[0], "RUNNING"), "%s", text[0]);
	HAS(" Files ");
	HAS(" Memory ");
	HAS(" Leaks ");
	done();
}

Test(panels, ascii_locale_draws_without_unicode)
{
	view.utf8 = 0;
	sketch_model(1);
	draw(120, 40);
	for (int y = 0; y < nlines; y++)
		for (const char *p = text[y]; *p; p++)
			if ((unsigned char)*p >= 0x80) {
				/* only the ACS line drawing, which curses maps itself */
				const char *c = p;
				cr_assert((unsigned char)c[0] == 0xe2 && (unsigned char)c[1] == 0x94,
				          "row %d: non-ASCII text: %s", y, text[y]);
				p += 2;
			}
	HAS("RSS 6.2M");
	HAS("pools -2.1M, RSS 8.4M -> 6.2M");
	HAS("CONFIRMED 00:01:10  +151M in 3.0s");
	HAS("x broken.xml");
	HAS("# acct");
	view.utf8 = 1;
	done();
}

Test(panels, long_names_and_errors_are_cut_not_wrapped)
{
	m = dm_tui_model_new();
	m->utf8 = 1;
	char name[400], err[300];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	memset(err, 'e', sizeof err - 1);
	err[sizeof err - 1] = '\0';
	for (size_t i = 0; i < 30; i++)
		file(i, name, i % 2 ? DM_FILE_FAILED : DM_FILE_RUNNING, 100, 50, 1, 0, 0, err);
	for (int i = 0; i < 100; i++)
		dm_tui_model_log(m, DM_TUI_ERROR, "%s", err);
	draw(120, 40);
	box_intact(DM_TUI_FILES, "Files");
	box_intact(DM_TUI_LOG, "Log");
	HAS("1-");
	done();
	m = NULL;
}

Test(panels, empty_model_before_anything_happened)
{
	m = dm_tui_model_new();
	m->utf8 = 1;
	draw(120, 40);
	HAS("no files yet: press a to choose some");
	HAS("waiting for the first sample");
	HAS("no pools yet");
	HAS("READY");
	box_intact(DM_TUI_MEMCHART, "Memory");
	done();
}

Test(panels, wide_250x80_keeps_every_frame)
{
	sketch_model(1);
	draw(250, 80);
	cr_assert_eq(dm_tui_screen_current(scr)->mode, DM_TUI_FULL);
	box_intact(DM_TUI_FILES, "Files");
	box_intact(DM_TUI_MEMCHART, "Memory");
	box_intact(DM_TUI_ALLOC, "Allocations");
	box_intact(DM_TUI_POOLS, "Pools");
	box_intact(DM_TUI_LEAKS, "Leaks");
	box_intact(DM_TUI_LOG, "Log");
	/* a wide panel has room for the whole report path */
	HAS("heap report: ddexmon-reports/heap-20261125T130214Z.json");
	done();
}

/* The help overlay names every key of the key table, at every size the
 * dashboard draws: in two columns of short words when the sentences do
 * not fit. */
static void help_lists_every_key(int cols, int lines)
{
	sketch_model(0);
	draw(cols, lines);
	dm_tui_draw_help(&view);
	doupdate();
	read_screen();
	const struct dm_tui_keyhelp *k;
	size_t n = dm_tui_key_help(&k);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof want, "%s ", k[i].keys);
		cr_assert_geq(find(want), 0, "%dx%d: help does not show \"%s\"", cols, lines,
		              k[i].keys);
	}
	HAS(" Keys ");
	done();
}

Test(panels, help_lists_every_key_120x40) { help_lists_every_key(120, 40); }
Test(panels, help_lists_every_key_80x24) { help_lists_every_key(80, 24); }
Test(panels, help_lists_every_key_60x20) { help_lists_every_key(60, 20); }
Test(panels, help_lists_every_key_40x12) { help_lists_every_key(40, 12); }

/* ---- failures you can read, and files you can reach ------------------ */

#define BADPATH "/work/ops/incoming/2026-11/bad/samples__ERN-27_Malformed_Audio.xml"

/* Six files, the fourth failed deep in a long path. */
static void failing_model(void)
{
	m = dm_tui_model_new();
	cr_assert_not_null(m);
	m->utf8 = view.utf8;
	m->state = DM_TUI_RUNNING;
	static const char *const names[] = {
		"/work/ops/incoming/2026-11/samples__ERN-27_Single_Audio_0001.xml",
		"/work/ops/incoming/2026-11/samples__ERN-27_Single_Audio_0002.xml",
		"/work/ops/incoming/2026-11/samples__ERN-27_Single_Audio_0003.xml",
		BADPATH,
		"/work/ops/incoming/2026-11/samples__ERN-27_Single_Audio_0005.xml",
		"/work/ops/incoming/2026-11/samples__ERN-27_Single_Audio_0006.xml",
	};
	for (size_t i = 0; i < 6; i++)
		file(i, names[i], i == 3 ? DM_FILE_FAILED : DM_FILE_DONE, 40 << 10,
		     i == 3 ? 12 << 10 : 40 << 10, 3, 0, 0.5,
		     i == 3 ? BADPATH ":211:7: mismatched tag" : NULL);
}

static void reason_visible(int cols, int lines)
{
	failing_model();
	draw(cols, lines);
	int y = find("line 211 col 7: mismatched tag");
	cr_assert_geq(y, 0, "%dx%d: the reason is not in the Files panel", cols, lines);
	/* the row names the file by its name, cut in the middle: the ends
	 * that tell it apart are kept */
	cr_assert(strstr(text[y], "samples__"), "%s", text[y]);
	cr_assert(strstr(text[y], ".xml"), "%s", text[y]);
	cr_assert_null(strstr(text[y], "/work/ops"), "no path in the row: %s", text[y]);
	/* the other names stay apart (their numbers are at the end) */
	if (lines >= 24) {
		HAS("0001.xml");
		HAS("0002.xml");
	}
	done();
}

/* The state cell's rule: the richest form that fits, and the current
 * rate kept longest. */
Test(files, state_cell_keeps_the_current_rate_when_narrow)
{
	struct dm_tui_file f;
	memset(&f, 0, sizeof f);
	f.state = DM_FILE_RUNNING;
	f.seconds = 12;
	f.now_rate = 56.0 * 1024 * 1024;
	char buf[128];
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 40, 0, 1), "running  12.0s  now 56M/s");
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 22, 0, 1), "running now 56M/s");
	/* 80 columns: a 16-column cell */
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 16, 1, 1), "now 56M/s");
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 8, 1, 1), "running ");
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 3, 1, 1), "running");
	f.retried = 1;
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 60, 0, 1),
	                 "running  12.0s  now 56M/s (retried)");
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 30, 0, 1), "running  12.0s  now 56M/s");
	/* no current rate yet (the first 2 s), or not running: as before */
	f.retried = 0;
	f.now_rate = -1;
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 40, 0, 1), "running  12.0s");
	f.state = DM_FILE_DONE;
	f.now_rate = 56.0 * 1024 * 1024;
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 40, 0, 1), "done     12.0s");
	cr_assert_str_eq(dm_tui_files_state(buf, sizeof buf, &f, 16, 1, 1), "done    ");
}

Test(files, reason_visible_at_120x40) { reason_visible(120, 40); }
Test(files, reason_visible_at_80x24) { reason_visible(80, 24); }
Test(files, reason_visible_at_60x20) { reason_visible(60, 20); }

/* At 200 columns the message gets the room, not only the name. */
Test(files, wide_screen_widens_the_message)
{
	static const char msg[] = BADPATH ":211:7: mismatched tag: the element <Release> opened at "
	                          "line 180 is closed by </ReleaseList>";
	failing_model();
	file(3, BADPATH, DM_FILE_FAILED, 40 << 10, 12 << 10, 3, 0, 0.5, NULL);
	snprintf(m->files[3].error, sizeof m->files[3].error, "%s", msg);
	m->dirty = DM_TUI_P_ALL;
	draw(120, 40);
	HASNT("closed by </ReleaseList>");
	done();
	failing_model();
	snprintf(m->files[3].error, sizeof m->files[3].error, "%s", msg);
	draw(200, 60);
	HAS("line 211 col 7: mismatched tag: the element <Release> opened at line 180 is closed by "
	    "</ReleaseList>");
	done();
}

Test(files, same_names_are_shown_by_their_paths)
{
	m = dm_tui_model_new();
	m->utf8 = 1;
	file(0, "in/a/catalogue.xml", DM_FILE_DONE, 100, 100, 1, 0, 1, NULL);
	file(1, "in/b/catalogue.xml", DM_FILE_DONE, 100, 100, 1, 0, 1, NULL);
	file(2, "in/b/other.xml", DM_FILE_DONE, 100, 100, 1, 0, 1, NULL);
	draw(120, 40);
	HAS("in/a/catalogue.xml");
	HAS("in/b/catalogue.xml");
	HAS("\xe2\x9c\x93 other.xml");
	done();
}

/* 60x20 shows two of six files: the selection scrolls to every one. */
Test(files, selection_scrolls_through_every_file_at_60x20)
{
	failing_model();
	draw(60, 20);
	HAS("of 6");
	done();
	for (long sel = 0; sel < 6; sel++) {
		failing_model();
		m->sel = sel;
		draw(60, 20);
		char want[16];
		snprintf(want, sizeof want, "%04ld.xml", sel + 1);
		if (sel == 3)
			HAS("line 211 col 7");
		else
			HAS(want);
		done();
	}
}

Test(files, details_show_the_whole_story)
{
	failing_model();
	m->files[3].peak = 3 << 20;
	m->files[3].chunk_first = 64 << 10;
	m->files[3].chunk_last = 256 << 10;
	m->files[3].buffer = 1 << 20;
	m->sel = 3;
	m->mode = DM_TUI_MODE_DETAILS;
	draw(120, 40);
	dm_tui_draw_details(m, &view, dm_tui_model_current(m));
	doupdate();
	read_screen();
	HAS("File 4 of 6");
	HAS(BADPATH);
	HAS("failed");
	HAS("line 211 col 7: mismatched tag");
	HAS("message");
	HAS("12K of 40K (30%)");
	HAS("64K at the start, 256K at the end");
	HAS("peak");
	HAS("3M");
	HAS("retries");
	HAS("Esc or q closes");
	done();
}

/* The footer names the keys of what is in front. */
Test(files, footer_follows_the_mode)
{
	failing_model();
	m->bar_mode = DM_TUI_MODE_DETAILS;
	draw(120, 40);
	cr_assert(strstr(text[39], "Esc close"), "%s", text[39]);
	cr_assert_null(strstr(text[39], "+/- chunk"));
	done();
	failing_model();
	m->bar_mode = DM_TUI_MODE_CHOOSER;
	draw(80, 24);
	cr_assert(strstr(text[23], "space select"), "%s", text[23]);
	done();
	failing_model();
	m->bar_mode = DM_TUI_MODE_TUNE;
	draw(80, 24);
	cr_assert(strstr(text[23], "w write profile") && strstr(text[23], "a apply chunk") &&
	          strstr(text[23], "q quit"), "%s", text[23]);
	cr_assert_null(strstr(text[23], "a add"));
	done();
	failing_model();
	draw(120, 40);
	cr_assert(strstr(text[39], "T tune"), "the files' footer names T: %s", text[39]);
	done();
	failing_model();
	m->bar_mode = DM_TUI_MODE_WATCH;
	draw(80, 24);
	cr_assert(strstr(text[23], "e export") && strstr(text[23], "z zoom") &&
	          strstr(text[23], "q quit"), "%s", text[23]);
	cr_assert_null(strstr(text[23], "chunk"), "%s", text[23]);
	cr_assert_null(strstr(text[23], "T tune"), "%s", text[23]);
	done();
}

/* Watching another process, the key bar offers no key that the watch
 * then refuses as acting on ddexmon's own parse, while the files' bar
 * does have such keys (so the check can tell them apart). */
Test(files, watch_bar_names_only_keys_that_apply)
{
	const struct dm_tui_keyhelp *k;
	size_t n = dm_tui_key_bar(DM_TUI_MODE_WATCH, &k);
	cr_assert_gt(n, 3);
	for (size_t i = 0; i < n; i++) {
		int key = strcmp(k[i].keys, "Tab") == 0 ? '\t' : (unsigned char)k[i].keys[0];
		enum dm_tui_action a = dm_tui_key_action(key);
		cr_assert_neq(a, DM_TUI_A_NONE, "%s is bound", k[i].keys);
		cr_assert_not(dm_tui_action_parser_only(a), "%s is refused when watching", k[i].keys);
	}
	size_t refused = 0;
	n = dm_tui_key_bar(DM_TUI_MODE_FILES, &k);
	for (size_t i = 0; i < n; i++)
		if (k[i].bar && dm_tui_action_parser_only(dm_tui_key_action((unsigned char)k[i].keys[0])))
			refused++;
	cr_assert_geq(refused, 4, "the files' bar has the parser's keys");
}

Test(files, log_scrolls_back)
{
	failing_model();
	for (int i = 0; i < 100; i++)
		dm_tui_model_log(m, DM_TUI_INFO, "line %03d", i);
	draw(120, 40);
	HAS("line 099");
	HASNT("line 050");
	done();
	failing_model();
	for (int i = 0; i < 100; i++)
		dm_tui_model_log(m, DM_TUI_INFO, "line %03d", i);
	m->log_back = 49;
	draw(120, 40);
	HAS("line 050");
	HASNT("line 099");
	HAS("49 newer below");
	done();
}

static void setting_fill(struct dm_tui_event *ev)
{
	snprintf(ev->text, sizeof ev->text, "chunk_size");
	snprintf(ev->text2, sizeof ev->text2, "256K");
}

/* A chunk size change goes on the time axis with its value. */
Test(chart, setting_changes_are_marked)
{
	sketch_model(0);
	event(DM_EV_SETTING, 40, setting_fill);
	m->dirty = DM_TUI_P_ALL;
	draw(120, 40);
	HAS("chunk 256K");
	done();
}

/* Ten minutes and more of history, in bounded memory: the longer
 * history keeps the start of a long run for the 10 min and "all" views. */
Test(chart, long_history_is_kept_and_bounded)
{
	m = dm_tui_model_new();
	m->utf8 = 1;
	for (int i = 0; i < 20 * 60 * 10; i++) {      /* 20 min at 100 ms */
		struct dm_sample s;
		memset(&s, 0, sizeof s);
		s.t = i * 0.1;
		s.rss = (uint64_t)(i < 3000 ? 50 : 5) << 20;   /* a peak in the first 5 min */
		dm_tui_model_sample(m, &s, NULL);
	}
	cr_assert_leq(m->long_n, DM_TUI_LONG);
	cr_assert_leq(m->longh[0].t, m->long_bucket, "the start of the run is still there");
	cr_assert_gt(m->long_bucket, 1.0, "20 minutes did not fit at 1 s a point: merged");
	m->zoom = DM_TUI_ZOOM_1M;
	draw(120, 40);
	HASNT("50M \xe2\x94\xa4");            /* the last minute is flat at 5M */
	HAS(" -10s ");
	done();
	m = dm_tui_model_new();
	m->utf8 = 1;
	for (int i = 0; i < 20 * 60 * 10; i++) {
		struct dm_sample s;
		memset(&s, 0, sizeof s);
		s.t = i * 0.1;
		s.rss = (uint64_t)(i < 3000 ? 50 : 5) << 20;
		dm_tui_model_sample(m, &s, NULL);
	}
	m->zoom = DM_TUI_ZOOM_ALL;
	draw(120, 40);
	HAS("zoom all");
	HAS("-15m");                         /* labels reach back to the start */
	cr_assert(find("60M \xe2\x94\xa4") >= 0 || find("50M \xe2\x94\xa4") >= 0,
	          "the early peak is on the scale");
	done();
}
