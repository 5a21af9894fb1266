#!/usr/bin/env python3
"""make bench-rd: rate–distortion of Tessera against JPEG, JPEG 2000, JPEG XL and WebP.

For every image of each set (grey and colour pages of documents/, the 24 Kodak photographs,
a grey document mosaic and a colour mosaic), each codec is swept over about six quality points;
bits per pixel count the whole file (Tessera's embedded codebook included) and PSNR is over
every sample. The Bjøntegaard delta rate (PSNR-based, cubic fit of log rate, over the PSNR range
both curves cover) of each codec against libjpeg-turbo is computed per image and averaged per
set. On Kodak, Tessera is also run with one collection codebook trained on all 24 images and
counted once for the set (the batch use). Lossless sizes per set: Tessera --lossless against
PNG, TIFF+ZSTD, JPEG XL and JPEG 2000 lossless; and the 1-bit document scans against their
CCITT G4 originals. Writes bench-out/rd/report.md and one SVG plot per set.

Environment: BENCH_RD_QUICK=1 takes a few images per set (a smoke run); BENCH_RD_IMAGES=N at
most N images per set; BENCH_RD_SETS=word,word only the sets whose title contains one of the
words (e.g. Kodak,colour); TESSERA_CORPUS.
"""
import concurrent.futures as cf, math, os, shutil, subprocess, sys
import numpy as np

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/tessera")
CORPUS = os.path.abspath(os.environ.get("TESSERA_CORPUS", "../shared/corpus"))
CACHE = os.path.abspath("bench-cache")
QUICK = os.environ.get("BENCH_RD_QUICK") == "1"
PER_SET = int(os.environ.get("BENCH_RD_IMAGES", "0"))  # at most this many images per set (0: all)
OUT = os.path.abspath("bench-out/rd")
WORK = OUT + "/work"
JOBS = 2

# ---------------------------------------------------------------- images


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True, **kw)


def read_pnm(path):
    data = open(path, "rb").read()
    magic = data[:2]
    tokens, i = [], 2
    while len(tokens) < 3:
        while data[i:i + 1].isspace():
            i += 1
        if data[i:i + 1] == b"#":
            while data[i:i + 1] != b"\n":
                i += 1
            continue
        j = i
        while not data[j:j + 1].isspace():
            j += 1
        tokens.append(int(data[i:j]))
        i = j
    w, h, maxval = tokens
    channels = 3 if magic == b"P6" else 1
    dtype = np.uint8 if maxval < 256 else ">u2"
    a = np.frombuffer(data[i + 1:], dtype)[: w * h * channels]
    return a.reshape(h, w, channels).astype(np.float64)


def psnr(original, decoded):
    a, b = read_pnm(original), read_pnm(decoded)
    if a.shape[2] == 1 and b.shape[2] == 3:
        b = b[:, :, :1]
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else 10 * math.log10(255 * 255 / mse)


def pixels(path):
    a = read_pnm(path)
    return a.shape[0] * a.shape[1]


# ---------------------------------------------------------------- codecs
# Each returns (bytes, decoded PNM path) for one setting.


def jpeg(src, q, tag):
    enc, dec = f"{tag}.jpg", f"{tag}.pnm"
    run(["cjpeg", "-quality", str(q), "-outfile", enc, src])
    run(["djpeg", "-pnm", "-outfile", dec, enc])
    return os.path.getsize(enc), dec


def j2k(src, bpp, tag):
    grey = open(src, "rb").read(2) == b"P5"
    ratio = (8 if grey else 24) / bpp
    enc, dec = f"{tag}.j2k", f"{tag}.{'pgm' if grey else 'ppm'}"
    run(["opj_compress", "-i", src, "-o", enc, "-r", f"{ratio:.4f}"])
    run(["opj_decompress", "-i", enc, "-o", dec])
    return os.path.getsize(enc), dec


