#!/usr/bin/env python3
"""Region latency from a cold start: every region is decoded by a fresh process.

  regions.py list --count N --size S --width W --height H [--seed 1] > regions.txt
      writes N random top-left corners (X Y per line) of SxS regions inside a WxH image;
      every tool in a benchmark decodes the same list.
  regions.py run --list regions.txt --size S [--limit N] [--output FILE] -- CMD ARGS...
      runs CMD once per region (placeholders in ARGS: {x} {y} {w} {h} {x1} {y1}, where
      x1 = x + w and y1 = y + h are exclusive) and prints one JSON line:
      {"count", "median_ms", "p95_ms", "mean_ms", "min_ms", "max_ms", "rc", "stderr"}.
      Each latency is the wall time of the whole process, start to exit. With --output, the
      file is removed before every run and must exist after it (a tool that exits 0 without
      writing its output is an error, not a fast run).

The 95th percentile is the nearest-rank one, as tessera-bench regions computes it.
"""
import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time


def summary(times_ms):
    s = sorted(times_ms)
    if not s:
        return {"count": 0}
    rank = max(math.ceil(0.95 * len(s)), 1)
    return {"count": len(s), "median_ms": statistics.median(s), "p95_ms": s[rank - 1],
            "mean_ms": statistics.fmean(s), "min_ms": s[0], "max_ms": s[-1]}


def cmd_list(a):
    rng = random.Random(a.seed)
    for _ in range(a.count):
        print(rng.randint(0, max(a.width - a.size, 0)), rng.randint(0, max(a.height - a.size, 0)))


def cmd_run(a, cmd):
    corners = []
    with open(a.list) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                corners.append((int(parts[0]), int(parts[1])))
    if a.limit:
        corners = corners[:a.limit]
    times, rc, err = [], 0, ""
    for x, y in corners:
        v = {"x": x, "y": y, "w": a.size, "h": a.size, "x1": x + a.size, "y1": y + a.size}
        args = [arg.format(**v) for arg in cmd]
        if a.output and os.path.exists(a.output):
            os.unlink(a.output)
        start = time.perf_counter()
        try:
            p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as e:
            rc, err = 127, f"{args[0]}: {e.strerror}"
            break
        elapsed = (time.perf_counter() - start) * 1e3
        if p.returncode != 0:
            rc, err = p.returncode, p.stderr.decode(errors="replace").strip()[-300:]
            break
        if a.output and not os.path.exists(a.output):
            rc, err = 1, f"{args[0]} exited 0 but wrote no {a.output} (region {x},{y})"
            break
        times.append(elapsed)
    if a.output and os.path.exists(a.output):
        os.unlink(a.output)
    out = summary(times)
    out.update({"rc": rc, "stderr": err})
    print(json.dumps(out))


def main():
    argv = sys.argv[1:]
    cmd = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    lp = sub.add_parser("list")
    lp.add_argument("--count", type=int, required=True)
    lp.add_argument("--size", type=int, default=1024)
    lp.add_argument("--width", type=int, required=True)
    lp.add_argument("--height", type=int, required=True)
    lp.add_argument("--seed", type=int, default=1)
    rp = sub.add_parser("run")
    rp.add_argument("--list", required=True)
    rp.add_argument("--size", type=int, default=1024)
    rp.add_argument("--limit", type=int, default=0, help="only the first N regions of the list")
    rp.add_argument("--output", help="the file each run must write")
    a = ap.parse_args(argv)
    if a.what == "list":
        cmd_list(a)
    else:
        if not cmd:
            ap.error("run needs a command after --")
        cmd_run(a, cmd)


if __name__ == "__main__":
    main()
