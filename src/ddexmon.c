/* ddexmon: options, profile, then a command (parse, gen, run, ...).
 * Only this file and tui/ decide to exit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"

static const struct dm_cmd *const commands[] = {
	&dm_cmd_parse, &dm_cmd_run, &dm_cmd_watch, &dm_cmd_gen, &dm_cmd_tui,
	&dm_cmd_demo, &dm_cmd_tune, &dm_cmd_profiles, &dm_cmd_replay, &dm_cmd_report,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "Usage: ddexmon COMMAND [OPTIONS] [FILE...]\n"
	           "       ddexmon [OPTIONS] [FILE...]   (the dashboard, as 'ddexmon tui')\n"
	           "Stream DDEX ERN deliveries under a hard memory bound and watch memory.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n'ddexmon COMMAND --help' describes a command; 'man ddexmon' has it all.\n"
	           "Exit status: 0 ok, 1 usage, 2 input or parse error, 3 memory limit,\n"
	           "4 some files failed, 130 interrupted.\n");
}

#if defined(__SANITIZE_ADDRESS__)
/* Every command samples through libproc2 now, whose per-thread buffers
 * are suppressed (sampler.c): the report of the suppression itself must
 * not be a second line on stderr for the tests that count them. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

/* A standard descriptor closed at exec would be handed out by the next
 * open: records meant for stdout would land in the --events file. Each
 * closed one is taken by /dev/null opened read-only, before anything else
 * opens a file: reading it gives end of file, and writing to it fails
 * (EBADF), so output meant for a closed stdout is the documented write
 * error, exit 2, never bytes in somebody else's file. */
static int guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDONLY | O_NOCTTY);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (guard_std_fds() != 0)
		return DM_EXIT_INPUT;   /* nowhere safe to say so */
	/* then: a signal from here on either stops what runs cleanly or
	 * ends the program, never half of a write */
	dm_cli_signals_init();
	setlocale(LC_ALL, "");
	if (argc < 2) {
		/* with a terminal: the dashboard and its file chooser */
		if (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO))
			return dm_cmd_main(&dm_cmd_tui, argc, argv);
		usage(stderr);
		return DM_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return DM_EXIT_OK;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("ddexmon %s\n", PACKAGE_VERSION);
		return DM_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(cmd, commands[i]->name) == 0)
			return dm_cmd_main(commands[i], argc - 1, argv + 1);
	/* options or files without a command: the dashboard */
	struct stat st;
	if ((cmd[0] == '-' && cmd[1]) || stat(cmd, &st) == 0)
		return dm_cmd_main(&dm_cmd_tui, argc, argv);
	dm_cli_error("unknown command '%s' (try 'ddexmon --help')", cmd);
	return DM_EXIT_USAGE;
}
