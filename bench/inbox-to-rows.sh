#!/bin/sh
# How long N news articles take from the inbox to rows in news_classifications, against the built-in
# sandbox at full speed, and the service's peak heap. Everything runs locally; nothing but Java,
# Maven and curl is needed.
#
#   bench/inbox-to-rows.sh                 # 10,000 articles, -Xmx512m
#   N=50000 XMX=1g bench/inbox-to-rows.sh
#
# Prints one result line and appends it to bench/results.tsv.
set -eu
cd "$(dirname "$0")/.."
N=${N:-10000}
XMX=${XMX:-512m}
PORT=${PORT:-18090}
WORK=bench/work
rm -rf "$WORK"
mkdir -p "$WORK/inbox/news-classification"
[ -f target/batchpipe.jar ] || mvn -q -B -DskipTests package
java bench/GenerateArticles.java "$N" > "$WORK/articles.jsonl"

# full speed: simulated throughput far above what one machine can use (the 24 h window still lasts 86 s
# at speed 1000, so nothing expires), and packing ticks every second
BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" BATCHPIPE_HTTP_PORT="$PORT" \
BATCHPIPE_SANDBOX_SPEED=1000 BATCHPIPE_SANDBOX_TOKENS_PER_SECOND=100000000 BATCHPIPE_PACK_INTERVAL_MS=1000 \
  java "-Xmx$XMX" "-Xlog:gc:file=$WORK/gc.log" -jar target/batchpipe.jar run > "$WORK/service.log" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/observe/health" > /dev/null; do sleep 0.5; done

start=$(date +%s%3N)
mv "$WORK/articles.jsonl" "$WORK/inbox/news-classification/articles.jsonl"
until curl -sf "http://127.0.0.1:$PORT/api/jobs/1" | grep -Eq '"status":"(succeeded|partial|rejected)"'; do sleep 0.2; done
end=$(date +%s%3N)

job=$(curl -sf "http://127.0.0.1:$PORT/api/jobs/1")
kill $SERVICE; wait $SERVICE 2>/dev/null || true
trap - EXIT

seconds=$(awk "BEGIN { printf \"%.1f\", ($end - $start) / 1000 }")
# the largest heap occupancy before a collection, from the GC log ("123M->45M(512M)")
peak=$(grep -oE '[0-9]+M->[0-9]+M' "$WORK/gc.log" | cut -dM -f1 | sort -n | tail -1)
succeeded=$(echo "$job" | grep -oE '"succeeded":[0-9]+' | head -1 | cut -d: -f2)
batches=$(echo "$job" | grep -oE '"batches":[0-9]+' | head -1 | cut -d: -f2)
line=$(printf '%s\t%s articles\t%s s inbox to rows\t%s succeeded\t%s batches\tpeak heap %s MB (-Xmx%s)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$N" "$seconds" "$succeeded" "$batches" "${peak:-?}" "$XMX" "$(nproc)")
echo "$line"
echo "$line" >> bench/results.tsv
