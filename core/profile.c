/* Configuration defaults, key table, unit parsing and the profile loader. */
#include "config.h"
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DM_PKGDATADIR
#define DM_PKGDATADIR "/usr/local/share/ddexmon"
#endif
#ifndef DM_BINDIR
#define DM_BINDIR "/usr/local/bin"
#endif

#define OFF(f) offsetof(struct dm_config, f)
#define SZ(f) sizeof(((struct dm_config *)0)->f)
#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)
#define HOUR_MS (3600ULL * 1000)

static const struct dm_config_key keys[] = {
	{"name", DM_KEY_STRING, OFF(name), SZ(name), 0, 0, "default",
	 "profile name shown in the dashboard"},
	{"description", DM_KEY_STRING, OFF(description), SZ(description), 0, 0, "",
	 "one line saying what the profile is for"},
	{"max_memory", DM_KEY_SIZE, OFF(max_memory), 0, 64 * KiB, 1024 * GiB, "512M",
	 "memory budget for accounted allocations; a refused allocation stops the file (exit 3)"},
	{"chunk_size", DM_KEY_SIZE, OFF(chunk_size), 0, 1, 256 * MiB, "64K",
	 "bytes read and handed to expat at a time"},
	{"max_element_depth", DM_KEY_COUNT, OFF(max_element_depth), 0, 1, 1000000, "100",
	 "deepest element nesting accepted"},
	{"max_element_count", DM_KEY_COUNT, OFF(max_element_count), 0, 0, UINT64_MAX, "0",
	 "elements accepted per file, a cap on input size (0 = unlimited)"},
	{"buffer_size", DM_KEY_SIZE, OFF(buffer_size), 0, 256, 1024 * MiB, "1M",
	 "largest single start tag or text value the parser holds; longer is an error"},
	{"flush_threshold", DM_KEY_RATIO, OFF(flush_threshold), 0, 0, 0, "0.8",
	 "reclaim pooled memory when accounted bytes pass this fraction of max_memory"},
	{"continue_on_error", DM_KEY_BOOL, OFF(continue_on_error), 0, 0, 1, "false",
	 "report and skip records whose fields fail checks instead of stopping"},
	{"max_errors", DM_KEY_COUNT, OFF(max_errors), 0, 1, 1000000000, "10",
	 "record errors tolerated per file with continue_on_error"},
	{"allow_dtd_entities", DM_KEY_BOOL, OFF(allow_dtd_entities), 0, 0, 1, "false",
	 "accept a DOCTYPE that declares entities (external ones are never loaded)"},
	{"pool_max_size", DM_KEY_COUNT, OFF(pool_max_size), 0, 1, 1000000, "64",
	 "idle objects or buffers a pool keeps for reuse"},
	{"pool_floor", DM_KEY_COUNT, OFF(pool_floor), 0, 0, 1000000, "2",
	 "idle objects a reclamation leaves in each pool"},
	{"pool_input_buffers", DM_KEY_BOOL, OFF(pool_input_buffers), 0, 0, 1, "false",
	 "keep expat's input buffers (about twice chunk_size) in a pool between files for the "
	 "next file; a reclamation frees them all"},
	{"sample_interval", DM_KEY_DURATION, OFF(sample_interval_ms), 0, 10, HOUR_MS, "100ms",
	 "time between memory samples"},
	{"trend_window", DM_KEY_DURATION, OFF(trend_window_ms), 0, 100, 24 * HOUR_MS, "10s",
	 "span of samples the trend slope is fitted over"},
	{"leak_interval", DM_KEY_DURATION, OFF(leak_interval_ms), 0, 10, HOUR_MS, "1s",
	 "seed detector: time between snapshots"},
	{"leak_window", DM_KEY_DURATION, OFF(leak_window_ms), 0, 1000, 30 * 24 * HOUR_MS, "1h",
	 "seed detector: how long snapshots are kept"},
	{"leak_threshold", DM_KEY_SIZE, OFF(leak_threshold), 0, 1, 1024 * GiB, "50M",
	 "seed detector: growth across the last three snapshots that makes a leak suspected"},
	{"leak_detector", DM_KEY_STRING, OFF(leak_detector), SZ(leak_detector), 0, 0, "multiscale",
	 "leak detector: multiscale (floor growth on several time scales) or seed (the 3-snapshot rule)"},
	{"leak_min_duration", DM_KEY_DURATION, OFF(leak_min_duration_ms), 0, 1000, 24 * HOUR_MS, "20s",
	 "multiscale: growth must be sustained this long to be confirmed as a leak"},
	{"leak_min_rate", DM_KEY_SIZE, OFF(leak_min_rate), 0, 0, 1024 * GiB, "4K",
	 "multiscale: floor growth slower than this many bytes per second is not a leak"},
	{"leak_min_growth", DM_KEY_SIZE, OFF(leak_min_growth), 0, 0, 1024 * GiB, "2M",
	 "multiscale: the floor must have risen this much before growth counts"},
	{"exhaustion_horizon", DM_KEY_DURATION, OFF(exhaustion_horizon_ms), 0, 0, 24 * HOUR_MS, "10m",
	 "alarm at once when the current growth would reach the limit within this time (0 = off)"},
	{"report_dir", DM_KEY_STRING, OFF(report_dir), SZ(report_dir), 0, 0, "./ddexmon-reports",
	 "directory for heap reports"},
	{"max_concurrent", DM_KEY_COUNT, OFF(max_concurrent), 0, 0, 1024, "0",
	 "files parsed at once (0 = number of cores)"},
	{"admission_percent", DM_KEY_PERCENT, OFF(admission_percent), 0, 1, 100, "85",
	 "a file waits to start while system memory use is above this percentage"},
	{"split_workers", DM_KEY_COUNT, OFF(split_workers), 0, 1, 64, "1",
	 "threads used to parse one file in segments (1 = no split)"},
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* String keys that take one of a few words. */
static const char *const detector_names[] = {"multiscale", "seed", NULL};
static const struct {
	const char *key;
	const char *const *choices;
} key_choices[] = {
	{"leak_detector", detector_names},
};

const char *const *dm_config_key_choices(const struct dm_config_key *k)
{
	for (size_t i = 0; i < sizeof key_choices / sizeof key_choices[0]; i++)
		if (strcmp(key_choices[i].key, k->name) == 0)
			return key_choices[i].choices;
	return NULL;
}

size_t dm_config_key_count(void) { return NKEYS; }

const struct dm_config_key *dm_config_key_at(size_t i)
{
	return i < NKEYS ? &keys[i] : NULL;
}

const struct dm_config_key *dm_config_key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void dm_config_init(struct dm_config *c)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++) {
		int rc = dm_config_set(c, keys[i].name, keys[i].def, NULL);
		(void)rc; /* the table's defaults are valid by construction (tested) */
	}
}

