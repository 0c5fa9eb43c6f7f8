#!/usr/bin/env bash
# `make bench` (and `make bench-tune` alone): vectorext.tune on Fashion-MNIST, drawn. Loads the training images as the
# table and test images as queries, builds an hnsw and an ivfflat index, tunes each to a target recall on the first
# half of the queries, checks the chosen setting on the other half (held out), and draws the measured recall curves
# (recall and latency per ef_search / probes, the tuned point marked) with gnuplot. Not a test: latencies under load
# mean nothing; the recall side is deterministic (single-threaded builds). docs/tuning.md shows a run.
#
# Environment (all optional):
#   VX_BENCH_DATA      Fashion-MNIST directory (default: ../shared/data/fashion-mnist next to the checkout)
#   VX_BENCH_OUT       output directory (default: bench/out): tune_curve.log, tune_curve_*.csv, tune_curve_*.png
#   VX_TUNE_BASE       training images indexed (default 60000)
#   VX_TUNE_QUERIES    test images used: half to tune on, half held out (default 1000)
#   VX_TUNE_TARGET     target recall@10 (default 0.95)
#   VX_TUNE_PORT       server port (default 54349)
source "$(dirname "$0")/../scripts/lib.sh"

STAGE=/tmp/vectorext-tune-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"
OUT=${VX_BENCH_OUT:-$REPO/bench/out}
PORT=${VX_TUNE_PORT:-54349}
BASE=${VX_TUNE_BASE:-60000}
QUERIES=${VX_TUNE_QUERIES:-1000}
TARGET=${VX_TUNE_TARGET:-0.95}
RUN_DIR=/tmp/vectorext-tune-run-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
DATA_DIR="$RUN_DIR/data"

find_fashion_mnist

say "build vectorext and install it into $STAGE"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

stop_cluster() {
  if [ -f "$DATA_DIR/postmaster.pid" ]; then as_server "$STAGE_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null || true; fi
  rm -rf "$RUN_DIR"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM
stop_cluster
mkdir -p "$RUN_DIR"
say "Fashion-MNIST: $BASE images indexed, $QUERIES test images as queries"
python3 "$REPO/scripts/make_sample.py" "$DATASET" "$RUN_DIR/fmnist.tsv.gz" "$BASE" "$QUERIES"
give_to_server "$RUN_DIR"
as_server "$STAGE_BIN/initdb" -D "$DATA_DIR" -A trust -U "$SERVER_USER" --no-instructions >/dev/null
as_server "$STAGE_BIN/pg_ctl" -D "$DATA_DIR" -l "$RUN_DIR/server.log" -w -o "-p $PORT \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories=$RUN_DIR -c shared_buffers=512MB \
  -c maintenance_work_mem=1GB -c max_wal_size=4GB -c jit=off -c autovacuum=off" start >/dev/null
psql_run() { as_server "$STAGE_BIN/psql" -h "$RUN_DIR" -p "$PORT" -U "$SERVER_USER" -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

half=$((QUERIES / 2))
say "tune to recall@10 >= $TARGET on $half queries, check on the other $((QUERIES - half))"
psql_run -c 'CREATE EXTENSION vectorext' -c 'CREATE TABLE fm_all (split text, id int, label int, v vector(784))' \
  -c "\\copy fm_all FROM PROGRAM 'gzip -dc $RUN_DIR/fmnist.tsv.gz'"
psql_run -v target="$TARGET" -v half="$half" -v out="$RUN_DIR" <<'SQL' 2>&1 | tee "$OUT/tune_curve.log"
\pset footer off
CREATE TABLE fm AS SELECT id, label, v FROM fm_all WHERE split = 'base';
CREATE TABLE fm_q AS SELECT id, v, id <= :half AS tuning FROM fm_all WHERE split = 'query';
CREATE TABLE fm2 AS SELECT * FROM fm;
SET max_parallel_maintenance_workers = 0;
\timing on
CREATE INDEX fm_hnsw ON fm USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX fm_ivfflat ON fm2 USING ivfflat (v vector_l2_ops) WITH (lists = 245);
\echo '-- tune (its duration is the cost of tuning)'
SELECT * FROM vectorext.tune('fm_hnsw', :target, queries => 'SELECT v FROM public.fm_q WHERE tuning');
SELECT * FROM vectorext.tune('fm_ivfflat', :target, queries => 'SELECT v FROM public.fm_q WHERE tuning');
\timing off
\echo '-- held-out check: recall at the tuned settings on the queries not tuned on'
SELECT index, value AS tuned, vectorext.index_recall(index, queries => 'SELECT v FROM public.fm_q WHERE NOT tuning') AS heldout_recall
  FROM vectorext.recall_curves WHERE tuned ORDER BY index::text;
\echo '-- the curves'
SELECT index, value, recall, round(ms_per_query::numeric, 3) AS ms_per_query, tuned FROM vectorext.recall_curves ORDER BY index::text, value;
\pset format unaligned
\pset fieldsep ','
\pset tuples_only on
\o :out/tune_curve_hnsw.csv
SELECT value, recall, ms_per_query, tuned::int FROM vectorext.recall_curves WHERE index = 'fm_hnsw'::regclass ORDER BY value;
\o :out/tune_curve_ivfflat.csv
SELECT value, recall, ms_per_query, tuned::int FROM vectorext.recall_curves WHERE index = 'fm_ivfflat'::regclass ORDER BY value;
\o
SQL
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"
cp "$RUN_DIR"/tune_curve_*.csv "$OUT/"

if command -v gnuplot >/dev/null; then
  for idx in hnsw:ef_search ivfflat:probes; do
    name=${idx%%:*} param=${idx#*:}
    cat > "$OUT/tune_curve_$name.gp" <<GP
set terminal pngcairo size 900,560 noenhanced
set output '$OUT/tune_curve_$name.png'
set datafile separator ','
set title 'vectorext.tune: $name on Fashion-MNIST ($BASE images, recall@10 on $half queries, target $TARGET)'
set xlabel '$param'
set logscale x
set ylabel 'recall@10'
set y2label 'ms per query (index scan)'
set ytics nomirror
set y2tics
set key bottom right
set grid
plot '$OUT/tune_curve_$name.csv' using 1:2 with linespoints title 'recall', \
     '' using 1:(\$4 == 1 ? \$2 : 1/0) with points pt 7 ps 2 title 'tuned', \
     '' using 1:3 axes x1y2 with linespoints dt 2 title 'latency', \
     $TARGET with lines dt 3 title 'target'
GP
    gnuplot "$OUT/tune_curve_$name.gp" && echo "plot: $OUT/tune_curve_$name.png"
  done
else
  echo "gnuplot not installed: no PNG (apt-get install gnuplot-nox)"
fi
