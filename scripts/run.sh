#!/usr/bin/env bash
# `make run` / `make stop`: a throwaway local cluster for trying vectorext. Data lives under the repo in .run/
# (or, when the server user cannot enter the checkout, in /var/tmp), listens on loopback only, on its own port.
# start: build, install, (re)create the cluster, load the Fashion-MNIST sample, run the demo scripts demo/*.sql.
source "$(dirname "$0")/lib.sh"

PORT=${VX_PORT:-54329}
DB=vectorext_demo
if as_server test -x "$REPO" 2>/dev/null && as_server test -r "$REPO" 2>/dev/null; then
  RUN_DIR="$REPO/.run"
else
  RUN_DIR="/var/tmp/vectorext-run-$(printf '%s' "$REPO" | md5sum | cut -c1-8)"
fi
DATA="$RUN_DIR/data"
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$SERVER_USER")

stop_cluster() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_server "$PG_BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && echo "stopped the demo cluster ($DATA)"
  fi
  return 0
}

start() {
  say "build and install vectorext"
  make -C "$REPO" --no-print-directory -s -j2 PG_CONFIG="$PG_CONFIG"
  if [ "$(id -u)" = 0 ]; then
    make -C "$REPO" --no-print-directory -s install PG_CONFIG="$PG_CONFIG" >/dev/null
  else
    echo "(not root: run 'sudo make install' once if the extension is not installed yet)"
    make -C "$REPO" --no-print-directory -s install PG_CONFIG="$PG_CONFIG" >/dev/null 2>&1 || true
  fi

  say "throwaway cluster in $DATA (port $PORT, loopback only)"
  stop_cluster
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  give_to_server "$RUN_DIR"
  as_server "$PG_BINDIR/initdb" -D "$DATA" -A trust -U "$SERVER_USER" --no-instructions >/dev/null
  as_server "$PG_BINDIR/pg_ctl" -D "$DATA" -l "$RUN_DIR/server.log" -w \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$RUN_DIR -c maintenance_work_mem=512MB" \
    start >/dev/null
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"

  say "load the Fashion-MNIST sample (demo/fashion-mnist-sample.tsv.gz)"
  "${PSQL[@]}" -d "$DB" -c "CREATE EXTENSION vectorext" \
    -c "CREATE TABLE fashion_raw (split text, id int, label int, embedding vector(784))"
  gzip -dc "$REPO/demo/fashion-mnist-sample.tsv.gz" | "${PSQL[@]}" -d "$DB" -c "COPY fashion_raw FROM STDIN"

  for script in "$REPO"/demo/*.sql; do
    say "demo: $(basename "$script")"
    "${PSQL[@]}" -d "$DB" -f "$script"
  done

  say "ready"
  echo "Connect:  ${PSQL[*]:0:1} -h 127.0.0.1 -p $PORT -U $SERVER_USER $DB"
  echo "Stop:     make stop"
}

case "${1:-start}" in
  start) start ;;
  stop) stop_cluster ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
