#!/usr/bin/env bash
# The API under load: CLIENTS concurrent clients submit JOBS jobs of ITEMS items each (POST /api/jobs/{task}) while
# POLLERS others poll job status (GET /api/jobs/{id}). Checks that every job was accepted exactly once (one 202 and
# one job row per body) and that no call got a 5xx; prints p50/p99 latency of submits and polls.
# Usage: bench/api-load.sh   (env: CLIENTS=50 JOBS=200 ITEMS=100 POLLERS=10 PORT=18080; needs target/batchpipe.jar)
. "$(dirname "$0")/lib.sh"
set -o pipefail
CLIENTS=${CLIENTS:-50} JOBS=${JOBS:-200} ITEMS=${ITEMS:-100} POLLERS=${POLLERS:-10} PORT=${PORT:-18080}
WORK=$(mktemp -d /tmp/batchpipe-api-load.XXXXXX)
BASE="http://127.0.0.1:$PORT"
BENCH_XMX=1g
start_service "$WORK/service.log" BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" BATCHPIPE_HTTP_PORT=$PORT \
  BATCHPIPE_EMBEDDED_PORT=0

mkdir -p "$WORK/bodies"
for j in $(seq 1 "$JOBS"); do
  for i in $(seq 1 "$ITEMS"); do
    printf '{"id":"load-%d-%d","title":"Bank %d raises rates","contents":"Load test article %d of job %d."}\n' \
      "$j" "$i" "$i" "$i" "$j"
  done >"$WORK/bodies/$j.jsonl"
done

submit() {  # one job: status and seconds
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$1" "$BASE/api/jobs/news-classification"
}
export -f submit; export BASE
poll() {  # polls job status until the submits are over
  while [ ! -f "$WORK/submitted" ]; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$BASE/api/jobs/$(( RANDOM % JOBS + 1 ))"
  done
}
for p in $(seq 1 "$POLLERS"); do poll >"$WORK/polls-$p.txt" & done
started=$(date +%s.%N)
ls "$WORK"/bodies/*.jsonl | xargs -P "$CLIENTS" -I{} bash -c 'submit {}' >"$WORK/submits.txt"
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
touch "$WORK/submitted"; wait $(jobs -p | grep -v "^$SERVICE$") 2>/dev/null || true
cat "$WORK"/polls-*.txt >"$WORK/polls.txt"

pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100); if (i<1) i=1; printf "%.0f", a[i]*1000}'; }
report() {  # name file
  echo "$1: $(wc -l <"$2") calls, statuses: $(cut -d' ' -f1 "$2" | sort | uniq -c | tr '\n' ' ')"
  echo "  p50 $(cut -d' ' -f2 "$2" | pct 50) ms, p99 $(cut -d' ' -f2 "$2" | pct 99) ms"
}
report submits "$WORK/submits.txt"
report polls "$WORK/polls.txt"
accepted=$(grep -c '^202 ' "$WORK/submits.txt" || true)
jobs_in_db=$(curl -s "$BASE/api/jobs?limit=500" | grep -o '"id":[0-9]*,"task"' | wc -l)
fivexx=$(cat "$WORK/submits.txt" "$WORK/polls.txt" | grep -c '^5' || true)
echo "submitted $JOBS jobs of $ITEMS items with $CLIENTS clients in ${elapsed}s: $accepted accepted (202), $jobs_in_db jobs listed, $fivexx 5xx"
[ "$accepted" -eq "$JOBS" ] && [ "$jobs_in_db" -eq "$JOBS" ] && [ "$fivexx" -eq 0 ] || { echo "FAILED (log: $WORK/service.log)"; exit 1; }
echo OK
