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
	file(1, "sony-delta-0041.xml", DM_FILE_RUNNING, 1095216660ull, 512ull << 20, 121003, 60,
	     0, NULL);
	file(2, "warner-full.xml", DM_FILE_RUNNING, 980ull << 20, 140ull << 20, 33410, 64, 0, NULL);
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
	cr_assert(strstr(text[y], "98.3 MB/s"));
	cr_assert(strstr(text[y], "259,844 rec"));
	cr_assert(strstr(text[y], "done"));
	cr_assert(strstr(text[y], "11.8s"));
	y = find("sony-delta-0041.xml");
	cr_assert(strstr(text[y], "\xe2\x96\xb6 sony"));
	cr_assert(strstr(text[y], " 512M/1.02G"));
	cr_assert(strstr(text[y], "\xe2\x96\x88\xe2\x96\x91"), "a bar: %s", text[y]);
	cr_assert(strstr(text[y], "running"));
	y = find("umg-2026-11-24.xml");
	cr_assert(strstr(text[y], "0/2.31G"));
	cr_assert(strstr(text[y], "queued"));
	y = find("broken.xml");
	cr_assert(strstr(text[y], "\xe2\x9c\x97 broken.xml"));
	cr_assert(strstr(text[y], "failed: broken.xml:211:7: mismatched tag"));
	HAS("1 done \xc2\xb7 2 running \xc2\xb7 1 queued \xc2\xb7 1 failed");
	/* memory: figures in the title, the scale, the axis, marks, trend */
	HAS("RSS 6.2M  peak 6.9M  accounted 1.4M = 0% of budget");
	HAS("7M \xe2\x94\xa4");
	HAS("0 \xe2\x94\x94\xe2\x94\x80");
	HAS("\xe2\x94\xac");                          /* a reclamation on the axis */
	HAS("GC \xe2\x88\x92" "2.1M");
	HAS("trend: stable (+205 B/s)   time to budget: \xe2\x80\x94");
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
	HAS("CONFIRMED 00:01:10  +151M in 3.0s (52.8 MB/s)");
	HAS("reclamation got back only \xe2\x88\x92" "2M");
	HAS("heap report: heap-20261125T130214Z.json");         /* base name: narrow panel */
	HAS(" CONFIRMED \xe2\x94\x80");
	HAS("LEAK CONFIRMED: +151M in 3s (52.8 MB/s)");
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
	cr_assert(strstr(text[y], "running"));
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
