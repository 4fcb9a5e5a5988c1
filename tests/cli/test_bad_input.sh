#!/bin/sh
# Bad-input suite for `ddexmon parse` (issue 6): hostile and broken inputs
# must each end with one error line naming the file and the position, the
# documented exit code, within 5 s and 64 MB, without a crash, and with the
# records already written still whole JSON lines.
#
# Every input is generated here, at test time, into a private temp dir (or
# streamed through a FIFO): nothing large is committed. Generators live in
# tests/bad/gen_bad.py and are deterministic.
#
# Exit codes of `ddexmon parse` (core/error.h, dm_exit_code; --help, man):
#   0  every file parsed
#   1  usage: bad option or configuration value
#   2  input error: cannot open or read (DM_EIO), not well-formed XML
#      (DM_EXML), not an ERN message (DM_ENOTERN), a parser limit such as
#      max_element_depth or buffer_size (DM_ELIMIT), DOCTYPE entities or an
#      external DTD (DM_EDTD), an invalid record (DM_ERECORD)
#   3  memory: the max_memory budget refused an allocation (DM_ENOMEM)
#   4  some files of several failed (run)
#   130 interrupted
# Anything >= 124 here means a timeout (124, 137) or a crash (128 + signal).
#
# stderr of a failed parse holds exactly two lines: the error,
#   ddexmon: FILE:LINE:COL: message      (a position inside the XML)
#   ddexmon: FILE: byte N: message       (no line applies, e.g. a refused
#                                         read buffer between two chunks)
#   ddexmon: FILE: message               (no byte applies: open, directory)
# and then the run summary ("ddexmon: 1 file (some failed), ...").
#
# Under ASan (detected from the binary) RSS is not meaningful and the run is
# slower: the 64 MB check is skipped and the time limit is relaxed.
set -u

: "${DDEXMON:?DDEXMON must point at the ddexmon binary}"
srcdir=${DM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
fx="$srcdir/tests/fixtures"
GEN="$srcdir/tests/bad/gen_bad.py"

command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 99; }
[ -d "$fx" ] || { echo "fixtures not found at $fx" >&2; exit 99; }
[ -f "$GEN" ] || { echo "generator not found: $GEN" >&2; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dm-bad.XXXXXX") || exit 99
cleanup() { chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

asan=0
if grep -q __asan_init "$DDEXMON" 2>/dev/null; then asan=1; fi
if [ "$asan" = 1 ]; then TMO=30; else TMO=5; fi
RSS_MAX_KB=65536
have_time=0
if [ -x /usr/bin/time ]; then have_time=1; fi

failures=0
cases=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run NAME FILE [parse options...]: parse FILE with a time limit and, off
# ASan, an address-space guard (far above 64 MB: the measured peak RSS is
# what is checked; the guard only stops a runaway from hurting the machine).
run() {
	name=$1 file=$2
	shift 2
	cases=$((cases + 1))
	out="$tmp/$name.out" err="$tmp/$name.err" rss="$tmp/$name.rss"
	rm -f "$rss"
	(
		[ "$asan" = 1 ] || ulimit -v 1048576 2>/dev/null
		if [ "$have_time" = 1 ]; then
			exec timeout -k 2 "$TMO" /usr/bin/time -f %M -o "$rss" $WRAP "$DDEXMON" parse "$@" "$file"
		else
			exec timeout -k 2 "$TMO" $WRAP "$DDEXMON" parse "$@" "$file"
		fi
	) >"$out" 2>"$err"
	rc=$?
}
WRAP=

# stdout must hold only whole, valid JSON records
json_ok() {
	python3 - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], 'rb').read()
if data and not data.endswith(b'\n'):
    sys.exit('last line is incomplete')
for i, line in enumerate(data.splitlines(), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit('line %d is not JSON: %s' % (i, e))
    if not isinstance(o, dict) or 'type' not in o:
        sys.exit('line %d is not a record' % i)
EOF
}

# expect NAME FILE RC FORM REGEX: check the last run.
# FORM is line, byte or none (see the header); REGEX (ERE) must match the
# message. RC 0 means success: only the summary line on stderr.
expect() {
	name=$1 file=$2 want=$3 form=$4 re=$5
	if [ "$rc" -ge 124 ]; then
		fail "$name: crashed or timed out (exit $rc)"
		sed 's/^/    /' "$err" | head -n 5
		return
	fi
	if [ "$rc" != "$want" ]; then
		fail "$name: exit $rc, expected $want"
		sed 's/^/    /' "$err" | head -n 5
	fi
	nlines=$(wc -l <"$err")
	summary=$(tail -n 1 "$err")
	case $summary in
	"ddexmon: 1 file"*) ;;
	*) fail "$name: last stderr line is not the summary: $summary" ;;
	esac
	if [ "$want" = 0 ]; then
		[ "$nlines" = 1 ] || fail "$name: $nlines stderr lines on success, expected the summary only"
	else
		[ "$nlines" = 2 ] || fail "$name: $nlines stderr lines, expected one error line and the summary"
		line1=$(head -n 1 "$err")
		rest=${line1#"ddexmon: $file"}
		if [ "$rest" = "$line1" ]; then
			fail "$name: error does not name the file: $line1"
		else
			case $form in
			line) pat='^:[1-9][0-9]*:[1-9][0-9]*: .' ;;
			byte) pat='^: byte [0-9]+: .' ;;
			none) pat='^: [^0-9 ].' ;;
			esac
			echo "$rest" | grep -Eq "$pat" ||
				fail "$name: error is not 'FILE${form:+ ($form form)}: message': $line1"
			echo "$rest" | grep -Eq "$re" ||
				fail "$name: message does not match /$re/: $line1"
		fi
	fi
	why=$(json_ok "$out" 2>&1) || fail "$name: stdout: $why"
	if [ "$have_time" = 1 ] && [ "$asan" = 0 ] && [ "$rc" -lt 124 ]; then
		kb=$(tail -n 1 "$rss" 2>/dev/null)
		case $kb in
		'' | *[!0-9]*) fail "$name: no peak RSS measured" ;;
		*) [ "$kb" -le "$RSS_MAX_KB" ] || fail "$name: peak RSS $kb KB > $RSS_MAX_KB KB" ;;
		esac
	fi
	echo "ok: $name: exit $rc: $(head -n 1 "$err")"
}

