#!/bin/sh
# Leak-detector benchmark on real processes: `ddexmon watch --pid` on
# tests/helpers/memgrow growing memory in known ways, default profile.
# Prints one row a scenario: seconds to the first alarm (leak_suspected,
# leak_confirmed or exhaustion_projected), to the first leak_confirmed,
# the number of confirmation-class events (leak_confirmed, leak_updated,
# leak_stopped) and, for growth that ends, the false confirmations.
# Each row is given twice: as the binary reported it ("binary"), and as the
# multiscale detector (core/detect.c) decides on the same samples replayed
# through tests/helpers/detect-replay ("replay"). The engine runs that
# detector by default, so the two agree; with --set leak_detector=seed the
# binary's row is the seed rule's.
#
#   bench/bench-detect.sh [--quick] [--only NAME] [--set KEY=VALUE]...
#
# --quick runs three short scenarios (a smoke test, about a minute);
# the full table takes about 40 minutes (the 1 MiB/min leak needs 13).
# Needs a built tree: ./ddexmon and tests/helpers/memgrow (make).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
DDEXMON=${DDEXMON:-$top/ddexmon}
MEMGROW=${MEMGROW:-$top/tests/helpers/memgrow}
REPLAY=${REPLAY:-$top/tests/helpers/detect-replay}
for b in "$DDEXMON" "$MEMGROW" "$REPLAY"; do
	[ -x "$b" ] || { echo "bench-detect: $b not built (run make)" >&2; exit 2; }
done

quick=0
only=
sets=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--only) only=$2; shift ;;
	--set) sets="$sets --set $2"; shift ;;
	*) echo "usage: bench-detect.sh [--quick] [--only NAME] [--set KEY=VALUE]..." >&2; exit 2 ;;
	esac
	shift
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-detect.XXXXXX")
child=
cleanup() {
	if [ -n "$child" ]; then
		kill "$child" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# name | kind (leak: must be confirmed; bounded: must not) | seconds |
# target for confirmation (s, "-" for bounded) | memgrow arguments
if [ $quick = 1 ]; then
	scenarios='leak-50M|leak|35|30|leak 50M
cache-200M-5s|bounded|35|-|--delay 3 cache 200M 5
flat|bounded|15|-|flat'
else
	scenarios='leak-50M|leak|45|30|leak 50M
leak-5M|leak|90|60|leak 5M
leak-1M|leak|200|180|leak 1M
leak-1M-per-min|leak|780|720|leak 1M/min
churn-40M+leak-2M|leak|200|180|churn 40M+2M
step-200M|bounded|90|-|--delay 5 step 200M
cache-300M-5s|bounded|90|-|--delay 5 cache 300M 5
cache-300M-15s|bounded|120|-|--delay 5 cache 300M 15
cache-30M-15s|bounded|120|-|--delay 5 cache 30M 15
sawtooth-2s-50M|bounded|120|-|sawtooth 2 50M
sawtooth-10s-100M|bounded|120|-|sawtooth 10 100M
flat|bounded|120|-|flat'
fi

# The t of the first event of one of the kinds given, or "-".
first_t() {
	pat=$(printf '%s' "$2" | sed 's/,/\\|/g')
	t=$(grep "\"event\":\"\($pat\)\"" "$1" | head -n 1 | sed 's/.*"t":\([0-9.e+-]*\).*/\1/')
	[ -n "$t" ] && printf '%.1f' "$t" || printf -- '-'
}
count() {
	pat=$(printf '%s' "$2" | sed 's/,/\\|/g')
	grep -c "\"event\":\"\($pat\)\"" "$1" || true
}

row() {
	# $1 events file, $2 source
	alarm=$(first_t "$1" leak_suspected,leak_confirmed,exhaustion_projected)
	conf=$(first_t "$1" leak_confirmed)
	nconf=$(count "$1" leak_confirmed,leak_updated,leak_stopped)
	if [ "$kind" = leak ]; then
		false_c=0
		ok=yes
		if [ "$conf" = - ] || awk "BEGIN { exit !($conf > $target) }" || [ "$nconf" -gt 3 ]; then
			ok=NO
		fi
	else
		false_c=$(count "$1" leak_confirmed)
		ok=yes
		[ "$false_c" -gt 0 ] && ok=NO
	fi
	printf '%-20s %-7s %-8s %8s %10s %8s %6s %6s %s\n' "$name" "$2" "$kind" "$alarm" "$conf" \
		"$target" "$nconf" "$false_c" "$ok"
}

printf '%-20s %-7s %-8s %8s %10s %8s %6s %6s %s\n' scenario source kind alarm_s confirm_s \
	target_s conf_ev false ok
while IFS='|' read -r name kind secs target args; do
	[ -n "$only" ] && [ "$only" != "$name" ] && continue
	ev=$tmp/$name.json
	# shellcheck disable=SC2086
	"$MEMGROW" --duration "$secs" $args &
	child=$!
	# shellcheck disable=SC2086
	timeout $((secs + 30)) "$DDEXMON" watch --pid "$child" --set report_dir="$tmp/reports" \
		$sets --events "$ev" >/dev/null 2>"$tmp/$name.err" || true
	wait "$child" 2>/dev/null || true
	child=
	row "$ev" binary
	# shellcheck disable=SC2086
	"$REPLAY" $sets <"$ev" >"$tmp/$name.replay"
	row "$tmp/$name.replay" replay
done <<END
$scenarios
END
