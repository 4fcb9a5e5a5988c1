#!/usr/bin/env bash
# bench-json.sh: what writing the records as JSON costs in `ddexmon parse`,
# in instructions (callgrind, repeatable as in bench-ir.sh: expat's hash
# salt fixed, sampler and detector waking once an hour): the whole run,
# the record callback (session.c on_record: the JSON and the batching of
# lines) with its share, and per record and per byte written.
#
#   bench/bench-json.sh [--size 20M] [--dir DIR] BUILD
set -euo pipefail
size=20M dir=${TMPDIR:-/tmp}/ddexmon-bench build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	-*) echo "bench-json: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-json: $dm not found (give the build directory)" >&2; exit 1; }
for t in valgrind callgrind_annotate; do
	command -v $t >/dev/null || { echo "bench-json: needs $t" >&2; exit 1; }
done
mkdir -p "$dir"
cc -O2 -shared -fPIC "$here/fixsalt.c" -o "$dir/fixsalt.so"
f=$dir/gen-$size.xml
[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
out=$(mktemp "$dir/cg-json.XXXXXX")
trap 'rm -f "$out"' EXIT
quiet="--set sample_interval=1h --set leak_interval=1h --set trend_window=3h --set leak_window=4h"
# shellcheck disable=SC2086
LD_PRELOAD=$dir/fixsalt.so valgrind --tool=callgrind --callgrind-out-file="$out" \
	"$dm" parse $quiet "$f" >/dev/null 2>&1
# shellcheck disable=SC2086
"$dm" parse $quiet "$f" 2>/dev/null | wc -lc | {
	read -r records bytes
	callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk -v recs="$records" -v bytes="$bytes" '
		/PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
		/session\.c:on_record \[/ { gsub(",", "", $1); cb = $1 }
		/record\.c:dm_record_to_json \[/ { gsub(",", "", $1); js = $1 }
		END {
			printf "| parse (%s records, %s bytes of JSON) | Ir |\n|---|---:|\n", recs, bytes
			printf "| whole run | %d |\n| on_record | %d (%.1f %%) |\n", total, cb, 100 * cb / total
			printf "| dm_record_to_json | %d |\n", js
			printf "| on_record per record | %.0f |\n| on_record per byte | %.2f |\n", cb / recs, cb / bytes
		}'
}
