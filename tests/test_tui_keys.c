/* The key table: each documented key does its action (and its case twin
 * the same), keys that are not documented do nothing, and the help text
 * names a key for every action there is, each named key doing what its
 * line says. */
#include "config.h"
#include "keys.h"

#include <criterion/criterion.h>
#include <curses.h>
#include <string.h>

#define CTRL(c) ((c) & 0x1f)

static const struct {
	int key;
	enum dm_tui_action action;
} expected[] = {
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
	{CTRL('L'), DM_TUI_A_REDRAW},
	{KEY_UP, DM_TUI_A_UP}, {'k', DM_TUI_A_UP}, {'K', DM_TUI_A_UP},
	{KEY_DOWN, DM_TUI_A_DOWN}, {'j', DM_TUI_A_DOWN}, {'J', DM_TUI_A_DOWN},
	{KEY_PPAGE, DM_TUI_A_PAGE_UP}, {KEY_NPAGE, DM_TUI_A_PAGE_DOWN},
	{KEY_HOME, DM_TUI_A_HOME}, {KEY_END, DM_TUI_A_END},
	{'\n', DM_TUI_A_DETAILS}, {'\r', DM_TUI_A_DETAILS}, {KEY_ENTER, DM_TUI_A_DETAILS},
	{'i', DM_TUI_A_DETAILS}, {'I', DM_TUI_A_DETAILS},
	{'\t', DM_TUI_A_FOCUS}, {27, DM_TUI_A_BACK},
	{'z', DM_TUI_A_ZOOM}, {'Z', DM_TUI_A_ZOOM},
	{'<', DM_TUI_A_ZOOM_IN}, {'>', DM_TUI_A_ZOOM_OUT},
	{'T', DM_TUI_A_TUNE}, {'t', DM_TUI_A_TUNE},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

/* The last action in the enum: every one from NONE + 1 up to it must be
 * reachable from a key and named in the help. */
#define LAST_ACTION DM_TUI_A_TUNE

Test(keys, every_key_of_the_table_does_its_action)
{
	for (size_t i = 0; i < NEXPECTED; i++)
		cr_assert_eq(dm_tui_key_action(expected[i].key), expected[i].action,
		             "key %d (%c): action %d, want %d", expected[i].key,
		             expected[i].key > 31 && expected[i].key < 127 ? expected[i].key : '?',
		             dm_tui_key_action(expected[i].key), expected[i].action);
}

/* Every key code curses can return, letters, digits, control characters
 * and function keys included: only the table's keys do anything. */
Test(keys, every_other_key_does_nothing)
{
	for (int key = -1; key <= KEY_MAX; key++) {
		int bound = 0;
		for (size_t i = 0; i < NEXPECTED; i++)
			bound |= expected[i].key == key;
		if (!bound)
			cr_assert_eq(dm_tui_key_action(key), DM_TUI_A_NONE,
			             "key %d is bound to %d but not documented", key,
			             dm_tui_key_action(key));
	}
	cr_assert_eq(dm_tui_key_action(ERR), DM_TUI_A_NONE, "a getch timeout is no key");
	cr_assert_eq(dm_tui_key_action(KEY_RESIZE), DM_TUI_A_NONE, "resizes are the loop's");
}

Test(keys, every_action_has_a_key)
{
	for (int a = DM_TUI_A_NONE + 1; a <= LAST_ACTION; a++) {
		int found = 0;
		for (int key = 0; key <= KEY_MAX && !found; key++)
			found = dm_tui_key_action(key) == (enum dm_tui_action)a;
		cr_assert(found, "action %d has no key", a);
	}
}

/* The keys a help line names: "+/-" is two keys, "space" and "^L" are
 * spelled out, anything else is one character. Returns how many. */
static size_t named_keys(const char *s, int out[4])
{
	static const struct {
		const char *name;
		int keys[2];
	} spelled[] = {
		{"Enter", {'\n', 0}}, {"Tab", {'\t', 0}}, {"Esc", {27, 0}},
		{"Up/Down", {KEY_UP, KEY_DOWN}}, {"PgUp/PgDn", {KEY_PPAGE, KEY_NPAGE}},
		{"Home/End", {KEY_HOME, KEY_END}},
	};
	for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++)
		if (strcmp(s, spelled[i].name) == 0) {
			out[0] = spelled[i].keys[0];
			out[1] = spelled[i].keys[1];
			return out[1] ? 2 : 1;
		}
	if (strcmp(s, "space") == 0) {
		out[0] = ' ';
		return 1;
	}
	if (s[0] == '^' && s[1] && !s[2]) {
		out[0] = CTRL(s[1]);
		return 1;
	}
	if (strlen(s) == 3 && s[1] == '/') {
		out[0] = s[0];
		out[1] = s[2];
		return 2;
	}
	cr_assert_eq(strlen(s), 1, "help names a key as \"%s\": spell it so a test can read it", s);
	out[0] = s[0];
	return 1;
}

