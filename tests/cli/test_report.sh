#!/bin/sh
# Shell tests of `ddexmon report` on recordings this test makes: a run
# with an injected leak, a tiny budget (reclamations, pressure) and a
# malformed file (an error), drawn as one HTML page that references
# nothing outside itself, whose RSS line has a point per sample (or the
# documented downsampled count), whose marks are all there and whose
# summary is the run's; bad recordings give FILE:LINE messages, skip
# counts and the documented exit codes, within a timeout; the page opened
# in headless Chromium gives a screenshot that is not blank.
#
# Needs $DDEXMON and $DM_SRCDIR (`make check` sets them). Without chromium
# every other check still runs and the test then exits 77 (skip).

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-report.XXXXXX") || exit 1
trap '[ -n "${DM_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
DDEXMON_PROFILE_PATH="$DM_SRCDIR/profiles"
export DDEXMON_PROFILE_PATH

. "$DM_SRCDIR/tests/cli/lib.sh"

T="timeout 60"

# ---- a recording with every kind of mark ----------------------------------
"$DDEXMON" gen --size 60M --seed 3 "$tmp/g.xml" 2>/dev/null || { echo "gen failed" >&2; exit 1; }
printf '<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43"><MessageHeader><MessageId>x</MessageId></MessageHeader><ResourceList><SoundRecording><oops></ResourceList>\n' >"$tmp/bad.xml"
"$DDEXMON" gen --size 1M --seed 5 "$tmp/late.xml" 2>/dev/null
# a third file from a FIFO that is written 3 s late: however fast the
# machine parses, the run lasts long enough for a leak to be confirmed
mkfifo "$tmp/late.fifo"
(sleep 3; timeout 30 sh -c 'cat "$1" >"$2"' sh "$tmp/late.xml" "$tmp/late.fifo") &
writer=$!
# The injected leak is charged to the budget, so the budget must hold it:
# 112M with flush at 2 % (2.2M) is passed by the parser's state and the
# leak, so it reclaims and turns pressure on (and the budget line is on the
# chart: the RSS passes 112M / 1.6 after 3 s, the budget is full after 4.5 s);
# 24M/s leaked with a 4M
# threshold and 100 ms snapshots (the seed's rule, which suspects at once)
# is suspected, then confirmed
run "a run with a leak, a small budget and a bad file" 4 $T "$DDEXMON" run --no-records \
	--events "$tmp/run.jsonl" --leak-rate 24M --set max_element_count=0 --set leak_threshold=4M \
	--set leak_detector=seed --set leak_interval=100ms --set max_memory=112M \
	--set flush_threshold=0.02 \
	--set report_dir="$tmp/heap" "$tmp/g.xml" "$tmp/bad.xml" "$tmp/late.fifo"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
for ev in reclaim pressure leak_suspected leak_confirmed error summary; do
	expect "the run recorded a '$ev' event" "$tmp/run.jsonl" "^\{\"event\":\"$ev\""
done
# No headless command changes a setting while running (the dashboard's keys
# do): a 'setting' event as the engine writes it goes in at its time.
python3 - "$tmp/run.jsonl" "$tmp/rec.jsonl" <<'EOF'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
out, done = [], False
for line in open(src):
    t = json.loads(line)["t"]
    if not done and t > 0.5:
        out.append('{"event":"setting","t":%.6g,"time":"2026-01-01T00:00:00.000Z","key":"chunk_size","value":"32K"}\n' % t)
        done = True
    out.append(line)
open(dst, "w").write("".join(out))
EOF

run "report on the recording" 0 $T "$DDEXMON" report "$tmp/rec.jsonl" -o "$tmp/rec.html"
expect "it says where it wrote" "$tmp/err" "^ddexmon report: wrote .*rec\.html \([0-9]+ samples as [0-9]+ points; 0 lines skipped\)"
html="$tmp/rec.html"
expect "an HTML document" "$html" '^<!DOCTYPE html>'
expect "print styles" "$html" '@media print'

