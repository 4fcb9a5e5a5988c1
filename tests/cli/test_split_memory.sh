#!/bin/sh
# --split memory does not grow with the file: the accounted peak of a
# 400 MB parse is that of a 50 MB one within a few KiB (the same number of
# segments in flight, whatever the number of segments in the file), for
# parse and run, at the default segment size and at a small one that cuts
# the file into tens of thousands of segments; peak RSS stays flat too.
set -u
: "${DDEXMON:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
need_bounded
cd "$tmp" || exit 1

# the summary event's accounted peak, in bytes
peak() { sed -n 's/.*"event":"summary".*"accounted_peak":\([0-9]*\).*/\1/p' "$1"; }

# flat NAME SMALL LARGE SLACK: LARGE may pass SMALL by SLACK bytes at most
flat() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$3" -le $(($2 + $4)) ]; then
		ok "$1 ($3 against $2)"
	else
		not_ok "$1" "large ${3:-?} against small ${2:-?} (slack $4)"
	fi
}

"$DDEXMON" gen --size 50M --seed 1 s.xml 2>/dev/null || not_ok "gen 50M"
"$DDEXMON" gen --size 400M --seed 1 l.xml 2>/dev/null || not_ok "gen 400M"
"$DDEXMON" gen --size 8M --seed 2 s8.xml 2>/dev/null || not_ok "gen 8M"
"$DDEXMON" gen --size 64M --seed 2 l64.xml 2>/dev/null || not_ok "gen 64M"

# what a table of every segment would add between 50 MB and 400 MB at the
# default size (a few hundred bytes each, 1 to 2 MB apart) is over 50 KiB
MAXKB=${DM_SPLIT_MAXKB:-40000}
for cmd in parse run; do
	extra=
	[ "$cmd" = run ] && extra="--force --no-sample-events"
	for f in s l; do
		# shellcheck disable=SC2086
		bounded "$cmd --split 2 $f.xml" 0 300 "$DDEXMON" $cmd $extra --split 2 --events "$f.ev" "$f.xml"
		expect_not "$cmd --split 2 $f.xml: split, not one thread" "$tmp/err" 'parsed on one thread'
		expect "$cmd --split 2 $f.xml: in segments" "$f.ev" '"event":"file_done".*"segments":[1-9][0-9]'
		eval "rss_$f=\$(tail -n 1 \"\$tmp/rss\")"
	done
	flat "$cmd: accounted peak at 400 MB that of 50 MB" "$(peak s.ev)" "$(peak l.ev)" 16384
	# RSS is the allocator's: allow it 2 MiB (256 MiB under ASan, whose
	# quarantine is bounded, not flat)
	slack=2048
	[ "$dm_asan" = 1 ] && slack=$((256 * 1024))
	flat "$cmd: peak RSS (KiB) at 400 MB that of 50 MB" "$rss_s" "$rss_l" $slack
done

# 4 KiB segments: 2,000 against 16,000 of them through the same ring; a
# parser begun for each fills ASan's quarantine, hence the looser RSS bound
# (the accounted peak is the measure here)
MAXKB=150000
for f in s8 l64; do
	DDEXMON_SPLIT_SEGMENT=4096 bounded "parse --split 3, 4 KiB segments, $f.xml" 0 300 \
		"$DDEXMON" parse --split 3 --events "$f.ev" "$f.xml"
	expect "$f.xml: in thousands of segments" "$f.ev" '"event":"file_done".*"segments":[1-9][0-9][0-9][0-9]'
done
flat "4 KiB segments: accounted peak at 64 MB that of 8 MB" "$(peak s8.ev)" "$(peak l64.ev)" 16384

echo "1..$n"
exit $((failures > 0))
