/* bare_expat: the yardstick for `ddexmon parse`.
 *
 * expat with no handlers at all, namespace-aware with the same separator
 * as ddexmon, reading 64 KiB at a time straight into XML_GetBuffer. What
 * ddexmon loses against this program is the cost of its own work (the
 * ERN state machine, records, JSON), not of expat.
 *
 * Usage: bare_expat [FILE|-]   (standard input when no FILE or "-")
 * Prints bytes, seconds and MB/s on standard error; exit 0 if the input
 * is well-formed, 1 on usage, 2 on a read or XML error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <expat.h>

#define CHUNK (64 * 1024)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "-";
	if (argc > 2 || strcmp(path, "-h") == 0 || strcmp(path, "--help") == 0) {
		fputs("Usage: bare_expat [FILE|-]\n", argc > 2 ? stderr : stdout);
		return argc > 2 ? 1 : 0;
	}
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "bare_expat: %s: %s\n", path, strerror(errno));
		return 2;
	}
	XML_Parser xp = XML_ParserCreateNS(NULL, '\x01');
	if (!xp) {
		fputs("bare_expat: out of memory\n", stderr);
		return 2;
	}
	double t0 = now();
	unsigned long long total = 0;
	for (;;) {
		void *buf = XML_GetBuffer(xp, CHUNK);
		if (!buf) {
			fputs("bare_expat: out of memory\n", stderr);
			return 2;
		}
		ssize_t n;
		do
			n = read(fd, buf, CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			fprintf(stderr, "bare_expat: %s: read error: %s\n", path, strerror(errno));
			return 2;
		}
		total += (unsigned long long)n;
		if (XML_ParseBuffer(xp, (int)n, n == 0) != XML_STATUS_OK) {
			fprintf(stderr, "bare_expat: %s:%lu:%lu: %s\n", path,
			        (unsigned long)XML_GetCurrentLineNumber(xp),
			        (unsigned long)XML_GetCurrentColumnNumber(xp) + 1,
			        XML_ErrorString(XML_GetErrorCode(xp)));
			return 2;
		}
		if (n == 0)
			break;
	}
	double secs = now() - t0;
	fprintf(stderr, "bare_expat: %llu bytes in %.3f s (%.1f MB/s)\n", total, secs,
	        secs > 0 ? (double)total / 1e6 / secs : 0.0);
	XML_ParserFree(xp);
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
}
