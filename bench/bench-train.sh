#!/usr/bin/env bash
# make bench-train: Tessera's codebook training and search beside FAISS and scikit-learn,
# on the same 10^6 4x4 grey patches sampled from the corpus's document scans.
# Usage: bench/bench-train.sh path/to/tessera
set -uo pipefail
BIN=${1:-.build/release/tessera}
cd "$(dirname "$0")/.."
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
CACHE=bench-cache/train
OUT=bench-out/train
THREADS=${BENCH_THREADS:-2}
SAMPLES=${BENCH_SAMPLES:-1000000}
KS=${BENCH_KS:-256,1024}
SK_KS=${BENCH_SKLEARN_KMEANS_KS:-256}
mkdir -p "$CACHE" "$OUT"

if [ ! -f "$CORPUS/MANIFEST.tsv" ]; then
  echo "bench-train: the corpus is not at $CORPUS (set TESSERA_CORPUS)"; exit 1
fi
# Python peers: install what is missing; a peer that cannot be installed is reported, not fatal.
for pkg in numpy:numpy PIL:pillow faiss:faiss-cpu sklearn:scikit-learn; do
  mod=${pkg%%:*}; dist=${pkg##*:}
  if ! python3 -c "import $mod" 2>/dev/null; then
    echo "installing $dist"
    python3 -m pip install -q "$dist" || echo "bench-train: could not install $dist; it will be reported missing"
  fi
done
python3 -c "import numpy, PIL" 2>/dev/null || { echo "bench-train: numpy and Pillow are needed to prepare the inputs"; exit 1; }

# 1. Inputs (once): grey PGM copies of the corpus's continuous-tone document scans.
python3 bench/prepare_train_inputs.py "$CORPUS" "$CACHE/documents" || exit 1
# 2. The sample (once): Tessera's own streaming sampler, dumped as raw float32.
SAMPLE="$CACHE/sample-p4-n$SAMPLES-s1.f32"
if [ ! -f "$SAMPLE" ]; then
  "$BIN" train "$CACHE"/documents/*.pgm --patch 4 --samples "$SAMPLES" --seed 1 --dump-sample "$SAMPLE.tmp" \
    && mv "$SAMPLE.tmp" "$SAMPLE" || exit 1
fi
echo "sample: $SAMPLE ($(($(stat -c %s "$SAMPLE") / 64)) patches)"

# 3. Tessera: K-means and SOM at each K, training time as Tessera measures it (sample already in memory).
IFS=, read -ra KLIST <<< "$KS"
for k in "${KLIST[@]}"; do
  for algorithm in kmeans som; do
    echo "tessera train --algorithm $algorithm --codewords $k"
    "$BIN" train --sample-input "$SAMPLE" --patch 4 --algorithm "$algorithm" --codewords "$k" --seed 1 \
      --threads "$THREADS" -o "$OUT/tessera-$algorithm-$k.tcb" --stats-json "$OUT/tessera-$algorithm-$k.json" \
      --quiet || echo "bench-train: tessera $algorithm K=$k failed"
  done
done
# 4. The search kernel alone, K = 256, 1024, 4096 (codebooks from a short K-means run).
: > "$OUT/search.json"
for k in 256 1024 4096; do
  "$BIN" train --sample-input "$SAMPLE" --patch 4 --codewords "$k" --max-iterations 3 --seed 2 \
    --threads "$THREADS" -o "$OUT/search-$k.tcb" --quiet || continue
  "$BIN" search-benchmark --sample "$SAMPLE" --codebook "$OUT/search-$k.tcb" --threads 1,2 --repeats 2 \
    --json "$OUT/search-$k.json" > /dev/null && cat "$OUT/search-$k.json" >> "$OUT/search.json"
done
# 5. The peers, and the table.
python3 bench/train_peers.py "$SAMPLE" "$OUT" --dims 16 --ks "$KS" --threads "$THREADS" --sklearn-kmeans-ks "$SK_KS"
