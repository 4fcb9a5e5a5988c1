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

# The seed's leak detector: a snapshot a second, an hour of them, and 50M
# of growth across three snapshots before anything is suspected.
leak_interval = 1s
leak_window = 1h
leak_threshold = 50M
report_dir = ./ddexmon-reports

# One file per core, each worker with max_memory / workers of the budget;
# a file waits while the system is above 85% memory use.
max_concurrent = 0
admission_percent = 85
split_workers = 1
