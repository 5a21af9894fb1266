#!/usr/bin/env python3
"""Run a command and report its wall time and peak resident memory (of the
child and its own children), measured with os.wait4's rusage.

usage: measure.py [--repeat N] -- CMD ARGS...
prints one JSON line: {"seconds": median wall time, "all": [...], "peak_rss_mb": max, "rc": status}
"""
import json
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    rc = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    return elapsed, usage.ru_maxrss / 1024.0, rc, err


def main():
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"]:
        repeat = int(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    times, peaks, rc, err = [], [], 0, ""
    for _ in range(repeat):
        t, m, rc, err = run_once(args)
        times.append(t)
        peaks.append(m)
        if rc != 0:
            break
    print(json.dumps({"seconds": statistics.median(times), "all": times,
                      "peak_rss_mb": max(peaks), "rc": rc, "stderr": err.strip()[-300:]}))


if __name__ == "__main__":
    main()
