#!/bin/sh
# The dashboard's own cost while it parses: `ddexmon tui FILE` in a private
# tmux server at a fixed size, drawing at its 10 Hz tick. The dashboard
# runs on the main thread (its TID is the PID), the parse on worker
# threads, so the main thread's CPU time over a window is what the screen
# costs. Also prints the whole process's CPU over the same window and the
# same file parsed by headless `run` for the bytes it did, so the total
# overhead can be compared.
#
#   bench/bench-dashboard.sh [SECONDS] [COLSxROWS]...
#
# SECONDS is the measuring window (default 30; 5 s of start-up are
# skipped). Default sizes: 120x40 200x60 80x24. Needs a built tree and tmux.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
DDEXMON=${DDEXMON:-$top/ddexmon}
[ -x "$DDEXMON" ] || { echo "bench-dashboard: $DDEXMON not built (run make)" >&2; exit 2; }
command -v tmux >/dev/null 2>&1 || { echo "bench-dashboard: needs tmux" >&2; exit 2; }

secs=${1:-30}
[ $# -gt 0 ] && shift
sizes=${*:-120x40 200x60 80x24}

tmp=$(mktemp -d /tmp/bdash.XXXXXX)
SOCK=$tmp/sock
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# big enough that the window ends well before the file does
"$DDEXMON" gen --size 4G "$tmp/big.xml" >/dev/null
hz=$(getconf CLK_TCK)

# ticks (utime + stime) of /proc/PID/task/TID/stat or /proc/PID/stat
ticks() {
	# the command name is in parentheses and may hold spaces: cut after it
	sed 's/.*) //' "$1" | awk '{ print $12 + $13 }'
}

printf '%-8s %8s %10s %10s %12s %9s %8s\n' size window ui_cpu_s ui_core_% proc_cpu_s changes draws/s
for sz in $sizes; do
	cols=${sz%x*}
	rows=${sz#*x}
	tmux -S "$SOCK" -f /dev/null new-session -d -s b -x "$cols" -y "$rows" \
		"env TERM=xterm-256color LANG=C.UTF-8 $DDEXMON tui $tmp/big.xml; sleep 60"
	sleep 5
	pid=$(pgrep -f "^$DDEXMON tui $tmp/big.xml" | head -n 1)
	[ -n "$pid" ] || { echo "bench-dashboard: the dashboard did not start" >&2; exit 1; }
	u0=$(ticks "/proc/$pid/task/$pid/stat")
	p0=$(ticks "/proc/$pid/stat")
	t0=$(date +%s.%N)
	# screen changes as the operator sees them: one capture a second
	changes=0
	last=
	i=0
	while [ $i -lt "$secs" ]; do
		sleep 1
		cur=$(tmux -S "$SOCK" capture-pane -p -t b | cksum)
		[ "$cur" != "$last" ] && changes=$((changes + 1))
		last=$cur
		i=$((i + 1))
	done
	u1=$(ticks "/proc/$pid/task/$pid/stat")
	p1=$(ticks "/proc/$pid/stat")
	t1=$(date +%s.%N)
	# frames a second: the main thread's writes to the terminal (one
	# doupdate is one write here), traced after the CPU window so the
	# tracing does not count in it
	draws=-
	if command -v strace >/dev/null 2>&1; then
		timeout 5 strace -q -p "$pid" -e trace=write -o "$tmp/trace" 2>/dev/null || true
		draws=$(awk 'END { printf "%.1f", NR / 5 }' "$tmp/trace")
	fi
	tmux -S "$SOCK" send-keys -t b q
	sleep 1
	tmux -S "$SOCK" send-keys -t b y 2>/dev/null || true
	tmux -S "$SOCK" kill-server 2>/dev/null || true
	awk -v sz="$sz" -v u="$((u1 - u0))" -v p="$((p1 - p0))" -v hz="$hz" \
		-v t0="$t0" -v t1="$t1" -v ch="$changes" -v dr="$draws" 'BEGIN {
		w = t1 - t0
		printf "%-8s %7.1fs %10.2f %9.2f%% %12.2f %9d %8s\n", sz, w, u / hz, 100 * u / hz / w, p / hz, ch, dr
	}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
