#!/bin/sh
# Record completeness: every ISRC, ICPN, title, display artist name (every
# script), deal territory, commercial model and use type an independent
# reader (tests/completeness.py, ElementTree) finds under the elements
# ddexmon maps must be in ddexmon's records for that file. Run on the
# project's own fixtures and generated files always, and on every corpus
# file when $DM_CORPUS is there (skip, 77, only for the corpus part).
set -u
: "${DDEXMON:?}"
top=$(cd "$(dirname "$0")/../.." && pwd)
check="$top/tests/completeness.py"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
checked=0
values=0

complete() { # file
	checked=$((checked + 1))
	"$DDEXMON" parse "$1" >"$tmp/rec" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		# ddexmon refuses what is not ERN 3/4; an ERN message must parse
		if python3 "$check" --is-ern "$1" 2>/dev/null; then
			echo "FAIL: $1: exit $rc: $(head -c 300 "$tmp/err")"
			fail=1
		fi
		return
	fi
	if ! python3 "$check" "$1" "$tmp/rec" >"$tmp/out" 2>&1; then
		cat "$tmp/out"
		fail=1
	fi
	v=$(sed -n 's/.* records, \([0-9]*\) values checked.*/\1/p' "$tmp/out")
	values=$((values + ${v:-0}))
}

# our own: a check that cannot pass on nothing
for f in "$top"/tests/fixtures/ern/*.xml; do
	complete "$f"
done
for ern in 43 382; do
	"$DDEXMON" gen --size 300K --seed 3 --ern "$ern" "$tmp/gen$ern.xml" 2>/dev/null ||
		{ echo "FAIL: gen --ern $ern"; fail=1; }
	complete "$tmp/gen$ern.xml"
done
own=$checked
own_values=$values
[ "$own" -ge 6 ] && [ "$own_values" -ge 100 ] ||
	{ echo "FAIL: only $own own files, $own_values values checked"; fail=1; }

corpus=${DM_CORPUS:-}
if [ -z "$corpus" ] || [ ! -f "$corpus/MANIFEST.tsv" ]; then
	echo "own files: $own, $own_values values checked; corpus absent"
	[ "$fail" -eq 0 ] || exit 1
	echo "SKIP: no corpus (\$DM_CORPUS) for the corpus part"
	exit 77
fi
while IFS='	' read -r file _; do
	[ "$file" = file ] && continue
	[ -f "$corpus/$file" ] || continue
	complete "$corpus/$file"
done <"$corpus/MANIFEST.tsv"
echo "files checked: $checked ($own our own), values checked: $values ($own_values in ours)"
[ "$checked" -gt "$own" ] || { echo "FAIL: no corpus file checked"; fail=1; }
exit "$fail"
