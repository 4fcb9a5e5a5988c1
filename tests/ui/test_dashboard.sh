#!/bin/sh
# The dashboard driven for real: `ddexmon tui` in a private tmux server
# (its own socket, no config), read back with capture-pane.
#
#   every panel shows, with a live RSS figure; `+` doubles the chunk size
#   in the header; resizing to 60x20 (and below 40x12) and back does not
#   crash; `q` exits 0 and restores the terminal; q while running asks
#   y/n; SIGTERM restores the terminal and exits 130; --max-frames ends
#   it; without a terminal on stdout it runs headless and prints JSON.
#
# Needs tmux (skipped, exit 77, without it); helpers in tests/ui/lib.sh.
set -u

. "${DM_SRCDIR:-.}/tests/ui/lib.sh"

# ---- input --------------------------------------------------------------
$DDEXMON gen --size 50M "$tmp/d50.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
mkdir "$tmp/work"
cd "$tmp/work" || exit 99      # heap reports and exports land here

# ---- every panel, a live RSS figure, + doubles the chunk size -------------
start main 120 40 "$tmp/d50.xml"
if wait_for main 'RSS [0-9.]+[KMG]' 20; then
	pass "a live RSS figure"
else
	fail "no RSS figure"
fi
screen=$(cap main)
for title in "┌ Files" "┌ Memory" "┌ Allocations" "┌ Pools" "┌ Leaks" "┌ Log"; do
	if printf '%s\n' "$screen" | grep -Fq -- "$title"; then
		pass "panel $title"
	else
		fail "panel $title missing"
	fi
done
printf '%s\n' "$screen" | grep -Fq "chunk 64K" || fail "header without chunk 64K"
printf '%s\n' "$screen" | grep -Eq '(q quit)' || fail "no key bar"
tmux -S "$SOCK" send-keys -t main +
if wait_for main 'chunk 128K' 5; then
	pass "+ doubles the chunk size (64K -> 128K)"
else
	fail "+ did not double the chunk size"
fi
wait_for main 'chunk size 64K → 128K \(\+\)' 3 || fail "+ not echoed in the log"

# ---- resize to 60x20, below the minimum, and back --------------------------
tmux -S "$SOCK" resize-window -t main -x 60 -y 20
if wait_for main '── Memory' 5 && [ "$(cap main | wc -l)" -le 20 ]; then
	pass "compact layout at 60x20"
else
	fail "no compact layout at 60x20"
fi
tmux -S "$SOCK" resize-window -t main -x 30 -y 10
wait_for main 'too small \(need 40×12\)' 5 && pass "too small at 30x10" || fail "no 'too small' at 30x10"
tmux -S "$SOCK" resize-window -t main -x 120 -y 40
if wait_for main '┌ Allocations' 5 && [ ! -s "$tmp/main.exit" ]; then
	pass "back to 120x40, still running"
else
	fail "did not survive the resizes"
fi

# ---- done, then q: exit 0 and the terminal restored ------------------------
if wait_for main 'DONE' 60; then
	pass "the file finished"
else
	fail "never DONE"
fi
tmux -S "$SOCK" send-keys -t main q
if wait_file "$tmp/main.exit" 10; then
	if grep -q '^EXIT=0$' "$tmp/main.exit"; then
		pass "q exits 0"
	else
		fail "q exit code: $(cat "$tmp/main.exit")"
	fi
else
	fail "q did not end the dashboard"
fi
if cooked "$tmp/main.stty" && ! cap main | grep -Fq "┌ Files"; then
	pass "terminal restored after q"
else
	fail "terminal not restored after q"
fi

# ---- q while running asks y/n ----------------------------------------------
# four files one at a time: still running when the keys arrive
many="--set max_concurrent=1 $tmp/d50.xml $tmp/d50.xml $tmp/d50.xml $tmp/d50.xml"
start ask 100 30 $many
wait_for ask 'RUNNING' 10 || fail "second run did not start"
tmux -S "$SOCK" send-keys -t ask Space
wait_for ask 'PAUSED' 5 || fail "space did not pause"
tmux -S "$SOCK" send-keys -t ask q
if wait_for ask 'Quit\? \(y/n\)' 5; then
	pass "q while running asks y/n"
