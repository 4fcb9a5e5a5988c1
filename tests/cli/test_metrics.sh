#!/bin/sh
# The metrics file against the real readers: `promtool check metrics`, and
# Debian's prometheus-node-exporter serving it from its textfile directory
# on a loopback port, scraped with curl. A good run, a malformed file, odd
# file names (escaping), --metrics-label, and two runs in one directory.
#
# Needs $DDEXMON and $DM_SRCDIR (`make check` sets them). Skips (77) when
# node_exporter, promtool or curl is not installed (.ci/run installs them).

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }

exporter=${DM_NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
for tool in "$exporter" promtool curl; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: $tool is not installed (apt-get install prometheus-node-exporter prometheus curl)"
		exit 77
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-metrics.XXXXXX") || exit 1
ne_pid=
cleanup() {
	if [ -n "$ne_pid" ]; then
		kill "$ne_pid" 2>/dev/null
		wait "$ne_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

. "$DM_SRCDIR/tests/cli/lib.sh"
. "$DM_SRCDIR/tests/cli/exporter.sh"

tf=$tmp/textfile
mkdir -p "$tf"

# ---- a good run ------------------------------------------------------------
"$DDEXMON" gen --size 20M --seed 3 "$tmp/d.xml" 2>/dev/null || { echo "gen failed" >&2; exit 1; }
size=$(wc -c <"$tmp/d.xml" | tr -d ' ')
run "run with --metrics" 0 "$DDEXMON" run --no-records --events "$tmp/ev" --set max_memory=256M \
	--metrics "$tf/ddexmon.prom" "$tmp/d.xml"
run "promtool accepts the file" 0 sh -c 'promtool check metrics <"$1"' sh "$tf/ddexmon.prom"
expect_empty "promtool has no lint complaints" "$tmp/out"
expect_not "no OpenMetrics # EOF" "$tf/ddexmon.prom" '^# EOF'
expect_not "no stateset type" "$tf/ddexmon.prom" 'stateset'
expect "every series carries the run label" "$tf/ddexmon.prom" '^ddexmon_info\{run="ddexmon",'
expect_not "no series without it" "$tf/ddexmon.prom" '^ddexmon_[a-z_]+( |\{[^r])'

# while it runs: a pipe that stalls half way shows the file running, part done
{ head -c 1000000 "$tmp/d.xml"; sleep 3; tail -c +1000001 "$tmp/d.xml"; } |
	"$DDEXMON" run --no-records --events /dev/null --metrics "$tmp/live.prom" - &
live_pid=$!
sleep 1.5
cp "$tmp/live.prom" "$tmp/live.mid" 2>/dev/null || : >"$tmp/live.mid"
wait "$live_pid"
same "a stalled pipe's run ends well" "$?" 0
expect "mid-run the file is running" "$tmp/live.mid" '^ddexmon_file_state\{run="live",file="-",state="running"\} 1$'
expect "mid-run part of it is done" "$tmp/live.mid" '^ddexmon_file_parsed_bytes\{run="live",file="-"\} [1-9][0-9]{5,6}$'
expect "mid-run not finished" "$tmp/live.mid" '^ddexmon_finished\{run="live"\} 0$'
expect_not "a pipe has no size" "$tmp/live.mid" '^ddexmon_file_size_bytes\{'
expect_not "no exit code before the end" "$tmp/live.mid" '^ddexmon_exit_code'
expect "at the end all of it is done" "$tmp/live.prom" "^ddexmon_file_parsed_bytes\\{run=\"live\",file=\"-\"\\} $size\$"

# the same file with an odd name: quotes, a backslash and a byte that is not UTF-8
odd=$(printf '%s/we"ird\\\377.xml' "$tmp")
cp "$tmp/d.xml" "$odd"
run "run on an odd file name" 0 "$DDEXMON" run --no-records --events /dev/null \
	--metrics "$tf/odd.prom" "$odd"
run "promtool accepts the escaped name" 0 sh -c 'promtool check metrics <"$1"' sh "$tf/odd.prom"
expect "the name is escaped" "$tf/odd.prom" 'file=".*/we\\"ird\\\\'

# a malformed file: exit 2, counted under its class
printf '<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n<a>\n' \
	>"$tmp/bad.xml"
run "run on a malformed file" 2 "$DDEXMON" run --no-records --events /dev/null \
	--metrics "$tf/bad.prom" --metrics-label host=test "$tmp/bad.xml"
run "promtool accepts the failed run's file" 0 sh -c 'promtool check metrics <"$1"' sh "$tf/bad.prom"
expect "the extra label is on every series" "$tf/bad.prom" '^ddexmon_budget_bytes\{run="bad",host="test"\} '

run "a bad label name is a usage error" 1 "$DDEXMON" run --metrics-label 9x=1 "$tmp/d.xml"
expect "it names the option" "$tmp/err" 'metrics-label 9x'
run "a label the series use is refused" 1 "$DDEXMON" run --metrics-label file=x "$tmp/d.xml"

# ---- node_exporter reads all three files -----------------------------------
start_exporter "$tf" || { echo "node_exporter did not start: $(cat "$tmp/exporter.log")" >&2; exit 1; }
scrape "$tmp/scrape" || { echo "scrape failed" >&2; exit 1; }

val() { awk -v k="$1" '$1 == k { print $2 + 0; f = 1 } END { if (!f) print "absent" }' "$tmp/scrape"; }

same "node_textfile_scrape_error" "$(val node_textfile_scrape_error)" 0
expect_not "node_exporter gathered without errors" "$tmp/exporter.log" 'error gathering metrics'
same "budget is the configured one" "$(val 'ddexmon_budget_bytes{run="ddexmon"}')" 268435456
rss=$(val 'ddexmon_rss_bytes{run="ddexmon"}')
[ "$rss" != absent ] && [ "$rss" -gt 1000000 ] && ok "rss is plausible ($rss)" || not_ok "rss is plausible" "got $rss"
same "bytes done = file size" "$(val "ddexmon_file_parsed_bytes{file=\"$tmp/d.xml\",run=\"ddexmon\"}")" "$size"
same "file size" "$(val "ddexmon_file_size_bytes{file=\"$tmp/d.xml\",run=\"ddexmon\"}")" "$size"
same "the file is done" "$(val "ddexmon_file_state{file=\"$tmp/d.xml\",run=\"ddexmon\",state=\"done\"}")" 1
same "parsed bytes total" "$(val 'ddexmon_parsed_bytes_total{run="ddexmon"}')" "$size"
rel=$(val 'ddexmon_records_total{run="ddexmon",type="release"}')
[ "$rel" != absent ] && [ "$rel" -gt 0 ] && ok "release records counted ($rel)" || not_ok "release records counted" "got $rel"
errs=$(awk '/^ddexmon_errors_total\{.*run="ddexmon"/ { s += $2 } END { print s + 0 }' "$tmp/scrape")
same "no errors in the good run" "$errs" 0
same "leak state watching" "$(val 'ddexmon_leak_state{run="ddexmon",state="watching"}')" 1
same "leak state confirmed" "$(val 'ddexmon_leak_state{run="ddexmon",state="confirmed"}')" 0
same "finished" "$(val 'ddexmon_finished{run="ddexmon"}')" 1
same "exit code 0" "$(val 'ddexmon_exit_code{run="ddexmon"}')" 0
expect "exhaustion is a number or +Inf" "$tmp/scrape" '^ddexmon_budget_exhaustion_seconds\{run="ddexmon"\} ([0-9.e+]+|\+Inf)$'
version=$("$DDEXMON" --version | awk '{ print $2 }')
same "ddexmon_info names the version" \
	"$(val "ddexmon_info{profile=\"default\",run=\"ddexmon\",version=\"$version\"}")" 1
expect "the reclamation counter is there" "$tmp/scrape" '^ddexmon_reclamations_total\{run="ddexmon"\} '

same "the malformed file counts one xml error" \
	"$(val 'ddexmon_errors_total{class="xml",host="test",run="bad"}')" 1
same "and is failed" "$(val 'ddexmon_files{host="test",run="bad",state="failed"}')" 1
same "with exit code 2" "$(val 'ddexmon_exit_code{host="test",run="bad"}')" 2
same "the odd-named run is exported" "$(val 'ddexmon_files{run="odd",state="done"}')" 1

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
