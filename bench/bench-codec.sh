#!/usr/bin/env bash
# make bench-codec: the codec's figures (issue 4).
#   1. The entropy coder against zstd -19 and xz -9 on real index maps, and its decode speed per
#      core (bench/coding/bench-codec-entropy.sh).
#   2. Rate and quality of `tessera compress` at K = 256 and K = 1024 (4x4 patches) on a grey mosaic
#      of the corpus' document scans and on the 24 Kodak photographs (bpp = sum of bytes * 8 / sum
#      of pixels; PSNR: the mean over the images), and, for context on the same photographs, JPEG
#      (cjpeg -quality 75), JPEG 2000 (opj_compress at Tessera's K=256 rate) and JPEG XL (cjxl -q 75),
#      each scored by one independent PSNR computation (tessera-bench psnr).
# Output: tables on stdout, also in bench-out/bench-codec.md.
#
# Environment: BENCH_CODEC_SIDE (side of the grey mosaic, default 8192 = 67 MP),
#              BENCH_CODEC_SKIP_ENTROPY=1 (skip part 1), TESSERA_CORPUS (default ../shared/corpus).
set -euo pipefail
BIN=${1:-.build/release/tessera}
BENCH=$(dirname "$BIN")/tessera-bench
CORPUS=${TESSERA_CORPUS:-../shared/corpus}
SIDE=${BENCH_CODEC_SIDE:-8192}
CACHE=bench-cache
OUT=bench-out/codec
RESULTS=$OUT/results.jsonl
MD=bench-out/bench-codec.md
mkdir -p "$CACHE" "$OUT"
: >"$RESULTS"
have() { command -v "$1" >/dev/null 2>&1; }
if [ ! -d "$CORPUS/kodak" ] || [ ! -d "$CORPUS/documents" ]; then
  echo "bench-codec: corpus not found at $CORPUS (set TESSERA_CORPUS)" >&2
  exit 1
fi

ENTROPY_LOG=$OUT/entropy.txt
if [ "${BENCH_CODEC_SKIP_ENTROPY:-0}" != 1 ]; then
  echo "== 1. entropy coder vs zstd -19 / xz -9 on real index maps"
  bash bench/coding/bench-codec-entropy.sh | tee "$ENTROPY_LOG"
else
  : >"$ENTROPY_LOG"
fi

