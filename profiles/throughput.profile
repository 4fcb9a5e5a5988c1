# throughput: batch jobs on a machine with memory to spare; speed first.

description = batch speed: large chunks, big pools, light sampling

# Plenty of room so that nothing is refused or reclaimed on the fast path.
max_memory = 512M

# Fewer, larger reads: less per-call overhead in read(2) and expat.
# 256K measured best on the reference machine (`ddexmon tune`); past 1M
# the buffer stops fitting in L2 and throughput drops again.
chunk_size = 256K

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
