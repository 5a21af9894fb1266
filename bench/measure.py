#!/usr/bin/env python3
"""Run a command and report its wall time and peak resident memory (of the
child and its own children), measured by GNU time (/usr/bin/time) where it is
installed and with os.wait4's rusage otherwise.

usage: measure.py [--repeat N] [--stdout FILE] -- CMD ARGS...
prints one JSON line: {"seconds": median wall time, "all": [...], "peak_rss_mb": max,
                       "cpu_seconds": median user + system CPU time, "rc": status}
--stdout FILE keeps the command's standard output (of the last run) in FILE; otherwise it is discarded.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


# GNU time reports the peak RSS of the command alone. Without it, os.wait4's figure is used,
# which on Linux also counts the Python interpreter's ~14 MB (the high-water mark of the
# forking process survives exec), a floor that would hide small tools' true footprint.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd, stdout_path=None):
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    rss_file = tempfile.NamedTemporaryFile(prefix="measure-", suffix=".rss", delete=False) if GNU_TIME else None
    full = [GNU_TIME, "-f", "%M", "-o", rss_file.name] + cmd if rss_file else cmd
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(full, stdout=out, stderr=subprocess.PIPE)
    except OSError as e:  # not installed, not executable: report it like a failed run
        return time.perf_counter() - start, 0.0, 127, f"{cmd[0]}: {e.strerror}", 0.0
    finally:
        if stdout_path:
            out.close()
    # stderr is read before waiting, so that a chatty command cannot fill the pipe and stall.
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    peak_kib = usage.ru_maxrss
    if rss_file:
        lines = open(rss_file.name).read().split()
        os.unlink(rss_file.name)
        if lines and lines[-1].isdigit():
            peak_kib = int(lines[-1])
    return elapsed, peak_kib / 1024.0, rc, err, usage.ru_utime + usage.ru_stime


def main():
    args = sys.argv[1:]
    repeat = 1
    stdout_path = None
    while args[:1] in (["--repeat"], ["--stdout"]):
        if args[0] == "--repeat":
            repeat = int(args[1])
        else:
            stdout_path = args[1]
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    times, peaks, cpus, rc, err = [], [], [], 0, ""
    for _ in range(repeat):
        t, m, rc, err, c = run_once(args, stdout_path)
        times.append(t)
        peaks.append(m)
        cpus.append(c)
        if rc != 0:
            break
    print(json.dumps({"seconds": statistics.median(times), "all": times,
                      "peak_rss_mb": max(peaks), "cpu_seconds": statistics.median(cpus),
                      "rc": rc, "stderr": err.strip()[-300:]}))


if __name__ == "__main__":
    main()
