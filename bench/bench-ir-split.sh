#!/usr/bin/env bash
# bench-ir-split.sh: where ddexmon's instructions above bare expat go, by
# part, for one command on one generated file (callgrind, deterministic as
# in bench-ir.sh: fixed hash salt, sampler and detector once an hour).
#
#   bench/bench-ir-split.sh [--size 20M] [--dir DIR] BUILD [-- DDEXMON-ARGS...]
#
# Prints the total, bare expat's total, and the difference split into:
# expat's own functions against the same functions in bare expat (its
# handler dispatch), ddexmon's code by source file (self cost, inlined
# headers under the header), libc against bare expat's, and the rest
# (start-up, threads, the dynamic loader). Default command: parse.
set -euo pipefail
size=20M dir=${TMPDIR:-/tmp}/ddexmon-bench build=${BUILD:-.}
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	--) shift; args=("$@"); break ;;
	-*) echo "bench-ir-split: unknown option $1" >&2; exit 1 ;;
	*) build=$1; shift ;;
	esac
done
[ ${#args[@]} -gt 0 ] || args=(parse)
here=$(cd "$(dirname "$0")" && pwd)
dm=$build/ddexmon
[ -x "$dm" ] || { echo "bench-ir-split: $dm not found (give the build directory)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "bench-ir-split: needs valgrind" >&2; exit 1; }
make -C "$build" bench/bare_expat >/dev/null
mkdir -p "$dir"
cc -O2 -shared -fPIC "$here/fixsalt.c" -o "$dir/fixsalt.so"
f=$dir/gen-$size.xml
[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
quiet=(--set sample_interval=1h --set leak_interval=1h --set trend_window=3h --set leak_window=4h)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cg() {
	LD_PRELOAD=$dir/fixsalt.so valgrind --tool=callgrind --callgrind-out-file="$1" "${@:2}" \
		>/dev/null 2>&1
}
cg "$out/bare" "$build/bench/bare_expat" "$f"
cg "$out/dm" "$dm" "${args[@]}" "${quiet[@]}" "$f"
# self cost by function, one "object<TAB>function<TAB>Ir" line each
flat() {
	callgrind_annotate --auto=no --threshold=100 --show-percs=no "$1" 2>/dev/null |
		awk '/^-+$/ {sep++; next}
		     sep >= 3 && /^ *[0-9,]+ / && !/PROGRAM TOTALS/ {
			n = $1; gsub(",", "", n); $1 = ""; sub(/^ +/, "")
			obj = "?"; if (match($0, /\[[^]]*\]$/)) obj = substr($0, RSTART + 1, RLENGTH - 2)
			fn = $0; sub(/ \[[^]]*\]$/, "", fn)
			print obj "\t" fn "\t" n }'
}
flat "$out/bare" >"$out/bare.tsv"
flat "$out/dm" >"$out/dm.tsv"
total() { callgrind_annotate "$1" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,; }
awk -F'\t' -v bare="$(total "$out/bare")" -v all="$(total "$out/dm")" -v cmd="${args[*]}" '
	FNR == NR { if ($1 ~ /libexpat/) be[$2] += $3; else if ($1 ~ /libc\.so/) blibc += $3; next }
	{
		if ($1 ~ /libexpat/) { ex[$2] += $3; next }
		if ($1 ~ /libc\.so/) { libc += $3; next }
		file = $2; sub(/:.*/, "", file)
		if ($1 ~ /\/ddexmon$/ || $1 == "?" && file ~ /\.[ch]$/) {
			sub(/^.*\/(core|src|tui)\//, "", file)
			own[file] += $3; owntot += $3
		} else rest += $3
	}
	END {
		for (f in ex) exd += ex[f] - be[f]
		for (f in be) if (!(f in ex)) exd -= be[f]
		printf "ddexmon %s: %.1f M Ir; bare expat %.1f M (%.3fx); difference %.1f M\n",
		       cmd, all / 1e6, bare / 1e6, bare / all, (all - bare) / 1e6
		printf "  %-28s %8.1f M\n", "expat dispatch (vs bare)", exd / 1e6
		printf "  %-28s %8.1f M\n", "ddexmon code (self)", owntot / 1e6
		n = 0; for (f in own) keys[++n] = f
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (own[keys[j]] > own[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
		for (i = 1; i <= n && own[keys[i]] >= 0.5e6; i++)
			printf "    %-26s %8.1f M\n", keys[i], own[keys[i]] / 1e6
		printf "  %-28s %8.1f M\n", "libc (vs bare)", (libc - blibc) / 1e6
		printf "  %-28s %8.1f M\n", "the rest", rest / 1e6
	}' "$out/bare.tsv" "$out/dm.tsv"
