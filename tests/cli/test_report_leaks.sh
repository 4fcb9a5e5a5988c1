#!/bin/sh
# The report and the replay summary of a watch whose process grows in
# phases (tests/helpers/memgrow), so that the real detector writes every
# state of its story: a rise that ends (growth_bounded), a leak suspected,
# confirmed, sped up (leak_updated) and stopped (leak_stopped), and an
# exhaustion projected and cleared. The page must draw a mark for each
# and tell each leak's story; the samples CSV of the same watch carries the
# RSS split, and report still reads a CSV with the older header.
#
# About 75 s of real time (mostly the watched process sleeping). Needs
# $DDEXMON and $DM_SRCDIR. Skipped (77) under ASan, whose quarantine
# changes the shapes asked for; without chromium the rest still runs.

set -u
: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
MEMGROW=$(dirname "$DDEXMON")/tests/helpers/memgrow
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-report-leaks.XXXXXX") || exit 1
trap '[ -n "${DM_KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
DDEXMON_PROFILE_PATH="$DM_SRCDIR/profiles"
export DDEXMON_PROFILE_PATH
. "$DM_SRCDIR/tests/cli/lib.sh"

if grep -q __asan_init "$MEMGROW" 2>/dev/null; then
	echo "1..0 # SKIP RSS shapes under ASan"
	exit 77
fi

# 40 MiB in a second, then flat for 24 s: suspected, then bounded (its
# end is seen ~20 s later, before the leak starts). Then 4 MiB/s for
# 12 s (confirmed after the 8 s window), 16 MiB/s for 12 s (a rate four
# times the confirmed one: updated), then flat: stopped ~20 s later. The
# projection towards the 1G limit comes with the leak and clears once
# the floor no longer rises.
"$MEMGROW" --duration 76 phases 40M:1,0:24,4M:12,16M:12,0:40 &
child=$!
timeout 100 "$DDEXMON" watch --pid "$child" --limit 1G --set leak_min_duration=8s \
	--set report_dir="$tmp" --record "$tmp/w.jsonl" --samples-csv "$tmp/w.csv" \
	>"$tmp/watch.out" 2>"$tmp/watch.err"
same "watch exits 0 when the process exits" "$?" 0
wait "$child"
expect_empty "watch: nothing on stderr" "$tmp/watch.err"

kinds="leak_suspected leak_confirmed leak_updated leak_stopped growth_bounded exhaustion_projected exhaustion_cleared"
for ev in $kinds; do
	expect "the detector wrote '$ev'" "$tmp/w.jsonl" "^\{\"event\":\"$ev\""
done
count() { grep -o "$2" "$1" | wc -l | tr -d ' '; }

run "report on the watch" 0 timeout 60 "$DDEXMON" report "$tmp/w.jsonl" -o "$tmp/w.html"
html=$tmp/w.html
for ev in $kinds; do
	id=$(echo "$ev" | tr _ -)
	cnt=$(grep -c "^{\"event\":\"$ev\"" "$tmp/w.jsonl")
	same "a chart mark per '$ev' event ($cnt)" "$(count "$html" "<g data-mark=\"$id\">")" "$cnt"
	same "a row of events of interest per '$ev'" "$(count "$html" "<tr data-mark=\"$id\">")" "$cnt"
	same "a legend entry for '$ev'" "$(count "$html" ">$(echo "$ev" | tr _ ' ') ×$cnt<")" 1
done
# the stories: the bounded rise first, then the leak that stopped
expect "story 1: growth bounded" "$html" '<tr data-story="1" data-outcome="bounded">'
expect "story 2: a leak that stopped" "$html" '<tr data-story="2" data-outcome="stopped">'
expect "its headline: stopped, with its growth and top rate" "$html" \
	'<h3 id="leak-2" data-outcome="stopped">Leak 2: stopped, [0-9.]+ MiB above its baseline \(at most 1[0-9.]+ MiB/s\)</h3>'
for id in leak-suspected leak-confirmed leak-updated leak-stopped; do
	expect "the leak's story has its '$id' row" "$html" "<tr data-leak=\"$id\" data-story=\"2\">"
