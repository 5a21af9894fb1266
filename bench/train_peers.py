#!/usr/bin/env python3
"""Peers of `tessera train` on the same patch sample, and the side-by-side table.

Called by bench/bench-train.sh after Tessera's runs. Reads the raw float32
sample, Tessera's codebooks (.tcb, read here independently of Tessera from
docs/FORMAT.md) and Tessera's timing files, runs FAISS k-means and
scikit-learn's KMeans and MiniBatchKMeans, and prints one table.

Every MSE is computed the same way for every method, here: the mean over all
sample patches of the squared distance to the nearest codeword (exact search),
divided by the 16 values of a 4x4 patch: mean squared error per pixel on the
0-255 scale. (Per patch vector it is 16 times larger.)

Usage: train_peers.py SAMPLE.f32 OUTDIR --dims 16 --ks 256,1024 --threads 2
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np

try:
    import faiss
except ImportError:
    faiss = None
try:
    import sklearn
    from sklearn.cluster import KMeans, MiniBatchKMeans
except ImportError:
    sklearn = None

MAGIC = bytes([0x8F, 0x54, 0x43, 0x42, 0x0D, 0x0A, 0x1A, 0x0A])


def read_tcb(path):
    """Plane 0's codewords of a .tcb file, checked against docs/FORMAT.md."""
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        raise ValueError(f"{path}: not a codebook")
    version, header_size, flags = struct.unpack_from("<HHI", data, 8)
    patch, layout, channels, algorithm, planes, dims, k = struct.unpack_from("<BBBBHHI", data, 16)
    if version != 1 or flags != 0:
        raise ValueError(f"{path}: version {version}, flags {flags}")
    expected = header_size + planes * (16 + 4 * k * dims) + 4
    if len(data) != expected:
        raise ValueError(f"{path}: {len(data)} bytes, header says {expected}")
    off = header_size
    iterations, _, mse = struct.unpack_from("<IId", data, off)
    codewords = np.frombuffer(data, dtype="<f4", count=k * dims, offset=off + 16).reshape(k, dims)
    return codewords.astype(np.float32), iterations, mse


