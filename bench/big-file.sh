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
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-1024}
XMX=${XMX:-256m}
WORK=bench/work-big
rm -rf "$WORK"
mkdir -p "$WORK"
[ -f target/batchpipe.jar ] || mvn -q -B -DskipTests package

# ~3.3 KB articles until the file reaches SIZE_MB
java bench/GenerateArticles.java 1000000 13 | awk -v max=$((SIZE_MB * 1048576)) \
  '{ n += length($0) + 1; if (n > max) exit; print }' > "$WORK/articles.jsonl"
records=$(wc -l < "$WORK/articles.jsonl")
bytes=$(wc -c < "$WORK/articles.jsonl")

start=$(date +%s%3N)
BATCHPIPE_DATA_DIR="$WORK/data" java "-Xmx$XMX" "-Xlog:gc:file=$WORK/gc.log" -jar target/batchpipe.jar \
  process "$WORK/articles.jsonl" --task news-classification > "$WORK/process.out" 2>&1 || true
end=$(date +%s%3N)

seconds=$(awk "BEGIN { printf \"%.0f\", ($end - $start) / 1000 }")
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$WORK/gc.log" | cut -dM -f1 | sort -n | tail -1)
taken=$(grep -oE '[0-9]+ new item' "$WORK/process.out" | cut -d' ' -f1)
line=$(printf '%s\t%s MB file, %s records\t%s s to take in and submit\t%s items taken in\tpeak heap %s MB (-Xmx%s)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$((bytes / 1048576))" "$records" "$seconds" "${taken:-0}" "${peak:-?}" "$XMX" "$(nproc)")
echo "$line"
echo "$line" >> bench/results.tsv
