#!/usr/bin/env python3
"""Make real index maps for the entropy coder's development, tests and benchmark.

For each source image (real scans and photos from the shared corpus), 4x4 grey
patches are quantised with codebooks trained on that image's own patches, as
`tessera compress` does when no codebook is given:

  * K-means (faiss), K = 256 and 1024: index order is arbitrary;
  * a 2-D batch self-organising map (16x16 or 32x32 grid, index = row * side + col):
    index order is topological (neighbouring indices are similar codewords).

Output, one map per (image, K, order):
  OUT/<name>_k<K>_<order>.u16   raw little-endian uint16 indices, row-major
  OUT/<name>_k<K>_<order>.json  {"width", "height", "alphabetSize", "order", "source", ...}

With --fixtures DIR it also writes small crops (for the committed test fixtures).

Usage: python3 bench/coding/make_indexmaps.py [--corpus DIR] [--out bench-cache/indexmaps]
                                              [--fixtures fixtures/indexmaps]
Needs numpy, Pillow and faiss-cpu (pip install faiss-cpu).
"""
import argparse
import json
import os
import sys

import numpy as np
from PIL import Image

import faiss

PATCH = 4
SEED = 1234

# (short name, corpus path, how to make a grey plane)
SOURCES = [
    ("lucasta", "documents/leptonica-lucasta.047.png", "L"),
    ("kant", "documents/ocrd-kant_aufklaerung_1784-NRM_0017.png", "L"),
    ("hebrew", "documents/tesseract-hebrew-nikud-genesis-1-2.png", "L"),
    ("dutillet", "documents/tesseract-DuTillet1004Pg2LG.png", "L"),
    ("sbb0005", "documents/ocrd-SBB0000F29300010000-FILE_0005_IMAGE.tif", "L"),
    ("feyn", "documents/leptonica-feyn.tif", "L"),
    ("kodim01", "kodak/kodim01.png", "L"),
    ("kodim05", "kodak/kodim05.png", "L"),
    ("kodim13", "kodak/kodim13.png", "L"),
    ("kodim23", "kodak/kodim23.png", "L"),
    ("kodim03cb", "kodak/kodim03.png", "Cb"),
    ("kodim03cr", "kodak/kodim03.png", "Cr"),
]

# Committed fixtures: (map name, crop x, crop y, crop width, crop height) in index units.
# Crops are 120x88 (not multiples of anything) so edge handling is exercised.
FIXTURE_CROPS = [
    ("lucasta", 60, 120, 120, 88),  # text block with margin
    ("kodim23", 36, 20, 120, 88),   # photo (parrots)
]
FIXTURE_FEYN = ("feyn", 40, 200, 120, 88)  # 1-bit page: long blank runs, K = 256 K-means only


def load_plane(path, how):
    im = Image.open(path)
    if how == "L":
        return np.asarray(im.convert("L"), dtype=np.uint8)
    ycc = im.convert("YCbCr")
    band = {"Y": 0, "Cb": 1, "Cr": 2}[how]
    return np.asarray(ycc, dtype=np.uint8)[:, :, band]


