#!/bin/sh
# Takes a 1 GB JSON Lines file in with `batchpipe process` under a small heap, and reports the time and the
# peak heap (from the GC log). The default file is 1 GB of valid news articles (~320,000); SIZE_MB and XMX
# change the size and the heap.
#
#   bench/big-file.sh                  # 1024 MB, -Xmx256m
#   SIZE_MB=200 XMX=128m bench/big-file.sh
#
# Runs on the embedded PostgreSQL and the built-in sandbox in bench/work-big (deleted first). Prints one
# result line and appends it to bench/results.tsv.
. "$(dirname "$0")/lib.sh"
SIZE_MB=${SIZE_MB:-1024}
XMX=${XMX:-256m}
WORK=bench/work-big
bench_init "$WORK"

# ~3.3 KB articles until the file reaches SIZE_MB
bench_articles 1000000 13 /dev/stdout | awk -v max=$((SIZE_MB * 1048576)) \
  '{ n += length($0) + 1; if (n > max) exit; print }' > "$WORK/articles.jsonl"
records=$(wc -l < "$WORK/articles.jsonl")
bytes=$(wc -c < "$WORK/articles.jsonl")

start=$(now_ms)
BATCHPIPE_DATA_DIR="$WORK/data" java "-Xmx$XMX" "-Xlog:gc:file=$WORK/gc.log" -jar target/batchpipe.jar \
  process "$WORK/articles.jsonl" --task news-classification > "$WORK/process.out" 2>&1 || true
end=$(now_ms)

taken=$(grep -oE '[0-9]+ new item' "$WORK/process.out" | cut -d' ' -f1)
record "$(printf '%s\t%s MB file, %s records\t%.0f s to take in and submit\t%s items taken in\tpeak heap %s MB (-Xmx%s)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$((bytes / 1048576))" "$records" "$(ms_to_s "$start" "$end")" "${taken:-0}" \
  "$(peak_heap "$WORK/gc.log")" "$XMX" "$(nproc)")"
