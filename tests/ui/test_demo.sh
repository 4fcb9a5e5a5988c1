#!/bin/sh
# The demo's story on the dashboard, in a private tmux server
# (tests/ui/lib.sh): the caption narrates it, it reaches the budget's
# clean refusal within 90 s, the screen stays up after it, q leaves a
# summary with the refused file and exit 4 (two files done, three
# refused), and the delivery's temporary files are gone.
set -u
. "${DM_SRCDIR:-.}/tests/ui/lib.sh"
TUI="$DDEXMON demo"
mkdir -p "$tmp/t" || exit 99
DM_ENV="LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color TMPDIR=$tmp/t XDG_RUNTIME_DIR=$tmp"
start story 120 40

if wait_for story "1/4 a normal parse" 30; then
	pass "act 1 is the caption"
else
	fail "act 1 never shown"
fi
if wait_for story "the end: the dashboard stays up" 90; then
	pass "the story reaches its end within 90 s"
else
	fail "the story did not end within 90 s"
fi
if cap story | grep -q "refused cleanly"; then
	pass "the budget's refusal is in the log"
else
	fail "no refusal on the screen"
fi
sleep 3
if cap story | grep -q "ENDED" || [ -e "$tmp/story.exit" ]; then
	fail "the dashboard left after the story"
elif cap story | grep -q "stays up"; then
	pass "the screen stays up after the story"
else
	fail "the caption went away"
fi
tmux -S "$SOCK" send-keys -t story q
if wait_for story "^ENDED" 15; then
	pass "q quits"
else
	fail "q did not quit"
fi
if grep -q "EXIT=4" "$tmp/story.exit" 2>/dev/null; then
	pass "exit 4: some files done, the refused ones failed"
else
	fail "exit code: $(cat "$tmp/story.exit" 2>/dev/null)"
fi
if cap story | grep -q "memory limit exceeded"; then
	pass "the summary names the memory limit"
else
	fail "no memory limit in the summary"
fi
left=$(ls "$tmp/t" | grep -c '^ddexmon-demo-')
if [ "$left" -eq 0 ]; then
	pass "the delivery's files are removed"
else
	fail "$left temporary files left"
fi
[ "$fails" -eq 0 ]