def nearest_mse(x, centres, threads):
    """Mean over patches of the squared distance to the nearest centre, per value."""
    centres = np.ascontiguousarray(centres, dtype=np.float32)
    if faiss is not None:
        faiss.omp_set_num_threads(threads)
        index = faiss.IndexFlatL2(x.shape[1])
        index.add(centres)
        # IndexFlatL2 finds the nearest with the ||x||^2 + ||c||^2 - 2x.c expansion;
        # the distance to it is recomputed exactly below.
        _, labels = index.search(x, 1)
        diff = x - centres[labels[:, 0]]
        return float(np.einsum("ij,ij->i", diff, diff, dtype=np.float64).mean()) / x.shape[1]
    best = np.full(len(x), np.inf)
    cn = (centres.astype(np.float64) ** 2).sum(1)
    for s in range(0, len(x), 65536):
        part = x[s : s + 65536].astype(np.float64)
        d = (part ** 2).sum(1)[:, None] + cn[None, :] - 2 * part @ centres.T.astype(np.float64)
        best[s : s + 65536] = np.maximum(d.min(1), 0)
    return float(best.mean()) / x.shape[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sample")
    ap.add_argument("outdir")
    ap.add_argument("--dims", type=int, default=16)
    ap.add_argument("--ks", default="256,1024")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sklearn-kmeans-ks", default="256",
                    help="K values for scikit-learn's full KMeans (slow: ~100 s at K=256 here)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    x = np.fromfile(args.sample, dtype="<f4").reshape(-1, args.dims)
    ks = [int(k) for k in args.ks.split(",")]
    sk_ks = {int(k) for k in args.sklearn_kmeans_ks.split(",") if k}
    rows = []
    missing = []
    if faiss is None:
        missing.append("faiss-cpu (pip install faiss-cpu)")
    if sklearn is None:
        missing.append("scikit-learn (pip install scikit-learn)")

    for k in ks:
        tessera_iterations = None
        for algorithm in ("kmeans", "som"):
            stats_path = os.path.join(args.outdir, f"tessera-{algorithm}-{k}.json")
            tcb_path = os.path.join(args.outdir, f"tessera-{algorithm}-{k}.tcb")
            if not (os.path.exists(stats_path) and os.path.exists(tcb_path)):
                rows.append((k, f"Tessera {algorithm}", None, None, None, "did not run"))
                continue
            stats = json.load(open(stats_path))
            centres, iterations, _ = read_tcb(tcb_path)
            if algorithm == "kmeans":
                tessera_iterations = iterations
            note = f"{iterations} iterations" if algorithm == "kmeans" else f"{iterations} epochs, map order kept"
            rows.append((k, f"Tessera {algorithm}", stats["train_seconds"], nearest_mse(x, centres, args.threads),
                         iterations, note))
        niter = tessera_iterations or 25
        if faiss is not None:
            faiss.omp_set_num_threads(args.threads)
            for label, points_per_centroid in (("FAISS k-means, full sample", len(x) // k + 1),
                                               ("FAISS k-means, default subsample", None)):
                kw = {"niter": niter, "seed": 1, "verbose": False}
                if points_per_centroid:
                    kw["max_points_per_centroid"] = points_per_centroid
                km = faiss.Kmeans(args.dims, k, **kw)
                t = time.perf_counter()
                km.train(x)
                seconds = time.perf_counter() - t
                used = min(len(x), (points_per_centroid or 256) * k)
                rows.append((k, label, seconds, nearest_mse(x, km.centroids, args.threads), niter,
                             f"{niter} iterations (Tessera's count), random init, {used} patches"))
        if sklearn is not None:
            if k in sk_ks:
                t = time.perf_counter()
                km = KMeans(k, n_init=1, random_state=1).fit(x)
                seconds = time.perf_counter() - t
                rows.append((k, "scikit-learn KMeans", seconds, nearest_mse(x, km.cluster_centers_, args.threads),
                             km.n_iter_, f"k-means++, to convergence ({km.n_iter_} iterations), n_init=1"))
            else:
                rows.append((k, "scikit-learn KMeans", None, None, None,
                             "not run at this K (many minutes); set BENCH_SKLEARN_KMEANS_KS"))
            t = time.perf_counter()
            km = MiniBatchKMeans(k, random_state=1, batch_size=4096, n_init=1).fit(x)
            seconds = time.perf_counter() - t
            rows.append((k, "scikit-learn MiniBatchKMeans", seconds, nearest_mse(x, km.cluster_centers_, args.threads),
                         km.n_iter_, f"batch 4096, n_init=1, {km.n_iter_} epochs"))

    print()
    print(f"Codebook training on {len(x)} {int(args.dims ** 0.5)}x{int(args.dims ** 0.5)} grey patches, "
          f"{args.threads} threads. MSE: per pixel, 0-255 scale, exact nearest codeword, computed here for all.")
    print(f"{'K':>5}  {'method':<34} {'time s':>8} {'MSE/pixel':>10} {'PSNR dB':>8}  notes")
    for k, name, seconds, mse, _, note in rows:
        t = f"{seconds:8.2f}" if seconds is not None else f"{'-':>8}"
        m = f"{mse:10.3f}" if mse is not None else f"{'-':>10}"
        p = f"{10 * np.log10(255 * 255 / mse):8.2f}" if mse else f"{'-':>8}"
        print(f"{k:>5}  {name:<34} {t} {m} {p}  {note}")

    search_path = os.path.join(args.outdir, "search.json")
    if os.path.exists(search_path):
        print()
        print("Nearest-codeword search alone, all sample patches (patches per second):")
        print(f"{'K':>5}  {'search':<34} {'1 thread':>12} {'2 threads':>12}")
        results = [json.loads(line) for line in open(search_path) if line.strip()]
        for r in results:
            by = {}
            for t in r["timings"]:
                by.setdefault(t["search"], {})[t["threads"]] = t["patches_per_second"]
            for name, v in by.items():
                label = "Tessera kernel (exact)" if name == "kernel" else "Tessera partial-distance (exact)"
                print(f"{r['codewords']:>5}  {label:<34} {v.get(1, 0):12,.0f} {v.get(2, 0):12,.0f}")
            if faiss is not None:
                centres, _, _ = read_tcb(os.path.join(args.outdir, f"search-{r['codewords']}.tcb"))
                speeds = {}
                for threads in (1, 2):
                    faiss.omp_set_num_threads(threads)
                    index = faiss.IndexFlatL2(args.dims)
                    index.add(centres)
                    t = time.perf_counter()
                    index.search(x, 1)
                    speeds[threads] = len(x) / (time.perf_counter() - t)
                print(f"{r['codewords']:>5}  {'FAISS IndexFlatL2 (exact, BLAS)':<34} {speeds[1]:12,.0f} {speeds[2]:12,.0f}")
            differ = r["patches"] - r["same"] - r["ties"]
            print(f"{'':>5}  partial-distance vs kernel: {r['same']} of {r['patches']} same codeword; of {differ} others "
                  f"the partial-distance pick is nearer in {r['partial_nearer']} (kernel up to "
                  f"{r['worst_kernel_excess']:.3f} farther) and farther in {r['kernel_nearer']} "
                  f"(up to {r['worst_partial_excess']:.4f}), squared distance per patch")
    if missing:
        print()
        print("Peers missing, not measured: " + "; ".join(missing))


if __name__ == "__main__":
    main()
