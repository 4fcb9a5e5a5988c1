#!/bin/sh
# The dashboard on another process: `watch --pid` on a terminal (and
# `tui --pid`) shows the chart, the leaks panel and the log for a leaking
# child (tests/helpers/memgrow), the confirmation in the leaks panel, the
# parser's keys refused as not applying and left off the key bar, and q
# exits 0. About 15 s.
set -u
DDEXMON=${DDEXMON:-./ddexmon}
MEMGROW=$(dirname "$DDEXMON")/tests/helpers/memgrow
DDEXMON_TUI=${DDEXMON_TUI:-"$DDEXMON watch"}
. "${DM_SRCDIR:-.}/tests/ui/lib.sh"
if grep -q __asan_init "$MEMGROW" 2>/dev/null; then
	echo "SKIP: RSS shapes under ASan"
	exit 77
fi

# 20 MiB/s for at most 30 s; a 5 s shortest leak so it is decided quickly
"$MEMGROW" --duration 30 leak 20M/s &
child=$!
trap 'kill $child 2>/dev/null; cleanup' EXIT INT TERM
start w 120 36 --pid "$child" --set leak_min_duration=5s --set report_dir="$tmp/reports"
if wait_for w "watching pid $child" 10; then pass "the header names the process"; else fail "no header"; fi
if wait_for w "anon [0-9]" 5; then pass "the RSS split in the header"; else fail "no RSS split"; fi
if wait_for w "WATCHING" 3; then pass "the state is WATCHING while it runs"; else fail "state"; fi
cap w | grep -q "budget" && { fail "a budget for another process"; cap w | grep budget; }
cap w | grep -q "Files" && fail "a files panel for another process"
cap w | grep -q "Allocations" && fail "an allocations panel for another process"
# the key bar (bottom line) offers what applies to another process only
bar=$(cap w | tail -n 1)
case $bar in
*"e export"*"q quit"*) pass "the key bar names the watch's keys" ;;
*) fail "key bar: $bar" ;;
esac
case $bar in
*chunk* | *profile* | *"T tune"* | *pause*) fail "the key bar offers parser keys: $bar" ;;
esac
if wait_for w "Leaks.*CONFIRMED" 20; then pass "the leaks panel shows the confirmation"; else fail "not confirmed"; fi
if wait_for w "LEAK CONFIRMED" 2; then pass "the log shows the confirmation"; else fail "no log line"; fi
tmux -S "$SOCK" send-keys -t w '+'
if wait_for w "does not apply" 3; then pass "a parser key says it does not apply"; else fail "parser key"; fi
tmux -S "$SOCK" send-keys -t w q
if wait_file "$tmp/w.exit" 10 && grep -q '^EXIT=0$' "$tmp/w.exit"; then
	pass "q exits 0"
else
	fail "q: $(cat "$tmp/w.exit" 2>/dev/null)"
fi
[ -s "$tmp/w.err" ] && fail "stderr: $(cat "$tmp/w.err")"

# tui --pid is the same dashboard
TUI="$DDEXMON tui"
start t 100 30 --pid "$child"
if wait_for t "watching pid $child" 10; then pass "tui --pid opens it too"; else fail "tui --pid"; fi
tmux -S "$SOCK" send-keys -t t q
if wait_file "$tmp/t.exit" 10 && grep -q '^EXIT=0$' "$tmp/t.exit"; then pass "tui --pid: q exits 0"; else fail "tui --pid q: $(cat "$tmp/t.exit" 2>/dev/null)"; fi
kill "$child" 2>/dev/null
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
