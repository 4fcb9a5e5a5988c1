# throughput: batch jobs on a machine with memory to spare; speed first.

description = batch speed: no element limit, big pools, light sampling

# Plenty of room so that nothing is refused or reclaimed on the fast path.
max_memory = 512M

# `ddexmon tune` on generated 100M deliveries puts 64K on top, with 16K to
# 256K within about 10% of it, and 1M and 4M slower again (and 4M chunks
# cost 12M of buffer). Run tune on your own files and machine:
# `ddexmon tune FILE --profile throughput --write-profile mine`.
chunk_size = 64K

# Large deliveries are the point of a batch run: no element limit (the
# depth limit and the budget still guard against hostile input).
max_element_count = 0

# Only reclaim when it is really needed.
flush_threshold = 0.9

# More pooled buffers: almost no malloc per record once warm.
pool_max_size = 256
pool_floor = 8

# Sample twice a second: the monitor stays well out of the way.
sample_interval = 500ms
trend_window = 30s

# Every core busy; admission control still protects the host.
max_concurrent = 0
admission_percent = 90
