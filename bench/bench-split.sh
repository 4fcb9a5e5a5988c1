#!/usr/bin/env bash
# bench-split.sh: --split on one large generated file read from disk (the
# file itself: a pipe cannot be split). Rounds alternate the commands, so
# a noisy machine hurts all alike: parse on one thread, parse --split
# 2/3/4, run on one thread and run --split 2 (records to /dev/null). For
# each: medians of wall-clock and CPU seconds (user + system), the largest
# peak RSS (/usr/bin/time), the 1-minute load average before each run and
# the CPU the rest of the machine used during it ("others", in cores, from
# /proc/stat: what a shared machine took from the run), and the speedup
# against `parse` of the same build: of the medians, the median of each
# round's own ratio, and of the quiet runs only (others below 0.15 of a
# core). --wait-idle S waits up to S seconds before each run for a second
# in which the machine is idle (under 0.2 of a core busy). With --cold
# each run starts with the file dropped from the page cache (posix_fadvise
# DONTNEED, this file only: needs python3), so it is read from the disk.
# With --base OLD the same rounds also run OLD/ddexmon, for before and
# after. Then one run of parse --split 2 and run --split 2 on the --size
# file and on a --flat-size one, for peak RSS and the accounted peak.
#
#   bench/bench-split.sh [--size 1G] [--rounds 3] [--flat-size 4G|none]
#                        [--dir DIR] [--cold] [--wait-idle S] [--base OLD]
#                        [--only CMD,...] BUILD
#
# Commands: parse split2 split3 split4 run run-split2.
set -euo pipefail
size=1G rounds=3 flat=4G dir=/var/tmp/ddexmon-bench cold=0 base="" only="" idle=0
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--flat-size) flat=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--cold) cold=1; shift ;;
	--wait-idle) idle=$2; shift 2 ;;
	--base) base=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	-h|--help) sed -n '2,24p' "$0"; exit 0 ;;
	-*) echo "bench-split: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-split: $dm not found (give the build directory)" >&2; exit 1; }
[ -z "$base" ] || [ -x "$base/ddexmon" ] || { echo "bench-split: $base/ddexmon not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-split: needs /usr/bin/time" >&2; exit 1; }
[ $cold = 0 ] || command -v python3 >/dev/null || { echo "bench-split: --cold needs python3" >&2; exit 1; }
mkdir -p "$dir"
big=$dir/gen-$size.xml
[ -s "$big" ] || "$dm" gen --size "$size" --seed 1 "$big" 2>/dev/null

declare -A cmd label
cmd[parse]="parse FILE"
cmd[split2]="parse --split 2 FILE"
cmd[split3]="parse --split 3 FILE"
cmd[split4]="parse --split 4 FILE"
cmd[run]="run --force --no-sample-events --events /dev/null FILE"
cmd[run-split2]="run --force --split 2 --no-sample-events --events /dev/null FILE"
label=([parse]="parse" [split2]="parse --split 2" [split3]="parse --split 3"
	[split4]="parse --split 4" [run]="run" [run-split2]="run --split 2")
