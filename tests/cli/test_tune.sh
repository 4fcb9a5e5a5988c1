#!/bin/sh
# Shell tests of `ddexmon tune`: a row with its spread for every chunk
# size on a small generated delivery, one chosen row and why, progress
# lines on stderr (a rewritten line under a terminal, none of it without),
# Ctrl-C keeping the table, the CSV, buffer sweeps, what limited a failed
# setting, --write-profile into $XDG_CONFIG_HOME, and usage errors. The
# choice among settings within noise is tested on made-up rows in
# tests/test_tune.c (timings here are real and vary).
#
# Needs $DDEXMON and $DM_SRCDIR (`make check` sets them).

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-tune.XXXXXX") || exit 1
trap '[ -n "${DM_KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
DDEXMON_PROFILE_PATH="$DM_SRCDIR/profiles"
XDG_CONFIG_HOME="$tmp/xdg"
export DDEXMON_PROFILE_PATH XDG_CONFIG_HOME

. "$DM_SRCDIR/tests/cli/lib.sh"

"$DDEXMON" gen --size 1M --seed 9 "$tmp/d.xml" 2>/dev/null || { echo "gen failed" >&2; exit 1; }

# ---- the default sweep -----------------------------------------------------
run "tune a small delivery" 0 "$DDEXMON" tune "$tmp/d.xml" --runs 2 --csv "$tmp/t.csv" \
	--write-profile tuned
cp "$tmp/out" "$tmp/table"
cp "$tmp/err" "$tmp/progress"
for c in 4K 16K 64K 256K 1M 4M; do
	# marker, size, median, min-max, IQR, spread
	expect "a row for chunk $c with its spread" "$tmp/table" \
		"^[*~ ] $c +[0-9]+\.[0-9] +[0-9.]+-[0-9.]+ +[0-9.]+-[0-9.]+ +[0-9.]+% "
done
same "six rows" "$(grep -Ec '^[*~ ] [0-9]+[KM] ' "$tmp/table")" "6"
same "exactly one chosen row" "$(grep -Ec '^\* [0-9]+[KM] .* chosen$' "$tmp/table")" "1"
same "rows marked within noise say so" "$(grep -Ec '^~ ' "$tmp/table")" \
	"$(grep -Ec '^~ [0-9]+[KM] .* within noise$' "$tmp/table")"
expect "the columns are named" "$tmp/table" '^ +chunk +MB/s +min-max +IQR +spread +peak RSS .*allocs +reclaims'
expect "the choice is spelled out" "$tmp/table" '^\* chosen: chunk_size = [0-9]+[KM] \([0-9.]+ MB/s median\)$'
expect "and why" "$tmp/table" \
	'^([0-9]+[KM] is the fastest beyond the noise \(|.* are within noise( of the fastest, [0-9]+[KM])? \(.*\): [0-9]+[KM] chosen, )'
expect "a 1M file in a 512M budget: memory was no constraint" "$tmp/table" \
	'^Memory was not a constraint: the largest accounted peak, [0-9.]+[KM] \(chunk 4M\), is [0-9.]+% of the 512M budget'
expect_not "the budget is not named as a reason it was not" "$tmp/table" 'within the budget'
same "a progress line per run on stderr" "$(grep -Ec '^tune: chunk [0-9]+[KM] buffer 1M run [12]/2: [0-9.]+ MB/s' "$tmp/progress")" "12"
# settings take turns: the first two runs are of two settings, not one twice
same "round robin" "$(sed -n '2,3s/^tune: chunk \([0-9]*[KM]\) .*/\1/p' "$tmp/progress" | tr '\n' ' ')" "4K 16K "
same "the second round goes backwards" "$(sed -n '8s/^tune: chunk \([0-9]*[KM]\) buffer 1M run \(.\).*/\1 \2/p' "$tmp/progress")" "4M 2"
if grep -q "$(printf '\r')" "$tmp/progress" || grep -q "$(printf '\033')" "$tmp/progress"; then
	not_ok "no progress line without a terminal" "$(head -c 300 "$tmp/progress" | od -c | head -5)"
