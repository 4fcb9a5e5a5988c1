#!/bin/sh
# The Files panel, the details view, the clocks and the chart marks,
# driven for real in a private tmux server (tests/ui/lib.sh):
#
#   a malformed file's reason is in the Files panel at 120 and 80 columns
#   (and not twice in the log); Enter opens its details (path, error with
#   line and column) and Esc closes them; at 60x20 the arrows reach every
#   one of more files than fit; a pause stops the elapsed clock; `+` puts
#   a "chunk 128K" mark on the chart's time axis; q leaves a per-file
#   summary on the terminal.
#
# Every wait is bounded; no timing is asserted beyond them.
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
. "${DM_SRCDIR:-.}/tests/ui/lib.sh"

# ---- input --------------------------------------------------------------
mkdir -p "$tmp/in/deep/er/path" || exit 99
$DDEXMON gen --size 2M "$tmp/in/good.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
$DDEXMON gen --size 20M "$tmp/in/slow.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
bad="$tmp/in/deep/er/path/samples__ERN-27_Malformed_Audio_file.xml"
# a good start, then a closing tag that does not match
{ head -n 12 "$tmp/in/good.xml"; echo "</Snder>"; } >"$bad"
for i in 1 2 3 4 5 6; do cp "$tmp/in/good.xml" "$tmp/in/file-$i.xml"; done
# the slow file: 20M at 2M/s through a pipe, so it is still running while
# the keys arrive
cat >"$tmp/slow.py" <<'PY'
import sys, time
with open(sys.argv[1], 'rb') as f:
    while True:
        b = f.read(32768)
        if not b:
            break
        try:
            sys.stdout.buffer.write(b)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            break
        time.sleep(32768 / 2e6)
PY
mkdir "$tmp/work" && cd "$tmp/work" || exit 99
# the terminal type tmux's keys are sent as (Home, End, PgUp as tmux
# spells them)
if infocmp tmux-256color >/dev/null 2>&1; then
	DM_ENV="LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color"
else
	DM_ENV="LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen"
fi
# where the parser says it is, in the words the panel uses
pos=$($DDEXMON run --no-records "$bad" 2>&1 | sed -n 's/.*Malformed_Audio_file\.xml:\([0-9]*\):\([0-9]*\): mismatched tag.*/\1 \2/p' | head -n 1)
[ -n "$pos" ] || { echo "ERROR: the malformed file is not a mismatched tag"; exit 99; }
set -- $pos
reason="line $1 col $2: mismatched tag"

