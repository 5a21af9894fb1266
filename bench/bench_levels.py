#!/usr/bin/env python3
"""Resolution levels (issue 15): Tessera against a vips pyramidal TIFF, side by side in one run.

usage: bench_levels.py BIN GREY.pgm COLOUR.ppm   (bench/bench-levels.sh builds the mosaics)

For each mosaic:
- size and compress time of Tessera files with and without levels, in the default mode (VQ),
  transform (--step 6) and lossless, and the peak RSS of compress (its --json);
- vips: a pyramidal tiled TIFF (JPEG Q75, 256x256 tiles) and the same without the pyramid;
- the whole image to 1024x1024 in a fresh process (median of BENCH_REPEAT runs, default 11):
  `tessera decompress --size 1024,1024` against `vips thumbnail` on the pyramid;
- random views (BENCH_VIEWS, default 40; seeded): a random region at a random scale 1/2 ... 1/64
  with an output of about 1024x1024, in a fresh process each (`decompress --region --size`;
  vips: `vips crop` of the pyramid page of that scale), and through the library
  (`tessera-bench views`: TessImage.view with the file open);
- fidelity: the PSNR of every stored level against the original's box means (what compress
  measures while it codes them) beside the file's full-resolution PSNR.
Views are written as PGM/PPM by both tools, so that neither pays for a PNG or JPEG encoder.
"""
import json, os, random, resource, statistics, subprocess, sys, time

