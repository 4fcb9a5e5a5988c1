/* curses set-up and tear-down. The signal handler only sets a flag: the
 * dashboard loop sees it within one tick (getch times out every 100 ms)
 * and leaves through the same door as q, so endwin always runs on the UI
 * thread. */
#include "config.h"
#include "crt.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static SCREEN *screen;
static FILE *tty_in;
static volatile sig_atomic_t caught;
static struct sigaction old_int, old_term, old_hup;

static void on_signal(int sig)
{
	caught = sig;
}

int dm_tui_crt_signal(void)
{
	return caught;
}

void dm_tui_crt_post_signal(int sig)
{
	caught = sig;
}

static void restore_at_exit(void)
{
	dm_tui_crt_end();
}

/* A crash must not leave the terminal raw and on the alternate screen.
 * endwin is not async-signal-safe, but the process is dying anyway (htop
 * does the same); then the default action runs (core dump). Sanitizer
 * builds keep their own handlers, which report more. */
#if !defined(__SANITIZE_ADDRESS__)
static void on_crash(int sig)
{
	if (screen && !isendwin())
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_crashes(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}
#else
static void catch_crashes(void)
{
}
#endif

static void colours(struct dm_tui_view *v)
{
	const char *no = getenv("NO_COLOR");
	v->color = 0;
	if ((no && no[0]) || !has_colors() || start_color() != OK)
		return;
	int bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
	init_pair(DM_TUI_PAIR_GOOD, COLOR_GREEN, (short)bg);
	init_pair(DM_TUI_PAIR_WARN, COLOR_YELLOW, (short)bg);
	init_pair(DM_TUI_PAIR_BAD, COLOR_RED, (short)bg);
	init_pair(DM_TUI_PAIR_TITLE, COLOR_CYAN, (short)bg);
	v->color = 1;
}

int dm_tui_crt_begin(struct dm_tui_view *v, char *err, size_t errlen)
{
	static int registered;
	memset(v, 0, sizeof *v);
	setlocale(LC_ALL, "");
	v->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	FILE *in = stdin;
	if (!isatty(STDIN_FILENO)) {
		/* stdin may be a file being parsed ("-"): read keys from the tty */
		tty_in = fopen("/dev/tty", "re");
		if (!tty_in) {
			snprintf(err, errlen, "no terminal to read keys from (/dev/tty)");
			return -1;
		}
		in = tty_in;
	}
	/* our handlers first: ncurses leaves signals alone that are not SIG_DFL */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	screen = newterm(NULL, stdout, in);
	if (!screen) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)", term ? term : "unset");
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		dm_tui_crt_end();
		return -1;
	}
	set_term(screen);
	if (!registered) {
		atexit(restore_at_exit);
		catch_crashes();
		registered = 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(50);
	/* doupdate need not poll the keyboard before every changed line */
	typeahead(-1);
	curs_set(0);
	/* ncurses 6.4 flushes after every cursor move until the screen has
	 * been suspended and resumed once (newterm leaves it "initial"), so a
	 * frame went out as ~20 small writes, each a packet over ssh; once
	 * through endwin and refresh, a frame is one write */
	endwin();
	refresh();
	colours(v);
	return 0;
}

void dm_tui_crt_end(void)
{
	if (screen) {
		if (!isendwin())
			endwin();
		delscreen(screen);
		screen = NULL;
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
	}
	if (tty_in) {
		fclose(tty_in);
		tty_in = NULL;
	}
}