else
	ok "no progress line without a terminal"
fi

same "the CSV has a header and six rows" "$(wc -l <"$tmp/t.csv" | tr -d ' ')" "7"
expect "the CSV header" "$tmp/t.csv" \
	'^chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,mbps_min,mbps_max,mbps_q1,mbps_q3,spread_pct,peak_rss_bytes,accounted_peak_bytes,allocations,reclamations,records,chosen,within_noise,error_class,error,limit$'
expect "the CSV has the 4M row in bytes, with its spread" "$tmp/t.csv" \
	'^4M,4194304,1M,1048576,2,1,0,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+,'
same "one chosen row in the CSV" "$(awk -F, 'NR > 1 && $19 == 1' "$tmp/t.csv" | wc -l | tr -d ' ')" "1"
same "quartiles lie within the range" "$(awk -F, 'NR > 1 && !($9 <= $11 && $11 <= $8 && $8 <= $12 && $12 <= $10)' "$tmp/t.csv" | wc -l | tr -d ' ')" "0"
best=$(sed -n 's/^\* chosen: chunk_size = \([0-9]*[KM]\) .*/\1/p' "$tmp/table")
same "the CSV and the table agree on the choice" \
	"$(awk -F, 'NR > 1 && $19 == 1 { print $1 }' "$tmp/t.csv")" "$best"
same "and on the rows within noise" \
	"$(awk -F, 'NR > 1 && $20 == 1 && $19 == 0 { print $1 }' "$tmp/t.csv" | tr '\n' ' ')" \
	"$(sed -n 's/^~ \([0-9]*[KM]\) .*/\1/p' "$tmp/table" | tr '\n' ' ')"

# ---- --write-profile ----------------------------------------------------------
prof="$XDG_CONFIG_HOME/ddexmon/profiles/tuned.profile"
expect "it says where the profile went" "$tmp/table" "^wrote profile 'tuned' to $prof"
if [ -f "$prof" ]; then ok "the profile exists"; else not_ok "the profile exists" "$prof"; fi
run "the profile is found by name" 0 "$DDEXMON" profiles tuned
expect "with the best chunk size" "$tmp/out" "^[* ] chunk_size +$best "
expect "its comment says how it was chosen" "$prof" \
	'^# Why: ([0-9]+[KM] is the fastest beyond the noise|.* are within noise|[0-9]+ settings are within)'
expect "with the spread of the chosen setting" "$prof" '^# Chosen: chunk [0-9]+[KM], buffer 1M: [0-9.]+ MB/s median'
run "and a run uses it" 0 "$DDEXMON" run --profile tuned --no-records --events "$tmp/ev" "$tmp/d.xml"
expect "the run's configuration is the tuned one" "$tmp/ev" "\"profile\":\"tuned\".*\"chunk_size\":\"$best\""

# ---- buffers, lists, a base profile ------------------------------------------
run "tune --chunks 8K,32K --buffers 64K,2M" 0 "$DDEXMON" tune "$tmp/d.xml" --runs 1 \
	--chunks 8K,32K --buffers 64K,2M --profile throughput
same "four rows: two chunks for each of two buffers" \
	"$(grep -Ec '^[* ] (8K|32K) +(64K|2M) +[0-9]+\.[0-9] ' "$tmp/out")" "4"
expect "a buffer column" "$tmp/out" '^ +chunk +buffer +MB/s'
expect "the base profile is named" "$tmp/out" "profile 'throughput'"

# a budget too small for the big chunks: those rows are not eligible
run "tune with a small budget" 0 "$DDEXMON" tune "$tmp/d.xml" --runs 1 --chunks 16K,4M \
	--set max_memory=2M --csv "$tmp/small.csv"
