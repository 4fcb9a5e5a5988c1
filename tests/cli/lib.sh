# Shared by the shell tests: TAP-style results and the checks they use.
# Source it after setting $tmp (a scratch directory); the caller ends with
# `exit $((failures > 0))` or its own summary.
failures=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failures=$((failures + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# run NAME EXPECTED_STATUS CMD...: stdout to $tmp/out, stderr to $tmp/err
run() {
	name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$name (exit $want)"
	else
		not_ok "$name" "exit $got, want $want: $*" "stderr: $(head -c 600 "$tmp/err")"
	fi
}

# expect NAME FILE PATTERN: an extended regex that must match a line of FILE
expect() {
	if grep -Eq -- "$3" "$2"; then
		ok "$1"
	else
		not_ok "$1" "no line of $(basename "$2") matches: $3" "$(head -c 800 "$2")"
	fi
}

# expect_not NAME FILE PATTERN: no line of FILE may match
expect_not() {
	if grep -Eq -- "$3" "$2"; then
		not_ok "$1" "a line of $(basename "$2") matches: $3" "$(grep -E -- "$3" "$2" | head -c 300)"
	else
		ok "$1"
	fi
}

# expect_empty NAME FILE
expect_empty() {
	if [ -s "$2" ]; then
		not_ok "$1" "$(basename "$2") is not empty:" "$(head -c 300 "$2")"
	else
		ok "$1"
	fi
}

# same NAME GOT WANT
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2', want '$3'"; fi
}

# lines FILE: number of lines
lines() { wc -l <"$1" | tr -d ' '; }

# need_bounded: skip the whole test (77) without what bounded runs
need_bounded() {
	if ! [ -x /usr/bin/time ] || ! command -v timeout >/dev/null; then
		echo "1..0 # SKIP needs /usr/bin/time and timeout"
		exit 77
	fi
}

# bounded NAME WANT SECS CMD...: stdout to $tmp/out, stderr to $tmp/err;
# the exit status must be WANT, within SECS seconds and $MAXKB KiB of peak
# RSS (/usr/bin/time and timeout are needed: check before using it)
# Under ASan (detected from the binary) freed memory waits in a quarantine of
# up to 256 MiB and every allocation has redzones and shadow: the bound is
# then twice the plain one plus 256 MiB, still far below a runaway; the
# plain build holds the tight figure.
dm_asan=0
if grep -q __asan_init "${DDEXMON:-/nonexistent}" 2>/dev/null; then dm_asan=1; fi
bounded() {
	name=$1 want=$2 secs=$3
	shift 3
	limit=${MAXKB:-300000}
	[ "$dm_asan" = 1 ] && limit=$((limit * 2 + 262144))
	/usr/bin/time -f %M -o "$tmp/rss" timeout -k 2 "$secs" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	kb=$(tail -n 1 "$tmp/rss" 2>/dev/null)
	case $kb in *[!0-9]* | '') kb=0 ;; esac
	if [ "$got" -eq 124 ] || [ "$got" -eq 137 ]; then
		not_ok "$name" "timed out after ${secs}s: $*"
	elif [ "$got" -ne "$want" ]; then
		not_ok "$name" "exit $got, want $want: $*" "stderr: $(head -c 600 "$tmp/err")"
	elif [ "$kb" -gt "$limit" ]; then
		not_ok "$name" "peak RSS ${kb} KiB > ${limit} KiB: $*"
	else
		ok "$name (exit $want, ${kb} KiB)"
	fi
}

# one_line NAME REGEX: stderr is exactly one line, and it matches
one_line() {
	if [ "$(lines "$tmp/err")" = 1 ] && grep -Eq -- "$2" "$tmp/err"; then
		ok "$1"
	else
		not_ok "$1" "want one line matching: $2" "$(head -c 600 "$tmp/err")"
	fi
}

# json_lines NAME FILE: every line is a JSON value and the file ends in a newline
json_lines() {
	if python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
assert not data or data.endswith(b"\n"), "cut-off last line"
for line in data.decode("utf-8").splitlines():
    json.loads(line)
' "$2" 2>"$tmp/pyerr"; then
		ok "$1"
	else
		not_ok "$1" "$(tail -n 1 "$tmp/pyerr")"
	fi
}
