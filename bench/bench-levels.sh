#!/usr/bin/env bash
# make bench-levels (issue 15): resolution levels against a vips pyramidal TIFF; see
# bench/bench_levels.py. BENCH_QUICK=1 uses the smaller mosaics (14336² grey, 6144² colour).
set -euo pipefail
BIN=${1:-.build/release/tessera}
BENCH=$(dirname "$BIN")/tessera-bench
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
CACHE=bench-cache
mkdir -p "$CACHE"
if [ ! -d "$CORPUS/documents" ] || [ ! -d "$CORPUS/kodak" ]; then
  echo "bench-levels: corpus not found at $CORPUS (set TESSERA_CORPUS)" >&2
  exit 1
fi
# mosaic, need_disk, DOCS, COLOUR_INPUTS
source "$(dirname "$0")/mosaics.sh"
if [ "${BENCH_QUICK:-0}" = 1 ]; then GREY=14336; COLOUR=6144; else GREY=32768; COLOUR=12288; fi
need_disk "$(python3 -c "print(round($GREY * $GREY / 2**30 * 2.5 + $COLOUR * $COLOUR * 3 / 2**30 * 2.5 + 1, 1))")" \
  "bench-levels (the mosaics, their PNM copies, the compressed files)" || exit 1
GREY_PNM=$(mosaic docs-grey grey "$GREY" "${DOCS[@]}") || exit 1
COLOUR_PNM=$(mosaic colour rgb "$COLOUR" "${COLOUR_INPUTS[@]}") || exit 1
python3 bench/bench_levels.py "$BIN" "$GREY_PNM" "$COLOUR_PNM"