# gen NAME FILE [ARG]: write a generated input to a regular file
gen() {
	python3 "$GEN" "$1" "${3:-}" >"$2" || { fail "generator $1 failed"; return 1; }
}

# stream NAME FIFO [ARG]: start a generator writing into a FIFO; the open
# happens under timeout too, so a reader that never comes cannot hang us
stream() {
	rm -f "$2"
	mkfifo "$2" || { fail "mkfifo $2"; return 1; }
	timeout 60 sh -c 'exec python3 "$0" "$1" "$2" >"$3"' "$GEN" "$1" "${3:-}" "$2" &
	writer=$!
}
reap() { wait "$writer" 2>/dev/null; }

# ---- entities: nothing outside the input is ever read --------------------
secret_file="$tmp/secret.txt"
secret="DM-SECRET-$$-4f1c9e"
echo "$secret" >"$secret_file"
for kind in ext-entity ext-param-entity ext-subset; do
	case $kind in
	ext-entity) re='external entity' ;;
	ext-param-entity) re='external parameter entity' ;;
	ext-subset) re='external DTD subset' ;;
	esac
	for allow in false true; do
		f="$tmp/$kind.xml"
		gen "$kind" "$f" "$secret_file" || continue
		run "$kind-allow-$allow" "$f" --set allow_dtd_entities=$allow
		expect "$kind-allow-$allow" "$f" 2 line "$re"
		if grep -qF "$secret" "$out" "$err"; then
			fail "$kind-allow-$allow: the secret file's content appeared in the output"
		fi
	done
done

# ---- entity expansion bombs ----------------------------------------------
for kind in billion-laughs quadratic; do
	f="$tmp/$kind.xml"
	gen "$kind" "$f" || continue
	run "$kind" "$f"
	expect "$kind" "$f" 2 line 'DOCTYPE declares entity'
	# allowed: the text-run limit (buffer_size) or expat's amplification
	# limit stops it, whichever comes first
	run "$kind-allowed" "$f" --set allow_dtd_entities=true
	expect "$kind-allowed" "$f" 2 line 'buffer_size|amplification'
	# with buffer_size out of the way only expat's protection is left
	run "$kind-allowed-bigbuf" "$f" --set allow_dtd_entities=true --set buffer_size=1024M
	expect "$kind-allowed-bigbuf" "$f" 2 line 'amplification factor'
