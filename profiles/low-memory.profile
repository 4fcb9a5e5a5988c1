# low-memory: small containers and busy hosts (a 64-128 MB memory limit).
#
# Everything that holds memory is made smaller; the price is a few percent
# of throughput (smaller reads, fewer pooled buffers, one file at a time).

description = small containers: 32M budget, 16K chunks, one file at a time

# Well under a 64M container limit, leaving room for libc, the binary and
# the kernel's page cache accounting.
max_memory = 32M

# 16K reads keep expat's buffer at 16-32K; throughput is within ~10% of 64K
# (measure yours with `ddexmon tune`).
chunk_size = 16K

# Real ERN text values are a few KB at most; 256K still leaves a wide margin
# and bounds the worst single allocation to under 1% of the budget.
buffer_size = 256K

# Reclaim early: at 60% of the budget there is still room to act.
flush_threshold = 0.6

# Few idle buffers kept, none after a reclamation: memory over speed.
pool_max_size = 8
pool_floor = 0

# Sampling four times a second is plenty for a long-running batch job.
sample_interval = 250ms

# In a small process 16M of steady growth is already a leak worth a look.
leak_threshold = 16M

# One file at a time: the whole budget for it, no competing expat buffers.
max_concurrent = 1

# Back off sooner when the host is short: wait above 75% memory use.
admission_percent = 75
