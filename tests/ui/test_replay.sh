#!/bin/sh
# Record, then replay: `demo --leak --record` and `run --record` make the
# recordings; `ddexmon replay` in a private tmux server shows the recorded
# file, peak RSS and the leak state; $ reaches the end; n stops at the next
# event of interest; 0 goes back to the start; parser keys say they do not
# apply; q exits 0. A recording cut mid-line (plain) and mid-stream (gzip)
# replays with a note; headless replay prints the summary the run's own
# summary event has (round trip); a plain recording is readable while
# written and a SIGKILLed .gz one replays its prefix; e in the live
# dashboard writes the report; bad recordings are one-line errors.
#
# Needs tmux (skipped, exit 77, without it); helpers in tests/ui/lib.sh.
set -u

. "${DM_SRCDIR:-.}/tests/ui/lib.sh"
TUI=$DDEXMON

# ---- recordings -------------------------------------------------------------
mkdir "$tmp/work"
cd "$tmp/work" || exit 99
$DDEXMON gen --size 20M "$tmp/g.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
DDEXMON_PROFILE_PATH=${DM_SRCDIR:-.}/profiles $DDEXMON demo --leak --size 20M \
	--set report_dir="$tmp/work" --record "$tmp/leak.jsonl.gz" >/dev/null 2>"$tmp/demo.err" ||
	{ echo "ERROR: demo --record failed"; cat "$tmp/demo.err"; exit 99; }
gzip -t "$tmp/leak.jsonl.gz" 2>/dev/null && pass "the .gz recording is a whole gzip file" ||
	fail "the .gz recording is not a whole gzip file"
zcat "$tmp/leak.jsonl.gz" | head -1 | grep -q '"event":"start".*"format":1,"recording":true' &&
	pass "first line: start with format 1" || fail "first line is not the recording's start"

$DDEXMON run --no-records --events "$tmp/run.events" --record "$tmp/run.jsonl" "$tmp/g.xml" \
	"${DM_SRCDIR:-.}/tests/fixtures/ern382-album.xml" 2>"$tmp/run.err" ||
	{ echo "ERROR: run --record failed"; cat "$tmp/run.err"; exit 99; }

# ---- round trip: headless replay says what the run's summary said ------------
num() {   # num KEY LINE: the number after "KEY":
	printf '%s\n' "$2" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2
}
sum=$(grep '"event":"summary"' "$tmp/run.events")
rsum=$(grep '"event":"summary"' "$tmp/run.jsonl")
[ -n "$sum" ] && [ "$sum" != "${sum#*rss_peak}" ] || fail "the run has no summary event"
$DDEXMON replay "$tmp/run.jsonl" >"$tmp/replay.out" 2>"$tmp/replay.err"
rc=$?
[ "$rc" -eq 0 ] && pass "headless replay exits 0" || fail "headless replay exit $rc"
records=$(printf '%s\n' "$sum" | sed 's/.*"records":{\([^}]*\)}.*/\1/' | tr ',' '\n' | cut -d: -f2 |
	awk '{s += $1} END {print s}')
for want in "files: $(num files "$sum") ($(num files_ok "$sum") done, $(num files_failed "$sum") failed)" \
	"records: $records" "bytes: $(num bytes "$sum")" \
	"rss_peak: $(num rss_peak "$sum") " "accounted_peak: $(num accounted_peak "$sum") " \
	"exit code: $(num exit_code "$sum")"; do
	if grep -Fq -- "$want" "$tmp/replay.out"; then
		pass "replay summary: $want"
	else
		fail "replay summary lacks '$want'"; cat "$tmp/replay.out"
	fi
done
[ "$sum" = "$rsum" ] || [ "$(num rss_peak "$sum")" = "$(num rss_peak "$rsum")" ] ||
	fail "the recording's summary differs from the events' summary"
grep -q "g.xml  18,595 records" "$tmp/replay.out" && pass "replay lists the files" ||
	fail "replay does not list g.xml with its records"

# ---- the dashboard on the recording -----------------------------------------
start rp 120 40 replay "$tmp/leak.jsonl.gz"
wait_for rp 'REPLAY 1x' 10 && pass "the header says REPLAY 1x" || fail "no REPLAY state"
wait_for rp 'ddexmon-demo-[A-Za-z0-9]+\.xml' 10 && pass "the recorded file is shown" ||
	fail "the recorded file is not shown"
tmux -S "$SOCK" send-keys -t rp +
wait_for rp "does not apply to a recording" 5 && pass "+ does not apply to a recording" ||
	fail "+ was not refused"
