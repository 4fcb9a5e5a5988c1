#!/usr/bin/env bash
# bench-report.sh: `ddexmon report` on synthetic recordings of 1, 6 and 24
# hours of a batch run sampled every 100 ms (the default sample_interval),
# plain and gzip: seconds and peak RSS (target: seconds, and memory that
# does not grow with the recording: the 24 h one is read as a stream).
#
#   bench/bench-report.sh [--hours 1,6,24] [--rounds N] BUILD
set -euo pipefail
hours=1,6,24 rounds=3 dir=${TMPDIR:-/tmp}/ddexmon-bench
build=${BUILD:-.}
here=$(cd "$(dirname "$0")" && pwd)
while [ $# -gt 0 ]; do
	case $1 in
	--hours) hours=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	-h|--help) sed -n '2,7p' "$0"; exit 0 ;;
	-*) echo "bench-report: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-report: $dm not found" >&2; exit 1; }
mkdir -p "$dir"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "## report on a recording (median of $rounds; peak RSS is the largest)"
echo
echo "| recording | samples | size | seconds | MB/s | peak RSS | points drawn |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for h in ${hours//,/ }; do
	for gz in "" .gz; do
		f=$dir/rec-${h}h.jsonl$gz
		[ -s "$f" ] || python3 "$here/synth-recording.py" --hours "$h" ${gz:+--gzip} "$f"
		secs="" rss=0
		for ((i = 1; i <= rounds; i++)); do
			/usr/bin/time -o "$dir/t" -f '%e %M' "$dm" report -q "$f" -o "$dir/rec.html" 2>"$dir/err"
			read -r s m <"$dir/t"
			secs+="$s "
			[ "$m" -gt "$rss" ] && rss=$m
		done
		sec=$(tr ' ' '\n' <<<"$secs" | grep . | median)
		size=$(stat -c %s "$f")
		samples=$(sed -n 's/.*(\([0-9]*\) samples as \([0-9]*\) points.*/\1 \2/p' "$dir/err")
		raw=$( [ -n "$gz" ] && gzip -dc "$f" | wc -c || echo "$size")
		awk -v h="$h" -v gz="$gz" -v s="$samples" -v size="$size" -v sec="$sec" -v rss="$rss" -v raw="$raw" 'BEGIN {
			split(s, p, " ")
			printf "| %g h%s | %d | %.0f MB | %.2f | %.0f | %.1f MB | %d |\n", h, gz == "" ? "" : " (gzip)",
				p[1], size / 1e6, sec, raw / 1e6 / (sec > 0 ? sec : 1), rss / 1024, p[2]
		}'
	done
done
