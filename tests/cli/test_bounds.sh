#!/bin/sh
# Bounds that hold whatever the input's shape: the JSON of one huge record
# is charged to max_memory (parse and run), --split memory does not grow
# with the distance between split points, a silent pipe or a FIFO nobody
# opens does not keep SIGINT/SIGTERM from ending a run, and neither does a
# long directory walk. Every input is generated here; every command runs
# under a time bound and a peak-memory bound (bounded, lib.sh).
set -u
: "${DDEXMON:?}"
tmp=$(mktemp -d)
holder=
trap '[ -n "$holder" ] && kill $holder 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

need_bounded
command -v python3 >/dev/null || { echo "1..0 # SKIP needs python3"; exit 77; }
cd "$tmp" || exit 1

# the accounted peak of a parse, in bytes, from its summary line
peak() {
	sed -n 's/.*peak accounted \([0-9.]*\)\([KMG]*\)$/\1 \2/p' "$1" | tail -n 1 |
		awk '{ m = $2 == "K" ? 1024 : $2 == "M" ? 1048576 : $2 == "G" ? 1073741824 : 1; printf "%d\n", $1 * m }'
}

# ---- one record whose JSON alone is past the budget ---------------------
# 40 deals of one ReleaseDeal, each a 1 MB TerritoryCode: accepted with
# buffer_size=2M, about 40 MB of input and more of JSON, one record.
python3 - <<'PY' || not_ok "generating the 40 MB record"
w = open("huge.xml", "w")
w.write('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n'
        '<MessageHeader><MessageId>M1</MessageId></MessageHeader>\n'
        '<DealList><ReleaseDeal><DealReleaseReference>R1</DealReleaseReference>\n')
v = "A" * (1 << 20)
for i in range(40):
    w.write('<Deal><DealTerms><TerritoryCode>%s</TerritoryCode>'
            '<CommercialModelType>SubscriptionModel</CommercialModelType></DealTerms></Deal>\n' % v)
w.write('</ReleaseDeal></DealList>\n</ern:NewReleaseMessage>\n')
PY
MAXKB=${DM_BOUNDS_MAXKB:-200000}
bounded "parse: one 40 MB-record under max_memory=80M is refused" 3 60 \
	"$DDEXMON" parse --set max_memory=80M --set buffer_size=2M huge.xml
expect "parse: the memory-limit line names the file" "$tmp/err" \
	'^ddexmon: huge\.xml:[0-9]+:[0-9]+: memory limit exceeded: limit 80\.0M'
same "parse: one error line (and the summary)" "$(grep -vc '^ddexmon: 1 file' "$tmp/err")" 1
json_lines "parse: records written are whole lines" "$tmp/out"
expect_not "parse: the deal record is not written" "$tmp/out" '"type":"deal"'
expect "parse: nor counted in the summary" "$tmp/err" ' 0 deal records'

bounded "run --force: one 40 MB-record under max_memory=80M is refused" 3 60 \
	"$DDEXMON" run --force --set max_memory=80M --set buffer_size=2M --events ev.jsonl huge.xml
expect "run: the error event is the memory limit, naming the file" ev.jsonl \
	'"event":"error".*"file":"huge\.xml".*"code":"memory limit exceeded"'
json_lines "run: records written are whole lines" "$tmp/out"
json_lines "run: events are whole lines" ev.jsonl
expect_not "run: the deal record is not written" "$tmp/out" '"type":"deal"'
expect "run: nor counted in the summary" ev.jsonl '"event":"summary".*"deal":0'

# ---- --split: memory bounded by the segment, not by the gap --------------
# SoundRecordings 12 MB apart among Software resources; then the same with
# resources of a kind that is no split point at all.
cat >gen.py <<'PY'
import sys
out, total, every, kind = sys.argv[1], int(sys.argv[2]) << 20, int(sys.argv[3]) << 20, sys.argv[4]
w = open(out, "w")
w.write('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n'
        '<MessageHeader><MessageId>M1</MessageId></MessageHeader>\n<ResourceList>\n')
n = 0
since = every
while w.tell() < total:
    if since >= every:
        w.write('<SoundRecording><ResourceReference>A%d</ResourceReference>'
                '<SoundRecordingId><ISRC>QZ0000%07d</ISRC></SoundRecordingId></SoundRecording>\n' % (n, n))
        since = 0
    s = ('<%s><ResourceReference>S%d</ResourceReference><%sType>Game</%sType>'
         '<DisplayTitleText>Tool number %d</DisplayTitleText></%s>\n' % (kind, n, kind, kind, n, kind))
    w.write(s)
    since += len(s)
    n += 1
