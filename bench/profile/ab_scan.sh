#!/usr/bin/env bash
# bench/profile/ab_scan.sh: the backend's CPU time per query of two builds of vectorext (two vectorext.so files that
# read the same index layout) on `make bench`'s search path, A/B (docs/benchmarks.md, "Per query at the 0.95 point").
# Loads the first rows of the cached pca256 / gauss1536 datasets into one database, builds hnsw (m 16,
# ef_construction 64), copies the database (its functions pointed at a second library file), then per point and round:
# build A serves one database and B the other (swapped every round: the two copies do not run equally fast), one
# client (ab_client.cpp) runs the bench's prepared statement on both backends query by query, `perf stat -e
# task-clock` counts each backend. Prints per round both figures (ms per query), their ratio and result checksums (the
# ids of every query in order: equal when the builds return the same rows), then medians and the median ratio.
# usage: bash bench/profile/ab_scan.sh SO_A SO_B [CACHE_DIR]     (default bench/out/cache; run `make bench` once first)
# env: VX_AB_PORT (54362) VX_AB_ROWS (60000) VX_AB_QUERIES (1000) VX_AB_ROUNDS (8) VX_AB_SHARED_BUFFERS (4GB)
#      VX_AB_POINTS ("pca256:10:4 gauss1536:15:2 pca256:120:2 gauss1536:120:1", dataset:ef_search:passes)
#      VX_AB_OUT (bench/out/ab)
source "$(dirname "$0")/../../scripts/lib.sh"
[ $# -ge 2 ] || { echo "usage: bash bench/profile/ab_scan.sh SO_A SO_B [CACHE_DIR]"; exit 2; }
SO_A=$(realpath "$1")
SO_B=$(realpath "$2")
CACHE=${3:-$REPO/bench/out/cache}
PORT=${VX_AB_PORT:-54362}
ROWS=${VX_AB_ROWS:-60000}
NQ=${VX_AB_QUERIES:-1000}
ROUNDS=${VX_AB_ROUNDS:-8}
POINTS=${VX_AB_POINTS:-"pca256:10:4 gauss1536:15:2 pca256:120:2 gauss1536:120:1"}
OUT=${VX_AB_OUT:-$REPO/bench/out/ab}
STAGE=/tmp/vectorext-ab-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"
LIB="$STAGE_ROOT$PG_ROOT/lib"
export BENCH_RUN_DIR=$STAGE/run BENCH_STAGE_BIN=$STAGE_BIN BENCH_PORT=$PORT BENCH_SHARED_BUFFERS=${VX_AB_SHARED_BUFFERS:-4GB}
PSQL="$STAGE_BIN/psql -X -h $BENCH_RUN_DIR -p $PORT -U postgres"
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)"; exit 1; }

say "install this checkout into $STAGE (its library only serves the load; the rounds run $SO_A and $SO_B)"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
g++ -O2 -o "$OUT/f32_to_copy" "$REPO/bench/profile/f32_to_copy.cpp"
g++ -O2 -std=c++17 -I"$("$PG_CONFIG" --includedir)" -o "$OUT/ab_client" "$REPO/bench/profile/ab_client.cpp" \
  -L"$("$PG_CONFIG" --libdir)" -lpq

