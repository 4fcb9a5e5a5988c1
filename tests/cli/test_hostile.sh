#!/bin/sh
# A hostile environment and an unlucky operator: links planted where
# outputs go, devices and FIFOs named as outputs, shared report
# directories, closed standard descriptors, file names that try to forge
# messages, zombies, FIFOs among profiles, absurd sizes, full disks.
#
# Every check runs the real binary under a time bound (timeout) and a
# peak-memory bound (/usr/bin/time -f %M), and asserts the exit status,
# the one-line message, that nothing outside the test's own directory
# changed (victim checksums, link targets, device nodes), and that the
# JSON lines written are whole.
set -u
: "${DDEXMON:?}"
tmp=$(mktemp -d)
zpid=
trap 'rm -rf "$tmp"; [ -n "$zpid" ] && kill $zpid 2>/dev/null' EXIT
. "$(dirname "$0")/lib.sh"

need_bounded

# Peak RSS allowed per command (KiB) by bounded (lib.sh): generous for
# ASan/UBSan builds, far below what a runaway loop or a buffered 99999T
# would take.
MAXKB=${DM_HOSTILE_MAXKB:-300000}

sum() { cksum <"$1"; }
kind() { stat -c %F "$1" 2>/dev/null || echo missing; }

# the victim: somebody else's file that links are planted to
mkdir "$tmp/work" "$tmp/other"
printf 'precious\n' >"$tmp/other/victim"
chmod 600 "$tmp/other/victim"
victim_sum=$(sum "$tmp/other/victim")
victim_ok() {
	if [ "$(sum "$tmp/other/victim")" = "$victim_sum" ]; then ok "$1: victim unchanged"
	else not_ok "$1: victim unchanged" "victim now: $(head -c 100 "$tmp/other/victim")"; fi
}
link_ok() {   # link_ok NAME LINK: still a symlink to the victim
	if [ -L "$2" ] && [ "$(readlink "$2")" = "$tmp/other/victim" ]; then ok "$1: link kept"
	else not_ok "$1: link kept" "$(ls -l "$2" 2>&1)"; fi
}
no_temps() {   # no_temps NAME DIR: no temporary left behind
	if ls -a "$2" | grep -q '\.tmp\.'; then not_ok "$1: no temporary left" "$(ls -a "$2")"
	else ok "$1: no temporary left"; fi
}
# the build directory must not change either (no stray reports or temporaries)
here_before=$(ls -a)

cd "$tmp/work" || exit 1
"$DDEXMON" gen --size 300K --seed 3 g.xml 2>/dev/null || not_ok "gen g.xml"

# ---- 1/2. outputs through planted links, onto devices and FIFOs ----------
ln -s "$tmp/other/victim" lnk
bounded "gen into a symlink is refused" 2 10 "$DDEXMON" gen --size 100K lnk
one_line "gen into a symlink: one line naming it" '^ddexmon: gen: lnk: is a symbolic link: not replacing it'
victim_ok "gen into a symlink"
link_ok "gen into a symlink" lnk

# Device nodes of our own only: a regressed binary run as root would
# replace a system node such as /dev/null for every process on the machine.
if [ "$(id -u)" = 0 ] && mknod "$tmp/work/null" c 1 3 2>/dev/null; then
	bounded "gen to a null device writes in place (as root)" 0 10 "$DDEXMON" gen --size 1M "$tmp/work/null"
	same "the null device is still a character device" "$(kind "$tmp/work/null")" "character special file"
else
	ok "# SKIP gen to a null device of our own (needs root for mknod)"
fi
if [ "$(id -u)" = 0 ] && mknod "$tmp/work/full" c 1 7 2>/dev/null; then
	bounded "gen to a full device (as root)" 2 10 "$DDEXMON" gen --size 1M "$tmp/work/full"
	one_line "gen to a full device: one line" "^ddexmon: gen: $tmp/work/full: write failed: No space left on device$"
	same "the device node is not replaced" "$(kind "$tmp/work/full")" "character special file"
else
	ok "# SKIP gen to a device node of our own (needs root for mknod)"
fi

mkfifo fifo
cat fifo >fifo.out &
reader=$!
bounded "gen to a FIFO writes in place" 0 20 "$DDEXMON" gen --size 1M fifo
wait $reader
same "the FIFO is still a FIFO" "$(kind fifo)" "fifo"
wrote=$(sed -n 's/^ddexmon gen: wrote \([0-9]*\) bytes.*/\1/p' "$tmp/err")
same "the reader got every byte" "$(wc -c <fifo.out | tr -d ' ')" "$wrote"

