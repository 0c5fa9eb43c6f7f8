#!/usr/bin/env bash
# `make bench` (and `make bench-scale`): vectorext and, when its `vector` extension is installed on the server,
# pgvector, measured side by side in one throwaway cluster by bench/out/ann_bench (docs/benchmarks.md). Not a test:
# nothing fails on a slow number. Steps: prerequisites; build the extension and install it into a private staged
# copy of the server (a concurrent `make install` from another checkout cannot swap the .so under the benchmark; the
# copy also holds whatever else the system server has, e.g. pgvector); build ann_bench; start the cluster
# (bench/cluster.sh); run ann_bench; stop the cluster (trap); render the PNGs with gnuplot.
#
# Environment (all optional; docs/benchmarks.md has the list with defaults):
#   VX_BENCH_DATA  VX_BENCH_OUT  VX_BENCH_CACHE  VX_BENCH_DATASETS  VX_BENCH_WORKLOADS  VX_BENCH_SYSTEMS
#   VX_BENCH_PARTS  VX_BENCH_RAW  VX_BENCH_QUERIES  VX_BENCH_BASE  VX_BENCH_REPEATS  VX_BENCH_THREADS  VX_BENCH_CPU
#   VX_BENCH_PORT  VX_BENCH_SHARED_BUFFERS  VX_BENCH_SMALL_SHARED_BUFFERS  VX_BENCH_MAINTENANCE_WORK_MEM
#   VX_BENCH_HUGE_PAGES
# Further arguments are passed to ann_bench (e.g. --ef=10,40 --probes=1,8 --filter-force-index); see
# `bench/out/ann_bench --help`.
source "$(dirname "$0")/../scripts/lib.sh"

# A stage of our own: `make test` in this checkout uses the default one and may run meanwhile.
STAGE=/tmp/vectorext-bench-stage-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
STAGE_ROOT="$STAGE/install"
STAGE_BIN="$STAGE_ROOT$PG_BINDIR"

OUT=${VX_BENCH_OUT:-$REPO/bench/out}
RUN_DIR=/tmp/vectorext-bench-run-$(id -u)-$(printf '%s' "$REPO" | md5sum | cut -c1-8)
export BENCH_RUN_DIR=$RUN_DIR BENCH_STAGE_BIN=$STAGE_BIN BENCH_PORT=${VX_BENCH_PORT:-54339}
export BENCH_SHARED_BUFFERS=${VX_BENCH_SHARED_BUFFERS:-2GB}
export BENCH_MAINTENANCE_WORK_MEM=${VX_BENCH_MAINTENANCE_WORK_MEM:-2GB}
export BENCH_HUGE_PAGES=${VX_BENCH_HUGE_PAGES:-off}
CLUSTER="$REPO/bench/cluster.sh"

find_fashion_mnist

# With the kernel's autogroup scheduling on (Debian's default), CPU time is shared between sessions first and by nice
# value only within one, so `nice -n 19` on other work does not keep it from halving a build's CPU (docs/benchmarks.md,
# Scale: a 1M build measured this way was 3x slower than quiet). Say so when something else is running.
if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] &&
   awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
  echo "note: load average $(cut -d' ' -f1 /proc/loadavg) with autogroup scheduling on: other sessions' work competes" \
       "with this run whatever its nice value (as root: echo 0 > /proc/sys/kernel/sched_autogroup_enabled)"
fi

bash "$REPO/scripts/deps.sh"

say "build vectorext and install it into $STAGE"
make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
stage_install
# stage_install leaves the system's extension `vector` out (tests must not depend on pgvector) and installs vectorext
# under that name too; the benchmark wants the system's pgvector there, when it has one, to measure it side by side.
SYSTEM_VECTOR="$PG_SHAREDIR/extension/vector.control"
if [ -f "$SYSTEM_VECTOR" ] && ! grep -qxF "module_pathname = '\$libdir/vectorext'" "$SYSTEM_VECTOR"; then
  rm -f "$STAGE_ROOT$PG_SHAREDIR"/extension/vector.control "$STAGE_ROOT$PG_SHAREDIR"/extension/vector--*.sql
  cp -a "$PG_SHAREDIR"/extension/vector.control "$PG_SHAREDIR"/extension/vector--*.sql "$STAGE_ROOT$PG_SHAREDIR/extension/"
  cp -a "$PG_ROOT/lib/vector.so" "$STAGE_ROOT$PG_ROOT/lib/"
  give_to_server "$STAGE"
else
  rm -f "$STAGE_ROOT$PG_SHAREDIR"/extension/vector.control  # vectorext under pgvector's name: nothing to compare
fi
if [ -f "$STAGE_ROOT$PG_SHAREDIR/extension/vector.control" ]; then
  echo "pgvector: $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$STAGE_ROOT$PG_SHAREDIR/extension/vector.control") installed on the server: measured side by side"
