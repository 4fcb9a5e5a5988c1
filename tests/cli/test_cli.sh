#!/bin/sh
# Shell tests of the real ddexmon binary: help and version, exit codes,
# JSON lines on stdout, the summary and error lines on stderr, stdin,
# --summary-only, --set errors, profiles, and gen determinism.
#
# Runs on the project's fixtures (tests/fixtures) and gen output. Needs
# $DDEXMON (the binary) and $DM_SRCDIR (the source tree); `make check` sets
# both. python3 checks the JSON.

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to check the JSON output" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
. "$DM_SRCDIR/tests/cli/lib.sh"

# Every line of FILE is a JSON object whose first key is "type"; prints
# "type kind" per record to FILE.types for counting.
check_json() {
	if python3 - "$2" >"$2.types" 2>"$tmp/pyerr" <<'EOF'
import json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    for no, line in enumerate(f, 1):
        if not line.endswith("\n"):
            sys.exit("line %d: no newline at the end" % no)
        obj = json.loads(line)
        if not isinstance(obj, dict) or not obj:
            sys.exit("line %d: not an object" % no)
        first = next(iter(obj))
        if first != "type":
            sys.exit("line %d: first key is %r, not 'type'" % (no, first))
        if obj["type"] not in ("header", "party", "resource", "release", "deal"):
            sys.exit("line %d: unknown type %r" % (no, obj["type"]))
        print(obj["type"], obj.get("kind", "-"))
EOF
	then
		ok "$1"
	else
		not_ok "$1" "$(cat "$tmp/pyerr")"
	fi
}

count() { grep -c -- "^$2\$" "$1.types"; }

fx="$DM_SRCDIR/tests/fixtures"
c382="$fx/ern382-album.xml"
c41="$fx/ern41-party-list.xml"
c33="$fx/ern33-single.xml"
c43="$fx/ern43-album.xml"
cpurge="$fx/ern382-purge.xml"
bad="$fx/bad/cut.xml"
for f in "$c382" "$c41" "$c33" "$c43" "$cpurge" "$bad"; do
	[ -f "$f" ] || { echo "fixture missing: $f" >&2; exit 1; }
done

# ---- help and version ----------------------------------------------------
run "--help" 0 "$DDEXMON" --help
expect "--help lists the parse command" "$tmp/out" '^ +parse '
expect "--help lists the gen command" "$tmp/out" '^ +gen '
expect "--help documents the exit codes" "$tmp/out" '0 ok, 1 usage, 2 input or parse error, 3 memory limit'
run "parse --help" 0 "$DDEXMON" parse --help
expect "parse --help shows usage" "$tmp/out" '^Usage: ddexmon parse'
expect "parse --help documents --summary-only" "$tmp/out" '--summary-only'
expect "parse --help documents the exit codes" "$tmp/out" '0 ok, 1 usage, 2 input or parse error, 3 memory limit'
run "gen --help" 0 "$DDEXMON" gen --help
expect "gen --help shows usage" "$tmp/out" '^Usage: ddexmon gen'
run "--version" 0 "$DDEXMON" --version
expect "--version prints name and version" "$tmp/out" '^ddexmon [0-9]+\.[0-9]+(\.[0-9]+)?'
expect_empty "--version writes nothing to stderr" "$tmp/err"

# ---- usage errors: exit 1 --------------------------------------------------
run "no command" 1 "$DDEXMON"
run "unknown command" 1 "$DDEXMON" frobnicate
expect "unknown command is named" "$tmp/err" "^ddexmon: unknown command 'frobnicate'"
run "unknown option" 1 "$DDEXMON" parse --no-such-option "$c43"
expect_empty "no records after a usage error" "$tmp/out"
run "parse without a file" 1 "$DDEXMON" parse
expect "parse without a file says so" "$tmp/err" '^ddexmon: parse: no input file'
run "unknown --set key" 1 "$DDEXMON" parse --set max_memroy=1G "$c43"
expect "unknown --set key names the option and the key" "$tmp/err" "^ddexmon: --set: unknown key 'max_memroy'"
expect_empty "nothing parsed after a bad --set" "$tmp/out"
run "--set without =" 1 "$DDEXMON" parse --set max_memory "$c43"
expect "--set without = names the option" "$tmp/err" '^ddexmon: --set max_memory: expected key=value'
run "bad --set value" 1 "$DDEXMON" parse --set chunk_size=lots "$c43"
expect "bad --set value names the key" "$tmp/err" "^ddexmon: --set: chunk_size: 'lots' is not a size"
run "bad --chunk-size" 1 "$DDEXMON" parse --chunk-size 0 "$c43"
expect "bad --chunk-size names the key" "$tmp/err" 'chunk_size'
run "gen --size 0" 1 "$DDEXMON" gen --size 0
run "gen --ern 42" 1 "$DDEXMON" gen --ern 42

