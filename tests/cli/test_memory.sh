#!/bin/sh
# The memory machinery seen from outside: `run` confirms a deliberate leak
# and writes a heap report, and does not without one; `watch` confirms a
# leaking child and not a sleeping one; a tiny budget stops with exit 3
# and the message; records written before stay valid JSON lines; the
# metrics file and the samples CSV are written.
set -u
: "${DDEXMON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; kill $child 2>/dev/null' EXIT
child=
fail=0
no() { echo "FAIL: $*"; fail=1; }

"$DDEXMON" gen --size 60M --seed 5 "$tmp/d.xml" 2>/dev/null || no "gen"

# 1. a leak on purpose: suspected, then confirmed, with an alert and a report
# (the input is a pipe held open a few seconds after the document, so the
# run lasts long enough however fast or loaded the machine is). The seed's
# rule, still selectable; the default detector is tested in test_watch.sh.
{ cat "$tmp/d.xml"; sleep 4; } | "$DDEXMON" run --no-records --events "$tmp/ev" \
	--set max_element_count=0 --set report_dir="$tmp/reports" --set leak_threshold=20M \
	--set leak_detector=seed --set leak_interval=200ms --leak-rate 40M -
rc=$?
[ "$rc" = 0 ] || no "run --leak-rate exit $rc"
grep -q '"event":"leak_suspected"' "$tmp/ev" || no "no leak_suspected"
grep -q '"event":"leak_confirmed"' "$tmp/ev" || no "no leak_confirmed"
grep '"event":"leak_confirmed"' "$tmp/ev" | head -1 | python3 -c '
import json, sys, os
e = json.loads(sys.stdin.readline())
a = e["alert"]
assert a["type"] == "memory_leak" and a["severity"] == "high", a
assert a["growth_bytes"] > 20 * 2**20 and a["pid"] > 0 and a["timestamp"], a
r = json.load(open(e["heap_report"]))
assert r["tags"]["leak"]["live_bytes"] > 20 * 2**20, r["tags"]
assert "Rss" in r["smaps_rollup"] and "uordblks" in r["mallinfo2"], r.keys()
assert r["pools"] and r["accounted"]["budget"] == 512 * 2**20
# the injected leak is charged to the budget like any allocation
assert r["accounted"]["budget_live"] >= r["tags"]["leak"]["live_bytes"], r["accounted"]
' || no "leak_confirmed alert or heap report not as expected"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$tmp/ev" || no "events are not JSON lines"

# 2. the same run without the leak: nothing suspected, no report
"$DDEXMON" run --no-records --events "$tmp/ev2" --set max_element_count=0 \
	--set report_dir="$tmp/reports2" --set leak_threshold=20M --set leak_interval=200ms \
	--metrics "$tmp/m.prom" --samples-csv "$tmp/s.csv" "$tmp/d.xml" || no "plain run failed"
grep -q '"event":"leak_' "$tmp/ev2" && no "leak event without a leak"
[ -d "$tmp/reports2" ] && no "heap report without a leak"
grep -q '^ddexmon_rss_bytes{run="m"} [1-9]' "$tmp/m.prom" || no "metrics: no RSS"
grep -q '^ddexmon_parsed_bytes_total{run="m"} [1-9]' "$tmp/m.prom" || no "metrics: no bytes parsed"
grep -q '^# EOF' "$tmp/m.prom" && no "metrics: an OpenMetrics # EOF in a Prometheus text file"
[ "$(wc -l <"$tmp/s.csv")" -gt 2 ] || no "samples CSV too short"
grep '"event":"summary"' "$tmp/ev2" >"$tmp/sum60"
# steady state: what a larger file costs beyond a smaller one, per MB
"$DDEXMON" gen --size 20M --seed 5 "$tmp/d20.xml" 2>/dev/null
"$DDEXMON" run --no-records --no-sample-events --events "$tmp/ev3" "$tmp/d20.xml" || no "20M run"
grep '"event":"summary"' "$tmp/ev3" | python3 -c '
import json, sys
small = json.loads(sys.stdin.readline())
big = json.loads(open(sys.argv[1]).readline())
assert big["files_ok"] == 1 and big["bytes"] > 50e6, big
per_mb = (big["mallocs"] - small["mallocs"]) / ((big["bytes"] - small["bytes"]) / 2**20)
print("steady-state mallocs per MB: %.4f (%d mallocs for %d bytes)" % (per_mb, big["mallocs"], big["bytes"]))
assert per_mb <= 1.0, per_mb
' "$tmp/sum60" || no "summary or mallocs per MB"
grep -q '"event":"status"' "$tmp/ev2" || no "no status event"

