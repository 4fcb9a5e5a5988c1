/* The key table: which key does what, the key bar's words and the help
 * text. Pure; actions.c carries the actions out. */
#ifndef DM_TUI_KEYS_H
#define DM_TUI_KEYS_H

#include <stddef.h>

enum dm_tui_action {
	DM_TUI_A_NONE,
	DM_TUI_A_CHUNK_UP,
	DM_TUI_A_CHUNK_DOWN,
	DM_TUI_A_BUFFER_UP,
	DM_TUI_A_BUFFER_DOWN,
	DM_TUI_A_PROFILE,
	DM_TUI_A_PAUSE,
	DM_TUI_A_RECLAIM,
	DM_TUI_A_SKIP,
	DM_TUI_A_ADD,
	DM_TUI_A_HEAP_REPORT,
	DM_TUI_A_LEAK,
	DM_TUI_A_EXPORT,
	DM_TUI_A_HELP,
	DM_TUI_A_QUIT,
	DM_TUI_A_REDRAW,
};

/* One line of help, also one entry of the key bar when bar is not NULL. */
struct dm_tui_keyhelp {
	const char *keys;   /* as shown: "+/-", "space" */
	const char *bar;    /* the key bar's word, or NULL */
	const char *help;   /* the help overlay's sentence */
};

/* The action of a key (curses key code or character); NONE if unbound. */
enum dm_tui_action dm_tui_key_action(int key);
/* Help entries in display order; returns the count. */
size_t dm_tui_key_help(const struct dm_tui_keyhelp **out);

#endif
