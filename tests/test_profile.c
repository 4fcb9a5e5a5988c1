/* Configuration: defaults, units, --set, profile files and the search path. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)

/* A private scratch directory per test (tests run in their own process). */
static char tmpdir[256];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/dm-test-profile-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

/* Create path holding text. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot create %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

TestSuite(profile, .init = mk_tmp, .fini = rm_tmp);

Test(profile, defaults_are_the_seed_values)
{
	struct dm_config c;
	dm_config_init(&c);
	cr_assert_str_eq(c.name, "default");
	cr_assert_eq(c.max_memory, 512 * MiB);
	cr_assert_eq(c.chunk_size, 64 * KiB);
	cr_assert_eq(c.max_element_depth, 100);
	cr_assert_eq(c.max_element_count, 0, "no element cap by default: memory does not grow with it");
	cr_assert_eq(c.buffer_size, 1 * MiB);
	cr_assert_float_eq(c.flush_threshold, 0.8, 1e-12);
	cr_assert_eq(c.continue_on_error, 0);
	cr_assert_eq(c.max_errors, 10);
	cr_assert_eq(c.allow_dtd_entities, 0);
	cr_assert_eq(c.sample_interval_ms, 100);
	cr_assert_eq(c.leak_window_ms, 3600 * 1000);
	cr_assert_eq(c.admission_percent, 85);
	cr_assert_eq(c.split_workers, 1);
}

Test(profile, every_key_default_is_valid_and_round_trips)
{
	size_t n = dm_config_key_count();
	cr_assert_gt(n, 10);
	struct dm_config c;
	dm_config_init(&c);
	for (size_t i = 0; i < n; i++) {
		const struct dm_config_key *k = dm_config_key_at(i);
		cr_assert_not_null(k);
		cr_assert_eq(dm_config_key_find(k->name), k, "%s", k->name);
		cr_assert(k->doc && *k->doc, "key %s has no doc line", k->name);
		struct dm_config d;
		memset(&d, 0, sizeof d);
		struct dm_error err;
		dm_error_clear(&err);
		cr_assert_eq(dm_config_set(&d, k->name, k->def, &err), 0,
		             "default of %s ('%s') rejected: %s", k->name, k->def, err.msg);
		/* what format prints, set reads back to the same value */
		char text[256];
		dm_config_format(&c, k, text, sizeof text);
		cr_assert_eq(dm_config_set(&d, k->name, text, &err), 0, "%s='%s': %s",
		             k->name, text, err.msg);
		char again[256];
		dm_config_format(&d, k, again, sizeof again);
		cr_assert_str_eq(again, text, "key %s", k->name);
	}
	cr_assert_null(dm_config_key_at(n));
	cr_assert_null(dm_config_key_find("no_such_key"));
}

Test(profile, sizes_take_units)
{
	uint64_t v;
	cr_assert_eq(dm_parse_size("64K", &v), 0); cr_assert_eq(v, 64 * KiB);
	cr_assert_eq(dm_parse_size("512M", &v), 0); cr_assert_eq(v, 512 * MiB);
	cr_assert_eq(dm_parse_size("1G", &v), 0); cr_assert_eq(v, GiB);
	cr_assert_eq(dm_parse_size("2T", &v), 0); cr_assert_eq(v, 2048 * GiB);
	cr_assert_eq(dm_parse_size("64k", &v), 0); cr_assert_eq(v, 64 * KiB);
	cr_assert_eq(dm_parse_size("64KB", &v), 0); cr_assert_eq(v, 64 * KiB);
	cr_assert_eq(dm_parse_size("64KiB", &v), 0); cr_assert_eq(v, 64 * KiB);
	cr_assert_eq(dm_parse_size("1.5M", &v), 0); cr_assert_eq(v, 3 * MiB / 2);
	cr_assert_eq(dm_parse_size("0.5K", &v), 0); cr_assert_eq(v, 512);
	cr_assert_eq(dm_parse_size("4096", &v), 0); cr_assert_eq(v, 4096);
	cr_assert_eq(dm_parse_size("100B", &v), 0); cr_assert_eq(v, 100);
	cr_assert_eq(dm_parse_size("1_000", &v), 0); cr_assert_eq(v, 1000);
	cr_assert_eq(dm_parse_size("0", &v), 0); cr_assert_eq(v, 0);

	const char *bad[] = {"", "K", "-1", "64X", "64 K", "1.5", "1.K", "12KX",
	                     "99999999999999999999", "99999999999T", "0x10", " 1K"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = 12345;
		cr_assert_eq(dm_parse_size(bad[i], &v), -1, "'%s' accepted as %llu", bad[i],
		             (unsigned long long)v);
	}
}