/* Parse an unsigned integer prefix; returns the end or NULL. */
static const char *parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return NULL;
	uint64_t v = 0;
	for (; isdigit((unsigned char)*s) || *s == '_'; s++) {
		if (*s == '_')
			continue;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	*out = v;
	return s;
}

int dm_parse_size(const char *s, uint64_t *out)
{
	uint64_t whole, frac = 0, fdiv = 1;
	const char *p = parse_u64(s, &whole);
	if (!p)
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++)
			if (fdiv < 1000000000ULL) {
				frac = frac * 10 + (unsigned)(*p - '0');
				fdiv *= 10;
			}
	}
	uint64_t mult = 1;
	switch (toupper((unsigned char)*p)) {
	case 'K': mult = KiB; p++; break;
	case 'M': mult = MiB; p++; break;
	case 'G': mult = GiB; p++; break;
	case 'T': mult = 1024 * GiB; p++; break;
	case '\0': break;
	case 'B': break;
	default: return -1;
	}
	if (mult > 1 && (*p == 'i' || *p == 'I'))
		p++;
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p)
		return -1;
	if (whole > UINT64_MAX / mult)
		return -1;
	if (frac && mult == 1)
		return -1; /* fractions of a byte */
	*out = whole * mult + frac * mult / fdiv;
	return 0;
}

int dm_parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t v;
	const char *p = parse_u64(s, &v);
	if (!p)
		return -1;
	uint64_t mult;
	if (strcmp(p, "") == 0 || strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "m") == 0 || strcmp(p, "min") == 0)
		mult = 60000;
	else if (strcmp(p, "h") == 0)
		mult = HOUR_MS;
	else
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) { *out = 1; return 0; }
		if (strcasecmp(s, no[i]) == 0) { *out = 0; return 0; }
	}
	return -1;
}