tmux -S "$SOCK" send-keys -t rp ' '
wait_for rp 'REPLAY 1x paused' 5 && pass "space pauses" || fail "space did not pause"
tmux -S "$SOCK" send-keys -t rp f
wait_for rp 'REPLAY 10x paused' 5 && pass "f: 10x" || fail "f did not go to 10x"
tmux -S "$SOCK" send-keys -t rp '>' '>'
wait_for rp 'REPLAY max paused' 5 && pass ">, >: 100x, then as fast as it reads" ||
	fail "> > did not reach max"
tmux -S "$SOCK" send-keys -t rp s '<' '<' '<'
wait_for rp 'REPLAY 1x paused' 5 && pass "s, <: down to 1x (and no lower)" || fail "s < did not go back to 1x"
cap rp | grep -q "replay at 100x (s)" || fail "the log does not echo s"
tmux -S "$SOCK" send-keys -t rp ' '
wait_gone rp 'REPLAY 1x paused' 5 && pass "space goes on" || fail "space did not go on"
tmux -S "$SOCK" send-keys -t rp '$'
wait_for rp 'REPLAY [0-9a-z]+ end' 10 && pass "\$ reaches the end" || fail "\$ did not reach the end"
screen=$(cap rp)
printf '%s\n' "$screen" | grep -q "CONFIRMED" && pass "leak state CONFIRMED at the end" ||
	fail "no CONFIRMED leak state"
peak=$(zcat "$tmp/leak.jsonl.gz" | grep '"event":"summary"' | grep -o '"rss_peak":[0-9]*' | cut -d: -f2)
printf '%s\n' "$screen" | grep -Eq "peak [0-9.]+M" && pass "a peak RSS figure" || fail "no peak RSS"
shown=$(printf '%s\n' "$screen" | grep -Eo 'RSS [0-9.]+M +peak [0-9.]+M' | head -1 | awk '{print $4}')
want=$(awk -v b="$peak" 'BEGIN {printf "%.0f", b / 1048576}')
got=$(printf '%s' "$shown" | tr -d M | awk '{printf "%.0f", $1}')
[ -n "$got" ] && [ "$got" -ge $((want - 1)) ] && [ "$got" -le $((want + 1)) ] &&
	pass "peak RSS shown ($shown) is the recording's ($want M)" ||
	fail "peak RSS shown '$shown', the recording's ${want}M"
printf '%s\n' "$screen" | grep -q "end of the recording: [0-9]* events, 0 lines skipped" &&
	pass "the end is logged with no skipped lines" || fail "no end-of-recording line"
tmux -S "$SOCK" send-keys -t rp 0
wait_for rp 'replay from the start' 5 && pass "0 goes back to the start" || fail "0 did not restart"
tmux -S "$SOCK" send-keys -t rp n
wait_for rp 'REPLAY [0-9a-z]+ paused' 10 && pass "n stops at the next event of interest, paused" ||
	fail "n did not stop"
cap rp | grep -Eq 'leak suspected|reclamation|GC' && pass "n stopped at a leak/reclamation" ||
	fail "n stopped elsewhere"
tmux -S "$SOCK" send-keys -t rp q
if wait_file "$tmp/rp.exit" 5 && grep -q "EXIT=0" "$tmp/rp.exit"; then
	pass "q exits 0"
else
	fail "q: $(cat "$tmp/rp.exit" 2>/dev/null)"
fi
cooked "$tmp/rp.stty" && pass "terminal restored" || fail "terminal left raw"

# ---- e in the live dashboard: the recording so far and its report -----------
start live 120 40 tui --record "$tmp/live.jsonl.gz" "$tmp/g.xml"
wait_for live 'all files done' 20 || fail "the live run did not finish"
tmux -S "$SOCK" send-keys -t live e
if wait_for live 'report of .*live.jsonl.gz written to' 10 && [ -s "$tmp/live.html" ]; then
	pass "e writes the report next to the recording and says where"
else
	fail "e: no report next to the recording"
fi
grep -q "g.xml" "$tmp/live.html" 2>/dev/null && pass "the exported report names the file" ||
	fail "the exported report does not name g.xml"
tmux -S "$SOCK" send-keys -t live q
wait_file "$tmp/live.exit" 5 && grep -q "EXIT=0" "$tmp/live.exit" || fail "live: q did not exit 0"
$DDEXMON replay "$tmp/live.jsonl.gz" >"$tmp/live.out" 2>&1 && grep -q "files: 1 (1 done, 0 failed)" "$tmp/live.out" &&
	pass "the dashboard's recording replays whole" || { fail "the dashboard's recording"; cat "$tmp/live.out"; }

