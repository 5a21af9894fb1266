#!/usr/bin/env bash
# make run: the main job on the bundled real scan, printing what it does.
#   1. probe the scan;  2. compress it to .tess (codebook trained on the scan itself);
#   3. describe and verify the .tess;  4. decode a region, and the whole image, back to images;
#   5. the same scan lossless (the `lossless` preset), checked against the original by `compare`.
set -euo pipefail
BIN=$1
SCAN=$2
OUT=$3
mkdir -p "$OUT"
name=$(basename "${SCAN%.*}")
say() { printf '\n$ %s\n' "$*"; "$@"; }
say "$BIN" probe "$SCAN"
say "$BIN" compress "$SCAN" -o "$OUT/$name.tess"
say "$BIN" info "$OUT/$name.tess"
say "$BIN" verify "$OUT/$name.tess"
say "$BIN" decompress "$OUT/$name.tess" -o "$OUT/$name-region.png" --region 600,800,1024,1024
say "$BIN" decompress "$OUT/$name.tess" -o "$OUT/$name-decoded.tif"
say "$BIN" compress "$SCAN" -o "$OUT/$name-lossless.tess" --pipeline lossless
say "$BIN" decompress "$OUT/$name-lossless.tess" -o "$OUT/$name-lossless.tif" --quiet
say "$BIN" compare "$SCAN" "$OUT/$name-lossless.tif" --max-error 0
printf '\nOutputs are in %s/: %s.tess, the region %s-region.png, the full decode %s-decoded.tif, and the lossless %s-lossless.tess\n' \
  "$OUT" "$name" "$name" "$name" "$name"
