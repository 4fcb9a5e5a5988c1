/* The terminal: curses set-up and tear-down, colours, the signals that
 * end the dashboard, and the promise that the terminal is restored on
 * every way out: q, SIGINT/SIGTERM/SIGHUP (a flag the loop sees), a fatal
 * error (the loop returns like q), exit() (atexit) and a crash (SIGSEGV,
 * SIGABRT, ...). UI thread only. */
#ifndef DM_TUI_CRT_H
#define DM_TUI_CRT_H

#include "panel.h"

/* Start curses on the terminal: output to stdout, keys from stdin or,
 * when stdin is not a terminal, /dev/tty. Fills the view (UTF-8 from the
 * locale's codeset, colour unless NO_COLOR is set or the terminal has
 * none). Catches SIGINT, SIGTERM and SIGHUP into a flag. Returns 0, or -1
 * with a one-line reason in err (the terminal untouched). */
int dm_tui_crt_begin(struct dm_tui_view *v, char *err, size_t errlen);
/* Restore the terminal. Idempotent; also run at exit. */
void dm_tui_crt_end(void);
/* The signal that asked us to stop, or 0. */
int dm_tui_crt_signal(void);
/* A signal the program's signal thread received, for the dashboard loop
 * to end on (any thread). */
void dm_tui_crt_post_signal(int sig);

#endif