void dm_format_size(uint64_t b, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	if (b == 0 || b % KiB) {
		snprintf(buf, size, "%llu", (unsigned long long)b);
		return;
	}
	int u = -1;
	uint64_t v = b;
	while (u < 3 && v % KiB == 0 && v >= KiB) {
		v /= KiB;
		u++;
	}
	if (u >= 0 && v < KiB) {
		snprintf(buf, size, "%llu%c", (unsigned long long)v, units[u]);
		return;
	}
	/* not exact in a larger unit: one decimal in the largest unit below b */
	double d = (double)b;
	u = 0;
	while (u < 3 && d >= 1024.0 * 1024.0) {
		d /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f%c", d / 1024.0, units[u]);
}

void dm_format_bytes(uint64_t b, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	if (b < 1024) {
		snprintf(buf, size, "%lluB", (unsigned long long)b);
		return;
	}
	double d = (double)b / 1024.0;
	int u = 0;
	while (u < 3 && d >= 1024.0) {
		d /= 1024.0;
		u++;
	}
	if (d >= 100.0)
		snprintf(buf, size, "%.0f%c", d, units[u]);
	else if (d >= 10.0)
		snprintf(buf, size, "%.1f%c", d, units[u]);
	else
		snprintf(buf, size, "%.2f%c", d, units[u]);
}

void dm_format_duration(uint64_t ms, char *buf, size_t size)
{
	if (ms && ms % HOUR_MS == 0)
		snprintf(buf, size, "%lluh", (unsigned long long)(ms / HOUR_MS));
	else if (ms && ms % 60000 == 0)
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
	else if (ms && ms % 1000 == 0)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llums", (unsigned long long)ms);
}

static int range_error(struct dm_error *err, const struct dm_config_key *k,
                       const char *value)
{
	char lo[32], hi[32];
	if (k->type == DM_KEY_SIZE) {
		dm_format_size(k->min, lo, sizeof lo);
		dm_format_size(k->max, hi, sizeof hi);
	} else if (k->type == DM_KEY_DURATION) {
		dm_format_duration(k->min, lo, sizeof lo);
		dm_format_duration(k->max, hi, sizeof hi);
	} else {
		snprintf(lo, sizeof lo, "%llu", (unsigned long long)k->min);
		snprintf(hi, sizeof hi, "%llu", (unsigned long long)k->max);
	}
	return dm_error_set(err, DM_EUSAGE, "%s: value '%s' out of range (%s to %s)",
	                    k->name, value, lo, hi);
}

/* "a, b or c" into buf. */
static const char *choice_list(const char *const *ch, char *buf, size_t size)
{
	size_t off = 0, n = 0;
	while (ch[n])
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		                        i == 0 ? "" : i + 1 == n ? " or " : ", ", ch[i]);
	return buf;
}

int dm_config_set(struct dm_config *c, const char *key, const char *value,
                  struct dm_error *err)
{
	const struct dm_config_key *k = dm_config_key_find(key);
	if (!k)
		return dm_error_set(err, DM_EUSAGE, "unknown key '%s'", key);
	char *field = (char *)c + k->offset;
	uint64_t v = 0;
	switch (k->type) {
	case DM_KEY_SIZE:
		if (dm_parse_size(value, &v) != 0)
			return dm_error_set(err, DM_EUSAGE,
			                    "%s: '%s' is not a size (e.g. 64K, 512M, 1G)", key, value);
		break;
	case DM_KEY_COUNT:
		if (!*value || parse_u64(value, &v) == NULL || *parse_u64(value, &v))
			return dm_error_set(err, DM_EUSAGE, "%s: '%s' is not a whole number", key, value);
		break;
	case DM_KEY_PERCENT: {
		const char *end = parse_u64(value, &v);
		if (!end || (*end && strcmp(end, "%") != 0))
			return dm_error_set(err, DM_EUSAGE, "%s: '%s' is not a percentage", key, value);
		break;
	}
	case DM_KEY_DURATION:
		if (dm_parse_duration_ms(value, &v) != 0)
			return dm_error_set(err, DM_EUSAGE,
			                    "%s: '%s' is not a duration (e.g. 500ms, 2s, 1m, 1h)", key, value);
		break;
	case DM_KEY_RATIO: {
		char *end;
		errno = 0;
		double d = strtod(value, &end);
		if (!*value || *end || errno || !isfinite(d))
			return dm_error_set(err, DM_EUSAGE, "%s: '%s' is not a number", key, value);
		if (!(d > 0.0 && d <= 1.0))
			return dm_error_set(err, DM_EUSAGE,
			                    "%s: value '%s' out of range (above 0, at most 1)", key, value);
		*(double *)(void *)field = d;
		return 0;
	}
	case DM_KEY_BOOL: {
		int b;
		if (parse_bool(value, &b) != 0)
			return dm_error_set(err, DM_EUSAGE, "%s: '%s' is not true or false", key, value);
		*(int *)(void *)field = b;
		return 0;
	}
	case DM_KEY_STRING:
		if (dm_config_key_choices(k)) {
			const char *const *ch = dm_config_key_choices(k);
			size_t i = 0;
			while (ch[i] && strcmp(ch[i], value) != 0)
				i++;
			char list[128];
			if (!ch[i])
				return dm_error_set(err, DM_EUSAGE, "%s: '%s' is not %s", key, value,
				                    choice_list(ch, list, sizeof list));
		}
		if (strlen(value) >= k->size)
			return dm_error_set(err, DM_EUSAGE, "%s: value longer than %zu bytes",
			                    key, k->size - 1);
		memcpy(field, value, strlen(value) + 1);
		return 0;
	}
	if (v < k->min || v > k->max)
		return range_error(err, k, value);
	*(uint64_t *)(void *)field = v;
	return 0;
}