# nothing outside itself: no scripts, links, imports, external urls
expect_not "no script" "$html" '<script|javascript:'
expect_not "no link or import" "$html" '<link|@import|url\('
expect_not "no src= or href= pointing anywhere" "$html" "(src|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:|//|file:|data:)"
expect_not "no iframe, object, embed or img" "$html" '<(iframe|object|embed|img)'

# the RSS line: a point per sample (this recording has fewer than 1024)
samples=$(grep -c '^{"event":"sample"' "$tmp/rec.jsonl")
points() { # FILE SERIES: points of that polyline
	python3 -c '
import re, sys
s = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<polyline data-series=\"%s\"[^>]* points=\"([^\"]*)\"" % sys.argv[2], s)
print(len(m.group(1).split()) if m else -1)' "$1" "$2"
}
same "the RSS polyline has a point per sample ($samples)" "$(points "$html" rss)" "$samples"
same "so has the accounted line" "$(points "$html" accounted)" "$samples"
expect "the page names the count" "$html" "data-samples=\"$samples\" data-points=\"$samples\""

# every mark, as many as there were events
count() { grep -o "$2" "$1" | wc -l | tr -d ' '; }
for pair in reclaim:reclaim leak_suspected:leak-suspected leak_confirmed:leak-confirmed \
	error:error setting:setting; do
	ev=${pair%%:*} id=${pair#*:}
	cnt=$(grep -c "^{\"event\":\"$ev\"" "$tmp/rec.jsonl")
	same "a chart mark per '$ev' event ($cnt)" "$(count "$html" "<g data-mark=\"$id\">")" "$cnt"
	same "a table row per '$ev' event" "$(count "$html" "<tr data-mark=\"$id\">")" "$cnt"
done
cnt=$(grep -c '^{"event":"pressure".*"on":true' "$tmp/rec.jsonl")
same "a mark per pressure-on event ($cnt)" "$(count "$html" '<g data-mark="pressure-on">')" "$cnt"
expect "the budget line" "$html" 'data-line="budget"'
expect "the flush-threshold line" "$html" 'data-line="flush"'
expect "per-tag areas" "$html" '<polygon data-tag="leak"'
expect "the leak verdicts with the heap report as evidence" "$html" "<tr data-leak=\"leak-confirmed\">.*heap report: <code>$tmp/heap/heap-"
expect "the alert's message" "$html" 'Memory leak detected: [0-9.]+MB growth'
same "the three files in the timeline" "$(count "$html" '<g data-file="[012]">')" "3"
expect "the failed file's error" "$html" 'bad\.xml:2:[0-9]+: mismatched tag'
expect "the configuration" "$html" '<tr><th>max_memory</th><td>112M</td></tr>'

# the summary figures are the run's own
python3 - "$tmp/rec.jsonl" "$html" >"$tmp/sum" <<'EOF'
import json, re, sys
summary = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"event":"summary"')][-1]
page = open(sys.argv[2], encoding="utf-8").read()
raw = [l for l in open(sys.argv[1]) if l.startswith('{"event":"summary"')][-1]
for k, v in summary.items():
    if k in ("event", "t", "time"):
        continue
    items = v.items() if isinstance(v, dict) else [(None, v)]
    for sub, val in items:
        key = k if sub is None else k + "." + sub
        # the figure exactly as the run wrote it
        m = re.search(r'"%s":(-?[0-9.e+]+)' % (sub if sub else k), raw if sub is None else raw[raw.index('"%s":{' % k):])
        want = m.group(1)
        got = re.search(r'data-key="%s">([^<]*)<' % re.escape(key), page)
        print("%s %s %s" % (key, want, got.group(1) if got else "MISSING"))
EOF
bad=$(awk '$2 != $3' "$tmp/sum")
same "every summary figure as the run wrote it ($(wc -l <"$tmp/sum" | tr -d ' ') figures)" "$bad" ""
expect "rss_peak is among them" "$tmp/sum" '^rss_peak [0-9]+ [0-9]+$'

if command -v tidy >/dev/null 2>&1; then
	run "tidy finds no error or warning" 0 tidy -e -q "$html"
else
	ok "# SKIP tidy not installed"
fi

