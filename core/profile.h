/* The configuration: every knob in one struct, its defaults, its units, and
 * the `key = value` profile loader with its search path.
 *
 * Every key is described once, in a table (name, type, default, doc); the
 * loader, `--set`, `ddexmon profiles`, and the documentation all use it. */
#ifndef DM_PROFILE_H
#define DM_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define DM_NAME_MAX 64
#define DM_PATH_MAX 512

struct dm_config {
	char name[DM_NAME_MAX];          /* profile name ("default" when none) */
	char description[160];
	/* streaming parser */
	uint64_t max_memory;             /* bytes; the budget */
	uint64_t chunk_size;             /* bytes read per expat call */
	uint64_t max_element_depth;
	uint64_t max_element_count;      /* per file; 0 = unlimited (the default) */
	uint64_t buffer_size;            /* largest start tag or text value held */
	double flush_threshold;          /* reclaim when accounted > this x budget */
	int continue_on_error;
	uint64_t max_errors;
	int allow_dtd_entities;
	/* pools */
	uint64_t pool_max_size;          /* idle objects a pool may keep */
	uint64_t pool_floor;             /* idle objects kept by a reclamation */
	int pool_input_buffers;          /* expat's input buffers kept between files */
	/* sampling, trend and leak detection */
	uint64_t sample_interval_ms;
	uint64_t trend_window_ms;
	uint64_t leak_interval_ms;
	uint64_t leak_window_ms;
	uint64_t leak_threshold;         /* bytes of growth over 3 snapshots */
	char leak_detector[16];          /* "multiscale" or "seed" */
	uint64_t leak_min_duration_ms;   /* shortest growth a leak can be */
	uint64_t leak_min_rate;          /* bytes/s below which growth is no leak */
	uint64_t leak_min_growth;        /* bytes of floor rise a leak needs */
	uint64_t exhaustion_horizon_ms;  /* projection alarm horizon; 0 = off */
	char report_dir[DM_PATH_MAX];
	/* runner */
	uint64_t max_concurrent;         /* 0 = number of cores */
	uint64_t admission_percent;      /* wait while system memory use is above */
	uint64_t split_workers;          /* threads for one file (1 = no split) */
};

enum dm_key_type {
	DM_KEY_SIZE,      /* bytes, with K/M/G/T (powers of 1024) */
	DM_KEY_COUNT,     /* plain integer */
	DM_KEY_RATIO,     /* number in (0, 1] */
	DM_KEY_PERCENT,   /* 0..100, optional '%' */
	DM_KEY_BOOL,      /* true/false, yes/no, on/off, 1/0 */
	DM_KEY_DURATION,  /* ms, s, m, h; a bare number is milliseconds */
	DM_KEY_STRING,
};

struct dm_config_key {
	const char *name;
	enum dm_key_type type;
	size_t offset;
	size_t size;          /* for strings */
	uint64_t min, max;    /* for sizes, counts, durations, percents */
	const char *def;      /* default as written in a profile */
	const char *doc;      /* one line */
};

/* Fill c with the built-in defaults. */
void dm_config_init(struct dm_config *c);

/* The key table. */
size_t dm_config_key_count(void);
const struct dm_config_key *dm_config_key_at(size_t i);
const struct dm_config_key *dm_config_key_find(const char *name);

/* The values a string key accepts (NULL-ended), or NULL when any will do. */
const char *const *dm_config_key_choices(const struct dm_config_key *k);

/* Set one key from text. On error returns DM_EUSAGE and a message naming
 * the key and the problem (no position: the caller adds it). */
int dm_config_set(struct dm_config *c, const char *key, const char *value,
                  struct dm_error *err);

/* Check a whole configuration: every key within its range, strings
 * terminated, and the combinations that cannot work (pool_floor above
 * pool_max_size, a leak window shorter than three leak intervals, a trend
 * window shorter than two samples). Returns 0 or DM_EUSAGE with a message
 * naming the key. Loading and --set check single keys; this is for a
 * configuration built or changed as a whole (profile switch, tests). */
int dm_config_validate(const struct dm_config *c, struct dm_error *err);

/* "key=value" as given to --set; errors name the option. */
int dm_config_set_arg(struct dm_config *c, const char *arg, struct dm_error *err);

/* Read a profile file: `key = value` lines, '#' comments, blank lines.
 * Errors carry the file and line. The profile's name becomes the file's
 * stem unless it sets `name`. */
int dm_config_load(struct dm_config *c, const char *path, struct dm_error *err);

/* Find a profile by name or path. A spec containing '/' or ending in
 * ".profile" is a path. Otherwise NAME.profile is looked for in, in order:
 * $DDEXMON_PROFILE_PATH (colon-separated), $XDG_CONFIG_HOME/ddexmon/profiles
 * (or ~/.config/ddexmon/profiles), the installed data directory, and the
 * source tree's profiles/ (for uninstalled runs). Writes the path found.
 * Returns 0 or DM_EUSAGE with a message listing where it looked. */
int dm_profile_find(const char *spec, char *path, size_t size, struct dm_error *err);

/* Keys that are each in range but cannot work together: a chunk_size
 * whose parser buffer (expat rounds chunk_size plus its context up to a
 * power of two, and holds the old buffer while growing: up to 1.5 times
 * that) does not fit max_memory, when the default chunk_size would. (A
 * budget too small for any chunk is the memory error it always was.)
 * 0, or DM_EUSAGE with a message naming both keys. Call once the profile
 * and every --set are applied. */
int dm_config_check(const struct dm_config *c, struct dm_error *err);

/* dm_profile_find + dm_config_load. */
int dm_profile_load(struct dm_config *c, const char *spec, struct dm_error *err);

/* Directories searched for profiles, in order; returns how many were
 * written to dirs (each DM_PATH_MAX bytes). */
size_t dm_profile_dirs(char dirs[][DM_PATH_MAX], size_t max);

/* A key's current value as text in the same form a profile uses. */
void dm_config_format(const struct dm_config *c, const struct dm_config_key *k,
                      char *buf, size_t size);

/* Parsers and formatters for the unit forms. Return 0 or -1. */
int dm_parse_size(const char *s, uint64_t *out);
int dm_parse_duration_ms(const char *s, uint64_t *out);
/* "64K", "512M", "1G" when exact, else "1.5M"; "0" for 0. */
void dm_format_size(uint64_t bytes, char *buf, size_t size);
/* For people: "812B", "215.1K", "6.2M", "1.08G" (powers of 1024). */
void dm_format_bytes(uint64_t bytes, char *buf, size_t size);
/* "500ms", "2s", "1m", "1h" when exact. */
void dm_format_duration(uint64_t ms, char *buf, size_t size);

#endif
