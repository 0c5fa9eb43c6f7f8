#!/usr/bin/env bash
# bench/cluster.sh start|stop|restart [SHARED_BUFFERS]: the throwaway cluster of `make bench`. bench/run.sh exports
# the settings below and calls it; ann_bench calls `restart SIZE` for the memory workload (an index larger than
# shared_buffers). Loopback only, own port, data under /tmp; no checkpoints or parallel query in the middle of a
# measurement (each build sets max_parallel_maintenance_workers itself).
source "$(dirname "$0")/../scripts/lib.sh"
: "${BENCH_RUN_DIR:?}" "${BENCH_STAGE_BIN:?}" "${BENCH_PORT:?}" "${BENCH_SHARED_BUFFERS:?}"
DATA_DIR="$BENCH_RUN_DIR/data"

start() {
  local sb=${1:-$BENCH_SHARED_BUFFERS}
  as_server "$BENCH_STAGE_BIN/pg_ctl" -D "$DATA_DIR" -l "$BENCH_RUN_DIR/server.log" -w -o "-p $BENCH_PORT \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories=$BENCH_RUN_DIR \
    -c shared_buffers=$sb -c maintenance_work_mem=${BENCH_MAINTENANCE_WORK_MEM:-2GB} \
    -c max_wal_size=16GB -c checkpoint_timeout=1h -c max_parallel_workers_per_gather=0 -c jit=off \
    -c autovacuum=off -c huge_pages=${BENCH_HUGE_PAGES:-off}" start >/dev/null
}

stop() {
  if [ -f "$DATA_DIR/postmaster.pid" ]; then
    as_server "$BENCH_STAGE_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null || true
  fi
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  restart) stop; start "${2:-}" ;;
  *) echo "usage: bench/cluster.sh start|stop|restart [SHARED_BUFFERS]" >&2; exit 2 ;;
esac
