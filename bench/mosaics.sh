# Shared by the benchmarks that use the corpus mosaics (bench-main.sh, bench-levels.sh): the
# cached mosaics and their inputs. Needs BIN, BENCH, CORPUS and CACHE set.

free_gb() { df -Pk "$1" | awk 'NR == 2 { printf "%.1f", $4 / 1048576 }'; }

# mosaic NAME KIND SIDE INPUTS...: the cached tiled TIFF and its PGM/PPM copy.
mosaic() {
  local name=$1 kind=$2 side=$3 ext
  shift 3
  [ "$kind" = grey ] && ext=pgm || ext=ppm
  local tif=$CACHE/mosaic-$name-$side.tif pnm=$CACHE/mosaic-$name-$side.$ext
  # Called as $(mosaic ...), where set -e does not reach: every failure returns 1 explicitly.
  if [ ! -f "$tif" ]; then
    echo "building $tif ($side x $side $kind) from real corpus images (once; cached) ..." >&2
    "$BENCH" mosaic --kind "$kind" --width "$side" --height "$side" --cell 512 --bigtiff auto -o "$tif" "$@" >&2 || {
      echo "bench: building $tif failed (exit status $?)" >&2
      return 1
    }
  fi
  if [ ! -f "$pnm" ]; then
    echo "converting to $pnm (once; cached) ..." >&2
    if ! "$BIN" convert --quiet "$tif" "$pnm" >&2; then
      echo "bench: converting $tif to $pnm failed" >&2
      return 1
    fi
  fi
  echo "$pnm"
}

# need_disk GB WHAT: stop with a clear message when the disk holding bench-cache/ is short.
need_disk() {
  local have_gb
  have_gb=$(free_gb "$CACHE")
  if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$have_gb" "$1"; then
    return 0
  fi
  echo "bench: $2 needs about $1 GB of free disk under $(realpath "$CACHE"); $have_gb GB is free." >&2
  return 1
}

# ---- inputs -----------------------------------------------------------------------------------
DOCS=("$CORPUS"/documents/*)
COLOUR_INPUTS=("$CORPUS"/kodak/*.png)
for f in leptonica-1555.007.png ocrd-DIBCO11-PR1.png ocrd-DIBCO11-PR4.png ocrd-DIBCO11-PR6.png \
  ocrd-SBB0000F29300010000-FILE_0002_IMAGE.tif ocrd-SBB0000F29300010000-FILE_0005_IMAGE.tif \
  ocrd-column-samples-fleming_jaeger01_1719-0117.png ocrd-indian-ferns-0004.tif \
  ocrd-kant_aufklaerung_1784-INPUT_0017.tif ocrd-pembroke_werke_1766-FILE_0010.tif tesseract-DuTillet1004Pg2LG.png; do
  [ -f "$CORPUS/documents/$f" ] && COLOUR_INPUTS+=("$CORPUS/documents/$f")
done