# ---- svg, gzip, default name, stdout ---------------------------------------
run "--format svg" 0 $T "$DDEXMON" report --format svg "$tmp/rec.jsonl" -o "$tmp/rec.svg"
expect "an SVG document" "$tmp/rec.svg" '^<\?xml version="1.0"'
same "its RSS line has the same points" "$(points "$tmp/rec.svg" rss)" "$samples"
same "and every reclaim mark" "$(count "$tmp/rec.svg" '<g data-mark="reclaim">')" "$(grep -c '^{"event":"reclaim"' "$tmp/rec.jsonl")"
if command -v xmllint >/dev/null 2>&1; then
	run "the SVG is well-formed XML" 0 xmllint --noout "$tmp/rec.svg"
fi
gzip -c "$tmp/rec.jsonl" >"$tmp/z.jsonl.gz"
run "a gzip recording" 0 $T "$DDEXMON" report "$tmp/z.jsonl.gz"
[ -f "$tmp/z.html" ] && ok "default output: next to it, .jsonl.gz becomes .html" || not_ok "no $tmp/z.html"
same "the same points from the gzip" "$(points "$tmp/z.html" rss)" "$samples"
run "to standard output" 0 $T "$DDEXMON" report "$tmp/rec.jsonl" -o -
expect "the page on stdout" "$tmp/out" '^</html>$'
ln -s "$tmp/elsewhere.html" "$tmp/link.html"
run "an output that is a symbolic link is refused" 2 $T "$DDEXMON" report "$tmp/rec.jsonl" -o "$tmp/link.html"
[ ! -e "$tmp/elsewhere.html" ] && ok "nothing written through the link" || not_ok "written through the link"

# ---- downsampling: a long synthetic recording ------------------------------
ns=5000
awk -v n=$ns 'BEGIN {
	printf "{\"event\":\"start\",\"t\":0,\"profile\":\"x\",\"max_memory\":\"64M\",\"version\":\"0.1.0\"}\n"
	for (i = 1; i <= n; i++)
		printf "{\"event\":\"sample\",\"t\":%.1f,\"rss\":%d,\"accounted\":%d}\n", i / 10, 1000000 + (i % 77) * 1000, 1000 + i
}' >"$tmp/long.jsonl"
# report.h: buckets of w = 2^k samples, the smallest with n <= 1024 w; two
# points per full bucket, and one or two for the last
pts=$(awk -v n=$ns 'BEGIN { w = 1; while (n > 1024 * w) w *= 2; r = n % w;
	v = n <= 1024 ? n : 2 * int(n / w) + (r == 1 ? 1 : (r ? 2 : 0)); print v }')
run "a recording of $ns samples" 0 $T "$DDEXMON" report "$tmp/long.jsonl" -o "$tmp/long.html"
same "downsampled to the documented count ($pts)" "$(points "$tmp/long.html" rss)" "$pts"
expect "the page says how" "$tmp/long.html" "data-samples=\"$ns\" data-points=\"$pts\""

# ---- bad recordings ---------------------------------------------------------
echo 'hello, not JSON' >"$tmp/not.txt"
run "not a recording" 2 $T "$DDEXMON" report "$tmp/not.txt" -o "$tmp/not.html"
expect "says so with FILE:LINE" "$tmp/err" "^ddexmon: $tmp/not.txt:1: not a ddexmon recording"
[ ! -e "$tmp/not.html" ] && ok "no page for it" || not_ok "a page was written"
sed -n '2,$p' "$tmp/rec.jsonl" >"$tmp/nostart.jsonl"
run "a recording without its start" 2 $T "$DDEXMON" report "$tmp/nostart.jsonl" -o "$tmp/x.html"
expect "the first line is named" "$tmp/err" "nostart\.jsonl:1: not a ddexmon recording \(the first line is not a 'start' event\)"
sed '1s/"version":"[^"]*"/"version":"9.0.0"/' "$tmp/rec.jsonl" >"$tmp/v9.jsonl"
run "a recording from another version" 2 $T "$DDEXMON" report "$tmp/v9.jsonl" -o "$tmp/x.html"
expect "names both versions" "$tmp/err" "v9\.jsonl:1: recording from ddexmon version '9\.0\.0'; this is "
: >"$tmp/empty.jsonl"
run "an empty file" 2 $T "$DDEXMON" report "$tmp/empty.jsonl" -o "$tmp/x.html"
run "a directory" 2 $T "$DDEXMON" report "$tmp" -o "$tmp/x.html"
run "a missing file" 2 $T "$DDEXMON" report "$tmp/missing.jsonl" -o "$tmp/x.html"