Test(profile, durations_take_units)
{
	uint64_t v;
	cr_assert_eq(dm_parse_duration_ms("500ms", &v), 0); cr_assert_eq(v, 500);
	cr_assert_eq(dm_parse_duration_ms("2s", &v), 0); cr_assert_eq(v, 2000);
	cr_assert_eq(dm_parse_duration_ms("1m", &v), 0); cr_assert_eq(v, 60000);
	cr_assert_eq(dm_parse_duration_ms("1h", &v), 0); cr_assert_eq(v, 3600000);
	cr_assert_eq(dm_parse_duration_ms("250", &v), 0); cr_assert_eq(v, 250);
	const char *bad[] = {"", "s", "2x", "1.5s", "-1s", "2 s", "2S", "ms"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(dm_parse_duration_ms(bad[i], &v), -1, "'%s' accepted", bad[i]);
}

Test(profile, sizes_and_durations_format_back)
{
	char b[32];
	dm_format_size(64 * KiB, b, sizeof b); cr_assert_str_eq(b, "64K");
	dm_format_size(512 * MiB, b, sizeof b); cr_assert_str_eq(b, "512M");
	dm_format_size(GiB, b, sizeof b); cr_assert_str_eq(b, "1G");
	dm_format_size(1000, b, sizeof b); cr_assert_str_eq(b, "1000");
	dm_format_size(0, b, sizeof b); cr_assert_str_eq(b, "0");
	dm_format_size(3 * MiB / 2, b, sizeof b); cr_assert_str_eq(b, "1.5M");
	dm_format_duration(500, b, sizeof b); cr_assert_str_eq(b, "500ms");
	dm_format_duration(2000, b, sizeof b); cr_assert_str_eq(b, "2s");
	dm_format_duration(60000, b, sizeof b); cr_assert_str_eq(b, "1m");
	dm_format_duration(3600000, b, sizeof b); cr_assert_str_eq(b, "1h");
	dm_format_bytes(812, b, sizeof b); cr_assert_str_eq(b, "812B");
	dm_format_bytes(6 * MiB + MiB / 5, b, sizeof b); cr_assert_str_eq(b, "6.20M");
}

Test(profile, set_changes_one_key_with_its_type)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set(&c, "max_memory", "1G", &err), 0);
	cr_assert_eq(c.max_memory, GiB);
	cr_assert_eq(dm_config_set(&c, "chunk_size", "7", &err), 0);
	cr_assert_eq(c.chunk_size, 7);
	cr_assert_eq(dm_config_set(&c, "continue_on_error", "yes", &err), 0);
	cr_assert_eq(c.continue_on_error, 1);
	cr_assert_eq(dm_config_set(&c, "continue_on_error", "off", &err), 0);
	cr_assert_eq(c.continue_on_error, 0);
	cr_assert_eq(dm_config_set(&c, "allow_dtd_entities", "TRUE", &err), 0);
	cr_assert_eq(c.allow_dtd_entities, 1);
	cr_assert_eq(dm_config_set(&c, "flush_threshold", "0.5", &err), 0);
	cr_assert_float_eq(c.flush_threshold, 0.5, 1e-12);
	cr_assert_eq(dm_config_set(&c, "flush_threshold", "1", &err), 0);
	cr_assert_eq(dm_config_set(&c, "admission_percent", "90%", &err), 0);
	cr_assert_eq(c.admission_percent, 90);
	cr_assert_eq(dm_config_set(&c, "sample_interval", "2s", &err), 0);
	cr_assert_eq(c.sample_interval_ms, 2000);
	cr_assert_eq(dm_config_set(&c, "max_element_count", "0", &err), 0, "0 = unlimited");
	cr_assert_eq(c.max_element_count, 0);
	cr_assert_eq(dm_config_set(&c, "report_dir", "/var/tmp/r", &err), 0);
	cr_assert_str_eq(c.report_dir, "/var/tmp/r");
	/* an untouched key keeps its default */
	cr_assert_eq(c.max_element_depth, 100);
}

