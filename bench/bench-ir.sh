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
size=20M dir=${TMPDIR:-/tmp}/ddexmon-bench build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	-*) echo "bench-ir: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-ir: $dm not found (give the build directory)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-ir: needs valgrind" >&2; exit 1; }
make -C "$build" bench/bare_expat >/dev/null
mkdir -p "$dir"
cc -O2 -shared -fPIC "$here/fixsalt.c" -o "$dir/fixsalt.so"
f=$dir/gen-$size.xml
[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
quiet="--set sample_interval=1h --set leak_interval=1h --set trend_window=3h --set leak_window=4h"
ir() {
	LD_PRELOAD=$dir/fixsalt.so valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
		2>&1 >/dev/null | sed -n 's/.*Collected : //p' | tail -n 1
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
# (word splitting of $quiet is wanted)
# shellcheck disable=SC2086
{
	row "ddexmon parse" "$dm" parse $quiet "$f"
	row "ddexmon parse --summary-only" "$dm" parse --summary-only $quiet "$f"
	row "ddexmon run --no-records" "$dm" run --no-records --no-sample-events --events /dev/null $quiet "$f"
	row "ddexmon run (records)" "$dm" run --no-sample-events --events /dev/null $quiet "$f"
}
