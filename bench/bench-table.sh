#!/usr/bin/env bash
# bench-table.sh: the README's side-by-side table, in one run on one file.
# Every tool reads the same generated delivery (the file itself: --split
# needs random access, so all read the file, none a pipe). Rounds
# alternate the tools, so a noisy machine hurts all alike; the table gives
# medians of wall-clock and CPU seconds (user + system) and the largest
# peak RSS (/usr/bin/time). Then each tool runs once under callgrind on a
# smaller file from the same generator: instructions are deterministic,
# so their ratio to bare expat can be compared across commits and
# machines. The load average is printed before and after.
#
#   bench/bench-table.sh [--size 1G] [--rounds 5] [--cg-size 20M] [--no-cg]
#                        [--cg-python] [--dir DIR] [--skip TOOL,...] BUILD
#
# Tools: parse summary run-nr run split2 run-split2 expat xmllint sax2 python.
# Python is left out of callgrind unless --cg-python (minutes under it).
set -euo pipefail
size=1G rounds=5 cgsize=20M cg=1 cgpy=0 dir=${TMPDIR:-/tmp}/ddexmon-bench skip=""
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--cg-size) cgsize=$2; shift 2 ;;
	--no-cg) cg=0; shift ;;
	--cg-python) cgpy=1; shift ;;
	--dir) dir=$2; shift 2 ;;
	--skip) skip=$2; shift 2 ;;
	-h|--help) sed -n '2,16p' "$0"; exit 0 ;;
	-*) echo "bench-table: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-table: $dm not found (give the build directory)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench-table: needs /usr/bin/time" >&2; exit 1; }
make -C "$build" bench/bare_expat >/dev/null
mkdir -p "$dir" "$build/bench"
cc -O2 "$here/sax2.c" $(pkg-config --cflags --libs libxml-2.0) -o "$build/bench/sax2"

big=$dir/gen-$size.xml small=$dir/gen-$cgsize.xml
[ -s "$big" ] || "$dm" gen --size "$size" --seed 1 "$big" 2>/dev/null
[ -s "$small" ] || "$dm" gen --size "$cgsize" --seed 1 "$small" 2>/dev/null

# `run --split` may not exist in this build: a usage error says so
run_split=1
"$dm" run --split 2 --no-records --no-sample-events --events /dev/null "$small" \
	>/dev/null 2>&1 || run_split=0

declare -A cmd label
cmd[parse]="$dm parse FILE >/dev/null"
cmd[summary]="$dm parse --summary-only FILE >/dev/null"
cmd[run-nr]="$dm run --no-records --no-sample-events --events /dev/null FILE"
cmd[run]="$dm run --no-sample-events --events /dev/null FILE >/dev/null"
cmd[split2]="$dm parse --split 2 FILE >/dev/null"
cmd[run-split2]="$dm run --split 2 --no-sample-events --events /dev/null FILE >/dev/null"
cmd[expat]="$build/bench/bare_expat FILE"
cmd[xmllint]="xmllint --stream --noout FILE"
cmd[sax2]="$build/bench/sax2 FILE"
cmd[python]="python3 $here/iterparse.py FILE"
label=([parse]="ddexmon parse" [summary]="ddexmon parse --summary-only"
	[run-nr]="ddexmon run --no-records" [run]="ddexmon run (records)"
	[split2]="ddexmon parse --split 2" [run-split2]="ddexmon run --split 2"
	[expat]="bare expat (no handlers)" [xmllint]="xmllint --stream --noout"
	[sax2]="libxml2 SAX2 (empty handlers)" [python]="Python iterparse + clear()")
order="parse summary run-nr run split2 run-split2 expat xmllint sax2 python"
skipped() {
	case ",$skip," in *",$1,"*) return 0 ;; esac
	[ "$1" = run-split2 ] && [ $run_split = 0 ] && return 0
	return 1
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
declare -A secs=() cpu=() rss=()
for ((r = 1; r <= rounds; r++)); do
	for t in $order; do
		skipped "$t" && continue
		c=${cmd[$t]//FILE/$big}
		/usr/bin/time -o "$dir/t" -f '%e %U %S %M' sh -c "exec $c" 2>/dev/null ||
			{ echo "bench-table: $t failed" >&2; exit 1; }
		read -r e u s m < <(tail -n 1 "$dir/t")
		secs[$t]+="$e " cpu[$t]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
		rss[$t]+="$m "
		echo "  round $r $t: $e s, cpu $u+$s s, $m KB" >&2
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

declare -A ir=()
if [ $cg = 1 ]; then
	for t in $order; do
		skipped "$t" && continue
		[ "$t" = python ] && [ $cgpy = 0 ] && continue
		c=${cmd[$t]//FILE/$small}
		ir[$t]=$(sh -c "exec valgrind --tool=callgrind --callgrind-out-file=/dev/null $c" 2>&1 |
			sed -n 's/.*Collected : //p' | tail -n 1)
		echo "  callgrind $t: ${ir[$t]}" >&2
	done
fi

bytes=$(stat -c %s "$big")
emed=$(tr ' ' '\n' <<<"${secs[expat]:-}" | grep . | median || true)
echo "| tool | median s | MB/s | vs bare expat (s) | median CPU s | peak RSS | Ir ($cgsize) | Ir: bare expat / tool |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for t in $order; do
	if [ "$t" = run-split2 ] && [ $run_split = 0 ]; then
		echo "| ${label[$t]} | n/a (not supported by this build) | | | | | | |"
		continue
	fi
	skipped "$t" && continue
	s=$(tr ' ' '\n' <<<"${secs[$t]}" | grep . | median)
	c=$(tr ' ' '\n' <<<"${cpu[$t]}" | grep . | median)
	m=$(tr ' ' '\n' <<<"${rss[$t]}" | grep . | sort -n | tail -n 1)
	i=${ir[$t]:-}
	printf '| %s | %.2f | %.1f | %s | %.2f | %.1f MiB | %s | %s |\n' "${label[$t]}" "$s" \
		"$(awk -v b="$bytes" -v s="$s" 'BEGIN {print b / 1e6 / s}')" \
		"$([ -n "$emed" ] && awk -v e="$emed" -v s="$s" 'BEGIN {printf "%.2fx", e / s}')" \
		"$c" "$(awk -v k="$m" 'BEGIN {print k / 1024}')" \
		"${i:-—}" \
		"$([ -n "$i" ] && [ -n "${ir[expat]:-}" ] && awk -v e="${ir[expat]}" -v i="$i" 'BEGIN {printf "%.3f", e / i}')"
done
echo "($size file: $bytes bytes, $rounds rounds; callgrind on $cgsize)"
