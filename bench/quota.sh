#!/bin/sh
# The enqueued-token quota as the provider counts it (issue #17): N news articles against a sandbox that counts each
# request the way a real provider does (the whole body as sent, schema and framing included) and twice over, with an
# enqueued-token quota of about a quarter of the job by the provider's count and a fixed throughput. batchpipe has no
# quota configured: it learns the limit from the first refusal and the factor from the usage.
#
# Two runs, each with a fresh database and sandbox:
#   batchpipe  the service as it is;
#   waves      the strategy of the system we replace: fill the quota (one batch sized to it), wait for all of it,
#              then the next wave (batchpipe with as many requests per batch and in the queue as fit the quota).
# Prints each makespan against the lower bound (tokens processed / provider throughput), the batches refused, and
# whether a batch was ever refused twice with the same requests; appends the result to bench/results.tsv.
#
#   bench/quota.sh                          # 3,000 articles
#   N=1000 SPEED=2 bench/quota.sh
. "$(dirname "$0")/lib.sh"
N=${N:-3000}
SPEED=${SPEED:-5}            # simulated seconds per real second
TPS=${TPS:-20000}            # simulated tokens per second the provider processes (all batches together)
FACTOR=${FACTOR:-2}          # the sandbox counts this many times its bytes / 4
PORT=${PORT:-18095}
SPORT=${SPORT:-18096}
DBPORT=${DBPORT:-54395}
MODEL=gpt-4o-mini
MAX_OUTPUT=800               # news-classification's max_output_tokens: the sandbox spends it too
WORK=bench/work-quota
bench_init "$WORK"
bench_articles "$N" "$WORK/articles.jsonl"

# our own estimate of the job; the provider counts about FACTOR times it, so a quarter of its count is this
ours=$(java -jar target/batchpipe.jar estimate "$WORK/articles.jsonl" --task news-classification \
  | sed -n 's/.* request(s), \([0-9]*\) input.*/\1/p' | head -1)
QUOTA=${QUOTA:-$((ours * FACTOR / 4))}

# run NAME [VAR=value ...]: one job of the articles through a fresh service and sandbox; sets SECONDS_TAKEN (file
# dropped to the last row), AFTER_INTAKE (the first batch packed to the last row), WORK_TOKENS,
# PROVIDER_TOKENS, BATCHES, REFUSED, REFUSED_TWICE, ROWS, MAX_BATCH (the largest accepted batch, provider's count)
run() {
  name=$1
  shift
  dir="$WORK/$name"
  mkdir -p "$dir/inbox/news-classification"
  start_sandbox "$dir/sandbox.log" "$SPORT" --speed "$SPEED" --tokens-per-second "$TPS" \
    --token-factor "$FACTOR" --count-as-sent --stage-delay 2s
  curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"openai\":{\"enqueuedTokenLimits\":{\"$MODEL\":$QUOTA}}}" "http://127.0.0.1:$SPORT/sandbox/faults" > /dev/null
  # the sandbox as if it were OpenAI (a key and a base URL), polled as often as the built-in one is
  start_service "$dir/service.log" "$@" OPENAI_API_KEY=sk-bench-quota OPENAI_BASE_URL="http://127.0.0.1:$SPORT/v1" \
    BATCHPIPE_DATA_DIR="$dir/data" BATCHPIPE_INBOX="$dir/inbox" BATCHPIPE_HTTP_PORT="$PORT" \
    BATCHPIPE_EMBEDDED_PORT="$DBPORT" BATCHPIPE_PACK_INTERVAL_MS=1000 \
    BATCHPIPE_POLL_FIRST_INTERVAL=500ms BATCHPIPE_POLL_MAX_INTERVAL=1s
  cp "$WORK/articles.jsonl" "$dir/articles.jsonl"
  start=$(now_ms)
  mv "$dir/articles.jsonl" "$dir/inbox/news-classification/articles.jsonl"
  await_job 1
  end=$(now_ms)
  SECONDS_TAKEN=$(ms_to_s "$start" "$end")
  AFTER_INTAKE=$(sql "SELECT round(extract(epoch FROM (SELECT finished_at FROM jobs WHERE id = 1)
      - (SELECT min(created_at) FROM batches))::numeric, 1)")
  PROVIDER_TOKENS=$(sql "SELECT coalesce(sum(input_tokens), 0) FROM results")
  ROWS=$(sql "SELECT count(*) FROM news_classifications")
  WORK_TOKENS=$((PROVIDER_TOKENS + ROWS * MAX_OUTPUT))
  BATCHES=$(sql "SELECT count(*) FROM batches WHERE state = 'ingested' AND error IS NULL")
  REFUSED=$(sql "SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'")
  REFUSED_TWICE=$(sql "SELECT count(*) FROM (SELECT ids FROM (SELECT array_agg(s.request_id ORDER BY s.request_id) ids
      FROM batches b JOIN request_submissions s ON s.batch_id = b.id WHERE b.error LIKE 'token_limit_exceeded%'
      GROUP BY b.id) r GROUP BY ids HAVING count(*) > 1) twice")
  MAX_BATCH=$(sql "SELECT coalesce(max(t), 0) FROM (SELECT sum(s.input_tokens) t FROM results s GROUP BY s.batch_id) b")
  stop_all
}

