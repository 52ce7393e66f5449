#!/bin/sh
# `batchpipe status` on a database with N requests (issue #15: ≤ 1.5 s at 1M, start to exit).
#
# A `batchpipe run` service keeps the embedded PostgreSQL up in bench/work-status; one real job through the sandbox
# creates the schema and a first finished job. Then N requests are written with SQL in ten jobs of N/10, with the
# lineage a real run leaves (a batch per 50,000 requests, a submission for each request sent, a result for each one
# answered): nine jobs finished, the newest still active with half its requests pending, one in ~1,000 dead.
# `status` then runs RUNS times while the service is idle (the pending requests wait for tomorrow); prints the median and the slowest wall time, and
# appends them to bench/results.tsv.
#
#   bench/status.sh                # 1,000,000 requests
#   N=200000 bench/status.sh
. "$(dirname "$0")/lib.sh"
N=${N:-1000000}
RUNS=${RUNS:-5}
PORT=${PORT:-18097}
DBPORT=${DBPORT:-54397}
WORK=bench/work-status
bench_init "$WORK"
mkdir -p "$WORK/inbox/news-classification"

export BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" BATCHPIPE_HTTP_PORT="$PORT" \
  BATCHPIPE_EMBEDDED_PORT="$DBPORT" BATCHPIPE_SANDBOX=true
start_service "$WORK/service.log"
head -20 samples/news.jsonl > "$WORK/inbox/news-classification/first.jsonl"
await_job 1

per_job=$((N / 10))
psql -q -h 127.0.0.1 -p "$DBPORT" -U postgres postgres -v ON_ERROR_STOP=1 -v n="$N" -v per="$per_job" <<'EOF'
INSERT INTO jobs (id, task, source_kind, source, source_fingerprint, status, schedule, priority, provider, model,
                  lines_read, items_accepted, items_duplicate, lines_rejected, mode, received_at, finished_at)
SELECT 100 + g, 'news-classification', 'file', 'bench/status-' || g || '.jsonl', md5('status' || g),
       CASE WHEN g < 10 THEN 'succeeded' ELSE 'active' END, 'asap', 5, '', '', :per, :per, 0, 0, 'batch', now(),
       CASE WHEN g < 10 THEN now() END
FROM generate_series(1, 10) g;
INSERT INTO items (task, source_key, content_hash, job_id, line, payload)
SELECT 'news-classification', 'status-' || g, md5(g::text), 101 + g / :per, g % :per + 1,
       jsonb_build_object('id', 'status-' || g, 'title', 'Article ' || g, 'contents', 'Text of article ' || g)
FROM generate_series(0, :n - 1) g;
-- the pending half waits until tomorrow (not_before), so the idle service does not send it while status is timed
INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, estimated_tokens, state, not_before)
SELECT i.id, i.job_id, i.task, 'classify', 'openai', 'gpt-4o-mini', '/v1/chat/completions', 450,
       CASE WHEN i.job_id = 110 AND i.id % 2 = 0 THEN 'pending' WHEN i.id % 997 = 0 THEN 'dead' ELSE 'succeeded' END,
       now() + interval '1 day'
FROM items i WHERE i.job_id > 100;
INSERT INTO batches (id, provider, model, endpoint, state, provider_batch_id, request_count, estimated_tokens,
                     synthetic, submitted_at, finished_at, ingested_at)
SELECT 1000 + g, 'openai', 'gpt-4o-mini', '/v1/chat/completions', 'ingested', 'batch_status_' || g, 50000,
       50000 * 450, true, now(), now(), now()
FROM generate_series(0, greatest(:n / 50000, 1) - 1) g;
UPDATE requests r SET batch_id = 1000 + (r.id % greatest(:n / 50000, 1)), input_tokens = 900, output_tokens = 120,
                      cost_usd = 0.0001
WHERE r.job_id > 100 AND r.state <> 'pending';
INSERT INTO request_submissions (request_id, batch_id, submission)
SELECT id, batch_id, 1 FROM requests WHERE job_id > 100 AND state <> 'pending';
INSERT INTO results (request_id, batch_id, response, answer, input_tokens, output_tokens, cost_usd)
SELECT id, batch_id, '{"status_code": 200}', '{"sentiment": "neutral"}', 900, 120, 0.0001
FROM requests WHERE job_id > 100 AND state = 'succeeded';
-- the nine finished jobs closed as JobCompletion closes a job
INSERT INTO job_totals SELECT j.id, c.* FROM jobs j, job_counts(j.id) c WHERE j.id BETWEEN 101 AND 109;
VACUUM ANALYZE;
EOF

requests=$(sql "SELECT count(*) FROM requests")
times=""
i=0
while [ "$i" -lt "$RUNS" ]; do
  start=$(now_ms)
  java -jar target/batchpipe.jar status > "$WORK/status.out" 2>&1
  end=$(now_ms)
  times="$times $((end - start))"
  i=$((i + 1))
done
sorted=$(echo "$times" | tr ' ' '\n' | grep . | sort -n)
median=$(echo "$sorted" | sed -n "$(((RUNS + 1) / 2))p")
slowest=$(echo "$sorted" | tail -1)
record "$(printf '%s\tstatus on %s requests\tmedian %s ms, slowest %s ms (%s runs)\t%s cores' \
  "$(date -u +%Y-%m-%d)" "$requests" "$median" "$slowest" "$RUNS" "$(nproc)")"
