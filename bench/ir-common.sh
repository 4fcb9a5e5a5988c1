# shellcheck shell=bash disable=SC2034,SC2154
# (the variables are the sourcing script's: it sets name and help_lines, uses the rest)
# ir-common.sh: what bench-ir.sh, bench-ir-split.sh and bench-json.sh
# share, sourced by them: their options, the files, and a callgrind run
# that repeats (expat's hash salt fixed by bench/fixsalt.c, preloaded; the
# sampler and leak detector woken once an hour, since they wake by
# wall-clock time and under callgrind a run takes about 50 times longer).
#
# The script sets `name` and `help_lines` (the sed range of its usage
# comment) and calls ir_options "$@", then ir_setup. After them: $build,
# $dm, $f (the generated file), quiet (an array of --set options), args
# (what followed a `--`), and ir_callgrind OUT CMD... (OUT: a callgrind
# output file, or /dev/null; the command's stdout and stderr go nowhere,
# valgrind's summary to the caller's stderr).

ir_options() {
	size=20M dir=${TMPDIR:-/tmp}/ddexmon-bench build=${BUILD:-.}
	args=()
	while [ $# -gt 0 ]; do
		case $1 in
		--size) size=$2; shift 2 ;;
		--dir) dir=$2; shift 2 ;;
		-h|--help) sed -n "${help_lines}p" "$0"; exit 0 ;;
		--) shift; args=("$@"); break ;;
		-*) echo "$name: unknown option $1" >&2; exit 1 ;;
		*) build=$1; shift ;;
		esac
	done
}

# ir_setup [TOOL...]: the build, the tools (valgrind and any named), bare
# expat built, the salt shim, the file generated once.
ir_setup() {
	local here t
	here=$(cd "$(dirname "$0")" && pwd)
	dm=$build/ddexmon
	[ -x "$dm" ] || { echo "$name: $dm not found (give the build directory)" >&2; exit 1; }
	for t in valgrind "$@"; do
		command -v "$t" >/dev/null || { echo "$name: needs $t" >&2; exit 1; }
	done
	make -C "$build" bench/bare_expat >/dev/null
	mkdir -p "$dir"
	cc -O2 -shared -fPIC "$here/fixsalt.c" -o "$dir/fixsalt.so"
	f=$dir/gen-$size.xml
	[ -s "$f" ] || "$dm" gen --size "$size" --seed 1 "$f" 2>/dev/null
	quiet=(--set sample_interval=1h --set leak_interval=1h --set trend_window=3h --set leak_window=4h)
}

ir_callgrind() {
	LD_PRELOAD=$dir/fixsalt.so valgrind --tool=callgrind --callgrind-out-file="$1" "${@:2}" \
		>/dev/null
}
