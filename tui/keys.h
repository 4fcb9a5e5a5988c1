/* The key table: which key does what, the key bar's words and the help
 * text. Pure; actions.c carries the actions out. */
#ifndef DM_TUI_KEYS_H
#define DM_TUI_KEYS_H

#include <stddef.h>

/* What the keys act on, and which keys the footer lists. */
enum dm_tui_focus {
	DM_TUI_MODE_FILES,              /* arrows select a file */
	DM_TUI_MODE_LOG,                /* arrows scroll the log */
	DM_TUI_MODE_DETAILS,            /* a file's details are open */
	DM_TUI_MODE_CHOOSER,
	DM_TUI_MODE_HELP,
	DM_TUI_MODE_REPLAY,             /* footer only: the files, on a recording */
	DM_TUI_MODE_TUNE,               /* footer only: the live tune's table is open */
	DM_TUI_MODE_WATCH,              /* footer only: watching another process */
};

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
	DM_TUI_A_UP,            /* the selection (or the log) one line */
	DM_TUI_A_DOWN,
	DM_TUI_A_PAGE_UP,
	DM_TUI_A_PAGE_DOWN,
	DM_TUI_A_HOME,
	DM_TUI_A_END,
	DM_TUI_A_DETAILS,       /* the selected file's details */
	DM_TUI_A_FOCUS,         /* the arrows to the log and back */
	DM_TUI_A_BACK,          /* close the details, leave the log */
	DM_TUI_A_ZOOM,          /* the next time window (cycles) */
	DM_TUI_A_ZOOM_IN,
	DM_TUI_A_ZOOM_OUT,
	DM_TUI_A_TUNE,          /* the live tune of the selected file */
};

/* One line of help, also one entry of the key bar when bar is not NULL. */
struct dm_tui_keyhelp {
	const char *keys;   /* as shown: "+/-", "space" */
	const char *bar;    /* the key bar's word, or NULL */
	const char *help;   /* the help overlay's sentence */
	const char *word;   /* the help's short word when bar is NULL, or NULL */
};

/* The action of a key (curses key code or character); NONE if unbound. */
enum dm_tui_action dm_tui_key_action(int key);
/* Help entries in display order; returns the count. */
size_t dm_tui_key_help(const struct dm_tui_keyhelp **out);
/* The footer's entries for a mode (the help's for FILES); returns the
 * count. */
size_t dm_tui_key_bar(enum dm_tui_focus mode, const struct dm_tui_keyhelp **out);

/* Does the action act on ddexmon's own parse (refused when watching
 * another process, which has none)? */
int dm_tui_action_parser_only(enum dm_tui_action a);

#endif
