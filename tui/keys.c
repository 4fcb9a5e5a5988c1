/* The key table. Lower-case twins are bound too, so a stray Caps Lock
 * or Shift does not make a key dead. */
#include "config.h"
#include "keys.h"

#include <curses.h>

static const struct {
	int key;
	enum dm_tui_action action;
} table[] = {
	{'+', DM_TUI_A_CHUNK_UP}, {'=', DM_TUI_A_CHUNK_UP},
	{'-', DM_TUI_A_CHUNK_DOWN}, {'_', DM_TUI_A_CHUNK_DOWN},
	{']', DM_TUI_A_BUFFER_UP}, {'[', DM_TUI_A_BUFFER_DOWN},
	{'P', DM_TUI_A_PROFILE}, {'p', DM_TUI_A_PROFILE},
	{'T', DM_TUI_A_TUNE}, {'t', DM_TUI_A_TUNE},
	{' ', DM_TUI_A_PAUSE},
	{'g', DM_TUI_A_RECLAIM}, {'G', DM_TUI_A_RECLAIM},
	{'n', DM_TUI_A_SKIP}, {'N', DM_TUI_A_SKIP},
	{'a', DM_TUI_A_ADD}, {'A', DM_TUI_A_ADD},
	{'s', DM_TUI_A_HEAP_REPORT}, {'S', DM_TUI_A_HEAP_REPORT},
	{'L', DM_TUI_A_LEAK}, {'l', DM_TUI_A_LEAK},
	{'e', DM_TUI_A_EXPORT}, {'E', DM_TUI_A_EXPORT},
	{'?', DM_TUI_A_HELP}, {'h', DM_TUI_A_HELP}, {KEY_F(1), DM_TUI_A_HELP},
	{'q', DM_TUI_A_QUIT}, {'Q', DM_TUI_A_QUIT},
	{'L' & 0x1f, DM_TUI_A_REDRAW},
	{KEY_UP, DM_TUI_A_UP}, {'k', DM_TUI_A_UP}, {'K', DM_TUI_A_UP},
	{KEY_DOWN, DM_TUI_A_DOWN}, {'j', DM_TUI_A_DOWN}, {'J', DM_TUI_A_DOWN},
	{KEY_PPAGE, DM_TUI_A_PAGE_UP}, {KEY_NPAGE, DM_TUI_A_PAGE_DOWN},
	{KEY_HOME, DM_TUI_A_HOME}, {KEY_END, DM_TUI_A_END},
	{'\n', DM_TUI_A_DETAILS}, {'\r', DM_TUI_A_DETAILS}, {KEY_ENTER, DM_TUI_A_DETAILS},
	{'i', DM_TUI_A_DETAILS}, {'I', DM_TUI_A_DETAILS},
	{'\t', DM_TUI_A_FOCUS},
	{27, DM_TUI_A_BACK},
	{'z', DM_TUI_A_ZOOM}, {'Z', DM_TUI_A_ZOOM},
	{'<', DM_TUI_A_ZOOM_IN}, {'>', DM_TUI_A_ZOOM_OUT},
};

static const struct dm_tui_keyhelp help[] = {
	{"+/-", "chunk", "double / halve the chunk size (from the next chunk)", NULL},
	{"[/]", "buffer", "halve / double the buffer size (from the next file)", NULL},
	{"P", "profile", "next profile: default, low-memory, large-files, throughput, demo", NULL},
	{"T", "tune", "live tune: sweep chunk sizes on the selected file (w: profile, a: apply)", NULL},
	{"space", "pause", "pause / resume the parse (the clocks stop too)", NULL},
	{"Enter", "details", "details of the selected file (also i)", NULL},
	{"Up/Down", NULL, "select a file (j/k too); in the log: scroll it", "select"},
	{"PgUp/PgDn", NULL, "select a page of files up / down (or scroll the log)", "page"},
	{"Home/End", NULL, "the first / last file (or the oldest / newest log line)", "first/last"},
	{"Tab", "log", "the arrows scroll the log; Tab again: the files", NULL},
	{"Esc", NULL, "close the details, leave the log, follow the work again", "back"},
	{"z", "zoom", "chart time window: 1 min, 10 min, all (cycles)", NULL},
	{"</>", NULL, "chart time window: shorter / longer", "window"},
	{"g", "GC", "force a reclamation of idle memory now", NULL},
	{"n", "next", "skip the oldest running file", NULL},
	{"a", "add", "add files (chooser)", NULL},
	{"s", "heap report", "write a heap report now", NULL},
	{"L", "leak", "toggle an injected leak of 40M/s (for demos)", NULL},
	{"e", "export", "export the samples to ./ddexmon-samples-<time>.csv (--record: and a report)", NULL},
	{"?", "help", "show / hide this help", NULL},
	{"q", "quit", "quit (y/n while files still run); a line a file stays on the terminal", NULL},
	{"^L", NULL, "redraw the screen", "redraw"},
};