# ---- every command's --help lists exactly the options it accepts ----------
# The options a --help lists ("  -x, --name VALUE  help" or "  --name ..."),
# one "name letter takes-value" per line.
listed() {
	awk '/^  (-[A-Za-z], )?--[a-z]/ {
		line = substr($0, 3); letter = "-"; value = "-"
		if (line ~ /^-[A-Za-z], /) { letter = substr(line, 2, 1); line = substr(line, 5) }
		sub(/  .*/, "", line)               # the help text, after two spaces
		n = split(line, w, " ")
		name = substr(w[1], 3)
		if (n > 1) value = w[2]
		print name, letter, value
	}' "$1"
}
commands="parse run watch gen tui demo tune profiles report"
: >"$tmp/all-options"
for c in $commands; do
	run "$c --help" 0 "$DDEXMON" $c --help
	cp "$tmp/out" "$tmp/help.$c"
	expect "$c --help: a usage line" "$tmp/help.$c" "^Usage: ddexmon (\\[)?$c"
	expect "$c --help lists -h, --help" "$tmp/help.$c" '^  -h, --help  '
	expect_not "$c --help: no line over 79 columns" "$tmp/help.$c" '^.{80}'
	listed "$tmp/help.$c" >"$tmp/opts.$c"
	cat "$tmp/opts.$c" >>"$tmp/all-options"
	refused=
	while read -r name letter value; do
		[ "$name" = help ] && continue
		v=; [ "$value" = - ] || v=1
		# an accepted option, given back with --help after it: the help, not
		# an error (values are checked by the command, which --help skips)
		if ! "$DDEXMON" $c "--$name" $v --help >"$tmp/o" 2>"$tmp/e" ||
		   [ -s "$tmp/e" ] || ! grep -q '^Usage: ' "$tmp/o"; then
			refused="$refused --$name($(head -c 200 "$tmp/e"))"
		fi
		if [ "$letter" != - ] &&
		   { ! "$DDEXMON" $c "-$letter" $v --help >"$tmp/o" 2>"$tmp/e" || [ -s "$tmp/e" ]; }; then
			refused="$refused -$letter($(head -c 200 "$tmp/e"))"
		fi
	done <"$tmp/opts.$c"
	if [ -z "$refused" ] && [ "$(lines "$tmp/opts.$c")" -gt 1 ]; then
		ok "$c: every option its --help lists is accepted ($(lines "$tmp/opts.$c"))"
	else
		not_ok "$c: every option its --help lists is accepted" "refused:$refused"
	fi
done
# and what another command's --help lists, this one's does not: refused,
# one line naming it (unless it is a prefix of one of its own, which
# getopt_long takes as an abbreviation)
for c in $commands; do
	sort -u "$tmp/all-options" | while read -r name letter value; do
		grep -q "^$name " "$tmp/opts.$c" && continue
		grep -q "^$name" "$tmp/opts.$c" && continue
		"$DDEXMON" $c "--$name" --help >"$tmp/o" 2>"$tmp/e"
		got=$?
		if [ "$got" -ne 1 ] || [ "$(lines "$tmp/e")" -ne 1 ] ||
		   ! grep -Fq "ddexmon: $c: unrecognized option '--$name'" "$tmp/e"; then
			echo "--$name(exit $got: $(head -c 200 "$tmp/e"))"
		fi
		if [ "$letter" != - ] && ! grep -q "^[a-z-]* $letter " "$tmp/opts.$c"; then
			"$DDEXMON" $c "-$letter" --help >"$tmp/o" 2>"$tmp/e"
			got=$?
			[ "$got" -eq 1 ] && grep -Fq "unrecognized option '-$letter'" "$tmp/e" ||
				echo "-$letter(exit $got: $(head -c 200 "$tmp/e"))"
		fi
	done >"$tmp/refused.$c"
	if [ -s "$tmp/refused.$c" ]; then
		not_ok "$c refuses the options its --help does not list" "accepted: $(cat "$tmp/refused.$c")"
	else
		ok "$c refuses the options its --help does not list"
	fi