# 3. a tiny budget: exit 3, the message, and the records before it valid
"$DDEXMON" run --set max_memory=64K --force "$tmp/d.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] || no "tiny budget: exit $rc, want 3"
grep -q 'memory limit exceeded: limit 64.0K' "$tmp/err" || no "tiny budget message: $(grep error "$tmp/err" | head -c 300)"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$tmp/out" || no "records before the memory error are not valid JSON lines"

# 3b. a leak the budget cannot hold: refused like any allocation, so the
# parse that needs memory next stops with exit 3 and one line
"$DDEXMON" gen --size 20M --seed 5 "$tmp/d20l.xml" 2>/dev/null
# (the document pauses after its first MiB, so the leak has filled the
# budget before the parser asks for more, however fast the machine is)
{ head -c 1048576 "$tmp/d20l.xml"; sleep 1; tail -c +1048577 "$tmp/d20l.xml"; } |
	"$DDEXMON" run --set max_memory=48M --leak-rate 400M --events "$tmp/evl" - \
	>/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] || no "leak over the budget: exit $rc, want 3"
[ "$(grep -c . "$tmp/err")" = 1 ] || no "leak over the budget: not one line: $(cat "$tmp/err")"
grep -q '^ddexmon: -:[0-9]*:[0-9]*: memory limit exceeded: limit 48.0M' "$tmp/err" || no "leak over the budget message: $(cat "$tmp/err")"
grep -q '"message":"injected leak refused: the budget is full"' "$tmp/evl" || no "no note of the refused leak"
python3 -c '
import json, sys
seen = False
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "sample":
        assert e["tags"]["leak"]["live"] <= 48 * 2**20, e["tags"]["leak"]
    if e["event"] == "summary":
        assert e["accounted_peak"] <= 48 * 2**20, e["accounted_peak"]
        seen = True
assert seen
' "$tmp/evl" || no "accounted above the budget while leaking"

# 4. pre-flight: a budget larger than the machine's memory is refused
"$DDEXMON" run --set max_memory=1T "$tmp/d.xml" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] || no "pre-flight: exit $rc, want 3"
grep -q 'insufficient memory available: need 1T, available' "$tmp/err" || no "pre-flight message: $(cat "$tmp/err")"

# 5. watch: a child that leaks is confirmed, one that sleeps is not
python3 -c '
import time
keep = []
for i in range(120):
    keep.append(b"x" * (8 * 2**20))
    time.sleep(0.05)
' &
child=$!
"$DDEXMON" watch --pid "$child" --set leak_threshold=30M --set leak_interval=250ms \
	--set leak_detector=seed --set report_dir="$tmp/wreports" >"$tmp/w1"
rc=$?
[ "$rc" = 0 ] || no "watch (leaking child) exit $rc"
grep -q '"event":"leak_confirmed"' "$tmp/w1" || no "watch: leaking child not confirmed"
# its heap report is about the child, not about ddexmon
grep '"event":"leak_confirmed"' "$tmp/w1" | head -1 | python3 -c '
import json, sys
e = json.loads(sys.stdin.readline())
r = json.load(open(e["heap_report"]))
assert r["pid"] == int(sys.argv[1]) and "tags" not in r, r
assert r["smaps_rollup"]["Rss"] > 30 * 2**20, r["smaps_rollup"]
' "$child" || no "watch: heap report not about the watched process"
sleep 4 &
child=$!
"$DDEXMON" watch --pid "$child" --set leak_threshold=30M --set leak_interval=250ms \
	--set leak_detector=seed --set report_dir="$tmp/wreports2" >"$tmp/w2"
grep -q '"event":"leak_' "$tmp/w2" && no "watch: sleeping child reported"
grep -q '"event":"sample"' "$tmp/w2" || no "watch: no samples"
"$DDEXMON" watch --pid 2147483646 >/dev/null 2>&1
[ $? = 2 ] || no "watch on a missing pid: want exit 2"
exit $fail
