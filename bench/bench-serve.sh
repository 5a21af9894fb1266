#!/usr/bin/env bash
# make bench-serve: tile serving, `tessera serve` against iipsrv (vips pyramidal TIFF, 2 FastCGI
# processes behind nginx) and nginx serving vips dzsave tiles; see bench/bench_serve.py.
# BENCH_QUICK=1 uses the smaller mosaics (14336² grey, 6144² colour) and 10 s wrk runs.
set -euo pipefail
BIN=${1:-.build/release/tessera}
BENCH=$(dirname "$BIN")/tessera-bench
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
CACHE=bench-cache
OUT=bench-out/serve
mkdir -p "$CACHE" "$OUT"
if [ ! -d "$CORPUS/documents" ] || [ ! -d "$CORPUS/kodak" ]; then
  echo "bench-serve: corpus not found at $CORPUS (set TESSERA_CORPUS)" >&2
  exit 1
fi
for tool in wrk vips nginx /usr/lib/iipimage-server/iipsrv.fcgi; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "$tool" ] || {
    echo "bench-serve: $tool not found (Debian: iipimage-server nginx-light wrk libvips-tools)" >&2
    exit 1
  }
done

# Whatever servers an interrupted run leaves behind (bench_serve.py lists each one it starts in
# $OUT/pids: pid and command name) are stopped on exit, by pid, checking the name first.
stop_servers() {
  [ -f "$OUT/pids" ] || return 0
  while read -r pid name; do
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ] && kill "$pid" 2>/dev/null || true
  done <"$OUT/pids"
  rm -f "$OUT/pids"
}
trap stop_servers EXIT

# mosaic, need_disk, DOCS, COLOUR_INPUTS
source "$(dirname "$0")/mosaics.sh"
if [ "${BENCH_QUICK:-0}" = 1 ]; then GREY=14336; COLOUR=6144; else GREY=32768; COLOUR=12288; fi
# The mosaics and their PNM copies, the vips pyramids and dzsave tiles (about 0.25 and 0.35 byte
# a pixel for grey), the .tess files.
need_disk "$(python3 -c "print(round($GREY * $GREY / 2**30 * 2.0 + $COLOUR * $COLOUR * 3 / 2**30 * 2.0 + 1, 1))")" \
  "bench-serve (the mosaics, their PNM copies, the vips pyramids and Deep Zoom tiles)" || exit 1
GREY_PNM=$(mosaic docs-grey grey "$GREY" "${DOCS[@]}") || exit 1
COLOUR_PNM=$(mosaic colour rgb "$COLOUR" "${COLOUR_INPUTS[@]}") || exit 1
python3 bench/bench_serve.py "$BIN" "$GREY_PNM" "$COLOUR_PNM"
