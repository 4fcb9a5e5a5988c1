#!/bin/sh
# The inputs of `run`: directory walks (--recursive) through link cycles,
# link fans, deep and wide trees, unreadable and dangling entries; standard
# input named twice; the same file under several names; and what the walk
# may hold (src/walk.c, DM_WALK_MAX_* in src/cli.h, the man page's -r).
#
# Every check runs the real binary under a time bound and a peak-memory
# bound (bounded, lib.sh) and asserts the exit status, the one-line
# message, and which files were queued, in which order (file_queued events).
set -u
: "${DDEXMON:?}"
# under LeakSanitizer the sampler's library suppressions would be counted
# on stderr at exit, which is checked here line by line
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0
export LSAN_OPTIONS
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

need_bounded
# A runaway walk grew by about 65 MB a second: far past this within the
# time bounds below. Generous enough for ASan builds.
MAXKB=${DM_WALK_MAXKB:-200000}

# queued [FILE]: the paths of the file_queued events in FILE ($tmp/ev), in order
queued() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["event"] == "file_queued":
        print(ev["file"])' "${1:-$tmp/ev}"
}
# walk NAME WANT SECS ARGS...: run with events to $tmp/ev, no records
walk() {
	name=$1 want=$2 secs=$3
	shift 3
	rm -f "$tmp/ev"
	bounded "$name" "$want" "$secs" "$DDEXMON" run --no-records --events "$tmp/ev" "$@"
}

cd "$tmp" || exit 1
"$DDEXMON" gen --size 2K --seed 5 x.xml 2>/dev/null || not_ok "gen x.xml"
: >empty.xml

# ---- link cycles: the reproduction, plus links up and to the same file ---
mkdir loop loop/sub
cp x.xml loop/
ln -s . loop/x
ln -s . loop/y
ln -s .. loop/sub/up
ln -s x.xml loop/link.xml
ln -s ../x.xml loop/sub/again.xml
walk "a tree with link cycles ends at once" 0 20 -r loop
expect_empty "link cycles: nothing on stderr" "$tmp/err"
# link.xml sorts before x.xml, so that name is the one queued
same "link cycles: the file once, under its first name in sorted order" \
	"$(queued | tr '\n' ' ')" "loop/link.xml "
json_lines "link cycles: events are whole JSON lines" "$tmp/ev"

# 2^24 paths through a fan of links, but 25 directories: each entered once
mkdir fan fan/l0
i=0
while [ $i -lt 24 ]; do
	mkdir "fan/l$((i + 1))"
	ln -s "../l$((i + 1))" "fan/l$i/p"
	ln -s "../l$((i + 1))" "fan/l$i/q"
	i=$((i + 1))
done
cp x.xml fan/l24/deep.xml
walk "a fan of 2^24 link paths" 0 20 -r fan/l0
same "link fan: the file once" "$(queued | tr '\n' ' ')" "fan/l0/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/p/deep.xml "

# ---- depth: 64 levels below the top are walked, 65 are refused ----------
p=deep64
i=0
while [ $i -lt 64 ]; do p=$p/d; i=$((i + 1)); done
mkdir -p "$p" && cp x.xml "$p/"
walk "64 nested directories" 0 20 -r deep64
same "64 nested directories: the file at the bottom" "$(queued)" "$p/x.xml"
mkdir -p "deep65/$p" && cp x.xml "deep65/$p/"
walk "65 nested directories are refused" 2 20 -r deep65
one_line "65 nested directories: one line naming the directory" \
	'^ddexmon: deep65/deep64(/d){64}: directories nested deeper than 64 in the walk \(the limit\)$'
same "65 nested directories: nothing queued" "$(queued)" ""

# ---- a wide tree: 20,000 files in 200 directories, sorted, each once ----
python3 - <<'EOF' || not_ok "generating the wide tree"
import os, shutil
os.mkdir("wide")
# names whose sorted order differs from their creation order
for i in reversed(range(200)):
    d = "wide/d%03d" % i
    os.mkdir(d)
    for j in reversed(range(100)):
        shutil.copyfile("x.xml", "%s/f%02d.xml" % (d, j))
    open(d + "/cover.jpg", "w").close()
EOF
walk "20,000 files in 200 directories" 0 120 -r --set max_concurrent=2 wide
expect_empty "wide tree: nothing on stderr" "$tmp/err"
queued >"$tmp/got"
python3 -c '
for i in range(200):
    for j in range(100):
        print("wide/d%03d/f%02d.xml" % (i, j))' >"$tmp/want"
if cmp -s "$tmp/got" "$tmp/want"; then ok "wide tree: every *.xml once, in sorted order"
else not_ok "wide tree: every *.xml once, in sorted order" "$(diff "$tmp/want" "$tmp/got" | head -5)"; fi
same "wide tree: 20,000 files done" \
	"$(grep -c '"event":"file_done".*"state":"done"' "$tmp/ev")" 20000