expect "4M chunks do not fit a 2M budget" "$tmp/out" '^  4M +.*(retried|failed|over budget)'
expect "16K is the choice that fits" "$tmp/out" '^\* 16K .* chosen$'
expect "what limited 4M: the budget against expat's buffer" "$tmp/out" \
	"^  chunk 4M: limited by max_memory 2M < expat's buffer for a 4M chunk \\(chunk 16K fits: accounted peak [0-9.]+K\\)"
expect_not "no 'not a constraint' when it was one" "$tmp/out" 'not a constraint'

# the default number of runs on a quick file is 5
run "tune without --runs" 0 "$DDEXMON" tune "$tmp/d.xml" --chunks 64K
expect "five runs" "$tmp/out" ', 5 runs per setting,'
same "five run lines" "$(grep -c 'run [1-5]/5:' "$tmp/err")" "5"

# a title longer than buffer_size: the limit, the value and where
"$DDEXMON" gen --size 64K --seed 3 "$tmp/s.xml" 2>/dev/null || { echo "gen failed" >&2; exit 1; }
tline=$(grep -n '<TitleText>' "$tmp/s.xml" | head -1 | cut -d: -f1)
long=$(awk 'BEGIN { while (i++ < 3000) printf "x" }')
sed "${tline}s|<TitleText>[^<]*</TitleText>|<TitleText>$long</TitleText>|" "$tmp/s.xml" >"$tmp/long.xml"
run "tune buffers around a long title" 0 "$DDEXMON" tune "$tmp/long.xml" --runs 1 --chunks 4K \
	--buffers 1K,4K --csv "$tmp/long.csv"
expect "buffer 1K fails on it" "$tmp/out" '^  4K +1K +failed \(limit\): .*longer than buffer_size \(1K\)'
expect "what limited it, how long the value was, where, and what parsed it" "$tmp/out" \
	"^  chunk 4K buffer 1K: limited by buffer_size 1K < a 2.93K TitleText value at line $tline \\(buffer 4K parsed it\\)$"
expect "the CSV has it too" "$tmp/long.csv" \
	"^4K,4096,1K,1024,0,0,.*,limit,\".*\",\"buffer_size 1K < a 2.93K TitleText value at line $tline \\(buffer 4K parsed it\\)\"$"

# ---- errors ---------------------------------------------------------------------
run "tune without a file" 1 "$DDEXMON" tune
run "tune a missing file: input error" 2 "$DDEXMON" tune "$tmp/nope.xml"
run "tune standard input" 1 "$DDEXMON" tune -
run "a bad chunk size" 1 "$DDEXMON" tune "$tmp/d.xml" --chunks 4K,lots
expect "names the bad size" "$tmp/err" "lots"
run "runs must be positive" 1 "$DDEXMON" tune "$tmp/d.xml" --runs 0
run "a profile name with a slash" 1 "$DDEXMON" tune "$tmp/d.xml" --write-profile ../x
printf '<a>\n' >"$tmp/bad.xml"
run "every setting failing is an input error" 2 "$DDEXMON" tune "$tmp/bad.xml" --runs 1 --chunks 4K,64K
expect "the failure and its class are in the row" "$tmp/out" '^  4K +failed \(not_ern\): .*bad\.xml:1:1: not a DDEX ERN message'
expect "the verdict gives the real reason" "$tmp/out" \
	'^No setting parsed the file; every one failed \(not_ern\): .*bad\.xml:1:1: not a DDEX ERN'
expect_not "a file that is not ERN is not blamed on the budget" "$tmp/out" 'within the budget' 

# a limit: the verdict names the key to change, not the budget
run "a limit fails every setting" 2 "$DDEXMON" tune "$tmp/d.xml" --runs 1 --chunks 4K,64K \
	--set max_element_count=100 --csv "$tmp/lim.csv"
expect "the limit error and its key" "$tmp/out" \
	'^No setting parsed the file; every one failed \(limit\): .*max_element_count \(100\).*set max_element_count=0'
