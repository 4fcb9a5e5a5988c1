#!/bin/sh
# The README's fleet recipe, end to end on this machine: GNU parallel runs
# `ddexmon run` once per delivery, each job writing its metrics into one
# node_exporter textfile directory under its own name and its records and
# events to its own files, exit codes in --joblog. Generated files, a
# malformed one and (when $DM_CORPUS is there) a few corpus files; then
# node_exporter, when installed, must export every job's series.
#
# Needs $DDEXMON and $DM_SRCDIR (`make check` sets them). Skips (77) when
# GNU parallel is not installed (.ci/run installs it).

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }
command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q 'GNU parallel' || {
	echo "SKIP: GNU parallel is not installed (apt-get install parallel)"
	exit 77
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-fleet.XXXXXX") || exit 1
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

in=$tmp/incoming out=$tmp/out tf=$tmp/textfile
mkdir -p "$in" "$out" "$tf"
"$DDEXMON" gen --size 2M --seed 1 "$in/a.xml" 2>/dev/null &&
	"$DDEXMON" gen --size 3M --seed 2 --ern 382 "$in/b.xml" 2>/dev/null &&
	"$DDEXMON" gen --size 1M --seed 3 "$in/c.xml" 2>/dev/null || { echo "gen failed" >&2; exit 1; }
printf '<?xml version="1.0"?>\n<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43">\n<broken>\n' >"$in/malformed.xml"
# want[job name] = exit code; the name is the file's, with its directory
echo "a 0" >"$tmp/want"
echo "b 0" >>"$tmp/want"
echo "c 0" >>"$tmp/want"
echo "malformed 2" >>"$tmp/want"
ncorpus=0
if [ -n "${DM_CORPUS:-}" ] && [ -d "$DM_CORPUS" ]; then
	# a few real deliveries that parse (the manifest says which); 0 expected
	for f in $(find "$DM_CORPUS" -name '*.xml' -size +2k -size -2M 2>/dev/null | sort | head -n 40); do
		[ "$ncorpus" -ge 3 ] && break
		"$DDEXMON" parse --summary-only "$f" >/dev/null 2>&1 || continue
		ncorpus=$((ncorpus + 1))
		cp "$f" "$in/corpus$ncorpus.xml"
		echo "corpus$ncorpus 0" >>"$tmp/want"
	done
fi
njobs=$(lines "$tmp/want")

# ---- the recipe, as in the README ---------------------------------------------
# {/.} is the file name without directory and extension: the job's name,
# its metrics file and its run label.
find "$in" -name '*.xml' | sort | parallel --jobs 2 --joblog "$tmp/joblog" \
	"$DDEXMON" run --no-sample-events \
	--metrics "$tf/ddexmon-{/.}.prom" --events "$out/{/.}.events.jsonl" {} \
	'>' "$out/{/.}.records.jsonl" '2>' "$out/{/.}.err"
prc=$?
same "parallel's exit status is the number of failed jobs" "$prc" 1

# ---- every job's result -----------------------------------------------------
# joblog: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
same "one joblog line per delivery" "$(($(lines "$tmp/joblog") - 1))" "$njobs"
while read -r name code; do
	got=$(awk -v f="/$name.xml" 'NR > 1 && index($0, f) { print $7 }' "$tmp/joblog")
	same "job $name exits $code" "$got" "$code"
	[ -s "$tf/ddexmon-$name.prom" ] && ok "job $name wrote its metrics" ||
		not_ok "job $name wrote its metrics" "no $tf/ddexmon-$name.prom"
	expect "job $name's events end with a summary" "$out/$name.events.jsonl" '"event":"summary"'
	if [ "$code" -eq 0 ]; then
		[ -s "$out/$name.records.jsonl" ] && ok "job $name wrote records" ||
			not_ok "job $name wrote records" "empty $out/$name.records.jsonl"
		expect_not "job $name has no error event" "$out/$name.events.jsonl" '"event":"error"'
	else
		expect "job $name's error is in its events" "$out/$name.events.jsonl" '"event":"error"'
		expect "job $name's error line names the file" "$out/$name.err" "^ddexmon: .*/$name\\.xml:[0-9]+:[0-9]+: "
	fi
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$tf/ddexmon-$name.prom" >"$tmp/lint" 2>&1 &&
			ok "job $name's metrics pass promtool" ||
			not_ok "job $name's metrics pass promtool" "$(head -c 300 "$tmp/lint")"
	fi
done <"$tmp/want"
# records are whole JSON lines in every job's file
if command -v python3 >/dev/null 2>&1; then
	python3 -c '
import json, sys
for p in sys.argv[1:]:
    for line in open(p):
        json.loads(line)
' "$out"/*.records.jsonl && ok "every records file is JSON lines" ||
		not_ok "every records file is JSON lines"
fi

# ---- node_exporter exports every job -----------------------------------------
exporter=${DM_NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
if command -v "$exporter" >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
	. "$DM_SRCDIR/tests/cli/exporter.sh"
	if start_exporter "$tf" && scrape "$tmp/scrape"; then
		expect "node_textfile_scrape_error 0" "$tmp/scrape" '^node_textfile_scrape_error 0$'
		expect_not "node_exporter gathered without errors" "$tmp/exporter.log" 'error gathering metrics'
		same "one ddexmon_info per job" "$(grep -c '^ddexmon_info{' "$tmp/scrape")" "$njobs"
		while read -r name code; do
			expect "job $name is exported, finished" "$tmp/scrape" \
				"^ddexmon_finished\\{run=\"ddexmon-$name\"\\} 1\$"
			expect "job $name's exit code" "$tmp/scrape" \
				"^ddexmon_exit_code\\{run=\"ddexmon-$name\"\\} $code\$"
		done <"$tmp/want"
		expect "the malformed job counts an xml error" "$tmp/scrape" \
			'^ddexmon_errors_total\{class="xml",run="ddexmon-malformed"\} 1$'
	else
		not_ok "node_exporter starts and serves" "$(head -c 300 "$tmp/exporter.log")"
	fi
else
	echo "# node_exporter or curl not installed: the export check is skipped"
fi

echo "# $njobs jobs ($ncorpus from the corpus)"
echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
