#!/usr/bin/env bash
# Entropy-coder benchmark: Tessera's index-map coder vs zstd -19 and xz -9 on real index maps.
#
#   bash bench/coding/bench-codec-entropy.sh [extra tessera-bench-coding arguments]
#
# Makes the index maps first when bench-cache/indexmaps/ is empty (needs python3 with numpy,
# Pillow and faiss-cpu: `pip install numpy pillow faiss-cpu`), builds the release benchmark
# target and prints one row per map. Decode speed is per core: indices per second of the
# decoding thread's CPU time, best of 7 rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
MAPS=bench-cache/indexmaps
if ! ls "$MAPS"/*.u16 >/dev/null 2>&1; then
  echo "making real index maps in $MAPS (K-means and SOM codebooks of corpus images) ..."
  python3 bench/coding/make_indexmaps.py --out "$MAPS"
fi
for tool in zstd xz; do
  command -v "$tool" >/dev/null || echo "note: $tool is not installed; its column stays empty (apt-get install zstd xz-utils)"
done
swift build -c release --product tessera-bench-coding >/dev/null
.build/release/tessera-bench-coding --dir "$MAPS" "$@"