else
	fail "no y/n question"
fi
tmux -S "$SOCK" send-keys -t ask n
wait_for ask 'quit cancelled' 5 || fail "n did not cancel"
[ -s "$tmp/ask.exit" ] && fail "n ended the dashboard"
tmux -S "$SOCK" send-keys -t ask q
wait_for ask 'Quit\? \(y/n\)' 5 || fail "no second y/n question"
tmux -S "$SOCK" send-keys -t ask y
if wait_file "$tmp/ask.exit" 10 && cooked "$tmp/ask.stty"; then
	pass "y quits ($(cat "$tmp/ask.exit")) and restores the terminal"
else
	fail "y did not quit cleanly"
fi

# ---- SIGTERM ---------------------------------------------------------------
start term 100 30 "$tmp/d50.xml"
wait_for term 'RSS [0-9.]+[KMG]' 10 || fail "third run did not start"
shpid=$(cat "$tmp/term.pid")
pid=$(pgrep -P "$shpid" | head -n 1)
# env execs the program: the child of the script's shell is ddexmon
if [ -n "$pid" ] && kill -TERM "$pid"; then
	if wait_file "$tmp/term.exit" 10 && grep -q '^EXIT=130$' "$tmp/term.exit" &&
	   cooked "$tmp/term.stty"; then
		pass "SIGTERM: exit 130, terminal restored"
	else
		fail "SIGTERM: $(cat "$tmp/term.exit" 2>/dev/null)"
	fi
else
	fail "no process to send SIGTERM to"
fi

# ---- Ctrl-C --------------------------------------------------------------
start ctrlc 100 30 $many
wait_for ctrlc 'RSS [0-9.]+[KMG]' 10 || fail "Ctrl-C run did not start"
tmux -S "$SOCK" send-keys -t ctrlc C-c
if wait_file "$tmp/ctrlc.exit" 10 && grep -q '^EXIT=130$' "$tmp/ctrlc.exit" &&
   cooked "$tmp/ctrlc.stty"; then
	pass "Ctrl-C: exit 130, terminal restored"
else
	fail "Ctrl-C: $(cat "$tmp/ctrlc.exit" 2>/dev/null)"
fi

# ---- --max-frames ends it by itself ----------------------------------------
start frames 100 30 --max-frames 15 $many
if wait_file "$tmp/frames.exit" 15 && cooked "$tmp/frames.stty"; then
	pass "--max-frames 15 ended the dashboard ($(cat "$tmp/frames.exit"))"
else
	fail "--max-frames did not end the dashboard"
fi

# ---- demo opens the same dashboard, and --max-frames ends it -------------
tui_cmd=$TUI
TUI="$DDEXMON demo"
start demo 100 30 --size 2M --max-frames 15
TUI=$tui_cmd
if wait_file "$tmp/demo.exit" 30 && grep -q '^EXIT=0$' "$tmp/demo.exit" && cooked "$tmp/demo.stty" &&
   wait_for demo "^ddexmon: 1 file: " 5; then
	pass "demo: the dashboard, ended by --max-frames 15, its summary left on the screen"
else
	fail "demo --max-frames: $(cat "$tmp/demo.exit" 2>/dev/null) $(head -c 300 "$tmp/demo.err")"
fi

# ---- headless: stdout is a pipe --------------------------------------------
$TUI "$tmp/d50.xml" 2>"$tmp/headless.err" | head -n 1000 >"$tmp/headless.out"
if grep -Fxq "ddexmon: no terminal on stdout; running headless (as 'ddexmon run')" "$tmp/headless.err"; then
	pass "headless: says so on stderr"
else
	fail "headless: no notice on stderr: $(head -n 2 "$tmp/headless.err")"
fi
lines=$(wc -l <"$tmp/headless.out")
json=$(grep -c '^{.*}$' "$tmp/headless.out")
if [ "$lines" -gt 0 ] && [ "$lines" -eq "$json" ]; then
	pass "headless: $lines JSON lines on stdout"
else
	fail "headless: $json JSON lines of $lines"
fi
grep -q '"event":"start"' "$tmp/headless.err" || fail "headless: no events on stderr"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all dashboard checks passed"
exit 0
