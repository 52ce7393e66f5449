#!/bin/sh
# Realtime mode at the rate limit: N news articles through `?mode=realtime` against a sandbox that enforces an RPM and
# a TPM limit (sliding simulated minute, 429 with Retry-After past it). batchpipe is told no limit: it learns them
# from the sandbox's x-ratelimit-* headers. Prints the steady-state throughput as a fraction of each limit, the 429s
# the sandbox served, items not done (unrecovered) and calls made, and appends the line to bench/results.tsv.
#
#   bench/realtime.sh                          # 1,200 articles, 600 RPM, 400,000 TPM, speed 4 (a minute = 15 s)
#   N=3000 RPM=2000 TPM=2000000 bench/realtime.sh
. "$(dirname "$0")/lib.sh"
N=${N:-1200}
RPM=${RPM:-600}
TPM=${TPM:-400000}
SPEED=${SPEED:-4}
PORT=${PORT:-18091}
SANDBOX_PORT=${SANDBOX_PORT:-18092}
WORK=bench/work-realtime
bench_init "$WORK"
bench_articles "$N" "$WORK/articles.jsonl"
PERIOD_MS=$(awk "BEGIN { printf \"%d\", 60000 / $SPEED }")

start_sandbox "$WORK/sandbox.log" "$SANDBOX_PORT" --speed "$SPEED"
curl -sf -H 'Content-Type: application/json' -d "{\"openai\":{\"realtimeRequestsPerMinute\":$RPM,\"realtimeTokensPerMinute\":$TPM}}" \
  "http://127.0.0.1:$SANDBOX_PORT/sandbox/faults" > /dev/null

# the simulated minute is the window batchpipe's limits count over
start_service "$WORK/service.log" BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" \
  BATCHPIPE_HTTP_PORT="$PORT" OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$SANDBOX_PORT/v1" \
  BATCHPIPE_REALTIME_LIMIT_PERIOD="${PERIOD_MS}ms"

start=$(now_ms)
curl -sf -H 'Content-Type: application/x-ndjson' --data-binary "@$WORK/articles.jsonl" \
  "http://127.0.0.1:$PORT/api/jobs/news-classification?mode=realtime" > /dev/null
await_job 1
end=$(now_ms)

job=$JOB
stats=$(curl -sf "http://127.0.0.1:$SANDBOX_PORT/sandbox/stats")
url=$(BATCHPIPE_DATA_DIR="$WORK/data" java -jar target/batchpipe.jar db | awk '/^JDBC URL/ { print $3 }')
steady=$(java -cp target/batchpipe.jar bench/RealtimeThroughput.java "$url" "$RPM" "$TPM" "$PERIOD_MS")
stop_all

succeeded=$(echo "$job" | grep -oE '"succeeded":[0-9]+' | head -1 | cut -d: -f2)
openai=$(echo "$stats" | sed 's/,"anthropic".*//')
limited=$(echo "$openai" | grep -oE '"rateLimited":[0-9]+' | cut -d: -f2)
calls=$(echo "$openai" | grep -oE '"realtimeCalls":[0-9]+' | cut -d: -f2)
seconds=$(ms_to_s "$start" "$end")
record "$(printf '%s\trealtime %s articles\tlimits %s RPM %s TPM\tsteady %s req/min (%s of RPM), %s tok/min (%s of TPM)\t%s 429s seen\t%s unrecovered\t%s calls\t%s s' \
  "$(date -u +%Y-%m-%d)" "$N" "$RPM" "$TPM" \
  "$(echo "$steady" | cut -f2)" "$(echo "$steady" | cut -f3)" "$(echo "$steady" | cut -f4)" "$(echo "$steady" | cut -f5)" \
  "${limited:-?}" "$((N - ${succeeded:-0}))" "${calls:-?}" "$seconds")"