w.write('</ResourceList>\n</ern:NewReleaseMessage>\n')
PY
MAXKB=${DM_BOUNDS_SPLIT_MAXKB:-40000}
for kind in Software Gadget; do
	python3 gen.py "$kind.xml" 60 12 "$kind" || not_ok "generating $kind.xml"
	bounded "$kind: one thread" 0 60 "$DDEXMON" parse "$kind.xml"
	mv "$tmp/out" one.jsonl
	bounded "$kind: --split 2 (peak RSS bounded)" 0 60 "$DDEXMON" parse --split 2 "$kind.xml"
	if cmp -s one.jsonl "$tmp/out"; then ok "$kind: records identical to one thread"
	else not_ok "$kind: records identical to one thread" "$(cmp one.jsonl "$tmp/out")"; fi
	p=$(peak "$tmp/err")
	if [ -n "$p" ] && [ "$p" -le $((16 << 20)) ]; then ok "$kind: --split accounted peak $p <= 16M"
	else not_ok "$kind: --split accounted peak ${p:-?} <= 16M" "$(tail -n 1 "$tmp/err")"; fi
	case $kind in
	Software) expect_not "Software: split, not one thread" "$tmp/err" 'parsed on one thread' ;;
	*) expect "Gadget: one thread, and why" "$tmp/err" \
		'^ddexmon: Gadget\.xml: parsed on one thread \(no split point within [0-9]+ MB after byte [0-9]+\)$' ;;
	esac
	rm -f "$kind.xml" one.jsonl
done

# ---- a silent stdin, a FIFO nobody opens: a signal ends them ------------
MAXKB=${DM_HOSTILE_MAXKB:-300000}
mkfifo silent nowriter
sleep 60 >silent &
holder=$!
# interrupted NAME SIG STDIN ARGS...: the signal after 0.5 s must end the
# command within 3 s with 130, stdout whole JSON lines
interrupted() {
	name=$1 sig=$2 in=$3
	shift 3
	start=$(date +%s)
	/usr/bin/time -f %M -o "$tmp/rss" "$DDEXMON" "$@" <"$in" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 0.5
	kill -"$sig" "$(pgrep -P "$pid" | head -n 1)" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		pkill -KILL -P "$pid"
		wait "$pid"
		not_ok "$name: ends on SIG$sig" "still running 3 s after the signal"
		return
	fi
	wait "$pid"
	got=$?
	same "$name: SIG$sig gives 130" "$got" 130
	json_lines "$name: whole lines" "$tmp/out"
}
for sig in INT TERM; do
	interrupted "run - on a silent pipe" $sig silent run -
	interrupted "run --force - on a silent pipe" $sig silent run --force -
	interrupted "parse - on a silent pipe" $sig silent parse -
	interrupted "the dashboard's headless fallback on a silent pipe" $sig silent tui -
	interrupted "run on a FIFO no writer opens" $sig /dev/null run nowriter
	interrupted "parse on a FIFO no writer opens" $sig /dev/null parse nowriter
	interrupted "parse --split 2 on a FIFO no writer opens" $sig /dev/null parse --split 2 nowriter
done
kill $holder 2>/dev/null
wait $holder 2>/dev/null
holder=

# a FIFO whose writer comes late still gives every record
"$DDEXMON" gen --size 20K --seed 3 x.xml 2>/dev/null || not_ok "gen x.xml"
"$DDEXMON" parse x.xml >want.jsonl 2>/dev/null
(sleep 1; cat x.xml >nowriter) &
bounded "a FIFO whose writer comes after a second" 0 20 "$DDEXMON" parse nowriter
if [ -s want.jsonl ] && cmp -s want.jsonl "$tmp/out"; then ok "late FIFO writer: records identical"
else not_ok "late FIFO writer: records identical"; fi
wait
# --split only looks at a FIFO: opening and closing it would lose the writer
for i in 1 2 3 4 5; do
	cat x.xml >nowriter &
	bounded "parse --split 2 on a FIFO with a writer ($i)" 0 20 "$DDEXMON" parse --split 2 nowriter
	if cmp -s want.jsonl "$tmp/out"; then ok "FIFO and --split: records identical ($i)"
	else not_ok "FIFO and --split: records identical ($i)"; fi
	wait
done

# ---- a long walk: SIGTERM ends run -r at any point ------------------------
python3 - x.xml <<'PY' || not_ok "generating the tree"
import os, shutil, sys
os.mkdir("tree")
for i in range(2000):
    d = "tree/d%04d" % i
    os.mkdir(d)
    for j in range(10):
        shutil.copyfile(sys.argv[1], "%s/f%02d.xml" % (d, j))
PY
# a signal before main has run can only end the process by its default
# action: each delay counts from the moment the signals are blocked. The
# shell's child blocks signals of its own around the fork, before it execs
# ddexmon: the mask counts only once the process is ddexmon (its comm).
blocked() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$(basename "$DDEXMON" | cut -c1-15)" ] &&
		grep -q '^SigBlk:.*[1-9a-f]' "/proc/$1/status" 2>/dev/null
}
for dly in 0 0.01 0.03 0.1 0.5; do
	"$DDEXMON" run -r --no-records --set max_concurrent=1 --events walk.jsonl tree >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	while ! blocked $pid && kill -0 $pid 2>/dev/null && [ $i -lt 1000 ]; do i=$((i + 1)); done
	sleep $dly
	kill -TERM $pid
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL $pid
		not_ok "run -r of 20,000 files: SIGTERM after ${dly}s ends it" "still running 3 s after"
	else
		wait $pid
		same "run -r of 20,000 files: SIGTERM after ${dly}s gives 130 within 3 s" $? 130
	fi
	[ -s walk.jsonl ] && json_lines "run -r: events whole lines (SIGTERM after ${dly}s)" walk.jsonl
	rm -f walk.jsonl
done

echo "1..$n"
exit $((failures > 0))