else
  echo "pgvector: not installed on the server: SKIPPED (docs/benchmarks.md says how to install it beside vectorext)"
fi

say "build bench/out/ann_bench"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
make -C "$REPO/bench" --no-print-directory -s -j2 OUT="$OUT"

# MB of a size such as 2GB / 512MB / 64MB
size_mb() {
  local v=${1^^}
  case "$v" in
    *TB) echo $(( ${v%TB} * 1024 * 1024 )) ;; *GB) echo $(( ${v%GB} * 1024 )) ;; *MB) echo "${v%MB}" ;;
    *KB) echo $(( ${v%KB} / 1024 )) ;; *) echo $(( v * 8 / 1024 )) ;;
  esac
}

HUGE_RESTORE=""
cleanup() {
  bash "$CLUSTER" stop || true
  if [ -n "$HUGE_RESTORE" ]; then sysctl -q -w vm.nr_hugepages="$HUGE_RESTORE" || true; HUGE_RESTORE=""; fi
  [ -f "$RUN_DIR/server.log" ] && cp "$RUN_DIR/server.log" "$OUT/server.log" 2>/dev/null
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "throwaway cluster in $RUN_DIR/data (port $BENCH_PORT, loopback only, shared_buffers $BENCH_SHARED_BUFFERS)"
cleanup
mkdir -p "$RUN_DIR"
give_to_server "$RUN_DIR"
HUGE_ARGS=()
if [ "$BENCH_HUGE_PAGES" = on ]; then
  # shared_buffers plus the rest of the shared memory, in 2 MB pages
  need=$(( $(size_mb "$BENCH_SHARED_BUFFERS") / 2 + 100 ))
  have=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  if [ "$have" -lt "$need" ] && [ "$(id -u)" = 0 ]; then
    HUGE_RESTORE=$(cat /proc/sys/vm/nr_hugepages)
    sysctl -q -w vm.nr_hugepages=$((HUGE_RESTORE + need - have))
  fi
  HUGE_ARGS=(--huge-pages)
fi
as_server "$STAGE_BIN/initdb" -D "$RUN_DIR/data" -A trust -U "$SERVER_USER" --no-instructions >/dev/null
bash "$CLUSTER" start

opt() { [ -n "${2:-}" ] && printf -- '--%s=%s\n' "$1" "$2"; return 0; }
ARGS=()
while IFS= read -r a; do [ -n "$a" ] && ARGS+=("$a"); done < <(
  opt datasets "${VX_BENCH_DATASETS:-}"
  opt workloads "${VX_BENCH_WORKLOADS:-}"
  opt systems "${VX_BENCH_SYSTEMS:-}"
  opt parts "${VX_BENCH_PARTS:-}"
  opt base "${VX_BENCH_BASE:-}"
  opt cache "${VX_BENCH_CACHE:-}"
  opt hnsw-threads "${VX_BENCH_THREADS:-}"
  opt ivf-threads "${VX_BENCH_THREADS:-}"
  opt small-shared-buffers "${VX_BENCH_SMALL_SHARED_BUFFERS:-}")
# VX_BENCH_RAW: which raw library baselines (hnsw,ivf); empty or "none" turns them off
if [ -n "${VX_BENCH_RAW+set}" ]; then
  if [ -z "$VX_BENCH_RAW" ] || [ "$VX_BENCH_RAW" = none ]; then ARGS+=(--no-raw); else ARGS+=("--raw=$VX_BENCH_RAW"); fi
fi

say "ann_bench (searches: client and backends pinned to CPU ${VX_BENCH_CPU:-0})"
rm -f "$OUT"/plot_* "$OUT"/*_recall_qps.png
rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
# Builds use the libraries' own threads; searches set them to 1 (OpenBLAS would otherwise spin threads).
OMP_WAIT_POLICY=PASSIVE "$OUT/ann_bench" \
  --data="$DATASET" --out="$OUT" \
  --conninfo="host=127.0.0.1 port=$BENCH_PORT user=$SERVER_USER" \
  --restart-cmd="bash $CLUSTER restart" --shared-buffers="$BENCH_SHARED_BUFFERS" \
  --queries="${VX_BENCH_QUERIES:-1000}" --repeats="${VX_BENCH_REPEATS:-3}" --cpu="${VX_BENCH_CPU:-0}" \
  --label="vectorext $rev on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC'), huge pages $BENCH_HUGE_PAGES" \
  "${HUGE_ARGS[@]}" "${ARGS[@]}" "$@" 2>&1 | tee "$OUT/bench.log"
status=${PIPESTATUS[0]}

if command -v gnuplot >/dev/null; then
  for gp in "$OUT"/plot_*.gp; do
    [ -f "$gp" ] || continue
    png=$(sed -n "s/^set output '\(.*\)'/\1/p" "$gp")
    gnuplot "$gp" && echo "plot: $png"
  done
else
  echo "gnuplot not installed: no PNG (apt-get install gnuplot-nox)"
fi
exit "$status"
