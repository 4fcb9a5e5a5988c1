#!/bin/sh
# The real binary over every file of the external corpus of real DDEX
# messages ($DM_CORPUS, else ../shared/corpus beside the source tree):
# exit 0 and JSON lines for each well-formed ERN message, exit 2 and one
# error line for the rest, and --split output byte-identical to the
# one-thread parse. Skipped (77) when there is no corpus.
set -u
: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
srcdir=${DM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
corpus=${DM_CORPUS:-$srcdir/../shared/corpus}
if [ ! -f "$corpus/MANIFEST.tsv" ]; then
	echo "corpus not found: set DM_CORPUS=/path/to/corpus (see README)" >&2
	exit 77
fi
command -v python3 >/dev/null || { echo "python3 is needed to check the JSON output" >&2; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-corpus.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
files=0
split_ok=0
splits=0

# same FILE SEGMENT WORKERS: --split gives the one-thread bytes and status
same() {
	DDEXMON_SPLIT_SEGMENT=$2 "$DDEXMON" parse --split "$3" "$1" >"$tmp/two" 2>"$tmp/two.err"
	r2=$?
	splits=$((splits + 1))
	if [ "$r1" != "$r2" ] || ! cmp -s "$tmp/one" "$tmp/two"; then
		echo "FAIL: $1 (segment $2, $3 threads): exit $r1 vs $r2 or output differs"
		fail=1
	fi
	grep -q "parsed on one thread" "$tmp/two.err" || split_ok=$((split_ok + 1))
}

tr '\t' '|' <"$corpus/MANIFEST.tsv" >"$tmp/manifest"
while IFS='|' read -r file _ _ _ _ _ root ns _ wf _; do
	[ "$file" = file ] && continue
	f="$corpus/$file"
	[ -f "$f" ] || { echo "FAIL: in MANIFEST.tsv but missing: $file"; fail=1; continue; }
	files=$((files + 1))
	"$DDEXMON" parse "$f" >"$tmp/one" 2>"$tmp/one.err"
	r1=$?
	case $ns in
	http://ddex.net/xml/ern/[34]* | http://ddex.net/xml/20[0-9][0-9]/ern-main/[34]*) ern=1 ;;
	*) ern=0 ;;
	esac
	if [ "$wf" = yes ] && [ "$ern" = 1 ]; then
		[ "$r1" = 0 ] || { echo "FAIL: $file ($root): exit $r1: $(head -n 1 "$tmp/one.err")"; fail=1; }
		python3 -c '
import json, sys
for no, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    obj = json.loads(line)
    assert next(iter(obj)) == "type", "line %d: type is not first" % no
' "$tmp/one" || { echo "FAIL: $file: stdout is not JSON lines"; fail=1; }
		grep -q '^{"type":"header"' "$tmp/one" || { echo "FAIL: $file: no header record"; fail=1; }
	else
		[ "$r1" = 2 ] || { echo "FAIL: $file (well-formed $wf, $ns): exit $r1, want 2"; fail=1; }
		grep -Eq "^ddexmon: .*$(basename "$file" | sed 's/[].[*^$]/\\&/g'):[0-9]+:[0-9]+: " "$tmp/one.err" ||
			{ echo "FAIL: $file: no FILE:LINE:COL error line: $(head -n 1 "$tmp/one.err")"; fail=1; }
	fi
	same "$f" 1024 2
	same "$f" 8192 3
done <"$tmp/manifest"

echo "$files corpus files, $splits split parses ($split_ok really split)"
[ "$files" -gt 100 ] || { echo "FAIL: only $files files in the corpus"; fail=1; }
[ "$split_ok" -gt $((splits / 2)) ] || { echo "FAIL: too few files were split ($split_ok)"; fail=1; }
exit $fail
