#!/usr/bin/env bash
# make bench-io: streaming conversion of a tiled BigTIFF mosaic (>= 20000x20000, built
# from real corpus images and cached in bench-cache/) by tessera, vips and tiffcp,
# side by side: MP/s (median of 3 runs) and peak RSS.
set -euo pipefail
BIN=${1:-.build/release/tessera}
BENCH=$(dirname "$BIN")/tessera-bench
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
SIZE=${BENCH_IO_SIZE:-20480}
CACHE=bench-cache
OUT=bench-out/io
mkdir -p "$CACHE" "$OUT"
MOSAIC=$CACHE/mosaic-rgb-${SIZE}.tif

if [ ! -d "$CORPUS/kodak" ]; then echo "bench-io: corpus not found at $CORPUS" >&2; exit 1; fi
if [ ! -f "$MOSAIC" ]; then
  echo "building $MOSAIC from Kodak photographs and colour document scans (once; cached)"
  "$BENCH" mosaic --kind rgb --width "$SIZE" --height "$SIZE" --cell 512 --bigtiff always -o "$MOSAIC" \
    "$CORPUS"/kodak/*.png "$CORPUS"/documents/ocrd-*.tif "$CORPUS"/documents/ocrd-*.png \
    "$CORPUS"/documents/leptonica-1555.007.png "$CORPUS"/documents/tesseract-DuTillet1004Pg2LG.png
fi
MP=$(python3 -c "print($SIZE*$SIZE/1e6)")
echo
echo "input: $MOSAIC ($SIZE x $SIZE RGB 8-bit, tiled 256x256 BigTIFF, Deflate) = $MP MP"
printf "%-34s %10s %10s %12s\n" "tool (TIFF -> tiled Deflate TIFF)" "seconds" "MP/s" "peak RSS MB"
row() {  # name, json
  python3 - "$1" "$2" "$MP" <<'PY'
import json, sys
name, j, mp = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
if j["rc"] != 0:
    print(f"{name:<34} failed: {j['stderr']}")
else:
    print(f"{name:<34} {j['seconds']:10.2f} {mp/j['seconds']:10.1f} {j['peak_rss_mb']:12.1f}")
PY
}
M="python3 bench/measure.py --repeat 3 --"
row "tessera convert" "$($M "$BIN" convert --quiet "$MOSAIC" "$OUT/tessera.tif")"
row "tessera convert (to PNM)" "$($M "$BIN" convert --quiet "$MOSAIC" "$OUT/tessera.pnm")"
if command -v vips >/dev/null; then
  row "vips copy" "$($M vips copy "$MOSAIC" "$OUT/vips.tif[tile,tile-width=256,tile-height=256,compression=deflate,bigtiff]")"
  row "vips copy (to PNM)" "$($M vips copy "$MOSAIC" "$OUT/vips.pnm")"
else
  echo "vips copy: not installed (apt-get install libvips-tools)"
fi
if command -v tiffcp >/dev/null; then
  # tiffcp refuses a tiled-to-tiled copy above its 256 MiB default buffer limit; -m 0 lifts it.
  row "tiffcp -m 0" "$($M tiffcp -m 0 -8 -c zip -t -w 256 -l 256 "$MOSAIC" "$OUT/tiffcp.tif")"
else
  echo "tiffcp: not installed (apt-get install libtiff-tools)"
fi
rm -f "$OUT"/*.tif "$OUT"/*.pnm
