# Shared steps of the bench scripts (POSIX sh; sourced, not run): `. "$(dirname "$0")/lib.sh"`.
# Every script runs from the repository root, on the jar in target/ (built if missing), against the embedded
# PostgreSQL and the built-in sandbox unless it says otherwise.
#
#   bench_init DIR                 fresh work directory DIR (deleted first); the jar built if missing
#   bench_articles N [EXTRA] FILE  N synthetic news articles (EXTRA more paragraphs each) as JSON Lines
#   start_service LOG [VAR=v ...]  `batchpipe run` in the background with BENCH_XMX heap and a GC log beside LOG
#                                  (sets SERVICE; waits for /observe/health on $PORT)
#   start_sandbox LOG PORT [ARG ...]  a separate sandbox process (sets SANDBOX; waits for /sandbox/stats)
#   stop_all                       stops the service and the sandbox (a trap calls it on exit)
#   await_job ID                   waits until job ID of the service on $PORT is over; its JSON in JOB
#   sql QUERY                      one psql query against the embedded database on $DBPORT, unaligned
#   peak_heap GCLOG                the largest heap occupancy before a collection, in MB, from a -Xlog:gc file
#   now_ms                         milliseconds since the epoch
#   ms_to_s START END              seconds between two now_ms readings, one decimal
#   record LINE                    prints LINE and appends it to bench/results.tsv
set -eu
cd "$(dirname "$0")/.."
SERVICE=
SANDBOX=
BENCH_XMX=${BENCH_XMX:-512m}
# more JVM options for the service
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}

bench_init() {
  rm -rf "$1"
  mkdir -p "$1"
  # a jar older than the sources would measure old code against the current routes/
  if [ ! -f target/batchpipe.jar ] || [ -n "$(find src pom.xml -newer target/batchpipe.jar -print -quit)" ]; then
    mvn -q -B -DskipTests package
  fi
}

bench_articles() {
  if [ $# -eq 3 ]; then
    java bench/GenerateArticles.java "$1" "$2" > "$3"
  else
    java bench/GenerateArticles.java "$1" > "$2"
  fi
}

start_service() {
  log=$1
  shift
  env "$@" java "-Xmx$BENCH_XMX" "-Xlog:gc:file=${log%.log}.gc.log:timemillis" $BENCH_JAVA_OPTS -jar target/batchpipe.jar run \
    > "$log" 2>&1 &
  SERVICE=$!
  until curl -sf "http://127.0.0.1:$PORT/observe/health" > /dev/null; do
    kill -0 "$SERVICE" 2>/dev/null || { echo "the service did not start: $log" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.5
  done
}

start_sandbox() {
  log=$1
  sport=$2
  shift 2
  java -jar target/batchpipe.jar sandbox --port "$sport" "$@" > "$log" 2>&1 &
  SANDBOX=$!
  until curl -sf "http://127.0.0.1:$sport/sandbox/stats" > /dev/null; do sleep 0.3; done
}

stop_all() {
  [ -z "$SERVICE" ] || { kill "$SERVICE" 2>/dev/null || true; wait "$SERVICE" 2>/dev/null || true; }
  [ -z "$SANDBOX" ] || { kill "$SANDBOX" 2>/dev/null || true; wait "$SANDBOX" 2>/dev/null || true; }
  SERVICE=
  SANDBOX=
}
trap stop_all EXIT

await_job() {
  until curl -sf "http://127.0.0.1:$PORT/api/jobs/$1" | grep -Eq '"status":"(succeeded|partial|failed|rejected|cancelled)"'; do
    kill -0 "$SERVICE" 2>/dev/null || { echo "the service stopped" >&2; exit 1; }
    sleep 0.2
  done
  JOB=$(curl -sf "http://127.0.0.1:$PORT/api/jobs/$1")
}

sql() {
  psql -h 127.0.0.1 -p "$DBPORT" -U postgres postgres -v ON_ERROR_STOP=1 -Atc "$1"
}

peak_heap() {
  grep -oE '[0-9]+M->[0-9]+M' "$1" | cut -dM -f1 | sort -n | tail -1
}

now_ms() {
  date +%s%3N
}

ms_to_s() {
  awk "BEGIN { printf \"%.1f\", ($2 - $1) / 1000 }"
}

record() {
  echo "$1"
  echo "$1" >> bench/results.tsv
}