say "cluster on port $PORT: database a, and b a copy of it whose functions load vectorext_b.so"
mkdir -p "$BENCH_RUN_DIR" && give_to_server "$STAGE"
as_server "$STAGE_BIN/initdb" -D "$BENCH_RUN_DIR/data" -A trust -U postgres >/dev/null
bash "$REPO/bench/cluster.sh" start
trap 'bash "$REPO/bench/cluster.sh" stop' EXIT
$PSQL -q -c "CREATE DATABASE a"
$PSQL -d a -q -c "CREATE EXTENSION vectorext" -c "SET max_parallel_maintenance_workers = 1"
for ds in $(for p in $POINTS; do echo "${p%%:*}"; done | sort -u); do
  dims=${ds//[a-z]/}
  file=$(ls "$CACHE"/"$ds"-v1-*.f32 2>/dev/null | head -1)
  [ -n "$file" ] || { echo "no $ds cache in $CACHE: run make bench first"; exit 1; }
  "$OUT/f32_to_copy" "$file" "$dims" "$ROWS" "$NQ" "$OUT/$ds.txt" "$OUT/${ds}_q.txt"
  opclass=vector_cosine_ops
  [ "$ds" = gauss1536 ] && opclass=vector_ip_ops
  (cd "$OUT" && $PSQL -d a -q -v ON_ERROR_STOP=1 \
    -c "CREATE TABLE $ds (id int PRIMARY KEY, embedding vector($dims))" -c "\\copy $ds FROM '$ds.txt'" \
    -c "VACUUM ANALYZE $ds" -c "SET max_parallel_maintenance_workers = 1" \
    -c "CREATE INDEX ON $ds USING hnsw (embedding $opclass) WITH (m = 16, ef_construction = 64)")
done
$PSQL -q -c "CREATE DATABASE b TEMPLATE a"
$PSQL -d b -q -c "UPDATE pg_proc SET probin = '\$libdir/vectorext_b' WHERE probin = '\$libdir/vectorext'"

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
for point in $POINTS; do
  IFS=: read -r ds ef passes <<<"$point"
  op='<=>'
  [ "$ds" = gauss1536 ] && op='<#>'
  say "$ds, ef_search $ef: A $SO_A, B $SO_B"
  va="" vb="" vr="" differ=0
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then first=$SO_A second=$SO_B; else first=$SO_B second=$SO_A; fi
    cp "$first" "$LIB/vectorext.so.new" && mv "$LIB/vectorext.so.new" "$LIB/vectorext.so"
    cp "$second" "$LIB/vectorext_b.so.new" && mv "$LIB/vectorext_b.so.new" "$LIB/vectorext_b.so"
    rm -f "$OUT/pids"
    "$OUT/ab_client" "host=$BENCH_RUN_DIR port=$PORT user=postgres dbname=a" \
      "host=$BENCH_RUN_DIR port=$PORT user=postgres dbname=b" \
      "SELECT id FROM $ds ORDER BY embedding $op \$1::vector LIMIT 10" "$OUT/${ds}_q.txt" "$passes" "$ef" "$OUT/pids" \
      >"$OUT/sums" &
    client=$!
    while [ ! -s "$OUT/pids" ]; do sleep 0.05; kill -0 $client 2>/dev/null || { echo "the client failed"; exit 1; }; done
    read -r pid_a pid_b <"$OUT/pids"
    perf stat -e task-clock -x, -o "$OUT/stat_a" -p "$pid_a" & stat_a=$!
    perf stat -e task-clock -x, -o "$OUT/stat_b" -p "$pid_b" & stat_b=$!
    wait $client
    wait $stat_a $stat_b 2>/dev/null || true  # perf stat ends with its backend
    per_query() { awk -F, -v n=$((passes * NQ)) '/task-clock/ {printf "%.4f", $1 / n}' "$1"; }
    read -r sum_a sum_b <"$OUT/sums"
    if [ "$first" = "$SO_A" ]; then ta=$(per_query "$OUT/stat_a") tb=$(per_query "$OUT/stat_b")
    else ta=$(per_query "$OUT/stat_b") tb=$(per_query "$OUT/stat_a"); fi
    [ "$sum_a" = "$sum_b" ] || differ=1
    ratio=$(awk "BEGIN {printf \"%.4f\", $tb / $ta}")
    echo "round $r: A $ta ms, B $tb ms, B/A $ratio, result checksums $sum_a $sum_b"
    va="$va $ta" vb="$vb $tb" vr="$vr $ratio"
  done
  echo "$ds ef $ef: A median $(echo "$va" | median) ms, B median $(echo "$vb" | median) ms, median B/A $(echo "$vr" | median)$([ $differ = 0 ] && echo ', same results' || echo ', RESULTS DIFFER')"
done
