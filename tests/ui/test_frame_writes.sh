#!/bin/sh
# A frame goes to the terminal as one write, not as one write per cursor
# move (ncurses 6.4 flushes after every move until the screen has been
# suspended and resumed once; each small write is a packet over ssh).
# strace counts the dashboard thread's writes for 3 s while it parses: at
# its 10 Hz tick that is at most about 30 frames.
#
# Needs tmux and strace (skipped, exit 77, without either).
set -u

command -v strace >/dev/null 2>&1 || { echo "SKIP: strace not installed"; exit 77; }
. "${DM_SRCDIR:-.}/tests/ui/lib.sh"

$DDEXMON gen --size 400M "$tmp/big.xml" >/dev/null 2>&1 || { echo "ERROR: gen failed"; exit 99; }
start fw 120 40 --chunk-size 4K "$tmp/big.xml"
wait_for fw 'RSS [0-9.]+[KMG]' 20 || fail "the dashboard did not start"
# the dashboard thread is the process's main thread: its TID is the PID
pid=$(pgrep -f "tui --chunk-size 4K $tmp/big.xml" | while read -r p; do
	[ "$(cut -d' ' -f2 "/proc/$p/stat" 2>/dev/null)" = "(ddexmon)" ] && echo "$p"; done | head -n 1)
if [ -z "$pid" ]; then
	fail "no ddexmon process found"
elif ! timeout 3 strace -q -p "$pid" -e trace=write -o "$tmp/trace" 2>"$tmp/strace.err"; [ ! -s "$tmp/trace" ]; then
	# attaching may be refused (ptrace_scope): not this test's business
	echo "SKIP: strace could not trace the dashboard: $(head -n 1 "$tmp/strace.err")"
	exit 77
else
	frames=$(grep -c '^write(1,' "$tmp/trace")
	bytes=$(sed -n 's/.*) = \([0-9]*\)$/\1/p' "$tmp/trace" | awk '{ s += $1 } END { print s + 0 }')
	if [ "$frames" -ge 3 ] && [ "$frames" -le 45 ]; then
		pass "$frames writes ($bytes bytes) to the terminal in 3 s"
	else
		fail "$frames writes ($bytes bytes) to the terminal in 3 s: a frame is not one write"
	fi
fi
tmux -S "$SOCK" send-keys -t fw q
sleep 0.5
tmux -S "$SOCK" send-keys -t fw y
[ "$fails" -eq 0 ]