printf 'old\n' >kept.xml
chmod 640 kept.xml
bounded "gen over a regular file" 0 10 "$DDEXMON" gen --size 100K kept.xml
same "the replaced file keeps its mode" "$(stat -c %a kept.xml)" "640"
same "the replaced file is the new delivery" "$(head -c 5 kept.xml)" "<?xml"
(umask 027 && "$DDEXMON" gen --size 10K new.xml 2>/dev/null)
same "a new file gets 0666 & ~umask" "$(stat -c %a new.xml)" "640"
no_temps "gen" .

bounded "gen --size 1M - >/dev/full" 2 10 sh -c 'exec "$@" >/dev/full' sh "$DDEXMON" gen --size 1M -
one_line "gen to a full stdout: one line" '^ddexmon: gen: standard output: write failed: No space left on device$'
bounded "gen into a missing directory" 2 10 "$DDEXMON" gen --size 10K nodir/x.xml
one_line "gen into a missing directory: one line" '^ddexmon: gen: nodir/x.xml: cannot write: No such file or directory$'

bounded "run --samples-csv into a symlink is refused" 2 20 "$DDEXMON" run --no-records \
	--events ev.csvlink --samples-csv lnk g.xml
grep -q 'lnk: is a symbolic link' "$tmp/err" && ok "samples-csv link: message names it" ||
	not_ok "samples-csv link: message names it" "$(cat "$tmp/err")"
victim_ok "run --samples-csv into a symlink"
link_ok "run --samples-csv into a symlink" lnk

bounded "run --events into a symlink is refused" 2 20 "$DDEXMON" run --events lnk g.xml
one_line "--events link: one line naming it" '^ddexmon: lnk: is a symbolic link: not writing through it'
victim_ok "run --events into a symlink"
link_ok "run --events into a symlink" lnk

# the exit status of a metrics file that cannot be written is the session's
# to decide; here: the link and the victim stay as they are
timeout 20 "$DDEXMON" run --no-records --events ev.metrics --metrics lnk g.xml >/dev/null 2>&1
victim_ok "run --metrics into a symlink"
link_ok "run --metrics into a symlink" lnk
json_lines "run --metrics into a symlink: events are whole JSON lines" ev.metrics

bounded "tune --csv into a symlink is refused" 2 60 "$DDEXMON" tune g.xml --chunks 64K --runs 1 --csv lnk
grep -q 'lnk: is a symbolic link' "$tmp/err" && ok "tune --csv link: message names it" ||
	not_ok "tune --csv link: message names it" "$(cat "$tmp/err")"
victim_ok "tune --csv into a symlink"
link_ok "tune --csv into a symlink" lnk

mkdir -p "$tmp/cfg/ddexmon/profiles"
ln -s "$tmp/other/victim" "$tmp/cfg/ddexmon/profiles/evil.profile"
bounded "tune --write-profile into a symlink is refused" 2 60 env XDG_CONFIG_HOME="$tmp/cfg" \
	"$DDEXMON" tune g.xml --chunks 64K --runs 1 --write-profile evil
grep -q 'evil.profile: is a symbolic link' "$tmp/err" && ok "write-profile link: message names it" ||
	not_ok "write-profile link: message names it" "$(cat "$tmp/err")"
victim_ok "tune --write-profile into a symlink"
link_ok "tune --write-profile into a symlink" "$tmp/cfg/ddexmon/profiles/evil.profile"

# ---- 2. heap reports ------------------------------------------------------
# A leak on purpose, fast: the input is a pipe held open 2.5 s after the
# document, so the seed rule (fastest to set off) confirms the leak and
# writes a report in time.
leak_run() {   # leak_run EVENTS REPORT_DIR [ENV...]
	ev=$1 dir=$2
	shift 2
	{ cat g.xml; sleep 2.5; } | timeout 30 env "$@" "$DDEXMON" run --no-records --events "$ev" \
		--no-sample-events --set max_element_count=0 --set report_dir="$dir" \
		--set leak_detector=seed --set leak_threshold=2M --set leak_interval=50ms --leak-rate 100M - 2>"$tmp/err"
}

mkdir open-dir && chmod 777 open-dir
leak_run ev.open "$tmp/work/open-dir"
same "a world-writable report_dir: the run itself succeeds" "$?" 0
grep -q 'open-dir: report_dir is group- or world-writable without the sticky bit' ev.open &&
	ok "a world-writable report_dir is refused, named" ||
	not_ok "a world-writable report_dir is refused, named" "$(grep -v sample ev.open | head -c 800)"
