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
name=bench-ir-split help_lines=2,12
# shellcheck source=bench/ir-common.sh
. "$(dirname "$0")/ir-common.sh"
ir_options "$@"
[ ${#args[@]} -gt 0 ] || args=(parse)
ir_setup callgrind_annotate
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cg() { ir_callgrind "$@" 2>/dev/null; }
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
