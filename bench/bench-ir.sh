#!/usr/bin/env bash
# bench-ir.sh: instructions (callgrind, total Ir) of ddexmon against bare
# expat on one generated file, taken so that they repeat run after run:
# expat's hash salt fixed (bench/fixsalt.c, preloaded) and the sampler and
# leak detector waking once an hour (they wake by wall-clock time, and
# under callgrind a run takes about 50 times longer). The README's table
# "Instructions against bare expat, step by step" is made with it.
#
#   bench/bench-ir.sh [--size 20M] [--dir DIR] BUILD
set -euo pipefail
name=bench-ir help_lines=2,9
# shellcheck source=bench/ir-common.sh
. "$(dirname "$0")/ir-common.sh"
ir_options "$@"
# shellcheck disable=SC2119
ir_setup
ir() {
	ir_callgrind /dev/null "$@" 2>&1 | sed -n 's/.*Collected : //p' | tail -n 1
}
bare=$(ir "$build/bench/bare_expat" "$f")
echo "| command ($size) | Ir | bare expat / Ir |"
echo "|---|---:|---:|"
row() {
	local label=$1 n
	shift
	n=$(ir "$@")
	printf '| %s | %s | %s |\n' "$label" "$n" "$(awk -v e="$bare" -v i="$n" 'BEGIN {printf "%.3f", e / i}')"
}
echo "| bare expat | $bare | 1.000 |"
row "ddexmon parse" "$dm" parse "${quiet[@]}" "$f"
row "ddexmon parse --summary-only" "$dm" parse --summary-only "${quiet[@]}" "$f"
row "ddexmon run --no-records" "$dm" run --no-records --no-sample-events --events /dev/null "${quiet[@]}" "$f"
row "ddexmon run (records)" "$dm" run --no-sample-events --events /dev/null "${quiet[@]}" "$f"