same "nothing written into the world-writable report_dir" "$(ls -A open-dir)" ""
json_lines "report refused: events are whole JSON lines" ev.open

# a sticky shared directory of ours, with links planted on the next names
mkdir sticky && chmod 1777 sticky
now=$(date -u +%s)
for i in $(seq 0 15); do
	st=$(date -u -d "@$((now + i))" +%Y%m%dT%H%M%SZ)
	ln -s "$tmp/other/victim" "sticky/heap-$st.json"
	ln -s "$tmp/other/victim" "sticky/heap-$st-1.json"
done
leak_run ev.sticky "$tmp/work/sticky"
same "planted links: the run succeeds" "$?" 0
victim_ok "heap reports beside planted links"
report=$(sed -n 's/.*"event":"leak_confirmed".*"heap_report":"\([^"]*\)".*/\1/p' ev.sticky | head -n 1)
if [ -n "$report" ] && [ -f "$report" ] && ! [ -L "$report" ] &&
	[ "$(stat -c %a "$report")" = 600 ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$report"; then
	ok "the report is a new 0600 file of its own: $(basename "$report")"
else
	not_ok "the report is a new 0600 file of its own" "report '$report': $(ls -l sticky | head -n 5)"
fi
links=$(find sticky -type l | wc -l | tr -d ' ')
same "every planted link is still there" "$links" 32
no_temps "heap reports" sticky

if [ "$(id -u)" = 0 ]; then
	mkdir theirs && chown 65534 theirs && chmod 755 theirs
	leak_run ev.theirs "$tmp/work/theirs"
	grep -q 'theirs: report_dir is not owned by this user' ev.theirs &&
		ok "a report_dir owned by another user is refused (as root)" ||
		not_ok "a report_dir owned by another user is refused" "$(grep -v sample ev.theirs | head -c 600)"
	same "nothing written into another user's report_dir" "$(ls -A theirs)" ""
else
	ok "# SKIP report_dir owned by another user (needs root for chown)"
fi

# the demo keeps its reports in a directory of this user's, and says where
mkdir -m 700 "$tmp/run"
bounded "demo: reports under XDG_RUNTIME_DIR" 0 60 env XDG_RUNTIME_DIR="$tmp/run" \
	"$DDEXMON" demo --size 1M
expect "demo says where heap reports go" "$tmp/err" "heap reports go to $tmp/run/ddexmon-reports$"
json_lines "demo: events are whole JSON lines" "$tmp/out"
mkdir "$tmp/tmpdir"
bounded "demo: no XDG or HOME: a private mkdtemp directory" 0 60 env -u XDG_RUNTIME_DIR \
	-u XDG_STATE_HOME -u HOME TMPDIR="$tmp/tmpdir" "$DDEXMON" demo --size 1M
expect "demo names the private directory" "$tmp/err" "heap reports go to $tmp/tmpdir/ddexmon-reports-[A-Za-z0-9]{6}$"
same "the empty private directory is removed afterwards" "$(ls -A "$tmp/tmpdir")" ""

# ---- 12. closed standard descriptors --------------------------------------
bounded "run --events FILE with stdout closed" 2 20 sh -c 'exec "$@" >&-' sh \
	"$DDEXMON" run --events ev.closed g.xml
expect "closed stdout: the write error names standard output" "$tmp/err" '^ddexmon: standard output: write error'
expect_not "closed stdout: no record in the events file" ev.closed '"type":"(header|party|resource|release|deal)"'
json_lines "closed stdout: the events file is whole JSON lines" ev.closed
bounded "parse with stdout closed" 2 20 sh -c 'exec "$@" >&-' sh "$DDEXMON" parse g.xml
bounded "parse - with stdin closed ends" 2 10 sh -c 'exec "$@" <&-' sh "$DDEXMON" parse -

# ---- 14. names that try to forge a line or an escape ----------------------
evil=$(printf 'a\nddexmon: FAKE all good\033[31m.xml')
printf '<x/>' >"$evil"
bounded "parse a file with a hostile name" 2 10 "$DDEXMON" parse "$evil"
same "two lines on stderr (the error, the summary)" "$(lines "$tmp/err")" 2
expect_not "no forged line" "$tmp/err" '^ddexmon: FAKE'
if grep -q "$(printf '\033')" "$tmp/err"; then not_ok "no escape byte on stderr" "$(cat -A "$tmp/err")"
else ok "no escape byte on stderr"; fi
expect "the name is shown escaped" "$tmp/err" '^ddexmon: a\\nddexmon: FAKE all good\\e\[31m\.xml:1:1: not a DDEX ERN message'
bounded "gen into a hostile missing path" 2 10 "$DDEXMON" gen --size 1K "nodir/$evil"
one_line "gen: the hostile name is escaped" '^ddexmon: gen: nodir/a\\nddexmon: FAKE all good\\e\[31m\.xml: cannot write'
bounded "run a file with a hostile name" 2 10 "$DDEXMON" run --events ev.evil "$evil"
json_lines "hostile name: events are whole JSON lines" ev.evil
if grep -q "$(printf '\033')" ev.evil; then not_ok "hostile name: no raw escape in events" "$(cat -A ev.evil | head -c 400)"
else ok "hostile name: no raw escape in events"; fi
rm -f "$evil"

# ---- 15. smaller things ------------------------------------------------------
# a zombie: it has exited, so there is nothing to watch: exit 2, said so
sh -c 'sleep 0.1 & exec sleep 30' &
zpid=$!
sleep 0.5
zombie=$(ps -o pid= -o stat= --ppid $zpid | awk '$2 ~ /^Z/ {print $1; exit}')
if [ -n "$zombie" ]; then
	bounded "watch a zombie" 2 10 "$DDEXMON" watch --pid "$zombie"
	one_line "watch a zombie: one line" "^ddexmon: watch: no process $zombie to watch: it has already exited"
else
	not_ok "watch a zombie" "could not make a zombie"
fi
kill $zpid 2>/dev/null
zpid=
sleep 1 &
bounded "watch a process that exits while watched" 0 20 "$DDEXMON" watch --pid $! --events ev.watch
json_lines "watch: events are whole JSON lines" ev.watch

mkdir profs && mkfifo profs/fifo.profile
bounded "profiles --brief with a FIFO named *.profile" 1 10 env DDEXMON_PROFILE_PATH="$tmp/work/profs" \
	"$DDEXMON" profiles --brief
expect "the FIFO is reported, not read" "$tmp/out" 'fifo +error: .*fifo.profile: cannot open profile: not a regular file'
bounded "--profile naming a FIFO" 1 10 "$DDEXMON" parse --profile "$tmp/work/profs/fifo.profile" g.xml
one_line "--profile FIFO: one line" 'fifo.profile: cannot open profile: not a regular file$'

bounded "gen --size 99999T - | head: the first bytes at once" 0 10 sh -c \
	'"$1" gen --size 99999T - 2>/dev/null | head -c 4096 | wc -c' sh "$DDEXMON"
same "head got its bytes" "$(tr -d ' ' <"$tmp/out")" 4096

bounded "an unwritable --events" 2 10 "$DDEXMON" run --events nodir/ev.jsonl g.xml
one_line "--events: one line" '^ddexmon: nodir/ev.jsonl: cannot write: No such file or directory$'
bounded "an unwritable --samples-csv" 2 10 "$DDEXMON" run --no-records --events ev.x \
	--samples-csv nodir/s.csv g.xml
one_line "--samples-csv: one line" '^ddexmon: nodir/s.csv: cannot write: No such file or directory$'

bounded "chunk_size=256M under the default budget" 1 10 "$DDEXMON" parse --set chunk_size=256M g.xml
one_line "chunk_size and max_memory named" "chunk_size = 256M needs up to 768M of parser buffer, more than max_memory = 512M"
bounded "the same chunk in a profile" 1 10 sh -c 'printf "chunk_size = 256M\n" >big.profile &&
	exec "$1" run --profile ./big.profile g.xml' sh "$DDEXMON"
one_line "the profile's name in the message" "^ddexmon: profile 'big': chunk_size = 256M"
bounded "chunk_size=128M fits the default budget" 0 20 "$DDEXMON" parse --set chunk_size=128M g.xml
json_lines "chunk 128M: records are whole JSON lines" "$tmp/out"

# ---- nothing outside this test's directory changed ---------------------------
cd - >/dev/null || exit 1
same "the build directory is unchanged" "$(ls -a)" "$here_before"
victim_ok "at the end"
same "/dev/null is still a character device" "$(kind /dev/null)" "character special file"
same "/dev/full is still a character device" "$(kind /dev/full)" "character special file"

echo "1..$n"
exit $((failures > 0))
