#!/bin/sh
# Build a libFuzzer seed directory from the shared corpus: every message up
# to MAX_BYTES (default 64 KiB), including the bad/ ones, each written twice
# with the harness's two header bytes in front (fuzz/harness.c):
#   00 00  default configuration, the document in one piece
#   04 5a  7-byte chunks, fed in pieces of data-derived sizes
#   69 00  tight limits, DTD entities allowed, pools, 1-byte chunks
# The seed directory is created outside the repository: corpus files are
# never copied into the project.
#
# Usage: fuzz/seed.sh [SEED_DIR]      (default /tmp/ddexmon-fuzz/seeds)
#        DM_CORPUS=... MAX_BYTES=... fuzz/seed.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${DM_CORPUS:-$here/../../shared/corpus}
out=${1:-/tmp/ddexmon-fuzz/seeds}
max=${MAX_BYTES:-65536}

[ -d "$corpus" ] || { echo "seed.sh: corpus not found at $corpus (set DM_CORPUS)" >&2; exit 1; }
case $(cd "$(dirname "$out")" 2>/dev/null && pwd)/ in
"$(cd "$here/.." && pwd)"/*) echo "seed.sh: $out is inside the repository; pick a directory outside it" >&2; exit 1 ;;
esac
mkdir -p "$out"

n=0
find "$corpus" -type f -name '*.xml' -size -"$max"c | sort | while IFS= read -r f; do
	base=$(printf '%s' "${f#"$corpus"/}" | tr '/ ' '__')
	{ printf '\000\000'; cat "$f"; } >"$out/$base.a"
	{ printf '\004\132'; cat "$f"; } >"$out/$base.b"
	{ printf '\151\000'; cat "$f"; } >"$out/$base.c"
	n=$((n + 3))
	echo "$n" >"$out/.count"
done
echo "seed.sh: $(cat "$out/.count" 2>/dev/null || echo 0) seeds in $out"
rm -f "$out/.count"