total=$(lines "$tmp/rec.jsonl")
mid=$((total / 2))
# killed mid-write: the first half and a part of the next line
{ head -n $mid "$tmp/rec.jsonl"; sed -n "$((mid + 1))p" "$tmp/rec.jsonl" | head -c 30; } >"$tmp/cut.jsonl"
run "a truncated last line" 4 $T "$DDEXMON" report "$tmp/cut.jsonl" -o "$tmp/cut.html"
expect "names the line" "$tmp/err" "^ddexmon: report: $tmp/cut.jsonl:$((mid + 1)): last line cut short"
expect "still writes the page" "$tmp/err" 'wrote .*cut\.html .*1 lines skipped'
expect "the page counts the skipped line" "$tmp/cut.html" 'data-skipped="1"'
expect "and says the summary is missing" "$tmp/cut.html" "ends before the run's summary"

# a recording a slow disk thinned: where the recorder resumed, a note says
# what it left out, in words and as figures (recorder.c); both read it
tm=$(sed -n "${mid}p" "$tmp/rec.jsonl" | sed 's/^[^,]*,"t":\([0-9.e+-]*\).*/\1/')
awk -v m=$mid -v t="$tm" '{ print } NR == m { printf "{\"event\":\"note\",\"t\":%s,\"message\":\"recording: 120 samples and 7 narration events left out before this point: the disk was too slow to take them\",\"left_out\":{\"samples\":120,\"narration\":7,\"results\":0}}\n", t }' \
	"$tmp/rec.jsonl" >"$tmp/thin.jsonl"
run "a recording with lines left out" 0 $T "$DDEXMON" report "$tmp/thin.jsonl" -o "$tmp/thin.html"
expect "is read whole" "$tmp/err" 'wrote .*thin\.html .*0 lines skipped'
expect "its page lists the note" "$tmp/thin.html" 'recording: 120 samples and 7 narration events left out before this point'
run "its replay" 0 $T "$DDEXMON" replay "$tmp/thin.jsonl"
expect "adds up what was left out" "$tmp/out" '^left out while recording: 120 samples and 7 narration events \(the output was too slow to take them\)$'
run "a recording with nothing left out" 0 $T "$DDEXMON" replay "$tmp/rec.jsonl"
expect_not "says nothing of it" "$tmp/out" 'left out'

awk -v m=$mid 'NR == m { print substr($0, 1, 40); next } { print }' "$tmp/rec.jsonl" >"$tmp/mid.jsonl"
run "a corrupt middle line" 4 $T "$DDEXMON" report "$tmp/mid.jsonl" -o "$tmp/mid.html"
expect "names it" "$tmp/err" "^ddexmon: report: $tmp/mid.jsonl:$mid: "
awk -v m=$mid '{ print } NR == m { print "{\"event\":\"sample\",\"t\":-5,\"rss\":1}"; print "{\"event\":\"sample\",\"rss\":1}" }' \
	"$tmp/rec.jsonl" >"$tmp/notev.jsonl"
run "lines that are not events" 4 $T "$DDEXMON" report "$tmp/notev.jsonl" -o "$tmp/x.html"
same "both are named" "$(grep -c 'not an event' "$tmp/err")" "2"
awk -v m=$mid '{ print } NR == m { print "{\"event\":\"reclaim\",\"t\":0.00001,\"reason\":\"x\"}" }' \
	"$tmp/long.jsonl" >"$tmp/ooo.jsonl"
