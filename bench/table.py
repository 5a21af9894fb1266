#!/usr/bin/env python3
"""The table of `make bench` (bench/bench-main.sh), from its measurements.

usage: table.py RESULTS.jsonl [--quick 0|1] [--big 0|1] [--md OUT.md]

RESULTS.jsonl has one line per measurement: {"input", "tool", "kind", "data"}, where kind is
meta, encode, decode (bench/measure.py: seconds, peak_rss_mb, rc, stderr), size (bytes),
psnr (tessera-bench psnr), regions (bench/regions.py), libregions (tessera-bench regions),
report (tessera compress --json), threads1, identical, config or skip (why).
Prints one Markdown table (every input, every tool), the notes, Tessera's extra figures and
the acceptance targets of issue 5 with PASS/FAIL; with --md also writes it there.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
from collections import defaultdict

TOOLS = ["tessera", "vips-jpeg", "vips-zstd", "openjpeg", "jpegxl", "libjpeg"]
LABELS = {
    "tessera": "Tessera K=256, 4×4 patches",
    "vips-jpeg": "libvips tiled TIFF, JPEG Q75",
    "vips-zstd": "libvips tiled TIFF, ZSTD (lossless)",
    "openjpeg": "OpenJPEG, 1024² tiles, -r {ratio}",
    "jpegxl": "JPEG XL cjxl -q 75 -e 7",
    "libjpeg": "libjpeg-turbo cjpeg -q 75",
}
DASH = "—"


def load(path):
    data = defaultdict(lambda: defaultdict(dict))
    skips = defaultdict(list)
    inputs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["input"] not in inputs:
                inputs.append(r["input"])
            if r["kind"] == "skip":
                skips[r["input"]].append((r["tool"], r["data"]["why"]))
            else:
                data[r["input"]][r["tool"]][r["kind"]] = r["data"]
    return inputs, data, skips


def ok(d):
    return d is not None and d.get("rc", 0) == 0


def best(d):
    """Seconds of the fastest of a step's runs (BENCH_REPEAT)."""
    return min(d["all"]) if d.get("all") else d["seconds"]


def fmt(v, digits=1):
    if v is None:
        return DASH
    if isinstance(v, str):
        return v
    if v == float("inf"):
        return "∞"
    return f"{v:.{digits}f}"


def ratio_text(v):
    return DASH if v is None else f"{v:.2f}×"


class Figures:
    """The figures of one tool on one input, None where not measured."""

    def __init__(self, tool, t, pixels, channels):
        self.tool = tool
        enc, dec = t.get("encode"), t.get("decode")
        self.enc_failed = enc is not None and not ok(enc)
        self.dec_failed = dec is not None and not ok(dec)
        self.enc_mps = pixels / 1e6 / best(enc) if ok(enc) else None
        self.dec_mps = pixels / 1e6 / best(dec) if ok(dec) else None
        self.enc_rss = enc["peak_rss_mb"] if ok(enc) else None
        self.dec_rss = dec["peak_rss_mb"] if ok(dec) else None
        reg = t.get("regions")
        self.reg_failed = reg is not None and reg.get("rc", 0) != 0
        self.reg_med = reg.get("median_ms") if reg and reg.get("rc", 0) == 0 and reg.get("count") else None
        self.reg_p95 = reg.get("p95_ms") if self.reg_med is not None else None
        self.reg_count = reg.get("count") if self.reg_med is not None else None
        size = t.get("size")
        self.bpp = size["bytes"] * 8 / pixels if size else None
        p = t.get("psnr")
        self.psnr = p["psnr"] if p else None
        if isinstance(self.psnr, str):
            self.psnr = float(self.psnr)
        self.errors = []
        for kind, d in (("encode", enc), ("decode", dec), ("regions", reg)):
            if d is not None and d.get("rc", 0) != 0:
                self.errors.append(f"{kind} failed (exit {d['rc']}): {d.get('stderr', '').splitlines()[-1:] or ''}")