# ---- the file limit: refused while reading, before anything is parsed --
python3 -c '
import os
os.mkdir("many")
for i in range(100001):
    open("many/f%06d.xml" % i, "w").close()' || not_ok "generating 100,001 files"
walk "100,001 files are refused" 2 30 -r many
one_line "100,001 files: one line naming the directory and the limit" \
	'^ddexmon: many: more than 100000 \*\.xml files in the walk \(the limit for one command'
same "100,001 files: nothing queued" "$(queued)" ""
rm -rf many

# ---- dangling links: an *.xml one fails like a missing file -------------
mkdir dang
cp x.xml dang/a.xml
ln -s nowhere.xml dang/b.xml
ln -s nowhere dang/c
walk "a dangling *.xml link fails as its file" 4 20 -r dang
same "dangling: both *.xml queued, the other link ignored" "$(queued | tr '\n' ' ')" "dang/a.xml dang/b.xml "
expect "dangling: its error names it" "$tmp/ev" '"event":"error".*dang/b\.xml: cannot open: No such file or directory'

# ---- an unreadable subdirectory: one line, skipped, exit 4 --------------
# Root reads anything: as root the walk runs as nobody via setpriv.
mkdir perm perm/a perm/b perm/c
cp x.xml perm/a/ && cp x.xml perm/b/ && cp x.xml perm/c/
# events go to stdout: nobody cannot create files in this directory
as=
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null &&
	   setpriv --reuid=65534 --regid=65534 --clear-groups "$DDEXMON" --version >/dev/null 2>&1; then
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
		chmod 755 "$tmp"
	else
		as=skip
	fi
fi
chmod 000 perm/b
if [ "$as" = skip ]; then
	ok "unreadable directory # SKIP root without setpriv"
else
	bounded "an unreadable subdirectory is skipped (exit 4)" 4 20 \
		$as "$DDEXMON" run --no-records --events - -r perm
	one_line "unreadable subdirectory: one line naming it" \
		'^ddexmon: perm/b: cannot open directory: Permission denied \(skipped\)$'
	same "unreadable subdirectory: the others queued and parsed" \
		"$(queued "$tmp/out" | tr '\n' ' ')$(grep -c '"state":"done"' "$tmp/out")" \
		"perm/a/x.xml perm/c/x.xml 2"
	bounded "only an unreadable directory (exit 2)" 2 20 \
		$as "$DDEXMON" run --no-records --events - -r perm/b
	one_line "only an unreadable directory: one line" \
		'^ddexmon: perm/b: cannot open directory: Permission denied \(skipped\)$'
	chmod 700 "$tmp"
fi
chmod 755 perm/b

# ---- standard input at most once -----------------------------------------
bounded "- twice is a usage error" 1 10 sh -c 'exec "$1" run --no-records - - <x.xml' sh "$DDEXMON"
one_line "- twice: one line" '^ddexmon: - \(standard input\) given more than once'
bounded "- and /dev/stdin on a pipe" 1 10 sh -c 'cat x.xml | "$1" run --no-records - /dev/stdin' sh "$DDEXMON"
one_line "- and /dev/stdin: one line naming both" \
	'^ddexmon: /dev/stdin: same input as - \(a pipe or device can be read only once\)$'
mkfifo ff
bounded "a FIFO named twice" 1 10 "$DDEXMON" run --no-records ff ./ff
one_line "a FIFO twice: one line" '^ddexmon: \./ff: same input as ff'
bounded "- once still reads standard input" 0 10 sh -c 'exec "$1" run --events /dev/null - <x.xml' sh "$DDEXMON"
same "- once: one header record" "$(grep -c '"type":"header"' "$tmp/out")" 1

# ---- the same regular file by several names: parsed once, with a note ---
ln -s x.xml l.xml
ln x.xml h.xml
bounded "one file by four names" 0 10 "$DDEXMON" run --events /dev/null x.xml ./x.xml l.xml h.xml
same "four names: one header record" "$(grep -c '"type":"header"' "$tmp/out")" 1
json_lines "four names: records are whole JSON lines" "$tmp/out"
same "four names: a note for each other name" "$(cat "$tmp/err")" "ddexmon: ./x.xml: same file as x.xml (parsed once)
ddexmon: l.xml: same file as x.xml (parsed once)
ddexmon: h.xml: same file as x.xml (parsed once)"
walk "a directory named twice" 0 10 -r loop loop/
one_line "a directory twice: one note" '^ddexmon: loop/: directory already walked \(each file is parsed once\)$'
same "a directory twice: its file once" "$(queued)" "loop/link.xml"
walk "a file named and found by the walk" 0 10 -r loop/x.xml loop
expect_empty "named then walked: found again silently" "$tmp/err"
same "named then walked: once, by the name given" "$(queued)" "loop/x.xml"

echo "1..$n"
exit $((failures > 0))
