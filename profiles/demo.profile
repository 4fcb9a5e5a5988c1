# demo: `ddexmon demo` (README's Quick start). Quick sampling so the charts
# move, and a leak detector tuned so that the demo's injected leak
# (`ddexmon demo --leak`: 12M a second) goes from suspected to confirmed
# in about ten seconds, well within the minute the demo promises.

description = the demo: fast sampling, quick leak detection, private report directory

max_memory = 256M
chunk_size = 64K

# expat's input buffers (about twice chunk_size) stay in a pool between
# files, for the next file to reuse, until a reclamation frees them: the
# story's pools act, where memory goes up with each file and back down with
# each reclamation (a sawtooth that is not a leak).
pool_input_buffers = true

# The demo delivery (200M by default) has about 4 million elements.
max_element_count = 0

# 20 samples a second: smooth charts; the trend follows the last 5 s.
sample_interval = 50ms
trend_window = 5s

# Snapshots 2 s apart: three of them span 4 s, in which the demo's leak
# grows 48M, past the 32M threshold; a normal parse's RSS moves by a few
# megabytes at most, so without --leak nothing is suspected. The suspicion
# is decided after two intervals (4 s): long enough to see on screen.
leak_interval = 2s
leak_threshold = 32M
leak_window = 10m

# The multiscale detector (the default) confirms growth sustained for 10 s
# rather than 20: the injected leak is confirmed about 10 s after it is
# suspected, while the pools' sawtooth, whose floor falls back at every
# reclamation, is never growth at all.
leak_min_duration = 10s

# Heap reports from a demo are throwaway: keep them out of the current
# directory, in one of this user's own ("auto": $XDG_RUNTIME_DIR/ddexmon-reports,
# else $XDG_STATE_HOME/ddexmon/reports, else a private mkdtemp directory;
# see report_dir in ddexmon(1)). Never a fixed shared path in /tmp.
report_dir = auto