expect "the CSV has the error class" "$tmp/lim.csv" '^4K,4096,1M,1048576,0,0,0,.*,0,0,limit,".*max_element_count.*","max_element_count 100"$'

# settings failing differently: each one's reason on its own line
run "one setting over the budget, one over a limit" 3 "$DDEXMON" tune "$tmp/d.xml" --runs 1 \
	--chunks 16K,4M --set max_memory=1M --set max_element_count=100
expect "the limit's reason" "$tmp/out" '^  chunk 16K: failed \(limit\): .*set max_element_count=0'
expect "the budget's reason" "$tmp/out" '^  chunk 4M: failed \(memory\): .*memory limit exceeded.*set max_memory='
expect "the limit's key" "$tmp/out" '^  chunk 16K: limited by max_element_count 100$'
expect "the budget against the chunk" "$tmp/out" "^  chunk 4M: limited by max_memory 1M < expat's buffer for a 4M chunk$"

# ---- Ctrl-C: the table so far, exit 130 --------------------------------------
"$DDEXMON" tune "$tmp/d.xml" --runs 100 --chunks 4K,64K --csv "$tmp/int.csv" \
	--write-profile interrupted >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'run 2/100:' "$tmp/int.err"; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
wait $pid
same "SIGINT during a sweep: exit 130" "$?" "130"
expect "the table so far" "$tmp/int.out" '^[*~ ] 64K +[0-9]+\.[0-9] +[0-9.]+-[0-9.]+ '
expect "says it was interrupted" "$tmp/int.out" '^Interrupted after [0-9]+ of 200 runs \([0-9]+ s\): the table so far\.$'
same "the CSV of the table so far" "$(wc -l <"$tmp/int.csv" | tr -d ' ')" "3"
expect "no profile from half a sweep" "$tmp/int.err" 'not written: the sweep was interrupted'
if [ -e "$XDG_CONFIG_HOME/ddexmon/profiles/interrupted.profile" ]; then
	not_ok "no profile file"
else
	ok "no profile file"
fi
# the children are forks of the same command line: none may outlive it
sleep 0.2
same "no child left behind" "$(pgrep -f -- "tune $tmp/d.xml --runs 100 " | wc -l | tr -d ' ')" "0"

# ---- on a terminal: one progress line, rewritten, cleared; Ctrl-C there ----
if command -v python3 >/dev/null 2>&1; then
	python3 "$DM_SRCDIR/tests/cli/pty_run.py" 0 "$tmp/pty.out" \
		"$DDEXMON" tune "$tmp/d.xml" --runs 2 --chunks 4K,64K
	same "under a terminal: exit 0" "$?" "0"
	cr=$(printf '\r')
	expect "a progress line: setting, run, elapsed" "$tmp/pty.out" \
		"${cr}.\\[Ktune: chunk 64K buffer 1M \\(setting 2/2\\), run 2/2, [0-9]+:[0-9][0-9] elapsed, ~[0-9]+:[0-9][0-9] left"
	expect "cleared before the table" "$tmp/pty.out" "${cr}.\\[K${cr}?\$"
	expect_not "no per-run lines on a terminal" "$tmp/pty.out" '^tune: chunk .* run 1/2: '
	expect "the table follows" "$tmp/pty.out" '^\* [0-9]+K .* chosen'
	python3 "$DM_SRCDIR/tests/cli/pty_run.py" 1.0 "$tmp/pty2.out" \
		"$DDEXMON" tune "$tmp/d.xml" --runs 100 --chunks 4K,64K
	same "Ctrl-C on the terminal: exit 130" "$?" "130"
	expect "the table so far after Ctrl-C" "$tmp/pty2.out" 'Interrupted after [0-9]+ of 200 runs'
else
	echo "# python3 not found: terminal checks skipped"
fi

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
echo "# all $n passed"
exit 0
