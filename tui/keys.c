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
};

static const struct dm_tui_keyhelp help[] = {
	{"+/-", "chunk", "double / halve the chunk size (from the next chunk)"},
	{"[/]", "buffer", "halve / double the buffer size (from the next file)"},
	{"P", "profile", "next profile: default, low-memory, large-files, throughput, demo"},
	{"space", "pause", "pause / resume the parse"},
	{"g", "GC", "force a reclamation of idle memory now"},
	{"n", "next", "skip the oldest running file"},
	{"a", "add", "add files (chooser)"},
	{"s", "heap report", "write a heap report now"},
	{"L", "leak", "toggle an injected leak of 40M/s (for demos)"},
	{"e", "export", "export the samples to ./ddexmon-samples-<time>.csv"},
	{"?", "help", "show / hide this help"},
	{"q", "quit", "quit (asks y/n while files are still running)"},
	{"^L", NULL, "redraw the screen"},
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
