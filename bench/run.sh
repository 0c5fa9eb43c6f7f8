#!/usr/bin/env bash
# `make bench`: recall/QPS/build-time benchmarks on Fashion-MNIST (docs/benchmarks.md). Not a test: nothing fails on
# a slow number. Steps: prerequisites, build the extension and install it into a private staged copy of the server
# (so a concurrent `make install` from another checkout cannot swap the .so under the benchmark), build
# bench/out/ann_bench, start a throwaway cluster (loopback only, own port, data under /tmp), run ann_bench, stop the
# cluster (trap), render the PNGs with gnuplot.
#
# Environment (all optional):
#   VX_BENCH_DATA      Fashion-MNIST directory (default: ../shared/data/fashion-mnist next to the checkout)
#   VX_BENCH_OUT       output directory (default: bench/out): ground-truth cache, CSV, PNG, log
#   VX_BENCH_QUERIES   number of test images used as queries (default 1000)
#   VX_BENCH_REPEATS   timed passes per setting, the median is reported (default 3)
#   VX_BENCH_CPU       the CPU that client and backend are pinned to for searches (default 0)
#   VX_BENCH_PORT      server port (default 54339)
#   VX_BENCH_PARTS     hnsw,ivf (default both)
#   VX_BENCH_PGVECTOR  reference figures CSV (default bench/pgvector_reference.csv)
#   VX_BENCH_HUGE_PAGES  on: shared_buffers on huge pages (reserves vm.nr_hugepages for the run when root, restores
#                      it after) and raw hnswlib on transparent huge pages; off (default): 4 KB pages on both sides
# Further arguments to this script are passed to ann_bench (e.g. --base=10000 --ef=10,40 --no-raw); see
# `bench/out/ann_bench --help`.
source "$(dirname "$0")/../scripts/lib.sh"

# A stage of our own: `make test` in this checkout uses the default one and may run meanwhile.
STAGE=/tmp/vectorext-bench-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"

OUT=${VX_BENCH_OUT:-$REPO/bench/out}
PORT=${VX_BENCH_PORT:-54339}
CPU=${VX_BENCH_CPU:-0}
RUN_DIR=/tmp/vectorext-bench-run-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
DATA_DIR="$RUN_DIR/data"

if [ -n "${VX_BENCH_DATA:-}" ]; then
  DATASET=$VX_BENCH_DATA
else
  for d in "$REPO/../shared/data/fashion-mnist" "$REPO/../../shared/data/fashion-mnist"; do
    [ -f "$d/train-images-idx3-ubyte.gz" ] && { DATASET=$(cd "$d" && pwd); break; }
  done
fi
if [ -z "${DATASET:-}" ] || [ ! -f "$DATASET/train-images-idx3-ubyte.gz" ]; then
  echo "Fashion-MNIST not found (looked in ../shared/data/fashion-mnist); set VX_BENCH_DATA=DIR" >&2
  exit 1
fi

bash "$REPO/scripts/deps.sh"

say "build vectorext and install it into $STAGE"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install

say "build bench/out/ann_bench"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
make -C "$REPO/bench" --no-print-directory -s OUT="$OUT"

HUGE=${VX_BENCH_HUGE_PAGES:-off}
HUGE_RESTORE=""
stop_cluster() {
  if [ -f "$DATA_DIR/postmaster.pid" ]; then
    as_server "$STAGE_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null || true
  fi
  if [ -n "$HUGE_RESTORE" ]; then sysctl -q -w vm.nr_hugepages="$HUGE_RESTORE" || true; HUGE_RESTORE=""; fi
  [ -f "$RUN_DIR/server.log" ] && cp "$RUN_DIR/server.log" "$OUT/server.log" 2>/dev/null
  rm -rf "$RUN_DIR"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

say "throwaway cluster in $DATA_DIR (port $PORT, loopback only)"
stop_cluster
mkdir -p "$RUN_DIR"
give_to_server "$RUN_DIR"
HUGE_ARGS=()
if [ "$HUGE" = on ]; then
  # 1 GB of shared_buffers plus the rest of the shared memory, in 2 MB pages
  need=600
  have=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  if [ "$have" -lt "$need" ] && [ "$(id -u)" = 0 ]; then
    HUGE_RESTORE=$(cat /proc/sys/vm/nr_hugepages)
    sysctl -q -w vm.nr_hugepages=$((HUGE_RESTORE + need - have))
  fi
  HUGE_ARGS=(--huge-pages)
fi
as_server "$STAGE_BIN/initdb" -D "$DATA_DIR" -A trust -U "$SERVER_USER" --no-instructions >/dev/null
# shared_buffers holds table + index; no checkpoints or parallel query in the middle of a measurement; the session
# sets max_parallel_maintenance_workers itself for each build.
as_server "$STAGE_BIN/pg_ctl" -D "$DATA_DIR" -l "$RUN_DIR/server.log" -w -o "-p $PORT \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories=$RUN_DIR \
  -c shared_buffers=1GB -c maintenance_work_mem=2GB -c max_wal_size=8GB -c checkpoint_timeout=1h \
  -c max_parallel_workers_per_gather=0 -c jit=off -c autovacuum=off -c huge_pages=$HUGE" start >/dev/null

say "ann_bench (search: client and backend pinned to CPU $CPU)"
rm -f "$OUT"/plot_* "$OUT"/*_recall_qps.png
rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
# Builds use the libraries' own threads; searches set them to 1 (OpenBLAS would otherwise spin threads).
OMP_WAIT_POLICY=PASSIVE "$OUT/ann_bench" \
  --data="$DATASET" --out="$OUT" \
  --conninfo="host=127.0.0.1 port=$PORT user=$SERVER_USER dbname=postgres" \
  --queries="${VX_BENCH_QUERIES:-1000}" --repeats="${VX_BENCH_REPEATS:-3}" --cpu="$CPU" \
  --parts="${VX_BENCH_PARTS:-hnsw,ivf}" \
  --pgvector-ref="${VX_BENCH_PGVECTOR:-$REPO/bench/pgvector_reference.csv}" \
  --label="vectorext $rev on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC'), huge pages $HUGE" \
  "${HUGE_ARGS[@]}" "$@" 2>&1 | tee "$OUT/bench.log"
status=${PIPESTATUS[0]}

if command -v gnuplot >/dev/null; then
  for fam in hnsw ivf; do
    if [ -f "$OUT/plot_$fam.gp" ]; then gnuplot "$OUT/plot_$fam.gp" && echo "plot: $OUT/${fam}_recall_qps.png"; fi
  done
else
  echo "gnuplot not installed: no PNG (apt-get install gnuplot-nox)"
fi
exit "$status"