def jxl(src, d, tag):
    enc, dec = f"{tag}.jxl", f"{tag}.ppm"  # djxl picks the format by extension; grey comes out as PGM
    run(["cjxl", src, enc, "-d", str(d), "-e", "7"])
    run(["djxl", enc, dec])
    return os.path.getsize(enc), dec


def webp(src, q, tag):
    enc, dec = f"{tag}.webp", f"{tag}.ppm"
    run(["cwebp", "-quiet", "-q", str(q), src, "-o", enc])
    run(["dwebp", "-quiet", enc, "-ppm", "-o", dec])
    return os.path.getsize(enc), dec


def tessera(src, args, tag):
    enc, dec = f"{tag}.tess", f"{tag}.pnm"
    run([BIN, "compress", src, "-o", enc, "--quiet"] + args)
    run([BIN, "decompress", enc, "-o", dec, "--quiet"])
    return os.path.getsize(enc), dec


JPEG_Q = [20, 40, 60, 75, 85, 95]
JXL_D = [6, 4, 2.5, 1.5, 1, 0.5]
WEBP_Q = [20, 40, 60, 75, 85, 95]
VQ_K = [16, 64, 256, 1024, 4096]
VQ2_K = [16, 64, 256, 1024]
VQ = "Tessera VQ (K = 16 … 4096)"
VQ2 = "Tessera VQ, 2×2 patches (K = 16 … 1024)"
NL = "Tessera near-lossless (E = 16 … 1)"
NL_E = [16, 8, 4, 2, 1]
TX = "Tessera transform (step 28 … 2)"
TX_STEPS = [28, 18, 12, 8, 5, 3, 2]
BEST = "Tessera best of all its lossy modes"


def front(points):
    """The points no other point beats (no more bits and no lower PSNR), by rate."""
    return sorted(p for p in points if not any(q != p and q[0] <= p[0] and q[1] >= p[1] for q in points))


def sweep(src, tag, collection=None):
    """Every codec's points for one image: {codec: [(bpp, psnr), …]}."""
    n = pixels(src)
    points = {}

    def add(name, results):
        points[name] = [(8 * size / n, psnr(src, dec)) for size, dec in results]

    add("JPEG (libjpeg-turbo)", [jpeg(src, q, f"{tag}-jpeg{q}") for q in JPEG_Q])
    add("JPEG 2000 (OpenJPEG)", [j2k(src, b, f"{tag}-j2k{i}") for i, (b, _) in enumerate(points["JPEG (libjpeg-turbo)"])])
    add("JPEG XL (libjxl)", [jxl(src, d, f"{tag}-jxl{d}") for d in JXL_D])
    add("WebP", [webp(src, q, f"{tag}-webp{q}") for q in WEBP_Q])
    add(VQ, [tessera(src, ["--codewords", str(k)], f"{tag}-vq{k}") for k in VQ_K])
    # 2×2 patches pay above ~1.5 bits per pixel on textured photographs.
    add(VQ2, [tessera(src, ["--codewords", str(k), "--patch", "2"], f"{tag}-vq2x{k}") for k in VQ2_K])
    add(NL, [tessera(src, ["--max-error", str(e)], f"{tag}-nl{e}") for e in NL_E])
    add(TX, [tessera(src, ["--step", str(s)], f"{tag}-tx{s}") for s in TX_STEPS])
    # Tessera's best lossy mode at each rate: the points of every mode no other point beats
    # (fewer bits and no lower PSNR), the curve a user choosing by --psnr would get.
    points[BEST] = front(points[VQ] + points[VQ2] + points[NL] + points[TX])
    if collection:
        results = []
        for k, (tcb, share) in collection.items():
            size, dec = tessera(src, ["--codebook", tcb], f"{tag}-cvq{k}")
            # The codebook is embedded in each file; counted once for the set, it costs `share` here.
            results.append((size - os.path.getsize(tcb) + share, dec))
        add("Tessera VQ, collection codebook counted once", results)
    for f in os.listdir(WORK):
        if f.startswith(tag + "-"):
            os.remove(os.path.join(WORK, f))
    return points