int dm_config_validate(const struct dm_config *c, struct dm_error *err)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct dm_config_key *k = &keys[i];
		const char *field = (const char *)c + k->offset;
		char text[64];
		switch (k->type) {
		case DM_KEY_STRING:
			if (!memchr(field, '\0', k->size))
				return dm_error_set(err, DM_EUSAGE, "%s: value not terminated", k->name);
			continue;
		case DM_KEY_BOOL: {
			int b = *(const int *)(const void *)field;
			if (b != 0 && b != 1)
				return dm_error_set(err, DM_EUSAGE, "%s: %d is not true or false", k->name, b);
			continue;
		}
		case DM_KEY_RATIO: {
			double d = *(const double *)(const void *)field;
			if (!(d > 0.0 && d <= 1.0))
				return dm_error_set(err, DM_EUSAGE, "%s: value %g out of range (above 0, at most 1)",
				                    k->name, d);
			continue;
		}
		default: {
			uint64_t v = *(const uint64_t *)(const void *)field;
			if (v >= k->min && v <= k->max)
				continue;
			dm_config_format(c, k, text, sizeof text);
			return range_error(err, k, text);
		}
		}
	}
	if (c->pool_floor > c->pool_max_size)
		return dm_error_set(err, DM_EUSAGE, "pool_floor: %llu is above pool_max_size (%llu)",
		                    (unsigned long long)c->pool_floor, (unsigned long long)c->pool_max_size);
	if (c->leak_window_ms < 3 * c->leak_interval_ms)
		return dm_error_set(err, DM_EUSAGE,
		                    "leak_window: shorter than three leak_interval snapshots");
	if (c->trend_window_ms < 2 * c->sample_interval_ms)
		return dm_error_set(err, DM_EUSAGE, "trend_window: shorter than two sample_interval");
	return 0;
}