order="parse split2 split3 split4 run run-split2"
[ -n "$only" ] && order=${only//,/ }
builds="new"
[ -n "$base" ] && builds="old new"
bin() { [ "$1" = old ] && echo "$base/ddexmon" || echo "$dm"; }

evict() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)' "$1"
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# busy CPU seconds of the whole machine so far
busy() { awk '/^cpu / {print ($2 + $3 + $4 + $7 + $8 + $9) / 100}' /proc/stat; }
wait_idle() {
	local end=$((SECONDS + idle)) a b
	while [ $SECONDS -lt $end ]; do
		a=$(busy)
		sleep 1
		b=$(busy)
		awk -v a="$a" -v b="$b" 'BEGIN {exit !(b - a < 0.2)}' && return 0
	done
	echo "  (not idle after ${idle} s: measured anyway)" >&2
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
list_median() { tr ' ' '\n' <<<"$1" | grep . | median; }

# one measured run: "wall cpu rss_kb load others" on stdout
measure() { # binary args-with-FILE file
	local c=${2//FILE/$3} l b0 b1
	[ $cold = 1 ] && evict "$3"
	[ "$idle" -gt 0 ] && wait_idle
	l=$(load1)
	b0=$(busy)
	# shellcheck disable=SC2086
	/usr/bin/time -o "$dir/t" -f '%e %U %S %M' "$1" $c >/dev/null 2>"$dir/err" ||
		{ echo "bench-split: $1 $c failed: $(tail -n 2 "$dir/err")" >&2; exit 1; }
	b1=$(busy)
	if grep -q 'parsed on one thread' "$dir/err"; then
		echo "bench-split: $1 $c was not split: $(grep 'one thread' "$dir/err")" >&2
		exit 1
	fi
	read -r e u s m < <(tail -n 1 "$dir/t")
	awk -v e="$e" -v u="$u" -v s="$s" -v m="$m" -v l="$l" -v b0="$b0" -v b1="$b1" 'BEGIN {
		o = (b1 - b0 - u - s) / e
		printf "%s %s %s %s %.2f\n", e, u + s, m, l, o < 0 ? 0 : o }'
}

echo "$(date -u +%FT%TZ) $(nproc) cores, $size file $big ($(stat -c %s "$big") bytes)," \
	"$([ $cold = 1 ] && echo 'dropped from the page cache before each run' || echo 'in the page cache')" >&2
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
declare -A secs=() cpu=() rss=() loads=() ratio=() last=() others=() quiet=()
for ((r = 1; r <= rounds; r++)); do
	for b in $builds; do
		for t in $order; do
			read -r e c m l o < <(measure "$(bin "$b")" "${cmd[$t]}" "$big")
			secs[$b.$t]+="$e " cpu[$b.$t]+="$c " rss[$b.$t]+="$m " loads[$b.$t]+="$l "
			others[$b.$t]+="$o "
			awk -v o="$o" 'BEGIN {exit !(o < 0.15)}' && quiet[$b.$t]+="$e "
			echo "  round $r $b ${label[$t]}: $e s, cpu $c s, $m KB, load $l, others $o cores" >&2
			last[$t]=$e
		done
		# each round's own speedups against its parse
		if [[ " $order " == *" parse "* ]]; then
			for t in $order; do
				ratio[$b.$t]+="$(awk -v p="${last[parse]}" -v s="${last[$t]}" 'BEGIN {print p / s}') "
			done
		fi
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

bytes=$(stat -c %s "$big")
echo "| build | command | median s | MB/s | speedup (medians) | speedup (per round) | median CPU s | peak RSS | load (1 min) | others (cores) | quiet runs: median s (n) | speedup (quiet) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
for b in $builds; do
	pmed=$(list_median "${secs[$b.parse]:-}" || true)
	pq=$(list_median "${quiet[$b.parse]:-}" 2>/dev/null || true)
	for t in $order; do
		s=$(list_median "${secs[$b.$t]}")
		c=$(list_median "${cpu[$b.$t]}")
		m=$(tr ' ' '\n' <<<"${rss[$b.$t]}" | grep . | sort -n | tail -n 1)
		pr=$(list_median "${ratio[$b.$t]:-}" 2>/dev/null || true)
		ld=$(tr ' ' '\n' <<<"${loads[$b.$t]}" | grep . | sort -g | sed -n '1p;$p' | paste -sd- -)
		ot=$(tr ' ' '\n' <<<"${others[$b.$t]}" | grep . | sort -g | sed -n '1p;$p' | paste -sd- -)
		q=$(list_median "${quiet[$b.$t]:-}" 2>/dev/null || true)
		qn=$(wc -w <<<"${quiet[$b.$t]:-}")
		printf '| %s | %s | %.2f | %.1f | %s | %s | %.2f | %.1f MiB | %s | %s | %s | %s |\n' "$b" "${label[$t]}" "$s" \
			"$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')" \
			"$([ -n "$pmed" ] && awk -v p="$pmed" -v s="$s" 'BEGIN {printf "%.2fx", p / s}')" \
			"$([ -n "$pr" ] && awk -v p="$pr" 'BEGIN {printf "%.2fx", p}')" \
			"$c" "$(awk -v k="$m" 'BEGIN {print k / 1024}')" "$ld" "$ot" \
			"$([ -n "$q" ] && echo "$q ($qn)" || echo "— (0)")" \
			"$([ -n "$q" ] && [ -n "$pq" ] && awk -v p="$pq" -v s="$q" 'BEGIN {printf "%.2fx", p / s}')"
	done
done
echo "($size file: $bytes bytes, $rounds rounds)"

[ "$flat" = none ] && exit 0
large=$dir/gen-$flat.xml
[ -s "$large" ] || "$dm" gen --size "$flat" --seed 1 "$large" 2>/dev/null
echo
echo "| build | command | file | s | peak RSS | accounted peak | load (1 min) | others (cores) |"
echo "|---|---|---|---:|---:|---:|---|---|"
for b in $builds; do
	for t in split2 run-split2; do
		for f in "$big" "$large"; do
			c=${cmd[$t]/FILE/--events $dir/ev FILE}
			c=${c/--events \/dev\/null /}
			read -r e _ m l o < <(measure "$(bin "$b")" "$c" "$f")
			p=$(sed -n 's/.*"event":"summary".*"accounted_peak":\([0-9]*\).*/\1/p' "$dir/ev")
			printf '| %s | %s | %s | %.2f | %.1f MiB | %s | %s | %s |\n' "$b" "${label[$t]}" \
				"$(basename "$f")" "$e" "$(awk -v k="$m" 'BEGIN {print k / 1024}')" "$p" "$l" "$o"
		done
	done
done
