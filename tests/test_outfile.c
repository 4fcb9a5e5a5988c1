/* The file-writing rules (outfile.h) and name escaping (dm_esc): what is at
 * the target decides how it is written, links are refused, temporaries
 * never stay behind, report directories are checked, and an escaped name
 * holds no control character, no invalid UTF-8 and no terminal escape. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "error.h"
#include "outfile.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/dm-outfile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char *at(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of dir whose name contains ".tmp.". */
static int temporaries(void)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

TestSuite(outfile, .init = setup, .fini = teardown);

Test(outfile, new_file_gets_the_umask_mode)
{
	struct dm_error err;
	dm_error_clear(&err);
	mode_t old = umask(027);
	int rc = dm_write_atomic(at("new"), "abc", 3, &err);
	umask(old);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(get(at("new")), "abc");
	struct stat st;
	cr_assert_eq(stat(at("new"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	cr_assert_eq(temporaries(), 0);
}

Test(outfile, regular_file_is_replaced_keeping_its_mode)
{
	put(at("old"), "old text");
	chmod(at("old"), 0604);
	struct stat before, after;
	cr_assert_eq(stat(at("old"), &before), 0);
	cr_assert_eq(dm_write_atomic(at("old"), "new", 3, NULL), 0);
	cr_assert_eq(stat(at("old"), &after), 0);
	cr_assert_str_eq(get(at("old")), "new");
	cr_assert_eq(after.st_mode & 0777, 0604);
	cr_assert_neq(before.st_ino, after.st_ino, "replaced by rename, not rewritten");
	cr_assert_eq(temporaries(), 0);
}

Test(outfile, symlink_is_refused_and_its_target_untouched)
{
	put(at("victim"), "precious");
	cr_assert_eq(symlink(at("victim"), at("link")), 0);
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_write_atomic(at("link"), "evil", 4, &err), DM_EIO);
	cr_assert(strstr(err.msg, "link: is a symbolic link"), "%s", err.msg);
	cr_assert_str_eq(get(at("victim")), "precious");
	struct stat st;
	cr_assert_eq(lstat(at("link"), &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert_eq(temporaries(), 0);
}

Test(outfile, dangling_symlink_is_refused_too)
{
	cr_assert_eq(symlink(at("nothing-here"), at("dangling")), 0);
	cr_assert_eq(dm_write_atomic(at("dangling"), "x", 1, NULL), DM_EIO);
	cr_assert_eq(access(at("nothing-here"), F_OK), -1, "no file created through the link");
}

Test(outfile, fifo_is_written_in_place)
{
	cr_assert_eq(mkfifo(at("fifo"), 0600), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(at("fifo"), O_RDONLY);
		char buf[16];
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
		_exit(n == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : 1);
	}
	cr_assert_eq(dm_write_atomic(at("fifo"), "hello", 5, NULL), 0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the reader got the bytes");
	struct stat st;
	cr_assert_eq(lstat(at("fifo"), &st), 0);
	cr_assert(S_ISFIFO(st.st_mode), "still a FIFO");
	cr_assert_eq(temporaries(), 0);
}

Test(outfile, full_device_fails_with_the_name)
{
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_write_atomic("/dev/full", "x", 1, &err), DM_EIO);
	cr_assert_str_eq(err.msg, "/dev/full: write failed: No space left on device");
	struct stat st;
	cr_assert_eq(lstat("/dev/full", &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
}

Test(outfile, directory_and_missing_parent_fail)
{
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_write_atomic(dir, "x", 1, &err), DM_EIO);
	cr_assert(strstr(err.msg, "Is a directory"), "%s", err.msg);
	cr_assert_eq(dm_write_atomic(at("no/such/file"), "x", 1, &err), DM_EIO);
	cr_assert(strstr(err.msg, "No such file or directory"), "%s", err.msg);
}

Test(outfile, abort_removes_the_temporary_and_keeps_the_old_file)
{
	put(at("keep"), "old");
	struct dm_out o;
	cr_assert_eq(dm_out_open(&o, at("keep"), DM_OUT_STREAM, NULL), 0);
	fputs("half", o.f);
	cr_assert_eq(temporaries(), 1);
	dm_out_abort(&o);
	cr_assert_eq(temporaries(), 0);
	cr_assert_str_eq(get(at("keep")), "old");
}

Test(outfile, noreplace_never_takes_an_existing_name)
{
	put(at("victim"), "precious");
	cr_assert_eq(symlink(at("victim"), at("taken")), 0);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dfd, 0);
	struct dm_out o;
	cr_assert_eq(dm_out_openat(&o, dfd, dir, "taken", DM_OUT_NOREPLACE, NULL), DM_EIO);
	cr_assert_eq(o.errnum, EEXIST);
	close(dfd);
	cr_assert_str_eq(get(at("victim")), "precious");
}

Test(outfile, report_goes_beside_planted_names)
{
	put(at("victim"), "precious");
	cr_assert_eq(symlink(at("victim"), at("heap-X.json")), 0);
	char out[256];
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(dm_report_write(dir, "heap-X", "json", "{}\n", 3, out, sizeof out, &err), 0,
	             "%s", err.msg);
	cr_assert_str_eq(out, at("heap-X-1.json"));
	cr_assert_str_eq(get(out), "{}\n");
	cr_assert_str_eq(get(at("victim")), "precious");
	struct stat st;
	cr_assert_eq(lstat(out, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(temporaries(), 0);
}

Test(outfile, report_dir_writable_by_others_is_refused_unless_sticky)
{
	char out[256];
	struct dm_error err;
	dm_error_clear(&err);
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(dm_report_write(dir, "heap-Y", "json", "{}\n", 3, out, sizeof out, &err), DM_EIO);
	cr_assert(strstr(err.msg, "report_dir is group- or world-writable without the sticky bit"),
	          "%s", err.msg);
	cr_assert_eq(access(at("heap-Y.json"), F_OK), -1);
	cr_assert_eq(chmod(dir, 01777), 0);
	cr_assert_eq(dm_report_write(dir, "heap-Y", "json", "{}\n", 3, out, sizeof out, &err), 0,
	             "%s", err.msg);
	cr_assert_eq(chmod(dir, 0700), 0);
}

Test(outfile, report_dir_auto_is_the_users_runtime_dir)
{
	setenv("XDG_RUNTIME_DIR", dir, 1);
	char got[256];
	cr_assert_eq(dm_report_dir("auto", got, sizeof got, NULL), 0);
	cr_assert_str_eq(got, at("ddexmon-reports"));
	struct stat st;
	cr_assert_eq(stat(got, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
}

/* ---- dm_esc ------------------------------------------------------------- */

static const char *esc(const char *s)
{
	static char buf[256];
	return dm_esc(s, buf, sizeof buf);
}

Test(esc, controls_invalid_bytes_and_overrides)
{
	cr_assert_str_eq(esc("a\nddexmon: FAKE\x1b[31m.xml"), "a\\nddexmon: FAKE\\e[31m.xml");
	cr_assert_str_eq(esc("t\tr\rb\x01\x7f"), "t\\tr\\rb\\x01\\x7F");
	cr_assert_str_eq(esc("bad\xff\xc3(x"), "bad\\xFF\\xC3(x");
	cr_assert_str_eq(esc("over\xc0\xaflong"), "over\\xC0\\xAFlong");
	cr_assert_str_eq(esc("surr\xed\xa0\x80"), "surr\\xED\\xA0\\x80");
	cr_assert_str_eq(esc("csi\xc2\x9b" "31m"), "csi\\u009B31m");
	cr_assert_str_eq(esc("rtl\xe2\x80\xaegpj.exe"), "rtl\\u202Egpj.exe");
}

Test(esc, printable_text_and_utf8_kept_and_idempotent)
{
	const char *s = "歌手 – Sigur Rós/Ágætis byrjun.xml";
	cr_assert_str_eq(esc(s), s);
	char once[256], twice[256];
	dm_esc("x\n\x1b\xff\xc2\x85", once, sizeof once);
	dm_esc(once, twice, sizeof twice);
	cr_assert_str_eq(once, twice);
}

Test(esc, cut_at_a_boundary)
{
	char buf[6];
	dm_esc("ab\ncd", buf, sizeof buf);
	cr_assert_str_eq(buf, "ab\\nc");
	dm_esc("ab\x1b", buf, 4);
	cr_assert_str_eq(buf, "ab", "an escape is never cut in half");
	dm_esc("a\xc3\xa9", buf, 3);
	cr_assert_str_eq(buf, "a", "nor a UTF-8 sequence");
}

Test(esc, error_format_escapes_file_and_message)
{
	struct dm_error e;
	dm_error_clear(&e);
	dm_error_set(&e, DM_EIO, "cannot read \x1b]0;title\x07");
	dm_error_at(&e, "x\ny.xml", 3, 4, 10);
	char line[256];
	dm_error_format(&e, line, sizeof line);
	cr_assert_str_eq(line, "x\\ny.xml:3:4: cannot read \\e]0;title\\x07");
}
