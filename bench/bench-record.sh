#!/usr/bin/env bash
# bench-record.sh: the cost of --record. `run --no-records` on a generated
# delivery with and without `--record FILE.jsonl.gz`, alternating, medians
# (target: with / without >= 0.98); then a real `watch --record` of an idle
# process at the default sampling for --watch seconds, plain and gzip, and
# the bytes per hour that follow from it: the first 10 minutes at full rate,
# then 2 samples a second (min and max of each 1 s) to the hour, then 2 per
# 10 s.
#
#   bench/bench-record.sh [--rounds N] [--size 1G] [--watch 60] BUILD
set -euo pipefail
rounds=5 size=1G secs=60 dir=${TMPDIR:-/tmp}/ddexmon-bench-record
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--watch) secs=$2; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	-*) echo "bench-record: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-record: $dm not found" >&2; exit 1; }
mkdir -p "$dir"
f=$dir/gen-$size.xml
[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
bytes=$(stat -c %s "$f")
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
a="" b=""
for ((i = 1; i <= rounds; i++)); do
	/usr/bin/time -o "$dir/t" -f '%e' "$dm" run --no-records --events /dev/null "$f" 2>/dev/null
	x=$(tail -1 "$dir/t")
	a+="$x "
	/usr/bin/time -o "$dir/t" -f '%e' "$dm" run --no-records --events /dev/null \
		--record "$dir/rec.jsonl.gz" "$f" 2>/dev/null
	y=$(tail -1 "$dir/t")
	b+="$y "
	echo "  round $i: without $x with $y" >&2
done
as=$(tr ' ' '\n' <<<"$a" | grep . | median)
bs=$(tr ' ' '\n' <<<"$b" | grep . | median)
echo "## run --no-records with and without --record ($size, median of $rounds, alternating)"
awk -v n="$bytes" -v a="$as" -v b="$bs" -v ar="$a" -v br="$b" 'BEGIN {
	printf "without: %.2f s (%.0f MB/s)  runs: %s\n", a, n / 1e6 / a, ar
	printf "with:    %.2f s (%.0f MB/s)  runs: %s\n", b, n / 1e6 / b, br
	printf "throughput with / without: %.3f (target >= 0.98)\n", a / b }'
echo "recording of that run: $(stat -c %s "$dir/rec.jsonl.gz") bytes gzip"

sleep $((secs + 30)) &
pid=$!
"$dm" watch --pid "$pid" --record "$dir/watch.jsonl" 2>/dev/null & w1=$!
"$dm" watch --pid "$pid" --record "$dir/watch.jsonl.gz" 2>/dev/null & w2=$!
sleep "$secs"
kill -INT "$w1" "$w2"
wait "$w1" "$w2" 2>/dev/null || true
kill "$pid" 2>/dev/null || true
echo "## watch --record at the default sampling (100 ms), ${secs} s of an idle process"
for r in "$dir/watch.jsonl" "$dir/watch.jsonl.gz"; do
	n=$(if [ "${r%.gz}" != "$r" ]; then zcat "$r"; else cat "$r"; fi | grep -c '"event":"sample"' || true)
	sz=$(stat -c %s "$r")
	awk -v r="$(basename "$r")" -v n="$n" -v sz="$sz" 'BEGIN {
		per = sz / n
		first = per * (600 * 10 + 3000 * 2)          # hour 1: 10 min full, 50 min min/max a second
		later = per * (360 * 2)                       # each later hour: min/max of 10 s
		printf "%s: %d samples, %d bytes (%.0f bytes a sample)\n", r, n, sz, per
		printf "  first hour %.1f MB, each later hour %.2f MB, 24 hours %.1f MB\n",
			first / 1e6, later / 1e6, (first + 23 * later) / 1e6 }'
done
