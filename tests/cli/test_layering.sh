#!/bin/sh
# The layers' boundaries, checked on the sources: core/ includes nothing
# of tui/ or src/ and nothing of curses; tui/ includes nothing of src/,
# none of core's private headers (core/*_int.h) and, through everything it
# includes, neither expat nor the XML parser; src/ includes none of core's
# private headers either. Includes are followed transitively, so a public
# header that starts pulling in a private one fails too. Then the check
# is shown to fail: each kind of violation is planted in a copy.
set -u
: "${DM_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$DM_SRCDIR/tests/cli/lib.sh"

# check_tree DIR: prints one line per violation; status 1 if any
check_tree() (
cd "$1" || exit 99
# file TAB included TAB q|a  (q: "quoted", a: <angled>)
find core tui src -name '*.[ch]' | sort >"$tmp/files"
awk '/^[ \t]*#[ \t]*include[ \t]*["<]/ {
	s = $0
	sub(/^[ \t]*#[ \t]*include[ \t]*/, "", s)
	kind = substr(s, 1, 1) == "\"" ? "q" : "a"
	s = substr(s, 2)
	sub(/[">].*/, "", s)
	print FILENAME "\t" s "\t" kind
}' $(cat "$tmp/files") >"$tmp/includes"

awk -F '\t' '
function layer(path) { sub(/\/.*/, "", path); return path }
function dir(path) { sub(/\/[^\/]*$/, "", path); return path }
function exists(path) { return path in known }
# Where a quoted include from file f resolves: next to f, then along the
# include path of the part f is compiled in (core, then tui, then src).
function resolve(f, inc,   d, cand, i, n, parts) {
	d = dir(f)
	cand = d "/" inc
	while (cand ~ /[^\/]+\/\.\.\//)
		sub(/[^\/]+\/\.\.\//, "", cand)
	if (exists(cand))
		return cand
	n = split("core tui src", parts, " ")
	for (i = 1; i <= n; i++)
		if (exists(parts[i] "/" inc))
			return parts[i] "/" inc
	return ""
}
function bad(msg) { print msg; fails++ }
function visit(origin, f, chain,   i, inc, r, L) {
	if ((origin, f) in seen)
		return
	seen[origin, f] = 1
	L = layer(origin)
	for (i = 1; i <= nq[f]; i++) {
		inc = q[f, i]
		if (inc == "config.h")
			continue
		r = resolve(f, inc)
		if (r == "") {
			bad(chain " includes \"" inc "\", which is in no layer")
			continue
		}
		if (L == "core" && layer(r) != "core")
			bad(chain " -> " r ": the core includes nothing outside core/")
		if (L == "tui" && layer(r) == "src")
			bad(chain " -> " r ": the dashboard includes nothing of the program")
		if (L != "core" && r ~ /^core\/.*_int\.h$/)
			bad(chain " -> " r ": private to core/")
		if (L == "tui" && (r == "core/parser.h" || r == "core/ern.h"))
			bad(chain " -> " r ": the dashboard does not parse XML")
		visit(origin, r, chain " -> " r)
	}
	for (i = 1; i <= na[f]; i++) {
		inc = a[f, i]
		if (L == "core" && inc ~ /^n?curses/)
			bad(chain " includes <" inc ">: the core knows nothing of curses")
		if (L == "tui" && (inc == "expat.h" || inc ~ /^libproc2\//))
			bad(chain " includes <" inc ">: not for the dashboard")
	}
}
{
	known[$1] = 1
	if ($3 == "q") q[$1, ++nq[$1]] = $2
	else a[$1, ++na[$1]] = $2
}
END {
	# files with no include at all are still files
	while ((getline line < "/dev/stdin") > 0) known[line] = 1
	for (f in known)
		if (f ~ /\.c$/ || f ~ /\.h$/) visit(f, f, f)
	checked = 0
	for (f in known) checked++
	if (checked < 20) { print "only " checked " sources found"; fails++ }
	if (fails) exit 1
}' "$tmp/includes" <"$tmp/files"
)

if check_tree "$DM_SRCDIR" >"$tmp/report"; then
	ok "core/, tui/ and src/ keep to their layers"
else
	not_ok "layering" "$(cat "$tmp/report")"
fi

# plant FILE LINE WHAT: a copy of the tree with LINE added to FILE must fail
plant() {
	rm -rf "$tmp/tree"
	mkdir "$tmp/tree"
	(cd "$DM_SRCDIR" && cp -R core tui src "$tmp/tree/")
	printf '%s\n' "$2" >>"$tmp/tree/$1"
	if check_tree "$tmp/tree" >"$tmp/report"; then
		not_ok "caught: $3" "$2 in $1 went unnoticed"
	else
		ok "caught: $3"
	fi
}
plant tui/layout.c '#include "session_int.h"' "tui/ including a private core header"
plant src/cli.c '#include "../core/session_int.h"' "src/ including a private core header by path"
plant core/error.c '#include "dashboard.h"' "core/ including a tui/ header"
plant core/buf.h '#include "sink.h"' "core/ including a src/ header"
plant tui/fmt.c '#include "cli.h"' "tui/ including a src/ header"
plant core/trend.c '#include <curses.h>' "core/ including curses"
plant core/trend.h '#include <expat.h>' "a public header the dashboard sees pulling in expat"
plant core/event.h '#include "acct_int.h"' "a public header pulling in a private one"
plant tui/model.c '#include "parser.h"' "tui/ including the XML parser"

echo "1..$n"
exit $((failures > 0))
