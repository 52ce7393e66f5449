#!/bin/sh
# How long N news articles take from the inbox to rows in news_classifications, against the built-in
# sandbox at full speed, and the service's peak heap. Everything runs locally; nothing but Java,
# Maven and curl is needed.
#
#   bench/inbox-to-rows.sh                 # 10,000 articles, -Xmx512m
#   N=50000 XMX=1g bench/inbox-to-rows.sh
#
# Prints one result line and appends it to bench/results.tsv.
. "$(dirname "$0")/lib.sh"
N=${N:-10000}
BENCH_XMX=${XMX:-512m}
PORT=${PORT:-18090}
WORK=bench/work
bench_init "$WORK"
mkdir -p "$WORK/inbox/news-classification"
bench_articles "$N" "$WORK/articles.jsonl"

# full speed: simulated throughput far above what one machine can use (the 24 h window still lasts 86 s
# at speed 1000, so nothing expires), and packing ticks every second
start_service "$WORK/service.log" BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" \
  BATCHPIPE_HTTP_PORT="$PORT" BATCHPIPE_SANDBOX_SPEED=1000 BATCHPIPE_SANDBOX_TOKENS_PER_SECOND=100000000 \
  BATCHPIPE_PACK_INTERVAL_MS=1000

start=$(now_ms)
mv "$WORK/articles.jsonl" "$WORK/inbox/news-classification/articles.jsonl"
await_job 1
end=$(now_ms)
stop_all

succeeded=$(echo "$JOB" | grep -oE '"succeeded":[0-9]+' | head -1 | cut -d: -f2)
batches=$(echo "$JOB" | grep -oE '"batches":[0-9]+' | head -1 | cut -d: -f2)
record "$(printf '%s\t%s articles\t%s s inbox to rows\t%s succeeded\t%s batches\tpeak heap %s MB (-Xmx%s)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$N" "$(ms_to_s "$start" "$end")" "$succeeded" "$batches" \
  "$(peak_heap "$WORK/service.gc.log")" "$BENCH_XMX" "$(nproc)")"