done
same "the shared configuration options are listed by parse, run, watch, tui, demo and tune" \
	"$(for c in parse run watch tui demo tune; do grep -c '^\(profile\|set\|chunk-size\|split\) ' "$tmp/opts.$c"; done | sort -u)" "4"

# an unknown option: exit 1 and one line naming it, for every command
for c in $commands; do
	run "$c --no-such-option" 1 "$DDEXMON" $c --no-such-option
	same "$c --no-such-option: one line" "$(lines "$tmp/err")" 1
	expect "$c --no-such-option: the line names it" "$tmp/err" \
		"^ddexmon: $c: unrecognized option '--no-such-option' \\(try 'ddexmon $c --help'\\)\$"
done
run "bare ddexmon with an unknown option" 1 "$DDEXMON" --no-such-option
same "bare ddexmon --no-such-option: one line" "$(lines "$tmp/err")" 1
run "a missing value" 1 "$DDEXMON" run --events
expect "a missing value is named" "$tmp/err" "^ddexmon: run: option '--events' needs a value"
run "a value for a flag" 1 "$DDEXMON" run --force=yes "$c43"
expect "a value for a flag is named" "$tmp/err" "^ddexmon: run: option '--force' takes no value"
run "an unknown short option" 1 "$DDEXMON" gen -x
expect "an unknown short option is named" "$tmp/err" "^ddexmon: gen: unrecognized option '-x'"

# --max-frames belongs to the commands that open the dashboard
run "run --max-frames is a usage error" 1 "$DDEXMON" run --max-frames 1 "$c43"
same "run --max-frames: one line" "$(lines "$tmp/err")" 1
expect "run --max-frames: the line names it" "$tmp/err" "^ddexmon: run: unrecognized option '--max-frames'"
expect_empty "run --max-frames: nothing parsed" "$tmp/out"
run "tui --max-frames (headless without a terminal)" 0 "$DDEXMON" tui --max-frames 1 "$c43"
check_json "tui --max-frames headless: records on stdout" "$tmp/out"
run "bare ddexmon --max-frames FILE" 0 "$DDEXMON" --max-frames 1 "$c43"
run "tui --max-frames 0 is a usage error" 1 "$DDEXMON" tui --max-frames 0 "$c43"
run "demo --max-frames (headless)" 0 env TMPDIR="$tmp" "$DDEXMON" demo --max-frames 1 --size 1M
expect "demo --max-frames headless: events on stdout" "$tmp/out" '^\{"event":"start".*"profile":"demo"'

printf '# a profile\nmax_memory = 1G\n\nmax_memroy = 2G\n' >"$tmp/bad.profile"
run "bad key in a profile" 1 "$DDEXMON" parse --profile "$tmp/bad.profile" "$c43"
expect "profile error names file and line" "$tmp/err" "^ddexmon: $tmp/bad.profile:4:.*unknown key 'max_memroy'"
run "missing profile" 1 "$DDEXMON" parse --profile "$tmp/none.profile" "$c43"

# ---- input errors: exit 2 --------------------------------------------------
run "missing file" 2 "$DDEXMON" parse "$tmp/no-such-file.xml"
expect "missing file is named" "$tmp/err" "^ddexmon: $tmp/no-such-file.xml: cannot open: No such file or directory\$"
run "malformed file from bad/" 2 "$DDEXMON" parse "$bad"
expect "the error is one line FILE:LINE:COL: message" "$tmp/err" "^ddexmon: $bad:14:7: unclosed token\$"
if [ "$(grep -Ec '^ddexmon: .*:[0-9]+:[0-9]+: ' "$tmp/err")" -eq 1 ]; then
	ok "exactly one error line"
else
	not_ok "exactly one error line" "$(cat "$tmp/err")"
fi
run "not ERN" 2 "$DDEXMON" parse "$fx/bad/not-ern.xml"
expect "not ERN names the root" "$tmp/err" ':3:1: not a DDEX ERN message: root is \{http://ddex.net/xml/2011/echo/11\}ManifestMessage$'
run "a good and a bad file" 2 "$DDEXMON" parse "$c382" "$bad"
expect "the good file's records still come out" "$tmp/out" '^\{"type":"header".*"message_id":"FX-382-ALBUM-0001"'
expect "the summary says some failed" "$tmp/err" '^ddexmon: 2 files \(some failed\)'

