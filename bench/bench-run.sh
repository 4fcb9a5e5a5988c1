#!/usr/bin/env bash
# bench-run.sh: issue 3's benchmark. `run --no-records` against `parse` on
# the same generated delivery, alternating (target: run >= 0.97 x parse);
# peak RSS of `run` reading 100M, 1G and 10G from a pipe straight from
# `gen` (targets: <= 8 MB, and 10G / 100M <= 1.05); mallocs per MB from
# run's summary (target: <= 1 per MB parsed in the steady state).
#
#   bench/bench-run.sh [--rounds N] [--size 1G] [--pipe-sizes 100M,1G,10G] BUILD
set -euo pipefail
rounds=3 size=1G pipes=100M,1G,10G dir=${TMPDIR:-/tmp}/ddexmon-bench
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--pipe-sizes) pipes=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	-*) echo "bench-run: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-run: $dm not found" >&2; exit 1; }
mkdir -p "$dir"
f=$dir/gen-$size.xml
[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
bytes=$(stat -c %s "$f")
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p="" r=""
for ((i = 1; i <= rounds; i++)); do
	/usr/bin/time -o "$dir/t" -f '%e' "$dm" parse "$f" >/dev/null 2>/dev/null
	p+="$(tail -1 "$dir/t") "
	/usr/bin/time -o "$dir/t" -f '%e' "$dm" run --no-records --no-sample-events --events /dev/null "$f" 2>/dev/null
	r+="$(tail -1 "$dir/t") "
	echo "  round $i: parse ${p##* } run ${r##* }" >&2
done
ps=$(tr ' ' '\n' <<<"$p" | grep . | median)
rs=$(tr ' ' '\n' <<<"$r" | grep . | median)
echo "## run --no-records vs parse ($size, median of $rounds)"
awk -v b="$bytes" -v p="$ps" -v r="$rs" 'BEGIN {
	printf "| command | s | MB/s |\n|---|---:|---:|\n| parse | %.2f | %.1f |\n| run --no-records | %.2f | %.1f |\n", p, b/1e6/p, r, b/1e6/r
	printf "\nrun / parse throughput: %.3f (target >= 0.97)\n", p / r }'

echo
echo "## peak RSS of run, reading from a pipe (gen | ddexmon run -)"
echo "| size | peak RSS | MB/s | mallocs | mallocs per MB |"
echo "|---|---:|---:|---:|---:|"
IFS=, read -ra sz <<<"$pipes"
first_rss=""
for s in "${sz[@]}"; do
	ev=$dir/ev-$s.jsonl
	"$dm" gen --size "$s" --seed 2 - 2>/dev/null |
		/usr/bin/time -o "$dir/t" -f '%M %e' "$dm" run --no-records --no-sample-events --events "$ev" - 2>/dev/null
	out=$(tail -1 "$dir/t")
	kb=${out% *} secs=${out#* }
	sum=$(grep '"event":"summary"' "$ev")
	b=$(sed 's/.*"bytes":\([0-9]*\).*/\1/' <<<"$sum")
	m=$(sed 's/.*"mallocs":\([0-9]*\).*/\1/' <<<"$sum")
	awk -v s="$s" -v kb="$kb" -v b="$b" -v t="$secs" -v m="$m" 'BEGIN {
		printf "| %s | %.1f MB | %.1f | %d | %.4f |\n", s, kb/1024, b/1e6/t, m, m/(b/1048576) }'
	[ -n "$first_rss" ] || first_rss=$kb
	last_rss=$kb
	rm -f "$ev"
done
awk -v a="$first_rss" -v z="$last_rss" 'BEGIN { printf "\nlargest / smallest peak RSS: %.3f (target <= 1.05)\n", z / a }'
