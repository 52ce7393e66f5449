#!/bin/sh
# The throughput figures of issue #15 in one table: each figure, its goal, the value measured, its ratio to a raw COPY
# of the same rows into the same tables in the same run, and the peak heap while the figure was measured. Appends one
# line per figure to bench/results.tsv.
#
# intake, packing and ingest come from one run of N articles through the service (inbox to rows, the built-in sandbox
# at full speed), timed from the database's own timestamps:
#   intake   the job opened → received (jobs.created_at → received_at): items / s
#   packing  received → the last batch's record committed, its JSONL on disk (its "Packed batch" log line; includes
#            up to one pack tick, 250 ms): requests / s
#   ingest   the first batch finished at the provider → the last one ingested (busy time only): rows / s
# then, on the same database, the same rows are COPYed into the same tables (inside a transaction that is rolled back);
# for ingest also the results and row-cache rows it writes beside each task row, a second reference.
# inbox and status run bench/inbox-to-rows.sh (INBOX_N articles, -Xmx512m) and bench/status.sh (STATUS_N requests).
#
#   bench/run-all.sh                                   # every figure
#   FIGURES=intake,packing,ingest N=5000 bench/run-all.sh
#   PROFILE=1 FIGURES=ingest bench/run-all.sh           # also where each stage's time goes (thread-dump sampling)
. "$(dirname "$0")/lib.sh"
FIGURES=${FIGURES:-intake,packing,ingest,inbox,status}
N=${N:-20000}
INBOX_N=${INBOX_N:-100000}
STATUS_N=${STATUS_N:-1000000}
PROFILE=${PROFILE:-0}
PORT=${PORT:-18098}
DBPORT=${DBPORT:-54398}
WORK=bench/work-all
bench_init "$WORK"
TABLE="$WORK/table.tsv"
printf 'figure\tgoal\tmeasured\tratio to COPY\tpeak heap\n' > "$TABLE"
today=$(date -u +%Y-%m-%d)

wanted() {
  echo ",$FIGURES," | grep -q ",$1,"
}

# figure goal measured ratio heap: a row of the table and a line of results.tsv
row() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$TABLE"
  printf '%s\trun-all %s\tgoal %s\t%s\tratio to COPY %s\tpeak heap %s\t%s cores\n' "$today" "$@" "$(nproc)" \
    >> bench/results.tsv
}

# peak heap (MB) before a collection between two epoch-millisecond times, from a -Xlog:gc:...:timemillis file
heap_between() {
  awk -v from="$2" -v to="$3" -F'[][]' '{ t = $2 + 0 } t >= from && t <= to && match($0, /[0-9]+M->/) {
      m = substr($0, RSTART, RLENGTH - 3) + 0; if (m > peak) peak = m } END { print (peak ? peak " MB" : "-") }' "$1"
}

# seconds a COPY of QUERY's rows into TABLE takes, inside a transaction rolled back; PREPARE runs first (the same
# transaction) to make room for the rows
copy_seconds() {
  sql "COPY ($2) TO '$PWD/$WORK/$1.copy'" > /dev/null
  psql -h 127.0.0.1 -p "$DBPORT" -U postgres postgres -v ON_ERROR_STOP=1 -At > "$WORK/$1.copy.out" <<EOF
BEGIN;
$3
\\timing on
COPY $1 FROM '$PWD/$WORK/$1.copy';
\\timing off
ROLLBACK;
EOF
  awk '/^Time:/ { printf "%.3f", $2 / 1000; exit }' "$WORK/$1.copy.out"
}

ratio() {
  awk "BEGIN { printf \"%.2f\", $1 / $2 }"
}

