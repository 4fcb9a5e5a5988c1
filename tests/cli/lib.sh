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
