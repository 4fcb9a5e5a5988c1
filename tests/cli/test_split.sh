#!/bin/sh
# --split N: the output must be byte-identical to the one-thread parse for
# every fixture (split into small segments so that even small files are cut
# in many places; test_corpus.sh does the same for the corpus) and for
# generated files of several sizes; files that cannot be split safely fall
# back to one thread and say so.
set -u
: "${DDEXMON:?}" "${DM_SRCDIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
checked=0
split_ok=0

same() { # file segment-size workers
	"$DDEXMON" parse "$1" >"$tmp/one" 2>"$tmp/one.err"
	r1=$?
	DDEXMON_SPLIT_SEGMENT=$2 "$DDEXMON" parse --split "$3" "$1" >"$tmp/two" 2>"$tmp/two.err"
	r2=$?
	checked=$((checked + 1))
	if [ "$r1" != "$r2" ] || ! cmp -s "$tmp/one" "$tmp/two"; then
		echo "FAIL: $1 (segment $2, $3 threads): exit $r1 vs $r2 or output differs"
		fail=1
	fi
	grep -q "parsed on one thread" "$tmp/two.err" || split_ok=$((split_ok + 1))
}

fx="$DM_SRCDIR/tests/fixtures"
nfx=0
while IFS='	' read -r file _; do
	[ "$file" = file ] && continue
	[ -f "$fx/$file" ] || { echo "FAIL: fixture missing: $file"; fail=1; continue; }
	nfx=$((nfx + 1))
	same "$fx/$file" 300 2
	same "$fx/$file" 1024 3
done <"$fx/FIXTURES.tsv"
[ "$nfx" -ge 12 ] || { echo "FAIL: only $nfx fixtures"; fail=1; }

for size in 300K 3M 12M; do
	for ern in 43 382; do
		"$DDEXMON" gen --size "$size" --seed 7 --ern "$ern" "$tmp/gen.xml" 2>/dev/null || { echo "FAIL: gen"; fail=1; }
		same "$tmp/gen.xml" 65536 2
		same "$tmp/gen.xml" 1000000 2
	done
done
echo "checked $checked parses; $split_ok of them really split"
[ "$split_ok" -gt $((checked / 2)) ] || { echo "FAIL: too few files were split ($split_ok)"; fail=1; }

# a real split of a generated file at the default segment sizes
"$DDEXMON" gen --size 12M --seed 3 "$tmp/big.xml" 2>/dev/null
"$DDEXMON" parse --split 2 "$tmp/big.xml" >"$tmp/a" 2>"$tmp/a.err" || { echo "FAIL: split parse"; fail=1; }
grep -q "one thread" "$tmp/a.err" && { echo "FAIL: 12M file not split: $(cat "$tmp/a.err")"; fail=1; }
"$DDEXMON" parse "$tmp/big.xml" >"$tmp/b" 2>/dev/null
cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: 12M split output differs"; fail=1; }

# a pipe cannot be split: one thread, said so, same records
"$DDEXMON" parse --split 2 - <"$tmp/big.xml" >"$tmp/c" 2>"$tmp/c.err"
grep -q "parsed on one thread (not a regular file)" "$tmp/c.err" || { echo "FAIL: no fallback note for a pipe"; fail=1; }
cmp -s "$tmp/b" "$tmp/c" || { echo "FAIL: pipe output differs"; fail=1; }

# a DOCTYPE: one thread, said so
{ printf '<?xml version="1.0"?>\n<!DOCTYPE x>\n'; tail -n +2 "$tmp/big.xml"; } >"$tmp/dt.xml"
DDEXMON_SPLIT_SEGMENT=65536 "$DDEXMON" parse --split 2 "$tmp/dt.xml" >"$tmp/d" 2>"$tmp/d.err"
grep -q "DOCTYPE present" "$tmp/d.err" || { echo "FAIL: no DOCTYPE fallback note: $(cat "$tmp/d.err")"; fail=1; }