Test(keys, help_names_a_working_key_for_every_action)
{
	const struct dm_tui_keyhelp *h;
	size_t n = dm_tui_key_help(&h);
	cr_assert_gt(n, 0);
	int helped[LAST_ACTION + 1] = {0};
	size_t bar = 0;
	for (size_t i = 0; i < n; i++) {
		cr_assert(h[i].keys && h[i].keys[0], "line %zu names no key", i);
		cr_assert(h[i].help && strlen(h[i].help) > 5, "line %zu (%s): no help", i, h[i].keys);
		if (h[i].bar) {
			cr_assert(h[i].bar[0], "line %zu: empty key bar word", i);
			bar++;
		}
		int keys[4];
		size_t nk = named_keys(h[i].keys, keys);
		for (size_t k = 0; k < nk; k++) {
			enum dm_tui_action a = dm_tui_key_action(keys[k]);
			cr_assert_neq(a, DM_TUI_A_NONE, "help names \"%s\", which does nothing",
			              h[i].keys);
			cr_assert_eq(helped[a], 0, "two help lines for action %d (\"%s\")", a, h[i].keys);
			helped[a] = 1;
		}
		/* "+/-": two keys, two different actions (up and down) */
		if (nk == 2)
			cr_assert_neq(dm_tui_key_action(keys[0]), dm_tui_key_action(keys[1]), "%s",
			              h[i].keys);
	}
	for (int a = DM_TUI_A_NONE + 1; a <= LAST_ACTION; a++)
		cr_assert(helped[a], "action %d is in no help line", a);
	cr_assert_geq(bar, 8, "the key bar shows the main keys");
}

/* Each line's words match its keys: catches two lines swapped. */
Test(keys, help_lines_say_what_their_keys_do)
{
	static const struct {
		enum dm_tui_action action;
		const char *word;
	} says[] = {
		{DM_TUI_A_CHUNK_UP, "chunk"}, {DM_TUI_A_BUFFER_DOWN, "buffer"},
		{DM_TUI_A_PROFILE, "profile"}, {DM_TUI_A_PAUSE, "pause"},
		{DM_TUI_A_RECLAIM, "reclamation"}, {DM_TUI_A_SKIP, "skip"},
		{DM_TUI_A_ADD, "add"}, {DM_TUI_A_HEAP_REPORT, "heap report"},
		{DM_TUI_A_LEAK, "leak"}, {DM_TUI_A_EXPORT, "export"}, {DM_TUI_A_HELP, "help"},
		{DM_TUI_A_QUIT, "quit"}, {DM_TUI_A_REDRAW, "redraw"},
		{DM_TUI_A_DETAILS, "details"}, {DM_TUI_A_UP, "select"}, {DM_TUI_A_PAGE_UP, "page"},
		{DM_TUI_A_HOME, "first"}, {DM_TUI_A_FOCUS, "log"}, {DM_TUI_A_BACK, "close"},
		{DM_TUI_A_ZOOM, "time window"}, {DM_TUI_A_ZOOM_IN, "shorter"},
	};
	const struct dm_tui_keyhelp *h;
	size_t n = dm_tui_key_help(&h);
	for (size_t j = 0; j < sizeof says / sizeof says[0]; j++) {
		int found = 0;
		for (size_t i = 0; i < n; i++) {
			int keys[4];
			named_keys(h[i].keys, keys);
			if (dm_tui_key_action(keys[0]) != says[j].action)
				continue;
			found = 1;
			cr_assert(strstr(h[i].help, says[j].word), "\"%s\": %s does not say \"%s\"",
			          h[i].keys, h[i].help, says[j].word);
		}
		cr_assert(found, "no help line for \"%s\"", says[j].word);
	}
}