/* Each bad value is refused, names the key, and leaves the value alone. */
Test(profile, bad_values_are_refused_naming_the_key)
{
	static const struct { const char *key, *value, *says; } bad[] = {
		{"max_memory", "lots", "not a size"},
		{"max_memory", "512Q", "not a size"},
		{"max_memory", "1K", "out of range"},      /* below the 64K floor */
		{"chunk_size", "0", "out of range"},
		{"max_element_depth", "ten", "not a whole number"},
		{"max_element_depth", "-5", "not a whole number"},
		{"max_element_depth", "5x", "not a whole number"},
		{"max_element_depth", "", "not a whole number"},
		{"flush_threshold", "0", "out of range"},
		{"flush_threshold", "1.5", "out of range"},
		{"flush_threshold", "high", "not a number"},
		{"flush_threshold", "nan", "not a number"},
		{"continue_on_error", "maybe", "not true or false"},
		{"admission_percent", "101", "out of range"},
		{"admission_percent", "50%%", "not a percentage"},
		{"sample_interval", "fast", "not a duration"},
		{"sample_interval", "2 weeks", "not a duration"},
		{"sample_interval", "1ms", "out of range"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct dm_config c, before;
		dm_config_init(&c);
		before = c;
		struct dm_error err;
		dm_error_clear(&err);
		int rc = dm_config_set(&c, bad[i].key, bad[i].value, &err);
		cr_assert_eq(rc, DM_EUSAGE, "%s=%s accepted", bad[i].key, bad[i].value);
		cr_assert_eq(err.code, DM_EUSAGE);
		cr_assert(strstr(err.msg, bad[i].key), "message '%s' does not name %s", err.msg, bad[i].key);
		cr_assert(strstr(err.msg, bad[i].says), "message '%s' does not say '%s'", err.msg, bad[i].says);
		cr_assert(memcmp(&c, &before, sizeof c) == 0, "%s=%s changed the config", bad[i].key,
		          bad[i].value);
	}
}

Test(profile, unknown_key_is_named)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set(&c, "max_memroy", "1G", &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "unknown key 'max_memroy'"), "%s", err.msg);
}

Test(profile, string_longer_than_its_field_is_refused)
{
	struct dm_config c;
	dm_config_init(&c);
	char longname[DM_NAME_MAX + 10];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set(&c, "name", longname, &err), DM_EUSAGE);
	cr_assert_str_eq(c.name, "default");
}

Test(profile, set_arg_parses_key_equals_value)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set_arg(&c, "max_memory=64K", &err), 0);
	cr_assert_eq(c.max_memory, 64 * KiB);
	cr_assert_eq(dm_config_set_arg(&c, "description=a=b", &err), 0, "only the first '=' splits");
	cr_assert_str_eq(c.description, "a=b");

	cr_assert_eq(dm_config_set_arg(&c, "max_memory", &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "--set") && strstr(err.msg, "key=value"), "%s", err.msg);
	cr_assert_eq(dm_config_set_arg(&c, "=1G", &err), DM_EUSAGE);
	cr_assert_eq(dm_config_set_arg(&c, "bogus_key=1", &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "--set") && strstr(err.msg, "bogus_key"),
	          "the error names the option and the key: %s", err.msg);
	cr_assert_eq(dm_config_set_arg(&c, "chunk_size=huge", &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "--set") && strstr(err.msg, "chunk_size"), "%s", err.msg);
	cr_assert_eq(c.max_memory, 64 * KiB, "failed --set left the earlier value");
}

