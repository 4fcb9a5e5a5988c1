#!/bin/sh
# The live tune (T) driven for real in a private tmux server
# (tests/ui/lib.sh):
#
#   T on a queued file while another parses pauses the session and says
#   so; the table fills until every chunk size has its three runs with
#   rates in M/s, a chosen row and the reason; the session resumes; w
#   writes profile 'tuned' under $XDG_CONFIG_HOME that `profiles` loads
#   and `parse --profile` uses, with the chosen chunk_size; a applies the
#   chunk size to the session (the log and the header say so); T on the
#   running file and Esc mid-sweep cancels it and the dashboard goes on;
#   q exits 0. In bare `ddexmon` and `demo` T opens the table too; in a
#   `watch` dashboard it does not apply.
#
# Every wait is bounded; no timing is asserted beyond them.
set -u
. "${DM_SRCDIR:-.}/tests/ui/lib.sh"

# ---- input --------------------------------------------------------------
$DDEXMON gen --size 40M --seed 3 "$tmp/big.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
$DDEXMON gen --size 10M --seed 4 "$tmp/small.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
mkdir "$tmp/work" "$tmp/xdg" && cd "$tmp/work" || exit 99
export XDG_CONFIG_HOME="$tmp/xdg"
DM_ENV="LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color XDG_CONFIG_HOME=$tmp/xdg"
profile="$tmp/xdg/ddexmon/profiles/tuned.profile"

# ---- T on the queued file while the other one parses ------------------------
# one byte a read keeps big.xml parsing for the whole sweep
start main 120 40 --set max_concurrent=1 --set chunk_size=1 "$tmp/big.xml" "$tmp/small.xml"
wait_for main 'big\.xml .*running' 20 || fail "big.xml never running"
tmux -S "$SOCK" send-keys -t main Down
wait_for main '▶.*small\.xml|small\.xml.*◀|> *. small\.xml' 3 >/dev/null 2>&1
tmux -S "$SOCK" send-keys -t main T
if wait_for main 'Live tune: small\.xml' 10; then
	pass "T opens the live tune on the selected file"
else
	fail "no live tune table"
fi
if wait_for main 'PAUSED' 5 && cap main | grep -Fq 'The session is paused while this measures.'; then
	pass "the session is paused while it measures"
else
	fail "the session was not paused for the tune"
fi
if wait_for main 'done: 18 runs in' 120; then
	pass "the sweep ends: 6 chunk sizes x 3 rounds"
else
	fail "the sweep did not end"
fi
screen=$(cap main)
rows=$(printf '%s\n' "$screen" | grep -Ec '│ [*~ ]  (4K|16K|64K|256K|1M|4M) +3/3 +[0-9.]+[KM]/s +[0-9.]+[KM]-[0-9.]+[KM] +[0-9.]+% +[0-9.]+[KM] ')
if [ "$rows" -eq 6 ]; then
	pass "six rows, three runs each, with median, range, spread and accounted peak"
else
	fail "$rows plausible rows of 6"
	printf '%s\n' "$screen"
fi
best=$(printf '%s\n' "$screen" | sed -n 's/.*│ \*  \([0-9]*[KM]\) .*chosen.*/\1/p' | head -n 1)
if [ -n "$best" ]; then
	pass "a chosen row: chunk $best"
else
	fail "no chosen row"
fi
if printf '%s\n' "$screen" | grep -Eq '(is the fastest beyond the noise|are within noise|settings are within noise)'; then
	pass "the reason for the choice"
else
	fail "no reason line"
fi
if wait_gone main 'PAUSED' 5 && wait_for main 'resumed: the live tune has stopped measuring' 5; then
	pass "the session resumes when the sweep ends"
else
	fail "the session did not resume"
fi

# ---- w: the profile; a: the chunk size -------------------------------------
tmux -S "$SOCK" send-keys -t main w
if wait_file "$profile" 5; then
	pass "w writes $profile"
else
	fail "no profile written"
fi
wait_for main "wrote profile 'tuned' to" 5 >/dev/null || fail "the write is not in the log"
if grep -Eq "^chunk_size = $best\$" "$profile" 2>/dev/null; then
	pass "the profile has chunk_size = $best"
else
	fail "the profile lacks chunk_size = $best: $(grep chunk_size "$profile" 2>/dev/null)"
fi
if $DDEXMON profiles tuned >"$tmp/profiles.out" 2>&1 && grep -q "chunk_size" "$tmp/profiles.out"; then
	pass "profiles loads it"