run batchpipe
b_seconds=$SECONDS_TAKEN; b_work=$WORK_TOKENS; b_provider=$PROVIDER_TOKENS; b_batches=$BATCHES; b_refused=$REFUSED
b_twice=$REFUSED_TWICE; b_rows=$ROWS; b_max=$MAX_BATCH; b_after=$AFTER_INTAKE
bound=$(awk "BEGIN { printf \"%.1f\", $b_work / ($TPS * $SPEED) }")

# waves: as many requests per batch as fit the quota by the provider's count (measured in the first run), and no
# more in the queue than one batch, so the next wave starts when the last one has finished
per_request=$((b_provider / b_rows))
wave=$((QUOTA * 98 / 100 / per_request))
run waves BATCHPIPE_OPENAI_MAX_REQUESTS="$wave" BATCHPIPE_OPENAI_MAX_QUEUED_REQUESTS="$wave"
w_seconds=$SECONDS_TAKEN; w_work=$WORK_TOKENS; w_batches=$BATCHES; w_refused=$REFUSED; w_rows=$ROWS; w_after=$AFTER_INTAKE
w_bound=$(awk "BEGIN { printf \"%.1f\", $w_work / ($TPS * $SPEED) }")

echo "$N articles; our estimate $ours tokens, the provider counted $b_provider ($(awk "BEGIN { printf \"%.2f\", $b_provider / $ours }")x); quota $QUOTA ($(awk "BEGIN { printf \"%.0f\", 100 * $QUOTA / $b_provider }")% of it); throughput $TPS tokens/s at speed $SPEED"
echo "batchpipe: $b_seconds s for $b_rows rows = $(awk "BEGIN { printf \"%.2f\", $b_seconds / $bound }") x the bound of $bound s ($b_after s = $(awk "BEGIN { printf \"%.2f\", $b_after / $bound }") x after intake); $b_batches batches, largest $b_max tokens; $b_refused refused, $b_twice refused twice unchanged"
echo "waves:     $w_seconds s for $w_rows rows = $(awk "BEGIN { printf \"%.2f\", $w_seconds / $w_bound }") x the bound of $w_bound s ($w_after s = $(awk "BEGIN { printf \"%.2f\", $w_after / $w_bound }") x after intake); $w_batches waves of $wave requests; $w_refused refused"
record "$(printf '%s\tquota.sh %s articles\tbatchpipe %s s (%s x bound %s s; after intake %s s, %s x; %s refused, %s twice unchanged)\twaves %s s (%s x; after intake %s s, %s x)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$N" "$b_seconds" "$(awk "BEGIN { printf \"%.2f\", $b_seconds / $bound }")" "$bound" "$b_after" \
  "$(awk "BEGIN { printf \"%.2f\", $b_after / $bound }")" "$b_refused" "$b_twice" "$w_seconds" \
  "$(awk "BEGIN { printf \"%.2f\", $w_seconds / $w_bound }")" "$w_after" "$(awk "BEGIN { printf \"%.2f\", $w_after / $w_bound }")" "$(nproc)")"
