/* detect-replay: run the growth detector (core/detect.h) over the sample
 * events of a recorded `ddexmon watch --events FILE` or `run` stream, as
 * the engine would have fed it, and print its changes as JSON lines:
 *
 *   detect-replay [--set KEY=VALUE]... < events.json
 *
 * Each "sample" line gives t and rss (and mem_available: the limit is
 * rss + mem_available, as in watch mode). Lets bench/ measure the detector
 * on real processes' RSS, and replays a field recording. Exit 0, 2 on bad
 * arguments or a profile key the detector refuses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "profile.h"

/* The number after "key": in line, or -1 when absent. */
static double field(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return -1;
	return strtod(p + strlen(pat), NULL);
}

int main(int argc, char **argv)
{
	struct dm_config cfg;
	dm_config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		struct dm_error err;
		dm_error_clear(&err);
		if (strcmp(argv[i], "--set") != 0 || i + 1 >= argc) {
			fprintf(stderr, "usage: detect-replay [--set KEY=VALUE]... < events.json\n");
			return 2;
		}
		if (dm_config_set_arg(&cfg, argv[++i], &err) != 0) {
			fprintf(stderr, "detect-replay: %s\n", err.msg);
			return 2;
		}
	}
	struct dm_detect_cfg dc;
	dm_detect_cfg_from(&dc, &cfg);
	struct dm_detect *d = dm_detect_new(&dc, NULL);
	if (!d) {
		fprintf(stderr, "detect-replay: detector settings out of range\n");
		return 2;
	}
	char line[65536];
	while (fgets(line, sizeof line, stdin)) {
		if (!strstr(line, "\"event\":\"sample\""))
			continue;
		double t = field(line, "t"), rss = field(line, "rss");
		double avail = field(line, "mem_available");
		if (t < 0 || rss < 0)
			continue;
		uint64_t limit = avail > 0 ? (uint64_t)rss + (uint64_t)avail : 0;
		struct dm_detect_change c[DM_DETECT_MAX_CHANGES];
		size_t n = dm_detect_feed(d, t, (uint64_t)rss, limit, c, DM_DETECT_MAX_CHANGES);
		for (size_t k = 0; k < n; k++)
			printf("{\"event\":\"%s\",\"t\":%.3f,\"state\":\"%s\",\"rate\":%.0f,\"rate_low\":%.0f,"
			       "\"scale\":%g,\"window\":%g,\"floor\":%llu,\"baseline\":%llu,\"plateau\":%llu,"
			       "\"time_left\":%.1f}\n",
			       dm_detect_kind_name(c[k].kind), c[k].t, dm_detect_state_name(c[k].state),
			       c[k].rate, c[k].rate_low, c[k].scale, c[k].window,
			       (unsigned long long)c[k].floor, (unsigned long long)c[k].baseline,
			       (unsigned long long)c[k].plateau, c[k].time_left);
	}
	dm_detect_free(d);
	return 0;
}