echo
echo "== 2. tessera compress: bits per pixel and PSNR at K = 256 and 1024, 4x4 patches"
GREY=$CACHE/mosaic-docs-grey-$SIDE.pgm
if [ ! -f "$GREY" ]; then
  echo "building $GREY from the document scans (once; cached) ..."
  "$BENCH" mosaic --kind grey --width "$SIDE" --height "$SIDE" --cell 512 -o "$CACHE/mosaic-docs-grey-$SIDE.tif" \
    "$CORPUS"/documents/*
  "$BIN" convert --quiet "$CACHE/mosaic-docs-grey-$SIDE.tif" "$GREY"
fi

# rec SET TOOL IMAGE JSON
rec() { printf '{"set":"%s","tool":"%s","image":"%s","data":%s}\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; }

# tessera SET K IMAGE: compress, keep the --json summary (its last JSON line).
tessera() {
  local set=$1 k=$2 img=$3 out j start end
  out=$OUT/$(basename "${img%.*}")-k$k.tess
  start=$(date +%s.%N)
  if j=$("$BIN" compress "$img" -o "$out" --codewords "$k" --patch 4 --json 2>"$OUT/stderr.txt" | grep '^{' | tail -1) && [ -n "$j" ]; then
    end=$(date +%s.%N)
    rec "$set" "tessera-k$k" "$img" "$j"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); b, p = d["bits_per_pixel"], float(d["psnr"]); print(f"   {sys.argv[2]:<44} K={sys.argv[3]:<5} {b:.3f} bpp  PSNR {p:.2f} dB  {float(sys.argv[4]):.1f} s")' "$j" "$(basename "$img")" "$k" "$(python3 -c "print($end - $start)")"
  else
    rec "$set" "tessera-k$k" "$img" "$(python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' "$(tail -1 "$OUT/stderr.txt")")"
    echo "   $(basename "$img") K=$k: failed: $(tail -1 "$OUT/stderr.txt")"
  fi
  rm -f "$out"
}

# peer SET TOOL IMAGE FILE DECODED ENCODE-CMD... -- DECODE-CMD...: encode, size, decode, independent PSNR.
peer() {
  local set=$1 tool=$2 img=$3 file=$4 dec=$5
  shift 5
  local enc=() decode=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do enc+=("$1"); shift; done
  shift
  decode=("$@")
  if "${enc[@]}" >/dev/null 2>"$OUT/stderr.txt" && "${decode[@]}" >/dev/null 2>>"$OUT/stderr.txt"; then
    local p
    p=$("$BENCH" psnr "$img" "$dec" --json)
    rec "$set" "$tool" "$img" "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["output_bytes"]=int(sys.argv[2]); print(json.dumps(d))' "$p" "$(stat -c %s "$file")")"
  else
    rec "$set" "$tool" "$img" "$(python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}))' "$(tail -1 "$OUT/stderr.txt")")"
  fi
  rm -f "$file" "$dec"
}

echo " grey document mosaic ${SIDE}x$SIDE"
for k in 256 1024; do tessera docs "$k" "$GREY"; done
echo " Kodak (24 photographs)"
KODAK=("$CORPUS"/kodak/kodim*.png)
for img in "${KODAK[@]}"; do
  for k in 256 1024; do tessera kodak "$k" "$img"; done
done

echo " peers on Kodak (context)"
for img in "${KODAK[@]}"; do
  base=$OUT/$(basename "${img%.*}")
  # The peers read PPM: a streaming conversion of the PNG.
  "$BIN" convert --quiet "$img" "$base.ppm"
  if have cjpeg && have djpeg; then
    peer kodak jpeg-q75 "$img" "$base.jpg" "$base-d.ppm" cjpeg -quality 75 -outfile "$base.jpg" "$base.ppm" \
      -- djpeg -outfile "$base-d.ppm" "$base.jpg"
  fi
  if have opj_compress && have opj_decompress; then
    # JPEG 2000 at the same rate as Tessera K=256 on this photograph.
    bpp=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["tool"] == "tessera-k256" and r["image"] == sys.argv[2] and "bits_per_pixel" in r["data"]:
        print(r["data"]["bits_per_pixel"])' "$RESULTS" "$img")
    if [ -n "$bpp" ]; then
      ratio=$(python3 -c "print(round(24 / $bpp, 3))")
      peer kodak jp2-at-tessera-rate "$img" "$base.jp2" "$base-d.ppm" opj_compress -i "$base.ppm" -o "$base.jp2" -r "$ratio" \
        -- opj_decompress -i "$base.jp2" -o "$base-d.ppm"
    fi
  fi
  if have cjxl && have djxl; then
    peer kodak jxl-q75 "$img" "$base.jxl" "$base-d.ppm" cjxl "$base.ppm" "$base.jxl" -q 75 \
      -- djxl "$base.jxl" "$base-d.ppm"
  fi
  rm -f "$base.ppm"
done
for t in cjpeg opj_compress cjxl; do have $t || echo "   note: $t is not installed; its row is missing (make bench-deps)"; done

python3 - "$RESULTS" "$ENTROPY_LOG" "$MD" "$SIDE" <<'PY'
import json, statistics, sys
results, entropy_log, md, side = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [json.loads(l) for l in open(results) if l.strip()]
labels = {"tessera-k256": "Tessera K=256, 4×4", "tessera-k1024": "Tessera K=1024, 4×4",
          "jpeg-q75": "JPEG (cjpeg -quality 75)", "jp2-at-tessera-rate": "JPEG 2000 (opj_compress, Tessera K=256's rate)",
          "jxl-q75": "JPEG XL (cjxl -q 75)"}
sets = {"docs": f"grey document mosaic {side}×{side} ({side * side / 1e6:.0f} MP)", "kodak": "Kodak, 24 photographs (RGB)"}
out = ["# make bench-codec", "", "## Rate and quality", "",
       "bpp = sum of compressed bytes × 8 / sum of pixels (a pixel is one grey sample or one RGB triple); "
       "PSNR = mean of the images' PSNR (dB, over all channels). Tessera's sizes include its codebook and "
       "entropy model (self-contained files).", "",
       "| images | codec | images coded | bpp | PSNR dB | PSNR min … max | codebook share of the bytes |",
       "|---|---|---:|---:|---:|---:|---:|"]
for s in ("docs", "kodak"):
    for tool in labels:
        rs = [r for r in rows if r["set"] == s and r["tool"] == tool]
        if not rs:
            continue
        good = [r["data"] for r in rs if "error" not in r["data"]]
        bad = [r for r in rs if "error" in r["data"]]
        if not good:
            out.append(f"| {sets[s]} | {labels[tool]} | 0 of {len(rs)} | — | — | failed: {bad[0]['data']['error']} | |")
            continue
        px = sum(d["width"] * d["height"] for d in good)
        bpp = sum(d["output_bytes"] for d in good) * 8 / px
        ps = [float(d["psnr"]) for d in good]
        cb = sum(d.get("codebook_bytes", 0) for d in good)
        share = f"{cb / sum(d['output_bytes'] for d in good) * 100:.0f}%" if cb else "—"
        out.append(f"| {sets[s]} | {labels[tool]} | {len(good)} of {len(rs)} | {bpp:.3f} | {statistics.fmean(ps):.2f} | "
                   f"{min(ps):.2f} … {max(ps):.2f} | {share} |")
        for r in bad:
            out.append(f"| | ↳ failed on {r['image']} | | | | {r['data']['error']} | |")
out.append("")
try:
    text = open(entropy_log).read().strip()
except OSError:
    text = ""
if text:
    out += ["## Entropy coder against zstd -19 and xz -9 (bench/coding/bench-codec-entropy.sh)", "",
            "Targets (issue 4): index streams at least 10% smaller than zstd -19; entropy decode ≥ 150 M indices/s per core.", ""]
    lines = text.splitlines()
    summary = [l for l in lines if l.startswith("all maps")]
    speeds = []
    for l in lines:
        f = l.split()
        if len(f) > 13 and f[1].isdigit() and f[2].isdigit():
            try:
                speeds.append(float(f[12]))
            except ValueError:
                pass
    out += [f"- {l}" for l in summary]
    if speeds:
        out.append(f"- decode speed per core over {len(speeds)} maps: median {statistics.median(speeds):.0f} M indices/s "
                   f"(min {min(speeds):.0f}, max {max(speeds):.0f})")
    out += ["", "The per-map table is printed above and kept in bench-out/codec/entropy.txt.", ""]
text = "\n".join(out)
print()
print(text)
open(md, "w").write(text + "\n")
print(f"(written to {md})")
PY