else
	fail "profiles tuned: $(head -n 3 "$tmp/profiles.out")"
fi
if $DDEXMON parse --profile "$profile" "$tmp/small.xml" >/dev/null 2>"$tmp/parse.err"; then
	pass "parse --profile FILE works with it"
else
	fail "parse --profile: $(cat "$tmp/parse.err")"
fi
tmux -S "$SOCK" send-keys -t main a
if wait_for main "chunk size 1B? → $best \\(a: the live tune's choice\\)" 5; then
	pass "a applies chunk $best to the session"
else
	fail "a did not change the chunk size"
fi
tmux -S "$SOCK" send-keys -t main Escape
wait_gone main 'Live tune:' 5 || fail "Esc did not close the table"
wait_for main "chunk $best " 5 >/dev/null || fail "the header does not show chunk $best"

# ---- T on the file at work, Esc mid-sweep ---------------------------------
tmux -S "$SOCK" send-keys -t main Up T
if wait_for main 'Live tune: big\.xml' 10 && wait_for main 'running \(run 1 of 3\)' 10; then
	pass "a second tune on big.xml"
else
	fail "no second tune"
fi
tmux -S "$SOCK" send-keys -t main Escape
if wait_for main 'live tune of big\.xml cancelled after [0-9]+ of 18 runs' 5 &&
   wait_gone main 'Live tune:' 5; then
	pass "Esc cancels the sweep"
else
	fail "Esc did not cancel"
fi
tmux -S "$SOCK" send-keys -t main +
if wait_for main 'chunk size [0-9]+[KM] → [0-9]+[KM] \(\+\)' 5 && [ ! -s "$tmp/main.exit" ]; then
	pass "the dashboard goes on after a cancel"
else
	fail "the dashboard is not working after the cancel"
fi
wait_for main 'DONE' 60 >/dev/null || fail "the files never finished"
tmux -S "$SOCK" send-keys -t main q
if wait_file "$tmp/main.exit" 10 && grep -q '^EXIT=0$' "$tmp/main.exit"; then
	pass "q exits 0"
else
	fail "q: $(cat "$tmp/main.exit" 2>/dev/null || echo 'still running')"
fi

# ---- bare ddexmon, the demo, watch ------------------------------------------
TUI="$DDEXMON" start bare 100 30 "$tmp/small.xml"
wait_for bare 'DONE' 20 >/dev/null
tmux -S "$SOCK" send-keys -t bare T
if wait_for bare 'Live tune: small\.xml' 10 && wait_for bare 'done: 18 runs' 60; then
	pass "bare ddexmon: T tunes"
else
	fail "bare ddexmon: no tune"
fi
tmux -S "$SOCK" send-keys -t bare q
wait_file "$tmp/bare.exit" 10 && grep -q '^EXIT=0$' "$tmp/bare.exit" || fail "bare: q did not exit 0"

mkdir "$tmp/t"
DM_ENV="$DM_ENV TMPDIR=$tmp/t" TUI="$DDEXMON demo" start demo 120 40 --quick
wait_for demo 'running' 30 >/dev/null
tmux -S "$SOCK" send-keys -t demo T
if wait_for demo 'Live tune: .*running \(run|running \(run' 10; then
	pass "demo: T tunes"
else
	fail "demo: no tune"
fi
# q in the middle of the sweep: the runs stop, the quit goes on as ever
tmux -S "$SOCK" send-keys -t demo q
wait_for demo 'Quit\? \(y/n\)' 5 >/dev/null
tmux -S "$SOCK" send-keys -t demo y
if wait_file "$tmp/demo.exit" 15; then
	pass "demo: q mid-sweep ends it"
else
	fail "demo: q did not end it"
fi

sleep 60 &
watched=$!
TUI="$DDEXMON watch" start watch 100 30 --pid "$watched"
wait_for watch 'RSS' 15 >/dev/null
tmux -S "$SOCK" send-keys -t watch T
if wait_for watch 'does not apply when watching' 5 && ! cap watch | grep -q 'Live tune'; then
	pass "watch: T does not apply"
else
	fail "watch: T was not refused"
fi
tmux -S "$SOCK" send-keys -t watch q
wait_file "$tmp/watch.exit" 10 || fail "watch: q did not end it"
kill "$watched" 2>/dev/null

[ "$fails" -eq 0 ]