done
expect "the confirmation's heap report in the story" "$html" "heap report: <code>$tmp/heap-"
python3 - "$html" >"$tmp/story" <<'PY'
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
row = re.search(r'<tr data-story="2" data-outcome="stopped">(.*?)</tr>', page).group(1)
cells = [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
# #, first seen, suspected, confirmed, rate confirmed, last rate, updates, ended, outcome, growth
def secs(s):
    m = re.match(r"(?:(\d+) min )?([\d.]+) s", s)
    return float(m.group(1) or 0) * 60 + float(m.group(2))
def mib(s):
    v, u = s.split()
    return float(v) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[u.split("/")[0]]
assert secs(cells[2]) < secs(cells[3]) < secs(cells[7]), cells
assert 2 < mib(cells[4]) < 7, cells          # about 4 MiB/s when confirmed
assert mib(cells[5]) > 2 * mib(cells[4]), cells   # then four times that
assert int(cells[6]) >= 1, cells
assert 150 < mib(cells[9]) < 260, cells      # 48 + 192 MiB of leak
print("ok")
PY
same "the leak's times are in order, its rates and growth as memgrow made them" "$(cat "$tmp/story")" ok
expect "the projection, cleared" "$html" '<tr data-projection="0" data-state="cleared">'
same "a ray per projection on the chart" "$(count "$html" '<g data-projection=')" \
	"$(grep -c '^{"event":"exhaustion_projected"' "$tmp/w.jsonl")"
expect "card: no leak still growing, one stopped" "$html" \
	'<div class="card"><b>1</b><span>leaks confirmed: 0 still growing at the end, 1 stopped</span>'
expect "card: the projection cleared" "$html" '<span>exhaustion projected: cleared since</span>'
expect "the limit in the legend" "$html" '>limit 1.00 GiB \(above the chart\)<'
expect_not "no budget line for a watched process" "$html" 'data-line="budget"'
expect_not "nor ddexmon's accounting" "$html" 'data-series="accounted"'
expect_not "not called cut short: the watch ended with its status" "$html" 'id="cut"'
if command -v tidy >/dev/null 2>&1; then
	run "tidy finds no error or warning" 0 tidy -e -q "$html"
fi
run "the chart alone" 0 timeout 60 "$DDEXMON" report --format svg "$tmp/w.jsonl" -o "$tmp/w.svg"
if command -v xmllint >/dev/null 2>&1; then
	run "the SVG is well-formed XML" 0 xmllint --noout "$tmp/w.svg"
fi

# ---- the text form: the replay summary ------------------------------------
timeout 60 "$DDEXMON" replay "$tmp/w.jsonl" >"$tmp/replay.out" 2>"$tmp/replay.err"
same "replay exits 0" "$?" 0
for ev in $kinds; do
	expect "the replay summary lists '$ev'" "$tmp/replay.out" "^  leak +t=[0-9.]+ s  $ev"
done
expect "the stop and the bound say where the floor holds" "$tmp/replay.out" 'leak_stopped: holds at [0-9.]+M$'
expect "the last state is stopped, not confirmed" "$tmp/replay.out" '^leaks: 2 suspected, 1 confirmed; last state stopped$'
expect "the later states counted" "$tmp/replay.out" \
	'^leak states: [1-9][0-9]* updated, 1 stopped, 1 growth bounded; exhaustion projected [1-9][0-9]*, cleared [1-9][0-9]*$'

# ---- the samples CSV ---------------------------------------------------------
expect "the CSV header ends with the RSS split" "$tmp/w.csv" \
	'^t,time,wall_ms,rss,rss_peak,mem_total,mem_available,mem_used_pct,heap_inuse,heap_free,accounted,accounted_peak,rss_anon,rss_file,rss_shmem$'
python3 - "$tmp/w.csv" >"$tmp/csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) > 500, len(rows)
worst = 0
for r in rows:
    rss, anon, fil, shm = (int(r[k]) for k in ("rss", "rss_anon", "rss_file", "rss_shmem"))
    assert anon > 0 and fil > 0 and shm >= 0, r
    # the split is read a moment after the RSS: a page or two apart
    # while memgrow grows at 16 MiB/s, the same figure at rest
    worst = max(worst, abs(rss - (anon + fil + shm)))
assert worst <= 64 * 4096, worst
# the leak is heap: anon carries the growth
assert int(rows[-1]["rss_anon"]) - int(rows[0]["rss_anon"]) > 200 << 20, (rows[0], rows[-1])
print("ok", len(rows), worst)
PY
expect "every row: anon + file + shmem within a few pages of rss; the growth is anon" "$tmp/csv" '^ok '

# a run of our own: the split of ddexmon's RSS
"$DDEXMON" gen --size 20M --seed 7 "$tmp/g.xml" 2>/dev/null
run "run --samples-csv" 0 timeout 60 "$DDEXMON" run --no-records --events /dev/null \
	--set sample_interval=20ms --samples-csv "$tmp/r.csv" "$tmp/g.xml"
python3 - "$tmp/r.csv" >"$tmp/rcsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows, "no rows"
for r in rows:
    rss, parts = int(r["rss"]), sum(int(r[k]) for k in ("rss_anon", "rss_file", "rss_shmem"))
    assert abs(rss - parts) <= 64 * 4096 and int(r["rss_anon"]) > 0 and int(r["accounted"]) > 0, r
print("ok", len(rows))
PY
expect "our own samples carry the split too" "$tmp/rcsv" '^ok '

# readers by name of the older schema: its columns are where they were
cut -d, -f1-12 "$tmp/w.csv" >"$tmp/old.csv"
run "report reads a CSV with the new header" 0 timeout 60 "$DDEXMON" report "$tmp/w.csv" -o "$tmp/new.html"
run "and one with the older header" 0 timeout 60 "$DDEXMON" report "$tmp/old.csv" -o "$tmp/old.html"
rows=$(($(lines "$tmp/w.csv") - 1))
expect "the new one: a sample per row" "$tmp/new.html" "data-samples=\"$rows\""
expect "the older one: the same" "$tmp/old.html" "data-samples=\"$rows\""
grep -o '<polyline data-series="rss"[^>]*>' "$tmp/new.html" >"$tmp/new.line"
grep -o '<polyline data-series="rss"[^>]*>' "$tmp/old.html" >"$tmp/old.line"
run "the same RSS line from both" 0 cmp "$tmp/new.line" "$tmp/old.line"
{ head -n 1 "$tmp/w.csv"; echo '1.0,x,1,notanumber'; sed -n 2,5p "$tmp/w.csv"; } >"$tmp/badrow.csv"
run "a row that does not read is skipped and counted" 4 timeout 60 "$DDEXMON" report "$tmp/badrow.csv" \
	-o "$tmp/badrow.html"
expect "named FILE:LINE" "$tmp/err" "badrow\.csv:2: not a row of a samples CSV: skipped"
run "replay is for recordings: a CSV is refused" 2 timeout 60 "$DDEXMON" replay "$tmp/w.csv"

# ---- in a browser: every new mark's colour is on the screen ----------------------
browser=""
for b in chromium chromium-browser; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	echo "# SKIP chromium is not installed: the chart was not opened in a browser"
	[ "$failures" -gt 0 ] && exit 1
	exit 77
fi
HOME="$tmp/home" timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/chromium" --screenshot="$tmp/shot.png" --window-size=960,480 \
	"file://$tmp/w.svg" >"$tmp/chromium.log" 2>&1
if [ -s "$tmp/shot.png" ]; then
	# updated, stopped, bounded, projected (core/report_svg.c)
	python3 "$DM_SRCDIR/tests/cli/png_stats.py" "$tmp/shot.png" d55e00 0072b2 009e73 cc79a7 >"$tmp/png"
	read -r pw ph ncol inkpct <"$tmp/png"
	[ "${inkpct:-0}" -ge 2 ] && ok "the chart is drawn (${inkpct}% ink)" || not_ok "${inkpct:-0}% ink: blank?"
	for c in d55e00 0072b2 009e73 cc79a7; do
		px=$(awk -v c=$c '$1 == c { print $2 }' "$tmp/png")
		[ "${px:-0}" -ge 60 ] && ok "colour #$c is on the screen ($px pixels)" ||
			not_ok "colour #$c is not on the screen" "$(cat "$tmp/png")"
	done
else
	not_ok "no screenshot" "$(tail -5 "$tmp/chromium.log")"
fi
echo "1..$n"
exit $((failures > 0))