BIN = sys.argv[1]
BENCH = os.path.join(os.path.dirname(BIN), "tessera-bench")
INPUTS = [("grey", sys.argv[2]), ("colour", sys.argv[3])]
OUT = "bench-out/levels"
REPEAT = int(os.environ.get("BENCH_REPEAT", "11"))
COMPRESS_REPEAT = int(os.environ.get("BENCH_COMPRESS_REPEAT", "3"))
VIEWS = int(os.environ.get("BENCH_VIEWS", "40"))
os.makedirs(OUT, exist_ok=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench-levels: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return r.stdout


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    start = time.perf_counter()
    run(cmd)
    return (time.perf_counter() - start) * 1e3


def median_ms(cmd, n=REPEAT):
    return statistics.median(timed(cmd) for _ in range(n))


def pnm_size(path):
    with open(path, "rb") as f:
        head = f.read(64).split()
    return int(head[1]), int(head[2])


def pct(values, p):
    s = sorted(values)
    return s[max(0, int(-(-p * len(s) // 1)) - 1)]


rows = []
for name, pnm in INPUTS:
    ext = "pgm" if pnm.endswith(".pgm") else "ppm"
    width, height = pnm_size(pnm)
    print(f"\n== {name}: {pnm} ({width}x{height}, {width * height / 1e6:.0f} MP)", flush=True)
    files = {}
    for mode, args in [("vq", []), ("transform", ["--step", "6"]), ("lossless", ["--lossless"])]:
        # With and without levels, alternately (the default mode COMPRESS_REPEAT times, the others
        # once): medians of wall time and of CPU time, this machine being shared and noisy.
        got, wall, cpu = {}, {True: [], False: []}, {True: [], False: []}
        for _ in range(COMPRESS_REPEAT if mode == "vq" else 1):
            for levels in (True, False):
                out = f"{OUT}/{name}-{mode}{'' if levels else '-nolevels'}.tess"
                before = cpu_of_children()
                start = time.perf_counter()
                j = json.loads(run([BIN, "compress", pnm, "-o", out, "--json"] + args + ([] if levels else ["--no-levels"])))
                wall[levels].append(time.perf_counter() - start)
                cpu[levels].append(cpu_of_children() - before)
                got[levels] = j
                if levels:
                    files[mode] = out
                elif mode != "vq":
                    os.remove(out)
        a, b = got[True], got[False]
        mp = width * height / 1e6
        rows.append(dict(input=name, mode=mode, bytes=a["output_bytes"], bytes_nolevels=b["output_bytes"],
                         size_ratio=a["output_bytes"] / b["output_bytes"],
                         mps=mp / statistics.median(wall[True]), mps_nolevels=mp / statistics.median(wall[False]),
                         cpu=statistics.median(cpu[True]), cpu_nolevels=statistics.median(cpu[False]),
                         runs=len(wall[True]), rss_mb=a.get("peak_rss_bytes", 0) / 2**20,
                         rss_nolevels_mb=b.get("peak_rss_bytes", 0) / 2**20, psnr=a["psnr"],
                         levels=a["levels"]))
        r = rows[-1]
        print(f"   tessera {mode}: {r['bytes']} bytes with levels, {r['bytes_nolevels']} without "
              f"(x{r['size_ratio']:.4f}); compress {r['mps']:.1f} MP/s against {r['mps_nolevels']:.1f} "
              f"(x{r['mps'] / r['mps_nolevels']:.2f}; CPU {r['cpu']:.1f} s against {r['cpu_nolevels']:.1f} s, "
              f"x{r['cpu_nolevels'] / r['cpu']:.2f}; median of {r['runs']}); peak RSS {r['rss_mb']:.0f} MB "
              f"({r['rss_nolevels_mb']:.0f} MB without)", flush=True)
    pyramid, flat = f"{OUT}/{name}-vips-pyramid.tif", f"{OUT}/{name}-vips-flat.tif"
    opts = "[tile,tile-width=256,tile-height=256,compression=jpeg,Q=75,bigtiff"
    run(["vips", "copy", pnm, pyramid + opts + ",pyramid]"])
    run(["vips", "copy", pnm, flat + opts + "]"])
    vips_ratio = os.path.getsize(pyramid) / os.path.getsize(flat)
    os.remove(flat)
    print(f"   vips: pyramid {os.path.getsize(pyramid)} bytes, x{vips_ratio:.3f} the same tiles without it", flush=True)

    tess = files["vq"]
    whole_t = median_ms([BIN, "decompress", tess, "-o", f"{OUT}/whole.{ext}", "--size", "1024,1024", "--quiet"])
    whole_v = median_ms(["vips", "thumbnail", pyramid, f"{OUT}/whole-vips.{ext}", "1024"])
    print(f"   whole image to 1024x1024, fresh process, median of {REPEAT}: tessera {whole_t:.1f} ms, "
          f"vips thumbnail {whole_v:.1f} ms (x{whole_t / whole_v:.2f})", flush=True)

    rng = random.Random(15)
    views = []
    for _ in range(VIEWS):
        k = rng.randint(1, 6)
        side_w, side_h = min(1024 << k, width), min(1024 << k, height)
        x, y = rng.randrange(0, width - side_w + 1), rng.randrange(0, height - side_h + 1)
        views.append((k, x, y, side_w, side_h, max(1, side_w >> k), max(1, side_h >> k)))
    with open(f"{OUT}/{name}-views.txt", "w") as f:
        for k, x, y, w, h, ow, oh in views:
            f.write(f"{x} {y} {w} {h} {ow} {oh}\n")
    cli_t, cli_v = [], []
    for k, x, y, w, h, ow, oh in views:
        cli_t.append(timed([BIN, "decompress", tess, "-o", f"{OUT}/view.{ext}", "--region", f"{x},{y},{w},{h}",
                            "--size", f"{ow},{oh}", "--quiet"]))
        # The pyramid's page k is the image halved k times: crop the region's part of it.
        pw, ph = (width >> k), (height >> k)
        cx, cy = min(x >> k, pw - 1), min(y >> k, ph - 1)
        cli_v.append(timed(["vips", "crop", f"{pyramid}[page={k}]", f"{OUT}/view-vips.{ext}", str(cx), str(cy),
                            str(min(ow, pw - cx)), str(min(oh, ph - cy))]))
    lib = json.loads(run([BENCH, "views", tess, "--list", f"{OUT}/{name}-views.txt", "--json"]))["latency"]
    print(f"   random views ({VIEWS}, scale 1/2 ... 1/64, output about 1024x1024): CLI median tessera "
          f"{statistics.median(cli_t):.1f} ms, vips crop {statistics.median(cli_v):.1f} ms; p95 tessera "
          f"{pct(cli_t, 0.95):.1f} ms, vips {pct(cli_v, 0.95):.1f} ms; library median {lib['median_ms']:.2f} ms, "
          f"p95 {lib['p95_ms']:.2f} ms", flush=True)
    by_k = {}
    for (k, *_), t in zip(views, cli_t):
        by_k.setdefault(k, []).append(t)
    print("   CLI median by scale: " + ", ".join(f"1/{1 << k} {statistics.median(v):.1f} ms" for k, v in sorted(by_k.items())))
    rows.append(dict(input=name, mode="views", whole_ms=whole_t, whole_vips_ms=whole_v,
                     cli_median=statistics.median(cli_t), cli_vips_median=statistics.median(cli_v),
                     lib_median=lib["median_ms"], lib_p95=lib["p95_ms"], vips_pyramid_ratio=vips_ratio))
    os.remove(pyramid)

print("\n| input | mode | bytes with levels | without | size ratio | compress MP/s with / without (speed ratio) | CPU s with / without | RSS MB with / without | full-res PSNR | stored levels: PSNR (dB) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["mode"] == "views":
        continue
    lv = ", ".join(f"{l['level']}: {l['psnr'] if isinstance(l['psnr'], str) else round(l['psnr'], 2)}" for l in r["levels"])
    ps = r["psnr"] if isinstance(r["psnr"], str) else f"{r['psnr']:.2f}"
    print(f"| {r['input']} | {r['mode']} | {r['bytes']} | {r['bytes_nolevels']} | {r['size_ratio']:.4f} | "
          f"{r['mps']:.1f} / {r['mps_nolevels']:.1f} (x{r['mps'] / r['mps_nolevels']:.2f}) | "
          f"{r['cpu']:.1f} / {r['cpu_nolevels']:.1f} | {r['rss_mb']:.0f} / {r['rss_nolevels_mb']:.0f} | {ps} | {lv} |")
print("\n| input | whole 1024² tessera / vips (ms) | ratio | random views CLI median tessera / vips (ms) | library median / p95 (ms) | vips pyramid size ratio |")
print("|---|---|---|---|---|---|")
for r in rows:
    if r["mode"] != "views":
        continue
    print(f"| {r['input']} | {r['whole_ms']:.1f} / {r['whole_vips_ms']:.1f} | {r['whole_ms'] / r['whole_vips_ms']:.2f} | "
          f"{r['cli_median']:.1f} / {r['cli_vips_median']:.1f} | {r['lib_median']:.2f} / {r['lib_p95']:.2f} | "
          f"{r['vips_pyramid_ratio']:.3f} |")
