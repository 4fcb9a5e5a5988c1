# Shared by the dashboard's tmux tests: a private tmux server (its own
# socket, no config), screens read back with capture-pane, bounded waits.
# Source it after `set -u`; it sets $tmp, $SOCK, $TUI and $DDEXMON and
# cleans up on exit. The caller ends with `[ "$fails" -eq 0 ]`.
#
# Needs tmux (skipped, exit 77, without it). DDEXMON is set by `make check`;
# DDEXMON_TUI may replace "$DDEXMON tui" (e.g. to try another build).

command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux not installed"; exit 77; }
DDEXMON=${DDEXMON:-./ddexmon}
TUI=${DDEXMON_TUI:-"$DDEXMON tui"}

# a short path: unix socket names are limited to ~100 bytes
tmp=$(mktemp -d /tmp/dmui.XXXXXX) || exit 99
SOCK=$tmp/sock
fails=0
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
pass() {
	echo "ok: $*"
}

cap() {
	tmux -S "$SOCK" capture-pane -p -t "$1" 2>/dev/null
}

# wait_for SESSION REGEX [SECONDS]: until the screen matches (grep -E)
wait_for() {
	n=$(( ${3:-15} * 10 ))
	while [ "$n" -gt 0 ]; do
		if cap "$1" | grep -Eq -- "$2"; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	echo "--- screen of $1 while waiting for: $2"
	cap "$1"
	echo "---"
	return 1
}

# wait_gone SESSION REGEX [SECONDS]: until the screen no longer matches
wait_gone() {
	n=$(( ${3:-15} * 10 ))
	while [ "$n" -gt 0 ]; do
		cap "$1" | grep -Eq -- "$2" || return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_file PATH [SECONDS]: until the file exists and is not empty
wait_file() {
	n=$(( ${2:-15} * 10 ))
	while [ "$n" -gt 0 ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start NAME COLS LINES ARGS...: the dashboard in a new tmux session; when
# it ends, its exit code goes to $tmp/NAME.exit and the terminal modes to
# $tmp/NAME.stty, and the pane stays for inspection (with what the program
# printed after its screen). $FEED, when set, is a command whose output
# is the dashboard's standard input (for a file "-" that arrives slowly);
# $DM_ENV, when set, replaces the locale and terminal settings.
start() {
	name=$1 cols=$2 lines=$3
	shift 3
	# the trap keeps this shell alive through a Ctrl-C meant for ddexmon
	# (the child gets the default action back, as after any trap)
	cat >"$tmp/$name.sh" <<EOF
trap : INT
echo \$\$ > $tmp/$name.pid
${FEED:+$FEED |} env ${DM_ENV:-LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color} $TUI $* 2>$tmp/$name.err
echo "EXIT=\$?" > $tmp/$name.exit.tmp
stty -a > $tmp/$name.stty 2>&1
mv $tmp/$name.exit.tmp $tmp/$name.exit
echo "ENDED \$(cat $tmp/$name.exit)"
sleep 600
EOF
	if [ -S "$SOCK" ] && tmux -S "$SOCK" has-session 2>/dev/null; then
		tmux -S "$SOCK" new-session -d -s "$name" -x "$cols" -y "$lines" "sh $tmp/$name.sh"
	else
		tmux -S "$SOCK" -f /dev/null -u new-session -d -s "$name" -x "$cols" -y "$lines" \
			"sh $tmp/$name.sh"
	fi
}

# The terminal is back to cooked mode: line editing and echo on.
cooked() {
	grep -Eq '(^| )icanon( |$)' "$1" && grep -Eq '(^| )echo( |$)' "$1"
}

