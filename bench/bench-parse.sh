#!/usr/bin/env bash
# bench-parse.sh: `ddexmon parse` against bare expat and xmllint on one
# generated delivery, interleaved in the same run so that a noisy machine
# hurts all three alike. Prints a Markdown table of medians.
#
#   bench/bench-parse.sh [--size SIZE] [--rounds N] [--file FILE] [BUILD]
#
# BUILD (or $BUILD, default .) is a configured build directory in which
# `make ddexmon bench/bare_expat` has been run.
set -euo pipefail

usage() {
	cat <<'EOF'
Usage: bench/bench-parse.sh [OPTIONS] [BUILD]

Times `ddexmon parse FILE > /dev/null`, `bench/bare_expat FILE` and
`xmllint --stream --noout FILE` on the same generated ERN delivery,
alternating the three in every round, and prints median wall-clock
seconds, MB/s (10^6 bytes per second), peak RSS, the ratio ddexmon / bare
expat, and median CPU seconds (user + system), which a busy machine
disturbs less than wall-clock time.

  --size SIZE    size of the generated delivery (default 1G)
  --seed N       generator seed (default 1)
  --rounds N     rounds of the three programs (default 3, at least 3)
  --file FILE    use FILE if it exists, otherwise generate it there and
                 keep it (default: a temporary file, removed at the end)
  --no-xmllint   leave xmllint out
  -h, --help     this help

BUILD is the build directory holding ddexmon and bench/bare_expat
(also $BUILD; default: the current directory). Build them with
  make ddexmon bench/bare_expat
EOF
}

size=1G seed=1 rounds=3 file="" use_xmllint=1
build=${BUILD:-.}
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=${2:?--size needs a value}; shift 2 ;;
	--size=*) size=${1#*=}; shift ;;
	--seed) seed=${2:?--seed needs a value}; shift 2 ;;
	--seed=*) seed=${1#*=}; shift ;;
	--rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
	--rounds=*) rounds=${1#*=}; shift ;;
	--file) file=${2:?--file needs a value}; shift 2 ;;
	--file=*) file=${1#*=}; shift ;;
	--no-xmllint) use_xmllint=0; shift ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "bench-parse: unknown option '$1'" >&2; usage >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done

die() { echo "bench-parse: $*" >&2; exit 1; }

case $rounds in ''|*[!0-9]*) die "--rounds: '$rounds' is not a number" ;; esac
[ "$rounds" -ge 3 ] || die "--rounds: at least 3 rounds, for a median worth the name"
ddexmon=$build/ddexmon
bare=$build/bench/bare_expat
[ -x "$ddexmon" ] || die "$ddexmon not found: give the build directory (BUILD=... or an argument)"
[ -x "$bare" ] || die "$bare not found: run 'make bench/bare_expat' in $build"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package 'time')"
if [ "$use_xmllint" = 1 ] && ! command -v xmllint >/dev/null; then
	echo "bench-parse: xmllint not found (Debian package libxml2-utils); leaving it out" >&2
	use_xmllint=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -z "$file" ]; then
	file=$tmp/delivery.xml
fi
if [ ! -f "$file" ]; then
	echo "bench-parse: generating $size (seed $seed) into $file" >&2
	"$ddexmon" gen --size "$size" --seed "$seed" "$file"
fi
bytes=$(stat -c %s "$file")

parse_cmd=("$ddexmon" parse "$file")
bare_cmd=("$bare" "$file")
xmllint_cmd=(xmllint --stream --noout "$file")

tools=(ddexmon bare)
[ "$use_xmllint" = 1 ] && tools+=(xmllint)

# run TOOL ROUND: one timed run; appends "wall-seconds kilobytes cpu-seconds"
# to $tmp/TOOL
run() {
	local tool=$1 out=$tmp/$1.time log=$tmp/$1.log cmd
	case $tool in
	ddexmon) cmd=("${parse_cmd[@]}") ;;
	bare) cmd=("${bare_cmd[@]}") ;;
	xmllint) cmd=("${xmllint_cmd[@]}") ;;
	esac
	if ! /usr/bin/time -f '%e %M %U %S' -o "$out" "${cmd[@]}" >/dev/null 2>"$log"; then
		cat "$log" "$out" >&2
		die "$tool failed on $file"
	fi
	local s kb us ss cpu
	read -r s kb us ss < <(tail -n 1 "$out")
	cpu=$(awk -v u="$us" -v s="$ss" 'BEGIN { printf "%.2f", u + s }')
	echo "$s $kb $cpu" >>"$tmp/$tool"
	printf '  round %d  %-8s %6s s  %6s s CPU  %7s KB\n' "$2" "$tool" "$s" "$cpu" "$kb" >&2
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-parse: $(nproc) cores, load $load_start at start, $bytes bytes, $rounds rounds" >&2
n=${#tools[@]}
for ((r = 1; r <= rounds; r++)); do
	# rotate the order every round so no program always runs first
	for ((i = 0; i < n; i++)); do
		run "${tools[(i + r - 1) % n]}" "$r"
	done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A secs rss cpu
for t in "${tools[@]}"; do
	secs[$t]=$(cut -d' ' -f1 "$tmp/$t" | median)
	cpu[$t]=$(cut -d' ' -f3 "$tmp/$t" | median)
	rss[$t]=$(cut -d' ' -f2 "$tmp/$t" | sort -n | tail -n 1)
done

expat_version=$(pkg-config --modversion expat 2>/dev/null || echo "?")
printf '\n%s UTC, %s cores, expat %s, %s bytes, median of %d interleaved rounds, load average %s at start, %s at end\n\n' \
	"$(date -u '+%Y-%m-%d %H:%M')" "$(nproc)" "$expat_version" "$bytes" "$rounds" "$load_start" "$load_end"
printf '| program | median s | MB/s | peak RSS (MiB) | vs bare expat | median CPU s |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
# shellcheck disable=SC2016 # backquotes are Markdown, not shell
label() {
	case $1 in
	ddexmon) echo '`ddexmon parse FILE > /dev/null`' ;;
	bare) echo '`bench/bare_expat FILE` (no handlers)' ;;
	xmllint) echo '`xmllint --stream --noout FILE`' ;;
	esac
}
for t in "${tools[@]}"; do
	awk -v name="$(label "$t")" -v s="${secs[$t]}" -v kb="${rss[$t]}" -v b="$bytes" -v bs="${secs[bare]}" -v c="${cpu[$t]}" \
		'BEGIN { printf "| %s | %.2f | %.1f | %.1f | %.2f× | %.2f |\n", name, s, b / 1e6 / s, kb / 1024, bs / s, c }'
done
awk -v d="${secs[ddexmon]}" -v b="${secs[bare]}" -v dc="${cpu[ddexmon]}" -v bc="${cpu[bare]}" -v kb="${rss[ddexmon]}" 'BEGIN {
	r = b / d
	printf "\nddexmon / bare expat throughput: %.2f by wall clock, %.2f by CPU time (target >= 0.90: %s); ddexmon peak RSS %.1f MiB (target <= 8 MB: %s)\n",
		r, bc / dc, (r >= 0.90 ? "met" : "NOT met"), kb / 1024, (kb / 1024 <= 8 ? "met" : "NOT met") }'
