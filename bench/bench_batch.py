#!/usr/bin/env python3
"""make bench-batch: the watch folder's throughput on a folder of real corpus images.

Runs, on the same folder (Kodak photographs and document scans from the corpus):
  - tessera watch --once with 1 worker (every core per file) and with 2 workers (1 thread each);
  - tessera compress FOLDER --out-dir (one process, files one after another), for reference;
  - vips tiffsave to tiled JPEG TIFF, 1 and 2 files at a time (xargs -P), the tool users would
    otherwise script for a batch.
Prints files/s and MP/s (median of BENCH_REPEAT runs, default 3) side by side.
"""
import json, os, shutil, statistics, subprocess, sys, time

BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/release/tessera"
CORPUS = os.environ.get("TESSERA_CORPUS", "../shared/corpus")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
WORK = "bench-out/batch"


def corpus_sets():
    """Two folders of one kind each (a collection codebook serves one kind of image):
    the 24 Kodak photographs (RGB) and the grey and 1-bit document scans."""
    photos, pages = [], []
    with open(os.path.join(CORPUS, "MANIFEST.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            if r["status"] != "ok" or not r["width"] or not r["height"]:
                continue
            px = int(r["width"]) * int(r["height"])
            if r["path"].startswith("kodak/"):
                photos.append((r["path"], px))
            elif r["path"].startswith("documents/") and r["spp"] == "1" and r["mode"] != "P":
                pages.append((r["path"], px))
    return [("Kodak photographs (RGB)", sorted(photos)), ("grey and 1-bit document scans", sorted(pages))]


def fresh_folder(files):
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK + "/in")
    for rel, _ in files:
        shutil.copy(os.path.join(CORPUS, rel), WORK + "/in/" + rel.replace("/", "-"))


def timed(cmd, env=None):
    t = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return time.monotonic() - t, p


def main():
    if not os.path.isdir(CORPUS + "/kodak"):
        sys.exit(f"bench-batch: corpus not found at {CORPUS}")
    print(f"{os.cpu_count()} cores; median of {REPEAT} runs; every run starts from a fresh copy of the folder")
    for title, files in corpus_sets():
        bench_set(title, files)
    shutil.rmtree(WORK, ignore_errors=True)


def bench_set(title, files):
    mp = sum(px for _, px in files) / 1e6
    print(f"\n## {title}: {len(files)} files, {mp:.1f} MP in all\n")
    results = []
    def run(name, make_cmd, check):
        times = []
        for _ in range(REPEAT):
            fresh_folder(files)
            seconds, p = timed(make_cmd())
            if not check(p):
                print(f"{name}: failed: {p.stderr.strip()[:300]}")
                return
            times.append(seconds)
        s = statistics.median(times)
        results.append((name, s, len(files) / s, mp / s))

    def watch(workers, threads):
        return lambda: [BIN, "watch", WORK + "/in", "--out", WORK + "/out", "--once", "--settle", "0",
                        "--workers", str(workers), "--threads", str(threads), "--json"]

    def watch_ok(p):
        done = sum(1 for l in p.stdout.splitlines() if '"event":"done"' in l)
        return p.returncode == 0 and done == len(files)

    run("tessera watch, 1 worker x 2 threads", watch(1, 2), watch_ok)
    run("tessera watch, 2 workers x 1 thread", watch(2, 1), watch_ok)
    # The batch use: one collection codebook trained over the folder, then every file uses it
    # (its training time is included).
    def with_codebook(workers, threads):
        return lambda: ["sh", "-c",
                        f"{BIN} train {WORK}/in -o {WORK}/collection.tcb --quiet && "
                        + " ".join(watch(workers, threads)()) + f" --codebook {WORK}/collection.tcb"]

    run("tessera watch, 1 worker, collection codebook", with_codebook(1, 2), watch_ok)
    run("tessera watch, 2 workers, collection codebook", with_codebook(2, 1), watch_ok)
    run("tessera compress FOLDER (one process)",
        lambda: [BIN, "compress", WORK + "/in", "--out-dir", WORK + "/out", "--quiet"],
        lambda p: p.returncode == 0)
    if shutil.which("vips"):
        for jobs in (1, 2):
            script = (f"ls {WORK}/in/* | xargs -P {jobs} -I{{}} sh -c "
                      f"'vips tiffsave \"$1\" \"{WORK}/out/$(basename \"$1\").tif\" --tile --compression jpeg --Q 75' _ {{}}")
            run(f"vips tiffsave tiled JPEG, {jobs} at a time (xargs -P {jobs})",
                lambda s=script: ["sh", "-c", f"mkdir -p {WORK}/out && " + s], lambda p: p.returncode == 0)
    else:
        print("vips: not installed (apt-get install libvips-tools)")
    print()
    print("| tool | seconds | files/s | MP/s |")
    print("|---|---:|---:|---:|")
    for name, s, fps, mps in results:
        print(f"| {name} | {s:.2f} | {fps:.2f} | {mps:.1f} |")
    by = {n: mps for n, _, _, mps in results}
    for a, b in [("tessera watch, 1 worker x 2 threads", "tessera watch, 2 workers x 1 thread"),
                 ("tessera watch, 1 worker, collection codebook", "tessera watch, 2 workers, collection codebook")]:
        if by.get(a) and by.get(b):
            print(f"\n{b} vs {a}: {by[b] / by[a]:.2f}x")


main()
