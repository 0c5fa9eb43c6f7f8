#!/usr/bin/env bash
# bench/profile/profile_scan.sh: where an HNSW search's CPU time goes on float embeddings, vectorext beside pgvector
# when its `vector` extension is installed (docs/benchmarks.md, "Where the time goes"). Loads the first rows of the
# pca256 and gauss1536 datasets that `make bench` derived (its cache), builds hnsw (m 16, ef_construction 64) in one
# database per system, then for each system and dataset: recall@10, index tuples the executor read per query
# (pg_stat_user_indexes.idx_tup_read: LIMIT 10 plus the rows the reorder queue re-checked), the backend's CPU time per
# query (`perf stat -e task-clock` on the backend running a PL/pgSQL loop of the queries; the systems alternate,
# medians of the rounds) with a checksum of the results, and a flat `perf record` profile (perf report -i FILE).
# usage: bash bench/profile/profile_scan.sh [CACHE_DIR]     (default bench/out/cache; run `make bench` once first)
# env: VX_PROFILE_PORT (54361) VX_PROFILE_ROWS_256 (40000) VX_PROFILE_ROWS_1536 (30000) VX_PROFILE_EF (40)
#      VX_PROFILE_ROUNDS (5) VX_PROFILE_OUT (bench/out/profile)
source "$(dirname "$0")/../../scripts/lib.sh"
CACHE=${1:-$REPO/bench/out/cache}
PORT=${VX_PROFILE_PORT:-54361}
EF=${VX_PROFILE_EF:-40}
ROUNDS=${VX_PROFILE_ROUNDS:-5}
OUT=${VX_PROFILE_OUT:-$REPO/bench/out/profile}
STAGE=/tmp/vectorext-profile-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"
export BENCH_RUN_DIR=$STAGE/run BENCH_STAGE_BIN=$STAGE_BIN BENCH_PORT=$PORT BENCH_SHARED_BUFFERS=1GB
PSQL="$STAGE_BIN/psql -X -h $BENCH_RUN_DIR -p $PORT -U postgres"
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)"; exit 1; }

say "build vectorext and install it into $STAGE (with the system's pgvector, if any, as extension vector)"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install
SYSTEMS="vectorext"
if [ -f "$PG_SHAREDIR/extension/vector.control" ] && ! grep -q vectorext "$PG_SHAREDIR/extension/vector.control"; then
  rm -f "$STAGE_ROOT$PG_SHAREDIR"/extension/vector.control "$STAGE_ROOT$PG_SHAREDIR"/extension/vector--*.sql
  cp -a "$PG_SHAREDIR"/extension/vector.control "$PG_SHAREDIR"/extension/vector--*.sql "$STAGE_ROOT$PG_SHAREDIR/extension/"
  cp -a "$PG_ROOT/lib/vector.so" "$STAGE_ROOT$PG_ROOT/lib/"
  SYSTEMS="vectorext vector"
else
  rm -f "$STAGE_ROOT$PG_SHAREDIR"/extension/vector.control
  echo "pgvector: not installed on the server: profiling vectorext only"
fi

say "data: the first rows of the cached derived datasets in $CACHE"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
g++ -O2 -o "$OUT/f32_to_copy" "$REPO/bench/profile/f32_to_copy.cpp"
one() { ls "$CACHE"/"$1"-v1-*.f32 2>/dev/null | head -1; }
[ -n "$(one pca256)" ] && [ -n "$(one gauss1536)" ] || { echo "no pca256/gauss1536 cache in $CACHE: run make bench first"; exit 1; }
"$OUT/f32_to_copy" "$(one pca256)" 256 "${VX_PROFILE_ROWS_256:-40000}" 200 "$OUT/pca256.txt" "$OUT/pca256_q.txt"
"$OUT/f32_to_copy" "$(one gauss1536)" 1536 "${VX_PROFILE_ROWS_1536:-30000}" 200 "$OUT/gauss1536.txt" "$OUT/gauss1536_q.txt"