# ---- memory limit: exit 3 ---------------------------------------------------
run "tiny budget" 3 "$DDEXMON" parse --set max_memory=64K "$c43"
expect "tiny budget says memory limit exceeded" "$tmp/err" "^ddexmon: $c43(: byte [0-9]+|:[0-9]+:[0-9]+)?: memory limit exceeded: limit 64.0K"

# ---- JSON lines ---------------------------------------------------------------
for f in "$c382" "$c41" "$c33" "$c43" "$cpurge"; do
	label=$(basename "$f")
	run "parse $label" 0 "$DDEXMON" parse "$f"
	check_json "every line of $label is JSON with \"type\" first" "$tmp/out"
	[ "$(count "$tmp/out" 'header -')" -eq 1 ] && ok "$label: one header" ||
		not_ok "$label: one header" "$(cat "$tmp/out.types")"
	cp "$tmp/out" "$tmp/$label.jsonl"
	cp "$tmp/out.types" "$tmp/$label.types"
done
expect "ERN 4.3 sound recording ISRC" "$tmp/$(basename "$c43").jsonl" '"isrc":"ZZFX12600001"'
expect "UTF-8 text stays UTF-8" "$tmp/$(basename "$c43").jsonl" '"names":\["東京 Strings"\]'
expect "UTF-8 artist names stay UTF-8" "$tmp/$(basename "$c382").jsonl" '"name":"Zoë Marchetti"'

# ---- every fixture: its exit code, its records, its one error line ---------
# (tabs are IFS white space, so empty cells would merge: read it as |)
tr '\t' '|' <"$fx/FIXTURES.tsv" >"$tmp/fixtures.psv"
while IFS='|' read -r file code _ _ _ _ _ _ _ pos msg; do
	[ "$file" = file ] && continue
	f="$fx/$file"
	want=0
	[ "$code" = ok ] || want=2
	run "parse fixture $file" "$want" "$DDEXMON" parse "$f"
	if [ -f "${f%.xml}.jsonl" ]; then
		cmp -s "$tmp/out" "${f%.xml}.jsonl" && ok "$file: stdout is ${file%.xml}.jsonl" ||
			not_ok "$file: stdout is ${file%.xml}.jsonl" "$(diff "$tmp/out" "${f%.xml}.jsonl" | head -c 600)"
	else
		expect_empty "$file: no records" "$tmp/out"
	fi
	if [ "$want" -ne 0 ]; then
		same "$file: the error line" "$(head -n 1 "$tmp/err")" "ddexmon: $f:$pos: $msg"
	fi
done <"$tmp/fixtures.psv"

# the summary: one line on stderr with bytes and per-type counts
run "summary" 0 "$DDEXMON" parse "$c382"
bytes=$(wc -c <"$c382" | tr -d ' ')
expect "summary line on stderr" "$tmp/err" "^ddexmon: 1 file, $bytes bytes in [0-9.]+ s \([0-9.]+ MB/s\): 1 header, 0 party, 4 resource, 3 release, 2 deal records; peak accounted [0-9.]+[BKMG]\$"
[ "$(lines "$tmp/err")" -eq 1 ] && ok "stderr is the one summary line" ||
	not_ok "stderr is the one summary line" "$(cat "$tmp/err")"
cp "$tmp/out" "$tmp/c382.out"

run "--summary-only" 0 "$DDEXMON" parse --summary-only "$c382"
expect_empty "--summary-only prints no records" "$tmp/out"
expect "--summary-only still counts" "$tmp/err" ': 1 header, 0 party, 4 resource, 3 release, 2 deal records'

# ---- stdin and pipes -------------------------------------------------------------
"$DDEXMON" parse - <"$c382" >"$tmp/stdin.out" 2>"$tmp/stdin.err"
st=$?
if [ $st -eq 0 ] && cmp -s "$tmp/stdin.out" "$tmp/c382.out"; then
	ok "parse - reads standard input"
else
	not_ok "parse - reads standard input" "exit $st" "$(head -c 300 "$tmp/stdin.err")"
fi
expect "stdin summary counts the bytes" "$tmp/stdin.err" "^ddexmon: 1 file, $bytes bytes"
cat "$c382" | "$DDEXMON" parse - >"$tmp/pipe.out" 2>/dev/null
if cmp -s "$tmp/pipe.out" "$tmp/c382.out"; then ok "parse - reads a pipe"; else not_ok "parse - reads a pipe"; fi
printf '<a><b></a>' | "$DDEXMON" parse - >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 2 ] && ok "malformed stdin exits 2" || not_ok "malformed stdin exits 2" "exit $st"
expect "stdin errors are named -" "$tmp/err" '^ddexmon: -:1:[0-9]+: '