def build(inputs, data, skips, quick, big):
    out = []
    meta = {i: data[i]["meta"]["meta"] for i in inputs if "meta" in data[i].get("meta", {})}
    host = platform.node()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    out.append(f"# make bench — Tessera against its peers{' (QUICK run)' if quick else ''}")
    out.append("")
    out.append(f"{datetime.date.today()}, commit {commit or '?'}, {os.cpu_count()} cores ({cpu}), host {host}. "
               "Every tool reads the same binary PGM/PPM; outputs are PNM; the OS file cache is warm for all alike.")
    out.append("")
    env = data.get("env", {}).get("env", {})
    if env:
        start, end = env.get("start", {}), env.get("end", {})
        took = f", the run took {end['seconds'] // 60} min {end['seconds'] % 60} s" if "seconds" in end else ""
        out.append(f"Load average (1, 5, 15 min) at the start {start.get('loadavg', '?')}, at the end "
                   f"{end.get('loadavg', '?')}{took}: other jobs share this 2-core machine, so figures are noisy"
                   + (f"; every encode and decode ran {start['repeat']} times and the fastest counts."
                      if start.get("repeat", 1) > 1 else " (one run of each; BENCH_REPEAT=3 takes the best of 3)."))
    if quick:
        out.append("")
        out.append("**QUICK run** (BENCH_QUICK=1): the grey mosaic is not the gigapixel one and there are fewer "
                   "regions; the targets below are only indicative.")
    out.append("")
    for i in inputs:
        if i in meta and i not in ("big", "env"):
            m = meta[i]
            out.append(f"- **{i}**: {m['label']} = {m['width'] * m['height'] / 1e6:.1f} MP, "
                       f"{'grey' if m['channels'] == 1 else 'RGB'} 8-bit ({m.get('file', '')}); "
                       f"regions: {m.get('regions')} random 1024×1024, each decoded by a fresh process")
    out.append("")
    out.append("Speeds are megapixels per second of wall time (whole process); region latency is the "
               "whole process from a cold start to exit, writing a PNM; RSS is the peak resident set of "
               "the process (GNU time). The last three columns are Tessera's speed over the peer's "
               "(encode, decode) and the peer's region latency over Tessera's: above 1× Tessera is faster.")
    out.append("")
    head = ["input", "tool / config", "encode MP/s", "decode MP/s", "region median ms", "region p95 ms",
            "RSS encode MB", "RSS decode MB", "bpp", "PSNR dB", "Tessera × enc", "× dec", "× region"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|")
    figures = {}
    notes = []
    for i in inputs:
        if i == "big" or i not in meta:
            continue
        m = meta[i]
        pixels = m["width"] * m["height"]
        tools = data[i]
        first = True
        tess = Figures("tessera", tools.get("tessera", {}), pixels, m["channels"])
        figures[i] = {"tessera": tess}
        skipped = dict(skips.get(i, []))
        for tool in TOOLS:
            if tool not in tools and tool not in skipped:
                continue
            f = Figures(tool, tools.get(tool, {}), pixels, m["channels"])
            figures[i][tool] = f
            label = LABELS[tool]
            if tool == "openjpeg":
                label = label.format(ratio=tools.get(tool, {}).get("config", {}).get("ratio", "(Tessera's rate)"))
            if tool in skipped and tool not in tools:
                notes.append(f"{i} / {label}: {skipped[tool]}")
                label += " ¹" if "missing" in skipped[tool] else " ²"
            for e in f.errors:
                notes.append(f"{i} / {label}: {e}")
            if tool + "-regions" in skipped:
                notes.append(f"{i} / {label}: regions {skipped[tool + '-regions']}")
            reg_med = fmt(f.reg_med)
            if f.reg_count is not None and f.reg_count != m.get("regions"):
                reg_med += f" ({f.reg_count} regions)"
            r_enc = tess.enc_mps / f.enc_mps if tool != "tessera" and tess.enc_mps and f.enc_mps else None
            r_dec = tess.dec_mps / f.dec_mps if tool != "tessera" and tess.dec_mps and f.dec_mps else None
            r_reg = f.reg_med / tess.reg_med if tool != "tessera" and tess.reg_med and f.reg_med else None
            row = [i if first else "", label, fmt(f.enc_mps), fmt(f.dec_mps), reg_med, fmt(f.reg_p95),
                   fmt(f.enc_rss, 0), fmt(f.dec_rss, 0), fmt(f.bpp, 3), fmt(f.psnr, 2),
                   ratio_text(r_enc), ratio_text(r_dec), ratio_text(r_reg)]
            out.append("| " + " | ".join(row) + " |")
            first = False
        for tool, why in skips.get(i, []):
            if tool.startswith("tessera") and tool != "tessera":
                notes.append(f"{i} / {tool}: {why}")
    if any("vips-jpeg" in figures[i] and figures[i]["vips-jpeg"].enc_rss for i in figures):
        notes.append("libvips maps the whole PGM/PPM input into memory when encoding: its encode RSS is mostly "
                     "file-backed pages of the input (its own heap stays near 15 MB)")
    out.append("")
    if notes:
        out.append("¹ not installed; ² not run (reason below). Notes:")
        out.append("")
        for n in notes:
            out.append(f"- {n}")
        out.append("")

    # Tessera's extra figures.
    out.append("## Tessera, more figures")
    out.append("")
    for i in inputs:
        if i == "big" or i not in meta:
            continue
        t = data[i].get("tessera", {})
        rep = t.get("report")
        lib = t.get("libregions")
        lines = []
        if rep:
            lines.append(f"compress report: {rep['bits_per_pixel']:.3f} bpp, ratio {rep['ratio']:.1f}:1, PSNR "
                         f"{fmt(rep['psnr'] if not isinstance(rep['psnr'], str) else float(rep['psnr']), 2)} dB "
                         f"(independent PSNR of the decoded file: {fmt(figures[i]['tessera'].psnr, 2)} dB); "
                         f"sampling {rep['seconds_sampling']:.2f} s, training {rep['seconds_training']:.2f} s, "
                         f"encoding {rep['seconds_encoding']:.2f} s on {rep['threads']} threads")
        if lib:
            l = lib["latency"]
            lines.append(f"regions through the library API (TessImage.region, file opened once in "
                         f"{lib['open_ms']:.1f} ms): median {l['median_ms']:.2f} ms, p95 {l['p95_ms']:.2f} ms "
                         f"over {l['count']} regions (first {lib['first_ms']:.1f} ms)")
        t1 = t.get("threads1")
        enc = t.get("encode")
        if ok(enc) and enc.get("cpu_seconds"):
            dec = t.get("decode")
            lines.append(f"cores busy on average (CPU time over wall time, of {os.cpu_count()}): compress "
                         f"{enc['cpu_seconds'] / enc['seconds']:.2f} ({enc['cpu_seconds']:.1f} s of CPU in "
                         f"{enc['seconds']:.1f} s), full decompress "
                         + (f"{dec['cpu_seconds'] / dec['seconds']:.2f} ({dec['cpu_seconds']:.1f} s in {dec['seconds']:.1f} s)"
                            if ok(dec) and dec.get("cpu_seconds") else "—"))
        if ok(t1) and ok(enc):
            same = t.get("identical", {}).get("identical")
            lines.append(f"compress on 1 thread: {best(t1):.1f} s against {best(enc):.1f} s on every "
                         f"core = {best(t1) / best(enc):.2f}× speed-up; the two files are "
                         f"{'byte-identical' if same else 'DIFFERENT'}")
        for line in lines:
            out.append(f"- {i}: {line}")
    bigd = data.get("big", {}).get("tessera", {})
    grey = figures.get("grey", {}).get("tessera")
    if big:
        if ok(bigd.get("encode")) and "meta" in data.get("big", {}):
            bm = data["big"]["meta"]["meta"]
            bp = bm["width"] * bm["height"]
            be, bdec = bigd["encode"], bigd.get("decode")
            out.append(f"- big ({bm['label']}, {bp / 1e6:.0f} MP): compress {bp / 1e6 / best(be):.1f} MP/s at "
                       f"{be['peak_rss_mb']:.0f} MB peak RSS; decompress "
                       + (f"{bp / 1e6 / best(bdec):.1f} MP/s at {bdec['peak_rss_mb']:.0f} MB" if ok(bdec) else "failed"))
        else:
            why = "; ".join(w for t_, w in skips.get("big", [])) or (bigd.get("encode") or {}).get("stderr", "failed")
            out.append(f"- big: not measured ({why})")
    else:
        out.append("- big (4× the grey mosaic, flat memory): not run; `BENCH_BIG=1 make bench` runs it")
    out.append("")

    # Acceptance targets (issue 5), read from the grey mosaic.
    out.append("## Targets (issue 5), on the grey mosaic")
    out.append("")
    out.append("| target | measured | result |")
    out.append("|---|---:|:---:|")
    g = figures.get("grey", {})

    def target(text, value, passed, shown=None):
        mark = DASH if passed is None else ("PASS" if passed else "FAIL")
        out.append(f"| {text} | {shown if shown is not None else fmt(value)} | {mark} |")

    def peer(tool, attr):
        f = g.get(tool)
        return getattr(f, attr) if f else None

    if grey:
        target("compress ≥ 50 MP/s (K=256, 4×4, training included)", grey.enc_mps,
               None if grey.enc_mps is None else grey.enc_mps >= 50, fmt(grey.enc_mps) + " MP/s")
        opj = peer("openjpeg", "enc_mps")
        r = grey.enc_mps / opj if grey.enc_mps and opj else None
        target("compress ≥ 5× OpenJPEG's encode speed (9 MP/s in the issue)", r, None if r is None else r >= 5,
               f"{ratio_text(r)} (OpenJPEG {fmt(opj)} MP/s)")
        target("full decompress to PNM ≥ 300 MP/s", grey.dec_mps,
               None if grey.dec_mps is None else grey.dec_mps >= 300, fmt(grey.dec_mps) + " MP/s")
        for tool, text, ref in (("libjpeg", "djpeg", "263"), ("vips-jpeg", "vips reading the tiled JPEG TIFF", "217")):
            p = peer(tool, "dec_mps")
            r = grey.dec_mps / p if grey.dec_mps and p else None
            target(f"full decompress faster than {text} ({ref} MP/s in the issue)", r,
                   None if r is None else r > 1, f"{ratio_text(r)} ({text} {fmt(p)} MP/s)")
        target("region 1024² via the CLI, cold process: median ≤ 15 ms", grey.reg_med,
               None if grey.reg_med is None else grey.reg_med <= 15, fmt(grey.reg_med) + " ms")
        vc = peer("vips-jpeg", "reg_med")
        r = grey.reg_med / vc if grey.reg_med and vc else None
        target("region median ≤ ¼ of `vips crop` on the tiled JPEG TIFF (73 ms in the issue)", r,
               None if r is None else r <= 0.25, f"{fmt(r, 2)} of vips crop ({fmt(vc)} ms)")
        lib = data["grey"].get("tessera", {}).get("libregions")
        lm = lib["latency"]["median_ms"] if lib else None
        target("region through the library API: median ≤ 5 ms", lm, None if lm is None else lm <= 5,
               fmt(lm, 2) + " ms")
        for what, v in (("compress", grey.enc_rss), ("decompress", grey.dec_rss)):
            target(f"peak RSS ≤ 128 MB, {what}", v, None if v is None else v <= 128, fmt(v, 0) + " MB")
        if big:
            for kind, what in (("encode", "compress"), ("decode", "decompress")):
                b = bigd.get(kind)
                base = grey.enc_rss if kind == "encode" else grey.dec_rss
                bv = b["peak_rss_mb"] if ok(b) else None
                r = bv / base if bv and base else None
                target(f"peak RSS on the 4× mosaic within ±20% of the grey mosaic's, {what}", r,
                       None if r is None else 0.8 <= r <= 1.2,
                       f"{fmt(bv, 0)} MB = {fmt(r, 2)}× of {fmt(base, 0)} MB")
        else:
            target("peak RSS on the 4× mosaic within ±20% (BENCH_BIG=1)", None, None, "not run")
        t = data["grey"].get("tessera", {})
        t1, enc = t.get("threads1"), t.get("encode")
        r = best(t1) / best(enc) if ok(t1) and ok(enc) else None
        target(f"compress on {os.cpu_count()} threads ≥ 1.7× the speed of 1 thread", r,
               None if r is None else r >= 1.7, ratio_text(r))
    else:
        out.append("| (Tessera did not run on the grey mosaic) | | |")
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--quick", default="0")
    ap.add_argument("--big", default="0")
    ap.add_argument("--md")
    a = ap.parse_args()
    inputs, data, skips = load(a.results)
    text = build(inputs, data, skips, a.quick == "1", a.big == "1")
    print(text)
    if a.md:
        os.makedirs(os.path.dirname(a.md) or ".", exist_ok=True)
        with open(a.md, "w") as f:
            f.write(text + "\n")
        print(f"(written to {a.md})")


if __name__ == "__main__":
    main()