# ---- the reason in the Files panel, at 120 and 80 columns -----------------
for size in "120 40" "80 24"; do
	set -- $size
	name=reason$1
	start "$name" "$1" "$2" "$tmp/in/good.xml" "$bad"
	if wait_for "$name" "$reason" 15; then
		row=$(cap "$name" | grep -F "$reason" | head -n 1)
		case $row in
		*samples__*) pass "$1x$2: the reason in the Files panel, by the file's name" ;;
		*) fail "$1x$2: the reason's row does not name the file: $row" ;;
		esac
		case $row in
		*/deep/*) fail "$1x$2: the path eats the row: $row" ;;
		esac
	else
		fail "$1x$2: the reason is not on the screen"
	fi
done
# once in the log, not twice: the error and the file's end are one line
n=$(cap reason120 | grep -F 'Malformed_Audio_file.xml' | grep -vc 'started')
[ "$n" -eq 1 ] && pass "the failure is logged once" || fail "the failure is in the log $n times"

# ---- details: Enter opens, Esc closes --------------------------------------
tmux -S "$SOCK" send-keys -t reason120 End Enter
if wait_for reason120 'File 2 of 2' 5; then
	screen=$(cap reason120)
	printf '%s\n' "$screen" | grep -Fq "deep/er/path/samples__ERN-27_Malformed_Audio_file.xml" &&
		printf '%s\n' "$screen" | grep -Fq "$reason" &&
		printf '%s\n' "$screen" | grep -Eq 'records +0' &&
		printf '%s\n' "$screen" | grep -Fq 'Esc close' &&
		pass "Enter: details with the path, the error, the counts and their keys" ||
		fail "details incomplete: $(printf '%s\n' "$screen" | head -n 20)"
else
	fail "Enter did not open the details"
fi
tmux -S "$SOCK" send-keys -t reason120 Escape
if wait_gone reason120 'File 2 of 2' 5; then
	pass "Esc closes the details"
else
	fail "Esc did not close the details"
fi

# ---- q: a summary stays on the terminal ---------------------------------
tmux -S "$SOCK" send-keys -t reason120 q
if wait_file "$tmp/reason120.exit" 10; then
	screen=$(cap reason120)
	if printf '%s\n' "$screen" | grep -Eq '^  done +.*good\.xml +[0-9,]+ records' &&
	   printf '%s\n' "$screen" | grep -Eq '^  failed +.*Malformed_Audio_file\.xml +0 records' &&
	   printf '%s\n' "$screen" | grep -Fq 'mismatched tag' &&
	   printf '%s\n' "$screen" | grep -Fq 'ddexmon: 2 files: 1 done, 1 failed'; then
		pass "q leaves a per-file summary ($(cat "$tmp/reason120.exit"))"
	else
		fail "no summary after q: $(printf '%s\n' "$screen" | tail -n 8)"
	fi
else
	fail "q did not end the dashboard"
fi
tmux -S "$SOCK" send-keys -t reason80 q

# ---- 60x20: the arrows reach every file ----------------------------------
files=""
for i in 1 2 3 4 5 6; do files="$files $tmp/in/file-$i.xml"; done
start scroll 60 20 $files
wait_for scroll 'DONE' 20 || fail "the six files did not finish"
tmux -S "$SOCK" send-keys -t scroll Home
seen=0
for i in 1 2 3 4 5 6; do
	if wait_for scroll "file-$i\.xml" 3 >/dev/null; then
		seen=$((seen + 1))
	fi
	tmux -S "$SOCK" send-keys -t scroll Down
done
[ "$seen" -eq 6 ] && pass "60x20: Down reaches all six files" || fail "60x20: saw $seen of 6 files"
tmux -S "$SOCK" send-keys -t scroll PPage PPage
wait_for scroll 'file-2\.xml' 3 >/dev/null && pass "PgUp goes back up" ||
	fail "PgUp did not go back"
tmux -S "$SOCK" send-keys -t scroll Tab
wait_for scroll 'Log \(arrows\)' 3 >/dev/null && pass "Tab: the arrows scroll the log" ||
	fail "Tab did not focus the log"
tmux -S "$SOCK" send-keys -t scroll q

# ---- a pause stops the clock; + marks the chart -----------------------------
FEED="python3 $tmp/slow.py $tmp/in/slow.xml" start clock 120 40 -
FEED=
clock() { cap clock | head -n 1 | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}'; }
if wait_for clock 'RUNNING.*' 10 && wait_for clock '00:00:0[1-9]' 10 >/dev/null; then
	tmux -S "$SOCK" send-keys -t clock Space
	wait_for clock 'PAUSED' 5 >/dev/null || fail "space did not pause"
	sleep 0.3
	before=$(clock)
	sleep 3
	after=$(clock)
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		pass "paused: the clock stays at $before"
	else
		fail "the clock moved while paused: $before -> $after"
	fi
	tmux -S "$SOCK" send-keys -t clock Space
	wait_for clock 'RUNNING' 5 >/dev/null || fail "space did not resume"
	tmux -S "$SOCK" send-keys -t clock +
	if wait_for clock '┬.*' 5 >/dev/null && wait_for clock '^│ [^│]*chunk 128K' 5; then
		pass "+ puts a chunk 128K mark on the chart"
	else
		fail "no chunk mark after +"
	fi
	wait_for clock 'paused' 2 >/dev/null || fail "no pause mark on the chart"
else
	fail "the slow run did not start"
fi
tmux -S "$SOCK" send-keys -t clock q
sleep 0.2
tmux -S "$SOCK" send-keys -t clock y

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all files panel checks passed"
exit 0