enum dm_tui_action dm_tui_key_action(int key)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].key == key)
			return table[i].action;
	return DM_TUI_A_NONE;
}

size_t dm_tui_key_help(const struct dm_tui_keyhelp **out)
{
	*out = help;
	return sizeof help / sizeof help[0];
}

static const struct dm_tui_keyhelp bar_log[] = {
	{"Up/Down", "scroll", NULL, NULL}, {"PgUp/PgDn", "page", NULL, NULL},
	{"Home/End", "oldest/newest", NULL, NULL}, {"Tab", "files", NULL, NULL}, {"Esc", "back", NULL, NULL},
	{"space", "pause", NULL, NULL}, {"?", "help", NULL, NULL}, {"q", "quit", NULL, NULL},
};

static const struct dm_tui_keyhelp bar_details[] = {
	{"Up/Down", "previous/next file", NULL, NULL}, {"Esc", "close", NULL, NULL}, {"q", "close", NULL, NULL},
};

static const struct dm_tui_keyhelp bar_chooser[] = {
	{"Up/Down", "move", NULL, NULL}, {"space", "select", NULL, NULL}, {"*", "all .xml", NULL, NULL},
	{"Enter", "add / open dir", NULL, NULL}, {"Bksp", "parent dir", NULL, NULL},
	{"Esc", "cancel", NULL, NULL}, {"q", "cancel", NULL, NULL},
};

static const struct dm_tui_keyhelp bar_help[] = {
	{"any key", "closes the help", NULL, NULL}, {"q", "quit", NULL, NULL},
};

static const struct dm_tui_keyhelp bar_tune[] = {
	{"w", "write profile", NULL, NULL}, {"a", "apply chunk", NULL, NULL},
	{"Esc", "close (cancels)", NULL, NULL}, {"T", "cancel", NULL, NULL}, {"q", "quit", NULL, NULL},
};

/* another process: only what looks at the samples */
static const struct dm_tui_keyhelp bar_watch[] = {
	{"Tab", "log", NULL, NULL}, {"z", "zoom", NULL, NULL}, {"</>", "window", NULL, NULL},
	{"e", "export", NULL, NULL}, {"?", "help", NULL, NULL}, {"q", "quit", NULL, NULL},
};

static const struct dm_tui_keyhelp bar_replay[] = {
	{"space", "pause", NULL, NULL}, {"f/s", "faster/slower", NULL, NULL},
	{"0/$", "start/end", NULL, NULL}, {"n", "next event", NULL, NULL},
	{"Enter", "details", NULL, NULL}, {"Tab", "log", NULL, NULL}, {"z", "zoom", NULL, NULL},
	{"e", "report", NULL, NULL}, {"?", "help", NULL, NULL}, {"q", "quit", NULL, NULL},
};

size_t dm_tui_key_bar(enum dm_tui_focus mode, const struct dm_tui_keyhelp **out)
{
	static const struct {
		const struct dm_tui_keyhelp *k;
		size_t n;
	} bars[] = {
		[DM_TUI_MODE_LOG] = {bar_log, sizeof bar_log / sizeof bar_log[0]},
		[DM_TUI_MODE_DETAILS] = {bar_details, sizeof bar_details / sizeof bar_details[0]},
		[DM_TUI_MODE_CHOOSER] = {bar_chooser, sizeof bar_chooser / sizeof bar_chooser[0]},
		[DM_TUI_MODE_HELP] = {bar_help, sizeof bar_help / sizeof bar_help[0]},
		[DM_TUI_MODE_REPLAY] = {bar_replay, sizeof bar_replay / sizeof bar_replay[0]},
		[DM_TUI_MODE_TUNE] = {bar_tune, sizeof bar_tune / sizeof bar_tune[0]},
		[DM_TUI_MODE_WATCH] = {bar_watch, sizeof bar_watch / sizeof bar_watch[0]},
	};
	if ((size_t)mode < sizeof bars / sizeof bars[0] && bars[mode].k) {
		*out = bars[mode].k;
		return bars[mode].n;
	}
	return dm_tui_key_help(out);
}

int dm_tui_action_parser_only(enum dm_tui_action a)
{
	return a == DM_TUI_A_CHUNK_UP || a == DM_TUI_A_CHUNK_DOWN || a == DM_TUI_A_BUFFER_UP ||
	       a == DM_TUI_A_BUFFER_DOWN || a == DM_TUI_A_PROFILE || a == DM_TUI_A_PAUSE ||
	       a == DM_TUI_A_RECLAIM || a == DM_TUI_A_SKIP || a == DM_TUI_A_ADD ||
	       a == DM_TUI_A_LEAK || a == DM_TUI_A_TUNE;
}