int dm_config_set_arg(struct dm_config *c, const char *arg, struct dm_error *err)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return dm_error_set(err, DM_EUSAGE, "--set %s: expected key=value", arg);
	char key[64];
	size_t kl = (size_t)(eq - arg);
	if (kl >= sizeof key)
		return dm_error_set(err, DM_EUSAGE, "--set %s: unknown key", arg);
	memcpy(key, arg, kl);
	key[kl] = '\0';
	int rc = dm_config_set(c, key, eq + 1, err);
	if (rc && err) {
		char msg[DM_ERRMSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		dm_error_set(err, rc, "--set: %s", msg);
	}
	return rc;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int dm_config_load(struct dm_config *c, const char *path, struct dm_error *err)
{
	/* O_NONBLOCK: a FIFO named *.profile must not hang a listing; only a
	 * regular file is a profile */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	FILE *f = NULL;
	const char *why = NULL;
	if (fd < 0)
		why = strerror(errno);
	else if (fstat(fd, &st) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (!(f = fdopen(fd, "r")))
		why = strerror(errno);
	if (!f) {
		if (fd >= 0)
			close(fd);
		dm_error_at(err, path, 0, 0, 0);
		if (err)
			err->has_pos = 0;
		return dm_error_set(err, DM_EUSAGE, "cannot open profile: %s", why);
	}
	/* the stem names the profile unless the file says otherwise */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char stem[DM_NAME_MAX];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strstr(stem, ".profile");
	if (dot)
		*dot = '\0';
	snprintf(c->name, sizeof c->name, "%s", stem);

	char line[1024];
	unsigned long lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = dm_error_set(err, DM_EUSAGE, "line too long");
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			rc = dm_error_set(err, DM_EUSAGE, "expected 'key = value'");
			break;
		}
		*eq = '\0';
		char *key = trim(s), *value = trim(eq + 1);
		if (!*key) {
			rc = dm_error_set(err, DM_EUSAGE, "missing key before '='");
			break;
		}
		rc = dm_config_set(c, key, value, err);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = dm_error_set(err, DM_EUSAGE, "read error: %s", strerror(errno));
	fclose(f);
	if (rc && err) {
		dm_error_at(err, path, lineno, 0, 0);
		err->column = 0;
		/* "FILE:LINE: msg" reads best for a profile: no column */
		char msg[DM_ERRMSG_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		snprintf(err->msg, sizeof err->msg, "%s", msg);
	}
	return rc;
}

/* The installed profiles as seen from the binary's own directory: the
 * configured bindir -> pkgdatadir step ("../share/ddexmon" by default), so
 * that a tree installed under DESTDIR or moved to another prefix finds its
 * own profiles. "" unless both are absolute. */
static void relative_datadir(char *out, size_t size)
{
	const char *b = DM_BINDIR, *d = DM_PKGDATADIR;
	out[0] = '\0';
	if (b[0] != '/' || d[0] != '/')
		return;
	size_t common = 0;   /* end of the longest shared directory prefix */
	for (size_t i = 0;; i++) {
		if ((b[i] == '/' || !b[i]) && (d[i] == '/' || !d[i]))
			common = i;
		if (!b[i] || b[i] != d[i])
			break;
	}
	size_t o = 0;
	for (const char *p = b + common; *p && o + 4 < size; p++)
		if (*p == '/' && p[1] && p[1] != '/') {
			memcpy(out + o, "../", 3);
			o += 3;
		}
	const char *rest = d + common;
	while (*rest == '/')
		rest++;
	snprintf(out + o, size - o, "%s", rest);
}

/* Append dir unless it is already listed. */
static size_t add_dir(char dirs[][DM_PATH_MAX], size_t n, size_t max, const char *dir)
{
	if (n >= max || !*dir || strlen(dir) >= DM_PATH_MAX)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strcmp(dirs[i], dir) == 0)
			return n;
	snprintf(dirs[n], DM_PATH_MAX, "%s", dir);
	return n + 1;
}

size_t dm_profile_dirs(char dirs[][DM_PATH_MAX], size_t max)
{
	size_t n = 0;
	char dir[DM_PATH_MAX];
	const char *env = getenv("DDEXMON_PROFILE_PATH");
	if (env && *env) {
		const char *p = env;
		while (*p) {
			const char *colon = strchr(p, ':');
			size_t len = colon ? (size_t)(colon - p) : strlen(p);
			if (len && len < DM_PATH_MAX) {
				memcpy(dir, p, len);
				dir[len] = '\0';
				n = add_dir(dirs, n, max, dir);
			}
			if (!colon)
				break;
			p = colon + 1;
		}
	}
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/ddexmon/profiles", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.config/ddexmon/profiles", home);
	else
		dir[0] = '\0';
	n = add_dir(dirs, n, max, dir);

	/* where the running binary is: an installed tree wherever it was put,
	 * then the configured place, then profiles/ beside a binary that was
	 * never installed (the build tree). The two guesses from the binary's
	 * place are listed only when they exist. */
	char exe[DM_PATH_MAX], rel[DM_PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[len > 0 ? len : 0] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	relative_datadir(rel, sizeof rel);
	if (slash && *rel) {
		/* "/usr/local/bin" + "../share/ddexmon": "/usr/local/share/ddexmon" */
		char base[DM_PATH_MAX];
		snprintf(base, sizeof base, "%s", exe);
		const char *r = rel;
		char *up;
		while (strncmp(r, "../", 3) == 0 && (up = strrchr(base, '/')) != NULL) {
			*up = '\0';
			r += 3;
		}
		if ((size_t)snprintf(dir, sizeof dir, "%s/%s/profiles", base, r) < sizeof dir &&
		    access(dir, X_OK) == 0)
			n = add_dir(dirs, n, max, dir);
	}
	snprintf(dir, sizeof dir, "%s/profiles", DM_PKGDATADIR);
	n = add_dir(dirs, n, max, dir);
	if (slash && (size_t)snprintf(dir, sizeof dir, "%s/profiles", exe) < sizeof dir &&
	    access(dir, X_OK) == 0)
		n = add_dir(dirs, n, max, dir);
	return n;
}

int dm_profile_find(const char *spec, char *path, size_t size, struct dm_error *err)
{
	size_t sl = strlen(spec);
	int is_path = strchr(spec, '/') != NULL ||
	              (sl > 8 && strcmp(spec + sl - 8, ".profile") == 0);
	if (is_path) {
		if (access(spec, R_OK) != 0)
			return dm_error_set(err, DM_EUSAGE, "profile '%s': %s", spec, strerror(errno));
		snprintf(path, size, "%s", spec);
		return 0;
	}
	if (!*spec || strlen(spec) >= DM_NAME_MAX)
		return dm_error_set(err, DM_EUSAGE, "profile name '%s' is not valid", spec);
	char dirs[8][DM_PATH_MAX];
	size_t n = dm_profile_dirs(dirs, 8);
	for (size_t i = 0; i < n; i++) {
		char cand[DM_PATH_MAX + DM_NAME_MAX + 16];
		snprintf(cand, sizeof cand, "%s/%s.profile", dirs[i], spec);
		if (access(cand, R_OK) == 0) {
			snprintf(path, size, "%s", cand);
			return 0;
		}
	}
	char where[DM_ERRMSG_MAX] = "";
	size_t off = 0;
	for (size_t i = 0; i < n && off < sizeof where; i++)
		off += (size_t)snprintf(where + off, sizeof where - off, "%s%s", i ? ", " : "", dirs[i]);
	return dm_error_set(err, DM_EUSAGE, "profile '%s' not found (looked in %s)", spec, where);
}

/* expat keeps this much already-parsed input before a new buffer
 * (XML_CONTEXT_BYTES in its default build). */
#define EXPAT_CONTEXT 1024

static uint64_t parser_buffer_need(uint64_t chunk)
{
	uint64_t p = 1024;
	while (p < chunk + EXPAT_CONTEXT)
		p *= 2;
	return p + p / 2;
}

int dm_config_check(const struct dm_config *c, struct dm_error *err)
{
	uint64_t need = parser_buffer_need(c->chunk_size), def;
	if (need <= c->max_memory)
		return 0;
	const struct dm_config_key *k = dm_config_key_find("chunk_size");
	if (dm_parse_size(k->def, &def) != 0 || parser_buffer_need(def) > c->max_memory)
		return 0;
	char chunk[32], mem[32], n[32];
	dm_config_format(c, k, chunk, sizeof chunk);
	dm_config_format(c, dm_config_key_find("max_memory"), mem, sizeof mem);
	dm_format_size(need, n, sizeof n);
	return dm_error_set(err, DM_EUSAGE,
	                    "profile '%s': chunk_size = %s needs up to %s of parser buffer, more than "
	                    "max_memory = %s: lower chunk_size or raise max_memory", c->name, chunk, n,
	                    mem);
}

int dm_profile_load(struct dm_config *c, const char *spec, struct dm_error *err)
{
	char path[DM_PATH_MAX + DM_NAME_MAX + 16];
	int rc = dm_profile_find(spec, path, sizeof path, err);
	if (rc)
		return rc;
	return dm_config_load(c, path, err);
}

void dm_config_format(const struct dm_config *c, const struct dm_config_key *k,
                      char *buf, size_t size)
{
	const char *field = (const char *)c + k->offset;
	switch (k->type) {
	case DM_KEY_SIZE:
		dm_format_size(*(const uint64_t *)(const void *)field, buf, size);
		break;
	case DM_KEY_DURATION:
		dm_format_duration(*(const uint64_t *)(const void *)field, buf, size);
		break;
	case DM_KEY_COUNT:
		snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)(const void *)field);
		break;
	case DM_KEY_PERCENT:
		snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)(const void *)field);
		break;
	case DM_KEY_RATIO:
		snprintf(buf, size, "%g", *(const double *)(const void *)field);
		break;
	case DM_KEY_BOOL:
		snprintf(buf, size, "%s", *(const int *)(const void *)field ? "true" : "false");
		break;
	case DM_KEY_STRING:
		snprintf(buf, size, "%s", field);
		break;
	}
}
