#!/bin/sh
# tests/helpers/memgrow makes the RSS shapes it is asked for (bench/ and the
# detector's real-process tests rely on it), and detect-replay runs the
# detector over a recorded event stream. About 10 s.
top=${DM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=$(dirname "${DDEXMON:-./ddexmon}")
MEMGROW=$build/tests/helpers/memgrow
REPLAY=$build/tests/helpers/detect-replay
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dm-memgrow.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/cli/lib.sh"

# rss PID: resident MiB from statm, or -1 once gone
rss() {
	awk -v p="$(getconf PAGESIZE)" '{ printf "%d\n", $2 * p / 1048576 }' "/proc/$1/statm" 2>/dev/null ||
		echo -1
}
# Under ASan (detected from the binary) freed memory sits in quarantine and
# every block carries redzones: the RSS shapes are not the ones asked for.
asan=0
if grep -q __asan_init "$MEMGROW" 2>/dev/null; then asan=1; fi

# between NAME VALUE LO HI
between() {
	if [ "$asan" = 1 ]; then
		ok "$1 # skip RSS under ASan"
	elif [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then
		ok "$1 ($2)"
	else
		not_ok "$1" "got $2, want $3 to $4"
	fi
}

run "bad mode is a usage error" 2 "$MEMGROW" grow 5M
run "bad size is a usage error" 2 "$MEMGROW" leak 5Q
run "bad rate unit is a usage error" 2 "$MEMGROW" leak 5M/day
run "churn needs RATE+LEAK" 2 "$MEMGROW" churn 40M
run "flat exits 0 after its duration" 0 "$MEMGROW" --duration 0.2 flat

# A 40 MiB/s leak: about 80 MiB more after 2 s.
"$MEMGROW" --duration 4 leak 40M &
p=$!
sleep 0.5
a=$(rss $p)
sleep 2
b=$(rss $p)
between "leak 40M grows about 80 MiB in 2 s" $((b - a)) 55 130
wait $p
same "leak exits 0" $? 0

# A cache of 60 MiB over 1 s, then flat.
"$MEMGROW" --duration 4 cache 60M 1 &
p=$!
sleep 1.8
a=$(rss $p)
sleep 1
b=$(rss $p)
between "cache reaches its size" "$a" 55 80
between "cache then stays flat" $((b - a)) -1 1
wait $p

# A step of 50 MiB after a 1 s delay.
"$MEMGROW" --duration 3 --delay 1 step 50M &
p=$!
sleep 0.5
a=$(rss $p)
sleep 1.5
b=$(rss $p)
between "step: flat during the delay, then 50 MiB" $((b - a)) 45 55
wait $p

# A sawtooth of 1 s: never far above its amplitude, and it drops.
"$MEMGROW" --duration 4 sawtooth 1 60M &
p=$!
hi=0 lo=100000
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
	sleep 0.2
	r=$(rss $p)
	[ "$r" -gt "$hi" ] && hi=$r
	[ "$r" -ge 0 ] && [ "$r" -lt "$lo" ] && lo=$r
done
between "sawtooth tops out near its amplitude" "$hi" 40 75
between "sawtooth gives its memory back" "$lo" 0 30
wait $p

# Churn of 80 MiB/s with no leak: what is allocated is given back.
"$MEMGROW" --duration 4 churn 80M+0 &
p=$!
sleep 1
a=$(rss $p)
sleep 2
b=$(rss $p)
between "churn alone does not grow" $((b - a)) -25 25
wait $p

# Children: each one its own process with its own memory.
"$MEMGROW" --pids --children 2 --duration 3 step 30M >"$tmp/pids" &
p=$!
sleep 1.5
same "--pids lists the parent and two children" "$(lines "$tmp/pids")" 3
for c in $(tail -n 2 "$tmp/pids"); do
	between "child $c holds its own 30 MiB" "$(rss "$c")" 28 40
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$c/status" 2>/dev/null)
	same "child $c is the parent's" "$ppid" "$p"
done
wait $p
same "parent exits 0" $? 0
sleep 0.2
for c in $(tail -n 2 "$tmp/pids"); do
	state=$(awk '/^State:/ { print $2 }' "/proc/$c/status" 2>/dev/null)
	if [ -n "$state" ] && [ "$state" != Z ]; then
		not_ok "child $c outlived the parent"
	else
		ok "child $c ended with the parent"
	fi
done

# detect-replay: a steady recorded 1 MiB/s series is confirmed, the same
# series flat is not.
awk 'BEGIN { for (i = 0; i < 600; i++) printf "{\"event\":\"sample\",\"t\":%.1f,\"rss\":%d,\"mem_available\":8000000000}\n", i / 10, 100000000 + i * 104857.6 }' \
	>"$tmp/leak.json"
run "replay runs on no input" 0 "$REPLAY" </dev/null
"$REPLAY" <"$tmp/leak.json" >"$tmp/replay"
expect "replay confirms a recorded leak" "$tmp/replay" '"event":"leak_confirmed"'
awk 'BEGIN { for (i = 0; i < 600; i++) printf "{\"event\":\"sample\",\"t\":%.1f,\"rss\":%d}\n", i / 10, 100000000 + (i % 7) * 4096 }' \
	>"$tmp/flat.json"
"$REPLAY" <"$tmp/flat.json" >"$tmp/replay"
expect_empty "replay is silent on a flat series" "$tmp/replay"
run "replay refuses a bad key" 2 "$REPLAY" --set leak_min_duration=1ms

echo "1..$n"
exit $((failures > 0))
