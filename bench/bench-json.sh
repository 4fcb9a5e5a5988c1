#!/usr/bin/env bash
# bench-json.sh: what writing the records as JSON costs in `ddexmon parse`,
# in instructions (callgrind, repeatable as in bench-ir.sh: expat's hash
# salt fixed, sampler and detector waking once an hour): the whole run,
# the record callback (session.c on_record: the JSON and the batching of
# lines) with its share, and per record and per byte written.
#
#   bench/bench-json.sh [--size 20M] [--dir DIR] BUILD
set -euo pipefail
name=bench-json help_lines=2,8
# shellcheck source=bench/ir-common.sh
. "$(dirname "$0")/ir-common.sh"
ir_options "$@"
ir_setup callgrind_annotate
out=$(mktemp "$dir/cg-json.XXXXXX")
trap 'rm -f "$out"' EXIT
ir_callgrind "$out" "$dm" parse "${quiet[@]}" "$f" 2>/dev/null
"$dm" parse "${quiet[@]}" "$f" 2>/dev/null | wc -lc | {
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
