#!/usr/bin/env python3
"""Write a synthetic ddexmon recording: HOURS of a batch run sampled every
INTERVAL seconds, in the shape `run --events` writes (start, files queued,
started and done every few minutes with progress, samples with per-tag
figures, a reclamation every 10 minutes, pressure on and off, a leak
suspected and confirmed near the end, summary and status).

    bench/synth-recording.py [--hours 24] [--interval 0.1] [--gzip] OUT
"""
import argparse, gzip, math, random, sys

ap = argparse.ArgumentParser()
ap.add_argument("--hours", type=float, default=24)
ap.add_argument("--interval", type=float, default=0.1)
ap.add_argument("--gzip", action="store_true")
ap.add_argument("out")
a = ap.parse_args()

rnd = random.Random(1)
out = gzip.open(a.out, "wt", compresslevel=6) if a.gzip else open(a.out, "w")
w = out.write
MiB = 1048576
end = a.hours * 3600
n = int(end / a.interval)
w('{"event":"start","t":0.001,"time":"2026-11-30T20:00:00.000Z","profile":"default",'
  '"max_memory":"512M","chunk_size":"64K","max_element_depth":"100","max_element_count":"0",'
  '"buffer_size":"1M","flush_threshold":"0.8","continue_on_error":"false","max_errors":"10",'
  '"allow_dtd_entities":"false","pool_max_size":"64","pool_floor":"2","sample_interval":"100ms",'
  '"trend_window":"10s","leak_interval":"1s","leak_window":"1h","leak_threshold":"50M",'
  '"report_dir":"./ddexmon-reports","max_concurrent":"0","admission_percent":"85",'
  '"split_workers":"1","workers":2,"pid":4242,"version":"0.1.0"}\n')
file_every = 600.0            # a new delivery every 10 minutes
nfiles = int(end / file_every)
for i in range(nfiles):
    w('{"event":"file_queued","t":0.002,"time":"2026-11-30T20:00:00.002Z","file":"/deliveries/batch-%04d.xml","index":%d,"size":%d}\n'
      % (i, i, 900 * MiB))
cur = -1
leak_from = end * 0.8         # a slow leak in the last fifth
reclaims = pressure = 0
for k in range(1, n + 1):
    t = k * a.interval
    f = int(t // file_every)
    if f != cur and f < nfiles:
        if cur >= 0:
            w('{"event":"file_done","t":%.6g,"file":"/deliveries/batch-%04d.xml","index":%d,"bytes":%d,"size":%d,'
              '"records":500000,"seconds":%.6g,"mb_per_s":%.6g,"state":"done","counts":{"header":1,"party":1,'
              '"resource":2,"release":3,"deal":4},"peak":2200000,"retried":false,"ern_version":"4.3"}\n'
              % (t, cur, cur, 900 * MiB, 900 * MiB, file_every - 60, 900 * MiB / 1e6 / (file_every - 60)))
        cur = f
        w('{"event":"file_start","t":%.6g,"file":"/deliveries/batch-%04d.xml","index":%d,"bytes":0,"size":%d}\n'
          % (t, f, f, 900 * MiB))
    phase = (t % file_every) / file_every
    leak = max(0.0, t - leak_from) * 2000
    rss = int(30 * MiB + 40 * MiB * phase + leak + rnd.random() * MiB)
    parser = int(150000 + 2 * MiB * phase)
    pools = int(600000 + 100000 * math.sin(t / 50))
    w('{"event":"sample","t":%.6g,"time":"2026-11-30T20:00:00.000Z","rss":%d,"rss_peak":%d,'
      '"mem_total":25276502016,"mem_available":24556404736,"mem_used_pct":2.8,"heap_inuse":%d,'
      '"heap_free":168992,"accounted":%d,"accounted_peak":%d,"tags":{"parser":{"live":%d,"peak":%d,'
      '"allocs":97,"frees":2},"records":{"live":2000,"peak":4000,"allocs":10,"frees":9},"pools":'
      '{"live":%d,"peak":700000,"allocs":4,"frees":0},"output":{"live":65536,"peak":65536,"allocs":1,'
      '"frees":0},"other":{"live":240550,"peak":240550,"allocs":7,"frees":0},"leak":{"live":%d,'
      '"peak":%d,"allocs":9,"frees":0}},"trend":"stable","rate":1000,"to_budget":null}\n'
      % (t, rss, rss, rss - 4 * MiB, parser + pools + 308086 + int(leak), parser + pools + 308086 + int(leak),
         parser, parser, pools, int(leak), int(leak)))
    if k % int(1 / a.interval) == 0 and cur >= 0:
        w('{"event":"progress","t":%.6g,"file":"/deliveries/batch-%04d.xml","index":%d,"bytes":%d,"size":%d,'
          '"records":1000,"seconds":%.6g,"mb_per_s":1.7}\n'
          % (t, cur, cur, int(min(phase * 1.1, 1) * 900 * MiB), 900 * MiB, t % file_every))
    if k % int(600 / a.interval) == 0:
        reclaims += 1
        w('{"event":"reclaim","t":%.6g,"reason":"flush threshold","pool_bytes":100000,"rss_before":%d,'
          '"rss_after":%d,"rss_freed":%d,"trimmed":true}\n' % (t, rss, rss - MiB, MiB))
    if k == n // 3 or k == n // 3 + int(30 / a.interval):
        on = k == n // 3
        w('{"event":"pressure","t":%.6g,"on":%s,"chunk_size":"%s"}\n' % (t, "true" if on else "false", "32K" if on else "64K"))
    if k == int((leak_from + 1800) / a.interval):
        w('{"event":"leak_suspected","t":%.6g,"state":"suspected","snapshots":3,"growth":60000000,'
          '"span":1800,"rate":2000,"rss":%d}\n' % (t, rss))
    if k == int((leak_from + 3600) / a.interval):
        w('{"event":"leak_confirmed","t":%.6g,"state":"confirmed","snapshots":4,"growth":70000000,'
          '"span":3600,"rate":2000,"reclaimed":0,"rss":%d,"alert":{"type":"memory_leak","severity":"high",'
          '"message":"Memory leak detected: 66.76MB growth"},"heap_report":"./ddexmon-reports/heap-20261201T180000Z.json"}\n'
          % (t, rss))
w('{"event":"summary","t":%.6g,"files":%d,"files_ok":%d,"files_failed":0,"bytes":%d,"seconds":%.6g,'
  '"mb_per_s":1.57,"records":{"header":%d,"party":1,"resource":2,"release":3,"deal":4},'
  '"accounted_peak":2400000,"rss_peak":%d,"mallocs":1000,"mallocs_per_mb":0.1,"reclamations":%d,'
  '"reclaimed_bytes":%d,"leaks_suspected":1,"leaks_confirmed":1,"exit_code":0}\n'
  % (end, nfiles, nfiles, nfiles * 900 * MiB, end, nfiles, 180 * MiB, reclaims, reclaims * MiB))
out.close()
print("synth-recording: %s: %d samples over %g h" % (a.out, n, a.hours), file=sys.stderr)