run "an event out of time order" 4 $T "$DDEXMON" report "$tmp/ooo.jsonl" -o "$tmp/ooo.html"
expect "is named and skipped" "$tmp/err" "ooo\.jsonl:$((mid + 1)): 'reclaim' at t=0\.000 s is earlier than t=[0-9.]+ s: skipped \(out of order\)"
expect_not "and not drawn" "$tmp/ooo.html" 'data-mark="reclaim"'
head -c 200000 /dev/urandom >"$tmp/random.bin"
run "random bytes" 2 $T "$DDEXMON" report "$tmp/random.bin" -o "$tmp/x.html"
# many corrupt lines: every one counted, the first few listed
{ sed -n 1p "$tmp/rec.jsonl"; i=0; while [ $i -lt 300 ]; do echo '{"event":'; i=$((i + 1)); done; } >"$tmp/many.jsonl"
run "300 corrupt lines" 4 $T "$DDEXMON" report "$tmp/many.jsonl" -o "$tmp/x.html"
same "the first 20 are listed, then a count" "$(grep -c 'many\.jsonl:[0-9]*: ' "$tmp/err")" "20"
expect "the count of the rest" "$tmp/err" 'and 280 more skipped lines'
expect "the page counts them all" "$tmp/x.html" 'data-skipped="300"'
zsize=$(wc -c <"$tmp/z.jsonl.gz")
head -c $((zsize / 2)) "$tmp/z.jsonl.gz" >"$tmp/cutz.jsonl.gz"
run "a cut gzip recording" 4 $T "$DDEXMON" report "$tmp/cutz.jsonl.gz" -o "$tmp/x.html"
expect "is reported cut short" "$tmp/err" 'cutz\.jsonl\.gz:[0-9]+: (last line cut short|the compressed stream ends early)'

# ---- tune --csv ---------------------------------------------------------------
"$DDEXMON" gen --size 2M --seed 4 "$tmp/s.xml" 2>/dev/null
if $T "$DDEXMON" tune "$tmp/s.xml" --runs 1 --chunks 4K,64K,1M --csv "$tmp/t.csv" >/dev/null 2>&1; then
	run "report on tune --csv" 0 $T "$DDEXMON" report "$tmp/t.csv" -o "$tmp/t.html"
	same "MB/s at each chunk size" "$(points "$tmp/t.html" mbps)" "3"
	same "peak RSS at each chunk size" "$(points "$tmp/t.html" peak-rss)" "3"
	expect "the best one marked" "$tmp/t.html" 'data-best="1"'
	run "tune --csv as SVG" 0 $T "$DDEXMON" report --format svg "$tmp/t.csv" -o "$tmp/t.svg"
else
	not_ok "tune --csv failed"
fi

# ---- usage -----------------------------------------------------------------------
run "no file" 1 "$DDEXMON" report
run "two files" 1 "$DDEXMON" report a b
run "a bad format" 1 "$DDEXMON" report --format pdf "$tmp/rec.jsonl"
run "--help" 0 "$DDEXMON" report --help
expect "help names the exit codes" "$tmp/out" '4 written but some lines were skipped'

# ---- a real browser: the page renders, the screenshot is not blank ---------
browser=""
for b in chromium chromium-browser; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -n "$browser" ]; then
	HOME="$tmp/home" timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/chromium" --screenshot="$tmp/shot.png" --window-size=1200,1600 \
		"file://$html" >"$tmp/chromium.log" 2>&1
	if [ -s "$tmp/shot.png" ]; then
		ok "chromium took a screenshot"
		python3 "$DM_SRCDIR/tests/cli/png_stats.py" "$tmp/shot.png" >"$tmp/png"
		read -r pw ph ncol inkpct <"$tmp/png"
		same "the screenshot is 1200 wide" "$pw" "1200"
		[ "${ncol:-0}" -ge 20 ] && ok "the screenshot has $ncol colours" || not_ok "only ${ncol:-0} colours: blank?"
		[ "${inkpct:-0}" -ge 3 ] && ok "and ${inkpct}% of it is not white" || not_ok "${inkpct:-0}% ink: blank?"
		cp "$tmp/shot.png" "${DM_REPORT_SHOT:-/dev/null}" 2>/dev/null || true
	else
		not_ok "no screenshot" "$(tail -5 "$tmp/chromium.log")"
	fi
	exit $((failures > 0))
fi
echo "# SKIP chromium is not installed: the page was not opened in a browser"
[ "$failures" -gt 0 ] && exit 1
exit 77
