#!/usr/bin/env bash
# Same bytes, before and after a refactor: compresses real corpus images in every coding mode
# and colour handling with two tessera binaries and compares the .tess files byte for byte,
# and their decodes (whole image and a region) pixel for pixel; also `train` (.tcb) and
# compression with the trained collection codebook.
#
#   bash bench/same-bytes.sh OLD_TESSERA NEW_TESSERA [WORK_FOLDER]
#
# A statically linked build (make build) can be copied aside before the change:
#   cp .build/release/tessera /tmp/tessera-before
# Prints one line per case (same / DIFFERENT) and exits 1 if any differ.
set -uo pipefail
OLD=$1; NEW=$2; WORK=${3:-bench-out/same-bytes}
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
mkdir -p "$WORK/old" "$WORK/new"
K=$CORPUS/kodak; D=$CORPUS/documents; P=$CORPUS/pngsuite
# name | input | options
CASES=(
  "vq-grey|$D/tesseract-hebtypo.png|"
  "vq-grey-k1024|$D/leptonica-lucasta.047.png|--codewords 1024"
  "vq-420|$K/kodim23.png|"
  "vq-ycbcr|$K/kodim01.png|--colour ycbcr"
  "vq-rgb-2x2|$K/kodim05.png|--colour rgb --patch 2 --codewords 64"
  "vq-som|$D/tesseract-phototest.tif|--algorithm som"
  "vq-1bit|$D/leptonica-pageseg2.tif|--codewords 64"
  "vq-16bit|$P/basn6a16.png|--codewords 16 --tile 16 --patch 2 --samples 256"
  "vq-greyalpha16|$P/basn4a16.png|--codewords 16 --tile 16 --patch 2 --samples 256"
  "vq-palette|$D/ocrmypdf-typewriter.png|--codewords 32"
  "lossless-grey|$D/tesseract-hebtypo.png|--lossless"
  "lossless-rgb|$K/kodim23.png|--lossless"
  "lossless-1bit|$D/leptonica-pageseg2.tif|--lossless"
  "lossless-16bit|$P/basn6a16.png|--lossless --tile 16"
  "lossless-rgba8|$P/basn6a08.png|--lossless --tile 16"
  "near-grey-e4|$D/leptonica-lucasta.047.png|--max-error 4"
  "near-rgb-e2|$K/kodim01.png|--max-error 2"
  "near-16bit-e3|$P/basn2c16.png|--max-error 3 --tile 16"
  "quality-60|$D/ocrd-DIBCO11-PR4.png|--quality 60"
  "transform-420|$K/kodim23.png|--step 6"
  "transform-grey|$D/tesseract-hebtypo.png|--step 10"
  "transform-ycbcr|$K/kodim03.png|--step 8 --colour ycbcr"
  "transform-rgb|$K/kodim07.png|--step 4 --colour rgb"
  "transform-rgba|$P/basn6a08.png|--step 5 --tile 16"
  "transform-greyalpha|$P/basn4a08.png|--step 5 --tile 16"
  "psnr-38|$K/kodim19.png|--psnr 38"
  "preset-grey-document|$D/leptonica-rabi.png|--pipeline grey-document"
  "preset-photo-transform|$K/kodim11.png|--pipeline photo-transform"
)
fail=0
sum() { sha256sum "$1" | cut -c1-16; }
run_case() {  # name input options...
  local name=$1 input=$2; shift 2
  for side in old new; do
    local bin=$OLD; [ $side = new ] && bin=$NEW
    "$bin" compress "$input" -o "$WORK/$side/$name.tess" --quiet "$@" 2>"$WORK/$side/$name.err" || echo "  ($side: compress failed: $(cat "$WORK/$side/$name.err"))"
    "$bin" decompress "$WORK/$side/$name.tess" -o "$WORK/$side/$name.pnm" --quiet 2>/dev/null
    "$bin" decompress "$WORK/$side/$name.tess" -o "$WORK/$side/$name-region.pnm" --region 3,5,17,19 --quiet 2>/dev/null
  done
  local verdict=same
  for f in "$name.tess" "$name.pnm" "$name-region.pnm"; do
    cmp -s "$WORK/old/$f" "$WORK/new/$f" || verdict=DIFFERENT
  done
  [ -s "$WORK/new/$name.tess" ] || verdict=DIFFERENT
  [ $verdict = same ] || fail=1
  printf '%-24s %-9s %8s bytes  tess %s  pixels %s\n' "$name" "$verdict" "$(stat -c %s "$WORK/new/$name.tess" 2>/dev/null)" \
    "$(sum "$WORK/new/$name.tess" 2>/dev/null)" "$(sum "$WORK/new/$name.pnm" 2>/dev/null)"
}
for c in "${CASES[@]}"; do
  IFS='|' read -r name input opts <<<"$c"
  # shellcheck disable=SC2086
  run_case "$name" "$input" $opts
done
# Collection codebooks: train (grey, and colour 4:2:0), then compress with them.
for side in old new; do
  bin=$OLD; [ $side = new ] && bin=$NEW
  "$bin" train "$D/tesseract-hebtypo.png" "$D/leptonica-lucasta.047.png" -o "$WORK/$side/grey.tcb" --quiet --samples 20000
  "$bin" train "$K/kodim01.png" "$K/kodim02.png" -o "$WORK/$side/colour.tcb" --quiet --samples 20000
  "$bin" train "$K/kodim01.png" -o "$WORK/$side/colour-som.tcb" --quiet --samples 20000 --algorithm som --colour rgb
done
for t in grey colour colour-som; do
  v=same; cmp -s "$WORK/old/$t.tcb" "$WORK/new/$t.tcb" || { v=DIFFERENT; fail=1; }
  printf '%-24s %-9s %8s bytes  tcb  %s\n' "train-$t" "$v" "$(stat -c %s "$WORK/new/$t.tcb")" "$(sum "$WORK/new/$t.tcb")"
done
run_case "codebook-grey" "$D/tesseract-phototest.tif" --codebook "$WORK/new/grey.tcb"
run_case "codebook-colour" "$K/kodim03.png" --codebook "$WORK/new/colour.tcb"
run_case "codebook-rgb-som" "$K/kodim04.png" --codebook "$WORK/new/colour-som.tcb"
[ $fail = 0 ] && echo "all the same" || echo "SOME DIFFER"
exit $fail