if wanted intake || wanted packing || wanted ingest; then
  mkdir -p "$WORK/inbox/news-classification"
  bench_articles "$N" "$WORK/articles.jsonl"
  # a heap of 512 MB; GC lines stamped with the epoch, to give each stage its own peak
  BENCH_XMX=512m
  start_service "$WORK/service.log" BATCHPIPE_DATA_DIR="$WORK/data" BATCHPIPE_INBOX="$WORK/inbox" \
    BATCHPIPE_HTTP_PORT="$PORT" BATCHPIPE_EMBEDDED_PORT="$DBPORT" BATCHPIPE_SANDBOX_SPEED=1000 \
    BATCHPIPE_SANDBOX_TOKENS_PER_SECOND=100000000 BATCHPIPE_PACK_INTERVAL_MS=250 \
    BATCHPIPE_POLL_FIRST_INTERVAL=200ms BATCHPIPE_POLL_MAX_INTERVAL=500ms
  if [ "$PROFILE" = 1 ]; then
    (while kill -0 "$SERVICE" 2>/dev/null; do jcmd "$SERVICE" Thread.print >> "$WORK/threads.txt" 2>/dev/null; sleep 0.2; done) &
  fi
  mv "$WORK/articles.jsonl" "$WORK/inbox/news-classification/articles.jsonl"
  await_job 1
  gc="$WORK/service.gc.log"

  # the stages' windows, in epoch milliseconds, and what each did
  set -- $(sql "SELECT (extract(epoch FROM j.created_at) * 1000)::bigint, (extract(epoch FROM j.received_at) * 1000)::bigint,
      (SELECT (extract(epoch FROM max(created_at)) * 1000)::bigint FROM batches),
      (SELECT (extract(epoch FROM min(finished_at)) * 1000)::bigint FROM batches),
      (SELECT (extract(epoch FROM max(ingested_at)) * 1000)::bigint FROM batches),
      j.items_accepted, (SELECT count(*) FROM requests WHERE batch_id IS NOT NULL),
      (SELECT count(*) FROM news_classifications), (SELECT count(*) FROM batches)
      FROM jobs j WHERE j.id = 1" | tr '|' ' ')
  opened=$1 received=$2 first_finished=$4 ingested=$5 items=$6 batched=$7 rows=$8 batches=$9
  # a batch's created_at is its recording transaction's start: its end is the log line written after the commit
  packed=$(date -d "$(date +%F) $(grep 'BatchRecorder .*Packed batch' "$WORK/service.log" | tail -1 | cut -c1-12)" +%s%3N)
  # ingest's busy time: the union of the batches' [finished, ingested] intervals
  ingest_s=$(sql "SELECT round(sum(extract(epoch FROM e - s))::numeric, 3) FROM (
      SELECT min(s) s, max(e) e FROM (SELECT s, e, sum(gap) OVER (ORDER BY s) island FROM (
        SELECT s, e, CASE WHEN s > max(e) OVER (ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                          THEN 1 ELSE 0 END gap
        FROM (SELECT finished_at s, ingested_at e FROM batches) b) g) i GROUP BY island) u")
  intake_s=$(awk "BEGIN { printf \"%.3f\", ($received - $opened) / 1000 }")
  packing_s=$(awk "BEGIN { printf \"%.3f\", ($packed - $received) / 1000 }")

  # the same rows, COPYed on the same database: the items and their requests (room made by deleting them with the
  # dependants' triggers off), and the task table's rows
  copy_items_s=$(copy_seconds items "SELECT * FROM items" \
    "SET session_replication_role = replica; DELETE FROM requests; DELETE FROM items; SET session_replication_role = origin;")
  copy_requests_s=$(copy_seconds requests "SELECT * FROM requests" \
    "SET session_replication_role = replica; DELETE FROM requests; SET session_replication_role = origin;")
  copy_rows_s=$(copy_seconds news_classifications "SELECT * FROM news_classifications" "DELETE FROM news_classifications;")
  # what else the ingest writes per line: its result (the raw response as jsonb) and its row-cache entry
  copy_results_s=$(copy_seconds results "SELECT * FROM results" "DELETE FROM results;")
  copy_cache_s=$(copy_seconds row_cache "SELECT * FROM row_cache" "DELETE FROM row_cache;")
  stop_all

  intake_rate=$(awk "BEGIN { printf \"%.0f\", $items / $intake_s }")
  copy_intake_rate=$(awk "BEGIN { printf \"%.0f\", $items / ($copy_items_s + $copy_requests_s) }")
  packing_rate=$(awk "BEGIN { printf \"%.0f\", $batched / $packing_s }")
  ingest_rate=$(awk "BEGIN { printf \"%.0f\", $rows / $ingest_s }")
  copy_rows_rate=$(awk "BEGIN { printf \"%.0f\", $rows / $copy_rows_s }")
  copy_written_rate=$(awk "BEGIN { printf \"%.0f\", $rows / ($copy_rows_s + $copy_results_s + $copy_cache_s) }")
  wanted intake && row "intake ($items items)" ">= 20,000 items/s" "$intake_rate items/s in $intake_s s" \
    "$(ratio "$intake_rate" "$copy_intake_rate") (COPY of items + requests: $copy_intake_rate items/s)" \
    "$(heap_between "$gc" "$opened" "$received")"
  wanted packing && row "packing ($batched requests, $batches batches)" ">= 50,000 requests/s, heap <= 256 MB" \
    "$packing_rate requests/s in $packing_s s" "-" "$(heap_between "$gc" "$received" "$packed")"
  wanted ingest && row "ingest ($rows rows)" ">= 20,000 rows/s and >= 0.5 x COPY" "$ingest_rate rows/s in $ingest_s s" \
    "$(ratio "$ingest_rate" "$copy_rows_rate") (COPY: $copy_rows_rate rows/s; with their results and row cache: $copy_written_rate rows/s)" \
    "$(heap_between "$gc" "$first_finished" "$ingested")"
fi

if wanted inbox; then
  N=$INBOX_N XMX=512m bench/inbox-to-rows.sh > "$WORK/inbox.out"
  line=$(tail -1 "$WORK/inbox.out")
  row "$INBOX_N articles inbox to rows (-Xmx512m)" "<= 60 s" "$(echo "$line" | cut -f3)" "-" \
    "$(echo "$line" | cut -f6 | sed 's/peak heap //; s/ (.*//')"
fi

if wanted status; then
  N=$STATUS_N bench/status.sh > "$WORK/status.out"
  line=$(tail -1 "$WORK/status.out")
  row "status on $(echo "$line" | cut -f2 | sed 's/status on //')" "<= 1.5 s start to exit" \
    "$(echo "$line" | cut -f3)" "-" "-"
fi

echo
column -t -s "$(printf '\t')" "$TABLE"
if [ "$PROFILE" = 1 ] && [ -f "$WORK/threads.txt" ]; then
  echo
  echo "Where the time goes (thread-dump samples every 0.2 s within each stage's window; innermost batchpipe method, and what it was in):"
  java bench/ThreadSamples.java "$WORK/threads.txt" 10 ${opened:+intake=$opened-$received packing=$received-$packed \
    ingest=$first_finished-$ingested}
fi