# a comment spanning a candidate split point: verified, falls back, same output
python3 - "$tmp/big.xml" "$tmp/cm.xml" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
i = data.index(b'<SoundRecording>', len(data) // 2)
j = data.index(b'</SoundRecording>', i) + len(b'</SoundRecording>')
k = data.index(b'<SoundRecording>', j)
k2 = data.index(b'</SoundRecording>', k) + len(b'</SoundRecording>')
# comment out two whole records: the second's start tag is a candidate
open(sys.argv[2], 'wb').write(data[:i] + b'<!--' + data[i:k2].replace(b'--', b'__') + b'-->' + data[k2:])
PY
"$DDEXMON" parse "$tmp/cm.xml" >"$tmp/e1" 2>/dev/null
for seg in 1000 4096 65536; do
	DDEXMON_SPLIT_SEGMENT=$seg "$DDEXMON" parse --split 2 "$tmp/cm.xml" >"$tmp/e2" 2>/dev/null
	cmp -s "$tmp/e1" "$tmp/e2" || { echo "FAIL: comment across a split point (segment $seg)"; fail=1; }
done

# a malformed file: the same error, the same records before it
cp "$tmp/big.xml" "$tmp/bad.xml"
python3 - "$tmp/bad.xml" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
i = d.index(b'</Release>', len(d) * 2 // 3)
d[i + 2:i + 9] = b'Relexxx'
open(p, 'wb').write(bytes(d))
PY
"$DDEXMON" parse "$tmp/bad.xml" >"$tmp/f1" 2>"$tmp/f1.err"; r1=$?
"$DDEXMON" parse --split 2 "$tmp/bad.xml" >"$tmp/f2" 2>"$tmp/f2.err"; r2=$?
[ "$r1" = 2 ] && [ "$r2" = 2 ] || { echo "FAIL: malformed exit codes $r1 $r2"; fail=1; }
cmp -s "$tmp/f1" "$tmp/f2" || { echo "FAIL: records before the error differ"; fail=1; }
grep -q "mismatched tag" "$tmp/f2.err" || { echo "FAIL: split error message: $(cat "$tmp/f2.err")"; fail=1; }

# run: --split is the same session parsing the file on several threads;
# records byte-identical to one thread, the split said in FILE_DONE
run_same() { # file workers
	"$DDEXMON" run --force --split "$2" --events "$tmp/rev" "$1" >"$tmp/r2" 2>"$tmp/r2.err"
	r=$?
	"$DDEXMON" parse "$1" >"$tmp/r1" 2>/dev/null
	p=$?
	[ "$r" = "$p" ] || { echo "FAIL: run --split $2 $1: exit $r, parse $p"; fail=1; }
	cmp -s "$tmp/r1" "$tmp/r2" || { echo "FAIL: run --split $2 $1: records differ"; fail=1; }
}
run_same "$tmp/big.xml" 2
grep -q '"event":"file_done".*"segments":[2-9]' "$tmp/rev" ||
	{ echo "FAIL: run --split: the 12M file was not parsed in segments"; fail=1; }
grep -q '"event":"note".*parsed on one thread' "$tmp/rev" && { echo "FAIL: run --split fell back on the 12M file"; fail=1; }
run_same "$tmp/bad.xml" 2
run_same "$tmp/cm.xml" 3
n=0
while IFS='	' read -r file _; do
	[ "$file" = file ] && continue
	[ -f "$DM_CORPUS/$file" ] || continue
	n=$((n + 1))
	[ $((n % 8)) = 0 ] || continue   # a sample of the corpus: each run starts a session
	DDEXMON_SPLIT_SEGMENT=2048 run_same "$DM_CORPUS/$file" 2
done <"$DM_CORPUS/MANIFEST.tsv"
# split_workers from a profile key is the same as --split
"$DDEXMON" run --force --set split_workers=2 --no-records --events "$tmp/rev" "$tmp/big.xml" 2>/dev/null ||
	{ echo "FAIL: run --set split_workers=2"; fail=1; }
grep -q '"split_workers":"2"' "$tmp/rev" || { echo "FAIL: split_workers not in the start event"; fail=1; }
exit $fail
