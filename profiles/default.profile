# default: the built-in defaults, written out.
#
# Loading this profile changes nothing; it is here so that every value has
# a name you can copy from, and so that `ddexmon profiles` shows the base
# the other profiles differ from. Copy it to ~/.config/ddexmon/profiles/
# under another name to make your own.

description = built-in defaults: 512M budget, 64K chunks, one file per core

# The budget for accounted memory (expat's buffers, records, pools). A
# refused allocation fails the file cleanly (exit 3), never an OOM kill.
max_memory = 512M

# 64K reads are where expat's throughput levels off on most machines while
# the buffer stays small next to the budget (see `ddexmon tune`).
chunk_size = 64K

# Real deliveries nest a dozen levels deep; 100 stops hostile nesting early.
max_element_depth = 100

# 0 = no limit. Memory does not grow with the element count (the budget
# and the depth limit bound it), so this is only a policy cap on input
# size, for a service that refuses oversize uploads early: a generated
# delivery has about 20 million elements a GB.
max_element_count = 0

# The longest single start tag or text value held; covers any real field.
buffer_size = 1M

# Give idle pooled memory back when accounted bytes pass 80% of the budget.
flush_threshold = 0.8

# A record that fails its checks stops the file; turn on to skip and count.
continue_on_error = false
max_errors = 10

# A DOCTYPE declaring entities is the billion-laughs shape; DDEX has none.
allow_dtd_entities = false

# Enough idle buffers to cover one release's worth of fields without
# malloc; two survive a reclamation so the next record still hits the pool.
pool_max_size = 64
pool_floor = 2

# Ten samples a second: smooth charts at a cost far below 1% of a core.
sample_interval = 100ms
trend_window = 10s

# The leak detector. multiscale watches the floor memory returns to (the
# lows of each 1 s, 10 s, 1 min and 10 min interval, a day of them in a
# fixed few tens of KiB) and calls a leak only when that floor rises
# significantly, given the series' own noise, from one end of a window to
# the other: a fast leak is confirmed in about 20 s, 1 MiB a minute within
# a few minutes, while a step, a cache that fills and stops, or a sawtooth
# is reported as bounded growth and never as a leak. seed is the original
# rule below (three snapshots, forced reclamation).
leak_detector = multiscale

# Growth must be sustained this long to be a leak: longer than a cache
# takes to fill (15 s at any rate is never confirmed with 20s).
leak_min_duration = 20s

# Below these, growth is page-level creep, not a leak: 4K per second
# (240K a minute) and a floor that rose by at least 2M.
leak_min_rate = 4K
leak_min_growth = 2M

# Speed comes from projection, not proof: when the current growth would
# reach the limit (the budget in run; MemAvailable or --limit in watch)
# within this horizon, say so at once, with the time left. 0 turns it off.
exhaustion_horizon = 10m

# The seed's rule (leak_detector = seed): a snapshot a second, an hour of
# them, and 50M of growth across three snapshots before anything is
# suspected.
leak_interval = 1s
leak_window = 1h
leak_threshold = 50M
report_dir = ./ddexmon-reports

# One file per core, each worker with max_memory / workers of the budget;
# a file waits while the system is above 85% memory use.
max_concurrent = 0
admission_percent = 85
split_workers = 1