"$DDEXMON" parse --chunk-size 1 "$c382" >"$tmp/c1.out" 2>/dev/null
if cmp -s "$tmp/c1.out" "$tmp/c382.out"; then ok "--chunk-size 1 gives the same bytes"; else not_ok "--chunk-size 1 gives the same bytes"; fi

# ---- gen ------------------------------------------------------------------------
run "gen to stdout" 0 "$DDEXMON" gen --size 200K --seed 9 -
cp "$tmp/out" "$tmp/g1.xml"
cp "$tmp/err" "$tmp/g1.err"
run "gen again" 0 "$DDEXMON" gen --size 200K --seed 9
if cmp -s "$tmp/out" "$tmp/g1.xml"; then ok "gen: same seed, same bytes"; else not_ok "gen: same seed, same bytes"; fi
run "gen other seed" 0 "$DDEXMON" gen --size 200K --seed 10
if cmp -s "$tmp/out" "$tmp/g1.xml"; then not_ok "gen: other seed, other bytes"; else ok "gen: other seed, other bytes"; fi
run "gen to a file" 0 "$DDEXMON" gen --size 200K --seed 9 "$tmp/g2.xml"
if cmp -s "$tmp/g2.xml" "$tmp/g1.xml"; then ok "gen: file and stdout agree"; else not_ok "gen: file and stdout agree"; fi
expect "gen summary" "$tmp/g1.err" '^ddexmon gen: wrote [0-9]+ bytes, [0-9]+ releases, [0-9]+ track releases, [0-9]+ sound recordings'
size=$(wc -c <"$tmp/g1.xml" | tr -d ' ')
expect "gen summary bytes are the file's" "$tmp/g1.err" "^ddexmon gen: wrote $size bytes"
if [ "$size" -gt 200000 ] && [ "$size" -lt 218000 ]; then ok "gen size is about 200K"; else not_ok "gen size is about 200K" "$size bytes"; fi
run "parse gen output" 0 "$DDEXMON" parse "$tmp/g2.xml"
check_json "gen output parses to JSON lines" "$tmp/out"
rel=$(sed -n 's/.*, \([0-9]*\) releases, \([0-9]*\) track releases, \([0-9]*\) sound recordings, \([0-9]*\) images, \([0-9]*\) release deals.*/\1 \2 \3 \4 \5/p' "$tmp/g1.err")
set -- $rel
if [ "$#" -eq 5 ] && [ "$(count "$tmp/out" 'release Release')" -eq "$1" ] &&
   [ "$(count "$tmp/out" 'release TrackRelease')" -eq "$2" ] &&
   [ "$(count "$tmp/out" 'resource SoundRecording')" -eq "$3" ] &&
   [ "$(count "$tmp/out" 'resource Image')" -eq "$4" ] &&
   [ "$(count "$tmp/out" 'deal -')" -eq "$5" ]; then
	ok "gen counts are what parse finds"
else
	not_ok "gen counts are what parse finds" "gen: $rel" "$(sort "$tmp/out.types" | uniq -c)"
fi
run "gen ern 382" 0 "$DDEXMON" gen --size 100K --ern 382 --seed 2 "$tmp/g382.xml"
run "parse gen ern 382" 0 "$DDEXMON" parse --summary-only "$tmp/g382.xml"
expect "gen 382 is ERN 3.8.2" "$tmp/g382.xml" 'xmlns:ern="http://ddex.net/xml/ern/382"|xmlns="http://ddex.net/xml/ern/382"'

# the defaults take a large delivery: more than a million elements (the old
# default cap stopped a generated file at 52,887,552 bytes), no option
"$DDEXMON" gen --size 60M --seed 4 - 2>/dev/null | "$DDEXMON" parse --summary-only - >"$tmp/out" 2>"$tmp/err"
same "a 60M delivery parses with the defaults" "$?" 0
expect "all of it" "$tmp/err" '^ddexmon: 1 file, 629145[0-9]{2} bytes'
"$DDEXMON" gen --size 1M - 2>/dev/null |
	"$DDEXMON" parse --summary-only --set max_element_count=1000 - >/dev/null 2>"$tmp/err"
same "a cap when set is a limit error" "$?" 2
expect "which names the key to change" "$tmp/err" 'more than max_element_count \(1000\) elements \(set max_element_count=0 for no limit\)'

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
echo "# all $n passed"
exit 0
