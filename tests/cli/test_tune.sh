#!/bin/sh
# Shell tests of `ddexmon tune`: a row for every chunk size on a small
# generated delivery, one best row, progress on stderr, the CSV, buffer
# sweeps, --write-profile into $XDG_CONFIG_HOME, and usage errors.
#
# Needs $DDEXMON and $DM_SRCDIR (`make check` sets them).

set -u

: "${DDEXMON:?set DDEXMON to the ddexmon binary}"
: "${DM_SRCDIR:?set DM_SRCDIR to the source tree}"
[ -x "$DDEXMON" ] || { echo "not executable: $DDEXMON" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ddexmon-tune.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
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
	# marker, size, then a number for MB/s
	expect "a row for chunk $c" "$tmp/table" "^[* ] $c +[0-9]+\.[0-9] "
done
same "six rows" "$(grep -Ec '^[* ] [0-9]+[KM] ' "$tmp/table")" "6"
same "exactly one best row" "$(grep -Ec '^\* [0-9]+[KM] .* best$' "$tmp/table")" "1"
expect "the columns are named" "$tmp/table" '^ +chunk +MB/s .*peak RSS .*allocs +reclaims'
expect "the choice is spelled out" "$tmp/table" '^\* best within the budget: chunk_size = [0-9]+[KM] '
same "a progress line per run on stderr" "$(grep -Ec '^tune: chunk [0-9]+[KM] buffer 1M run [12]/2: [0-9.]+ MB/s' "$tmp/progress")" "12"

same "the CSV has a header and six rows" "$(wc -l <"$tmp/t.csv" | tr -d ' ')" "7"
expect "the CSV header" "$tmp/t.csv" '^chunk,chunk_bytes,buffer,buffer_bytes,runs,ok,retried,mbps_median,'
expect "the CSV has the 4M row in bytes" "$tmp/t.csv" '^4M,4194304,1M,1048576,2,1,0,'
same "one best row in the CSV" "$(awk -F, 'NR > 1 && $16 == 1' "$tmp/t.csv" | wc -l | tr -d ' ')" "1"
best=$(sed -n 's/^\* best within the budget: chunk_size = \([0-9]*[KM]\) .*/\1/p' "$tmp/table")
same "the CSV and the table agree on the best" \
	"$(awk -F, 'NR > 1 && $16 == 1 { print $1 }' "$tmp/t.csv")" "$best"

# ---- --write-profile ----------------------------------------------------------
prof="$XDG_CONFIG_HOME/ddexmon/profiles/tuned.profile"
expect "it says where the profile went" "$tmp/table" "^wrote profile 'tuned' to $prof"
if [ -f "$prof" ]; then ok "the profile exists"; else not_ok "the profile exists" "$prof"; fi
run "the profile is found by name" 0 "$DDEXMON" profiles tuned
expect "with the best chunk size" "$tmp/out" "^[* ] chunk_size +$best "
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
expect "16K is the best that fits" "$tmp/out" '^\* 16K .* best$'

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
expect "the CSV has the error class" "$tmp/lim.csv" '^4K,4096,1M,1048576,0,0,0,.*,0,limit,".*max_element_count'

# settings failing differently: each one's reason on its own line
run "one setting over the budget, one over a limit" 3 "$DDEXMON" tune "$tmp/d.xml" --runs 1 \
	--chunks 16K,4M --set max_memory=1M --set max_element_count=100
expect "the limit's reason" "$tmp/out" '^  chunk 16K: failed \(limit\): .*set max_element_count=0'
expect "the budget's reason" "$tmp/out" '^  chunk 4M: failed \(memory\): .*memory limit exceeded.*set max_memory='

echo "1..$n"
[ "$failures" -eq 0 ] || { echo "# $failures of $n failed"; exit 1; }
echo "# all $n passed"
exit 0