Test(profile, file_with_comments_and_blank_lines)
{
	char path[512];
	snprintf(path, sizeof path, "%s/small.profile", tmpdir);
	write_file(path,
	           "# a profile for small machines\n"
	           "\n"
	           "max_memory = 64M   # hard budget\n"
	           "chunk_size=4K\n"
	           "\t max_element_depth\t=\t50 \n"
	           "continue_on_error = true\r\n"
	           "description = for tests\n"
	           "   # indented comment\n");
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_load(&c, path, &err), 0, "%s", err.msg);
	cr_assert_eq(c.max_memory, 64 * MiB);
	cr_assert_eq(c.chunk_size, 4 * KiB);
	cr_assert_eq(c.max_element_depth, 50);
	cr_assert_eq(c.continue_on_error, 1);
	cr_assert_str_eq(c.description, "for tests");
	cr_assert_str_eq(c.name, "small", "the file's stem names the profile");
	cr_assert_eq(c.buffer_size, MiB, "keys the file does not set keep their defaults");
}

Test(profile, name_in_the_file_wins_over_the_stem)
{
	char path[512];
	snprintf(path, sizeof path, "%s/x.profile", tmpdir);
	write_file(path, "name = lean\n");
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_load(&c, path, &err), 0);
	cr_assert_str_eq(c.name, "lean");
}

/* Load text as a profile; expect failure at line `line` with `says`. */
static void expect_load_error(const char *text, uint64_t line, const char *says)
{
	char path[512];
	snprintf(path, sizeof path, "%s/bad.profile", tmpdir);
	write_file(path, text);
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_load(&c, path, &err), DM_EUSAGE, "accepted:\n%s", text);
	cr_assert_str_eq(err.file, path, "the error names the file");
	cr_assert(err.has_pos);
	cr_assert_eq(err.line, line, "error at line %llu, expected %llu (%s)",
	             (unsigned long long)err.line, (unsigned long long)line, err.msg);
	cr_assert(strstr(err.msg, says), "message '%s' does not say '%s'", err.msg, says);
	char one[1024];
	dm_error_format(&err, one, sizeof one);
	char want[600];
	snprintf(want, sizeof want, "%s:%llu:", path, (unsigned long long)line);
	cr_assert(strncmp(one, want, strlen(want)) == 0, "'%s' does not start with '%s'", one, want);
}

Test(profile, unknown_key_in_file_names_file_and_line)
{
	expect_load_error("# comment\nmax_memory = 1G\n\nmax_memroy = 1G\n", 4,
	                  "unknown key 'max_memroy'");
}

Test(profile, bad_value_in_file_names_file_and_line)
{
	expect_load_error("chunk_size = 64K\ncontinue_on_error = perhaps\n", 2, "continue_on_error");
}

Test(profile, bad_unit_in_file_names_file_and_line)
{
	expect_load_error("max_memory = 512Q\n", 1, "not a size");
	expect_load_error("\n\nsample_interval = 5 fortnights\n", 3, "not a duration");
}

Test(profile, line_without_equals_is_an_error)
{
	expect_load_error("max_memory = 1G\nchunk_size 64K\n", 2, "key = value");
	expect_load_error("= 5\n", 1, "missing key");
}

Test(profile, missing_file_is_an_error_naming_it)
{
	struct dm_config c;
	dm_config_init(&c);
	struct dm_error err;
	dm_error_clear(&err);
	char path[512];
	snprintf(path, sizeof path, "%s/none.profile", tmpdir);
	cr_assert_eq(dm_config_load(&c, path, &err), DM_EUSAGE);
	cr_assert_str_eq(err.file, path);
	cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
}

