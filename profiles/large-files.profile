# large-files: multi-gigabyte deliveries (the seed's example settings).
#
# Memory stays bounded whatever the file size, so the budget is about
# headroom for many workers and long text values, not about the file.

description = multi-GB deliveries: 1G budget, 32K chunks, reclaim at 70%

# The seed's LARGE_FILE_CONFIG: a 1G budget, 32K chunks, GC at 0.7.
max_memory = 1G
chunk_size = 32K
flush_threshold = 0.7

# No element cap (as by default): a 1 GB delivery has about 20 million
# elements, and the depth limit and the budget bound memory.
max_element_count = 0

# Big catalogues carry long notes and lyrics; allow up to 4M per value.
buffer_size = 4M

# Hours-long runs: keep more buffers warm, sample less often, and look for
# leaks over a longer stretch with a larger threshold (a long run's RSS
# wanders more than a short one's).
pool_max_size = 128
sample_interval = 250ms
trend_window = 30s
leak_threshold = 64M
leak_window = 6h
