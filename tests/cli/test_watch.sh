#!/bin/sh
# `watch --pid` on real processes (tests/helpers/memgrow) with the default
# detector: leaks are confirmed once, a cache that fills and a flat process
# are not, the RSS split and --tree figures are in the samples, and the
# target's exit ends the run cleanly. The cases run side by side: about
# 30 s in all. How fast each rate is decided is measured in bench/, and the
# long scenarios belong to the fake-clock suite (tests/test_detect.c).
top=${DM_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DDEXMON=${DDEXMON:-./ddexmon}
MEMGROW=$(dirname "$DDEXMON")/tests/helpers/memgrow
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dm-watch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$top/tests/cli/lib.sh"

if grep -q __asan_init "$MEMGROW" 2>/dev/null; then
	# quarantine and redzones change the RSS shapes asked for
	echo "1..0 # SKIP RSS shapes under ASan"
	exit 77
fi

# watch NAME [WATCH OPTIONS] -- MEMGROW ARGS: run both, events in
# $tmp/NAME.jsonl, watch's exit status in $tmp/NAME.rc
watch() {
	name=$1
	shift
	opts=
	while [ "$1" != -- ]; do
		opts="$opts $1"
		shift
	done
	shift
	(
		"$MEMGROW" "$@" &
		child=$!
		# shellcheck disable=SC2086
		timeout 60 "$DDEXMON" watch --pid "$child" $opts --set report_dir="$tmp/$name.reports" \
			>"$tmp/$name.jsonl" 2>"$tmp/$name.err"
		echo $? >"$tmp/$name.rc"
		wait "$child"
	) &
}

# A fast leak (30 MiB/s for 23 s, under 700 MiB at most): the projection
# towards a 2G limit at once, then one confirmation.
watch fast --limit 2G -- --duration 23 leak 30M/s
# A medium one (4 MiB/s for 30 s).
watch medium -- --duration 30 leak 4M/s
# A cache that fills 100 MiB in 5 s, then holds: growth, never a leak.
watch cache -- --duration 30 cache 100M 5
# Nothing at all.
watch flat -- --duration 12 flat
# Two children leaking as the parent does: the tree is summed.
watch tree --tree -- --children 2 --duration 6 leak 4M/s
wait

# first EVENT FILE: the first line of that event
first() { grep -m1 "\"event\":\"$1\"" "$2"; }

for c in fast medium cache flat tree; do
	same "$c: watch exits 0 when the process exits" "$(cat "$tmp/$c.rc")" 0
	expect_empty "$c: nothing on stderr" "$tmp/$c.err"
done

expect "fast: exhaustion projected towards the limit" "$tmp/fast.jsonl" \
	'"event":"exhaustion_projected".*"limit":2147483648,"time_left":[0-9.e+]+'
same "fast: confirmed once" "$(grep -c '"event":"leak_confirmed"' "$tmp/fast.jsonl")" 1
first leak_confirmed "$tmp/fast.jsonl" | python3 -c '
import json, sys, os
e = json.loads(sys.stdin.readline())
assert e["detector"] == "multiscale" and e["state"] == "confirmed", e
assert 20e6 < e["rate"] < 45e6 and e["rate_low"] > 0, e
assert e["alert"]["type"] == "memory_leak", e
r = json.load(open(e["heap_report"]))
assert r["pid"] == e["alert"]["pid"] and "tags" not in r, r
' && ok "fast: the confirmation's figures and its heap report" ||
	not_ok "fast: the confirmation's figures and its heap report" "$(first leak_confirmed "$tmp/fast.jsonl")"
n_reports=$(ls "$tmp/fast.reports" 2>/dev/null | wc -l)
same "fast: one heap report" "$n_reports" 1
confirm_class=$(grep -c '"event":"leak_\(confirmed\|updated\|stopped\)"' "$tmp/fast.jsonl")
[ "$confirm_class" -le 3 ] && ok "fast: at most 3 confirmation events ($confirm_class)" ||
	not_ok "fast: at most 3 confirmation events" "$confirm_class"

same "medium: confirmed once" "$(grep -c '"event":"leak_confirmed"' "$tmp/medium.jsonl")" 1
expect_not "cache: never confirmed" "$tmp/cache.jsonl" '"event":"leak_confirmed"'
expect_not "flat: no leak event" "$tmp/flat.jsonl" '"event":"(leak_|growth_|exhaustion_)'
expect "flat: the final trend is stable" "$tmp/flat.jsonl" '"event":"status".*"trend":\{"trend":"stable"'

# what applies to another process, and nothing that does not
expect "samples carry the RSS split" "$tmp/medium.jsonl" \
	'"event":"sample".*"pid":[0-9]+,"rss":[1-9][0-9]*,"rss_peak":[0-9]+,"rss_anon":[1-9][0-9]*,"rss_file":[0-9]+,"rss_shmem":[0-9]+'
expect "the status carries the RSS split" "$tmp/medium.jsonl" '"event":"status".*"rss_anon":[1-9]'
expect_not "no parser tags, heap or budget in a watched sample" "$tmp/medium.jsonl" \
	'"event":"sample".*("tags"|"accounted"|"heap_inuse")'

# the exit of the target: no zero sample, no "decreasing" at the end
python3 - "$tmp/medium.jsonl" <<'EOF' && ok "exit: last sample and status are the process's last memory" || not_ok "exit: last sample and status are the process's last memory" "see above"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
samples = [e for e in ev if e["event"] == "sample"]
assert samples and all(e["rss"] > 0 for e in samples), "a zero sample"
st = ev[-1]
assert st["event"] == "status", st
assert st["current"]["rss"] == samples[-1]["rss"] > 50 * 2**20, st
assert st["trend"]["trend"] != "decreasing", st
assert st["monitor"]["delta"] > 0, st
EOF

# --tree: the parent and its two children, summed and each listed
python3 - "$tmp/tree.jsonl" <<'EOF' && ok "tree: samples sum the process and its children" || not_ok "tree: samples sum the process and its children" "see above"
import json, sys
best = None
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "sample" and e.get("children") == 2:
        best = e
assert best, "no sample with 2 children"
kids = sum(c["rss"] for c in best["per_child"])
assert len(best["per_child"]) == 2, best
assert kids > 20 * 2**20 and best["rss"] > kids, best
EOF

echo "1..$n"
exit $((failures > 0))