# ---- truncated recordings ----------------------------------------------------
zcat "$tmp/leak.jsonl.gz" >"$tmp/leak.jsonl"
size=$(wc -c <"$tmp/leak.jsonl")
head -c $((size * 2 / 3)) "$tmp/leak.jsonl" >"$tmp/cut.jsonl"
gsize=$(wc -c <"$tmp/leak.jsonl.gz")
head -c $((gsize / 2)) "$tmp/leak.jsonl.gz" >"$tmp/cut.jsonl.gz"
k=0
for f in cut.jsonl cut.jsonl.gz; do
	k=$((k + 1))
	start "c$k" 120 40 replay "$tmp/$f"
	tmux -S "$SOCK" send-keys -t "c$k" '$'
	if wait_for "c$k" 'ends without a summary' 10; then
		pass "$f replays to the cut with a note"
	else
		fail "$f: no note about the cut"
	fi
	cap "c$k" | grep -q "last line was cut short" || fail "$f: the end line does not say it was cut"
	tmux -S "$SOCK" send-keys -t "c$k" q
	wait_file "$tmp/c$k.exit" 5 && grep -q "EXIT=0" "$tmp/c$k.exit" || fail "$f: q did not exit 0"
	$DDEXMON replay "$tmp/$f" >"$tmp/$f.out" 2>"$tmp/$f.err"
	rc=$?
	[ "$rc" -eq 4 ] && pass "$f headless: exit 4 (lines skipped)" || fail "$f headless: exit $rc"
	grep -Eq "^ddexmon: replay: .*$f:[0-9]+: (last line cut short|the compressed stream ends early)" "$tmp/$f.err" &&
		pass "$f: FILE:LINE: cut short" || { fail "$f: no FILE:LINE message"; cat "$tmp/$f.err"; }
	grep -q "no summary: the recording ends at" "$tmp/$f.out" && grep -q "1 cut short" "$tmp/$f.out" &&
		pass "$f: the summary says where it ends and counts the cut" ||
		{ fail "$f: summary without the cut"; cat "$tmp/$f.out"; }
done

# ---- readable while written; a killed writer leaves a replayable prefix ------
sleep 60 &
victim=$!
$DDEXMON watch --pid "$victim" --record "$tmp/w.jsonl" 2>/dev/null &
w1=$!
$DDEXMON watch --pid "$victim" --record "$tmp/w.jsonl.gz" 2>/dev/null &
w2=$!
sleep 3
grep -c '"event":"sample"' "$tmp/w.jsonl" >"$tmp/w.n" 2>/dev/null
[ "$(cat "$tmp/w.n")" -ge 10 ] && pass "a plain recording has its samples while it is written" ||
	fail "a plain recording being written has $(cat "$tmp/w.n") samples after 3 s"
kill -KILL "$w1" "$w2"
wait "$w1" "$w2" 2>/dev/null
kill "$victim" 2>/dev/null
$DDEXMON replay "$tmp/w.jsonl.gz" >"$tmp/w.out" 2>"$tmp/w.err"
rc=$?
n=$(sed -n 's/.*: \([0-9]*\) events to .*/\1/p' "$tmp/w.out")
if { [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; } && [ "${n:-0}" -ge 10 ]; then
	pass "a .gz recording killed with SIGKILL replays its first ${n} events"
else
	fail "killed .gz recording: exit $rc, ${n:-no} events: $(cat "$tmp/w.err")"
fi

# ---- not recordings ------------------------------------------------------------
printf 'hello\n' >"$tmp/text.txt"
sed '1s/"format":1/"format":99/' "$tmp/leak.jsonl" >"$tmp/v99.jsonl"
: >"$tmp/empty.jsonl"
for f in text.txt v99.jsonl empty.jsonl missing.jsonl; do
	$DDEXMON replay "$tmp/$f" >"$tmp/bad.out" 2>"$tmp/bad.err"
	rc=$?
	lines=$(wc -l <"$tmp/bad.err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q "$f" "$tmp/bad.err"; then
		pass "$f: exit 2, one line naming it ($(cat "$tmp/bad.err"))"
	else
		fail "$f: exit $rc, $lines lines: $(cat "$tmp/bad.err")"
	fi
done
$DDEXMON replay "$tmp/v99.jsonl" 2>&1 | grep -q "v99.jsonl:1: recording format 99" &&
	pass "another format is named" || fail "another format is not named"

# an event far earlier than the one before it is skipped with its line
awk 'NR == 100 {sub(/"t":[0-9.e-]*/, "\"t\":0")} {print}' "$tmp/leak.jsonl" >"$tmp/ooo.jsonl"
$DDEXMON replay "$tmp/ooo.jsonl" >"$tmp/ooo.out" 2>"$tmp/ooo.err"
rc=$?
if grep -q "ooo.jsonl:100: .*out of order" "$tmp/ooo.err" && [ "$rc" -eq 4 ] &&
	grep -q "1 out of order" "$tmp/ooo.out"; then
	pass "an out-of-order line is skipped, named and counted"
else
	fail "out of order: exit $rc: $(cat "$tmp/ooo.err")"
fi

[ "$fails" -eq 0 ]