Test(profile, search_path_order)
{
	char a[300], b[300], xdg[300], path[700];
	snprintf(a, sizeof a, "%s/a", tmpdir);
	snprintf(b, sizeof b, "%s/b", tmpdir);
	snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
	cr_assert_eq(mkdir(a, 0700), 0);
	cr_assert_eq(mkdir(b, 0700), 0);
	cr_assert_eq(mkdir(xdg, 0700), 0);
	snprintf(path, sizeof path, "%s/ddexmon", xdg);
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/ddexmon/profiles", xdg);
	cr_assert_eq(mkdir(path, 0700), 0);

	snprintf(path, sizeof path, "%s/p.profile", b);
	write_file(path, "chunk_size = 8K\n");
	snprintf(path, sizeof path, "%s/ddexmon/profiles/p.profile", xdg);
	write_file(path, "chunk_size = 16K\n");
	snprintf(path, sizeof path, "%s/ddexmon/profiles/onlyxdg.profile", xdg);
	write_file(path, "chunk_size = 32K\n");

	char env[700];
	snprintf(env, sizeof env, "%s:%s", a, b);
	setenv("DDEXMON_PROFILE_PATH", env, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);

	char dirs[8][DM_PATH_MAX];
	size_t n = dm_profile_dirs(dirs, 8);
	cr_assert_geq(n, 4);
	cr_assert_str_eq(dirs[0], a);
	cr_assert_str_eq(dirs[1], b);
	snprintf(path, sizeof path, "%s/ddexmon/profiles", xdg);
	cr_assert_str_eq(dirs[2], path);

	struct dm_config c;
	struct dm_error err;
	dm_config_init(&c);
	dm_error_clear(&err);
	cr_assert_eq(dm_profile_load(&c, "p", &err), 0, "%s", err.msg);
	cr_assert_eq(c.chunk_size, 8 * KiB, "$DDEXMON_PROFILE_PATH comes before XDG");
	dm_config_init(&c);
	cr_assert_eq(dm_profile_load(&c, "onlyxdg", &err), 0, "%s", err.msg);
	cr_assert_eq(c.chunk_size, 32 * KiB);

	char found[DM_PATH_MAX + 64];
	cr_assert_eq(dm_profile_find("nowhere", found, sizeof found, &err), DM_EUSAGE);
	cr_assert(strstr(err.msg, "not found") && strstr(err.msg, a), "lists where it looked: %s",
	          err.msg);

	/* a spec with a slash is a path, not a name */
	snprintf(path, sizeof path, "%s/p.profile", b);
	cr_assert_eq(dm_profile_find(path, found, sizeof found, &err), 0);
	cr_assert_str_eq(found, path);
}

Test(profile, leak_detector_keys)
{
	struct dm_config c;
	dm_config_init(&c);
	cr_assert_str_eq(c.leak_detector, "multiscale");
	cr_assert_eq(c.leak_min_duration_ms, 20000);
	cr_assert_eq(c.leak_min_rate, 4 * KiB);
	cr_assert_eq(c.leak_min_growth, 2 * MiB);
	cr_assert_eq(c.exhaustion_horizon_ms, 600000);

	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_config_set(&c, "leak_detector", "seed", &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.leak_detector, "seed");
	cr_assert_eq(dm_config_set(&c, "leak_detector", "Seed", &err), DM_EUSAGE);
	cr_assert_str_eq(err.msg, "leak_detector: 'Seed' is not multiscale or seed");
	cr_assert_str_eq(c.leak_detector, "seed", "a refused value changes nothing");
	const char *const *ch = dm_config_key_choices(dm_config_key_find("leak_detector"));
	cr_assert_not_null(ch);
	cr_assert_str_eq(ch[0], "multiscale");
	cr_assert_null(dm_config_key_choices(dm_config_key_find("report_dir")));

	cr_assert_eq(dm_config_set(&c, "exhaustion_horizon", "0", &err), 0, "0 turns it off");
	cr_assert_eq(dm_config_set(&c, "leak_min_duration", "500ms", &err), DM_EUSAGE);
	cr_assert_eq(dm_config_set(&c, "leak_min_rate", "0", &err), 0);
}