def patches_of(plane):
    """4x4 patches, edge-replicated to a multiple of 4, row-major over the patch grid."""
    h, w = plane.shape
    ph, pw = -(-h // PATCH), -(-w // PATCH)
    padded = np.pad(plane, ((0, ph * PATCH - h), (0, pw * PATCH - w)), mode="edge")
    p = padded.reshape(ph, PATCH, pw, PATCH).transpose(0, 2, 1, 3).reshape(ph * pw, PATCH * PATCH)
    return np.ascontiguousarray(p, dtype=np.float32), pw, ph


def kmeans_codebook(x, k):
    km = faiss.Kmeans(x.shape[1], k, niter=25, seed=SEED, verbose=False, max_points_per_centroid=512)
    km.train(x)
    return km.centroids


def som_codebook(x, k, epochs=20):
    """Batch SOM on a square grid; PCA-plane initialisation keeps the map from twisting."""
    side = int(round(np.sqrt(k)))
    assert side * side == k
    rng = np.random.default_rng(SEED)
    sample = x if len(x) <= 200_000 else x[rng.choice(len(x), 200_000, replace=False)]
    mean = sample.mean(0)
    cov = np.cov((sample - mean).T)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    pc1, pc2 = evecs[:, order[0]] * np.sqrt(evals[order[0]]), evecs[:, order[1]] * np.sqrt(evals[order[1]])
    g = np.linspace(-2, 2, side)
    rows, cols = np.meshgrid(g, g, indexing="ij")
    nodes = (mean + rows.reshape(-1, 1) * pc1 + cols.reshape(-1, 1) * pc2).astype(np.float32)
    gy, gx = np.divmod(np.arange(k), side)
    d2grid = (gy[:, None] - gy[None, :]) ** 2 + (gx[:, None] - gx[None, :]) ** 2
    sigma0, sigma1 = side / 2.0, 0.5
    for e in range(epochs):
        sigma = sigma0 * (sigma1 / sigma0) ** (e / max(1, epochs - 1))
        index = faiss.IndexFlatL2(x.shape[1])
        index.add(nodes)
        _, bmu = index.search(sample, 1)
        bmu = bmu[:, 0]
        counts = np.bincount(bmu, minlength=k).astype(np.float64)
        sums = np.zeros((k, x.shape[1]))
        np.add.at(sums, bmu, sample)
        h = np.exp(-d2grid / (2 * sigma * sigma))
        num = h @ sums
        den = h @ counts
        keep = den > 1e-9
        nodes[keep] = (num[keep] / den[keep, None]).astype(np.float32)
    return nodes


def quantise(x, codebook):
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(np.ascontiguousarray(codebook, dtype=np.float32))
    dist, idx = index.search(x, 1)
    return idx[:, 0].astype(np.uint16), float(dist.mean() / x.shape[1])


def write_map(out_dir, name, indices, width, height, meta):
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, name)
    indices.astype("<u2").tofile(base + ".u16")
    with open(base + ".json", "w") as f:
        json.dump(dict(meta, width=width, height=height), f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.environ.get("TESSERA_CORPUS", os.path.join(repo, "..", "shared", "corpus")))
    ap.add_argument("--out", default=os.path.join(repo, "bench-cache", "indexmaps"))
    ap.add_argument("--fixtures", default=None, help="also write the small committed crops here")
    args = ap.parse_args()
    faiss.omp_set_num_threads(2)

    crops = {c[0]: c for c in FIXTURE_CROPS}
    for name, rel, how in SOURCES:
        path = os.path.join(args.corpus, rel)
        if not os.path.exists(path):
            print(f"{path}: missing, skipped", file=sys.stderr)
            continue
        plane = load_plane(path, how)
        x, pw, ph = patches_of(plane)
        for k in (256, 1024):
            for order in ("kmeans", "som"):
                cb = kmeans_codebook(x, k) if order == "kmeans" else som_codebook(x, k)
                idx, mse = quantise(x, cb)
                psnr = 10 * np.log10(255.0 ** 2 / max(mse, 1e-12))
                meta = dict(alphabetSize=k, order=order, source=rel, plane=how, patch=PATCH,
                            codebook=("faiss K-means, 25 iterations" if order == "kmeans"
                                      else f"batch SOM {int(np.sqrt(k))}x{int(np.sqrt(k))}, 20 epochs"),
                            seed=SEED, psnr=round(psnr, 2))
                mapname = f"{name}_k{k}_{order}"
                write_map(args.out, mapname, idx, pw, ph, meta)
                print(f"{mapname}: {pw}x{ph}, distinct {len(np.unique(idx))}, PSNR {psnr:.2f} dB", flush=True)
                crop = crops.get(name)
                if name == FIXTURE_FEYN[0] and k == 256 and order == "kmeans":
                    crop = FIXTURE_FEYN
                if args.fixtures and crop:
                    _, cx, cy, cw, chh = crop
                    grid = idx.reshape(ph, pw)[cy:cy + chh, cx:cx + cw]
                    write_map(args.fixtures, mapname, np.ascontiguousarray(grid).reshape(-1),
                              grid.shape[1], grid.shape[0],
                              dict(meta, crop=[cx, cy, grid.shape[1], grid.shape[0]],
                                   fullMap=[pw, ph]))


if __name__ == "__main__":
    main()
