#!/usr/bin/env python3
"""Grey PGM copies of the corpus's continuous-tone document scans, for `make bench-train`.

Every document in MANIFEST.tsv with 8-bit samples (grey, palette, RGB, YCbCr:
real scans, several decoded from JPEG) is converted to 8-bit grey with Pillow
(ITU-R 601 luma, first page) and written as PGM into the output folder. The
1-bit pages are left out: their patches are binary, a different problem.
Usage: prepare_train_inputs.py CORPUS OUTDIR
"""
import csv
import os
import sys

try:
    from PIL import Image
except ImportError:
    sys.exit("Pillow is missing (pip install pillow)")


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(corpus, "MANIFEST.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    written = 0
    for row in rows:
        if not row["path"].startswith("documents/") or row["status"] != "ok" or row["bits"] != "8":
            continue
        name = os.path.splitext(os.path.basename(row["path"]))[0] + ".pgm"
        target = os.path.join(out, name)
        if not os.path.exists(target):
            with Image.open(os.path.join(corpus, row["path"])) as im:
                im.seek(0)
                grey = im.convert("L")
                tmp = target + ".tmp"
                grey.save(tmp, format="PPM")
                os.replace(tmp, target)
        written += 1
    print(f"{written} grey document scans in {out}")


if __name__ == "__main__":
    main()
