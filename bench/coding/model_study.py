#!/usr/bin/env python3
"""Ideal code lengths (bits per index) of candidate index-map models on the real maps.

Static tables trained on the map itself (what the container stores in its header);
tiles of 64x64 indices are coded independently, so neighbours never cross a tile edge.
Model cost is estimated at 12 bits per non-zero table entry. This is the study that
chose the models in Sources/TesseraCoding; the Swift bench measures the real coder.
"""
import glob, json, os, sys
import numpy as np

TILE = 64

def load(base):
    meta = json.load(open(base + ".json"))
    a = np.fromfile(base + ".u16", "<u2").astype(np.int64).reshape(meta["height"], meta["width"])
    return a, meta

def neighbours(a):
    """L, A, AL, AR per position with tile-local fallbacks; start flag at tile origin."""
    h, w = a.shape
    ys, xs = np.mgrid[0:h, 0:w]
    tx, ty = xs % TILE, ys % TILE
    pad = np.full((h + 1, w + 2), -1, np.int64)
    pad[1:, 1:-1] = a
    L = pad[1:, 0:-2].copy(); A = pad[0:-1, 1:-1].copy(); AL = pad[0:-1, 0:-2].copy(); AR = pad[0:-1, 2:].copy()
    L[tx == 0] = -1; AL[tx == 0] = -1; A[ty == 0] = -1; AL[ty == 0] = -1; AR[ty == 0] = -1
    AR[(tx == TILE - 1) | (xs == w - 1)] = -1
    # fallbacks
    L = np.where(L < 0, A, L); A = np.where(A < 0, L, A)
    AL = np.where(AL < 0, A, AL); AR = np.where(AR < 0, A, AR)
    return L, A, AL, AR

def cond_entropy(sym, ctx):
    """Total bits of sym coded with a static table per context, plus table cost."""
    sym = sym.ravel(); ctx = ctx.ravel()
    key = ctx * (sym.max() + 1) + sym
    _, pair_counts = np.unique(key, return_counts=True)
    _, ctx_counts = np.unique(ctx, return_counts=True)
    bits = -(pair_counts * np.log2(pair_counts)).sum() + (ctx_counts * np.log2(ctx_counts)).sum()
    return bits, 12 * len(pair_counts)

def escape_symbols(a, L, A, K):
    s = a.copy()
    s = np.where(a == A, K + 1, s)
    s = np.where(a == L, K, s)
    return s

def learned_classes(prev, sym, K, C, alph):
    """Cluster previous-index values by their next-symbol distributions (Hellinger k-means)."""
    M = np.zeros((K, alph))
    np.add.at(M, (prev.ravel(), sym.ravel()), 1)
    n = M.sum(1)
    P = np.sqrt(M / np.maximum(n, 1)[:, None])
    # init: the most frequent C symbols
    order = np.argsort(-n)
    cent = P[order[:C]].copy()
    for _ in range(15):
        d = ((P[:, None, :] - cent[None]) ** 2).sum(-1) if K * C * alph < 5e8 else None
        cls = d.argmin(1)
        for c in range(C):
            m = cls == c
            if (n[m]).sum() > 0:
                cent[c] = (P[m] * n[m, None]).sum(0) / n[m].sum()
    return cls

def study(base):
    a, meta = load(base)
    K = meta["alphabetSize"]
    L, A, AL, AR = neighbours(a)
    start = L < 0
    N = a.size
    res = {}
    res["order0"] = cond_entropy(a, np.zeros_like(a))
    s = escape_symbols(a, L, A, K)
    s = np.where(start, a, s)
    res["esc"] = cond_entropy(s, np.zeros_like(a))
    eq = (L == A) * 1 + (A == AL) * 2 + (L == AL) * 4 + (A == AR) * 8
    res["esc+eq16"] = cond_entropy(s, eq)
    eqs = (L == A) * 1 + (A == AR) * 2 + (L == AL) * 4
    res["esc+eq8"] = cond_entropy(s, eqs)
    # above-only context (no serial dependency): eq of above row
    eqa = (A == AL) * 1 + (A == AR) * 2
    res["esc+eqAbove"] = cond_entropy(s, eqa)
    Lc = np.where(L < 0, 0, L)
    for C in (4, 8, 16):
        cls = learned_classes(Lc, s, K, C, K + 2)
        res[f"esc+eq8+cls{C}(L)"] = cond_entropy(s, eqs * C + cls[Lc])
    Ac = np.where(A < 0, 0, A)
    cls = learned_classes(Ac, s, K, 8, K + 2)
    res["esc+eqAbove+cls8(A)"] = cond_entropy(s, eqa * 8 + cls[Ac])
    if meta["order"] == "som":
        side = int(round(np.sqrt(K)))
        cb = side // 4
        blk = (Lc // side) // cb * 4 + (Lc % side) // cb
        res["esc+eq8+somblk16(L)"] = cond_entropy(s, eqs * 16 + blk)
    return a.size, res

def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "bench-cache/indexmaps"
    rows = []
    for j in sorted(glob.glob(os.path.join(d, "*.json"))):
        base = j[:-5]
        n, res = study(base)
        line = os.path.basename(base).ljust(24) + " ".join(
            f"{k}={b / n:.3f}+{m / n:.3f}" for k, (b, m) in res.items())
        print(line, flush=True)

main()