# ---------------------------------------------------------------- Bjøntegaard


def bd_rate(ref, test):
    """Average rate difference (%) of `test` against `ref` over their common PSNR range."""
    ref = sorted(p for p in ref if math.isfinite(p[1]))
    test = sorted(p for p in test if math.isfinite(p[1]))
    if len(ref) < 4 or len(test) < 4:
        return None
    lo = max(min(p[1] for p in ref), min(p[1] for p in test))
    hi = min(max(p[1] for p in ref), max(p[1] for p in test))
    if hi <= lo:
        return None

    def integral(pts):
        q = [p[1] for p in pts]
        r = [math.log(p[0]) for p in pts]
        c = np.polyfit(q, r, 3)
        P = np.polyint(c)
        return (np.polyval(P, hi) - np.polyval(P, lo)) / (hi - lo)

    return (math.exp(integral(test) - integral(ref)) - 1) * 100


# ---------------------------------------------------------------- sets


def manifest():
    rows = []
    with open(os.path.join(CORPUS, "MANIFEST.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def to_pnm(rel, name):
    dst = os.path.join(OUT, "inputs", name)
    if not os.path.exists(dst):
        run([BIN, "convert", "--quiet", os.path.join(CORPUS, rel), dst])
    return dst


def mosaic(kind, side, inputs):
    """A side × side mosaic of real corpus images (tessera-bench mosaic), as PGM/PPM."""
    name = f"rd-mosaic-{kind}-{side}"
    tif = os.path.join(CACHE, name + ".tif")
    if not os.path.exists(tif):
        os.makedirs(CACHE, exist_ok=True)
        bench = os.path.join(os.path.dirname(BIN), "tessera-bench")
        run([bench, "mosaic", "--kind", kind, "--width", str(side), "--height", str(side), "--cell", "512",
             "-o", tif] + inputs)
    return to_pnm(tif, name + (".pgm" if kind == "grey" else ".ppm"))


def sets():
    rows = [r for r in manifest() if r["status"] == "ok"]
    docs = [r for r in rows if r["path"].startswith("documents/")]
    grey = [to_pnm(r["path"], os.path.basename(r["path"]) + ".pgm") for r in docs if r["spp"] == "1" and r["bits"] == "8" and r["mode"] != "P"]
    colour = [to_pnm(r["path"], os.path.basename(r["path"]) + ".ppm") for r in docs if r["spp"] in ("3", "4") or r["mode"] in ("P", "RGB", "YCBCR")]
    kodak = [to_pnm(f"kodak/kodim{i:02d}.png", f"kodim{i:02d}.ppm") for i in range(1, 25)]
    result = [("grey document pages", grey), ("colour document pages", colour), ("Kodak (24)", kodak)]
    # The two benchmark mosaics, built from the corpus with tessera-bench (cached in bench-cache/).
    result.append(("grey document mosaic 8192²", [mosaic("grey", 8192, [os.path.join(CORPUS, r["path"]) for r in docs])]))
    colour_inputs = [os.path.join(CORPUS, "kodak", f"kodim{i:02d}.png") for i in range(1, 25)]
    colour_inputs += [os.path.join(CORPUS, r["path"]) for r in docs if r["spp"] in ("3", "4") or r["mode"] == "YCBCR"]
    result.append(("colour mosaic 4096² (Kodak + colour pages)", [mosaic("rgb", 4096, colour_inputs)]))
    only = [w.strip() for w in os.environ.get("BENCH_RD_SETS", "").split(",") if w.strip()]
    if only:
        result = [(t, f) for t, f in result if any(w in t for w in only)]
    if QUICK or PER_SET:
        result = [(t, f[: PER_SET or 2]) for t, f in result]
    return result


# ---------------------------------------------------------------- report


def svg(title, curves, path):
    W, H, M = 640, 420, 50
    allp = [p for c in curves.values() for p in c if math.isfinite(p[1])]
    x0, x1 = 0, max(p[0] for p in allp) * 1.05
    y0, y1 = min(p[1] for p in allp) - 1, max(p[1] for p in allp) + 1
    X = lambda x: M + (x - x0) / (x1 - x0) * (W - 2 * M)
    Y = lambda y: H - M - (y - y0) / (y1 - y0) * (H - 2 * M)
    colours = ["#000000", "#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#ff7f0e", "#8c564b"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="18" text-anchor="middle" font-size="13">{title}: mean bits per pixel vs mean PSNR</text>',
           f'<line x1="{M}" y1="{H-M}" x2="{W-M}" y2="{H-M}" stroke="black"/><line x1="{M}" y1="{M}" x2="{M}" y2="{H-M}" stroke="black"/>',
           f'<text x="{W/2}" y="{H-12}" text-anchor="middle">bits per pixel</text>',
           f'<text x="14" y="{H/2}" transform="rotate(-90 14 {H/2})" text-anchor="middle">PSNR dB</text>']
    for i in range(6):
        xv = x0 + (x1 - x0) * i / 5
        yv = y0 + (y1 - y0) * i / 5
        out.append(f'<text x="{X(xv)}" y="{H-M+14}" text-anchor="middle">{xv:.2f}</text>')
        out.append(f'<text x="{M-4}" y="{Y(yv)+4}" text-anchor="end">{yv:.1f}</text>')
    for i, (name, pts) in enumerate(curves.items()):
        pts = sorted(p for p in pts if math.isfinite(p[1]))
        c = colours[i % len(colours)]
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{" ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in pts)}"/>')
        for a, b in pts:
            out.append(f'<circle cx="{X(a):.1f}" cy="{Y(b):.1f}" r="2.5" fill="{c}"/>')
        out.append(f'<rect x="{W-M-230}" y="{M+4+i*15}" width="10" height="10" fill="{c}"/><text x="{W-M-215}" y="{M+13+i*15}">{name}</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out))


def lossless(title, files, originals=None):
    sizes = {}
    def add(name, size):
        sizes[name] = sizes.get(name, 0) + size
    for src in files:
        t = os.path.join(WORK, "ll")
        add("Tessera --lossless (512² tiles)", tessera(src, ["--lossless", "--tile", "512"], t)[0])
        run(["vips", "pngsave", src, t + ".png", "--compression", "9"]); add("PNG (vips, compression 9)", os.path.getsize(t + ".png"))
        run(["vips", "tiffsave", src, t + ".tif", "--compression", "zstd", "--predictor", "horizontal", "--tile"]); add("TIFF + ZSTD (vips, predictor)", os.path.getsize(t + ".tif"))
        run(["cjxl", src, t + ".jxl", "-d", "0", "-e", "7"]); add("JPEG XL lossless (-e 7)", os.path.getsize(t + ".jxl"))
        run(["opj_compress", "-i", src, "-o", t + ".j2k"]); add("JPEG 2000 lossless", os.path.getsize(t + ".j2k"))
    return sizes


def main():
    for tool in ["cjpeg", "djpeg", "opj_compress", "cjxl", "cwebp", "vips"]:
        if not shutil.which(tool):
            sys.exit(f"bench-rd: {tool} is missing (make bench-deps installs the peers)")
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(os.path.join(OUT, "inputs"), exist_ok=True)
    os.chdir(WORK)
    report = ["# make bench-rd — rate–distortion against JPEG, JPEG 2000, JPEG XL, WebP", "",
              "BD-rate: Bjøntegaard delta rate against libjpeg-turbo (negative: fewer bits for the same PSNR), per image over the PSNR range both curves cover, then the mean over the set (n = images where the ranges overlap). Bits count the whole file; Tessera's codebook is embedded in each file except in the collection row.", ""]
    for title, files in sets():
        if not files:
            continue
        collection = None
        if title.startswith("Kodak"):
            collection = {}
            for k in [16, 64, 256, 1024, 4096]:
                tcb = os.path.join(WORK, f"collection-{k}.tcb")
                run([BIN, "train", *files, "-o", tcb, "--codewords", str(k), "--quiet"])
                collection[k] = (tcb, os.path.getsize(tcb) / len(files))
        with cf.ThreadPoolExecutor(JOBS) as pool:
            results = list(pool.map(lambda a: sweep(a[1], f"i{a[0]}", collection), enumerate(files)))
        codecs = list(results[0].keys())
        ref = "JPEG (libjpeg-turbo)"
        report += [f"## {title} ({len(files)} image{'s' if len(files) > 1 else ''})", "",
                   "| codec | BD-rate vs JPEG | n | mean bpp range | mean PSNR range |", "|---|---:|---:|---|---|"]
        means = {}
        for c in codecs:
            bds = [b for b in (bd_rate(r[ref], r[c]) for r in results) if b is not None]
            npts = min(len(r[c]) for r in results)
            mean_pts = [(np.mean([r[c][i][0] for r in results]), np.mean([min(r[c][i][1], 99) for r in results])) for i in range(npts)]
            means[c] = mean_pts
            bd = f"{np.mean(bds):+.1f} %" if bds and c != ref else ("—" if c == ref else "no overlap")
            report.append(f"| {c} | {bd} | {len(bds) if c != ref else ''} | {min(p[0] for p in mean_pts):.3f} – {max(p[0] for p in mean_pts):.3f} | {min(p[1] for p in mean_pts):.2f} – {max(p[1] for p in mean_pts):.2f} |")
        plot = title.split(" (")[0].replace(" ", "-").replace("²", "") + ".svg"
        svg(title, means, os.path.join(OUT, plot))
        report += ["", f"Plot: `{plot}`. Points (mean bpp, mean PSNR):", ""]
        for c, pts in means.items():
            report.append(f"- {c}: " + ", ".join(f"{a:.3f}/{b:.2f}" for a, b in pts))
        report.append("")
        print("\n".join(report[-(len(codecs) + len(means) + 8):]), flush=True)
    # Lossless
    report += ["## Lossless (total bytes per set)", ""]
    ll_sets = [(t, f) for t, f in sets() if not t.startswith("colour mosaic") and not t.startswith("grey document mosaic")]
    rows = []
    for title, files in ll_sets:
        sizes = lossless(title, files)
        rows.append((title, sizes))
    names = list(rows[0][1].keys())
    report += ["| set | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for title, sizes in rows:
        report.append(f"| {title} | " + " | ".join(f"{sizes[n]:,}" for n in names) + " |")
    # 1-bit documents against their G4 originals
    g4 = [r for r in manifest() if r["status"] == "ok" and r["path"].startswith("documents/") and r["compression"] == "CCITTFAX4"]
    if QUICK:
        g4 = g4[:2]
    total_g4 = total_t = 0
    report += ["", "1-bit pages (CCITT G4 TIFF in the corpus) against Tessera --lossless (512² tiles):", "", "| page | G4 bytes | Tessera bytes | ratio |", "|---|---:|---:|---:|"]
    for r in g4:
        src = os.path.join(CORPUS, r["path"])
        size = tessera(src, ["--lossless", "--tile", "512"], os.path.join(WORK, "g4"))[0]
        total_g4 += int(r["bytes"]); total_t += size
        report.append(f"| {os.path.basename(r['path'])} | {int(r['bytes']):,} | {size:,} | {size / int(r['bytes']):.3f} |")
    report.append(f"| **all** | {total_g4:,} | {total_t:,} | {total_t / max(total_g4, 1):.3f} |")
    open(os.path.join(OUT, "report.md"), "w").write("\n".join(report) + "\n")
    print("\n".join(report[-(len(g4) + len(rows) + 12):]))
    print(f"\nreport: {OUT}/report.md, plots: {OUT}/*.svg")


if __name__ == "__main__":
    main()