say "cluster on port $PORT, one database per system"
mkdir -p "$BENCH_RUN_DIR" && give_to_server "$STAGE"
as_server "$STAGE_BIN/initdb" -D "$BENCH_RUN_DIR/data" -A trust -U postgres >/dev/null
bash "$REPO/bench/cluster.sh" start
trap 'bash "$REPO/bench/cluster.sh" stop' EXIT
for ext in $SYSTEMS; do
  $PSQL -q -c "CREATE DATABASE $ext"
  (cd "$OUT" && $PSQL -d "$ext" -q -v ext="$ext" -f "$REPO/bench/profile/profile_scan.sql")
done

# measure DB FUNCTION REPS MODE: runs FUNCTION(REPS) in a fresh backend after one warm-up round, with perf attached
# to that backend (MODE stat: task-clock; record: a flat profile into $OUT/DB_FUNCTION.perf). Prints ms per query.
measure() {
  local db=$1 fn=$2 reps=$3 mode=$4 pidfile="$OUT/pid.$$" res="$OUT/res.$$" stat="$OUT/stat.$$" perf_pid
  rm -f "$pidfile"
  printf 'SET hnsw.ef_search = %s;\nSELECT %s(1);\n\\o %s\nSELECT pg_backend_pid();\n\\o\nSELECT pg_sleep(1);\nSELECT %s(%s);\n' \
    "$EF" "$fn" "$pidfile" "$fn" "$reps" | $PSQL -d "$db" -Atq >"$res" &
  local client=$!
  while [ ! -s "$pidfile" ]; do sleep 0.05; done
  if [ "$mode" = stat ]; then
    perf stat -e task-clock -x, -o "$stat" -p "$(head -1 "$pidfile")" &
  else
    perf record -e cpu-clock -F 4000 -o "$OUT/${db}_$fn.perf" -p "$(head -1 "$pidfile")" >/dev/null 2>&1 &
  fi
  perf_pid=$!
  wait "$client"
  sleep 0.2
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true  # perf record exits 130 on SIGINT
  if [ "$mode" = stat ]; then
    awk -F, -v reps="$reps" -v sum="$(tail -1 "$res")" '/task-clock/ {printf "%.4f ms/query  results md5 %s\n", $1 / (reps * 200), sum}' "$stat"
  fi
  rm -f "$pidfile" "$res" "$stat"
}

for ds in pca256 gauss1536; do
  say "$ds, ef_search $EF"
  reps=10; [ $ds = gauss1536 ] && reps=4
  for ext in $SYSTEMS; do
    recall=$($PSQL -d "$ext" -Atq -c "SET hnsw.ef_search = $EF" -c "SELECT round(recall_$ds()::numeric, 4)")
    before=$($PSQL -d "$ext" -Atq -c "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE relname = '$ds' AND indexrelname <> '${ds}_pkey'")
    $PSQL -d "$ext" -Atq -c "SET hnsw.ef_search = $EF" -c "SELECT run_$ds(1)" -c "SELECT pg_stat_force_next_flush()" >/dev/null
    sleep 1
    after=$($PSQL -d "$ext" -Atq -c "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE relname = '$ds' AND indexrelname <> '${ds}_pkey'")
    echo "$ext: recall@10 $recall; index tuples read per query $(awk "BEGIN {print ($after - $before) / 200}")"
  done
  for round in $(seq "$ROUNDS"); do
    for ext in $SYSTEMS; do echo "$ext $(measure "$ext" "run_$ds" $reps stat)"; done
  done | tee "$OUT/$ds.cpu"
  for ext in $SYSTEMS; do
    echo "$ext median: $(grep "^$ext " "$OUT/$ds.cpu" | awk '{print $2}' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}') ms/query"
    measure "$ext" "run_$ds" $((reps * 3)) record
    echo "$ext profile: perf report -i $OUT/${ext}_run_$ds.perf --no-children --sort sym"
  done
done