done

# Attribute values arrive from expat already expanded: a short tag can hold
# megabytes that no raw-token measure sees. buffer_size bounds them like a
# text value (one value, or several that only together pass it).
for kind in attr-entities attr-entities-spread; do
	f="$tmp/$kind.xml"
	gen "$kind" "$f" || continue
	run "$kind" "$f"
	expect "$kind" "$f" 2 line 'DOCTYPE declares entity'
	run "$kind-allowed" "$f" --set allow_dtd_entities=true --set buffer_size=256
	expect "$kind-allowed" "$f" 2 line \
		'^:9:[0-9]+: attribute values longer than buffer_size \(256\) with entities expanded \(set buffer_size=N above 256'
	grep -q '"release"' "$out" && fail "$kind-allowed: the release with the refused tag was printed"
done
# held whole, not cut, when buffer_size allows it
f="$tmp/attr-entities.xml"
run attr-entities-bigbuf "$f" --set allow_dtd_entities=true --set buffer_size=16M
expect attr-entities-bigbuf "$f" 0 line ''
got=$(python3 -c 'import json, sys
print(sum(len(r.get("is_main_release", "")) for r in map(json.loads, open(sys.argv[1]))))' "$out")
[ "$got" = 6553600 ] || fail "attr-entities-bigbuf: attribute of $got bytes, want 6553600"

# ---- sizes: depth, text, attributes (streamed through FIFOs) -------------
f="$tmp/deep-nesting.xml"
stream deep-nesting "$f" && { run deep-nesting "$f"; reap; }
expect deep-nesting "$f" 2 line 'max_element_depth'
# with the depth limit at its maximum, the memory budget must stop expat's
# per-level state cleanly instead
stream deep-nesting "$f" &&
	{ run deep-nesting-budget "$f" --set max_element_depth=1000000 --set max_memory=32M; reap; }
expect deep-nesting-budget "$f" 3 line 'memory limit exceeded'

f="$tmp/big-text.xml"
stream big-text "$f" && { run big-text "$f"; reap; }
expect big-text "$f" 2 line 'text value longer than buffer_size'
f="$tmp/big-text-uncaptured.xml"
stream big-text-uncaptured "$f" && { run big-text-uncaptured "$f"; reap; }
expect big-text-uncaptured "$f" 2 line 'text value longer than buffer_size'

f="$tmp/big-attr.xml"
stream big-attr "$f" && { run big-attr "$f"; reap; }
expect big-attr "$f" 2 line 'tag or token is longer than buffer_size'
# a buffer_size above the budget: expat's buffer growth is refused
stream big-attr "$f" &&
	{ run big-attr-budget "$f" --set buffer_size=64M --set max_memory=32M; reap; }
expect big-attr-budget "$f" 3 byte 'memory limit exceeded'

f="$tmp/many-attrs.xml"
stream many-attrs "$f" && { run many-attrs "$f"; reap; }
expect many-attrs "$f" 2 line 'tag or token is longer than buffer_size'

# ---- a delivery cut short: every record before the cut is printed whole --
for rel in ern43-album.xml ern382-album.xml; do
	src="$fx/$rel"
	[ -f "$src" ] || { fail "fixture missing: $rel"; continue; }
	base=$(basename "$rel" .xml)
	run "$base-full" "$src"
	expect "$base-full" "$src" 0 line ''
	cp "$out" "$tmp/full.out"
	size=$(wc -c <"$src")
	i=1
	while [ $i -le 9 ]; do
		f="$tmp/truncated-$i.xml"
		head -c $((size * i / 10)) "$src" >"$f"
		run "$base-truncated-$i" "$f"
		expect "$base-truncated-$i" "$f" 2 line '.'
		python3 -c 'import sys; a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); sys.exit(0 if b.startswith(a) else 1)' \
			"$out" "$tmp/full.out" ||
			fail "$base-truncated-$i: records are not a prefix of the full parse's"
		i=$((i + 1))
	done
done

# ---- bytes that are not XML ----------------------------------------------
for kind in invalid-utf8 nul-byte; do
	f="$tmp/$kind.xml"
	gen "$kind" "$f" || continue
	run "$kind" "$f"
	expect "$kind" "$f" 2 line 'not well-formed'
	grep -q '"header"' "$out" || fail "$kind: the header before the bad byte was not printed"
done
f="$tmp/garbage.bin"
gen garbage "$f" && { run garbage "$f"; expect garbage "$f" 2 line '.'; }
f="$tmp/junk-after-root.xml"
gen junk-after-root "$f" && { run junk-after-root "$f"; expect junk-after-root "$f" 2 line 'junk after document element'; }

# ---- nothing there -------------------------------------------------------
f="$tmp/empty.xml"
: >"$f"
run empty "$f"
expect empty "$f" 2 line 'empty input'
f="$tmp/whitespace.xml"
printf ' \n\t\r\n  \n' >"$f"
run whitespace "$f"
expect whitespace "$f" 2 line 'no element found'
run devnull /dev/null
expect devnull /dev/null 2 line 'empty input'
mkdir "$tmp/a-directory.xml"
run directory "$tmp/a-directory.xml"
expect directory "$tmp/a-directory.xml" 2 none 'is a directory'
run missing "$tmp/does-not-exist.xml"
expect missing "$tmp/does-not-exist.xml" 2 none 'cannot open: No such file'

# Unreadable: root reads anything, so as root the parse runs as nobody via
# setpriv; where that is impossible the case is skipped (said below).
f="$tmp/unreadable.xml"
cp "$fx/ern41-party-list.xml" "$f"
chmod 000 "$f"
if [ "$(id -u)" != 0 ]; then
	run unreadable "$f"
	expect unreadable "$f" 2 none 'cannot open: Permission denied'
elif command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups "$DDEXMON" --version >/dev/null 2>&1; then
	chmod 755 "$tmp"
	WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups"
	run unreadable "$f"
	WRAP=
	chmod 700 "$tmp"
	expect unreadable "$f" 2 none 'cannot open: Permission denied'
else
	echo "SKIP: unreadable file: running as root and cannot drop to uid 65534 (root reads any file)"
fi

# A FIFO whose writer dies after half the file: EOF mid-document.
src="$fx/ern43-album.xml"
f="$tmp/dying-writer.fifo"
mkfifo "$f"
half=$(($(wc -c <"$src") / 2))
timeout 60 sh -c 'head -c "$0" "$1" >"$2"' "$half" "$src" "$f" &
writer=$!
run dying-writer "$f"
reap
expect dying-writer "$f" 2 line '.'
[ -s "$out" ] || fail "dying-writer: no records before the cut"

# ---- XML that is not DDEX ------------------------------------------------
for kind in not-ddex foreign-ns no-ns; do
	f="$tmp/$kind.xml"
	gen "$kind" "$f" || continue
	run "$kind" "$f"
	expect "$kind" "$f" 2 line 'not a DDEX ERN message'
	[ ! -s "$out" ] || fail "$kind: records printed for a message that is not ERN"
done

# ---- not bad: UTF-16 with a BOM gives the UTF-8 twin's records -----------
for rel in ern43-album.xml ern382-album.xml; do
	src="$fx/$rel"
	[ -f "$src" ] || { fail "fixture missing: $rel"; continue; }
	base=$(basename "$rel" .xml)
	run "$base-utf8" "$src"
	expect "$base-utf8" "$src" 0 line ''
	cp "$out" "$tmp/utf8.out"
	[ -s "$tmp/utf8.out" ] || fail "$base-utf8: no records"
	# the declaration must say UTF-16 (or nothing) once the bytes are
	for enc in UTF-16 UTF-16LE UTF-16BE; do
		f="$tmp/$base.$enc.xml"
		case $enc in
		UTF-16) : >"$f" ;;                      # iconv writes the BOM itself
		UTF-16LE) printf '\377\376' >"$f" ;;
		UTF-16BE) printf '\376\377' >"$f" ;;
		esac
		sed -E "1s/encoding=(['\"])[Uu][Tt][Ff]-8(['\"])/encoding=\\1UTF-16\\2/" "$src" |
			iconv -f UTF-8 -t "$enc" >>"$f" || { fail "iconv to $enc failed"; continue; }
		run "$base-$enc" "$f"
		expect "$base-$enc" "$f" 0 line ''
		cmp -s "$out" "$tmp/utf8.out" ||
			fail "$base-$enc: records differ from the UTF-8 twin's"
	done
done

echo "$cases parses, $failures failures"
[ "$failures" = 0 ]
