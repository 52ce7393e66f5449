#!/bin/sh
# Takes N generated fashion posts' images in with `batchpipe process --task fashion-images` under a small heap:
# every image read once into the spool, then packed (its base64 counted against the provider's 200 MB batch file
# limit) and submitted to the built-in sandbox, which decodes and checks every image part. Reports images per second
# from the service's start (Camel started, after the database's boot) to the last batch submitted, the whole
# command's time, the peak heap (from the GC log) and the batches packed (from the log).
#
#   bench/images.sh                     # 2,000 images of 320×320 (half PNG, half JPEG, with noise), -Xmx256m
#   IMAGES=500 SIDE=512 XMX=128m bench/images.sh
#
# Runs on the embedded PostgreSQL and the built-in sandbox in bench/work-images (deleted first). Prints one result
# line and appends it to bench/results.tsv.
. "$(dirname "$0")/lib.sh"
IMAGES=${IMAGES:-2000}
SIDE=${SIDE:-320}
XMX=${XMX:-256m}
WORK=bench/work-images
bench_init "$WORK"

java samples/GenerateImages.java "$WORK" "$IMAGES" "$SIDE"
image_mb=$(du -sm "$WORK/images" | cut -f1)

start=$(now_ms)
BATCHPIPE_DATA_DIR="$WORK/data" java "-Xmx$XMX" "-Xlog:gc:file=$WORK/gc.log" -jar target/batchpipe.jar \
  process "$WORK/posts.csv" --task fashion-images > "$WORK/process.out" 2>&1 || true
end=$(now_ms)

LOG="$WORK/data/logs/batchpipe.log"
ts() { sed -E 's/^[0-9-]+T([0-9:]+),([0-9]+).*/\1.\2/' | awk -F: '{ printf "%.3f\n", $1 * 3600 + $2 * 60 + $3 }'; }
started=$(grep -m1 'Apache Camel .* started in' "$LOG" | ts)
submitted=$(grep 'Submitted batch' "$LOG" | tail -1 | ts)
batches=$(grep -c 'Packed batch' "$LOG" || true)
largest=$(grep -oE 'Packed batch .*\(([0-9]+) bytes' "$LOG" | grep -oE '[0-9]+ bytes' | sort -n | tail -1 | cut -d' ' -f1)
spooled=$(find "$WORK/data/images" -type f ! -name '.*' | wc -l)
secs=$(awk "BEGIN { printf \"%.1f\", $submitted - $started }")
record "$(printf '%s\tfashion-images: %s images (%s MB) taken in, packed and submitted\t%s s from start to last submit, %.1f images/s (command %s s)\t%s spooled\t%s batches, largest %s bytes\tpeak heap %s MB (-Xmx%s)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$IMAGES" "$image_mb" "$secs" "$(awk "BEGIN { print $IMAGES / $secs }")" \
  "$(ms_to_s "$start" "$end")" "$spooled" "$batches" "${largest:-0}" "$(peak_heap "$WORK/gc.log")" "$XMX" "$(nproc)")"
tail -2 "$WORK/process.out"
