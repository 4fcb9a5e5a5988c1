#!/usr/bin/env bash
# bench-table.sh: the README's benchmark table (issue 6). For each size, a
# generated delivery is read from a pipe (cat FILE | tool) by every tool in
# turn, round after round, so a noisy machine hurts all alike; medians of
# seconds and peak RSS (/usr/bin/time). `parse --split` reads the file
# itself: splitting needs random access.
#
#   bench/bench-table.sh [--sizes 100M,1G,10G] [--rounds N] [--dir DIR]
#                        [--skip TOOL,...] BUILD
set -euo pipefail
sizes=100M,1G,10G rounds=3 dir=${TMPDIR:-/tmp}/ddexmon-bench skip=""
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--skip) skip=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	-*) echo "bench-table: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-table: $dm not found (give the build directory)" >&2; exit 1; }
make -C "$build" bench/bare_expat >/dev/null
mkdir -p "$dir" "$build/bench"
cc -O2 "$here/sax2.c" $(pkg-config --cflags --libs libxml-2.0) -o "$build/bench/sax2"

declare -A cmd
cmd[parse]="$dm parse - >/dev/null"
cmd[run]="$dm run --no-records --no-sample-events --events /dev/null -"
cmd[split2]="$dm parse --split 2 FILE >/dev/null"
cmd[expat]="$build/bench/bare_expat -"
cmd[xmllint]="xmllint --stream --noout -"
cmd[sax2]="$build/bench/sax2 -"
cmd[python]="python3 $here/iterparse.py -"
order="parse run split2 expat xmllint sax2 python"
declare -A label=([parse]="ddexmon parse" [run]="ddexmon run --no-records" [split2]="ddexmon parse --split 2 (file)"
	[expat]="bare expat (no handlers)" [xmllint]="xmllint --stream --noout" [sax2]="libxml2 SAX2 (empty handlers)"
	[python]="Python ElementTree.iterparse + clear()")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "| tool | size | MB/s | peak RSS | runs |"
echo "|---|---|---:|---:|---:|"
IFS=, read -ra szs <<<"$sizes"
for size in "${szs[@]}"; do
	f=$dir/gen-$size.xml
	[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
	bytes=$(stat -c %s "$f")
	n=$rounds
	case $size in *G) [ "${size%G}" -ge 10 ] && n=1 ;; esac
	declare -A secs=() rss=()
	for ((r = 0; r < n; r++)); do
		for t in $order; do
			case ",$skip," in *",$t,"*) continue ;; esac
			c=${cmd[$t]//FILE/$f}
			if [ "$t" = split2 ]; then
				/usr/bin/time -o "$dir/t" -f '%e %M' sh -c "exec $c" 2>/dev/null
			else
				cat "$f" | /usr/bin/time -o "$dir/t" -f '%e %M' sh -c "exec $c" 2>/dev/null
			fi
			out=$(tail -n 1 "$dir/t")
			secs[$t]+="${out% *} "
			rss[$t]+="${out#* } "
			echo "  $size round $((r + 1)) $t: $out" >&2
		done
	done
	for t in $order; do
		[ -n "${secs[$t]:-}" ] || continue
		s=$(tr ' ' '\n' <<<"${secs[$t]}" | grep . | median)
		m=$(tr ' ' '\n' <<<"${rss[$t]}" | grep . | median)
		printf '| %s | %s | %.1f | %.1f MB | %d |\n' "${label[$t]}" "$size" \
			"$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')" \
			"$(awk -v k="$m" 'BEGIN {print k / 1024}')" "$n"
	done
	unset secs rss
done
